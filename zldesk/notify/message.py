"""What the watcher hands a channel, and what the channel answers. Pure."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Message:
    title: str
    text: str  # markdown-ish plain text, Chinese


@dataclass(frozen=True)
class Delivery:
    ok: bool  # the API confirmed it
    retry: bool  # worth trying again (network error, 5xx, rate limit)
    status: str  # short machine word: "sent", "http_500", "errcode_310000", "rate_limited", "timeout", "refused"
    error: str = ""  # words for people, NEVER the URL, token, secret or password
    retry_after: float | None = None
