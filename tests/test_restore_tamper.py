"""`zldesk restore` of a crafted backup: the backup's whole schema is checked against what its own version
defines, and the whole `audit verify` runs on it, before anything is replaced. Each crafted file is refused
with a message naming the problem and a non-zero exit, and the live store stays byte for byte as it was."""

from __future__ import annotations

import gc
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from zldesk.store import make_engine, writing
from zldesk.store.schema import LATEST, upgrade

from .conftest import store_checksum


def ok(ran) -> str:
    assert ran.exit_code == 0, (ran.stdout, ran.stderr)
    return ran.stdout


@pytest.fixture
def live(cli, db_path):
    """A store with a ticket (acknowledged, with a note), and a backup of it."""
    ok(cli("ticket", "new", "--severity", "2", "--title", "收费处打不出发票", "--phone", "13800000000"))
    ok(cli("ticket", "ack", "1"))
    ok(cli("ticket", "note", "1", "重装驱动"))
    return cli


def crafted(cli, tmp_path: Path, *statements: str) -> Path:
    """A real backup of the store, then changed by raw SQL."""
    path = tmp_path / "crafted.db"
    ok(cli("backup", str(path), "--force"))
    conn = sqlite3.connect(path)
    try:
        with conn:
            for sql in statements:
                conn.execute(sql)
    finally:
        conn.close()
    return path


def _state(db_path: Path) -> tuple:
    siblings = sorted(p.name for p in db_path.parent.iterdir())
    sidecars = tuple(Path(f"{db_path}{s}").read_bytes() for s in ("-wal",) if Path(f"{db_path}{s}").exists())
    return db_path.read_bytes(), sidecars, siblings


def refused(cli, db_path: Path, backup: Path, *says: str) -> str:
    gc.collect()
    before = _state(db_path)
    ran = cli("restore", str(backup), "--yes")
    assert ran.exit_code != 0, ran.stdout
    assert "Traceback" not in ran.stderr and str(backup) in ran.stderr
    for words in says:
        assert words in ran.stderr, (words, ran.stderr)
    assert _state(db_path) == before
    return ran.stderr


HOTLINE_TRIGGER = (
    "CREATE TRIGGER ticket_touch AFTER INSERT ON ticket BEGIN "
    "UPDATE contact SET value = '0855-0000000' WHERE kind IN ('hotline', 'backup'); "
    "UPDATE ticket SET phone = '' WHERE id = new.id; END"
)


@pytest.mark.parametrize(
    "statements, says",
    [
        ((HOTLINE_TRIGGER,), ("多了触发器 ticket_touch（ticket 上）", f"第 {LATEST} 版的结构里没有")),
        (("CREATE VIEW phones AS SELECT caller, phone FROM ticket",), ("多了视图 phones",)),
        (("CREATE TABLE stash (x TEXT)",), ("多了表 stash",)),
        (("ALTER TABLE ticket DROP COLUMN dept",), ("少了列 ticket.dept",)),
        (("DROP INDEX ix_ticket_board",), ("少了索引 ix_ticket_board（ticket 上）",)),
        (("DROP TRIGGER ticket_event_no_delete",), ("少了触发器 ticket_event_no_delete",)),
        (("UPDATE meta SET value = '-1' WHERE key = 'schema_version'",), ("结构版本 '-1' 不是从 1 起的整数",)),
        (("UPDATE meta SET value = 'x' WHERE key = 'schema_version'",), ("结构版本 'x' 不是从 1 起的整数",)),
        (("UPDATE meta SET value = '0' WHERE key = 'schema_version'",), ("结构版本 '0'",)),
        (("UPDATE meta SET value = '999' WHERE key = 'schema_version'",), ("比本程序新",)),
        (
            (
                "DROP TRIGGER ticket_event_no_update",
                "UPDATE ticket_event SET who = '冒名' WHERE id = 2",
                "CREATE TRIGGER ticket_event_no_update BEFORE UPDATE ON ticket_event "
                "BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END",
            ),
            ("ticket_event #2 工单 #1 第 2 版：内容被改过",),
        ),
        (("UPDATE ticket SET state = 'closed', board_due = NULL",), ("工单 #1：状态与它的历史对不上",)),
        (("UPDATE contact SET value = '0855-0000000' WHERE kind = 'hotline'",), ("合同 leishan 的联系方式",)),
    ],
)
def test_a_crafted_backup_is_refused_and_the_store_is_untouched(live, db_path, tmp_path, statements, says):
    backup = crafted(live, tmp_path, *statements)
    refused(live, db_path, backup, *says)
    assert not [p for p in db_path.parent.iterdir() if "before-restore" in p.name or p.name.endswith(".tmp")]


def test_a_file_with_only_a_meta_table_is_refused(live, db_path, tmp_path):
    backup = tmp_path / "meta-only.db"
    conn = sqlite3.connect(backup)
    with conn:
        conn.execute('CREATE TABLE meta ("key" VARCHAR NOT NULL, value VARCHAR NOT NULL, PRIMARY KEY ("key"))')
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(LATEST),))
    conn.close()
    said = refused(live, db_path, backup, f"个表（第 {LATEST} 版的结构里有）：chain_head、contact、contract、")
    assert "、ticket、ticket_event、" in said
    assert (
        "其中的数据没有再核对" in said and "ticket_event_no_update" not in said
    )  # a missing table's own parts go unsaid


def test_a_planted_trigger_never_runs(live, db_path, tmp_path):
    """The issue's backup: had it been restored, the next ticket would have blanked its caller's phone and both
    hotlines. Refused, the store takes the next ticket as it should."""
    backup = crafted(live, tmp_path, HOTLINE_TRIGGER)
    refused(live, db_path, backup, "ticket_touch")
    ok(live("ticket", "new", "--severity", "3", "--title", "第二张", "--phone", "13900000000"))
    assert json.loads(ok(live("ticket", "show", "2", "--json")))["phone"] == "13900000000"
    assert ok(live("audit", "verify"))


def test_the_json_of_a_refusal_is_none_and_the_exit_is_one(live, db_path, tmp_path):
    backup = crafted(live, tmp_path, "CREATE TABLE stash (x TEXT)")
    gc.collect()
    before = store_checksum(db_path)
    ran = live("restore", str(backup), "--yes", "--json")
    assert ran.exit_code == 2 and ran.stdout == "" and "备份没有通过检查，没有恢复（1 处）" in ran.stderr
    assert store_checksum(db_path) == before


def _old_backup(path: Path, version: int, *statements: str) -> None:
    """A store at `version` with a contract in it, as an older zldesk left it."""
    engine = make_engine(f"sqlite:///{path}")
    with writing(engine) as session:
        conn = session.connection()
        upgrade(conn, target=version)
        conn.execute(
            text(
                "INSERT INTO contract (code, customer, vendor, product, timezone, title, updated_at) "
                "VALUES ('old', '旧医院', 'v', 'ZLHIS', 'Asia/Shanghai', '', '2025-01-01 00:00:00')"
            )
        )
        for sql in statements:
            conn.execute(text(sql))
    engine.dispose()


def test_an_older_backup_is_checked_against_its_own_version_and_restored(live, db_path, tmp_path):
    """A v4 backup: its schema is v4's, it verifies once upgraded (on a scratch copy), it is put in place as
    it is, and the normal upgrade runs when the store is next opened."""
    backup = tmp_path / "v4.db"
    _old_backup(backup, 4)
    gc.collect()
    ran = live("restore", str(backup), "--yes", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["schema_version"] == 4
    assert not [p for p in db_path.parent.iterdir() if p.name.endswith(".tmp") or ".tmp-" in p.name]
    assert sqlite3.connect(db_path).execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == ("4",)
    assert "old" in ok(live("contracts"))
    assert json.loads(ok(live("audit", "verify", "--json")))["ok"] is True


def test_an_older_backup_with_a_planted_trigger_is_refused(live, db_path, tmp_path):
    backup = tmp_path / "v4.db"
    _old_backup(backup, 4, HOTLINE_TRIGGER)
    refused(live, db_path, backup, "多了触发器 ticket_touch", "第 4 版的结构里没有")
