"""The command palette (ctrl+p): commands from the action table, a ticket by its number (`#12` or `12`, in
any state: looked up in the store, not among the board's rows), open tickets, and the contract's modules."""

from __future__ import annotations

import asyncio
import re
from functools import partial

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

from ..actions import APP, offered
from ..coverage import lookup
from ..text import visible

_NUMBER = re.compile(r"\s*#?\s*(\d{1,19})\s*$")


class ZlDeskCommands(Provider):
    def _commands(self):
        """The commands of the screen the palette was opened on (self.screen), as its keys would run them."""
        for a in offered(getattr(self.screen, "SCREEN_KEY", None)):
            if a.palette:
                where = self.app if APP in a.screens else self.screen
                yield a, partial(self.app.run_action, a.action, where), f"按键 {' / '.join(a.key_names)}"

    async def discover(self) -> Hits:
        for a, run, keys in self._commands():
            yield DiscoveryHit(Text(a.description), run, help=keys)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for a, run, keys in self._commands():
            score = matcher.match(a.description)
            if score > 0:
                yield Hit(score, matcher.highlight(a.description), run, help=keys)
        app = self.app
        number, head = _NUMBER.match(query), None
        if number:
            head = await asyncio.to_thread(self._head, int(number.group(1)))
            if head is not None:
                from ..tickets import STATE_NAMES

                label = f"#{head.id} {visible(head.title)}（{STATE_NAMES.get(head.state, head.state)}）"
                yield Hit(1.0, Text(label), partial(app.open_ticket, head.id), help="打开工单（按单号）")
        board = app.get_screen("board")
        for row in getattr(board, "all_rows", []):
            if head is not None and row.id == head.id:
                continue  # offered once, by its number
            label = f"#{row.id} {visible(row.title)}"
            score = matcher.match(label)
            if score > 0:
                yield Hit(score * 0.9, Text(label), partial(app.open_ticket, row.id), help="打开工单")
        if app.contract is not None and query.strip():
            for m in lookup(app.contract, query)[:5]:
                if m.kind != "module":
                    continue
                label = f"第 {m.module.no} 行 {visible(m.name)}  {m.status}"
                yield Hit(0.8 / (1 + m.score / 10), Text(label), partial(self._coverage, query), help="合同范围")

    def _head(self, ticket_id: int):
        """In a thread: the ticket numbered `ticket_id`, whatever its state, or None (none, or the store failed:
        the palette then offers what it can without it)."""
        import sqlite3

        from ..errors import ZlDeskError
        from ..store.rows import ticket_head

        try:
            with self.app.reading() as conn:
                return ticket_head(conn, ticket_id)
        except (ZlDeskError, sqlite3.Error):
            return None

    def _coverage(self, query: str) -> None:
        from textual.widgets import Input

        self.app.action_show("coverage")
        self.app.get_screen("coverage").query_one(Input).value = query
