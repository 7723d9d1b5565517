"""The hospital's people (`import contacts`): a contract's list replaced in the caller's transaction,
with its import logged as contract and module imports are. Reads are in callers.py (no SQLAlchemy)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, delete, insert

from .. import phones
from ..importers.contacts import Person, diff_people
from .callers import people
from .contracts import _log, _row
from .db import driver_connection, driver_errors
from .models import PersonRow


def replace_people(
    session: Session, code: str, new: tuple[Person, ...], *, source: str, who: str, raw: bytes = b""
) -> list[str]:
    """Replace the contract's people by `new`. Returns the changes (none: nothing written, nothing logged)."""
    row = _row(session, code)
    with driver_errors(session):
        old = people(driver_connection(session), code)
    changes = diff_people(old, new)
    if not changes:
        return []
    conn = session.connection()
    conn.execute(delete(PersonRow).where(PersonRow.contract_id == row.id))
    rows = [
        dict(
            contract_id=row.id,
            position=i,
            seq=j,
            name=p.name,
            dept=p.dept,
            role=p.role,
            phone=number,
            phone_key=keys[0],
            phone_local=keys[1],
        )
        for i, p in enumerate(new)
        for j, number in enumerate(p.phones)
        for keys in [phones.keys(number)]
    ]
    if rows:
        conn.execute(insert(PersonRow.__table__), rows)
    _log(session, row.id, datetime.now(UTC), who, "contacts", source, raw, changes)
    return changes
