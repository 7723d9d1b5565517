"""Schema version 5, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
)

from ..types import UtcDateTime


def step(conn: Connection) -> None:
    """The history is hash-chained: each ticket_event and roster_event row carries the hash of the row before
    it and its own, and chain_head keeps each chain's last row. The rows already there are chained in id
    order here, so an upgraded store verifies like a new one."""
    from ..audit import GENESIS, row_digest  # the digest is frozen by nature: every stored hash depends on it

    md = MetaData()
    Table(
        "chain_head",
        md,
        Column("name", String, primary_key=True),
        Column("last_id", Integer, nullable=False),
        Column("hash", String, nullable=False),
    )
    md.tables["chain_head"].create(conn)
    # The two tables as v3 and v4 made them: their types decide how the values read back, hence the digest.
    events = {
        "ticket_event": Table(
            "ticket_event",
            md,
            Column("id", Integer, primary_key=True),
            Column("ticket_id", Integer),
            Column("seq", Integer),
            Column("kind", String),
            Column("who", String),
            Column("entered_at", UtcDateTime()),
            Column("effective_at", UtcDateTime()),
            Column("data", JSON),
            Column("reason", Text),
            Column("changes", JSON),
        ),
        "roster_event": Table(
            "roster_event",
            md,
            Column("id", Integer, primary_key=True),
            Column("contract_id", Integer),
            Column("at", UtcDateTime()),
            Column("who", String),
            Column("kind", String),
            Column("source", Text),
            Column("sha256", String),
            Column("summary", Text),
        ),
    }
    for name, table in events.items():
        rows = conn.execute(select(table).order_by(table.c.id)).mappings().all()
        for column in ("prev_hash", "row_hash"):
            conn.exec_driver_sql(f"ALTER TABLE {name} ADD COLUMN {column} VARCHAR")
        prev, last_id, hashes = GENESIS, 0, []
        for row in rows:
            digest = row_digest(name, row, prev)
            hashes.append({"b_id": row["id"], "prev_hash": prev, "row_hash": digest})
            prev, last_id = digest, row["id"]
        if hashes:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:  # the one UPDATE the history ever gets: its trigger steps aside for it
                conn.exec_driver_sql(f"DROP TRIGGER {name}_no_update")
            conn.execute(
                text(f"UPDATE {name} SET prev_hash = :prev_hash, row_hash = :row_hash WHERE id = :b_id"), hashes
            )
            if sqlite:
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {name} "
                    f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END"
                )
        conn.execute(insert(md.tables["chain_head"]), {"name": name, "last_id": last_id, "hash": prev})
