"""Load and concurrency through zldesk's own store layer, on a SQLite file and on PostgreSQL.

Default counts keep the run short; `ZLDESK_FULL=1 pytest -s tests/test_load.py` runs issue 8's full
counts (4 x 2,000 and 8 x 1,000 changes, 4 x 300 read-modify-writes of one ticket) and prints the
figures: changes a second, conflicts, losses."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC

import pytest

FULL = os.environ.get("ZLDESK_FULL") == "1"

WRITER = r"""
import sys
from datetime import datetime, timezone
from zldesk.store import open_store, writing
from zldesk.store.tickets import act, open_ticket
from zldesk.tickets import Action

engine = open_store(sys.argv[1])
name, changes = sys.argv[2], int(sys.argv[3])
done, tid, seq = 0, None, 0
while done < changes:
    now = datetime.now(timezone.utc)
    with writing(engine) as session:
        if tid is None or seq >= 20:  # a new ticket every 20 changes
            tid, _, _ = open_ticket(session, "leishan", {"severity": 3, "title": f"{name} 的工单"}, now, name)
            seq = 1
        else:
            kind = ("note", "assign")[seq % 2]
            data = {"text": f"{name}-{done}"} if kind == "note" else {"engineer": f"{name}-{done}"}
            act(session, tid, Action(kind, now, data), name)
            seq += 1
    print(tid, seq, flush=True)  # acknowledged: only after the commit returned
    done += 1
"""

RMW = r"""
import sys
from datetime import datetime, timezone
from zldesk.store import open_store, reading, writing
from zldesk.store.tickets import StaleTicket, act, get_ticket
from zldesk.tickets import Action

engine = open_store(sys.argv[1])
name, wanted = sys.argv[2], int(sys.argv[3])
done = conflicts = 0
while done < wanted:
    with reading(engine) as session:  # read ...
        version = get_ticket(session, 1)[0].version
    try:
        with writing(engine) as session:  # ... modify and write, on the version read
            act(session, 1, Action("note", datetime.now(timezone.utc), {"text": f"{name}-{done}"}), name,
                expected_version=version)
        done += 1
    except StaleTicket:
        conflicts += 1
print(done, conflicts, flush=True)
"""


def _spawn(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "ZLDESK_CACHE": "off"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


@pytest.mark.parametrize(("procs", "each"), [(4, 2000 if FULL else 100), (8, 1000 if FULL else 40)])
def test_many_writers_lose_nothing(any_store, procs, each):
    from sqlalchemy import text

    from zldesk.store import open_store, reading

    engine = open_store(any_store)
    start = time.perf_counter()
    running = [_spawn(WRITER, any_store, f"w{i}", str(each)) for i in range(procs)]
    results = [p.communicate(timeout=600) for p in running]
    seconds = time.perf_counter() - start
    assert [p.returncode for p in running] == [0] * procs
    assert all(err.strip() == "" for _, err in results), [err for _, err in results if err.strip()][:1]
    acked = [tuple(map(int, line.split())) for out, _ in results for line in out.splitlines()]
    assert len(acked) == procs * each
    with reading(engine) as session:
        conn = session.connection()
        events = set(conn.execute(text("SELECT ticket_id, seq FROM ticket_event")).all())
        tickets = conn.execute(text("SELECT count(*) FROM ticket")).scalar()
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM ticket t WHERE NOT EXISTS "
                "(SELECT 1 FROM ticket_event e WHERE e.ticket_id = t.id AND e.seq = 1)"
            )
        ).scalar()
        if engine.dialect.name == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    assert set(acked) <= events and len(events) == len(acked)  # every acknowledged change, and nothing else
    assert orphans == 0 and tickets == len({(t, 1) for t, s in acked if s == 1})
    print(
        f"\n{engine.dialect.name}: {procs} processes x {each} changes in {seconds:.1f} s = "
        f"{procs * each / seconds:.0f} changes/s, 0 lost"
    )
    if FULL and engine.dialect.name == "sqlite":
        assert seconds < 30


def test_read_modify_write_of_one_ticket(any_store):
    from datetime import datetime

    from zldesk.store import open_store, reading, writing
    from zldesk.store.tickets import get_ticket, history, open_ticket

    engine = open_store(any_store)
    with writing(engine) as session:
        open_ticket(session, "leishan", {"severity": 3, "title": "并发改同一张"}, datetime.now(UTC), "t")
    each = 300 if FULL else 40
    start = time.perf_counter()
    running = [_spawn(RMW, any_store, f"p{i}", str(each)) for i in range(4)]
    results = [p.communicate(timeout=600) for p in running]
    seconds = time.perf_counter() - start
    assert [p.returncode for p in running] == [0] * 4, [err for _, err in results]
    done = [tuple(map(int, out.split())) for out, _ in results]
    committed, conflicts = sum(d for d, _ in done), sum(c for _, c in done)
    with reading(engine) as session:
        t, _ = get_ticket(session, 1)
        notes = [e.data["text"] for e in history(session, 1) if e.kind == "note"]
    assert committed == 4 * each
    assert t.version == 1 + committed and len(notes) == committed == len(set(notes))
    print(
        f"\n{engine.dialect.name}: 4 x {each} read-modify-writes of one ticket in {seconds:.1f} s, "
        f"{conflicts} conflicts refused and retried, 0 lost"
    )


async def test_two_consoles_edit_one_ticket(tmp_path):
    """Both engineers open the assign form on the same version; the first save wins, the second is told
    the ticket changed (and by whom) instead of overwriting it, and after the reload it saves too.
    Exactly one history row per applied edit."""
    from datetime import datetime

    from zldesk.app import make_app
    from zldesk.store import open_store, reading, writing
    from zldesk.store.tickets import get_ticket, history, open_ticket

    url = f"sqlite:///{tmp_path / 'z.db'}"
    with writing(open_store(url)) as session:
        open_ticket(session, "leishan", {"severity": 3, "title": "两人同时指派"}, datetime.now(UTC), "t")
    one, two = make_app(url), make_app(url)
    one.engineer = one.who = "甲"  # said at the keyboard (the first write would ask: screens/engineer.py)
    two.engineer = two.who = "乙"
    async with one.run_test(size=(80, 24)) as a, two.run_test(size=(80, 24)) as b:
        for pilot, app in ((a, one), (b, two)):
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("enter")
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("i")
            await pilot.pause()
        await b.press(*"李强", "enter")
        await two.workers.wait_for_complete()
        await b.pause()
        await a.press(*"张伟", "enter")
        await one.workers.wait_for_complete()
        await a.pause()
        told = [n.message for n in one._notifications]
        assert any("乙" in m for m in told), told
        one.tick()  # the second's change arrives (the interval does this within a second)
        while one.workers:  # the watch's worker, then the reads it starts
            await one.workers.wait_for_complete()
            await a.pause()
        await a.press("i")
        await a.pause()
        await a.press(*"张伟", "enter")
        await one.workers.wait_for_complete()
        await a.pause()
    with reading(open_store(url)) as session:
        t, _ = get_ticket(session, 1)
        assigns = [(e.who, e.data["engineer"]) for e in history(session, 1) if e.kind == "assign"]
    assert assigns == [("乙", "李强"), ("甲", "张伟")] and t.assignee == "张伟" and t.version == 3
