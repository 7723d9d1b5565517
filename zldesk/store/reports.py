"""The service report's tickets read through the driver connection, made the report's dict by
report.compute: `zldesk report` and the console's report screen read it here, one way."""

from __future__ import annotations

from datetime import datetime


def read_report(conn, code: str | None, period, at: datetime) -> dict:
    """The report of the contract `code` (the only one when None) for `period` (report.Period), at `at`."""
    from ..report import Item, compute
    from ..tickets import ticket_deadlines
    from .rows import contract_id, latest_terms, policies, read_contracts, resolve_code
    from .whole import period_tickets

    code = resolve_code(conn, code)
    cid = contract_id(conn, code)
    contract = read_contracts(conn, [cid])[cid]
    start, end = period.bounds(contract.zone)
    rows = period_tickets(conn, cid, code, start, end)
    rules = policies(conn, [*latest_terms(conn, [cid]).values(), *(terms for _, terms, _ in rows)])
    held = [(rules[terms], t) for _, terms, t in rows]
    dues = ticket_deadlines(held)
    items = [Item(tid, t, policy, d) for (tid, _, t), (policy, _), d in zip(rows, held, dues)]
    report = compute(contract, period, items, at)
    rows = _obligations(conn, cid, contract, period, at)
    counts = {
        "due": sum(period.start.isoformat() <= r["due"] <= period.end.isoformat() for r in rows),
        "done": sum(
            r["done"] is not None and period.start.isoformat() <= r["done"] <= period.end.isoformat() for r in rows
        ),
        "overdue": sum(r["outcome"] == "overdue" for r in rows),
    }
    return report | {"obligations": rows, "obligation_counts": counts}


def _obligations(conn, cid: int, contract, period, at: datetime) -> list[dict]:
    """The report's obligations due, done and overdue in the period (zldesk.obligations.period_rows)."""
    from ..obligations import period_rows
    from .obligations import done_by_service

    return period_rows(contract, done_by_service(conn, cid), period.start, period.end, at)


def contract_zone(conn, code: str | None):
    """(the contract's code, its zone): the one named, or the only one."""
    from .rows import contract_id, read_contracts, resolve_code

    code = resolve_code(conn, code)
    cid = contract_id(conn, code)
    return code, read_contracts(conn, [cid])[cid].zone
