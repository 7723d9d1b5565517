"""The console. `make_app` is the one way to build it, for the CLI and the tests alike."""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding

from .actions import ACTIONS, bindings
from .contract import Contract


def make_app(url: str) -> ZlDeskApp:
    """Open the store at `url` (failing here, before any screen, if it cannot) and build the app."""
    from .store import open_store, reading
    from .store.contracts import get_contract, list_contracts

    engine = open_store(url)
    with reading(engine) as session:
        contracts = [get_contract(session, r.code) for r in list_contracts(session)]
    return ZlDeskApp(contracts)


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

    def __init__(self, contracts: list[Contract]) -> None:
        super().__init__()
        self.contracts = contracts
        self.contract_index = 0

    @property
    def contract(self) -> Contract | None:
        return self.contracts[self.contract_index] if self.contracts else None

    def on_mount(self) -> None:
        from .screens.contract import ContractScreen
        from .screens.coverage import CoverageScreen

        self.install_screen(CoverageScreen(), "coverage")
        self.install_screen(ContractScreen(), "contract")
        self._update_subtitle()
        self.push_screen("coverage")

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
            for name in ("coverage", "contract"):
                self.get_screen(name).refresh_contract()

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        self.push_screen(HelpScreen(ACTIONS))
