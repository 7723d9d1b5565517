"""Who is calling: the people, contract contacts and past callers known for a number, read through the
driver's own connection (sqlite3 or psycopg) like rows.py, so `zldesk who` imports no SQLAlchemy. The
tickets and the people are found by their phone keys' indexes (schema v11); the contracts' own contacts,
a few per contract, are matched as they are read. No SQLAlchemy here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .. import phones
from ..importers.contacts import Person
from .rows import _all, _utc, placeholder

# A contract contact of these kinds is no telephone (a QQ group's number would read as a Beijing landline).
NOT_PHONES = ("qq", "qq_group", "wechat", "email", "website", "forum", "ftp", "url")


@dataclass(frozen=True)
class Known:
    """One hospital and person known for a number. `weak`: matched by the local part alone (a number
    written without its area code, or one asked for without it)."""

    contract: str
    customer: str
    timezone: str
    name: str
    dept: str
    role: str
    source: str  # contacts | contract | ticket
    phone: str  # as stored
    weak: bool
    last_ticket: tuple[int, datetime] | None = None
    tickets: int = 0


def _where(p: phones.Phone, mark: str, table: str) -> tuple[str, tuple]:
    """The condition on `table`'s phone keys for `p`, and its parameters."""
    if p.kind == phones.LOCAL:
        return f"{table}.phone_local = {mark}", (p.local,)
    if p.kind == phones.LANDLINE:
        return (
            f"({table}.phone_key = {mark} OR ({table}.phone_local = {mark} AND {table}.phone_key IS NULL))",
            (p.key, p.local),
        )
    return f"{table}.phone_key = {mark}", (p.key,)


def who(conn, p: phones.Phone) -> list[Known]:
    """Everyone known for the number: the imported people, then the contracts' contacts, then the callers
    of past tickets (one entry per contract, caller and department, most recent call first); strong
    matches before weak ones, each group in that order."""
    mark = placeholder(conn)
    found: list[Known] = []
    where, params = _where(p, mark, "p")
    for code, customer, zone, name, dept, role, phone, key in _all(
        conn,
        "SELECT c.code, c.customer, c.timezone, p.name, p.dept, p.role, p.phone, p.phone_key "
        f"FROM person p JOIN contract c ON c.id = p.contract_id WHERE {where} ORDER BY c.code, p.position, p.seq",
        params,
    ):
        found.append(Known(code, customer, zone, name, dept, role, "contacts", phone, _weak(p, key)))
    for code, customer, zone, label, value, kind in _all(
        conn,
        "SELECT c.code, c.customer, c.timezone, k.label, k.value, k.kind FROM contact k "
        "JOIN contract c ON c.id = k.contract_id ORDER BY c.code, k.position",
    ):
        theirs = phones.parse(phones.first(value)) if kind not in NOT_PHONES else None
        if theirs is not None and _matches(p, theirs):
            found.append(Known(code, customer, zone, label, "", kind, "contract", value, _weak(p, theirs.key)))
    where, params = _where(p, mark, "t")
    callers: dict[tuple, list] = {}
    for tid, received, caller, dept, phone, key, code, customer, zone in _all(
        conn,
        "SELECT t.id, t.received_at, t.caller, t.dept, t.phone, t.phone_key, c.code, c.customer, c.timezone "
        f"FROM ticket t JOIN contract c ON c.id = t.contract_id WHERE {where} ORDER BY t.received_at DESC, t.id DESC",
        params,
    ):
        seen = callers.get((code, caller, dept))
        if seen is None:
            callers[(code, caller, dept)] = [code, customer, zone, caller, dept, phone, _weak(p, key), tid, received, 1]
        else:
            seen[-1] += 1
            seen[6] = seen[6] and _weak(p, key)  # strong if any of its calls matched strongly
    for code, customer, zone, caller, dept, phone, weak, tid, received, n in callers.values():
        found.append(Known(code, customer, zone, caller, dept, "", "ticket", phone, weak, (tid, _utc(received)), n))
    return sorted(found, key=lambda k: k.weak)  # stable: each source's order stays


def _weak(p: phones.Phone, their_key: str | None) -> bool:
    return p.key is None or their_key != p.key


def _matches(p: phones.Phone, theirs: phones.Phone) -> bool:
    """The rule of _where, for a number read here rather than found by its index."""
    if p.kind == phones.LOCAL:
        return theirs.local == p.local
    if p.kind == phones.LANDLINE and theirs.key is None:
        return theirs.local == p.local
    return theirs.key == p.key


def people(conn, code: str) -> tuple[Person, ...]:
    """The contract's imported people, in the file's order, each with its numbers in theirs."""
    mark = placeholder(conn)
    out: dict[int, list] = {}
    for position, name, dept, role, phone in _all(
        conn,
        "SELECT p.position, p.name, p.dept, p.role, p.phone FROM person p JOIN contract c ON c.id = p.contract_id "
        f"WHERE c.code = {mark} ORDER BY p.position, p.seq",
        (code,),
    ):
        out.setdefault(position, [name, dept, role, []])[3].append(phone)
    return tuple(Person(name, dept, role, tuple(numbers)) for name, dept, role, numbers in out.values())
