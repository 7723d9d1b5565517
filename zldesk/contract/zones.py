"""The time zone names a contract may give: IANA's `Area/City` names and UTC. ZoneInfo also finds
`localtime` (the host's /etc/localtime), `posixrules`, `Factory` and the like in /usr/share/zoneinfo:
deadlines computed in those would change with the host. Every zone zldesk computes in comes from here."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import ZlDeskError

AREAS = ("Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")
_NAME = re.compile(rf"(?:{'|'.join(AREAS)})(?:/[A-Z][A-Za-z0-9_+-]*){{1,2}}")


def zone_problem(name: object) -> str | None:
    """Why `name` is not a zone a contract may be in, or None."""
    try:
        if name == "UTC" or (isinstance(name, str) and _NAME.fullmatch(name)):
            ZoneInfo(name)
            return None
    except (ZoneInfoNotFoundError, ValueError, OSError):
        pass
    return (
        f"未知时区：{name!r}（应为 IANA 的“地区/城市”名，如 Asia/Shanghai，或 UTC；localtime 之类随主机而变，不能用）"
    )


def zone_named(name: str, code: str = "") -> ZoneInfo:
    """The zone `name`, or UnknownZone (a contract kept by an older zldesk may hold `localtime`)."""
    problem = zone_problem(name)
    if problem is not None:
        raise UnknownZone(problem, code)
    return ZoneInfo(name)


class UnknownZone(ZlDeskError):
    """A contract's (`code`) time zone that deadlines cannot be computed in: `problem` says why."""

    exit_code = 2

    def __init__(self, problem: str, code: str = "") -> None:
        self.problem, self.code = problem, code
        whose = f"合同 {code} 的 timezone" if code else "timezone"
        super().__init__(
            "合同的时区不可用，不计算时限",
            f"{whose} {problem}。请把合同文件的 timezone 改为 Asia/Shanghai 这样的时区名后重新导入",
        )
