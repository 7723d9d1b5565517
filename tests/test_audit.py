"""The hash-chained history and `zldesk audit verify`, through the real CLI on a real store, tampered with
by raw sqlite3 the way someone with the file (and no zldesk) could."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from zldesk.data import data_dir
from zldesk.store import make_engine, writing
from zldesk.store.audit import row_digest
from zldesk.store.schema import LATEST, upgrade
from zldesk.store.types import from_micros

from .conftest import store_checksum

DEMO = data_dir() / "roster" / "demo.toml"


def ok(ran) -> str:
    assert ran.exit_code == 0, (ran.stdout, ran.stderr)
    return ran.stdout


def verified(cli) -> dict:
    """`audit verify --json` on an intact store: the chains by table."""
    data = json.loads(ok(cli("audit", "verify", "--json")))
    assert data["ok"] is True
    return {c["table"]: c for c in data["chains"]}


def broken(cli) -> tuple[dict, str]:
    """`audit verify` on a tampered store: exit 1; (the first break, as JSON; the message on stderr)."""
    ran = cli("audit", "verify", "--json")
    assert ran.exit_code == 1, ran.stdout
    data = json.loads(ran.stdout)
    assert data["ok"] is False
    [chain] = [c for c in data["chains"] if c["broken"]]
    text = cli("audit", "verify")
    assert text.exit_code == 1 and "Traceback" not in text.stderr
    return {"table": chain["table"], **chain["broken"]}, text.stderr


def raw(db_path: Path, *statements: str, params: tuple = ()) -> None:
    """SQL straight into the file, as zldesk would never write it."""
    conn = sqlite3.connect(db_path)
    try:
        with conn:
            for sql in statements:
                conn.execute(sql, params if "?" in sql else ())
    finally:
        conn.close()


def rows(db_path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def fill(cli, db: tuple[str, ...] = ()) -> None:
    """Two tickets with a few changes, the demo roster and an override: 5 ticket events, 2 roster events."""
    for title in ("门诊收费处无法打印发票", "住院结算报错"):
        ok(
            cli(
                *db,
                "ticket",
                "new",
                "--contract",
                "leishan",
                "--severity",
                "2",
                "--title",
                title,
                "--at",
                "2026-11-23T10:00",
            )
        )
    ok(cli(*db, "ticket", "ack", "1", "--at", "2026-11-23T10:05"))
    ok(cli(*db, "ticket", "note", "1", "打印机驱动重装", "--at", "2026-11-23T10:20"))
    ok(cli(*db, "ticket", "arrive", "2", "--at", "2026-11-23T11:00"))
    ok(cli(*db, "roster", "import", str(DEMO)))
    ok(
        cli(
            *db,
            "roster",
            "override",
            "--line",
            "备勤专线",
            "--engineer",
            "黄丽",
            "--from",
            "2026-11-17T20:00",
            "--to",
            "2026-11-18T08:30",
            "--reason",
            "家里有事",
            "--as",
            "值班长",
        )
    )


@pytest.fixture
def filled(cli, db_path):
    fill(cli)
    return cli


# ---- the hash -----------------------------------------------------------------------------------------


def test_row_digest_is_the_documented_one():
    """sha256(prev + "\\n" + JSON of [table, columns]): keys sorted, no spaces, UTF-8 as is, NULLs left out,
    times in UTC with microseconds. The same instant in another zone, or a tuple for a list, hashes the same."""
    sh = ZoneInfo("Asia/Shanghai")
    values = {
        "id": 7,
        "who": "张工",
        "entered_at": datetime(2026, 11, 23, 10, 0, tzinfo=sh),
        "data": {"b": (1, 2), "a": "医保"},
        "reason": None,
        "prev_hash": "x",
        "row_hash": "y",
    }
    body = '["ticket_event",{"data":{"a":"医保","b":[1,2]},"entered_at":"2026-11-23T02:00:00.000000Z","id":7,"who":"张工"}]'
    assert row_digest("ticket_event", values, "abc") == hashlib.sha256(f"abc\n{body}".encode()).hexdigest()
    same = {**values, "entered_at": datetime(2026, 11, 23, 2, 0, tzinfo=UTC), "data": {"a": "医保", "b": [1, 2]}}
    assert row_digest("ticket_event", same, "abc") == row_digest("ticket_event", values, "abc")
    assert row_digest("roster_event", values, "abc") != row_digest("ticket_event", values, "abc")
    assert row_digest("ticket_event", {**values, "id": 8}, "abc") != row_digest("ticket_event", values, "abc")
    later = {**values, "entered_at": values["entered_at"] + timedelta(microseconds=1)}
    assert row_digest("ticket_event", later, "abc") != row_digest("ticket_event", values, "abc")


# ---- an intact store ------------------------------------------------------------------------------------


def test_a_new_store_verifies_with_empty_chains(cli):
    chains = verified(cli)
    assert {t: (c["rows"], c["last_id"], c["head"]) for t, c in chains.items()} == {
        "ticket_event": (0, 0, ""),
        "roster_event": (0, 0, ""),
        "obligation_event": (0, 0, ""),
    }


def test_tickets_and_roster_changes_verify(filled, db_path):
    """Every write links to the one before; the head is the last row; the text output says so."""
    chains = verified(filled)
    assert chains["ticket_event"]["rows"] == 5 and chains["roster_event"]["rows"] == 2
    for table in ("ticket_event", "roster_event"):
        links = rows(db_path, f"SELECT id, lower(hex(row_hash)), length(row_hash) FROM {table} ORDER BY id")
        assert {size for *_, size in links} == {32}  # the digest's bytes (v10)
        assert rows(db_path, f"SELECT last_id, hash FROM chain_head WHERE name = '{table}'") == [links[-1][:2]]
        assert chains[table]["head"] == links[-1][1]
    out = ok(filled("audit", "verify"))
    assert "工单历史" in out and "5 行" in out and "值班表历史" in out and "2 行" in out and "完好" in out


@pytest.mark.parametrize("table", ["ticket_event", "roster_event"])
@pytest.mark.parametrize("sql", ["UPDATE {t} SET who = 'someone else'", "DELETE FROM {t}"])
def test_the_history_is_still_append_only(filled, db_path, table, sql):
    before = store_checksum(db_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw(db_path, sql.format(t=table))
    assert store_checksum(db_path) == before


# ---- tampering ------------------------------------------------------------------------------------------


def _drop(table: str) -> list[str]:
    return [f"DROP TRIGGER {table}_no_update", f"DROP TRIGGER {table}_no_delete"]


def test_an_edited_event_is_named(filled, db_path):
    raw(db_path, *_drop("ticket_event"), "UPDATE ticket_event SET who = '冒名' WHERE id = 3")
    first, message = broken(filled)
    assert (first["table"], first["id"], first["kind"]) == ("ticket_event", 3, "content_changed")
    assert first["where"] == "工单 #1 第 2 版"
    assert "ticket_event #3 工单 #1 第 2 版" in message and "内容被改过" in message


def test_an_edited_json_field_or_time_is_named(filled, db_path):
    """A note's text (inside the JSON column) and, separately, a time moved by one second."""
    raw(
        db_path, *_drop("ticket_event"), "UPDATE ticket_event SET data = replace(data, '打', 'x') WHERE id = 4"
    )  # 打 in 打印机 (stored as UTF-8 since v10)
    assert rows(db_path, "SELECT kind FROM ticket_event WHERE id = 4") == [("note",)]
    first, _ = broken(filled)
    assert (first["id"], first["kind"]) == (4, "content_changed")


def test_a_moved_time_is_named(filled, db_path):
    raw(
        db_path,
        *_drop("ticket_event"),
        "UPDATE ticket_event SET effective_at = effective_at - 1000000 WHERE id = 5",  # microseconds (v10)
    )
    first, _ = broken(filled)
    assert (first["id"], first["kind"], first["where"]) == (5, "content_changed", "工单 #2 第 2 版")


def test_an_edited_roster_event_is_named(filled, db_path):
    raw(db_path, *_drop("roster_event"), "UPDATE roster_event SET summary = '无' WHERE id = 2")
    first, message = broken(filled)
    assert (first["table"], first["id"], first["kind"]) == ("roster_event", 2, "content_changed")
    assert "roster_event #2 值班表变更（override" in message


@pytest.mark.parametrize(
    "gone, named, says",
    [
        (3, 4, "#2 与 #4 之间"),  # a middle row: the next one points at nothing
        (1, 2, "#2 之前"),  # the first row
        (5, 5, "最后一行 #5 不在表中"),  # the last row: the head still names it
    ],
)
def test_a_deleted_event_is_named(filled, db_path, gone, named, says):
    raw(db_path, *_drop("ticket_event"), f"DELETE FROM ticket_event WHERE id = {gone}")
    first, message = broken(filled)
    assert (first["id"], first["kind"]) == (named, "row_missing")
    assert says in message


def _insert_event(db_path: Path, row_id: int, row_hash: str | None) -> None:
    raw(
        db_path,
        "INSERT INTO ticket_event (id, ticket_id, seq, kind, who, entered_at, effective_at, data, reason, "
        "changes, row_hash) VALUES (?, 2, 9, 'note', '外人', '2026-11-23 03:00:00.000000', "
        "'2026-11-23 03:00:00.000000', '{\"text\": \"x\"}', '', '{}', ?)",
        params=(row_id, row_hash),
    )


def _forged(row_id: int, prev: str) -> str:
    at = datetime(2026, 11, 23, 3, tzinfo=UTC)
    return row_digest(
        "ticket_event",
        {
            "id": row_id,
            "ticket_id": 2,
            "seq": 9,
            "kind": "note",
            "who": "外人",
            "entered_at": at,
            "effective_at": at,
            "data": {"text": "x"},
            "reason": "",
            "changes": {},
        },
        prev,
    )


def test_a_row_inserted_without_hashes_is_named(filled, db_path):
    _insert_event(db_path, 6, None)
    first, message = broken(filled)
    assert (first["id"], first["kind"], first["where"]) == (6, "not_chained", "工单 #2 第 9 版")
    assert "不是经 zldesk 写入的" in message


def test_a_row_appended_with_a_right_hash_but_no_head_is_named(filled, db_path):
    """Someone who knows the hash appends a well-formed row but leaves chain_head alone."""
    [(last,)] = rows(db_path, "SELECT lower(hex(row_hash)) FROM ticket_event WHERE id = 5")
    _insert_event(db_path, 6, _forged(6, last))
    first, message = broken(filled)
    assert (first["id"], first["kind"]) == (6, "head_mismatch")
    assert "链头对不上" in message


def test_a_fork_is_named(filled, db_path):
    """A row linked to an earlier row than its predecessor (two rows after one), head moved to it."""
    [(third,)] = rows(db_path, "SELECT lower(hex(row_hash)) FROM ticket_event WHERE id = 3")
    _insert_event(db_path, 6, _forged(6, third))
    raw(db_path, f"UPDATE chain_head SET last_id = 6, hash = '{_forged(6, third)}' WHERE name = 'ticket_event'")
    first, message = broken(filled)
    assert (first["id"], first["kind"]) == (6, "prev_link_broken")
    assert "它接在 #3 之后，但它的前一行是 #5" in message


def test_a_changed_head_is_named(filled, db_path):
    raw(db_path, f"UPDATE chain_head SET hash = '{'0' * 64}' WHERE name = 'roster_event'")
    first, _ = broken(filled)
    assert (first["table"], first["id"], first["kind"]) == ("roster_event", 2, "head_mismatch")
    raw(db_path, "DELETE FROM chain_head WHERE name = 'roster_event'")
    first, _ = broken(filled)
    assert first["kind"] == "head_missing"


def test_writing_is_refused_without_a_head(filled, db_path):
    """No head, no guessing where the chain ends: the change is refused whole."""
    raw(db_path, "DELETE FROM chain_head WHERE name = 'ticket_event'")
    before = store_checksum(db_path)
    ran = filled("ticket", "note", "2", "又坏了", "--at", "2026-11-23T12:05")
    assert ran.exit_code == 5 and "链头" in ran.stderr  # the store failed: not the person's input
    assert store_checksum(db_path) == before


# ---- an old store ---------------------------------------------------------------------------------------


def _as_v4(source: Path, target: Path) -> None:
    """A version-4 store holding what `source` (a current one) holds, without the hash columns."""
    engine = make_engine(f"sqlite:///{target}")
    with writing(engine) as session:
        upgrade(session.connection(), target=4)
    engine.dispose()
    conn = sqlite3.connect(target)
    try:
        with conn:
            conn.execute("ATTACH ? AS src", (str(source),))
            tables = [
                name
                for (name,) in conn.execute(
                    "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'ticket_search%' "
                    "AND name NOT IN ('meta', 'sqlite_sequence')"
                )
            ]
            # v10 keeps the history's and tickets' times as microseconds; v4 kept them as text (UtcDateTime)
            conn.create_function(
                "as_text", 1, lambda v: f"{from_micros(v):%Y-%m-%d %H:%M:%S.%f}" if isinstance(v, int) else v
            )
            for table in tables:
                info = [(c[1], c[2]) for c in conn.execute(f"PRAGMA main.table_info({table})")]
                cols = ", ".join(f'"{c}"' for c, _ in info)
                picked = ", ".join(f'as_text("{c}")' if kind == "DATETIME" else f'"{c}"' for c, kind in info)
                conn.execute(f"INSERT INTO main.{table} ({cols}) SELECT {picked} FROM src.{table}")
            conn.execute("INSERT INTO main.ticket_search (rowid, tokens) SELECT rowid, tokens FROM src.ticket_search")
            conn.execute("INSERT INTO main.meta (key, value) VALUES ('seeded', 'bundled')")
        conn.execute("DETACH src")
    finally:
        conn.close()


def _rechained(source: Path) -> list[tuple]:
    """The roster chain of `source` as the rows would hash without their roster digest."""
    from sqlalchemy import select

    from zldesk.store.models import RosterEvent

    table, prev, out = RosterEvent.__table__, "", []
    engine = make_engine(f"sqlite:///{source}")
    with engine.connect() as conn:
        for r in conn.execute(select(table).order_by(table.c.id)).mappings():
            digest = row_digest("roster_event", {k: v for k, v in r.items() if k != "roster_digest"}, prev)
            out.append((r["id"], prev, digest))
            prev = digest
    engine.dispose()
    return out


def test_an_old_store_is_chained_on_upgrade(cli, db_path, tmp_path):
    """A v4 store with tickets and roster history in it: upgraded to v5, its rows get exactly the hashes
    zldesk gives them when it writes them (so write time and verify agree on every value), it verifies,
    and it stays append-only. (This zldesk's roster rows also carry the roster's digest, v8, which a v4
    store has no column for: theirs are the hashes of the same rows without it.)"""
    source = tmp_path / "live" / "zldesk.db"
    fill(cli, ("--db", str(source)))
    _as_v4(source, db_path)
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'schema_version'") == [("4",)]
    assert rows(db_path, "SELECT count(*) FROM ticket_event") == [(5,)]

    chains = verified(cli)
    assert rows(db_path, "SELECT value FROM meta WHERE key = 'schema_version'") == [(str(LATEST),)]
    assert chains["ticket_event"]["rows"] == 5 and chains["roster_event"]["rows"] == 2
    query = "SELECT id, row_hash FROM ticket_event ORDER BY id"
    assert rows(db_path, query) == rows(source, query)
    assert rows(db_path, "SELECT * FROM chain_head WHERE name = 'ticket_event'") == rows(
        source, "SELECT * FROM chain_head WHERE name = 'ticket_event'"
    )
    hexed = "SELECT id, lower(hex(row_hash)) FROM roster_event ORDER BY id"
    assert rows(db_path, hexed) == [(i, digest) for i, _, digest in _rechained(source)]
    assert rows(db_path, "SELECT roster_digest FROM roster_event") == [(None,), (None,)]
    for table in ("ticket_event", "roster_event"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw(db_path, f"UPDATE {table} SET who = 'x'")
    ok(cli("ticket", "resolve", "1", "--at", "2026-11-23T12:00"))
    assert verified(cli)["ticket_event"]["rows"] == 6


# ---- concurrent writers ---------------------------------------------------------------------------------

WRITER = """
import random
import sys
import time
from datetime import datetime, timezone
from zldesk.store import open_store, writing
from zldesk.store.tickets import act
from zldesk.tickets import Action

url, tid, who = sys.argv[1], int(sys.argv[2]), sys.argv[3]
engine = open_store(url)
print("ready", flush=True)
sys.stdin.readline()
for i in range(50):
    with writing(engine) as session:
        act(session, tid, Action("note", datetime.now(timezone.utc), {"text": f"{who} 第 {i} 条"}), who)
    time.sleep(random.uniform(0, 0.02))  # let the others in: SQLite's busy wait favours the last writer
"""


def test_four_writers_extend_one_chain(cli, db_path):
    """4 processes x 50 changes to two tickets, all at once: 202 events in one unforked chain."""
    for title in ("并发一", "并发二"):
        ok(
            cli(
                "ticket",
                "new",
                "--contract",
                "leishan",
                "--severity",
                "3",
                "--title",
                title,
                "--at",
                "2026-11-23T10:00",
            )
        )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, f"sqlite:///{db_path}", str(1 + i % 2), f"工{i}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(4)
    ]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    chains = verified(cli)
    assert chains["ticket_event"]["rows"] == 202 and chains["ticket_event"]["last_id"] == 202
    assert rows(db_path, "SELECT count(DISTINCT row_hash), count(*) FROM ticket_event") == [(202, 202)]
    whos = [w for (w,) in rows(db_path, "SELECT who FROM ticket_event ORDER BY id")]
    assert sum(a != b for a, b in zip(whos, whos[1:])) > 20  # the writers really took turns (~150 here)
    assert rows(db_path, "SELECT ticket_id, count(*), max(seq) FROM ticket_event GROUP BY ticket_id") == [
        (1, 101, 101),
        (2, 101, 101),
    ]
