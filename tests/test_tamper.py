"""`zldesk audit verify` beyond the history chains: the schema, each ticket row against its history, the
contract tables against their recorded terms, the roster against its recorded digest, and heads saved by
`zldesk audit head`. Each store is tampered with by raw SQL, on SQLite and on PostgreSQL, the way someone
with the file or a database login (and no zldesk) could."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from zldesk.cli import app
from zldesk.data import data_dir

from .conftest import LEISHAN, Ran

DEMO = data_dir() / "roster" / "demo.toml"
CHAINED = ("ticket_event", "roster_event", "contract_version")


def run(*args: str) -> Ran:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def ok(*args: str) -> str:
    ran = run(*args)
    assert ran.exit_code == 0, (args, ran.stdout, ran.stderr)
    return ran.stdout


def raw(url: str, *statements: str) -> None:
    """SQL straight into the store, as zldesk would never write it."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            with conn:
                for sql in statements:
                    conn.execute(sql)
        finally:
            conn.close()
        return
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        for sql in statements:
            conn.execute(sql)


def value(url: str, sql: str):
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return conn.execute(sql).fetchone()[0]
        finally:
            conn.close()
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1)) as conn:
        return conn.execute(sql).fetchone()[0]


def unguarded(url: str, table: str, *statements: str) -> list[str]:
    """`statements` on an append-only table, its triggers stepped aside and put back as they were."""
    if url.startswith("sqlite"):
        triggers = [
            (name, sql)
            for name, sql in sqlite3.connect(url.removeprefix("sqlite:///")).execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (table,)
            )
        ]
        return [*(f"DROP TRIGGER {name}" for name, _ in triggers), *statements, *(sql for _, sql in triggers)]
    return [
        f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
        *statements,
        f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only",
    ]


def fill() -> None:
    """Two tickets (one acknowledged with a note), the demo roster and an override."""
    for title in ("门诊收费处无法打印发票", "住院结算报错"):
        ok("ticket", "new", "--severity", "2", "--title", title, "--phone", "13800000000", "--at", "2026-11-23T10:00")
    ok("ticket", "ack", "1", "--at", "2026-11-23T10:05")
    ok("ticket", "note", "1", "打印机驱动重装", "--at", "2026-11-23T10:20")
    ok("roster", "import", str(DEMO))
    ok(
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
    )


@pytest.fixture
def filled(any_store) -> str:
    fill()
    assert json.loads(ok("audit", "verify", "--json"))["ok"] is True
    return any_store


def findings(*args: str) -> list[dict]:
    """`audit verify --json` on a tampered store: exit 1, the findings; the text says them too."""
    ran = run("audit", "verify", "--json", *args)
    assert ran.exit_code == 1, (ran.stdout, ran.stderr)
    data = json.loads(ran.stdout)
    assert data["ok"] is False
    text = run("audit", "verify", *args)
    assert text.exit_code == 1 and "Traceback" not in text.stderr
    for f in data["findings"]:
        assert f["text"] in text.stderr
    return data["findings"]


def kinds(found: list[dict]) -> set[tuple]:
    return {(f["kind"], f["table"], f["name"]) for f in found}


# ---- on both databases ---------------------------------------------------------------------------------


def test_a_ticket_closed_in_its_row_without_history_is_named(filled):
    raw(filled, "UPDATE ticket SET state = 'closed', board_due = NULL WHERE id = 1")
    found = findings()
    [row] = [f for f in found if f["kind"] == "ticket_differs"]
    assert (row["table"], row["name"], row["fields"]) == ("ticket", "1", ["state"])
    assert "工单 #1：状态与它的历史对不上" in row["text"]
    [due] = [f for f in found if f["kind"] == "deadline_differs"]
    assert due["name"] == "1" and due["fields"] == ["board_due"]


def test_a_phone_number_changed_in_its_row_is_named(filled):
    raw(filled, "UPDATE ticket SET phone = '13999999999' WHERE id = 2")
    [f] = findings()
    assert (f["kind"], f["name"], f["fields"]) == ("ticket_differs", "2", ["phone"])


def test_history_cut_short_with_the_head_moved_back_is_caught_by_saved_heads(filled, tmp_path):
    """The last event removed, the ticket row and the chain head set back to match: the store is consistent
    in itself, so only the head saved elsewhere tells."""
    saved = tmp_path / "heads.json"
    saved.write_text(ok("audit", "head", "--json"), encoding="utf-8")
    as_hex = "lower(hex(row_hash))" if filled.startswith("sqlite") else "encode(row_hash, 'hex')"  # bytes (v10)
    prev = value(filled, f"SELECT {as_hex} FROM ticket_event WHERE id = 3")
    raw(
        filled,
        *unguarded(filled, "ticket_event", "DELETE FROM ticket_event WHERE id = 4"),
        "UPDATE ticket SET version = 2 WHERE id = 1",
        f"UPDATE chain_head SET last_id = 3, hash = '{prev}' WHERE name = 'ticket_event'",
    )
    assert run("audit", "verify").exit_code == 0  # nothing inside the store says so
    [f] = findings("--expect", str(saved))
    assert (f["kind"], f["table"], f["name"], f["found"]) == ("head_moved_back", "ticket_event", "4", 3)
    assert "工单历史的链头退回了：保存的链头是 #4，表中现在最后一行是 #3" in f["text"]


def test_a_contact_phone_changed_in_the_contract_table_is_named(filled):
    first = value(filled, "SELECT min(id) FROM contact WHERE kind = 'hotline'")
    raw(filled, f"UPDATE contact SET value = '0855-0000000' WHERE id = {first}")
    [f] = findings()
    assert (f["kind"], f["table"], f["name"]) == ("contract_differs", "contact", "leishan")
    assert len(f["fields"]) == 1 and f["fields"][0].startswith("contacts[") and f["fields"][0].endswith("].value")
    assert "合同 leishan 的联系方式（contact）与最近一次导入记下的条款" in f["text"]


def test_a_target_changed_in_the_contract_table_is_named(filled):
    raw(filled, "UPDATE severity SET amount = '48' WHERE level = 1")
    found = findings()
    assert ("contract_differs", "severity", "leishan") in kinds(found)
    [f] = [f for f in found if f["kind"] == "contract_differs"]
    assert f["fields"] == ["severities[0].target.amount"]


@pytest.mark.parametrize("table", CHAINED)
def test_a_dropped_append_only_trigger_is_named(filled, table):
    if filled.startswith("sqlite"):
        raw(filled, f"DROP TRIGGER {table}_no_delete")
        name = f"{table}_no_delete"
    else:
        raw(filled, f"DROP TRIGGER {table}_append_only ON {table}")
        name = f"{table}_append_only"
    [f] = findings()
    assert (f["kind"], f["table"], f["name"]) == ("trigger_missing", table, name)
    assert f"少了触发器 {name}（{table} 上）" in f["text"]


def test_a_disabled_trigger_on_postgres_is_named(pg_url):
    fill()
    raw(pg_url, "ALTER TABLE ticket_event DISABLE TRIGGER ticket_event_append_only")
    [f] = findings()
    assert (f["kind"], f["name"]) == ("trigger_changed", "ticket_event_append_only")


def test_a_planted_trigger_is_named(filled):
    """The crafted backup of the issue: new callers' phones blanked and the hotline rewritten on every ticket."""
    if filled.startswith("sqlite"):
        raw(
            filled,
            "CREATE TRIGGER ticket_touch AFTER INSERT ON ticket BEGIN "
            "UPDATE ticket SET phone = '' WHERE id = new.id; UPDATE contact SET value = '110'; END",
        )
    else:
        raw(
            filled,
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.phone := ''; RETURN NEW; END $$",
            "CREATE TRIGGER ticket_touch BEFORE INSERT ON ticket FOR EACH ROW EXECUTE FUNCTION touch()",
        )
    found = kinds(findings())
    assert ("trigger_extra", "ticket", "ticket_touch") in found
    if not filled.startswith("sqlite"):
        assert ("function_extra", "", "touch") in found


def test_a_roster_changed_in_its_tables_is_named(filled):
    raw(filled, "UPDATE engineer SET phone = '13000000000' WHERE name = '黄丽'")
    raw(filled, "DELETE FROM roster_override")
    found = findings()
    last = value(filled, "SELECT max(id) FROM roster_event")
    assert kinds(found) == {("roster_differs", "engineer", str(last)), ("roster_differs", "roster_override", str(last))}
    assert any("调班（roster_override）与最近一次值班表变更" in f["text"] for f in found)


def test_everything_zldesk_does_verifies(any_store, tmp_path):
    """Every ticket action, a contract changed by import (a second version) and by a module list, the roster
    imported, shifts added and overridden: the store verifies, and the heads saved first still hold."""
    saved = tmp_path / "heads.json"
    ok("ticket", "new", "--severity", "2", "--title", "门诊收费处无法打印发票", "--at", "2026-11-23T10:00")
    saved.write_text(ok("audit", "head", "--json"), encoding="utf-8")
    for args in (
        ("ack", "1", "--at", "2026-11-23T10:05"),
        ("assign", "1", "王芳", "--at", "2026-11-23T10:06"),
        ("pause", "1", "--reason", "等医院确认", "--at", "2026-11-23T10:10"),
        ("resume", "1", "--at", "2026-11-23T11:10"),
        ("severity", "1", "1", "--reason", "全院收费停了", "--at", "2026-11-23T11:20"),
        ("arrive", "1", "--at", "2026-11-23T12:00"),
        ("resolve", "1", "--at", "2026-11-23T13:00"),
        ("close", "1", "--at", "2026-11-23T14:00"),
        ("reopen", "1", "--reason", "又坏了", "--at", "2026-11-23T15:00"),
        ("note", "1", "重装驱动", "--at", "2026-11-23T15:10"),
    ):
        ok("ticket", *args)
    variant = tmp_path / "leishan.toml"
    variant.write_text(
        LEISHAN.read_text(encoding="utf-8").replace('title = "', 'title = "改过的 ', 1), encoding="utf-8"
    )
    ok("import", "contract", str(variant))
    ok("ticket", "new", "--severity", "3", "--title", "报表导出乱码", "--at", "2026-11-24T09:00")
    modules = tmp_path / "modules.csv"
    modules.write_text("no,name,selected,sites,remark\n1,门诊收费,是,2,\n2,住院收费,否,,\n", encoding="utf-8")
    ok("import", "modules", str(modules), "--contract", "leishan")
    ok("roster", "import", str(DEMO))
    shifts = tmp_path / "shifts.csv"
    shifts.write_text("line,engineer,start,end\nhotline,黄丽,2026-11-20T08:30,2026-11-20T17:30\n", encoding="utf-8")
    ok("roster", "import", str(shifts))
    ok(
        "roster",
        "override",
        "--line",
        "hotline",
        "--engineer",
        "赵磊",
        "--from",
        "2026-11-20T12:00",
        "--to",
        "2026-11-20T13:00",
        "--reason",
        "午饭",
    )
    data = json.loads(ok("audit", "verify", "--json", "--expect", str(saved)))
    assert data["ok"] is True and data["findings"] == []
    assert data["checked"] == {
        "data": True,
        "tickets": 2,
        "contracts": 1,
        "versions": 3,
        "roster": "recorded",
        "expect": str(saved),
    }
    assert "完好" in ok("audit", "verify", "--expect", str(saved))


# ---- SQLite: the whole schema --------------------------------------------------------------------------


@pytest.fixture
def sqlite_filled(cli, db_path) -> str:
    fill()
    return f"sqlite:///{db_path}"


@pytest.mark.parametrize(
    "sql, kind, table, name",
    [
        ("CREATE VIEW contacts_all AS SELECT value FROM contact", "view_extra", "contacts_all", "contacts_all"),
        ("CREATE TABLE notes (x TEXT)", "table_extra", "notes", "notes"),
        ("CREATE INDEX ix_phone ON ticket (phone)", "index_extra", "ticket", "ix_phone"),
        ("DROP INDEX ix_ticket_board", "index_missing", "ticket", "ix_ticket_board"),
        ("ALTER TABLE contact ADD COLUMN spare TEXT", "column_extra", "contact", "contact.spare"),
        ("ALTER TABLE import_log DROP COLUMN summary", "column_missing", "import_log", "import_log.summary"),
    ],
)
def test_the_schema_is_the_one_its_version_defines(sqlite_filled, sql, kind, table, name):
    raw(sqlite_filled, sql)
    found = findings()
    assert (kind, table, name) in kinds(found)
    assert all(f["kind"].split("_")[0] in ("table", "column", "index", "view") for f in found)


def test_a_changed_trigger_is_named(sqlite_filled):
    """Same name, another body: the history is no longer append-only for the one who knows."""
    raw(
        sqlite_filled,
        "DROP TRIGGER ticket_event_no_update",
        "CREATE TRIGGER ticket_event_no_update BEFORE UPDATE ON ticket_event WHEN new.who = 'x' "
        "BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END",
    )
    [f] = findings()
    assert (f["kind"], f["name"]) == ("trigger_changed", "ticket_event_no_update")


def test_a_ticket_row_moved_to_other_terms_or_deadline_is_named(sqlite_filled, tmp_path):
    variant = tmp_path / "leishan.toml"
    variant.write_text(LEISHAN.read_text(encoding="utf-8").replace('title = "', 'title = "改 ', 1), encoding="utf-8")
    ok("import", "contract", str(variant))
    raw(
        sqlite_filled,
        "UPDATE ticket SET terms_id = 2 WHERE id = 1",
        "UPDATE ticket SET due_ts = due_ts + 60 WHERE id = 2",
    )
    found = {(f["kind"], f["name"]): f for f in findings()}
    assert found["terms_differ", "1"]["expected"] == 1 and found["terms_differ", "1"]["found"] == 2
    assert found["deadline_differs", "2"]["fields"] == ["due_ts"]


def test_rows_without_history_and_history_without_rows_are_named(sqlite_filled):
    raw(
        sqlite_filled,
        "INSERT INTO ticket SELECT 9, contract_id, version, state, severity, title, description, module_no, "
        "module_name, in_scope, caller, phone, dept, channel, assignee, received_at, acknowledged_at, arrived_at, "
        "resolved_at, closed_at, state_before_pause, pauses, levels, negotiated_due, negotiated_with, remote, "
        "computed_due, due_ts, clock_start, provisional, warnings, board_due, created_at, updated_at, terms_id, "
        "phone_key, phone_local "
        "FROM ticket WHERE id = 2",
        "DELETE FROM ticket WHERE id = 2",
    )
    assert kinds(findings()) == {("ticket_without_history", "ticket", "9"), ("history_without_ticket", "ticket", "2")}


def test_contract_terms_changed_in_a_version_are_named(sqlite_filled):
    raw(
        sqlite_filled,
        *unguarded(
            sqlite_filled, "contract_version", "UPDATE contract_version SET terms = replace(terms, '雷山', '某某')"
        ),
    )
    found = kinds(findings())
    assert ("version_damaged", "contract_version", "1") in found


def test_history_rewritten_past_the_saved_head_is_named(sqlite_filled, tmp_path):
    """The chain rewritten from a row before the saved head, and grown past it, every hash and the head
    recomputed: it holds in itself, but the saved head's row is another one now."""
    from sqlalchemy import create_engine, delete, insert, select, update

    from zldesk.store.audit import row_digest
    from zldesk.store.models import ChainHead, RosterEvent

    saved = tmp_path / "heads.json"
    saved.write_text(ok("audit", "head", "--json"), encoding="utf-8")
    guard = unguarded(sqlite_filled, "roster_event")
    raw(sqlite_filled, *guard[: len(guard) // 2])
    table, head = RosterEvent.__table__, ChainHead.__table__
    engine = create_engine(sqlite_filled)
    with engine.begin() as conn:
        row = dict(conn.execute(select(table).where(table.c.id == 2)).mappings().one())
        prev = conn.execute(select(table.c.row_hash).where(table.c.id == 1)).scalar_one()
        conn.execute(delete(table).where(table.c.id == 2))
        for new_id in (2, 3):
            values = {**row, "id": new_id, "summary": "无"}
            values["row_hash"] = prev = row_digest("roster_event", values, prev)
            conn.execute(insert(table), values)
        conn.execute(update(head).where(head.c.name == "roster_event").values(last_id=3, hash=prev))
    engine.dispose()
    raw(sqlite_filled, *guard[len(guard) // 2 :])
    assert run("audit", "verify").exit_code == 0
    [f] = findings("--expect", str(saved))
    assert (f["kind"], f["table"], f["name"]) == ("saved_row_changed", "roster_event", "2")
    assert "值班表历史：保存的链头 #2 现在是另一行" in f["text"]


@pytest.mark.parametrize(
    "content, says",
    [
        ("not json", "不是 JSON"),
        ('{"chains": []}', "不是 audit head --json 写的"),
        (
            '{"format": "zldesk audit head", "chains": [{"table": "ticket", "last_id": 1, "hash": "x"}], "contracts": []}',
            "不是一条历史链",
        ),
        (
            '{"format": "zldesk audit head", "chains": [{"table": "ticket_event", "last_id": "1"}], "contracts": []}',
            "chains[0]",
        ),
        ('{"format": "zldesk audit head", "chains": []}', "缺少 contracts"),
    ],
)
def test_a_bad_heads_file_is_named(sqlite_filled, tmp_path, content, says):
    path = tmp_path / "heads.json"
    path.write_text(content, encoding="utf-8")
    ran = run("audit", "verify", "--expect", str(path))
    assert ran.exit_code == 2 and says in ran.stderr and str(path) in ran.stderr and "Traceback" not in ran.stderr
    missing = run("audit", "verify", "--expect", str(tmp_path / "none.json"))
    assert missing.exit_code == 2 and "读不了链头文件" in missing.stderr


def test_audit_head_prints_what_verify_expects(sqlite_filled, db_path):
    data = json.loads(ok("audit", "head", "--json"))
    conn = sqlite3.connect(db_path)
    try:
        chains = conn.execute("SELECT name, last_id, hash FROM chain_head ORDER BY name DESC").fetchall()
        versions = conn.execute("SELECT 'leishan', id, seq, sha256 FROM contract_version").fetchall()
    finally:
        conn.close()
    assert [(c["table"], c["last_id"], c["hash"]) for c in data["chains"]] == chains
    assert [(c["code"], c["version_id"], c["seq"], c["sha256"]) for c in data["contracts"]] == versions
    text = ok("audit", "head")
    assert f"工单历史  #{chains[0][1]} {chains[0][2]}" in text and versions[0][3] in text


@pytest.mark.parametrize(
    "sql, kind, name",
    [
        (
            "CREATE OR REPLACE FUNCTION zldesk_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$",
            "function_changed",
            "zldesk_append_only",
        ),
        ("CREATE RULE keep AS ON DELETE TO ticket DO INSTEAD NOTHING", "rule_extra", "keep"),
        ("ALTER TABLE contact ADD COLUMN spare TEXT", "column_extra", "contact.spare"),
        ("CREATE VIEW phones AS SELECT phone FROM ticket", "view_extra", "phones"),
    ],
)
def test_the_schema_on_postgres_is_the_one_its_version_defines(pg_url, sql, kind, name):
    """The append-only function neutered, a rule, a column, a view: each named."""
    ok("contracts")
    raw(pg_url, sql)
    assert kind in {f["kind"] for f in findings() if f["name"] == name}


def test_a_store_upgraded_from_before_contract_versions_verifies(cli, db_path, tmp_path):
    """Tickets older than their contract's first version (v7 made it at the upgrade, after them) are held to
    that version; a contract imported since holds the tickets opened after it."""
    from .test_contract_versions import _back_to_v6

    ok("ticket", "new", "--severity", "2", "--title", "升级前的工单", "--at", "2026-11-23T10:00")
    ok("ticket", "ack", "1", "--at", "2026-11-23T10:05")
    _back_to_v6(db_path)
    assert json.loads(ok("audit", "verify", "--json"))["ok"] is True  # upgraded, then verified
    variant = tmp_path / "leishan.toml"
    variant.write_text(LEISHAN.read_text(encoding="utf-8").replace('title = "', 'title = "改 ', 1), encoding="utf-8")
    ok("import", "contract", str(variant))
    ok("ticket", "new", "--severity", "3", "--title", "升级后的工单", "--at", "2026-11-24T10:00")
    assert value(f"sqlite:///{db_path}", "SELECT group_concat(terms_id) FROM ticket ORDER BY id") == "1,2"
    assert json.loads(ok("audit", "verify", "--json"))["ok"] is True
