"""`zldesk ticket list`: every ticket, soonest due first, streamed.

One SELECT (store/whole.py `board_tickets`: the board's own query and order, each ticket whole), one Policy
per contract version, the deadlines of a batch at once (tickets.ticket_deadlines); each batch is written
out before the next is read, so the memory used does not grow with the number of tickets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from ..tickets import STATE_NAMES, board_clock, ticket_clock, ticket_deadlines, ticket_json
from . import output


def run(ctx, open_only: bool, contract: str | None, json: bool) -> None:
    from ..errors import UnknownContract
    from ..store.rows import contract_heads
    from . import tickets

    now = tickets._now()  # the ticket commands' one clock (tests move it)
    with ctx.obj.read() as conn:
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


def listed(conn, codes: dict, *, open_only: bool, contract_id: int | None, keyed: bool = False) -> Iterator[tuple]:
    """(board row, ticket, the policy of its terms, its deadline, what stopped its clock) of each ticket, in
    the board's order, one batch read at a time. `keyed`: a ticket whose clock is its row's stored key
    (store.whole.board_tickets) comes as None, with no deadline: board_clock draws it, as on the board."""
    from ..store.rows import policies
    from ..store.whole import board_tickets

    rules: dict = {}
    for batch in board_tickets(conn, codes, open_only=open_only, contract_id=contract_id, keyed=keyed):
        wanted = {item[0].terms_id for item in batch} - rules.keys()
        if wanted:  # each contract version's Policy once, however many tickets were opened under it
            rules |= policies(conn, wanted)
        held = [(rules[item[0].terms_id], item[1]) for item in batch if item[1] is not None]
        deadlines = iter(ticket_deadlines(held))
        for row, t, *stop in batch:
            yield row, t, rules[row.terms_id], None if t is None else next(deadlines), stop[0] if stop else None


def tickets_json(
    conn, codes: dict, customers: dict, now: datetime, *, open_only: bool, contract_id: int | None
) -> Iterator[dict]:
    """Each ticket as `ticket show --json` gives it (without its history), and its customer."""
    for row, t, policy, d, _ in listed(conn, codes, open_only=open_only, contract_id=contract_id):
        item = ticket_json(policy, t, d, row.id, now)  # a dict of its own: the customer added last, in place
        item["customer"] = customers[row.contract_id]
        yield item


def ticket_lines(
    conn, codes: dict, customers: dict, now: datetime, *, open_only: bool, contract_id: int | None
) -> Iterator[tuple]:
    """Each ticket's line as `say` takes it: what `ticket_json` says, its clock the same tickets.clock
    answer, without the rest of the JSON made for nothing."""
    at = now.timestamp()
    years: dict = {}  # an offset -> now's year there
    for row, t, policy, d, stop in listed(conn, codes, open_only=open_only, contract_id=contract_id, keyed=True):
        clock = ticket_clock(policy, t, d, now) if t is not None else board_clock(policy, row, at, stop)
        zone = policy.out_zone
        due = "-"
        if clock.due is not None:  # as the JSON's due read back: in the contract's zone, at its offset then
            local = clock.due.astimezone(zone)
            offset = local.utcoffset()
            year = years.get(offset)
            if year is None:
                year = years[offset] = now.astimezone(timezone(offset)).year
            # text.day_time(local, timezone(offset), now), each value's year and now's read at its offset
            due = f"{local:%m-%d %H:%M}" if local.year == year else f"{local.year:04d}-{local:%m-%d %H:%M}"
            if clock.provisional:
                due += "临"
        style = "bold red" if clock.breached else "bold yellow" if clock.problem else "bold"  # as _clock_line
        yield (
            (f"#{row.id:<5}", "bold"),
            f"{customers[row.contract_id]}  {row.severity}级  {STATE_NAMES[row.state]}",
            f"  {row.module_name or '-'}  {row.title}  {row.assignee or '未指派'}  到期 {due}  ",
            (clock.text(zone), style),
        )
