"""`zldesk ticket list`: every ticket, soonest due first, streamed.

One SELECT (store/rows.py `board_tickets`: the board's own query and order, each ticket whole), one Policy
per contract version, the deadlines of a batch at once (tickets.ticket_deadlines); each batch is written
out before the next is read, so the memory used does not grow with the number of tickets."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from ..text import day_time
from ..tickets import STATE_NAMES, ticket_deadlines, ticket_json
from . import output, state


def run(ctx, open_only: bool, contract: str | None, json: bool) -> None:
    from ..errors import UnknownContract
    from ..store.rows import contract_heads

    now = state.now()
    with _reading(ctx) as conn:
        heads = contract_heads(conn)
        codes = {cid: c for cid, c, _, _ in heads}
        if contract is not None and contract not in codes.values():
            raise UnknownContract(contract, [c for _, c, _, _ in heads])
        contract_id = next((cid for cid, c in codes.items() if c == contract), None)
        customers = {cid: customer for cid, _, customer, _ in heads}
        listed = tickets_json(conn, codes, customers, now, open_only=open_only, contract_id=contract_id)
        if json:
            output.print_json_items(listed)
        else:
            output.say_lines(_lines(listed, now), empty="没有工单。" if not open_only else "没有未结的工单。")


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


def tickets_json(
    conn, codes: dict, customers: dict, now: datetime, *, open_only: bool, contract_id: int | None
) -> Iterator[dict]:
    """Each ticket as `ticket show --json` gives it (without its history) and its customer, in the board's
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
            yield ticket_json(policy, t, d, row.id, now) | {"customer": customers[row.contract_id]}


def _lines(listed: Iterator[dict], now: datetime) -> Iterator[tuple]:
    from .tickets import _clock_line  # the clock as every command says it

    for data in listed:
        clock = data["clock"]  # its due is already in the contract's zone
        due = datetime.fromisoformat(clock["due"]) if clock["due"] else None
        due = day_time(due, due.tzinfo, now) if due else "-"
        due += "临" if clock["provisional"] and clock["due"] else ""
        yield (
            (f"#{data['id']:<5}", "bold"),
            f"{data['customer']}  {data['severity']}级  {STATE_NAMES[data['state']]}",
            f"  {data['module'] or '-'}  {data['title']}  {data['assignee'] or '未指派'}  到期 {due}  ",
            _clock_line(data),
        )
