"""Any other receiver: a JSON POST of `{"title", "text", "timestamp"}` signed with the channel's secret in
`X-Zldesk-Signature: sha256=<hex of HMAC-SHA256(secret, body)>` (the timestamp inside the signed body
lets the receiver refuse a replay). 2xx is sent; 429 and 5xx are retried (after Retry-After if given);
any other status is refused."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from zldesk.notify.channels.web import Reply, by_http_status, post
from zldesk.notify.message import Delivery, Message

KEYS = {"url", "secret"}
REQUIRED = {"url", "secret"}
HEADER = "X-Zldesk-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def send(channel: dict, message: Message, timeout: float) -> Delivery:
    payload = {"title": message.title, "text": message.text, "timestamp": int(time.time())}
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    reply = post(channel["url"], body, timeout, {HEADER: signature(channel["secret"], body)})
    return by_http_status(reply) if isinstance(reply, Reply) else reply
