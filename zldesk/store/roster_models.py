"""The roster's tables (made by migration v4 in schema.py; a test checks the two agree)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from .types import UtcDateTime


def _contract_fk():
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
    contract_id: int = _contract_fk()
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
    contract_id: int = _contract_fk()
    line: str
    engineer: str
    start: datetime = _utc()
    end: datetime = _utc()
    source: str


class OverrideRow(SQLModel, table=True):
    __tablename__ = "roster_override"
    id: int | None = Field(default=None, primary_key=True)
    contract_id: int = _contract_fk()
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
    contract_id: int = _contract_fk()
    at: datetime = _utc()
    who: str
    kind: str
    source: str
    sha256: str
    summary: str
    # The hash chain (store/audit.py): the previous event's row_hash, and this row's own.
    prev_hash: str | None = None
    row_hash: str | None = None
