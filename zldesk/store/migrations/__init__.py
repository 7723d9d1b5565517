"""The schema's versions, in order. Each is frozen in its own module: it builds its own Core tables, never
the live models, so an old store upgrades through exactly the steps it missed, on SQLite and PostgreSQL."""

from collections.abc import Callable

from sqlalchemy import Connection

from . import v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14
from .v7 import BOARD_INDEX_COLUMNS, terms_json

MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, v1.step),
    (2, v2.step),
    (3, v3.step),
    (4, v4.step),
    (5, v5.step),
    (6, v6.step),
    (7, v7.step),
    (8, v8.step),
    (9, v9.step),
    (10, v10.step),
    (11, v11.step),
    (12, v12.step),
    (13, v13.step),
    (14, v14.step),
]

__all__ = ["BOARD_INDEX_COLUMNS", "MIGRATIONS", "terms_json"]
