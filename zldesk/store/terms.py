"""Contract versions as the tickets use them: the terms a contract has now, the terms each ticket is held to,
and the open tickets held to other terms than the newest (what `import contract` lists, and moves with
--reapply-open). The rules are tickets/terms.py's; this reads and nothing else."""

from __future__ import annotations

from sqlalchemy import bindparam, select
from sqlmodel import Session

from ..errors import UnknownContract
from ..sla import Policy
from ..tickets import Ticket
from .db import driver_connection, driver_errors
from .models import ContractRow, ContractVersion, TicketRow
from .rows import contract_heads, latest_terms, policies

_TICKET = TicketRow.__table__
_OPEN = (
    select(_TICKET, ContractRow.code)
    .join(ContractRow, ContractRow.id == _TICKET.c.contract_id)
    .where(ContractRow.code == bindparam("b_code"), _TICKET.c.board_due.is_not(None))
    .order_by(_TICKET.c.id)
)


def policy_for(session: Session, code: str) -> Policy:
    """The contract's current terms (its newest version): what a ticket opened now is held to."""
    terms = current_terms(session, code)
    return policies_of(session, [terms])[terms]


def current_terms(session: Session, code: str) -> int:
    """The id of the contract's newest version."""
    conn = driver_connection(session)
    with driver_errors(session):
        heads = [h for h in contract_heads(conn) if h[1] == code]
        if not heads:
            raise UnknownContract(code)
        return latest_terms(conn, [heads[0][0]])[heads[0][0]]


def policies_of(session: Session, terms_ids) -> dict[int, Policy]:
    """The deadline rules of these contract versions, by version id."""
    with driver_errors(session):
        return policies(driver_connection(session), terms_ids)


def ticket_policy(session: Session, row) -> Policy:
    """The terms the ticket was opened under (its contract version), whatever was imported since."""
    return policies_of(session, [row.terms_id])[row.terms_id]


def version_numbers(session: Session, terms_ids) -> dict[int, int]:
    """Version id -> its number within its contract (第 N 版), as people read it."""
    ids = sorted({t for t in terms_ids if t is not None})
    if not ids:
        return {}
    rows = session.exec(select(ContractVersion.id, ContractVersion.seq).where(ContractVersion.id.in_(ids))).all()
    return dict(rows)


def open_tickets_elsewhere(session: Session, code: str, terms: int | None) -> list[tuple[int, Ticket, Policy]]:
    """The contract's open tickets held to other terms than `terms` (None: all of them), each with its own
    terms' policy, oldest first."""
    from .tickets import to_ticket

    rows = session.connection().execute(_OPEN, {"b_code": code}).all()
    rows = [r for r in rows if terms is None or r.terms_id != terms]
    own = policies_of(session, [r.terms_id for r in rows])
    return [(r.id, to_ticket(r, code), own[r.terms_id]) for r in rows]
