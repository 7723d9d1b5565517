"""The import's cheaper paths give what the general ones give: the chain digest of many rows (instants made
once, text kept as is) is row_digest's, the stored forms are the columns' own bind processors' output, and a
ticket replayed by lifecycle's replace is the one dataclasses.replace makes."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.dialects import sqlite

from zldesk.store.audit import _Canonical, row_digest
from zldesk.store.bulk import _stored_form
from zldesk.store.models import TicketEvent, TicketRow
from zldesk.tickets import Action, apply, create
from zldesk.tickets.lifecycle import replace

NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2025-11-02 01:30 happens twice in New York: fold 0 (EDT) and fold 1 (EST), one hour apart, equal as values
FIRST = datetime(2025, 11, 2, 1, 30, tzinfo=NEW_YORK)
SECOND = FIRST.replace(fold=1)
INSTANTS = [
    FIRST,
    SECOND,
    FIRST.astimezone(UTC),
    SECOND.astimezone(SHANGHAI),
    datetime(2025, 6, 1, 8, 30, 5, 123, tzinfo=timezone(timedelta(hours=8))),
    datetime(999, 1, 1, tzinfo=UTC),
]


def test_many_rows_digest_is_row_digest_for_every_value_kind():
    assert FIRST == SECOND and FIRST.timestamp() != SECOND.timestamp()  # the case a memo keyed by value misses
    canonical = _Canonical()  # one for all rows, as append_many uses it: its memo must not mix instants up
    samples = [{"id": i, "at": at, "entered_at": INSTANTS[0], "who": "王工"} for i, at in enumerate(INSTANTS)]
    samples += [
        {"id": 10, "data": {"a": [1, None, "x", True]}, "t": (1, 2), "ok": False, "none": None},
        {"id": 11, "data": {1: "int key"}, "f": 1.5, "changes": {"state": ["new", "acknowledged"]}},
        {"id": 12, "data": {"nested": {"k": [[1.25, "二"]]}}, "prev_hash": "x", "row_hash": "y"},
    ]
    for values in samples + samples[::-1]:
        assert canonical.digest("ticket_event", values, "p") == row_digest("ticket_event", values, "p"), values


def test_stored_forms_are_the_columns_bind_processors():
    dialect = sqlite.dialect()
    values = {
        "DateTime": INSTANTS[:-1] + INSTANTS[:-1],  # again: the memo's answers
        "JSON": [[], {}, [[1, "二"]], {"a": None}, [], {}],
    }
    for table in (TicketRow.__table__, TicketEvent.__table__):
        for column in table.columns:
            fast, proc = _stored_form(column, dialect), column.type.bind_processor(dialect)
            assert (fast is None) == (proc is None), column.name
            kind = "DateTime" if "DateTime" in type(column.type).__name__ else type(column.type).__name__
            for value in values.get(kind, []):
                assert fast(value) == proc(value), (column.name, value)


def test_replace_and_changes_are_dataclasses_ones():
    at = datetime(2025, 3, 1, 8, 30, tzinfo=SHANGHAI)
    now = at + timedelta(days=2)
    t = create({"contract": "leishan", "severity": 2, "title": "收费处无法收费"}, at, now, SHANGHAI)
    assert replace(t, state="acknowledged", version=2) == dataclasses.replace(t, state="acknowledged", version=2)
    after, changes = apply(t, Action("ack", at + timedelta(minutes=5)), now, SHANGHAI)
    assert after == dataclasses.replace(t, state="acknowledged", acknowledged_at=at + timedelta(minutes=5), version=2)
    assert changes == {
        "state": ["new", "acknowledged"],
        "acknowledged_at": [None, (at + timedelta(minutes=5)).isoformat()],
    }
    after, changes = apply(after, Action("assign", at + timedelta(minutes=6), {"engineer": "张工"}), now, SHANGHAI)
    assert changes == {"assignee": ["", "张工"]} and after.version == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        after.state = "new"  # still frozen


def test_sqlite_history_rows_are_the_general_paths(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """bulk._sqlite_events (tuples, chain_many) writes the very rows and head the general `_events`
    (event_values, append_many, insert_rows: what PostgreSQL takes) writes: byte for byte."""
    import sqlite3

    from zldesk.store import bulk, open_store, writing
    from zldesk.store.tickets import current_terms, policy_for

    at = datetime(2025, 3, 1, 8, 30, tzinfo=SHANGHAI)
    now = datetime(2025, 6, 1, 9, 0, 0, 123456, tzinfo=UTC)
    dumps = []
    for name, events in (("fast", bulk._sqlite_events), ("general", bulk._events)):
        monkeypatch.setattr(bulk, "_sqlite_events", events)
        path = tmp_path / f"{name}.db"
        with writing(open_store(f"sqlite:///{path}")) as session:
            policy, terms = policy_for(session, "leishan"), current_terms(session, "leishan")
            made = []
            for i in range(3):
                data = {"severity": 2, "title": f"收费处无法收费 {i}", "caller": "王芳", "contract": "leishan"}
                data |= {"terms": terms, "when": at, "pair": (1, "二")}  # an instant and a tuple: encode, canonical
                t = create(data, at, now, SHANGHAI)
                history = [bulk.Event("create", at, data, "导入人（导入）")]
                for kind, minutes, extra in (
                    ("ack", 5, {}),
                    ("assign", 6, {"engineer": "张工"}),
                    ("note", 7, {"text": "备注"}),
                ):
                    action = Action(kind, at + timedelta(minutes=minutes), extra)
                    t, changes = apply(t, action, now, SHANGHAI)
                    history.append(bulk.Event(kind, action.at, action.data, "导入人（导入）", "", changes))
                made.append(bulk.NewTicket(bulk.contract_id(session, "leishan"), policy, t, tuple(history), ("备注",)))
            bulk.insert_tickets(session, made, now)
            bulk.insert_tickets(session, made[:1], now)  # a second batch: chained after the first
        conn = sqlite3.connect(path)
        dumps.append(
            (
                conn.execute("SELECT * FROM ticket_event ORDER BY id").fetchall(),
                conn.execute("SELECT * FROM chain_head WHERE name = 'ticket_event'").fetchall(),
            )
        )
        conn.close()
    assert len(dumps[0][0]) == 16 and dumps[0] == dumps[1]


def test_json_encoders_made_once_write_what_json_dumps_writes():
    """types.json_encoder (the C encoder made once: compact_json's and the chain digest's) gives the text
    json.dumps gives, for every kind of value a JSON column or a digest body holds."""
    import json

    from zldesk.store.types import json_encoder

    values = [
        {"title": '收费处\u2028无法"收费"\\', "n": 1, "f": 1.25, "big": 10**20, "ok": True, "none": None},
        [1, (2, "二"), {"b": {"z": 1, "a": [None, False]}}, "", -0.0, 1e-7],
        {1: "int key", 2.5: "float key", False: "bool key"},
        "text alone",
        {"surrogate": "\ud800"},
        {"when": datetime(2025, 3, 1, 8, 30, tzinfo=SHANGHAI)},  # not JSON: `default` says it
    ]
    for ensure_ascii in (True, False):
        for sort_keys in (False, True):
            encode = json_encoder(ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=str)
            for value in values:
                if sort_keys and isinstance(value, dict) and len({type(k) for k in value}) > 1:
                    continue  # mixed key types cannot be sorted: json.dumps refuses too
                expected = json.dumps(
                    value, ensure_ascii=ensure_ascii, sort_keys=sort_keys, default=str, separators=(",", ":")
                )
                assert encode(value) == expected, (ensure_ascii, sort_keys, value)
