"""Local stand-ins for the robot APIs and an SMTP server, on 127.0.0.1 only, for tests/test_notify_channels.py.
Each robot speaks its API's request and reply shapes: it checks the path, the token, the signature
(recomputed with the secret, a wrong one answered with the API's own error reply) and the body, and on
request answers an error reply instead (rate limit, HTTP 500, non-JSON, a redirect, a hang)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "tok3n-6f1d2c9a8b7e4d3c"  # the robot's key / access_token / hook id, in the URL
SECRET = "SECsecret-0a9b8c7d6e5f"
KEYWORD = "zldesk"

RATE = {
    "wecom": {"errcode": 45009, "errmsg": "api freq out of limit"},
    "dingtalk": {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"},
    "feishu": {"code": 11232, "data": {}, "msg": "frequency limited"},
}
OK = {
    "wecom": {"errcode": 0, "errmsg": "ok"},
    "dingtalk": {"errcode": 0, "errmsg": "ok"},
    "feishu": {"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"},
}


def _kind(path: str) -> str:
    if path.startswith("/cgi-bin/webhook/send"):
        return "wecom"
    if path.startswith("/robot/send"):
        return "dingtalk"
    if path.startswith("/open-apis/bot/v2/hook/"):
        return "feishu"
    return "webhook"


def _check(kind: str, path: str, query: dict, headers, raw: bytes, body: dict | None) -> tuple[int, dict | None]:
    """The real API's verdict on a request: (HTTP status, JSON reply)."""
    if body is None:
        return 400, {"errcode": 40001, "errmsg": "invalid json"}
    if kind == "wecom":
        if query.get("key") != TOKEN:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        md = body.get("markdown", {})
        if body.get("msgtype") != "markdown" or not isinstance(md.get("content"), str):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        return 200, OK[kind]
    if kind == "dingtalk":
        if query.get("access_token") != TOKEN:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        ts = query.get("timestamp", "")
        want = base64.b64encode(hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()).decode()
        if query.get("sign") != want:  # parse_qs has already URL-decoded it
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        md = body.get("markdown", {})
        if body.get("msgtype") != "markdown" or not md.get("title") or not isinstance(md.get("text"), str):
            return 200, {"errcode": 40035, "errmsg": "missing parameter"}
        if KEYWORD not in md["text"]:
            return 200, {"errcode": 310000, "errmsg": "keywords not in content"}
        return 200, OK[kind]
    if kind == "feishu":
        if path != f"/open-apis/bot/v2/hook/{TOKEN}":
            return 200, {"code": 19001, "data": {}, "msg": "param invalid: incoming webhook access token invalid"}
        ts = body.get("timestamp", "")
        want = base64.b64encode(hmac.new(f"{ts}\n{SECRET}".encode(), b"", hashlib.sha256).digest()).decode()
        if body.get("sign") != want:
            return 200, {
                "code": 19021,
                "data": {},
                "msg": "sign match fail or timestamp is not within one hour from current time",
            }
        post = body.get("content", {}).get("post", {}).get("zh_cn", {})
        if body.get("msg_type") != "post" or not post.get("title") or not isinstance(post.get("content"), list):
            return 200, {"code": 9499, "data": {}, "msg": "Bad Request"}
        return 200, OK[kind]
    want = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    if headers.get("X-Zldesk-Signature") != want:
        return 401, {"error": "bad signature"}
    if not {"title", "text", "timestamp"} <= set(body):
        return 422, {"error": "missing fields"}
    return 204, None


class Robots:
    """One HTTP server for all four robot kinds; `mode` picks how it answers the next requests."""

    def __init__(self) -> None:
        self.mode = "api"
        self.seen: list[dict] = []
        self.release = threading.Event()
        robots = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                split = urllib.parse.urlsplit(self.path)
                query = {k: v[0] for k, v in urllib.parse.parse_qs(split.query).items()}
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                kind = _kind(split.path)
                robots.seen.append(
                    {
                        "kind": kind,
                        "path": split.path,
                        "query": query,
                        "body": body,
                        "raw": raw,
                        "headers": dict(self.headers),
                    }
                )
                mode = robots.mode
                if mode == "hang":
                    robots.release.wait(30)
                    return
                if mode == "rate":
                    if kind == "webhook":
                        return self._send(429, b"slow down", "text/plain", {"Retry-After": "7"})
                    return self._json(200, RATE[kind])
                if mode == "500":
                    return self._send(500, f"upstream failed for {self.path}".encode(), "text/plain")
                if mode == "html":
                    return self._send(200, b"<html>gateway login</html>", "text/html")
                if mode == "redirect":
                    return self._send(302, b"", "text/plain", {"Location": f"http://elsewhere.invalid/?key={TOKEN}"})
                if mode == "echo":  # an error reply that quotes the token back
                    return self._json(
                        200,
                        {
                            "errcode": 93000,
                            "errmsg": f"invalid webhook url, key={TOKEN}",
                            "code": 19001,
                            "msg": f"token {TOKEN} invalid",
                        },
                    )
                status, reply = _check(kind, split.path, query, self.headers, raw, body)
                if reply is None:
                    return self._send(status, b"", "text/plain")
                return self._json(status, reply)

            def _json(self, status, value):
                self._send(status, json.dumps(value).encode(), "application/json")

            def _send(self, status, data, ctype, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, kind: str, token: str = TOKEN) -> str:
        return {
            "wecom": f"{self.base}/cgi-bin/webhook/send?key={token}",
            "dingtalk": f"{self.base}/robot/send?access_token={token}",
            "feishu": f"{self.base}/open-apis/bot/v2/hook/{token}",
            "webhook": f"{self.base}/hook/{token}",
        }[kind]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
