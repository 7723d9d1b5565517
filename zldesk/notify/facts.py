"""What the rules are read against, from the store at an instant: each open ticket's facts (the clock every
surface reads, the departure, who is on duty) and each contract's (its roster's gaps and handoffs, its
obligations). Read through the driver's own connection, inside the watcher's write transaction."""

from __future__ import annotations

from datetime import datetime

from .duty_rules import Change, ContractFacts, Gap, Owed
from .rules import TicketFacts


def events(rules, drv, now: datetime) -> list:
    """Every event due at `now`: the ticket rules against the open tickets, the duty rules against every
    contract (read only when a duty rule is configured)."""
    from . import duty_rules
    from . import rules as ticket_rules
    from .config import DUTY_KINDS

    found = ticket_rules.evaluate(rules, tickets(drv, now), now)
    if any(r.when in DUTY_KINDS for r in rules):
        found += duty_rules.evaluate(rules, contracts(drv, now), now)
    return found


def tickets(drv, now: datetime) -> list[TicketFacts]:
    """Every open ticket's facts at `now`: the clock every surface reads, the departure, who is on duty."""
    from ..roster.duty import OnDuty
    from ..store.handover import read_acks
    from ..store.rows import contract_heads, latest_terms, policies, read_roster
    from ..store.whole import board_tickets
    from ..tickets.clock import ticket_clock, ticket_deadlines
    from ..tickets.leave import departure

    heads = contract_heads(drv)
    codes = {cid: code for cid, code, _, _ in heads}
    customers = {cid: customer for cid, _, customer, _ in heads}
    rules: dict = {}
    found = []
    duty: dict[int, tuple] = {}
    for batch in board_tickets(drv, codes, open_only=True):
        wanted = {row.terms_id for row, _ in batch} - rules.keys()
        if wanted:
            rules |= policies(drv, wanted)
        held = [(rules[row.terms_id], t) for row, t in batch]
        for (row, t), d in zip(batch, ticket_deadlines(held)):
            policy = rules[row.terms_id]
            clock = ticket_clock(policy, t, d, now)
            leave = departure(policy, t.severity, clock)
            if row.contract_id not in duty:
                current = latest_terms(drv, [row.contract_id])[row.contract_id]
                contract = (rules | policies(drv, {current}))[current].contract
                on = OnDuty.build(
                    read_roster(drv, contract, row.contract_id), contract, now, read_acks(drv, row.contract_id)
                )
                duty[row.contract_id] = holders(on, now)
            found.append(
                TicketFacts(
                    row.id, customers[row.contract_id], t.severity, t.title, t.received_at, t.acknowledged_at,
                    t.arrived_at, clock, leave.leave_by if leave else None, policy.out_zone, duty[row.contract_id],
                )
            )  # fmt: skip
    return found


def holders(on, now: datetime) -> tuple[tuple[str, str, str], ...]:
    """(line's label, engineer, phone) of each line open and held now."""
    from ..roster.duty import SHORT

    return tuple(
        (SHORT.get(x.line, x.label), x.engineer, on.phone(x.engineer)) for x in on.at(now) if x.open and x.engineer
    )


def contracts(drv, now: datetime) -> list[ContractFacts]:
    """Every contract in force at `now` (its period started and not ended): its roster's gaps and handoffs
    in the segments the console computes (a day back, eight ahead), its obligations' pending due dates."""
    from ..contract import period_at
    from ..contract.period import ENDED, NOT_STARTED
    from ..obligations import obligations
    from ..roster.duty import SHORT, OnDuty
    from ..roster.handover import acknowledged, handoffs
    from ..store.handover import read_acks
    from ..store.obligations import done_by_service
    from ..store.rows import contract_heads, read_contracts, read_roster

    heads = contract_heads(drv)
    whole = read_contracts(drv, [cid for cid, *_ in heads])
    out = []
    for cid, code, customer, _ in heads:
        contract = whole[cid]
        if period_at(contract, now).state in (NOT_STARTED, ENDED):
            continue
        acks = read_acks(drv, cid)
        on = OnDuty.build(read_roster(drv, contract, cid), contract, now, acks)
        label = {x.name: SHORT.get(x.name, x.label) for x in on.roster.lines}
        changes = tuple(
            Change(label.get(h.line, h.line), h.at, h.outgoing, h.incoming, on.phone(h.incoming),
                   acknowledged(h, acks) is not None, h.until)
            for line in dict.fromkeys(s.line for s in on.segments)
            for h in handoffs(on.segments, line)
        )  # fmt: skip
        owed = tuple(
            Owed(o.no, f"{o.service.category}·{o.service.name}", o.next_due)
            for o in obligations(contract, done_by_service(drv, cid), now)
            if o.next_due is not None
        )
        problem = on.problem or ("值班表未建" if on.roster.empty else "")
        gaps = _gaps(on, label)
        out.append(ContractFacts(cid, code, customer, contract.zone, gaps, changes, owed, holders(on, now), problem))
    return out


def _gaps(on, label: dict) -> tuple[Gap, ...]:
    """The segments nobody holds, one line's adjacent ones made one; whether each end is the gap's own or
    where the computed segments stop."""
    merged: list[list] = []
    for s in sorted((s for s in on.segments if s.engineer is None), key=lambda s: (s.line, s.start)):
        if merged and merged[-1][0] == s.line and merged[-1][2] == s.start:
            merged[-1][2] = s.end
        else:
            merged.append([s.line, s.start, s.end])
    return tuple(Gap(label.get(line, line), start, end, start > on.start, end < on.end) for line, start, end in merged)
