"""The channels of issue 18 against local servers on 127.0.0.1 that speak each API's shapes
(tests/notify_servers.py) and against aiosmtpd: what each reply means (sent, retried, refused), the
signatures the servers recompute, and that no URL token, secret or password shows in what comes back."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading

import pytest

from zldesk.notify.channels import KINDS, check, deliver
from zldesk.notify.message import Delivery, Message

from .notify_servers import KEYWORD, SECRET, TOKEN, Robots

MSG = Message("一级工单即将超时", f"医院：市一院\n级别：1 级\n剩余：25 分钟 {KEYWORD}")
ROBOTS = ["wecom", "dingtalk", "feishu", "webhook"]


@pytest.fixture
def robots():
    server = Robots()
    yield server
    server.close()


def channel(robots: Robots, kind: str, **extra) -> dict:
    base = {"name": "值班群", "kind": kind, "url": robots.url(kind)}
    if kind != "wecom":
        base["secret"] = SECRET
    return {**base, **extra}


def assert_no_secret(d: Delivery) -> None:
    for word in (TOKEN, SECRET):
        assert word not in repr(d), (word, d)


@pytest.mark.parametrize("kind", ROBOTS)
def test_each_robot_takes_the_message_as_its_api_wants_it(robots, kind):
    d = deliver(channel(robots, kind), MSG, timeout=5)
    assert d == Delivery(True, False, "sent"), d
    body = robots.seen[-1]["body"]
    if kind == "wecom":
        assert body["msgtype"] == "markdown" and "一级工单即将超时" in body["markdown"]["content"]
    elif kind == "dingtalk":
        assert body["markdown"]["title"] == MSG.title and "25 分钟" in body["markdown"]["text"]
    elif kind == "feishu":
        assert body["msg_type"] == "post"
        lines = body["content"]["post"]["zh_cn"]["content"]
        assert [[{"tag": "text", "text": "医院：市一院"}]] == lines[:1]
    else:
        assert body["title"] == MSG.title and body["text"] == MSG.text and isinstance(body["timestamp"], int)


@pytest.mark.parametrize(
    ("kind", "status"), [("dingtalk", "errcode_310000"), ("feishu", "code_19021"), ("webhook", "http_401")]
)
def test_a_wrong_secret_is_refused_by_the_server_and_not_retried(robots, kind, status):
    d = deliver(channel(robots, kind, secret="not-the-secret"), MSG, timeout=5)
    assert (d.ok, d.retry, d.status) == (False, False, status), d
    assert_no_secret(d)


def test_dingtalk_adds_the_keyword_the_robot_requires(robots):
    text_without = Message("一级工单", "剩余 25 分钟")
    refused = deliver(channel(robots, "dingtalk"), text_without, timeout=5)
    assert (refused.status, refused.retry) == ("errcode_310000", False) and "keywords" in refused.error
    sent = deliver(channel(robots, "dingtalk", keyword=KEYWORD), text_without, timeout=5)
    assert sent.ok, sent


def test_an_http_200_with_an_error_code_is_not_sent(robots):
    wrong = {**channel(robots, "wecom"), "url": robots.url("wecom", token="someone-elses-key")}
    d = deliver(wrong, MSG, timeout=5)
    assert (d.ok, d.retry, d.status) == (False, False, "errcode_93000") and "invalid webhook url" in d.error


@pytest.mark.parametrize(("kind", "after"), [("wecom", 60.0), ("dingtalk", 600.0), ("feishu", 60.0), ("webhook", 7.0)])
def test_a_rate_limit_is_retried_after_the_wait_the_api_names(robots, kind, after):
    robots.mode = "rate"
    d = deliver(channel(robots, kind), MSG, timeout=5)
    assert (d.ok, d.retry, d.status, d.retry_after) == (False, True, "rate_limited", after), d


@pytest.mark.parametrize("kind", ROBOTS)
@pytest.mark.parametrize(
    ("mode", "status", "retry"),
    [("500", "http_500", True), ("html", "not_json", True), ("redirect", "http_302", False), ("echo", None, False)],
)
def test_failures_become_deliveries_that_name_no_secret(robots, kind, mode, status, retry):
    robots.mode = mode
    d = deliver(channel(robots, kind), MSG, timeout=5)
    if kind == "webhook" and mode in ("html", "echo"):
        assert d.ok, d  # a plain webhook is judged by its HTTP status alone: a 2xx is sent
        return
    assert not d.ok and d.error, d
    if status is not None:
        assert (d.status, d.retry) == (status, retry), d
    else:
        assert "***" in d.error and d.retry is False, d  # the token the API quoted back is scrubbed
    assert_no_secret(d)
    assert all(r["kind"] == kind for r in robots.seen)  # the redirect was not followed elsewhere


def test_a_hanging_server_is_a_timeout_worth_retrying(robots):
    robots.mode = "hang"
    d = deliver(channel(robots, "wecom"), MSG, timeout=0.5)
    assert (d.ok, d.retry, d.status) == (False, True, "timeout"), d
    assert_no_secret(d)


def test_a_closed_port_is_refused_worth_retrying():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={TOKEN}"
    d = deliver({"name": "x", "kind": "wecom", "url": url}, MSG, timeout=5)
    assert (d.ok, d.retry, d.status) == (False, True, "refused"), d
    assert_no_secret(d)


# --- email, against aiosmtpd on 127.0.0.1 -------------------------------------------------------------

PASSWORD = "pw-Zq81-hospital"


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made with the openssl command line."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: the TLS paths need a certificate")
    where = tmp_path_factory.mktemp("tls")
    key, crt = where / "key.pem", where / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(crt),
         "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, crt


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


def _authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult

    ok = auth_data.login == b"oncall@example.cn" and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


@pytest.fixture
def smtp(request, cert):
    """An SMTP server: 'starttls' (STARTTLS offered, login only after it), 'tls' (implicit TLS) or 'plain'
    (no STARTTLS offered)."""
    import ssl

    from aiosmtpd.controller import Controller

    key, crt = cert
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(crt, key)
    inbox, port, mode = Inbox(), _free_port(), request.param
    options = {"authenticator": _authenticator, "auth_require_tls": True}
    if mode == "starttls":
        options |= {"tls_context": context, "require_starttls": True}
    elif mode == "tls":
        options |= {"ssl_context": context, "auth_require_tls": False}  # aiosmtpd cannot tell the socket is TLS
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    yield inbox, port, crt, mode
    controller.stop()


def email_channel(port, crt, security="starttls", **extra) -> dict:
    base = {"name": "组长邮箱", "kind": "email", "host": "127.0.0.1", "port": port, "security": security,
            "user": "oncall@example.cn", "password": PASSWORD, "sender": "oncall@example.cn",
            "to": ["lead@example.cn", "duty@example.cn"], "cafile": str(crt)}  # fmt: skip
    return {**base, **extra}


@pytest.mark.parametrize("smtp", ["starttls", "tls"], indirect=True)
def test_email_is_sent_over_tls_after_a_login(smtp):
    inbox, port, crt, mode = smtp
    d = deliver(email_channel(port, crt, security=mode), MSG, timeout=10)
    assert d == Delivery(True, False, "sent"), d
    [envelope] = inbox.messages
    assert envelope.rcpt_tos == ["lead@example.cn", "duty@example.cn"]
    assert envelope.mail_from == "oncall@example.cn"
    text = envelope.content.decode()
    assert "Subject: =?utf-8?" in text and "To: lead@example.cn, duty@example.cn" in text


@pytest.mark.parametrize("smtp", ["starttls", "tls"], indirect=True)
def test_a_wrong_password_is_refused_not_retried_and_not_shown(smtp):
    inbox, port, crt, mode = smtp
    wrong = "wrong-" + PASSWORD
    d = deliver(email_channel(port, crt, security=mode, password=wrong), MSG, timeout=10)
    assert (d.ok, d.retry, d.status) == (False, False, "auth_failed"), d
    assert wrong not in repr(d) and PASSWORD not in repr(d) and inbox.messages == []


@pytest.mark.parametrize("smtp", ["plain"], indirect=True)
def test_a_server_without_starttls_gets_no_password(smtp):
    inbox, port, crt, _ = smtp
    d = deliver(email_channel(port, crt), MSG, timeout=10)
    assert (d.ok, d.retry, d.status) == (False, False, "starttls_unsupported"), d
    assert inbox.messages == []


@pytest.mark.parametrize("smtp", ["starttls"], indirect=True)
def test_an_untrusted_certificate_is_refused(smtp):
    inbox, port, crt, _ = smtp
    channel = email_channel(port, crt)
    del channel["cafile"]
    d = deliver(channel, MSG, timeout=10)
    assert (d.ok, d.retry, d.status) == (False, False, "tls_certificate"), d
    assert inbox.messages == []


def test_an_smtp_server_that_is_not_there_is_retried():
    d = deliver(email_channel(_free_port(), "unused.pem"), MSG, timeout=5)
    assert (d.ok, d.retry, d.status) == (False, True, "refused"), d
    assert PASSWORD not in repr(d)


# --- check: the config's channel tables ------------------------------------------------------------------


def test_check_passes_a_good_table_of_each_kind(robots):
    tables = [channel(robots, k) for k in ROBOTS] + [email_channel(587, "ca.pem")]
    assert {t["kind"] for t in tables} == KINDS
    assert [check(t, f"notify.channels[{i}]") for i, t in enumerate(tables)] == [[]] * len(tables)


@pytest.mark.parametrize(
    ("table", "paths"),
    [
        ({"name": "群", "kind": "slack", "url": "https://x"}, ["notify.channels[2].kind"]),
        ({"name": "群", "url": "https://x"}, ["notify.channels[2].kind"]),
        ({"kind": "wecom", "url": "https://x"}, ["notify.channels[2].name"]),
        ({"name": "群", "kind": "wecom"}, ["notify.channels[2].url"]),
        ({"name": "群", "kind": "wecom", "url": f"ftp://h/?key={TOKEN}"}, ["notify.channels[2].url"]),
        ({"name": "群", "kind": "wecom", "url": f"https://h:99999/?key={TOKEN}"}, ["notify.channels[2].url"]),
        ({"name": "群", "kind": "dingtalk", "url": "https://h", "secert": "x"}, ["notify.channels[2].secert"]),
        ({"name": "群", "kind": "webhook", "url": "https://h"}, ["notify.channels[2].secret"]),
        ({"name": "群", "kind": "feishu", "url": "https://h", "secret": 5}, ["notify.channels[2].secret"]),
        ("wecom", ["notify.channels[2]"]),
    ],
)
def test_check_names_the_field(table, paths):
    problems = check(table, "notify.channels[2]")
    assert [p.path for p in problems] == paths, problems
    assert all(TOKEN not in p.message for p in problems)


@pytest.mark.parametrize(
    ("change", "paths"),
    [
        ({"port": 0}, ["port"]),
        ({"port": 70000}, ["port"]),
        ({"port": "25"}, ["port"]),
        ({"security": "ssl"}, ["security"]),
        ({"to": []}, ["to"]),
        ({"to": "lead@example.cn"}, ["to"]),
        ({"to": ["lead@example.cn", "组长"]}, ["to[1]"]),
        ({"sender": "oncall"}, ["sender"]),
        ({"password": ""}, ["password"]),
    ],
)
def test_check_an_email_table(change, paths):
    table = {**email_channel(465, "ca.pem", security="tls"), **change}
    assert [p.path for p in check(table, "notify.channels[0]")] == [f"notify.channels[0].{p}" for p in paths]


def test_the_readme_examples_pass_check():
    import tomllib
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("### 渠道", 1)[1]
    block = section.split("```toml\n", 1)[1].split("```", 1)[0]
    tables = tomllib.loads(block)["notify"]["channels"]
    assert {t["kind"] for t in tables} == KINDS
    assert [p for i, t in enumerate(tables) for p in check(t, f"notify.channels[{i}]")] == []


def test_an_unchecked_url_that_cannot_be_sent_to_names_no_token():
    """deliver never raises, and an exception's text (which quotes the URL) is not passed on."""
    d = deliver({"name": "x", "kind": "dingtalk", "url": f"http://127.0.0.1:notaport/robot/send?access_token={TOKEN}",
                 "secret": SECRET}, MSG, timeout=5)  # fmt: skip
    assert (d.ok, d.status) == (False, "error"), d
    assert_no_secret(d)
