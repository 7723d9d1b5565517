"""Query functions for contracts. They take a Session and never commit: the caller's transaction does."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import Session, delete, func, insert, select

from ..contract import Contract, Module, contract_to_dict, diff_contracts, diff_modules
from ..coverage import pinyin_key
from ..errors import UnknownContract
from . import rows
from .db import driver_connection, driver_errors
from .models import ContactRow, ContractRow, ContractVersion, ImportLog, ModuleRow, ServiceRow, SeverityRow, WindowRow
from .rows import ContractSummary, contract_summaries, read_contracts
from .schema import terms_json

_CHILDREN = (WindowRow, SeverityRow, ServiceRow, ModuleRow, ContactRow)


def count_contracts(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ContractRow)).one()


def list_contracts(session: Session) -> list[ContractSummary]:
    session.flush()  # read by the driver: what this transaction added must be there
    with driver_errors(session):
        return contract_summaries(driver_connection(session))


def resolve_code(session: Session, code: str | None) -> str:
    """The contract the user meant: the one named, or the only one in the store (rows.resolve_code)."""
    session.flush()  # read by the driver: what this transaction added must be there
    with driver_errors(session):
        return rows.resolve_code(driver_connection(session), code)


def _row(session: Session, code: str) -> ContractRow:
    row = session.exec(select(ContractRow).where(ContractRow.code == code)).first()
    if row is None:
        resolve_code(session, code)  # raises with the list of known codes
        raise UnknownContract(code)  # created meanwhile, after the first read
    return row


def get_contract(session: Session, code: str) -> Contract:
    row_id = _row(session, code).id
    with driver_errors(session):
        return read_contracts(driver_connection(session), [row_id])[row_id]


def find_contract(session: Session, code: str) -> Contract | None:
    exists = session.exec(select(ContractRow.id).where(ContractRow.code == code)).first()
    return None if exists is None else get_contract(session, code)


def save_contract(session: Session, contract: Contract, *, source: str, who: str, raw: bytes = b"") -> list[str]:
    """Create or replace the contract with this code (its id, and so its tickets, stay). Returns the changes."""
    old = find_contract(session, contract.code)
    changes = diff_contracts(old, contract)
    if old is not None and not changes:
        return []
    now = datetime.now(UTC)
    row = session.exec(select(ContractRow).where(ContractRow.code == contract.code)).first() or ContractRow(
        code=contract.code, customer="", vendor="", product="", timezone="", updated_at=now
    )
    row.customer, row.vendor, row.product = contract.customer, contract.vendor, contract.product
    row.timezone, row.title, row.updated_at = contract.timezone, contract.title, now
    row.period_start = contract.period.start if contract.period else None
    row.period_end = contract.period.end if contract.period else None
    site = contract.site
    row.site_address = site.address if site else None
    row.site_travel_minutes = site.travel_minutes if site else None
    row.site_travel_minutes_night = site.travel_minutes_night if site else None
    session.add(row)
    session.flush()
    for model in _CHILDREN:
        session.exec(delete(model).where(model.contract_id == row.id))
    cid = row.id
    session.add_all(
        [
            WindowRow(
                contract_id=cid,
                position=i,
                name=w.name,
                label=w.label,
                days=w.days,
                start=w.start,
                end=w.end,
                outside=w.outside,
                note=w.note,
            )
            for i, w in enumerate(contract.windows)
        ]
        + [
            SeverityRow(
                contract_id=cid,
                position=i,
                level=s.level,
                name=s.name,
                description=s.description,
                examples=list(s.examples),
                amount=s.target.amount,
                unit=s.target.unit,
                window=s.target.window,
                negotiable=s.negotiable,
            )
            for i, s in enumerate(contract.severities)
        ]
        + [
            ServiceRow(
                contract_id=cid,
                position=i,
                category=s.category,
                name=s.name,
                description=s.description,
                channels=list(s.channels),
                frequency=s.frequency,
                exclusions=list(s.exclusions),
                note=s.note,
                pinyin=pinyin_key(s.name),
                schedule_every=s.schedule.every if s.schedule else None,
                schedule_month=s.schedule.month if s.schedule else None,
            )
            for i, s in enumerate(contract.services)
        ]
        + [
            ContactRow(
                contract_id=cid, position=i, kind=c.kind, label=c.label, value=c.value, window=c.window, note=c.note
            )
            for i, c in enumerate(contract.contacts)
        ]
    )
    _insert_modules(session, cid, contract.modules)
    _log(session, cid, now, who, "contract", source, raw, changes)
    _new_version(session, cid, contract, now)
    return changes


def replace_modules(
    session: Session, code: str, modules: tuple[Module, ...], *, source: str, who: str, raw: bytes = b""
) -> list[str]:
    """Replace the contract's module list. Returns the changes."""
    row = _row(session, code)
    old = tuple(
        Module(m.no, m.name, m.selected, m.sites, m.remark)
        for m in session.exec(
            select(ModuleRow).where(ModuleRow.contract_id == row.id).order_by(ModuleRow.position)
        ).all()
    )
    changes = diff_modules(old, modules)
    if not changes:
        return []
    contract = replace(get_contract(session, code), modules=tuple(modules))
    session.exec(delete(ModuleRow).where(ModuleRow.contract_id == row.id))
    _insert_modules(session, row.id, modules)
    now = datetime.now(UTC)
    row.updated_at = now
    session.add(row)
    _log(session, row.id, now, who, "modules", source, raw, changes)
    _new_version(session, row.id, contract, now)
    return changes


def import_log(session: Session, code: str) -> list[ImportLog]:
    row = _row(session, code)
    return list(session.exec(select(ImportLog).where(ImportLog.contract_id == row.id).order_by(ImportLog.id)).all())


_MODULE_COLUMNS = ("contract_id", "position", "no", "name", "selected", "sites", "remark", "pinyin")


def _insert_modules(session: Session, contract_id: int, modules: tuple[Module, ...]) -> None:
    """One executemany of plain tuples: a module list may hold 50,000 rows, and ORM objects were a quarter
    of such an import, SQLAlchemy's per-row parameter processing another tenth. The driver's own
    placeholders where they are positional (sqlite3 `?`, psycopg `%s`); Core's insert otherwise."""
    if not modules:
        return
    conn = session.connection()
    rows = [
        (contract_id, i, m.no, m.name, m.selected, m.sites, m.remark, pinyin_key(m.name)) for i, m in enumerate(modules)
    ]
    mark = {"qmark": "?", "format": "%s", "pyformat": "%s"}.get(conn.dialect.paramstyle)
    if mark is None:
        conn.execute(insert(ModuleRow.__table__), [dict(zip(_MODULE_COLUMNS, r)) for r in rows])
        return
    table = conn.dialect.identifier_preparer.format_table(ModuleRow.__table__)
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in _MODULE_COLUMNS)
    conn.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({', '.join([mark] * len(rows[0]))})", rows)


def _new_version(session: Session, contract_id: int, contract: Contract, at: datetime) -> int:
    """The contract's terms as this import leaves them, as its next version: tickets opened from now on
    are held to it, the ones before keep theirs. Returns the version's id."""
    conn = session.connection()
    seq = conn.execute(select(func.max(ContractVersion.seq)).where(ContractVersion.contract_id == contract_id)).scalar()
    terms = terms_json(contract_to_dict(contract))
    return conn.execute(
        insert(ContractVersion.__table__),
        dict(
            contract_id=contract_id,
            seq=(seq or 0) + 1,
            created_at=at,
            terms=terms,
            sha256=hashlib.sha256(terms.encode()).hexdigest(),
        ),
    ).inserted_primary_key[0]


def _log(
    session: Session, contract_id: int, at: datetime, who: str, what: str, source: str, raw: bytes, changes: list[str]
) -> None:
    session.add(
        ImportLog(
            contract_id=contract_id,
            at=at,
            who=who,
            what=what,
            source=source,
            sha256=hashlib.sha256(raw).hexdigest() if raw else "",
            summary="\n".join(changes),
        )
    )
