"""The notification outbox (schema v14): rows written with the decision to send them, the attempts at
sending, and the lease that lets one watcher alone send. Core statements on the live tables, SQLite and
PostgreSQL alike; each function runs inside the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, select, update

from .models import NotifyAttempt, NotifyLease, NotifyOutbox

OUTBOX, ATTEMPT, LEASE = NotifyOutbox.__table__, NotifyAttempt.__table__, NotifyLease.__table__
PENDING, SENT, FAILED = "pending", "sent", "failed"
BACKOFF = (30, 60, 120, 300, 600, 1800)  # seconds before attempt 2, 3, ...; then every 30 minutes
GIVE_UP = 50  # attempts before a row is failed (after about a day); `notify retry` makes it due again


@dataclass(frozen=True)
class Row:
    id: int
    key: str
    rule: str
    channel: str
    subject: str
    ticket_id: int | None
    title: str
    text: str
    created_at: datetime
    state: str
    attempts: int
    next_at: datetime
    sent_at: datetime | None


def _insert(conn: Connection, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def write(conn: Connection, events, now: datetime) -> int:
    """Each event as a pending row unless its key is there already. Returns how many rows were new."""
    new = 0
    for e in events:
        stmt = _insert(conn, OUTBOX).values(
            key=e.key,
            rule=e.rule,
            channel=e.channel,
            subject=e.subject,
            ticket_id=e.ticket_id,
            title=e.message.title,
            text=e.message.text,
            created_at=now,
            state=PENDING,
            attempts=0,
            next_at=now,
        )
        new += conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"])).rowcount or 0
    return new


def due(conn: Connection, now: datetime, limit: int = 100) -> list[Row]:
    query = (
        select(OUTBOX)
        .where(and_(OUTBOX.c.state == PENDING, OUTBOX.c.next_at <= now))
        .order_by(OUTBOX.c.id)
        .limit(limit)
    )
    return [Row(**r._mapping) for r in conn.execute(query)]


def rows(conn: Connection, limit: int | None = None) -> list[Row]:
    query = select(OUTBOX).order_by(OUTBOX.c.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return [Row(**r._mapping) for r in conn.execute(query)]


def attempts(conn: Connection) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    for r in conn.execute(select(ATTEMPT).order_by(ATTEMPT.c.id)):
        found.setdefault(r.outbox_id, []).append({"at": r.at, "status": r.status, "error": r.error})
    return found


def record(
    conn: Connection,
    row: Row,
    now: datetime,
    ok: bool,
    retry: bool,
    status: str,
    error: str,
    retry_after: float | None = None,
) -> str:
    """One attempt logged, and the row's new state: sent, pending again (due after the backoff, or after
    the API's retry_after when longer), or failed. Returns the state."""
    conn.execute(_insert(conn, ATTEMPT).values(outbox_id=row.id, at=now, status=status, error=error))
    tries = row.attempts + 1
    if ok:
        values = {"state": SENT, "sent_at": now}
    elif retry and tries < GIVE_UP:
        wait = max(BACKOFF[min(tries - 1, len(BACKOFF) - 1)], retry_after or 0)
        values = {"state": PENDING, "next_at": now + timedelta(seconds=wait)}
    else:
        values = {"state": FAILED}
    conn.execute(update(OUTBOX).where(OUTBOX.c.id == row.id).values(attempts=tries, **values))
    return values["state"]


def make_due(conn: Connection, outbox_id: int, now: datetime) -> Row | None:
    """`notify retry`: a pending or failed row due now (a sent one stays sent): due since it was written, so
    a watcher reading any instant after that sends it."""
    found = conn.execute(select(OUTBOX).where(OUTBOX.c.id == outbox_id)).first()
    if found is None:
        return None
    if found.state != SENT:
        conn.execute(
            update(OUTBOX).where(OUTBOX.c.id == outbox_id).values(state=PENDING, next_at=min(now, found.created_at))
        )
    return Row(**conn.execute(select(OUTBOX).where(OUTBOX.c.id == outbox_id)).one()._mapping)


def take_lease(conn: Connection, holder: str, now: datetime, ttl: timedelta, gone=None, name: str = "watch") -> bool:
    """Take or renew the lease: True when `holder` has it until now + ttl. Run in a write transaction (on
    SQLite BEGIN IMMEDIATE serialises the watchers; on PostgreSQL the row is locked FOR UPDATE)."""
    conn.execute(
        _insert(conn, LEASE)
        .values(name=name, holder=holder, expires_at=now - timedelta(seconds=1))
        .on_conflict_do_nothing(index_elements=["name"])
    )
    query = select(LEASE).where(LEASE.c.name == name)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    lease = conn.execute(query).one()
    if lease.holder != holder and lease.expires_at > now and not (gone and gone(lease.holder)):
        return False
    conn.execute(update(LEASE).where(LEASE.c.name == name).values(holder=holder, expires_at=now + ttl))
    return True


def release(conn: Connection, holder: str, name: str = "watch") -> None:
    """Give the lease up (a watcher stopping cleanly): another may take it at once."""
    conn.execute(
        update(LEASE)
        .where(and_(LEASE.c.holder == holder, LEASE.c.name == name))
        .values(expires_at=datetime(2000, 1, 1, tzinfo=UTC))
    )


def lease(conn: Connection, name: str = "watch") -> tuple[str, datetime] | None:
    found = conn.execute(select(LEASE).where(LEASE.c.name == name)).first()
    return None if found is None else (found.holder, found.expires_at)


def fired(drv, after: int | None) -> tuple[int, list[tuple[int, int, str]]]:
    """The console's alarm (through the driver connection, as the board reads): the newest outbox id, and
    the (id, ticket, title) of each first-stage-or-later row written after `after` (None: only the id)."""
    from .rows import _all, placeholder

    newest = _all(drv, "SELECT MAX(id) FROM notify_outbox")[0][0] or 0
    if after is None:
        return newest, []
    mark = placeholder(drv)
    found = _all(
        drv,
        f"SELECT id, ticket_id, title FROM notify_outbox WHERE id > {mark} AND ticket_id IS NOT NULL ORDER BY id",
        (after,),
    )
    return newest, [tuple(r) for r in found]
