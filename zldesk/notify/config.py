"""`[notify]` of the config file: `[[notify.channels]]` and `[[notify.rules]]`, typed and checked. Every
problem names its field (notify.rules[0].after); a channel's values are never echoed (they hold secrets).

A config file whose channels hold secrets must be readable by its owner alone, as the store is."""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from ..errors import ConfigError, Problem
from ..text import control_problem

TICKET_KINDS = ("unacknowledged", "leave_by", "breach", "breached")
DUTY_KINDS = ("roster_gap", "handover_unacked", "obligation_due")  # about a line or a contract (duty_rules.py)
KINDS = TICKET_KINDS + DUTY_KINDS
# which duration each kind takes: after the call / the breach / the handoff, or before the departure / the
# deadline / the gap's start / the obligation's due day's end
WHEN_KEY = {
    "unacknowledged": "after",
    "breached": "after",
    "leave_by": "before",
    "breach": "before",
    "roster_gap": "before",
    "handover_unacked": "after",
    "obligation_due": "before",
}
# the longest each duty kind can look: the segments reach 8 days ahead (roster/duty.py); a handoff is
# "this one" for 12 hours (as the header's 交接未确认)
LONGEST = {
    "roster_gap": (timedelta(days=7), "7 天（值班表只往后推算 8 天）"),
    "handover_unacked": (timedelta(hours=12), "12 小时（交接 12 小时后就不再是“这一次交接”）"),
}
SECRET_KEYS = ("url", "secret", "password", "token", "keyword", "user")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RULE_KEYS = {"when", "severity", "after", "before", "to", "then", "name"}


@dataclass(frozen=True)
class Rule:
    index: int
    when: str
    severity: tuple[int, ...]
    offset: timedelta  # after (unacknowledged, breached) or before (leave_by, breach)
    to: tuple[str, ...]
    then_after: timedelta | None = None
    then_to: tuple[str, ...] = ()
    label: str = ""  # the rule's `name`, when given: its events keep their keys when rules are reordered

    @property
    def name(self) -> str:
        return f"{self.label}:{self.when}" if self.label else f"{self.index}:{self.when}"


@dataclass(frozen=True)
class NotifyConfig:
    channels: dict[str, dict] = field(default_factory=dict)  # name -> its table, as written
    rules: tuple[Rule, ...] = ()


LONGEST_DURATION = timedelta(days=366)  # past a year no rule means anything, and instants would overflow


def duration(value: object) -> timedelta | None:
    """ "10m", "1h30m", "45s", "2d" -> timedelta; None when it is not one or is longer than a year."""
    if not isinstance(value, str) or len(value) > 40 or not re.fullmatch(r"(\d+[smhd])+", value.strip()):
        return None
    seconds = sum(int(n) * UNITS[u] for n, u in re.findall(r"(\d+)([smhd])", value.strip()))
    return timedelta(seconds=seconds) if seconds <= LONGEST_DURATION.total_seconds() else None


def parse(section: object, source: str) -> NotifyConfig:
    """The [notify] table (settings.sections["notify"]) typed, or ConfigError with every problem."""
    from . import channels as kinds

    if not section:
        return NotifyConfig()
    problems: list[Problem] = []
    say = problems.append
    if not isinstance(section, dict):
        raise ConfigError(source, [Problem("notify", "应为表 [notify]")])
    for key in set(section) - {"channels", "rules"}:
        say(Problem(f"notify.{key}", "未知的键（可用：channels、rules）"))
    named: dict[str, dict] = {}
    for i, ch in enumerate(_tables(section.get("channels", []), "notify.channels", say)):
        where = f"notify.channels[{i}]"
        name, kind = ch.get("name"), ch.get("kind")
        if not isinstance(name, str) or not name.strip():
            say(Problem(f"{where}.name", '缺少渠道名（name = "值班群"）'))
            continue
        if wrong := control_problem(name) or ("不能含 |" if "|" in name else ""):
            say(Problem(f"{where}.name", f"渠道名{wrong}"))
            continue
        if name in named:
            say(Problem(f"{where}.name", f"渠道名 {name!r} 重复"))
        if kind not in kinds.KINDS:
            say(Problem(f"{where}.kind", f"应为 {'、'.join(sorted(kinds.KINDS))} 之一"))
            continue
        problems.extend(kinds.check(ch, where))
        named[name] = ch
    rules = []
    for i, r in enumerate(_tables(section.get("rules", []), "notify.rules", say)):
        rule = _rule(i, r, named, say)
        if rule is not None:
            rules.append(rule)
    if problems:
        raise ConfigError(source, problems)
    return NotifyConfig(named, tuple(rules))


def _tables(value: object, where: str, say) -> list[dict]:
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        say(Problem(where, f"应写成 [[{where}]] 表的数组"))
        return []
    return value


def _rule(i: int, r: dict, channels: dict, say) -> Rule | None:
    where = f"notify.rules[{i}]"
    ok = True
    for key in set(r) - RULE_KEYS:
        say(Problem(f"{where}.{key}", f"未知的键（可用：{'、'.join(sorted(RULE_KEYS))}）"))
        ok = False
    when = r.get("when")
    if when not in KINDS:
        say(Problem(f"{where}.when", f"应为 {'、'.join(KINDS)} 之一"))
        return None
    levels = r.get("severity", [1, 2, 3, 4])
    if when in DUTY_KINDS and "severity" in r:
        say(Problem(f"{where}.severity", f"{when} 规则不针对工单，不用 severity"))
        ok = False
    elif not isinstance(levels, list) or not levels or not all(type(x) is int and 1 <= x <= 4 for x in levels):
        say(Problem(f"{where}.severity", "应为级别的数组，如 [1, 2]（1 到 4）"))
        ok = False
    key = WHEN_KEY[when]
    other = "before" if key == "after" else "after"
    if other in r:
        say(Problem(f"{where}.{other}", f"{when} 规则用 {key}，不用 {other}"))
        ok = False
    offset = duration(r.get(key, "0s"))
    if offset is None:
        say(Problem(f"{where}.{key}", '应为时长，如 "10m"、"2h"、"30s"（最长 366d）'))
        ok = False
    elif when in LONGEST and (offset > LONGEST[when][0] if when == "roster_gap" else offset >= LONGEST[when][0]):
        say(Problem(f"{where}.{key}", f"{when} 规则的 {key} 最长 {LONGEST[when][1]}"))
        ok = False
    to = _to(r.get("to"), f"{where}.to", channels, say)
    then_after, then_to = None, ()
    if "then" in r:
        then = r["then"]
        if not isinstance(then, dict) or set(then) - {"after", "to"}:
            say(Problem(f"{where}.then", '应为 {after = "15m", to = ["值班组长"]}'))
            return None
        then_after = duration(then.get("after"))
        if then_after is None:
            say(Problem(f"{where}.then.after", '应为时长，如 "15m"（最长 366d）'))
            ok = False
        then_to = _to(then.get("to"), f"{where}.then.to", channels, say)
        ok = ok and bool(then_to)
    label = r.get("name", "")
    wrong = "应为文字" if not isinstance(label, str) else control_problem(label) or ("不能含 |" if "|" in label else "")
    if wrong:
        say(Problem(f"{where}.name", f"规则名{wrong}"))
        ok = False
    if not ok or not to:
        return None
    return Rule(i, when, tuple(sorted(set(levels))), offset, to, then_after, then_to, label.strip())


def _to(value: object, where: str, channels: dict, say) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(x, str) for x in value):
        say(Problem(where, '应为渠道名的数组，如 ["值班群"]'))
        return ()
    unknown = [x for x in value if x not in channels]
    if unknown:
        say(Problem(where, f"没有这个渠道：{'、'.join(unknown)}（[[notify.channels]] 里的 name）"))
        return ()
    return tuple(value)


def owner_only(path: Path, section: object) -> None:
    """Refuse a config file whose channels hold secrets when anyone but its owner may read it."""
    channels = section.get("channels", []) if isinstance(section, dict) else []
    secret = any(isinstance(c, dict) and any(k in c for k in SECRET_KEYS) for c in channels or [])
    if not secret or not hasattr(os, "getuid"):
        return
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return
    if mode & 0o077:
        raise ConfigError(
            str(path),
            [
                Problem(
                    "notify.channels",
                    f"别人也能读这个文件，拒绝读取（其中有通知渠道的密钥）：权限是 {mode:04o}。请执行 chmod 600 {path}",
                )
            ],
        )


def load(settings) -> NotifyConfig:
    """The settings' [notify], checked: the file owner-only first, then every field."""
    section = settings.sections.get("notify", {})
    owner_only(settings.config, section)
    return parse(section, str(settings.config))
