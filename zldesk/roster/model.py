"""The roster as plain data: engineers, the duty lines a contract promises, rotations, fixed shifts,
overrides, and the segments `compute` gives back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..contract import Contract, Window

LINE_LABELS = {"hotline": "热线值班", "backup": "备勤专线", "onsite": "现场值班"}
UNITS = ("workday", "day", "night", "week", "holiday")
UNIT_LABELS = {"workday": "每个工作日", "day": "每天", "night": "每晚", "week": "每周", "holiday": "每个节假日"}
GAP = "无人排班"  # the source of a segment nobody holds


@dataclass(frozen=True)
class Engineer:
    name: str
    phone: str = ""
    skills: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class Line:
    """A duty line: the contract's promise (its window) and the numbers callers dial to reach it."""

    name: str
    label: str
    window: Window
    phones: tuple[str, ...] = ()


@dataclass(frozen=True, init=False)
class Rotation:
    """Engineers take turns, one per occurrence of `unit`, handing over at `handoff` local time.

    Runs from `start`'s handoff to `end`'s handoff (`end` is the first day no longer in it)."""

    line: str
    engineers: tuple[str, ...]
    unit: str
    handoff: str
    start: date
    end: date | None
    name: str

    # Written out because a defaulted `handoff` comes before the required `start` in this order.
    def __init__(
        self,
        line: str,
        engineers: tuple[str, ...],
        unit: str,
        handoff: str = "08:30",
        start: date | None = None,
        end: date | None = None,
        name: str = "",
    ) -> None:
        if start is None:
            raise TypeError("Rotation() needs a start date")
        for key, value in (
            ("line", line),
            ("engineers", tuple(engineers)),
            ("unit", unit),
            ("handoff", handoff),
            ("start", start),
            ("end", end),
            ("name", name),
        ):
            object.__setattr__(self, key, value)

    @property
    def label(self) -> str:
        return self.name or f"{LINE_LABELS.get(self.line, self.line)}·{UNIT_LABELS.get(self.unit, self.unit)}"


@dataclass(frozen=True)
class Shift:
    """A fixed shift, e.g. imported from a CSV; `phone` is what the file said, if anything."""

    line: str
    engineer: str
    start: datetime
    end: datetime
    source: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Override:
    """调班: `engineer` holds the line from start to end; with `covers`, only where `covers` would."""

    id: int
    line: str
    engineer: str
    start: datetime
    end: datetime
    reason: str
    covers: str | None = None


@dataclass(frozen=True)
class Segment:
    line: str
    start: datetime
    end: datetime
    engineer: str | None  # None: nobody holds the line (a gap)
    source: str  # why, in words: 轮值「夜班」第 3 班 / 调班 #7：病假 / 导入排班 / 无人排班


@dataclass(frozen=True)
class Roster:
    lines: tuple[Line, ...] = ()
    engineers: tuple[Engineer, ...] = ()
    rotations: tuple[Rotation, ...] = ()
    shifts: tuple[Shift, ...] = ()
    overrides: tuple[Override, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing scheduled: no rotation, shift or override (every open minute would be a gap)."""
        return not (self.rotations or self.shifts or self.overrides)

    def engineer(self, name: str) -> Engineer | None:
        return next((e for e in self.engineers if e.name == name), None)


def duty_lines(contract: Contract) -> tuple[Line, ...]:
    """The hotline and backup line where the contract's contacts of those kinds point, and on-site
    service on the window of the level-1 target (if counted in hours) or the window named onsite."""
    names = {w.name for w in contract.windows}
    found: list[tuple[str, str | None, tuple[str, ...]]] = []
    for kind in ("hotline", "backup"):
        contacts = [c for c in contract.contacts if c.kind == kind]
        window = contacts[0].window if contacts else None
        found.append((kind, window, tuple(dict.fromkeys(c.value for c in contacts))))
    onsite = "onsite"
    top = min(contract.severities, key=lambda s: s.level, default=None)
    if top is not None and top.level == 1 and top.target.unit == "hours":
        onsite = top.target.window
    found.append(("onsite", onsite, ()))
    return tuple(
        Line(kind, LINE_LABELS[kind], contract.window(window), phones)
        for kind, window, phones in found
        if window in names
    )


def line_name(contract: Contract, text: str) -> str:
    """The duty line a person typed, by name (hotline) or label (热线值班); unknown text is given back as
    typed, and the roster check names it with the lines there are."""
    for line in duty_lines(contract):
        if text.strip() in (line.name, line.label):
            return line.name
    return text.strip()
