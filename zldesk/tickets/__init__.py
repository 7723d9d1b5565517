"""Tickets as plain data: the lifecycle (the state, the actions, the one function that applies an action),
the one view of a ticket's clock at an instant, and the ticket as people and scripts read it.
No database, no Textual, no Typer."""

from .clock import Countdown, countdown
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
    Action,
    Ticket,
    TicketError,
    apply,
    channel_code,
    create,
    replay,
)
from .view import (
    INTERNAL,
    clock,
    default_channel,
    event_line,
    kind_name,
    permission_text,
    remaining,
    ticket_json,
)

__all__ = [
    "ACKNOWLEDGED", "CHANNELS", "CLOSED", "FIELD_NAMES", "FUTURE_TOLERANCE", "INTERNAL", "KIND_NAMES", "NEW",
    "ON_SITE", "OPEN_STATES", "PENDING", "RESOLVED", "STATE_NAMES", "Action", "Countdown", "Ticket", "TicketError",
    "apply", "channel_code", "clock", "countdown", "create", "default_channel", "event_line", "kind_name",
    "permission_text", "remaining", "replay", "ticket_json",
]
