"""The store's tables: contracts, tickets, the roster. The schema itself is made by the frozen migrations
in `schema.py`; a test checks that these classes and the migrated schema agree."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, Integer, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import Sha256, UtcDateTime, UtcMicros


def _contract_fk() -> Any:
    return Field(sa_column=Column(Integer, ForeignKey("contract.id", ondelete="CASCADE"), nullable=False, index=True))


class Meta(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str


class ContractRow(SQLModel, table=True):
    __tablename__ = "contract"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True)
    customer: str
    vendor: str
    product: str
    timezone: str
    title: str = ""
    period_start: date | None = None
    period_end: date | None = None
    site_address: str | None = None  # the site (schema v12): all three NULL when the contract gives none
    site_travel_minutes: int | None = None
    site_travel_minutes_night: int | None = None
    updated_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))


class WindowRow(SQLModel, table=True):
    __tablename__ = "contract_window"
    __table_args__ = (UniqueConstraint("contract_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
    position: int
    name: str
    label: str
    days: str
    start: str
    end: str
    outside: str | None = None
    note: str = ""


class SeverityRow(SQLModel, table=True):
    __tablename__ = "severity"
    __table_args__ = (UniqueConstraint("contract_id", "level"),)
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
    position: int
    level: int
    name: str
    description: str
    examples: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # JSON keeps 3 and 3.5 apart, so an exported contract reads as it was imported.
    amount: Any = Field(sa_column=Column(JSON, nullable=False))
    unit: str
    window: str
    negotiable: bool = False


class ServiceRow(SQLModel, table=True):
    __tablename__ = "service"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
    position: int
    category: str
    name: str
    description: str
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    frequency: str | None = None
    exclusions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    note: str = ""
    pinyin: str | None = None  # coverage.pinyin_key(name), so a lookup imports no pypinyin (schema 9)
    schedule_every: str | None = None  # the schedule (schema v13): "6 months"; NULL without one
    schedule_month: int | None = None


class ModuleRow(SQLModel, table=True):
    __tablename__ = "module"
    __table_args__ = (UniqueConstraint("contract_id", "no"),)
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
    position: int
    no: int
    name: str
    selected: bool
    sites: int | None = None
    remark: str = ""
    pinyin: str | None = None  # coverage.pinyin_key(name), so a lookup imports no pypinyin (schema 9)


class ContactRow(SQLModel, table=True):
    __tablename__ = "contact"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
    position: int
    kind: str
    label: str
    value: str
    window: str | None = None
    note: str = ""


class PersonRow(SQLModel, table=True):
    """One number of one of the hospital's people (`import contacts`, schema v11): a person with three
    numbers is three rows of the same `position`."""

    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
    position: int
    seq: int
    name: str
    dept: str
    role: str
    phone: str
    phone_key: str | None = Field(default=None, index=True)
    phone_local: str | None = Field(default=None, index=True)


class ImportLog(SQLModel, table=True):
    """Every import that changed a contract: who, when, from which file (and its hash), what changed."""

    __tablename__ = "import_log"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
    at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    who: str
    what: str
    source: str
    sha256: str
    summary: str


class ContractVersion(SQLModel, table=True):
    """A contract's terms as one import left them (migration v7): tickets refer to the version they were
    opened under. Append-only."""

    __tablename__ = "contract_version"
    __table_args__ = (UniqueConstraint("contract_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    seq: int
    created_at: datetime = Field(sa_column=Column(UtcDateTime(), nullable=False))
    terms: str  # the contract's JSON form (schema.terms_json)
    sha256: str


class TicketRow(SQLModel, table=True):
    """A ticket's current state: a cache of its events, rebuilt by replaying them (a test checks). Its times
    are kept on SQLite as microseconds since 1970 (types.UtcMicros, schema v10)."""

    __tablename__ = "ticket"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = Field(foreign_key="contract.id", index=True)
    terms_id: int | None = Field(default=None, foreign_key="contract_version.id")  # the terms it was opened under
    version: int
    state: str
    severity: int
    title: str
    description: str
    module_no: int | None = None
    module_name: str
    in_scope: bool
    caller: str
    phone: str
    dept: str
    channel: str
    assignee: str
    received_at: datetime = Field(sa_column=Column(UtcMicros(), nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UtcMicros()))
    arrived_at: datetime | None = Field(default=None, sa_column=Column(UtcMicros()))
    resolved_at: datetime | None = Field(default=None, sa_column=Column(UtcMicros()))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UtcMicros()))
    state_before_pause: str | None = None
    pauses: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    levels: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    negotiated_due: datetime | None = Field(default=None, sa_column=Column(UtcMicros()))
    negotiated_with: str = ""
    remote: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    computed_due: datetime | None = Field(default=None, sa_column=Column(UtcMicros()))
    # The binding deadline as epoch seconds: the board sorts and counts down on it without parsing.
    due_ts: float | None = None
    clock_start: datetime | None = Field(default=None, sa_column=Column(UtcMicros()))
    provisional: bool = False
    warnings: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The board's sort key: due_ts while open (FROZEN while paused), NULL once resolved or closed.
    board_due: float | None = None
    created_at: datetime = Field(sa_column=Column(UtcMicros(), nullable=False))
    updated_at: datetime = Field(sa_column=Column(UtcMicros(), nullable=False))
    # The phone's matching keys (phones.parse), indexed with received_at for `zldesk who` (schema v11).
    phone_key: str | None = None
    phone_local: str | None = None


class TicketEvent(SQLModel, table=True):
    """One change to a ticket: who, when entered, when effective, the action's data, what changed."""

    __tablename__ = "ticket_event"
    __table_args__ = (UniqueConstraint("ticket_id", "seq"),)
    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id")
    seq: int
    kind: str
    who: str
    entered_at: datetime = Field(sa_column=Column(UtcMicros(), nullable=False))  # SQLite: an integer (v10)
    effective_at: datetime = Field(sa_column=Column(UtcMicros(), nullable=False))
    data: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    reason: str = ""
    changes: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The hash chain (store/audit.py): this row's hash, made with the previous row's (32 bytes, v10).
    row_hash: str | None = Field(default=None, sa_column=Column(Sha256()))


class ChainHead(SQLModel, table=True):
    """The last row of each hash-chained history table, and its hash (store/audit.py)."""

    __tablename__ = "chain_head"
    name: str = Field(primary_key=True)
    last_id: int
    hash: str


# ---- the roster (migration v4) ------------------------------------------------------------------------


def _roster_contract_fk():
    # v4 made these foreign keys without ON DELETE CASCADE, unlike the contract's own tables
    return Field(sa_column=Column(Integer, ForeignKey("contract.id"), nullable=False, index=True))


def _utc():
    return Field(sa_column=Column(UtcDateTime(), nullable=False))


class EngineerRow(SQLModel, table=True):
    __tablename__ = "engineer"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    phone: str
    skills: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    active: bool


class RotationRow(SQLModel, table=True):
    __tablename__ = "roster_rotation"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _roster_contract_fk()
    position: int  # the layer: a later rotation wins where both have a shift
    name: str
    line: str
    unit: str
    handoff: str
    start: date
    end: date | None = None
    engineers: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class ShiftRow(SQLModel, table=True):
    __tablename__ = "roster_shift"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _roster_contract_fk()
    line: str
    engineer: str
    start: datetime = _utc()
    end: datetime = _utc()
    source: str


class OverrideRow(SQLModel, table=True):
    __tablename__ = "roster_override"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _roster_contract_fk()
    line: str
    engineer: str
    start: datetime = _utc()
    end: datetime = _utc()
    reason: str
    covers: str | None = None
    who: str
    created_at: datetime = _utc()


class RosterEvent(SQLModel, table=True):
    """One roster change, append-only: an import, an override."""

    __tablename__ = "roster_event"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _roster_contract_fk()
    at: datetime = _utc()
    who: str
    kind: str
    source: str
    sha256: str
    summary: str
    # Every roster table's digest after this change (store/audit.py, migration v8); NULL on older rows.
    roster_digest: str | None = Field(default=None, sa_column=Column(Text))
    # The hash chain (store/audit.py): this row's hash, made with the previous row's (32 bytes, v10).
    row_hash: str | None = Field(default=None, sa_column=Column(Sha256()))


# ---- the obligations (migration v13) ------------------------------------------------------------------


class EvidenceRow(SQLModel, table=True):
    """An evidence file of a fulfilment (the inspection report's PDF), its bytes in the store. Append-only."""

    __tablename__ = "obligation_evidence"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _roster_contract_fk()
    name: str
    size: int
    sha256: str
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = _utc()


class ObligationEvent(SQLModel, table=True):
    """One fulfilment of a scheduled service, append-only and hash-chained (store/audit.py)."""

    __tablename__ = "obligation_event"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _roster_contract_fk()
    category: str
    service: str
    done_at: datetime = _utc()
    entered_at: datetime = _utc()
    who: str
    note: str = Field(sa_column=Column(Text, nullable=False))
    evidence_id: int | None = Field(default=None, foreign_key="obligation_evidence.id")
    evidence_name: str | None = None
    evidence_size: int | None = None
    evidence_sha256: str | None = None
    row_hash: str | None = Field(default=None, sa_column=Column(Sha256()))


# ---- notifications (migration v14) --------------------------------------------------------------------


class NotifyOutbox(SQLModel, table=True):
    """One message to send, written with the decision to send it; `key` makes the same event one row."""

    __tablename__ = "notify_outbox"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True)
    rule: str
    channel: str
    subject: str
    ticket_id: int | None = Field(default=None, index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = _utc()
    state: str
    attempts: int
    next_at: datetime = _utc()
    sent_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))


class NotifyAttempt(SQLModel, table=True):
    __tablename__ = "notify_attempt"
    id: int | None = Field(default=None, primary_key=True)
    outbox_id: int = Field(foreign_key="notify_outbox.id", index=True)
    at: datetime = _utc()
    status: str
    error: str = Field(sa_column=Column(Text, nullable=False))


class NotifyLease(SQLModel, table=True):
    __tablename__ = "notify_lease"
    name: str = Field(primary_key=True)
    holder: str
    expires_at: datetime = _utc()
