"""DingTalk (钉钉) custom robot: POST …/robot/send?access_token=… with `{"msgtype": "markdown", "markdown":
{"title", "text"}}`. With 加签 (a `secret`), `&timestamp=<ms>&sign=<s>` is appended, where s is
urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))). With 自定义关键词 (`keyword`)
the text must contain the word: it is added when missing. Reply `{"errcode": 0, "errmsg": "ok"}`;
130101 (sent too fast: over 20 a minute and the robot is held for 10 minutes) is retried after 10 minutes;
310000 (sign, keyword or IP refused) and any other code are not retried."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

from zldesk.notify.channels.web import Reply, coded, post_json
from zldesk.notify.message import Delivery, Message

KEYS = {"url", "secret", "keyword"}
REQUIRED = {"url"}


def sign(secret: str, timestamp_ms: int) -> str:
    """The sign as DingTalk computes it, URL-encoded for the query."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode("ascii"))


def signed_url(url: str, secret: str, timestamp_ms: int) -> str:
    joiner = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={sign(secret, timestamp_ms)}"


def with_keyword(text: str, keyword: str | None) -> str:
    return text if not keyword or keyword in text else f"{text}\n\n{keyword}"


def payload(message: Message, keyword: str | None = None) -> dict:
    lines = "  \n".join(message.text.splitlines())  # a markdown hard break: DingTalk joins bare newlines
    return {
        "msgtype": "markdown",
        "markdown": {"title": message.title, "text": with_keyword(f"### {message.title}\n\n{lines}", keyword)},
    }


def send(channel: dict, message: Message, timeout: float) -> Delivery:
    url = channel["url"]
    if channel.get("secret"):
        url = signed_url(url, channel["secret"], int(time.time() * 1000))
    reply = post_json(url, payload(message, channel.get("keyword")), timeout)
    if not isinstance(reply, Reply):
        return reply
    return coded(reply, "errcode", "errmsg", {130101: 600.0}, "钉钉")
