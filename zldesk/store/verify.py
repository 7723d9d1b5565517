"""Everything `zldesk audit verify` checks, in one read snapshot: the history chains (audit.py), the schema
against what its version defines (layout.py), the cached tables against what they cache (caches.py), and,
given the heads saved by `audit head`, that the histories still hold the rows those heads named. A restore
runs the same on the backup before anything is replaced (`check_copy`)."""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, func, select

from .audit import ChainReport, Finding, chained_tables, verify
from .caches import contract_findings, roster_findings, ticket_findings
from .db import make_engine, reading, writing
from .layout import compare, differences, sqlite_items
from .models import ChainHead, ContractRow, ContractVersion
from .schema import LATEST, read_version, upgrade

_VERSION = ContractVersion.__table__


@dataclass(frozen=True)
class Heads:
    """What `audit head` prints for keeping elsewhere: each chain's last row, each contract's newest terms."""

    version: int
    chains: tuple[tuple[str, int, str], ...]  # (table, last id, hash)
    contracts: tuple[tuple[str, int, int, str], ...]  # (code, version id, seq, sha256)


@dataclass(frozen=True)
class Report:
    version: int
    chains: list[ChainReport]
    findings: list[Finding]
    tickets: int = 0
    contracts: int = 0
    versions: int = 0
    roster: str = ""  # caches.roster_findings: recorded | not_recorded | none
    data_checked: bool = True  # False where the schema was too far off to read the rows by it

    @property
    def ok(self) -> bool:
        return not self.findings and not any(c.broken for c in self.chains)


def verify_store(engine: Engine, saved: Heads | None = None) -> Report:
    if engine.dialect.name == "postgresql":
        # One snapshot for all statements, so a write committed mid-walk is not taken for a broken head.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with reading(engine) as session:
        return check(session.connection(), saved)


def check(conn: Connection, saved: Heads | None = None) -> Report:
    version = read_version(conn)
    schema = differences(conn, version)
    if version != LATEST or any(f.kind.split("_")[0] in ("table", "column") for f in schema):
        return Report(version, [], schema, data_checked=False)
    chains = verify(conn)
    tickets, of_tickets = ticket_findings(conn)
    contracts, versions, of_contracts = contract_findings(conn)
    roster, of_roster = roster_findings(conn)
    of_heads = against(conn, saved) if saved is not None else []
    from .obligations import evidence_findings

    findings = [*schema, *of_tickets, *of_contracts, *of_roster, *evidence_findings(conn), *of_heads]
    return Report(version, chains, findings, tickets, contracts, versions, roster)


# ---- heads kept elsewhere ------------------------------------------------------------------------------


def heads(engine: Engine) -> Heads:
    head = ChainHead.__table__
    with reading(engine) as session:
        conn = session.connection()
        rows = conn.execute(select(head.c.name, head.c.last_id, head.c.hash))
        chains = {name: (last, digest) for name, last, digest in rows}
        newest = select(func.max(_VERSION.c.id)).group_by(_VERSION.c.contract_id)
        versions = conn.execute(
            select(ContractRow.code, _VERSION.c.id, _VERSION.c.seq, _VERSION.c.sha256)
            .join(ContractRow, ContractRow.id == _VERSION.c.contract_id)
            .where(_VERSION.c.id.in_(newest))
            .order_by(ContractRow.code)
        ).all()
        version = read_version(conn)
    return Heads(
        version,
        tuple((t.name, *chains.get(t.name, (0, ""))) for t in chained_tables()),
        tuple(tuple(v) for v in versions),
    )


def against(conn: Connection, saved: Heads) -> list[Finding]:
    """The saved heads against the store: each saved last row still there with its hash (a head moved back
    past it: `head_moved_back`; that row gone or another one in its place while the chain went on:
    `saved_row_missing`, `saved_row_changed`), each saved contract version still there as it was."""
    out = []
    tables = {t.name: t for t in chained_tables()}
    for name, last_id, digest in saved.chains:
        table = tables.get(name)
        if table is None or last_id == 0:
            continue
        now = conn.execute(select(table.c.row_hash).where(table.c.id == last_id)).scalar()
        top = conn.execute(select(func.max(table.c.id))).scalar() or 0
        if now is None:
            kind = "head_moved_back" if top < last_id else "saved_row_missing"
            out.append(Finding(kind, name, str(last_id), expected=digest, found=top))
        elif now != digest:
            out.append(Finding("saved_row_changed", name, str(last_id), expected=digest, found=now))
    for code, vid, seq, digest in saved.contracts:
        row = conn.execute(
            select(ContractRow.code, _VERSION.c.seq, _VERSION.c.sha256)
            .outerjoin(ContractRow, ContractRow.id == _VERSION.c.contract_id)
            .where(_VERSION.c.id == vid)
        ).first()
        if row is None:
            out.append(Finding("saved_version_missing", "contract_version", code, expected=vid))
        elif tuple(row) != (code, seq, digest):
            out.append(Finding("saved_version_changed", "contract_version", code, expected=vid, found=row.sha256))
    return out


# ---- a backup, before it is restored -------------------------------------------------------------------


def check_copy(path: Path, version: int) -> Report:
    """A backup's schema against what its own `version` defines (nothing else is read from a file that is
    not as zldesk made it), then the whole audit on it, upgraded first on a scratch copy if it is older."""
    from .backup import _SIDECARS, _temp_beside
    from .layout import _sqlite_expected

    dbapi = sqlite3.connect(path)
    try:
        schema = compare(_sqlite_expected(version), sqlite_items(dbapi))
    finally:
        dbapi.close()
    if schema:
        return Report(version, [], schema, data_checked=False)
    scratch = _temp_beside(path) if version < LATEST else None
    try:
        if scratch is not None:
            shutil.copyfile(path, scratch)
        engine = make_engine(f"sqlite:///{scratch or path}")
        try:
            if scratch is not None:
                with writing(engine) as session:
                    upgrade(session.connection())
            return verify_store(engine)
        finally:
            engine.dispose()
    finally:
        if scratch is not None:
            for suffix in ("", *_SIDECARS):
                Path(f"{scratch}{suffix}").unlink(missing_ok=True)
