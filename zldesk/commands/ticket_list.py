"""`zldesk ticket list`: every ticket, soonest due first, streamed.

One SELECT (store/rows.py `board_tickets`: the board's own query and order, each ticket whole), one Policy
per contract version, the deadlines of a batch at once (tickets.ticket_deadlines); each batch is written
out before the next is read, so the memory used does not grow with the number of tickets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

from ..text import day_time
from ..tickets import STATE_NAMES, ticket_clock, ticket_deadlines, ticket_json
from . import output


def run(ctx, open_only: bool, contract: str | None, json: bool) -> None:
    from ..errors import UnknownContract
    from ..store.rows import contract_heads
    from . import tickets

    now = tickets._now()  # the ticket commands' one clock (tests move it)
    with _reading(ctx) as conn:
        heads = contract_heads(conn)
        codes = {cid: c for cid, c, _, _ in heads}
        if contract is not None and contract not in codes.values():
            raise UnknownContract(contract, [c for _, c, _, _ in heads])
        contract_id = next((cid for cid, c in codes.items() if c == contract), None)
        customers = {cid: customer for cid, _, customer, _ in heads}
        if json:
            output.print_json_items(
                tickets_json(conn, codes, customers, now, open_only=open_only, contract_id=contract_id)
            )
        else:
            lines = ticket_lines(conn, codes, customers, now, open_only=open_only, contract_id=contract_id)
            output.say_lines(lines, empty="没有工单。" if not open_only else "没有未结的工单。")


@contextmanager
def _reading(ctx) -> Iterator:
    """The store's driver connection in one read transaction: plain sqlite3 (store/quick.py, as the console
    reads its board) when the store is a SQLite file at the latest schema, else through the engine, which
    creates, upgrades or refuses the store as every command does."""
    from ..store import quick

    path = quick.ready(quick.resolve_url(ctx.obj.db))
    if path is None:
        from ..store import reading
        from ..store.db import driver_connection, driver_errors

        with reading(ctx.obj.engine()) as session, driver_errors(session):
            yield driver_connection(session)
        return
    import sqlite3

    from ..errors import StoreError

    conn = quick.connect(path)
    try:
        with quick.reading(conn):
            yield conn
    except sqlite3.Error as e:
        raise StoreError.from_driver(str(e).splitlines()[0]) from None
    finally:
        conn.close()


def listed(conn, codes: dict, *, open_only: bool, contract_id: int | None) -> Iterator[tuple]:
    """(board row, ticket, the policy of its terms, its deadline or None) of each ticket, in the board's
    order, one batch read at a time."""
    from ..store.rows import policies
    from ..store.whole import board_tickets

    rules: dict = {}
    for batch in board_tickets(conn, codes, open_only=open_only, contract_id=contract_id):
        wanted = {row.terms_id for row, _ in batch} - rules.keys()
        if wanted:  # each contract version's Policy once, however many tickets were opened under it
            rules |= policies(conn, wanted)
        held = [(rules[row.terms_id], t) for row, t in batch]
        for (row, t), (policy, _), d in zip(batch, held, ticket_deadlines(held)):
            yield row, t, policy, d


def tickets_json(
    conn, codes: dict, customers: dict, now: datetime, *, open_only: bool, contract_id: int | None
) -> Iterator[dict]:
    """Each ticket as `ticket show --json` gives it (without its history), and its customer."""
    for row, t, policy, d in listed(conn, codes, open_only=open_only, contract_id=contract_id):
        yield ticket_json(policy, t, d, row.id, now) | {"customer": customers[row.contract_id]}


def ticket_lines(
    conn, codes: dict, customers: dict, now: datetime, *, open_only: bool, contract_id: int | None
) -> Iterator[tuple]:
    """Each ticket's line as `say` takes it: what `ticket_json` says, its clock the same tickets.clock
    answer, without the rest of the JSON made for nothing."""
    for row, t, policy, d in listed(conn, codes, open_only=open_only, contract_id=contract_id):
        clock, zone = ticket_clock(policy, t, d, now), policy.out_zone
        due = "-"
        if clock.due is not None:  # as the JSON's due read back: in the contract's zone, at its offset then
            local = clock.due.astimezone(zone)
            due = day_time(local, timezone(local.utcoffset()), now) + ("临" if clock.provisional else "")
        style = "bold red" if clock.breached else "bold yellow" if clock.problem else "bold"  # as _clock_line
        yield (
            (f"#{row.id:<5}", "bold"),
            f"{customers[row.contract_id]}  {t.severity}级  {STATE_NAMES[t.state]}",
            f"  {t.module_name or '-'}  {t.title}  {t.assignee or '未指派'}  到期 {due}  ",
            (clock.text(zone), style),
        )
