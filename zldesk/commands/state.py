"""What the root command hands to every subcommand: which store, opened on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class State:
    db: str | None = None
    _engine: Any = field(default=None, repr=False)

    @property
    def url(self) -> str:
        from ..store.db import resolve_url

        return resolve_url(self.db)

    def engine(self):
        if self._engine is None:
            from ..store import open_store

            self._engine = open_store(self.url)
        return self._engine

    def engine_if_exists(self):
        """The store if it is already there; None for a SQLite file not yet created (a dry run makes none)."""
        from sqlalchemy.engine import make_url

        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            if not Path(parsed.database).exists():
                return None
        return self.engine()
