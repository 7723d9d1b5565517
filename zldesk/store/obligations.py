"""The obligations' fulfilments and their evidence (schema v13): each fulfilment one obligation_event row,
append-only in the hash chain (audit.append), an evidence file one obligation_evidence row with its bytes,
size and sha256. Reads go through the driver's own connection (as rows.py); the write takes the caller's
session, in its one transaction. Which service and when it is due is zldesk.obligations'."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from ..errors import EvidenceTooBig, UnknownEvidence
from .rows import _all, _utc, contract_heads, contract_id, placeholder, read_contracts, resolve_code

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024  # an inspection report's PDF is a few MiB; a video is not evidence here


@dataclass(frozen=True)
class Evidence:
    id: int
    contract: str
    name: str
    size: int
    sha256: str  # as the evidence row keeps it
    recorded: str | None  # as the fulfilment recorded it (the chain vouches for this one)
    content: bytes

    @property
    def intact(self) -> bool:
        digest = hashlib.sha256(self.content).hexdigest()
        return digest == self.sha256 == self.recorded and len(self.content) == self.size


def done_by_service(conn, cid: int) -> dict[tuple[str, str], list[tuple[datetime, int]]]:
    """(category, service) -> [(fulfilled at, event id)] of one contract, in id order."""
    out: dict[tuple[str, str], list[tuple[datetime, int]]] = {}
    sql = f"SELECT id, category, service, done_at FROM obligation_event WHERE contract_id = {placeholder(conn)}"
    for eid, category, service, done_at in _all(conn, sql + " ORDER BY id", (cid,)):
        out.setdefault((category, service), []).append((_utc(done_at), eid))
    return out


def read_obligations(conn, code: str | None, at: datetime, *, every: bool = False):
    """The obligations of the contract `code` (None: of every contract when `every`, else the only one),
    as zldesk.obligations counts them at `at`."""
    from ..obligations import obligations

    if code is None and every:
        ids = [cid for cid, *_ in contract_heads(conn)]
    else:
        ids = [contract_id(conn, resolve_code(conn, code))]
    contracts = read_contracts(conn, ids)
    out = []
    for cid in ids:
        out += obligations(contracts[cid], done_by_service(conn, cid), at)
    from datetime import date

    out.sort(key=lambda o: (o.next_due is None, o.next_due or date.max, o.contract, o.no))
    return out


def overdue_count(conn, at: datetime) -> int:
    """How many obligations of every contract in force are overdue at `at`: the board's header says it."""
    from ..obligations import OVERDUE

    return sum(o.state == OVERDUE for o in read_obligations(conn, None, at, every=True))


def fulfilments(conn, cid: int, start: datetime, end: datetime) -> list[dict]:
    """The contract's fulfilments done in [start, end), as the report lists them."""
    ph = placeholder(conn)
    sql = (
        "SELECT id, category, service, done_at, who, note, evidence_id FROM obligation_event "
        f"WHERE contract_id = {ph} ORDER BY id"
    )
    out = []
    for eid, category, service, done_at, who, note, evidence in _all(conn, sql, (cid,)):
        when = _utc(done_at)
        if start <= when < end:
            out.append(dict(id=eid, category=category, service=service, done_at=when, who=who, note=note))
            out[-1]["evidence_id"] = evidence
    return out


def read_evidence(conn, evidence_id: int) -> Evidence:
    ph = placeholder(conn)
    rows = _all(
        conn,
        "SELECT e.id, c.code, e.name, e.size, e.sha256, e.content, "
        "(SELECT o.evidence_sha256 FROM obligation_event o WHERE o.evidence_id = e.id ORDER BY o.id LIMIT 1) "
        f"FROM obligation_evidence e JOIN contract c ON c.id = e.contract_id WHERE e.id = {ph}",
        (evidence_id,),
    )
    if not rows:
        raise UnknownEvidence(evidence_id)
    eid, code, name, size, digest, content, recorded = rows[0]
    return Evidence(eid, code, name, size, digest, recorded, bytes(content))


def evidence_findings(conn) -> list:
    """`audit verify`'s look at the evidence files (a SQLAlchemy connection): each one's bytes against the
    sha256 and size its row keeps and its fulfilment recorded (the chain vouches for that one)."""
    from .audit import Finding

    out = []
    rows = conn.exec_driver_sql(
        "SELECT e.id, e.size, e.sha256, e.content, o.evidence_size, o.evidence_sha256 FROM obligation_evidence e "
        "LEFT JOIN obligation_event o ON o.evidence_id = e.id ORDER BY e.id"
    )
    for eid, size, digest, content, said_size, said in rows:
        content = bytes(content)
        now = hashlib.sha256(content).hexdigest()
        if (now, len(content)) != (digest, size) or (said is not None and (said, said_size) != (digest, size)):
            out.append(Finding("evidence_damaged", "obligation_evidence", str(eid), expected=said or digest, found=now))
    return out


def record_done(
    session,
    code: str | None,
    service: str,
    *,
    done_at: datetime,
    now: datetime,
    who: str,
    note: str,
    evidence: tuple[str, bytes] | None = None,
) -> dict:
    """One fulfilment of the contract's scheduled service `service` (obligations.resolve), in the caller's
    write transaction; with its evidence (file name, bytes) stored beside it. Returns what was recorded."""
    from sqlalchemy import insert

    from ..obligations import resolve
    from . import audit
    from .contracts import get_contract
    from .contracts import resolve_code as session_code
    from .models import EvidenceRow, ObligationEvent

    code = session_code(session, code)
    contract = get_contract(session, code)
    no, s = resolve(contract, service)
    conn = session.connection()
    from .contracts import _row

    cid = _row(session, code).id
    evidence_id = name = size = digest = None
    if evidence is not None:
        name, content = evidence
        if len(content) > MAX_EVIDENCE_BYTES:
            raise EvidenceTooBig(name, len(content), MAX_EVIDENCE_BYTES)
        size, digest = len(content), hashlib.sha256(content).hexdigest()
        evidence_id = conn.execute(
            insert(EvidenceRow.__table__),
            dict(contract_id=cid, name=name, size=size, sha256=digest, content=content, created_at=now),
        ).inserted_primary_key[0]
    values = dict(
        contract_id=cid,
        category=s.category,
        service=s.name,
        done_at=done_at,
        entered_at=now,
        who=who,
        note=note,
        evidence_id=evidence_id,
        evidence_name=name,
        evidence_size=size,
        evidence_sha256=digest,
    )
    event_id = audit.append(conn, ObligationEvent.__table__, values)
    return dict(id=event_id, contract=code, no=no, category=s.category, service=s.name) | {
        "done_at": done_at,
        "who": who,
        "note": note,
        "evidence": None if evidence_id is None else {"id": evidence_id, "name": name, "size": size, "sha256": digest},
    }
