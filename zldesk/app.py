"""The console. `make_app` is the one way to build it, for the CLI and the tests alike."""

from __future__ import annotations

from datetime import datetime, timezone

from textual import work
from textual.app import App
from textual.binding import Binding

from .actions import ACTIONS, bindings
from .commands.output import who
from .contract import Contract


def _palette():
    from .palette import ZlDeskCommands

    return ZlDeskCommands


def make_app(url: str, clock=None) -> ZlDeskApp:
    """Open the store at `url` (failing here, before any screen, if it cannot) and build the app.

    `clock` returns the current aware time; tests pass a fixed one so screens can be compared."""
    from .store import open_store, reading
    from .store.contracts import get_contract, list_contracts

    engine = open_store(url)
    with reading(engine) as session:
        contracts = [get_contract(session, r.code) for r in list_contracts(session)]
    return ZlDeskApp(engine, contracts, clock)


class ZlDeskApp(App):
    TITLE = "zldesk 值班台"
    CSS = """
    Screen { layout: vertical; }
    #filter { margin: 0 1; }
    #clause { height: 4; padding: 0 1; border-top: solid $primary; }
    .section { text-style: bold; margin: 1 1 0 1; }
    """
    BINDINGS: list[Binding] = bindings("app.")
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {_palette}

    def __init__(self, engine, contracts: list[Contract], clock=None) -> None:
        super().__init__()
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.engine = engine
        self.contracts = contracts
        self.contract_index = 0
        self.watch = None
        self.who = who()  # the OS user: what the history records for changes made here

    @property
    def contract(self) -> Contract | None:
        return self.contracts[self.contract_index] if self.contracts else None

    def on_mount(self) -> None:
        from .screens.board import BoardScreen
        from .screens.contract import ContractScreen
        from .screens.coverage import CoverageScreen
        from .store.watch import ChangeWatch

        self.install_screen(BoardScreen(), "board")
        self.install_screen(CoverageScreen(), "coverage")
        self.install_screen(ContractScreen(), "contract")
        self._update_subtitle()
        self.push_screen("board")
        self.watch = ChangeWatch(self.engine)
        self.watch.changed()  # the load below is the first
        self.load_board()
        self.call_after_refresh(lambda: self.get_screen("board").update_now(*self.status()))
        self.set_interval(1.0, self.tick)

    def on_unmount(self) -> None:
        if self.watch is not None:
            self.watch.close()

    def tick(self) -> None:
        """Once a second: countdowns move; another process's change is picked up within the second."""
        board = self.get_screen("board")
        board.tick()
        board.update_now(*self.status())
        if self.watch.changed():
            self.load_board()
            if type(self.screen).__name__ == "TicketScreen":
                self.screen.reload()

    def status(self) -> tuple[datetime, str]:
        from .sla import Policy

        now = self.clock()
        contract = self.contract
        if contract is None:
            return now, "库中没有合同"
        policy = self._status_policy = getattr(self, "_status_policy", None) or Policy(contract)
        local = now.astimezone(policy.out_zone)
        parts = [policy.calendar.day(local.date()).name]
        open_now = policy.hotline_open(now)
        if open_now is not None:
            parts.append("热线开放" if open_now else "热线已下班，接备勤专线")
        parts.append("值班：（值班表未建）")
        return local, "  ".join(parts)

    @work(thread=True, exclusive=True, group="board")
    def load_board(self) -> None:
        """Read the open tickets off the UI thread; the screen gets plain rows."""
        from .store import reading
        from .store.tickets import contract_names, list_tickets, policy_for

        from .errors import ZlDeskError

        try:
            with reading(self.engine) as session:
                rows = list_tickets(session)
                names = contract_names(session)
                policies = {cid: policy_for(session, code) for cid, (code, _) in names.items()}
        except ZlDeskError as e:
            self.call_from_thread(self.notify, f"{e.title}：{e.message}", title="读取工单失败", severity="error",
                                  markup=False)
            return
        self.call_from_thread(self.get_screen("board").show_rows, rows, policies, names)

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
        self.sub_title = f"{c.customer}（{c.code}）" if c else "库中没有合同"

    def action_show(self, name: str) -> None:
        if self.get_screen(name) is not self.screen:
            self.switch_screen(name)

    def action_next_contract(self) -> None:
        if len(self.contracts) > 1:
            self.contract_index = (self.contract_index + 1) % len(self.contracts)
            self._update_subtitle()
            self._status_policy = None
            for name in ("coverage", "contract"):
                self.get_screen(name).refresh_contract()

    # Which groups of the action table each screen answers to (the app's own keys work everywhere).
    HELP_GROUPS = {"BoardScreen": ("board.", "list."), "TicketScreen": ("ticket.",),
                   "CoverageScreen": ("coverage.", "list."), "ContractScreen": ("list.",)}

    def action_help(self) -> None:
        """The keys of the screen in front, then the keys that work everywhere."""
        from .screens.help import HelpScreen

        groups = self.HELP_GROUPS.get(type(self.screen).__name__, ())
        shown = [a for a in ACTIONS if a.id.startswith(groups)] if groups else []
        self.push_screen(HelpScreen(shown + [a for a in ACTIONS if a.id.startswith("app.")]))
