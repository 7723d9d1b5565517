"""The history's hash chains. Every ticket_event, roster_event and obligation_event row carries its hash (`row_hash`), made of
its values and the hash of the row before it in id order; `chain_head` keeps each chain's last row. An edited,
removed or slipped-in row, or a head that no longer matches, shows up in `verify`, which names the first such
row. (Until schema v10 each row also kept the previous row's hash, `prev_hash`: always the row_hash just
before it, so v10 dropped the copy; `verify` takes it from that row.)

The chain proves the history was not changed behind zldesk's back by someone who does not also rewrite every
later hash and the head: the hash has no secret. Keep the head hashes that `zldesk audit verify` prints
somewhere else to catch that too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, text, update

from ..errors import ChainHeadMissing, ChainHeadMoved
from .db import driver_errors
from .types import json_encoder

GENESIS = ""  # what a chain's first row hashes after (no row before it)
HASH_COLUMNS = ("prev_hash", "row_hash")


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        # Stored in UTC with microseconds on SQLite and PostgreSQL alike, read back aware in UTC.
        utc = value.astimezone(UTC)
        if utc.year >= 1000:  # isoformat is strftime's text here, at a fifth of the cost (not below 1000)
            return utc.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, (dict, list, tuple)):
        if _plain(value):  # already what the round trip gives back: skip it (a bulk import hashes millions)
            return value
        return json.loads(json.dumps(value))  # what a JSON column gives back: tuples as lists, keys as text
    return value


_SCALARS = frozenset((str, int, bool, type(None)))
_AS_IS = frozenset((str, int, bool))  # their own canonical form


def _plain(value: Any) -> bool:
    """Whether json.loads(json.dumps(value)) == value, unchanged in type too: dicts with text keys, lists,
    text, integers, booleans, None (floats are not: their round trip may differ in the last digit's text)."""
    if isinstance(value, dict):
        for k, v in value.items():
            if type(k) is not str or (type(v) not in _SCALARS and not _plain(v)):
                return False
        return True
    if type(value) is list:
        for v in value:
            if type(v) not in _SCALARS and not _plain(v):
                return False
        return True
    return type(value) in _SCALARS


# json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str) is this encoder's
# encode (dumps builds the same one each call): made once, the C encoder itself (types.json_encoder).
_BODY = json_encoder(ensure_ascii=False, sort_keys=True, default=str)


def row_digest(table: str, row_values: Mapping[str, Any], prev: str) -> str:
    """sha256 hex of `prev`, a newline, and the JSON of [table, {column: value}] over every column but the
    two hash columns, NULLs left out (so a column added later leaves the older rows' digests as they were).

    Never change this: every stored hash was made with it, by the writers and by migration v5."""
    return _link(prev, _body(table, row_values))


def _body(table: str, row_values: Mapping[str, Any]) -> str:
    content = {k: _canonical(v) for k, v in row_values.items() if k not in HASH_COLUMNS and v is not None}
    return _BODY([table, content])


def _link(prev: str, body: str) -> str:
    return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()


class _Canonical:
    """`_canonical` for many rows (append_many): an instant's text made once however many rows hold it (an
    import's rows share their entry time; equal instants have one text, whatever their zone; keyed with the
    fold too, as a repeated wall-clock hour's two instants compare equal in one zone), text and integers as
    they are."""

    def __init__(self) -> None:
        self.instants: dict[tuple[datetime, int], str] = {}

    def __call__(self, value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is int:
            return value
        if kind is datetime:
            key = (value, value.fold)
            text_ = self.instants.get(key)
            if text_ is None:
                text_ = self.instants[key] = _canonical(value)
            return text_
        return _canonical(value)

    def content(self, row_values: Mapping[str, Any]) -> dict[str, Any]:
        """The row as its digest sees it: no NULLs, no hash columns, every value canonical."""
        return {
            k: v if type(v) in _AS_IS else self(v)
            for k, v in row_values.items()
            if v is not None and k not in HASH_COLUMNS
        }

    def digest(self, table: str, row_values: Mapping[str, Any], prev: str) -> str:
        """row_digest(table, row_values, prev), the same bytes hashed."""
        return _link(prev, _BODY([table, self.content(row_values)]))


# The roster's tables, whose content each roster change records (roster_event.roster_digest, schema v8).
ROSTER_TABLES = ("engineer", "roster_rotation", "roster_shift", "roster_override")


def roster_digest(conn: Connection) -> dict[str, str]:
    """table -> sha256 hex of the JSON of [table, [every row, in id order]], the rows' values canonical as in
    `row_digest` (read through the models' types, so SQLite and PostgreSQL give the same digest).

    Never change this either: every recorded roster digest was made with it."""
    from .models import SQLModel

    out = {}
    for name in ROSTER_TABLES:
        table = SQLModel.metadata.tables[name]
        content = [
            {k: _canonical(v) for k, v in r.items() if v is not None}
            for r in conn.execute(select(table).order_by(table.c.id)).mappings()
        ]
        body = json.dumps([name, content], sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        out[name] = hashlib.sha256(body.encode()).hexdigest()
    return out


# ---- writing -------------------------------------------------------------------------------------------


def _head_table() -> Table:
    from .models import ChainHead

    return ChainHead.__table__


@cache
def _statements(table: Table):
    """Built once per table, values bound per call: building a statement costs more than running it."""
    head = _head_table()
    read_head = select(head.c.last_id, head.c.hash).where(head.c.name == table.name).with_for_update()
    move_head = (
        update(head)
        .where(head.c.name == table.name, head.c.last_id == bindparam("b_last"), head.c.hash == bindparam("b_hash"))
        .values(last_id=bindparam("n_last"), hash=bindparam("n_hash"))
    )
    content = frozenset(c.name for c in table.columns) - {"id", *HASH_COLUMNS}
    return read_head, move_head, insert(table), content


# SQLite: the head and the next id in one statement, straight on the driver (a third of the cost of going
# through SQLAlchemy, which matters for a bulk import). The write lock is already held: no FOR UPDATE.
_SQLITE_HEAD = "SELECT last_id, hash, (SELECT coalesce(max(id), 0) + 1 FROM {table}) FROM chain_head WHERE name = ?"
_SQLITE_MOVE = "UPDATE chain_head SET last_id = ?, hash = ? WHERE name = ? AND last_id = ? AND hash = ?"


def lock_head(conn: Connection, table: Table) -> None:
    """Hold the chain's head now, before reading what the new row will record (the roster's digest): on
    PostgreSQL every roster change committed before it is then seen; SQLite's write lock is held already."""
    if conn.dialect.name != "sqlite":
        conn.execute(_statements(table)[0])


def _read_head(conn: Connection, table: Table, n: int) -> tuple[int, str, range | list[int]]:
    """The chain's head (its last row's id and hash) and the ids of its next `n` rows, read while the head is
    held (the ids are in the digests, so they are chosen before the INSERT): on SQLite by the write lock
    (BEGIN IMMEDIATE), in one statement on the driver; on PostgreSQL by the head row's lock (FOR UPDATE),
    the ids from the table's sequence. ChainHeadMissing if the head row is gone."""
    if conn.dialect.name == "sqlite":
        with driver_errors(conn):
            head = conn.connection.dbapi_connection.execute(_SQLITE_HEAD.format(table=table.name), (table.name,))
            head = head.fetchone()
        if head is None:
            raise ChainHeadMissing(table.name)
        return head[0], head[1], range(head[2], head[2] + n)
    head = conn.execute(_statements(table)[0]).first()
    if head is None:
        raise ChainHeadMissing(table.name)
    ids = (
        conn.execute(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
            {"t": table.name, "n": n},
        )
        .scalars()
        .all()
    )
    return head[0], head[1], ids


def _move_head(conn: Connection, table: Table, last_id: int, prev: str, new_id: int, digest: str) -> None:
    """The head moved from (last_id, prev), as read, to the new last row; ChainHeadMoved if it is not there
    any more (only where the head row could not be locked: refuse rather than fork the chain)."""
    if conn.dialect.name == "sqlite":
        with driver_errors(conn):
            moved = conn.connection.dbapi_connection.execute(
                _SQLITE_MOVE, (new_id, digest, table.name, last_id, prev)
            ).rowcount
    else:
        moved = conn.execute(
            _statements(table)[1], {"b_last": last_id, "b_hash": prev, "n_last": new_id, "n_hash": digest}
        ).rowcount
    if moved != 1:
        raise ChainHeadMoved(table.name)


def append(conn: Connection, table: Table, values: dict[str, Any]) -> int:
    """Insert `values` (every column but id and the hashes) as the next row of the table's chain, in the
    caller's write transaction. Returns the new row's id.

    Writers are serialized on the chain's head (`_read_head`), held until the caller commits."""
    _, _, insert_row, content = _statements(table)
    if not content <= values.keys():  # a default filled in by the database would not be in the digest
        raise ValueError(f"{table.name}: no value for {sorted(content - values.keys())}")
    last_id, prev, ids = _read_head(conn, table, 1)
    values = {**values, "id": ids[0]}
    values["row_hash"] = digest = row_digest(table.name, values, prev)
    conn.execute(insert_row, values)
    _move_head(conn, table, last_id, prev, ids[0], digest)
    return ids[0]


def chain_many(conn: Connection, table: Table, contents: list[dict[str, Any]]) -> list[str]:
    """Make `contents` the next rows of the table's chain: each gets its id (set in it, in order) and its
    hash (returned, in order), the head is moved once to the last. Each content is a row as its digest sees
    it: every column but id and the hashes, NULLs left out, each value already what `_canonical` gives (an
    instant its UTC text, a JSON value plain) - then `_link` of `_body` of it is `row_digest`'s, one C
    encoding a row. The caller inserts the rows, with these ids and hashes, in the same transaction."""
    if not contents:
        return []
    last_id, first_prev, ids = _read_head(conn, table, len(contents))
    prev, out, name = first_prev, [], table.name
    for new_id, content in zip(ids, contents):
        content["id"] = new_id
        prev = _link(prev, _BODY([name, content]))
        out.append(prev)
    _move_head(conn, table, last_id, first_prev, ids[-1], prev)
    return out


def append_many(conn: Connection, table: Table, rows: list[dict[str, Any]], write=None) -> int:
    """`append` for many rows at once: each row's id and hash made as `append` makes them (the same digest
    of the same values, by `chain_many`), the head moved once to the last; `write(conn, table, rows)` inserts
    them (default: a Core executemany). Returns the first new id (the rest follow it, in order)."""
    _, _, insert_row, content = _statements(table)
    if not rows:
        return 0
    if not content <= rows[0].keys():
        raise ValueError(f"{table.name}: no value for {sorted(content - rows[0].keys())}")
    contents = list(map(_Canonical().content, rows))
    hashes = chain_many(conn, table, contents)
    out = [{**r, "id": c["id"], "row_hash": h} for r, c, h in zip(rows, contents, hashes)]
    if write is None:
        conn.execute(insert_row, out)
    else:
        write(conn, table, out)
    return out[0]["id"]


# ---- verifying -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first row where a chain does not hold, and what was found there (commands/audit.py words it)."""

    table: str
    id: int
    kind: str  # content_changed | not_chained | prev_link_broken | row_missing | head_mismatch | head_missing
    row: Mapping[str, Any] | None  # the row as read; None for a row that is gone and for the head's kinds
    last_id: int  # the chain's last row that held (0: none did)
    last_hash: str  # its hash
    links_to: int | None = None  # prev_link_broken: the earlier row the row was hashed after
    head: tuple[int, str] | None = None  # what chain_head records (last id, hash), where the head is at fault


@dataclass(frozen=True)
class Finding:
    """Something `audit verify` found that is not as zldesk left it, as data (commands/audit.py words it).

    `kind` says what (store/layout.py: `{type}_{missing|extra|changed}`; store/caches.py: a ticket, contract or
    roster table against what it caches; store/verify.py: against saved heads); `table` where; `name` which
    (a ticket id, a contract code, a version id, a trigger's name); `fields` the columns or paths that differ."""

    kind: str
    table: str
    name: str = ""
    fields: tuple[str, ...] = ()
    expected: Any = None
    found: Any = None


@dataclass(frozen=True)
class ChainReport:
    table: str
    rows: int
    last_id: int
    head: str  # the last row's hash
    broken: Break | None


def verify_chain(conn: Connection, table: Table) -> ChainReport:
    """Walk one chain in id order; stop at the first row that does not hold."""
    name, prev, last_id, count = table.name, GENESIS, 0, 0
    seen: dict[str, int] = {}  # row_hash -> id: tells a link to an earlier row from a link to a missing one

    def report(row_id: int, kind: str, row: Mapping[str, Any] | None = None, **found: Any) -> ChainReport:
        return ChainReport(
            name,
            count,
            last_id,
            prev,
            Break(name, row_id, kind, None if row is None else dict(row), last_id, prev, **found),
        )

    for r in conn.execute(select(table).order_by(table.c.id)).mappings():
        if r["row_hash"] is None:
            return report(r["id"], "not_chained", r)
        body = _body(name, r)
        if _link(prev, body) != r["row_hash"]:
            # Not made after the row before it. After an earlier row (a fork)? After a row that is gone (an
            # id skipped: SQLite never skips one; PostgreSQL may, so a changed row after a skip is named
            # missing-before rather than changed)? Else its content changed.
            links_to = next((i for h, i in seen.items() if h != prev and _link(h, body) == r["row_hash"]), None)
            if links_to is not None:
                return report(r["id"], "prev_link_broken", r, links_to=links_to)
            return report(r["id"], "row_missing" if r["id"] != last_id + 1 else "content_changed", r)
        seen[r["row_hash"]] = r["id"]
        prev, last_id, count = r["row_hash"], r["id"], count + 1
    head = _head_table()
    h = conn.execute(select(head.c.last_id, head.c.hash).where(head.c.name == name)).first()
    if h is None:
        return report(last_id, "head_missing")
    if (h.last_id, h.hash) != (last_id, prev):
        # a head past the table's last row: that row is gone; else the head does not match the rows
        kind, row_id = ("row_missing", h.last_id) if h.last_id > last_id else ("head_mismatch", last_id)
        return report(row_id, kind, head=(h.last_id, h.hash))
    return ChainReport(name, count, last_id, prev, None)


def chained_tables() -> list[Table]:
    from .models import ObligationEvent, RosterEvent, TicketEvent

    return [TicketEvent.__table__, RosterEvent.__table__, ObligationEvent.__table__]


def verify(conn: Connection) -> list[ChainReport]:
    """Every chain, in one read transaction of the caller's (so rows and heads are one snapshot)."""
    return [verify_chain(conn, table) for table in chained_tables()]
