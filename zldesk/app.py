"""The console. `make_app` is the one way to build it, for the CLI and the tests alike."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import UTC, datetime

from textual.app import App
from textual.binding import Binding

from .actions import APP, bindings, offered
from .contract import Contract
from .gateway import Gateway
from .settings import who
from .store.rows import read_contracts
from .text import visible


def _palette():
    from .widgets.palette import ZlDeskCommands

    return ZlDeskCommands


def make_app(url: str, clock=None, on_backup=None) -> ZlDeskApp:
    """Open the store at `url` (failing here, before any screen, if it cannot) and build the app.

    `clock` returns the current aware time; tests pass a fixed one so screens can be compared. `on_backup`
    hears of the copy made before an old store is upgraded (the CLI says where it is)."""
    from .store import quick

    engine, path = None, quick.ready(url)
    if path is None:  # new, old or not SQLite: the full way creates, upgrades, seeds or refuses it
        from .store import open_store

        engine = open_store(url, on_backup=on_backup)
        path = quick.ready(url)
    app = ZlDeskApp(url, [], clock, quick_path=path)
    app._engine = engine
    if path is not None:
        from .store.files import identity

        app.opened = identity(path)  # the file this console reads: the watch notices another put in its place
    with app.reading() as conn:
        app.contracts = list(read_contracts(conn).values())
    app.contracts.sort(key=lambda c: c.code)
    for c in app.contracts:
        c.zone  # noqa: B018 - a zone only an older zldesk took (localtime) is refused here, before any screen
    return app


# Textual's own app keys (ctrl+q quits from any screen, mid-form too) are not inherited: every key is
# in the action table, and only q on the board ends the console.
CLOSE_WAIT_S = 5  # how long closing waits for a read under way
FIRST_ROWS = 200  # the board's first read: more rows than a screen shows (see load_board)


class ZlDeskApp(App, inherit_bindings=False):
    TITLE = "zldesk 值班台"
    CSS = """
    Screen { layout: vertical; }
    #filter { margin: 0 1; }
    #clause { height: 4; padding: 0 1; border-top: solid $primary; }
    .section { text-style: bold; margin: 1 1 0 1; }
    """
    BINDINGS: list[Binding] = bindings(APP)
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = {_palette}  # not Textual's own (themes, quit...): the palette offers what the table does

    def __init__(self, url: str, contracts: list[Contract], clock=None, quick_path=None) -> None:
        super().__init__()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.url = url
        self.quick_path = quick_path  # a SQLite file read without SQLAlchemy (store/quick.py), or None
        self._quick_conn = None
        self._engine = None
        self._engine_lock = threading.Lock()
        # One sqlite3 connection, one transaction at a time: board and roster reads and the change watch run
        # in workers, and a worker still running when the app closes must find the connections closed, not
        # closing under it (sqlite3 closed from another thread mid-statement crashed the process).
        self._read_lock = threading.Lock()
        self._closed = False
        self.contracts = contracts
        self.duty: dict = {}  # contract code -> duty.OnDuty, computed with each board load
        self.contract_index = 0
        self.watch = None  # store.watch.ChangeWatch, opened by the first check (in a worker)
        self.opened = None  # (device, inode) of the store file opened
        self.store_replaced: str | None = None  # what to say once that file is no longer at its path
        self._status_policy = None
        self.gateway = Gateway(self)  # every read and write of the store from here on
        self.who = who()  # what the history records for changes made here: the OS user until `engineer` is said
        self.engineer: str | None = None  # who is at the keyboard, asked before the first write (ask_engineer)
        self._lookup_warmed = False

    def notify(self, message: str, *, title: str = "", severity="information", timeout=None, markup=False) -> None:
        """Every toast (screens' and widgets' too come here): its words carry names and values from the store,
        so they are made visible (text.visible) and never read as markup."""
        super().notify(
            visible(message, lines=True), title=visible(title), severity=severity, timeout=timeout, markup=False
        )

    @property
    def engine(self):
        """The SQLAlchemy engine, for writes and detail reads; opened on first use, since importing
        SQLAlchemy would double the time to the first board (it is warmed up after that, in a thread)."""
        with self._engine_lock:
            if self._engine is None:
                from .store import make_engine

                self._engine = make_engine(self.url)
            return self._engine

    @contextmanager
    def reading(self):
        """A driver connection in a short read transaction, for store/rows.py: plain sqlite3 when the
        store is a SQLite file, else the engine's connection."""
        if self.quick_path is not None:
            from .store import quick

            with self._read_lock:
                self._refuse_if_closed()
                if self._quick_conn is None:
                    self._quick_conn = quick.connect(self.quick_path)
                with quick.reading(self._quick_conn) as conn:
                    yield conn
            return
        from .store import reading
        from .store.db import driver_connection, driver_errors

        with reading(self.engine) as session, driver_errors(session):
            yield driver_connection(session)

    @property
    def contract(self) -> Contract | None:
        return self.contracts[self.contract_index] if self.contracts else None

    def get_default_screen(self):
        """The board is the first screen, not one pushed over Textual's blank one in on_mount: keys typed
        while the console starts reach the board, not a screen without bindings."""
        from .screens.board import BoardScreen

        return BoardScreen()

    def on_mount(self) -> None:
        from .screens.contract import ContractScreen
        from .screens.coverage import CoverageScreen
        from .screens.roster import RosterScreen

        for screen in (self.screen, CoverageScreen(), ContractScreen(), RosterScreen()):
            self.install_screen(screen, screen.SCREEN_KEY)
        self._update_subtitle()
        self.load_board(first=True)  # the first tick opens the watch; its first look counts as a change
        self.call_after_refresh(lambda: self.is_running and self.get_screen("board").update_now(*self.status()))
        self.set_interval(1.0, self.tick)

    def on_unmount(self) -> None:
        # After any read or watch a worker is in the middle of. One stuck past the wait (a store locked for
        # minutes) keeps its connection: the process is ending anyway, and closing it under the read is worse.
        if not self._read_lock.acquire(timeout=CLOSE_WAIT_S):
            self._closed = True
            return
        try:
            self._closed = True
            if self.watch is not None:
                self.watch.close()
            if self._quick_conn is not None:
                self._quick_conn.close()
        finally:
            self._read_lock.release()

    def _refuse_if_closed(self) -> None:
        from .errors import StoreError

        if self._closed:  # a worker outliving the app: its result would go nowhere anyway
            raise StoreError("控制台已关闭", "")

    def on_key(self, event) -> None:
        """Before the bindings (Textual's _on_key): keys typed in the same burst as the / that opened a box
        reach the app before the box has the focus; they are the box's (screens/keys.py)."""
        from .screens.keys import TypeAhead

        if isinstance(self.screen, TypeAhead) and self.screen.take_typed(event):
            event.prevent_default()

    def warm_engine(self) -> None:
        """Import SQLAlchemy and open the engine once the board is up, so the first key that writes
        does not wait for it."""
        self.gateway.read(lambda: self.engine, lambda _: None, group="engine", what="打不开数据库")

    def warm_lookup(self) -> None:
        """Load the pinyin index (pypinyin and every name's readings) in a thread once the board is up: the
        first `mzsf` typed in the form or on `m` would otherwise stop the console for up to a second, its
        keys piling up meanwhile."""
        from .coverage import warm

        contracts = list(self.contracts)
        self.run_worker(lambda: warm(contracts), thread=True, group="lookup", exit_on_error=False)

    def tick(self) -> None:
        """Once a second: countdowns move; another process's change is picked up within the second."""
        from .widgets.ticket_board import TicketBoard

        if not self.is_running:  # closing: the screens are uninstalled before the last timer call
            return
        board = self.get_screen("board")
        if not board.query(TicketBoard):  # composing at start, or torn down while the app closes
            return
        board.tick()
        board.update_now(*self.status())
        self.check_store()

    def check_store(self) -> None:
        self.gateway.read(self._watch_store, self._store_checked, group="watch", what="查看改动失败")

    def _watch_store(self) -> bool:
        """In a worker: whether anything was committed since the last look. The first look opens the watch
        and counts as a change, so nothing committed since the first board read is missed."""
        with self._read_lock:
            self._refuse_if_closed()
            if self.watch is None:
                from .store.watch import ChangeWatch

                engine = self.engine if self.quick_path is None else None
                self.watch = ChangeWatch(engine, self.quick_path, opened=self.opened)
            return None if self.watch.replaced() else self.watch.changed()

    def _store_checked(self, changed: bool | None) -> None:
        """Read again what is shown when the store changed, or when its last read failed (it may work now).
        None: the store's file was replaced; nothing is read again, nothing written, and the board says so."""
        from .screens.recent import RecentScreen
        from .screens.roster import RosterScreen
        from .screens.ticket import TicketScreen

        if changed is None:
            if self.store_replaced is None:
                self.store_replaced = (
                    f"{self.watch.path} 已不是控制台打开的那个文件（被移走，或被 mv、restore 换成了别的库）。"
                    "这里显示的是旧文件的内容，改动不会保存：请退出（q）后重新打开控制台"
                )
                self.notify(self.store_replaced, title="数据库文件已被替换", severity="error", timeout=30, markup=False)
                self.get_screen("board").alarm("数据库文件已被替换：显示的是旧内容，不能保存。按 q 退出后重开")
            return
        failing = self.gateway.failing
        if changed or failing("board"):
            self.load_board()
        if isinstance(self.screen, TicketScreen) and (changed or failing("ticket")):
            self.screen.reload()
        elif isinstance(self.screen, RosterScreen) and (changed or failing("roster")):
            self.screen.load()
        elif isinstance(self.screen, RecentScreen) and (changed or failing("recent")):
            self.screen.load()

    def ask_engineer(self, then=None, error: str = "") -> None:
        """Which engineer is at the keyboard; then `then()` (screens/engineer.py)."""
        from .screens.engineer import ask_engineer

        ask_engineer(self, then, error)

    def action_choose_engineer(self) -> None:
        self.ask_engineer()

    def status(self) -> tuple[datetime, str, str]:
        """(local now, what kind of day and which line takes calls, who is on duty): the board's top line."""
        from .sla import Policy
        from .tickets import hotline_open

        now = self.clock()
        contract = self.contract
        if contract is None:
            return now, "库中没有合同", ""
        policy = self._status_policy = self._status_policy or Policy(contract)
        local = now.astimezone(policy.out_zone)
        parts = [policy.calendar.day(local.date()).name]
        open_now = hotline_open(policy, now)
        if open_now is not None:
            parts.append("热线开放" if open_now else "热线未开·接备勤")
        duty = self.duty.get(contract.code)
        duty_text = f"操作人 {visible(self.engineer)}  " if self.engineer else ""
        if duty is not None:
            duty_text += duty.status(now)  # an unacknowledged handover is on the warnings line (board.py)
            if duty.stale(now):  # the computed days run out: a quiet night with no change still moves on
                self.load_board()
        return local, " ".join(parts), duty_text

    def load_board(self, first: bool = False) -> None:
        """Read the open tickets in a worker thread; the screen gets plain rows. The `first` read takes the
        FIRST_ROWS soonest due, what a screen shows, and the rest follow in a second read: 200,000 open
        tickets take a second to read, and the engineer sees the top of the board meanwhile."""
        limit = FIRST_ROWS if first else None
        self.gateway.read(lambda: self._read_board(limit), self._show_board, group="board", what="读取看板失败")

    def _read_board(self, limit: int | None = None) -> tuple:
        from .roster import OnDuty
        from .store.handover import read_acks
        from .store.rows import board_rows, contract_heads, latest_terms, open_count, policies, read_roster

        with self.reading() as conn:
            heads = contract_heads(conn)
            rows = board_rows(conn, limit=limit)
            partial = limit is not None and len(rows) >= limit
            total = open_count(conn) if partial else len(rows)
            current = latest_terms(conn, [cid for cid, *_ in heads])
            # each ticket's own terms, and each contract's current ones (its roster's duty lines)
            rules = policies(conn, {r.terms_id for r in rows} | set(current.values()))
            contracts = {cid: rules[current[cid]].contract for cid, *_ in heads}
            rosters = [(c := contracts[cid], read_roster(conn, c, cid), read_acks(conn, cid)) for cid, *_ in heads]
        now = self.clock()
        duty = {contract.code: OnDuty.build(roster, contract, now, acks) for contract, roster, acks in rosters}
        names = {cid: (code, customer) for cid, code, customer, _ in heads}
        return rows, rules, names, duty, sorted(contracts.values(), key=lambda c: c.code), total, partial

    def _show_board(self, read: tuple) -> None:
        rows, rules, names, duty, contracts, total, partial = read
        self.duty = duty
        self.get_screen("board").show_rows(rows, rules, names, total)
        if partial:  # the top of the board is on screen: now all of it
            self.call_after_refresh(self.load_board)
        if contracts != self.contracts:  # a contract imported meanwhile: coverage, terms, new tickets follow it
            code = self.contract.code if self.contract else None
            self.contracts = contracts
            self.contract_index = next((i for i, c in enumerate(contracts) if c.code == code), 0)
            self._contract_changed()
        if self._engine is None:
            self.call_after_refresh(self.warm_engine)
        if not self._lookup_warmed:
            self._lookup_warmed = True
            self.call_after_refresh(self.warm_lookup)

    def action_new_ticket(self) -> None:
        from .screens.new_ticket import NewTicketScreen
        from .sla import Policy

        if self.contract is None:
            self.notify("库中没有合同：先用 zldesk import contract 导入", severity="error")
            return
        self.push_screen(NewTicketScreen(self.contract, Policy(self.contract)))

    def open_ticket(self, ticket_id: int) -> None:
        from .screens.ticket import TicketScreen

        self.push_screen(TicketScreen(ticket_id))

    def _fatal_error(self) -> None:
        # Textual's crash report prints local variables, and ours hold phone numbers and names: a bug
        # gets its traceback, without them. (Overrides a private method; checked by a test.)
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    def _update_subtitle(self) -> None:
        c = self.contract
        # The sub-title also becomes the terminal's window title: a customer name is data, never escapes.
        self.sub_title = visible(f"{c.customer}（{c.code}）") if c else "库中没有合同"

    def action_show(self, name: str) -> None:
        """To the screen `name` (a SCREEN_KEY). The board is always at the bottom; the others are shown
        over it, one at a time, so esc (`back`) pops back to the board or to the screen a ticket came from."""
        screen = self.get_screen(name)
        if screen in self.screen_stack:
            while self.screen is not screen:
                self.pop_screen()
        elif len(self.screen_stack) == 1:
            self.push_screen(name)
        else:
            self.switch_screen(name)

    def action_back(self) -> None:
        """esc (and q, off the board): to the screen below; the board is the last."""
        if len(self.screen_stack) > 1:
            self.pop_screen()

    def action_next_contract(self) -> None:
        if len(self.contracts) > 1:
            self.contract_index = (self.contract_index + 1) % len(self.contracts)
            self._contract_changed()

    def _contract_changed(self) -> None:
        from .screens.contract import ContractScreen
        from .screens.coverage import CoverageScreen
        from .screens.roster import RosterScreen

        self._update_subtitle()
        self._status_policy = None
        for kind in (CoverageScreen, ContractScreen, RosterScreen):
            screen = self.get_screen(kind.SCREEN_KEY)
            if screen.is_mounted:  # one not shown yet reads the contract when it is
                screen.refresh_contract()

    def action_help(self) -> None:
        """The keys of the screen in front, then those that work everywhere."""
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(offered(getattr(self.screen, "SCREEN_KEY", None))))
