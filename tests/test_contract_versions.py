"""Contract versions: every import that changes a contract keeps its terms as a new version; a ticket is
held to the version it was opened under; a store from before versions upgrades with its tickets held to
the terms they have now."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace

import pytest

from zldesk.contract import contract_from_dict, read_contract_file
from zldesk.store import open_store
from zldesk.store.rows import BOARD_COLUMNS
from zldesk.store.schema import BOARD_INDEX_COLUMNS

from .conftest import LEISHAN


def versions(db) -> list[tuple[int, int]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT contract_id, seq FROM contract_version ORDER BY id").fetchall()
    finally:
        conn.close()


def test_each_changing_import_is_a_new_version(cli, db_path, tmp_path):
    assert cli("contracts").exit_code == 0
    assert versions(db_path) == [(1, 1)]  # the bundled contract, seeded
    assert cli("import", "contract", str(LEISHAN)).exit_code == 0  # nothing changed: no version
    assert versions(db_path) == [(1, 1)]
    changed = tmp_path / "leishan.toml"
    changed.write_text(LEISHAN.read_text(encoding="utf-8").replace("amount = 5,", "amount = 4,"), encoding="utf-8")
    assert cli("import", "contract", str(changed)).exit_code == 0
    modules = tmp_path / "modules.csv"
    modules.write_text("no,name,selected\n1,挂号系统,是\n", encoding="utf-8")
    assert cli("import", "modules", str(modules), "--contract", "leishan").exit_code == 0
    assert versions(db_path) == [(1, 1), (1, 2), (1, 3)]
    conn = sqlite3.connect(db_path)
    ((terms,),) = conn.execute("SELECT terms FROM contract_version WHERE seq = 3").fetchall()
    contract, problems, _ = contract_from_dict(json.loads(terms))
    assert problems == [] and [m.name for m in contract.modules] == ["挂号系统"]
    assert contract.severity(2).target.amount == 4  # the module import kept the contract's other terms
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE contract_version SET terms = '{}' WHERE seq = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM contract_version")
    conn.close()


def test_a_store_from_before_versions_keeps_its_tickets_deadlines(cli, db_path):
    """A v6 store (no versions) upgrades to v7: its contract becomes version 1, every ticket refers to it,
    and `ticket show` says exactly what it said before."""
    assert cli("ticket", "new", "--severity", "3", "--title", "报表不对", "--at", "2026-11-23T09:00").exit_code == 0
    assert cli("ticket", "new", "--severity", "2", "--title", "收费停了", "--at", "2026-11-24T02:10").exit_code == 0
    assert cli("ticket", "pause", "1", "--at", "2026-11-23T10:00", "--reason", "等医院").exit_code == 0
    before = [json.loads(cli("ticket", "show", str(t), "--json").stdout) for t in (1, 2)]
    _back_to_v6(db_path)
    assert cli("ticket", "list").exit_code == 0  # upgrades
    after = [json.loads(cli("ticket", "show", str(t), "--json").stdout) for t in (1, 2)]
    for b, a in zip(before, after):
        b.pop("remaining_seconds"), a.pop("remaining_seconds")  # running clocks move on between the two reads
        b["clock"].pop("seconds"), a["clock"].pop("seconds"), b["clock"].pop("text"), a["clock"].pop("text")
    assert before == after
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT DISTINCT terms_id FROM ticket").fetchall() == [(1,)]
    ((terms,),) = conn.execute("SELECT terms FROM contract_version").fetchall()
    # a v6 store kept no schedules (v13's): its terms are the file's without them
    unscheduled = tuple(replace(s, schedule=None) for s in read_contract_file(LEISHAN).services)
    assert contract_from_dict(json.loads(terms))[0] == replace(read_contract_file(LEISHAN), services=unscheduled)
    conn.close()


def _back_to_v6(db) -> None:
    """The store as v6 left it: no version table, no terms on tickets, v3's board index (and no roster digest,
    v8's, nor the names' pinyin, v9's, nor the phone keys and people, v11's, nor the site, v12's, nor the
    services' schedules and the obligations' tables, v13's)."""
    conn = sqlite3.connect(db)
    conn.executescript("""
        ALTER TABLE service DROP COLUMN schedule_every;
        ALTER TABLE service DROP COLUMN schedule_month;
        DROP TABLE obligation_event;
        DROP TABLE obligation_evidence;
        DELETE FROM chain_head WHERE name = 'obligation_event';
        ALTER TABLE contract DROP COLUMN site_address;
        ALTER TABLE contract DROP COLUMN site_travel_minutes;
        ALTER TABLE contract DROP COLUMN site_travel_minutes_night;
        DROP INDEX ix_ticket_phone_key;
        DROP INDEX ix_ticket_phone_local;
        ALTER TABLE ticket DROP COLUMN phone_key;
        ALTER TABLE ticket DROP COLUMN phone_local;
        DROP TABLE person;
        ALTER TABLE module DROP COLUMN pinyin;
        ALTER TABLE service DROP COLUMN pinyin;
        ALTER TABLE roster_event DROP COLUMN roster_digest;
        DROP INDEX ix_ticket_board;
        ALTER TABLE ticket DROP COLUMN terms_id;
        DROP TRIGGER contract_version_no_update;
        DROP TRIGGER contract_version_no_delete;
        DROP TABLE contract_version;
        CREATE INDEX ix_ticket_board ON ticket (board_due, id, contract_id, severity, state, provisional, assignee,
                                                module_name, title) WHERE board_due IS NOT NULL;
        UPDATE meta SET value = '6' WHERE key = 'schema_version';
    """)
    conn.commit()
    conn.close()


def test_the_board_reads_its_index_alone(tmp_path):
    """The open-ticket board, read whenever anything changes, touches only the partial covering index."""
    db = tmp_path / "z.db"
    open_store(f"sqlite:///{db}").dispose()
    conn = sqlite3.connect(db)
    plan = conn.execute(
        f"EXPLAIN QUERY PLAN SELECT {BOARD_COLUMNS} FROM ticket WHERE board_due IS NOT NULL ORDER BY board_due, id"
    ).fetchall()
    conn.close()
    assert [row[3] for row in plan] == ["SEARCH ticket USING COVERING INDEX ix_ticket_board (board_due>?)"]
    assert "terms_id" in BOARD_INDEX_COLUMNS and "negotiated_due" in BOARD_INDEX_COLUMNS


@pytest.mark.parametrize("terms", ['{"code": 1}', None])
def test_changed_terms_are_refused_not_used(cli, db_path, monkeypatch, terms):
    """Terms changed behind zldesk's back (its append-only trigger dropped) stop the command with a message:
    a ticket is never computed from terms nobody imported. `None`: the terms rewritten as valid JSON of
    another contract, which only their digest tells."""
    import zldesk.store.rows as rows

    assert cli("ticket", "new", "--severity", "2", "--title", "收费停了", "--at", "2026-11-24T02:10").exit_code == 0
    conn = sqlite3.connect(db_path)
    conn.execute("DROP TRIGGER contract_version_no_update")
    if terms is None:
        ((body,),) = conn.execute("SELECT terms FROM contract_version").fetchall()
        terms = body.replace('"amount":5', '"amount":50')
    conn.execute("UPDATE contract_version SET terms = ?", (terms,))
    conn.commit()
    conn.close()
    monkeypatch.setattr(rows, "_POLICIES", {})  # as a new process would: nothing read yet
    ran = cli("ticket", "show", "1")
    assert ran.exit_code == 5 and "合同条款的存档已损坏" in ran.stderr and "contract_version #1" in ran.stderr
    assert "Traceback" not in ran.stderr + ran.stdout
