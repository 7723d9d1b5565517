"""Schema version 11, frozen: it builds its own Core tables, never the live models."""

from __future__ import annotations

from sqlalchemy import Column, Connection, ForeignKey, Index, Integer, MetaData, String, Table, inspect, text

KEYED = ("phone_key", "phone_local")


def step(conn: Connection) -> None:
    """Who is calling (issue 16): each ticket's phone keeps its matching keys beside it (phones.parse: the
    whole number, and a landline's local part), indexed with the call's time, so `zldesk who` is one
    indexed look-up however many tickets there are; the tickets already stored get theirs here. And the
    hospital's people (`import contacts`): one row per person and number, keyed the same way."""
    md = MetaData()
    Table("contract", md, Column("id", Integer, primary_key=True))
    person = Table(
        "person",
        md,
        Column("id", Integer, primary_key=True),
        Column("contract_id", Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("position", Integer, nullable=False),  # the person's place in the file
        Column("seq", Integer, nullable=False),  # the number's place among the person's
        Column("name", String, nullable=False),
        Column("dept", String, nullable=False),
        Column("role", String, nullable=False),
        Column("phone", String, nullable=False),
        Column("phone_key", String),
        Column("phone_local", String),
    )
    Index("ix_person_phone_key", person.c.phone_key)
    Index("ix_person_phone_local", person.c.phone_local)
    person.create(conn, checkfirst=True)  # a store set back by hand over a v11 store has it
    columns = {c["name"] for c in inspect(conn).get_columns("ticket")}
    for name in KEYED:
        if name not in columns:  # a store set back by hand over a v11 store (tests do) has them
            conn.exec_driver_sql(f"ALTER TABLE ticket ADD COLUMN {name} VARCHAR")
    _backfill(conn)
    indexes = {i["name"] for i in inspect(conn).get_indexes("ticket")}
    for name in KEYED:
        if f"ix_ticket_{name}" not in indexes:
            conn.exec_driver_sql(f"CREATE INDEX ix_ticket_{name} ON ticket ({name}, received_at)")


def _backfill(conn: Connection) -> None:
    from ... import phones

    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.dbapi_connection
        dbapi.create_function("zldesk_v11_key", 1, phones.key, deterministic=True)
        dbapi.create_function("zldesk_v11_local", 1, phones.local, deterministic=True)
        conn.exec_driver_sql(
            "UPDATE ticket SET phone_key = zldesk_v11_key(phone), phone_local = zldesk_v11_local(phone) "
            "WHERE phone <> ''"
        )
        return
    rows = conn.execute(text("SELECT id, phone FROM ticket WHERE phone <> ''")).all()
    if rows:
        conn.execute(
            text("UPDATE ticket SET phone_key = :k, phone_local = :l WHERE id = :i"),
            [{"k": phones.key(p), "l": phones.local(p), "i": i} for i, p in rows],
        )
