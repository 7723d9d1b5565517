"""The notification channels of issue 18: `check` validates one `[[notify.channels]]` table of the config
file (every problem names its field, e.g. `notify.channels[0].url`), `deliver` sends one Message on it and
says what happened as a Delivery. No secret leaves here: a Delivery's words are scrubbed of the channel's
URL (its path and query hold the robot's token), secret and password before they are returned."""

from __future__ import annotations

import urllib.parse

from zldesk.errors import Problem
from zldesk.notify.channels import dingtalk, feishu, mail, webhook, wecom
from zldesk.notify.message import Delivery, Message

_MODULES = {"wecom": wecom, "dingtalk": dingtalk, "feishu": feishu, "email": mail, "webhook": webhook}
KINDS = set(_MODULES)
_COMMON = {"name", "kind"}
_STRINGS = {"url", "secret", "keyword", "host", "security", "user", "password", "sender", "cafile"}


def _check_url(value: object, where: str) -> list[Problem]:
    # The value is never quoted back: it holds the robot's token.
    if not isinstance(value, str) or not value.strip():
        return [Problem(f"{where}.url", "应是机器人的 webhook 地址（字符串）")]
    parts = urllib.parse.urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [Problem(f"{where}.url", "应以 http:// 或 https:// 开头并含主机名")]
    try:
        parts.port  # noqa: B018 - urlsplit checks the port only when asked
    except ValueError:
        return [Problem(f"{where}.url", "地址里的端口应是 1 至 65535 之间的整数")]
    return []


def _check_mail(channel: dict, where: str) -> list[Problem]:
    problems = []
    security = channel.get("security", "starttls")
    if security not in mail.SECURITY:
        problems.append(Problem(f"{where}.security", f"应是 starttls 或 tls，实际是 {security!r}"))
    port = channel.get("port")
    if port is not None and (not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535):
        problems.append(Problem(f"{where}.port", f"应是 1 至 65535 之间的整数，实际是 {port!r}"))
    to = channel.get("to")
    if not isinstance(to, list) or not to:
        problems.append(Problem(f"{where}.to", "应是收件地址的列表，至少一个"))
    else:
        problems += [
            Problem(f"{where}.to[{i}]", "应是邮件地址（含 @）")
            for i, address in enumerate(to)
            if not isinstance(address, str) or "@" not in address.strip("@")
        ]
    sender = channel.get("sender")
    if isinstance(sender, str) and "@" not in sender:
        problems.append(Problem(f"{where}.sender", "应是邮件地址（含 @）"))
    if channel.get("user") and not channel.get("password"):
        problems.append(Problem(f"{where}.password", "给了 user 就要给 password"))
    return problems


def check(channel: dict, where: str) -> list[Problem]:
    """Every problem of one channel table, each naming its field under `where`."""
    if not isinstance(channel, dict):
        return [Problem(where, "应是一张表（[[notify.channels]]）")]
    problems = []
    name = channel.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(f"{where}.name", "缺少渠道名（规则的 to 用它指名）"))
    kind = channel.get("kind")
    module = _MODULES.get(kind) if isinstance(kind, str) else None
    if module is None:
        known = "、".join(sorted(KINDS))
        what = "缺少 kind" if kind is None else f"未知的渠道类型 {kind!r}"
        return [*problems, Problem(f"{where}.kind", f"{what}，可用：{known}")]
    for key in sorted(set(channel) - _COMMON - module.KEYS, key=str):
        problems.append(Problem(f"{where}.{key}", f"{kind} 渠道没有这个键（可用：{'、'.join(sorted(module.KEYS))}）"))
    for key in sorted(module.REQUIRED - set(channel)):
        problems.append(Problem(f"{where}.{key}", f"{kind} 渠道缺少 {key}"))
    for key in sorted((module.KEYS & _STRINGS & set(channel)) - {"url"}):
        if not isinstance(channel[key], str) or (key in module.REQUIRED and not channel[key].strip()):
            problems.append(Problem(f"{where}.{key}", "应是非空字符串"))
    if "url" in module.KEYS and "url" in channel:
        problems += _check_url(channel["url"], where)
    if module is mail:
        problems += _check_mail(channel, where)
    return problems


def secrets_of(channel: dict) -> list[str]:
    """What must never be shown: the URL, its path and query (and each value in them), the secret and the
    password. Longest first, so a part is not left behind when a whole is replaced."""
    found = [channel.get(k) for k in ("url", "secret", "password")]
    url = channel.get("url")
    if isinstance(url, str):
        parts = urllib.parse.urlsplit(url)
        found += [parts.path, parts.query, *(v for _, v in urllib.parse.parse_qsl(parts.query))]
        found += [segment for segment in parts.path.split("/") if len(segment) >= 8]
    return sorted({s for s in found if isinstance(s, str) and len(s) >= 4}, key=len, reverse=True)


def scrub(text: str, channel: dict) -> str:
    for secret in secrets_of(channel):
        text = text.replace(secret, "***")
    return text


def deliver(channel: dict, message: Message, timeout: float = 10) -> Delivery:
    """Send `message` on `channel` (a table `check` passed) once; never raises for a failed delivery."""
    module = _MODULES.get(channel.get("kind"))
    if module is None:
        return Delivery(False, False, "unknown_kind", "未知的渠道类型")
    try:
        delivery = module.send(channel, message, timeout)
    except Exception as exc:  # noqa: BLE001 - a bug here must become an attempt the watcher logs, not a crash
        # The exception's text is withheld: it may quote the URL.
        delivery = Delivery(False, True, "error", f"发送时出了意外（{type(exc).__name__}）")
    if delivery.error:
        delivery = Delivery(
            delivery.ok, delivery.retry, delivery.status, scrub(delivery.error, channel), delivery.retry_after
        )
    return delivery
