"""Schema version 8, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import Connection


def step(conn: Connection) -> None:
    """Each roster change records the digest of every roster table as the change left it (store/audit.py's
    roster_digest), so `audit verify` can tell a roster changed in the tables from one changed by zldesk.
    The older rows keep NULL there: a NULL is left out of a row's hash, so their chain still holds."""
    conn.exec_driver_sql("ALTER TABLE roster_event ADD COLUMN roster_digest TEXT")
