"""A change refused because the ticket changed after the person read it, and what changed since, in words.
The store raises it with the facts; the words are here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo

from ..errors import ZlDeskError
from ..text import day_time
from .model import FIELD_NAMES, KIND_NAMES


@dataclass(frozen=True)
class ChangeSince:
    """One change made after the version the caller had: its version, who, when entered, what kind, which
    fields it changed."""

    seq: int
    who: str
    entered_at: datetime
    kind: str
    fields: tuple[str, ...]


class StaleTicket(ZlDeskError):
    """The ticket changed after the caller read it (version `expected`, now `current`); nothing was
    written. `raced`: another writer committed between this one's read and its write."""

    exit_code = 4

    def __init__(
        self,
        ticket_id: int,
        expected: int,
        current: int,
        since: Sequence[ChangeSince] = (),
        zone: tzinfo | None = None,
        *,
        raced: bool = False,
    ) -> None:
        self.ticket_id, self.expected, self.current, self.since = ticket_id, expected, current, tuple(since)
        if expected > current:
            super().__init__(
                f"工单 #{ticket_id} 没有第 {expected} 版，未写入", f"当前是第 {current} 版；请重新读取工单"
            )
            return
        latest = max((c.entered_at for c in self.since), default=None)  # just now: "this year" is its year
        # The fields a person reads, in words; the lists kept for replay (levels, pauses, remote) are said by
        # the change's own name (改级别, 挂起, 远程许可).
        named = [[FIELD_NAMES[k] for k in c.fields if k in FIELD_NAMES] for c in self.since]
        lines = [
            f"第 {c.seq} 版：{c.who} 于 {day_time(c.entered_at, zone, latest)} {KIND_NAMES.get(c.kind, c.kind)}"
            + (f"（{'、'.join(names)}）" if names else "")
            for c, names in zip(self.since, named, strict=True)
        ]
        title = f"工单 #{ticket_id} 刚被别人改过，未写入" if raced else f"工单 #{ticket_id} 在你读取之后被改过，未写入"
        super().__init__(title, "期间的改动：\n" + "\n".join(lines) + "\n请重新读取工单后再改。")
