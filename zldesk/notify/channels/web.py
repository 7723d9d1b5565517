"""One HTTP POST for the robot channels, with the standard library: a timeout always, no redirect followed
(a robot API answers where it is; a redirect may lead the token elsewhere), and every failure to reach the
server turned into a Delivery whose words name no URL."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass

from zldesk.notify.message import Delivery

RETRY_HTTP = {408, 425, 429}  # besides 5xx: the server asks to come back later


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    retry_after: float | None = None

    def json(self) -> dict | None:
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None
        return value if isinstance(value, dict) else None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102 - urllib's hook
        return None  # urllib then raises HTTPError with the 3xx code, which post() returns as a Reply


_OPENER = urllib.request.build_opener(_NoRedirect)


def _retry_after(headers) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the caller's own backoff applies


def post_json(url: str, payload: dict, timeout: float, headers: dict[str, str] | None = None) -> Reply | Delivery:
    """The server's reply (any HTTP status), or a Delivery when none came."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return post(url, body, timeout, headers)


def post(url: str, body: bytes, timeout: float, headers: dict[str, str] | None = None) -> Reply | Delivery:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    for key, value in (headers or {}).items():
        request.add_header(key, value)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            return Reply(answer.status, answer.read(), _retry_after(answer.headers))
    except urllib.error.HTTPError as exc:
        try:
            data = exc.read()
        except (OSError, TimeoutError):
            data = b""
        return Reply(exc.code, data, _retry_after(exc.headers))
    except urllib.error.URLError as exc:
        return unreachable(exc.reason)
    except (TimeoutError, OSError) as exc:  # a timeout or reset while reading the reply
        return unreachable(exc)


def unreachable(reason: object) -> Delivery:
    """Words for a connection that failed; the reason's class, never its text (which may quote the URL)."""
    if isinstance(reason, TimeoutError | socket.timeout):
        return Delivery(False, True, "timeout", "服务器没有在限定时间内回答")
    if isinstance(reason, ConnectionRefusedError):
        return Delivery(False, True, "refused", "服务器拒绝连接（端口没有服务在听）")
    if isinstance(reason, socket.gaierror):
        return Delivery(False, True, "dns", "找不到服务器的地址（域名解析失败）")
    if isinstance(reason, ConnectionError):
        return Delivery(False, True, "network", "连接中断")
    import ssl

    if isinstance(reason, ssl.SSLCertVerificationError):
        return Delivery(False, False, "tls_certificate", "服务器的证书验证不通过")
    return Delivery(False, True, "network", f"连不上服务器（{type(reason).__name__}）")


def by_http_status(reply: Reply) -> Delivery:
    """A reply the API's own body did not explain: judged by its HTTP status alone."""
    code = reply.status
    if 200 <= code < 300:
        return Delivery(True, False, "sent")
    if code == 429:
        return Delivery(False, True, "rate_limited", "服务器说发得太快（HTTP 429）", reply.retry_after)
    if code >= 500 or code in RETRY_HTTP:
        return Delivery(False, True, f"http_{code}", f"服务器出错（HTTP {code}）", reply.retry_after)
    if 300 <= code < 400:
        return Delivery(False, False, f"http_{code}", f"服务器要求跳转（HTTP {code}），没有跟随：检查地址")
    return Delivery(False, False, f"http_{code}", f"服务器拒收（HTTP {code}）")


def coded(reply: Reply, field: str, message_field: str, retry_codes: dict[int, float | None], api: str) -> Delivery:
    """A robot API's JSON answer `{field: 0 | n, message_field: "..."}`: 0 is sent, a code in retry_codes is
    worth retrying (after the seconds given), any other code is refused as the API says; a reply without
    the code is judged by its HTTP status, and a 2xx that is not JSON is not taken as sent."""
    data = reply.json()
    code = data.get(field) if data is not None else None
    if not isinstance(code, int) or isinstance(code, bool):
        if data is None and 200 <= reply.status < 300:
            return Delivery(False, True, "not_json", f"{api}的回答不是 JSON（HTTP {reply.status}），不算送达")
        judged = by_http_status(reply)
        if judged.ok:
            return Delivery(False, True, "no_code", f"{api}的回答里没有 {field}，不算送达")
        return judged
    if code == 0:
        return Delivery(True, False, "sent")
    words = str(data.get(message_field, ""))[:200]
    if code in retry_codes:
        return Delivery(False, True, "rate_limited", f"{api}限流（{field} {code}：{words}）", retry_codes[code])
    return Delivery(False, False, f"{field}_{code}", f"{api}拒收（{field} {code}：{words}）")
