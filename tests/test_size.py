"""The smaller store of schema v10 (issue 15, goal 6): what is stored, that an upgraded store says what it
said before, value for value and through the CLI, that its chain still catches tampering, and that the
contentless search index stays right as notes are added and the index is made again."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zldesk.store import open_store

from .test_audit import broken, fill, ok, rows, verified

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "size_bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("size_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


AT = datetime.now(UTC)  # every read of a test at this one instant: a running clock ticks between two reads


def _outputs(cli, tickets: int) -> dict:
    """Everything a user reads of the tickets and the chains, at AT."""
    import zldesk.commands.tickets as ticket_commands

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ticket_commands, "_now", lambda: AT)
        out = {f"show {t}": json.loads(ok(cli("ticket", "show", str(t), "--json"))) for t in range(1, tickets + 1)}
        out["list"] = json.loads(ok(cli("ticket", "list", "--json")))
    out["search"] = [ok(cli("ticket", "search", term)) for term in ("打印", "结算", "重装", "驱动重装")]
    chains = verified(cli)
    out["chains"] = {t: (c["rows"], c["last_id"], c["head"]) for t, c in chains.items()}
    return out


@pytest.fixture
def filled(cli, db_path):
    """test_audit's two tickets and roster changes."""
    fill(cli)
    return cli


@pytest.fixture
def upgraded(cli, db_path, tmp_path):
    """(what the CLI said of a store written at v10, the same store turned back into v8's form and opened
    again, i.e. upgraded by migration v10)."""
    fill(cli)
    said = _outputs(cli, 2)
    old = tmp_path / "v8.db"
    _copy(db_path, old)
    _bench().as_v8(old)
    assert rows(old, "SELECT value FROM meta WHERE key = 'schema_version'") == [("8",)]
    assert rows(old, "SELECT typeof(row_hash), typeof(entered_at) FROM ticket_event WHERE id = 1") == [("text",) * 2]
    _copy(old, db_path)
    return said


def _copy(source: Path, target: Path) -> None:
    """Through SQLite (the store is in WAL mode: its file alone may not hold the last writes)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close(), dst.close()


def test_the_history_is_stored_compactly(filled, db_path):
    """Hashes as 32 bytes, times as integers, JSON as UTF-8 without spaces, no copy of the search tokens."""
    [(kind, size, when, data)] = rows(
        db_path, "SELECT typeof(row_hash), length(row_hash), typeof(entered_at), data FROM ticket_event WHERE id = 1"
    )
    assert (kind, size, when) == ("blob", 32, "integer")
    assert '"title":"门诊收费处无法打印发票"' in data and "\\u" not in data
    assert rows(db_path, "SELECT typeof(row_hash), length(row_hash) FROM roster_event WHERE id = 2") == [("blob", 32)]
    for table in ("ticket_event", "roster_event"):  # the copy of the row before's hash is gone
        assert "prev_hash" not in {c[1] for c in rows(db_path, f"PRAGMA table_info({table})")}
    tables = {name for (name,) in rows(db_path, "SELECT name FROM sqlite_master WHERE name LIKE 'ticket_search%'")}
    assert "ticket_search" in tables and "ticket_search_content" not in tables


def test_an_upgraded_store_says_what_it_said(cli, db_path, upgraded):
    """Every ticket's show --json, the list, the searches and the chains' heads: the same after v10."""
    assert _outputs(cli, 2) == upgraded
    assert rows(db_path, "SELECT typeof(row_hash), typeof(effective_at) FROM ticket_event WHERE id = 3") == [
        ("blob", "integer")
    ]
    assert rows(db_path, "PRAGMA freelist_count") == [(0,)]  # VACUUM gave the freed pages back


def test_an_upgraded_store_still_names_tampering(cli, db_path, upgraded):
    """A note's text edited in the upgraded (UTF-8) JSON, then a row removed: each named where it is."""
    ok(cli("audit", "verify"))
    guard = "DROP TRIGGER ticket_event_no_update", "DROP TRIGGER ticket_event_no_delete"
    conn = sqlite3.connect(db_path)
    with conn:
        for sql in guard:
            conn.execute(sql)
        conn.execute("UPDATE ticket_event SET data = replace(data, '驱动', '网线') WHERE id = 4")
    conn.close()
    first, _ = broken(cli)
    assert (first["id"], first["kind"]) == (4, "content_changed")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("UPDATE ticket_event SET data = replace(data, '网线', '驱动') WHERE id = 4")
        conn.execute("DELETE FROM ticket_event WHERE id = 2")
    conn.close()
    first, _ = broken(cli)
    assert (first["id"], first["kind"]) == (3, "row_missing")


def test_the_contentless_index_follows_the_notes(filled, cli, db_path):
    """Each note takes the ticket's old tokens out and puts the new ones in: old and new text are found,
    nothing else is, FTS5's own check passes, and a reindex (a newer tokenizer) makes the same index."""
    ok(cli("ticket", "note", "1", "网线松了", "--at", "2026-11-23T10:30"))
    ok(cli("ticket", "note", "1", "已更换交换机", "--at", "2026-11-23T10:40"))

    def found() -> dict[str, str]:
        return {t: ok(cli("ticket", "search", t)) for t in ("驱动", "网线", "交换机", "结算", "发票")}

    now = found()
    assert "#1" in now["驱动"] and "#1" in now["网线"] and "#1" in now["交换机"] and "#1" in now["发票"]
    assert "#2" in now["结算"] and "#1" not in now["结算"]
    check = "INSERT INTO ticket_search (ticket_search, rank) VALUES ('integrity-check', 0)"
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(check)
        conn.execute("UPDATE meta SET value = 'older' WHERE key = 'search_tokens'")
    conn.close()
    open_store(f"sqlite:///{db_path}").dispose()  # reindexes: delete-all, then every ticket again
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'search_tokens'") != [("older",)]
    assert found() == now
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(check)
    conn.close()


def test_size_benchmark_runs_small(tmp_path):
    """300 tickets (bigstore's cached store, here in the test's own folder) copied, turned back into v8's
    form and upgraded: it prints the table, the ratio and its target, and both sides agree (never timed)."""
    run = subprocess.run(
        [sys.executable, str(BENCH), "--tickets", "300", "--open", "60"],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ZLDESK_BENCH_STORES": str(tmp_path / "stores")},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "ticket_event" in out and "total (the file)" in out and "ratio 0." in out and "target <= 0.50" in out
    assert "same tickets, history and search results: yes" in out
    assert "audit verify after the upgrade, same heads: yes" in out
    assert "every prev_hash dropped was the row before's row_hash: yes" in out


def test_a_link_broken_before_the_upgrade_is_named_after_it(cli, db_path, tmp_path):
    """v8 kept each row's copy of the row before's hash; v10 drops it. A row a forger made after an earlier
    row than its predecessor (its copy naming #1, its hash made with #1's) is still named so after the upgrade."""
    from sqlalchemy import select

    from zldesk.store import make_engine
    from zldesk.store.audit import row_digest
    from zldesk.store.models import TicketEvent

    fill(cli)
    table, engine = TicketEvent.__table__, make_engine(f"sqlite:///{db_path}")
    with engine.connect() as conn:
        first = conn.execute(select(table.c.row_hash).where(table.c.id == 1)).scalar_one()
        third = dict(conn.execute(select(table).where(table.c.id == 3)).mappings().one())
    engine.dispose()
    forged = row_digest("ticket_event", third, first)
    old = tmp_path / "v8.db"
    _copy(db_path, old)
    _bench().as_v8(old)
    conn = sqlite3.connect(old)
    with conn:
        conn.execute("DROP TRIGGER ticket_event_no_update")
        conn.execute("UPDATE ticket_event SET prev_hash = ?, row_hash = ? WHERE id = 3", (first, forged))
        conn.execute(
            "CREATE TRIGGER ticket_event_no_update BEFORE UPDATE ON ticket_event "
            "BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END"
        )
    conn.close()
    _copy(old, db_path)
    first_break, message = broken(cli)
    assert (first_break["id"], first_break["kind"]) == (3, "prev_link_broken")
    assert "它接在 #1 之后，但它的前一行是 #2" in message
