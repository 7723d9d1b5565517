"""Opening the console from the CLI: the store is opened first, so a bad store fails before any screen."""

from __future__ import annotations


def run_console(url: str, on_backup=None) -> None:
    from .app import make_app

    app = make_app(url, on_backup=on_backup)
    app.run()
    _exit_like(app)


def _exit_like(app) -> None:
    """A console that crashed (its report already printed) exits non-zero, so a wrapper script knows."""
    if app.return_code:
        raise SystemExit(app.return_code)


def run_demo() -> None:
    """The console on a throwaway store filled with demo tickets; the store is removed on exit."""
    import shutil
    import tempfile
    from pathlib import Path

    from .app import make_app
    from .demo import fill_demo
    from .store import open_store

    folder = Path(tempfile.mkdtemp(prefix="zldesk-demo-"))
    try:
        url = f"sqlite:///{folder / 'demo.db'}"
        fill_demo(open_store(url), hospitals=True)
        app = make_app(url)
        app.run()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    _exit_like(app)
