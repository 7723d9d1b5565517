"""Schema version 12, frozen: it builds its own Core statements, never the live models."""

from __future__ import annotations

from sqlalchemy import Connection, inspect

SITE_COLUMNS = (
    ("site_address", "VARCHAR"),
    ("site_travel_minutes", "INTEGER"),
    ("site_travel_minutes_night", "INTEGER"),
)


def step(conn: Connection) -> None:
    """When to leave (issue 16): each contract keeps its site, the hospital's address and the travel time by
    day and by night, so the board says when the engineer must set out. NULL for every contract stored
    before (a contract file gives none unless it says so; the recorded terms of a version carry the site in
    their JSON, and a contract without one hashes as it always did)."""
    columns = {c["name"] for c in inspect(conn).get_columns("contract")}
    for name, kind in SITE_COLUMNS:
        if name not in columns:  # a store set back by hand over a v12 store has them
            conn.exec_driver_sql(f"ALTER TABLE contract ADD COLUMN {name} {kind}")
