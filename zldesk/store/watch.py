"""Noticing another process's change without reading the data: the console polls this once a second."""

from __future__ import annotations

from pathlib import Path

from .files import identity


class ChangeWatch:
    """`changed()` is True when anything was committed since the last call (any process, this one too).

    SQLite: `PRAGMA data_version` on a connection kept for it alone; the pragma opens no read
    transaction, so a console left open all night pins no WAL. Elsewhere: the newest ticket, roster and
    contract changes."""

    def __init__(self, engine=None, path: Path | None = None, opened: tuple[int, int] | None = None) -> None:
        """Watch the SQLite file at `path` through sqlite3 alone, or else the store behind `engine`.
        `opened`: the (device, inode) of the file the caller opened (default: the one there now)."""
        self.engine = engine
        self._last: object = None
        self.path = path
        if path is None and engine is not None and engine.dialect.name == "sqlite" and engine.url.database:
            self.path = Path(engine.url.database)
        self.opened = opened or (identity(self.path) if self.path is not None else None)
        if path is not None:
            from .quick import connect

            self._raw = connect(path)
        else:
            from .db import _errors  # a failure to connect is a StoreError, as in every session

            with _errors():
                self._raw = engine.raw_connection() if engine.dialect.name == "sqlite" else None

    def token(self) -> object:
        if self._raw is not None:
            cursor = self._raw.cursor()
            try:
                cursor.execute("PRAGMA data_version")
                return cursor.fetchone()[0]
            finally:
                cursor.close()
        from sqlalchemy import text

        from .db import _errors

        with _errors(), self.engine.connect() as conn:  # tickets, roster changes and contract imports all move this
            return tuple(
                conn.execute(
                    text(
                        "SELECT (SELECT count(*) FROM ticket), (SELECT max(updated_at) FROM ticket), "
                        "(SELECT max(id) FROM roster_event), (SELECT max(updated_at) FROM contract)"
                    )
                ).one()
            )

    def replaced(self) -> bool:
        """True once the file at the store's path is no longer the one opened (moved away, or another put in
        its place by mv or a restore): what is read through the open connection is the old file's."""
        return self.opened is not None and identity(self.path) != self.opened

    def changed(self) -> bool:
        token = self.token()
        changed, self._last = token != self._last, token
        return changed

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None
