"""Contracts and board rows read through the driver's own connection (sqlite3 or psycopg).

The SQLAlchemy sessions and the console's first paint (store/quick.py, which must not import
SQLAlchemy) both read through these, so a contract is mapped from its rows in one place only.
No SQLAlchemy here.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from ..contract import (
    Contact,
    Contract,
    Module,
    Period,
    Schedule,
    Service,
    Severity,
    Site,
    Target,
    UnknownZone,
    Window,
    contract_from_dict,
)
from ..errors import AmbiguousContract, NoContracts, TermsDamaged, UnknownContract

if TYPE_CHECKING:  # imported where used: `contracts` and `covered` need neither the roster nor the engine
    from ..sla import Policy

BOARD_COLUMNS = (
    "id, contract_id, terms_id, severity, state, board_due, due_ts, provisional, "
    "negotiated_due IS NOT NULL, assignee, module_name, title"
)


class ListRow(NamedTuple):
    """One line of the open-ticket board: plain values straight from the index (schema v7's
    ix_ticket_board); the clock's key as tickets.clock_key made it."""

    id: int
    contract_id: int
    terms_id: int | None  # the contract version the ticket was opened under
    severity: int
    state: str
    board_due: float | None  # tickets.clock_key while open; None once resolved or closed
    due_ts: float | None  # the binding deadline, epoch seconds
    provisional: bool
    negotiated: bool
    assignee: str
    module_name: str
    title: str


def placeholder(conn) -> str:
    """The driver's parameter marker: sqlite3 takes `?`, psycopg `%s`."""
    return "?" if type(conn).__module__.startswith("sqlite3") else "%s"


def _all(conn, sql: str, params: tuple = ()) -> list[tuple]:
    cursor = conn.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _json(value: Any) -> Any:
    # SQLite hands JSON columns back as text; PostgreSQL's driver has already parsed them.
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def _date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def contract_heads(conn) -> list[tuple[int, str, str, str]]:
    """(id, code, customer, updated_at as the driver gives it) of every contract, by code."""
    return [
        (cid, code, customer, str(updated))
        for cid, code, customer, updated in _all(
            conn, "SELECT id, code, customer, updated_at FROM contract ORDER BY code"
        )
    ]


def resolve_code(conn, code: str | None) -> str:
    """The contract the user meant: the one named, or the only one in the store."""
    codes = [c for (c,) in _all(conn, "SELECT code FROM contract ORDER BY code")]
    if code is not None:
        if code not in codes:
            raise UnknownContract(code, codes)
        return code
    if len(codes) == 1:
        return codes[0]
    if not codes:
        raise NoContracts()
    raise AmbiguousContract(codes)


def contract_id(conn, code: str) -> int:
    """The row id of the contract with this code (UnknownContract, naming the known codes, if none)."""
    rows = _all(conn, f"SELECT id FROM contract WHERE code = {placeholder(conn)}", (code,))
    if not rows:
        resolve_code(conn, code)  # raises with the list of known codes
        raise UnknownContract(code)  # gone meanwhile
    return rows[0][0]


@dataclass(frozen=True)
class ContractSummary:
    code: str
    customer: str
    product: str
    timezone: str
    modules: int
    selected: int
    updated_at: datetime
    period: Period | None = None


def contract_summaries(conn) -> list[ContractSummary]:
    """Every contract by code, with how many module rows it has and how many of them are selected."""
    sql = (
        "SELECT c.code, c.customer, c.product, c.timezone, count(m.id), "
        "coalesce(sum(CASE WHEN m.selected THEN 1 ELSE 0 END), 0), c.updated_at, c.period_start, c.period_end "
        "FROM contract c LEFT JOIN module m ON m.contract_id = c.id "
        "GROUP BY c.id, c.code, c.customer, c.product, c.timezone, c.updated_at, c.period_start, c.period_end "
        "ORDER BY c.code"
    )
    out = []
    for code, customer, product, zone, n, chosen, updated, p_start, p_end in _all(conn, sql):
        start, end = _date(p_start), _date(p_end)
        period = Period(start, end) if start and end else None
        out.append(ContractSummary(code, customer, product, zone, int(n), int(chosen), _utc(updated), period))
    return out


def pinyin_keys(conn, contract_ids: list[int]) -> dict[str, str]:
    """Module and service name -> its pinyin key as stored at import (coverage.pinyin_key), for these
    contracts; names stored without one (NULL) are left out."""
    if not contract_ids:
        return {}
    marks = ", ".join([placeholder(conn)] * len(contract_ids))
    out: dict[str, str] = {}
    for table in ("module", "service"):
        sql = f"SELECT name, pinyin FROM {table} WHERE contract_id IN ({marks}) AND pinyin IS NOT NULL"
        out.update(_all(conn, sql, tuple(contract_ids)))
    return out


def read_contracts(conn, ids: list[int] | None = None, *, site: bool = True) -> dict[int, Contract]:
    """The contracts with these row ids (all when None), whole, keyed by id. `site=False`: a store before
    schema v12 (its migration v7 reads them), which has no site columns (nor v13's schedules)."""
    where, params = "", ()
    if ids is not None:
        if not ids:
            return {}
        where = f" WHERE contract_id IN ({', '.join([placeholder(conn)] * len(ids))})"
        params = tuple(ids)
    head_where = where.replace("contract_id", "id")

    def children(table: str, columns: str) -> dict[int, list[tuple]]:
        out: dict[int, list[tuple]] = {}
        for row in _all(
            conn, f"SELECT contract_id, {columns} FROM {table}{where} ORDER BY contract_id, position", params
        ):
            out.setdefault(row[0], []).append(row[1:])
        return out

    windows = children("contract_window", 'name, label, days, start, "end", note, outside')
    severities = children("severity", 'level, name, description, amount, unit, "window", negotiable, examples')
    services = children(
        "service",
        "category, name, description, channels, frequency, exclusions, note"
        + (", schedule_every, schedule_month" if site else ", NULL, NULL"),
    )
    modules = children("module", "no, name, selected, sites, remark")
    contacts = children("contact", 'kind, label, value, "window", note')
    out = {}
    sites = "site_address, site_travel_minutes, site_travel_minutes_night" if site else "NULL"
    for cid, code, customer, vendor, product, zone, title, p_start, p_end, *place in _all(
        conn,
        f"SELECT id, code, customer, vendor, product, timezone, title, period_start, period_end, {sites} "
        f"FROM contract{head_where}",
        params,
    ):
        start, end = _date(p_start), _date(p_end)
        out[cid] = Contract(
            code=code,
            customer=customer,
            vendor=vendor,
            product=product,
            timezone=zone,
            title=title,
            period=Period(start, end) if start and end else None,
            site=Site(*place) if place[0] is not None else None,
            windows=tuple(Window(*w) for w in windows.get(cid, ())),
            severities=tuple(
                Severity(level, name, desc, Target(_json(amount), unit, window), bool(neg), tuple(_json(examples)))
                for level, name, desc, amount, unit, window, neg, examples in severities.get(cid, ())
            ),
            services=tuple(
                Service(cat, name, desc, tuple(_json(ch)), freq, tuple(_json(ex)), note, _schedule(every, month))
                for cat, name, desc, ch, freq, ex, note, every, month in services.get(cid, ())
            ),
            modules=tuple(
                Module(no, name, bool(sel), sites, remark) for no, name, sel, sites, remark in modules.get(cid, ())
            ),
            contacts=tuple(Contact(*c) for c in contacts.get(cid, ())),
        )
    return out


def _schedule(every: str | None, month: int | None) -> Schedule | None:
    return None if every is None else Schedule(every, month)


def _utc(value: Any) -> datetime:
    # SQLite keeps UTC without an offset (see types.UtcDateTime), or as microseconds since 1970 (the
    # history's times since v10, types.UtcMicros); PostgreSQL gives it back aware.
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value
    if isinstance(value, int):
        return _EPOCH + timedelta(microseconds=value)
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _board_sql(conn, columns: str, open_only: bool, contract_id: int | None) -> tuple[str, tuple]:
    """The board's one SELECT of `columns`: its filter and its order (soonest due first)."""
    if open_only:
        where, order = "board_due IS NOT NULL", "board_due, id"
    else:
        where, order = "1 = 1", "board_due IS NULL, board_due, due_ts IS NULL, due_ts, id"
    sql, params = f"SELECT {columns} FROM ticket WHERE {where}", ()
    if contract_id is not None:
        sql, params = sql + f" AND contract_id = {placeholder(conn)}", (contract_id,)
    return f"{sql} ORDER BY {order}", params


def board_rows(
    conn, *, open_only: bool = True, contract_id: int | None = None, limit: int | None = None
) -> list[ListRow]:
    """Tickets soonest-due first, paused ones (frozen clocks) after the running ones; the first `limit`.

    Open tickets come from the partial covering index alone: this is the board, read every time
    anything changes."""
    sql, params = _board_sql(conn, BOARD_COLUMNS, open_only, contract_id)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return list(map(ListRow._make, _all(conn, sql, params)))


def open_count(conn) -> int:
    """How many tickets are open (on the board), counted in the covering index."""
    return _all(conn, "SELECT count(*) FROM ticket WHERE board_due IS NOT NULL")[0][0]


def latest_terms(conn, contract_ids: list[int]) -> dict[int, int]:
    """contract id -> the id of its newest version: the terms a ticket opened now is opened under."""
    if not contract_ids:
        return {}
    marks = ", ".join([placeholder(conn)] * len(contract_ids))
    return dict(
        _all(
            conn,
            f"SELECT contract_id, max(id) FROM contract_version WHERE contract_id IN ({marks}) GROUP BY contract_id",
            tuple(contract_ids),
        )
    )


# A version never changes, and its digest names its terms in any store: a Policy is built once per process
# per digest (an id alone would mean other terms in another store opened by the same process).
_POLICIES: dict[str, Policy] = {}


def policies(conn, terms_ids) -> dict[int, Policy]:
    """The deadline rules of these contract versions, keyed by version id."""
    from ..sla import Policy

    wanted = sorted({t for t in terms_ids if t is not None})
    if not wanted:
        return {}
    marks = ", ".join([placeholder(conn)] * len(wanted))
    digests = dict(_all(conn, f"SELECT id, sha256 FROM contract_version WHERE id IN ({marks})", tuple(wanted)))
    missing = sorted(vid for vid, digest in digests.items() if digest not in _POLICIES)
    if missing:
        marks = ", ".join([placeholder(conn)] * len(missing))
        for vid, terms in _all(conn, f"SELECT id, terms FROM contract_version WHERE id IN ({marks})", tuple(missing)):
            if hashlib.sha256(terms.encode()).hexdigest() != digests[vid]:  # changed behind zldesk's back
                raise TermsDamaged(vid)
            contract, problems, _ = contract_from_dict(_json(terms), stored=True)
            if contract is None and [p.path for p in problems] == ["timezone"]:  # taken by an older zldesk
                raise UnknownZone(problems[0].message, _json(terms).get("code", ""))
            if contract is None:
                raise TermsDamaged(vid, f"{problems[0].path} {problems[0].message}")
            _POLICIES[digests[vid]] = Policy(contract)
    return {vid: _POLICIES[digest] for vid, digest in digests.items()}


class TicketHead(NamedTuple):
    """A ticket in any state, as the palette and the recently-resolved list name it."""

    id: int
    contract_id: int
    terms_id: int | None
    severity: int
    state: str
    title: str
    resolved_at: datetime | None
    closed_at: datetime | None


_HEAD = "id, contract_id, terms_id, severity, state, title, resolved_at, closed_at"


def _head(row: tuple) -> TicketHead:
    *rest, resolved, closed = row
    return TicketHead(*rest, _utc(resolved) if resolved else None, _utc(closed) if closed else None)


def ticket_head(conn, ticket_id: int) -> TicketHead | None:
    """Ticket `ticket_id` whatever its state (resolved and closed ones are on no board), or None."""
    if not 0 < ticket_id <= 2**63 - 1:  # past the driver's integer: no ticket
        return None
    rows = _all(conn, f"SELECT {_HEAD} FROM ticket WHERE id = {placeholder(conn)}", (ticket_id,))
    return _head(rows[0]) if rows else None


def resolved_since(conn, since: datetime) -> list[TicketHead]:
    """Tickets resolved (and maybe closed since) at or after `since`, most recently resolved first."""
    value = since.astimezone(UTC)
    if placeholder(conn) == "?":  # SQLite keeps a ticket's times as microseconds since 1970 (types.UtcMicros)
        value = (value - _EPOCH) // timedelta(microseconds=1)
    sql = (
        f"SELECT {_HEAD} FROM ticket WHERE resolved_at IS NOT NULL AND resolved_at >= {placeholder(conn)} "
        "ORDER BY resolved_at DESC, id DESC"
    )
    return [_head(r) for r in _all(conn, sql, (value,))]


from .roster_rows import read_roster  # noqa: E402, F401 - kept there, named here as ever
