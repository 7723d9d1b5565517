"""Feishu (飞书) custom bot: POST …/open-apis/bot/v2/hook/<token> with a `post` (rich text) message. With
签名校验 (a `secret`) the body carries `timestamp` (seconds) and `sign` = base64(HMAC-SHA256(key=
f"{timestamp}\\n{secret}", msg=b"")); the timestamp must be within an hour of the server's clock. Reply
`{"code": 0, "msg": "success", ...}`; 9499 and 11232 (frequency limited) are retried; 19021 (sign match
fail or timestamp out of the hour) and any other code are not retried."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from zldesk.notify.channels.dingtalk import with_keyword
from zldesk.notify.channels.web import Reply, coded, post_json
from zldesk.notify.message import Delivery, Message

KEYS = {"url", "secret", "keyword"}
REQUIRED = {"url"}


def sign(secret: str, timestamp: int) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def payload(message: Message, keyword: str | None = None) -> dict:
    lines = with_keyword(message.text, keyword).splitlines() or [""]
    content = [[{"tag": "text", "text": line}] for line in lines]
    return {"msg_type": "post", "content": {"post": {"zh_cn": {"title": message.title, "content": content}}}}


def send(channel: dict, message: Message, timeout: float) -> Delivery:
    body = payload(message, channel.get("keyword"))
    if channel.get("secret"):
        timestamp = int(time.time())
        body = {"timestamp": str(timestamp), "sign": sign(channel["secret"], timestamp), **body}
    reply = post_json(channel["url"], body, timeout)
    if not isinstance(reply, Reply):
        return reply
    data = reply.json() or {}
    if "code" not in data and "StatusCode" in data:  # the older success reply names it StatusCode
        return coded(reply, "StatusCode", "StatusMessage", {}, "飞书")
    return coded(reply, "code", "msg", {9499: 60.0, 11232: 60.0}, "飞书")
