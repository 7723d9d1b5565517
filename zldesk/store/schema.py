"""Schema versions. Each migration is frozen: it builds its own Core tables, never the live models,
so an old store upgrades through exactly the steps it missed, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    insert,
    select,
    text,
)

from ..errors import NotAStore, StoreTooNew
from .types import UtcDateTime


def _v1(conn: Connection) -> None:
    """Contracts: the contract row and its windows, severities, services, modules and contacts."""
    md = MetaData()
    Table("meta", md, Column("key", String, primary_key=True), Column("value", String, nullable=False))
    Table(
        "contract", md,
        Column("id", Integer, primary_key=True), Column("code", String, nullable=False, unique=True),
        Column("customer", String, nullable=False), Column("vendor", String, nullable=False),
        Column("product", String, nullable=False), Column("timezone", String, nullable=False),
        Column("title", String, nullable=False), Column("period_start", Date), Column("period_end", Date),
        Column("updated_at", UtcDateTime(), nullable=False),
    )

    def child(name: str, *columns: Column, unique: tuple[str, ...] = ()) -> None:
        args = [
            Column("id", Integer, primary_key=True),
            Column("contract_id", Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False,
                   index=True),
            Column("position", Integer, nullable=False),
            *columns,
        ]
        if unique:
            args.append(UniqueConstraint("contract_id", *unique))
        Table(name, md, *args)

    child("contract_window", Column("name", String, nullable=False), Column("label", String, nullable=False),
          Column("days", String, nullable=False), Column("start", String, nullable=False),
          Column("end", String, nullable=False), Column("outside", String), Column("note", Text, nullable=False),
          unique=("name",))
    child("severity", Column("level", Integer, nullable=False), Column("name", String, nullable=False),
          Column("description", Text, nullable=False), Column("examples", JSON, nullable=False),
          Column("amount", JSON, nullable=False), Column("unit", String, nullable=False),
          Column("window", String, nullable=False), Column("negotiable", Boolean, nullable=False),
          unique=("level",))
    child("service", Column("category", String, nullable=False), Column("name", String, nullable=False),
          Column("description", Text, nullable=False), Column("channels", JSON, nullable=False),
          Column("frequency", String), Column("exclusions", JSON, nullable=False),
          Column("note", Text, nullable=False))
    child("module", Column("no", Integer, nullable=False), Column("name", String, nullable=False),
          Column("selected", Boolean, nullable=False), Column("sites", Integer),
          Column("remark", Text, nullable=False), unique=("no",))
    child("contact", Column("kind", String, nullable=False), Column("label", String, nullable=False),
          Column("value", String, nullable=False), Column("window", String), Column("note", Text, nullable=False))
    md.create_all(conn)


def _v2(conn: Connection) -> None:
    """The import log: who imported which file into which contract, when, and what it changed."""
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    Table(
        "import_log", md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False,
               index=True),
        Column("at", UtcDateTime(), nullable=False), Column("who", String, nullable=False),
        Column("what", String, nullable=False), Column("source", Text, nullable=False),
        Column("sha256", String, nullable=False), Column("summary", Text, nullable=False),
    )
    md.tables["import_log"].create(conn)


def _v3(conn: Connection) -> None:
    """Tickets: the state of each (a cache of its events), the append-only events, the search index."""
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    Table(
        "ticket", md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id"), nullable=False, index=True),
        Column("version", Integer, nullable=False),
        Column("state", String, nullable=False),
        Column("severity", Integer, nullable=False),
        Column("title", Text, nullable=False), Column("description", Text, nullable=False),
        Column("module_no", Integer), Column("module_name", String, nullable=False),
        Column("in_scope", Boolean, nullable=False),
        Column("caller", String, nullable=False), Column("phone", String, nullable=False),
        Column("dept", String, nullable=False), Column("channel", String, nullable=False),
        Column("assignee", String, nullable=False),
        *[Column(name, UtcDateTime(), nullable=name != "received_at")
          for name in ("received_at", "acknowledged_at", "arrived_at", "resolved_at", "closed_at")],
        Column("state_before_pause", String),
        Column("pauses", JSON, nullable=False), Column("levels", JSON, nullable=False),
        Column("negotiated_due", UtcDateTime()), Column("negotiated_with", String, nullable=False),
        Column("remote", JSON, nullable=False),
        Column("computed_due", UtcDateTime()), Column("due_ts", Float), Column("clock_start", UtcDateTime()),
        Column("provisional", Boolean, nullable=False), Column("warnings", JSON, nullable=False),
        Column("board_due", Float),
        Column("created_at", UtcDateTime(), nullable=False), Column("updated_at", UtcDateTime(), nullable=False),
    )
    # The board: only open tickets, in due order, with every column it lists. A partial covering index
    # is read alone, in order, without touching the wide rows of the closed majority.
    board = md.tables["ticket"].c
    Index("ix_ticket_board", board.board_due, board.id, board.contract_id, board.severity, board.state,
          board.provisional, board.assignee, board.module_name, board.title,
          sqlite_where=board.board_due.isnot(None), postgresql_where=board.board_due.isnot(None))
    Table(
        "ticket_event", md,
        Column("id", Integer, primary_key=True),
        Column("ticket_id", Integer, ForeignKey("ticket.id"), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("kind", String, nullable=False), Column("who", String, nullable=False),
        Column("entered_at", UtcDateTime(), nullable=False), Column("effective_at", UtcDateTime(), nullable=False),
        Column("data", JSON, nullable=False), Column("reason", Text, nullable=False),
        Column("changes", JSON, nullable=False),
        UniqueConstraint("ticket_id", "seq"),
    )
    md.tables["ticket"].create(conn)
    md.tables["ticket_event"].create(conn)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("CREATE VIRTUAL TABLE ticket_search USING fts5(tokens, tokenize='unicode61')")
        # The history is append-only: an event, once written, is never changed or removed.
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER ticket_event_no_{verb.lower()} BEFORE {verb} ON ticket_event "
                f"BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END")


def _v4(conn: Connection) -> None:
    """The on-duty roster: engineers (shared by all contracts), and per contract its rotations, fixed
    shifts, overrides, and an append-only history of every roster change."""
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    Table(
        "engineer", md,
        Column("id", Integer, primary_key=True), Column("name", String, nullable=False, unique=True),
        Column("phone", String, nullable=False), Column("skills", JSON, nullable=False),
        Column("active", Boolean, nullable=False),
    )

    def per_contract(name: str, *columns: Column) -> None:
        Table(name, md, Column("id", Integer, primary_key=True),
              Column("contract_id", Integer, ForeignKey("contract.id"), nullable=False, index=True), *columns)

    per_contract("roster_rotation", Column("position", Integer, nullable=False), Column("name", String, nullable=False),
                 Column("line", String, nullable=False), Column("unit", String, nullable=False),
                 Column("handoff", String, nullable=False), Column("start", Date, nullable=False), Column("end", Date),
                 Column("engineers", JSON, nullable=False))
    per_contract("roster_shift", Column("line", String, nullable=False), Column("engineer", String, nullable=False),
                 Column("start", UtcDateTime(), nullable=False), Column("end", UtcDateTime(), nullable=False),
                 Column("source", Text, nullable=False))
    per_contract("roster_override", Column("line", String, nullable=False), Column("engineer", String, nullable=False),
                 Column("start", UtcDateTime(), nullable=False), Column("end", UtcDateTime(), nullable=False),
                 Column("reason", Text, nullable=False), Column("covers", String),
                 Column("who", String, nullable=False), Column("created_at", UtcDateTime(), nullable=False))
    per_contract("roster_event", Column("at", UtcDateTime(), nullable=False), Column("who", String, nullable=False),
                 Column("kind", String, nullable=False), Column("source", Text, nullable=False),
                 Column("sha256", String, nullable=False), Column("summary", Text, nullable=False))
    for name in ("engineer", "roster_rotation", "roster_shift", "roster_override", "roster_event"):
        md.tables[name].create(conn)
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER roster_event_no_{verb.lower()} BEFORE {verb} ON roster_event "
                f"BEGIN SELECT RAISE(ABORT, 'roster_event is append-only'); END")


def _v5(conn: Connection) -> None:
    """The history is hash-chained: each ticket_event and roster_event row carries the hash of the row before
    it and its own, and chain_head keeps each chain's last row. The rows already there are chained in id
    order here, so an upgraded store verifies like a new one."""
    from .audit import GENESIS, row_digest  # the digest is frozen by nature: every stored hash depends on it

    md = MetaData()
    Table("chain_head", md, Column("name", String, primary_key=True), Column("last_id", Integer, nullable=False),
          Column("hash", String, nullable=False))
    md.tables["chain_head"].create(conn)
    # The two tables as v3 and v4 made them: their types decide how the values read back, hence the digest.
    events = {
        "ticket_event": Table(
            "ticket_event", md, Column("id", Integer, primary_key=True), Column("ticket_id", Integer),
            Column("seq", Integer), Column("kind", String), Column("who", String),
            Column("entered_at", UtcDateTime()), Column("effective_at", UtcDateTime()), Column("data", JSON),
            Column("reason", Text), Column("changes", JSON)),
        "roster_event": Table(
            "roster_event", md, Column("id", Integer, primary_key=True), Column("contract_id", Integer),
            Column("at", UtcDateTime()), Column("who", String), Column("kind", String), Column("source", Text),
            Column("sha256", String), Column("summary", Text)),
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
            conn.execute(text(f"UPDATE {name} SET prev_hash = :prev_hash, row_hash = :row_hash WHERE id = :b_id"),
                         hashes)
            if sqlite:
                conn.exec_driver_sql(
                    f"CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {name} "
                    f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END")
        conn.execute(insert(md.tables["chain_head"]), {"name": name, "last_id": last_id, "hash": prev})


def _v6(conn: Connection) -> None:
    """PostgreSQL as the team server: what v3 and v4 made for SQLite alone. The ticket search index (a
    tsvector of the same bigram tokens as SQLite's FTS5 table, with positions, so a Chinese substring is
    a phrase) and the triggers that keep the histories append-only. Nothing to do on SQLite."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("CREATE TABLE ticket_search (ticket_id INTEGER PRIMARY KEY REFERENCES ticket (id), "
                         "tokens TSVECTOR NOT NULL)")
    conn.exec_driver_sql("CREATE INDEX ix_ticket_search_tokens ON ticket_search USING GIN (tokens)")
    conn.exec_driver_sql(
        "CREATE FUNCTION zldesk_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION USING MESSAGE = TG_TABLE_NAME || ' is append-only'; END $$")
    for table in ("ticket_event", "roster_event"):
        conn.exec_driver_sql(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                             "FOR EACH ROW EXECUTE FUNCTION zldesk_append_only()")
    # No PostgreSQL store with tickets predates this step (before it a PostgreSQL store could not take a
    # ticket), so there is nothing to index yet; `zldesk migrate` indexes what it copies.


def _v7(conn: Connection) -> None:
    """Contract versions: every import that changes a contract keeps its terms as a new version, and a ticket
    refers to the version it was opened under, so a later import never changes the deadline of a ticket the
    hospital called in under the old terms. A store's contracts become their version 1 here, and every
    ticket refers to it (the terms before this step were not kept). The board's index carries the terms,
    the binding deadline and whether it was negotiated, so the board still reads the index alone."""
    import hashlib

    from ..contract import contract_to_dict
    from .rows import read_contracts

    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    versions = Table(
        "contract_version", md,
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
    for cid, contract in read_contracts(conn.connection.dbapi_connection).items():
        terms = terms_json(contract_to_dict(contract))
        conn.execute(insert(versions), {"contract_id": cid, "seq": 1, "created_at": now, "terms": terms,
                                        "sha256": hashlib.sha256(terms.encode()).hexdigest()})
    conn.exec_driver_sql("ALTER TABLE ticket ADD COLUMN terms_id INTEGER REFERENCES contract_version (id)")
    conn.exec_driver_sql("UPDATE ticket SET terms_id = (SELECT v.id FROM contract_version v "
                         "WHERE v.contract_id = ticket.contract_id AND v.seq = 1)")
    conn.exec_driver_sql("DROP INDEX ix_ticket_board")
    conn.exec_driver_sql(
        f"CREATE INDEX ix_ticket_board ON ticket ({BOARD_INDEX_COLUMNS}) WHERE board_due IS NOT NULL")
    _append_only(conn, "contract_version")


def terms_json(terms: dict) -> str:
    """A version's terms as stored: the contract's JSON file form, keys in a fixed order (dates as text)."""
    import json

    return json.dumps(terms, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      default=lambda v: v.isoformat())


# The board index of v7: every column the board lists, so it is read from the index alone.
BOARD_INDEX_COLUMNS = ("board_due, id, contract_id, terms_id, severity, state, due_ts, provisional, negotiated_due, "
                       "assignee, module_name, title")


def _append_only(conn: Connection, table: str) -> None:
    if conn.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            conn.exec_driver_sql(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END")
    else:  # zldesk_append_only() is v6's
        conn.exec_driver_sql(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                             "FOR EACH ROW EXECUTE FUNCTION zldesk_append_only()")


MIGRATIONS: list[tuple[int, Callable[[Connection], None]]] = [
    (1, _v1), (2, _v2), (3, _v3), (4, _v4), (5, _v5), (6, _v6), (7, _v7)]
LATEST = MIGRATIONS[-1][0]


def read_version(conn: Connection) -> int:
    """0 for an empty store; raises StoreError for a file that is not a zldesk store."""
    tables = _table_names(conn)
    if "meta" not in tables:
        if tables:
            raise NotAStore(tables=tables)
        return 0
    row = conn.execute(text("SELECT value FROM meta WHERE key = 'schema_version'")).first()
    return int(row[0]) if row else 0


def upgrade(conn: Connection, target: int = LATEST) -> tuple[int, int]:
    """Run the missing migrations inside the caller's transaction. Returns (from, to)."""
    found = read_version(conn)
    if found > LATEST:
        raise StoreTooNew(None, found, LATEST)
    for version, step in MIGRATIONS:
        if found < version <= target:
            step(conn)
            conn.execute(
                text("DELETE FROM meta WHERE key = 'schema_version'"))
            conn.execute(text("INSERT INTO meta (key, value) VALUES ('schema_version', :v)"), {"v": str(version)})
    return found, max(found, min(target, LATEST))


def _table_names(conn: Connection) -> set[str]:
    from sqlalchemy import inspect

    return set(inspect(conn).get_table_names())
