"""Frozen dataclasses made without their __init__ (`tickets.filled`) and a Ticket copied with changes
(`tickets.model.replace`): the same objects the dataclass would make, and no value cached from before."""

from dataclasses import fields
from dataclasses import replace as dataclass_replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from zldesk.sla import Deadline
from zldesk.tickets import Action, Clock, Ticket, apply, create, filled
from zldesk.tickets.model import replace

ZONE = ZoneInfo("Asia/Shanghai")
CALL = datetime(2026, 3, 2, 2, 10, tzinfo=ZONE)


def _values(cls, seed):
    return {f.name: (f"{f.name}-{seed}" if f.type == "str" else seed) for f in fields(cls)}


def test_filled_equals_the_dataclass_made_by_its_init():
    for cls in (Ticket, Clock, Deadline):
        values = _values(cls, 7)
        made, expected = filled(cls, values), cls(**values)
        assert made == expected and type(made) is cls
        assert hash(made) == hash(expected)


def test_replace_is_dataclasses_replace():
    t = create({"contract": "leishan", "severity": 2, "title": "收费窗口全停"}, CALL, CALL, ZONE)
    later = CALL + timedelta(hours=1)
    assert replace(t, state="on_site", arrived_at=later) == dataclass_replace(t, state="on_site", arrived_at=later)


def test_a_copy_never_keeps_a_value_cached_from_the_old_fields():
    """sla_stop is a cached_property: read before an arrival, the copy must still stop at the arrival."""
    t = create({"contract": "leishan", "severity": 2, "title": "收费窗口全停"}, CALL, CALL, ZONE)
    assert t.sla_stop is None  # cached on t
    arrived = CALL + timedelta(hours=1)
    after, changes = apply(t, Action("arrive", arrived, {}, "张三"), arrived, ZONE)
    assert after.sla_stop == arrived
    assert set(changes) == {"state", "acknowledged_at", "arrived_at"}
    assert "sla_stop" not in changes
