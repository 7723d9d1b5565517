"""Opening the console from the CLI: the store is opened first, so a bad store fails before any screen."""

from __future__ import annotations


def run_console(state) -> None:
    from .app import make_app

    make_app(state.url).run()
