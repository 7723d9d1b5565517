"""Tickets as plain data: the lifecycle (the state, the actions, the one function that applies an action),
the one view of a ticket's clock at an instant, and the ticket as people and scripts read it.
No database, no Textual, no Typer."""

from .clock import FROZEN, Clock, clock_at, clock_key, hms, ticket_clock, ticket_deadline
from .lifecycle import (
    ACKNOWLEDGED,
    CHANNELS,
    CLOSED,
    FIELD_NAMES,
    FUTURE_TOLERANCE,
    KIND_NAMES,
    NEW,
    ON_SITE,
    OPEN_STATES,
    PENDING,
    RESOLVED,
    STATE_NAMES,
    TIME_FIELDS,
    Action,
    Grant,
    Ticket,
    TicketError,
    apply,
    channel_code,
    create,
    parse_times,
    replay,
)
from .stale import ChangeSince, StaleTicket
from .view import (
    INTERNAL,
    change_lines,
    default_channel,
    detail_rows,
    event_line,
    hotline_open,
    kind_name,
    permission_text,
    ticket_json,
)

__all__ = [
    "ACKNOWLEDGED", "CHANNELS", "ChangeSince", "StaleTicket", "CLOSED", "FIELD_NAMES", "FROZEN", "FUTURE_TOLERANCE", "INTERNAL", "KIND_NAMES", "NEW",
    "ON_SITE", "OPEN_STATES", "PENDING", "RESOLVED", "STATE_NAMES", "TIME_FIELDS", "Action", "Clock", "Grant", "Ticket",
    "TicketError", "apply", "change_lines", "channel_code", "clock_at", "clock_key", "create", "default_channel",
    "detail_rows", "event_line", "hms", "hotline_open", "kind_name", "parse_times", "permission_text", "replay", "ticket_clock",
    "ticket_deadline", "ticket_json",
]
