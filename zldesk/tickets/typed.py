"""What a person typed into a ticket (the CLI's options, the console's forms), checked before it is kept:
one line where one line is meant, and nothing in it that would act on a terminal or forge a line when it
is shown; names of people in one spelling. History already written is replayed as it is (lifecycle.replay):
only new input is held to this."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..text import control_problem, plain_name
from .model import Action, TicketError

# The fields typed as text, by the name a person knows them by (the CLI's option; the form says the same).
ONE_LINE = {
    "title": "标题（--title）",
    "caller": "来电人（--caller）",
    "phone": "电话（--phone）",
    "dept": "科室（--dept）",
    "engineer": "工程师",
    "agreed_with": "协商人（--agreed-with）",
    "granted_by": "允许的人（--granted-by）",
    "channel": "渠道（--channel）",
    "scope": "允许做什么（--scope）",
}
# Text that may span lines: newlines are kept (and shown indented under their header), nothing else is.
LINES = {"description": "描述（--description）", "text": "备注", "what": "做了什么（--what）"}
NAMES = ("caller", "engineer", "agreed_with", "granted_by")  # people: 王芳 and 王\u200b芳 are one


def checked_fields(data: dict[str, Any]) -> dict[str, Any]:
    """The typed fields of a new ticket or an action, names in one spelling; TicketError (exit 2) naming the
    field if one holds a control character, or a line break where one line is meant."""
    out = dict(data)
    for key, value in data.items():
        if not isinstance(value, str) or (key not in ONE_LINE and key not in LINES):
            continue
        problem = control_problem(value, lines=key in LINES)
        if problem:
            raise TicketError(f"{ONE_LINE.get(key) or LINES[key]}不能这样写", problem)
        if key in NAMES:
            out[key] = plain_name(value)
    return out


def checked(action: Action) -> Action:
    """`checked_fields` for an action, its reason too (one line)."""
    problem = control_problem(action.reason)
    if problem:
        raise TicketError("原因（--reason）不能这样写", problem)
    return replace(action, data=checked_fields(action.data))
