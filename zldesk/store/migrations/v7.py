"""Schema version 7, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Column,
    Connection,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
)

from ..types import UtcDateTime


def step(conn: Connection) -> None:
    """Contract versions: every import that changes a contract keeps its terms as a new version, and a ticket
    refers to the version it was opened under, so a later import never changes the deadline of a ticket the
    hospital called in under the old terms. A store's contracts become their version 1 here, and every
    ticket refers to it (the terms before this step were not kept). The board's index carries the terms,
    the binding deadline and whether it was negotiated, so the board still reads the index alone."""
    import hashlib

    from ...contract import contract_to_dict
    from ..rows import read_contracts

    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    versions = Table(
        "contract_version",
        md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id"), nullable=False, index=True),
        Column("seq", Integer, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("terms", Text, nullable=False),
        Column("sha256", String, nullable=False),
        UniqueConstraint("contract_id", "seq"),
    )
    versions.create(conn)
    now = datetime.now(UTC)
    for cid, contract in read_contracts(conn.connection.dbapi_connection, site=False).items():
        terms = terms_json(contract_to_dict(contract))
        conn.execute(
            insert(versions),
            {
                "contract_id": cid,
                "seq": 1,
                "created_at": now,
                "terms": terms,
                "sha256": hashlib.sha256(terms.encode()).hexdigest(),
            },
        )
    conn.exec_driver_sql("ALTER TABLE ticket ADD COLUMN terms_id INTEGER REFERENCES contract_version (id)")
    conn.exec_driver_sql(
        "UPDATE ticket SET terms_id = (SELECT v.id FROM contract_version v "
        "WHERE v.contract_id = ticket.contract_id AND v.seq = 1)"
    )
    conn.exec_driver_sql("DROP INDEX ix_ticket_board")
    conn.exec_driver_sql(f"CREATE INDEX ix_ticket_board ON ticket ({BOARD_INDEX_COLUMNS}) WHERE board_due IS NOT NULL")
    _append_only(conn, "contract_version")


def terms_json(terms: dict) -> str:
    """A version's terms as stored: the contract's JSON file form, keys in a fixed order (dates as text)."""
    import json

    return json.dumps(terms, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=lambda v: v.isoformat())


# The board index of v7: every column the board lists, so it is read from the index alone.
BOARD_INDEX_COLUMNS = (
    "board_due, id, contract_id, terms_id, severity, state, due_ts, provisional, negotiated_due, "
    "assignee, module_name, title"
)


def _append_only(conn: Connection, table: str) -> None:
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )
    else:  # zldesk_append_only() is v6's
        conn.exec_driver_sql(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION zldesk_append_only()"
        )
