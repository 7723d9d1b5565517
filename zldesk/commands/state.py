"""What the root command hands to every subcommand: which store, opened on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import UpgradeBackup


@dataclass
class State:
    db: str | None = None
    _engine: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        from ..store.files import resolve_url  # not store.db's: that imports SQLAlchemy

        return resolve_url(self.db)

    def engine(self):
        if self._engine is None:
            from ..store import open_store

            announce_new_store(self.url)
            self._engine = open_store(self.url, on_backup=say_upgrade_backup)
        return self._engine

    def read(self):
        """One read transaction on the store's driver connection (store/rows.py reads through it): sqlite3
        alone for a current SQLite store, else the store opened (created, upgraded) as `engine` opens it."""
        from ..store.quick import driver_reading

        return driver_reading(self.url, self.engine)

    def engine_if_exists(self):
        """The store if it is already there; None for a SQLite file not yet created (a dry run makes none)."""
        from sqlalchemy.engine import make_url

        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            if not Path(parsed.database).exists():
                return None
        return self.engine()


def announce_new_store(url: str) -> None:
    """Say so on stderr when a store is about to be created: a mistyped --db or ZLDESK_DB would otherwise
    open an empty store without a word, and the engineer would wonder where the tickets went."""
    from ..store.quick import sqlite_path

    path = sqlite_path(url)
    if path is not None and not path.exists():
        from ..settings import current
        from .output import warn

        settings = current()
        where = settings.where("db") if settings.source("db") == "config" else "ZLDESK_DB"
        warn(f"新建数据库 {path}（这里还没有库；若是路径写错了，请检查 --db 或 {where}）")


def say_upgrade_backup(backup: UpgradeBackup) -> None:
    """open_store copied an old store before upgrading it: say where, on stderr (the console says it too)."""
    from .output import say

    say(
        f"zldesk：数据库结构将从第 {backup.found} 版升级到第 {backup.latest} 版；升级前的备份在 {backup.path}",
        stderr=True,
    )


def now() -> datetime:
    """The commands' one clock (tests move it; each command module's `_now` reads it)."""
    return datetime.now(UTC)
