"""WeCom (企业微信) group robot: POST the webhook URL (…/cgi-bin/webhook/send?key=…) with a markdown message
`{"msgtype": "markdown", "markdown": {"content": …}}`; the reply is `{"errcode": 0, "errmsg": "ok"}`, and an
HTTP 200 whose errcode is not 0 is a failure. 45009 is the frequency limit (20 messages a minute per
robot): retried after a minute; -1 (system busy) retried; any other code is refused."""

from __future__ import annotations

from zldesk.notify.channels.web import Reply, coded, post_json
from zldesk.notify.message import Delivery, Message

KEYS = {"url"}
REQUIRED = {"url"}
CONTENT_BYTES = 4096  # the markdown content's limit


def cut(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut on a character."""
    raw = text.encode("utf-8")
    return text if len(raw) <= limit else raw[: limit - 3].decode("utf-8", "ignore") + "…"


def payload(message: Message) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": cut(f"**{message.title}**\n{message.text}", CONTENT_BYTES)}}


def send(channel: dict, message: Message, timeout: float) -> Delivery:
    reply = post_json(channel["url"], payload(message), timeout)
    if not isinstance(reply, Reply):
        return reply
    return coded(reply, "errcode", "errmsg", {45009: 60.0, -1: None}, "企业微信")
