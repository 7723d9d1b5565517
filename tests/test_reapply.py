"""A contract re-import and the open tickets: they keep the terms they were opened under; the import and its
dry run list the ones whose deadline the new terms would change; `--reapply-open` moves them, a history row
each with the deadline before and after; a level or module they use that the new terms drop must be mapped
(`--map-level 4=3`, `--map-module 21=22`), otherwise nothing is imported."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from .conftest import LEISHAN, store_checksum

LEVEL_4 = re.compile(r"\n\[\[severities\]\]\nlevel = 4\n.*?(?=\n\[\[)", re.S)


def contract_without_level_4(tmp_path, *, faster_level_2: bool = False):
    text = LEISHAN.read_text(encoding="utf-8")
    text, n = LEVEL_4.subn("", text)
    assert n == 1
    if faster_level_2:
        text = text.replace(
            'target = { amount = 5, unit = "hours", window = "onsite" }',
            'target = { amount = 4, unit = "hours", window = "onsite" }',
        )
    path = tmp_path / "leishan.toml"
    path.write_text(text, encoding="utf-8")
    return path


def contract_with_level_2_in(tmp_path, hours: int, name: str = "faster.toml"):
    text = LEISHAN.read_text(encoding="utf-8").replace(
        'target = { amount = 5, unit = "hours", window = "onsite" }',
        f'target = {{ amount = {hours}, unit = "hours", window = "onsite" }}',
    )
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tickets(cli):
    """A level-2 ticket (a 7x12 window: its deadline moves with the target), a level-4 one, a resolved one."""
    for args in (
        ("--severity", "2", "--title", "收费处全部窗口无法收费", "--at", "2026-11-24T02:10"),
        ("--severity", "4", "--title", "新增两台工作站", "--module", "2", "--at", "2026-11-24T10:00"),
        ("--severity", "2", "--title", "已经解决的", "--at", "2026-11-24T08:00"),
    ):
        assert cli("ticket", "new", *args).exit_code == 0
    assert cli("ticket", "resolve", "3", "--at", "2026-11-24T09:30").exit_code == 0


def show(cli, tid: int) -> dict:
    return json.loads(cli("ticket", "show", str(tid), "--json").stdout)


def test_open_tickets_keep_their_terms_and_the_import_says_which(cli, db_path, tmp_path, tickets):
    before = show(cli, 1)["due"]
    ran = cli("import", "contract", str(contract_with_level_2_in(tmp_path, 4)))
    assert ran.exit_code == 0, ran.stderr
    assert "1 张未结工单仍按登记时的条款计时" in ran.stdout
    assert "#1 2 级 收费处全部窗口无法收费：到期 11-24 14:00 → 11-24 13:00" in ran.stdout
    assert "#3" not in ran.stdout and "#2" not in ran.stdout  # resolved; level 4 unchanged
    assert show(cli, 1)["due"] == before  # the terms it was opened under


def test_the_dry_run_lists_the_same_and_writes_nothing(cli, db_path, tmp_path, tickets):
    path = contract_with_level_2_in(tmp_path, 4)
    checksum = store_checksum(db_path)
    dry = cli("import", "contract", str(path), "--dry-run", "--reapply-open")
    assert dry.exit_code == 0, dry.stderr
    assert "将改用新条款的未结工单 1 张" in dry.stdout and "#1 2 级" in dry.stdout
    assert store_checksum(db_path) == checksum
    real = cli("import", "contract", str(path), "--reapply-open")
    assert real.exit_code == 0, real.stderr
    assert "已改用新条款的未结工单 1 张" in real.stdout
    assert [x for x in dry.stdout.splitlines() if "#1" in x] == [x for x in real.stdout.splitlines() if "#1" in x]


def test_reapply_moves_them_with_a_history_row(cli, tmp_path, tickets):
    ran = cli("import", "contract", str(contract_with_level_2_in(tmp_path, 4)), "--reapply-open")
    assert ran.exit_code == 0, ran.stderr
    ticket = show(cli, 1)
    assert ticket["due"] == "2026-11-24T13:00:00+08:00" and ticket["clock"]["due"] == ticket["due"]
    last = ticket["history"][-1]
    assert last["kind"] == "reapply" and last["data"]["from_version"] == 1 and last["data"]["to_version"] == 2
    text = cli("ticket", "show", "1").stdout
    assert "改用新条款 按合同第 2 版条款计（原第 1 版）：到期 11-24 14:00 → 11-24 13:00" in text
    # A later change is computed under the new terms too; the board key agrees with `ticket show`.
    assert cli("ticket", "note", "1", "已到现场排查").exit_code == 0
    assert show(cli, 1)["due"] == "2026-11-24T13:00:00+08:00"
    import zldesk.commands.tickets as ticket_commands

    at = datetime.now(UTC)  # both read at one instant: a running clock ticks between two reads
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ticket_commands, "_now", lambda: at)
        listed = {t["id"]: t for t in json.loads(cli("ticket", "list", "--open", "--json").stdout)}
        assert listed[1]["clock"] == show(cli, 1)["clock"]
    # Nothing to move twice.
    again = cli("import", "contract", str(contract_with_level_2_in(tmp_path, 4)), "--reapply-open")
    assert again.exit_code == 0 and "改用新条款的未结工单" not in again.stdout


def test_a_dropped_level_must_be_mapped(cli, db_path, tmp_path, tickets):
    path = contract_without_level_4(tmp_path)
    checksum = store_checksum(db_path)
    refused = cli("import", "contract", str(path), "--reapply-open")
    assert refused.exit_code == 2
    assert "未导入：1 张未结工单用到新条款删掉的级别或模块" in refused.stderr
    assert "#2 4 级 新增两台工作站：新条款没有 4 级（--map-level 4=新级别）" in refused.stderr
    assert store_checksum(db_path) == checksum  # not even the contract
    dry = cli("import", "contract", str(path), "--reapply-open", "--map-level", "4=3", "--dry-run")
    assert dry.exit_code == 0 and "#2 4 级 新增两台工作站" in dry.stdout and "级别 4 → 3" in dry.stdout
    assert store_checksum(db_path) == checksum
    moved = cli("import", "contract", str(path), "--reapply-open", "--map-level", "4=3")
    assert moved.exit_code == 0, moved.stderr
    ticket = show(cli, 2)
    assert ticket["severity"] == 3 and ticket["history"][-1]["data"]["levels"] == {"4": 3}
    assert ticket["clock"]["state"] in ("running", "waiting")


def test_without_reapply_a_dropped_level_is_no_obstacle(cli, tmp_path, tickets):
    """The ticket keeps its level 4 under its old terms; every command still works for it."""
    ran = cli("import", "contract", str(contract_without_level_4(tmp_path)))
    assert ran.exit_code == 0, ran.stderr
    assert "#2 4 级 新增两台工作站：新条款没有 4 级" in ran.stdout
    assert cli("ticket", "list").exit_code == 0
    assert show(cli, 2)["severity"] == 4
    assert cli("ticket", "ack", "2").exit_code == 0  # still computed under the terms it was opened under


@pytest.mark.parametrize(
    "args, words",
    [
        (["--map-level", "4=3"], "只和 --reapply-open 一起用"),
        (["--reapply-open", "--map-level", "4-3"], "--map-level 应写作 旧=新"),
        (["--reapply-open", "--map-level", "2=1"], "新条款里仍有 2 级"),
        (["--reapply-open", "--map-level", "4=9"], "新条款里没有 9 级"),
        (["--reapply-open", "--map-level", "4=3", "--map-module", "2=3"], "模块表仍有第 2 行"),
    ],
)
def test_maps_are_checked(cli, db_path, tmp_path, tickets, args, words):
    checksum = store_checksum(db_path)
    ran = cli("import", "contract", str(contract_without_level_4(tmp_path)), *args)
    assert ran.exit_code == 2 and words in ran.stderr, ran.stderr
    assert store_checksum(db_path) == checksum


def test_a_dropped_module_must_be_mapped(cli, db_path, tmp_path, tickets):
    text = LEISHAN.read_text(encoding="utf-8")
    text, n = re.subn(r"\n\[\[modules\]\]\nno = 2\n.*?(?=\n\[\[)", "", text, flags=re.S)
    assert n == 1
    path = tmp_path / "no-module-2.toml"
    path.write_text(text, encoding="utf-8")
    refused = cli("import", "contract", str(path), "--reapply-open")
    assert refused.exit_code == 2 and "新条款的模块表没有第 2 行（--map-module 2=新编号）" in refused.stderr
    moved = cli("import", "contract", str(path), "--reapply-open", "--map-module", "2=1")
    assert moved.exit_code == 0, moved.stderr
    ticket = show(cli, 2)
    assert ticket["module_no"] == 1 and ticket["module"] == "门急诊挂号系统"
    assert "模块 第 2 行 → 第 1 行" in moved.stdout


def test_the_history_replays_to_the_moved_ticket(cli, db_path, tmp_path, tickets):
    """The reapply row is part of the history like any other: folded through the lifecycle it gives the
    stored ticket, its new terms and relabelled level included, and the stored deadline under those terms."""
    from zldesk.store import open_store

    from .test_tickets import replayed_equals_state

    path = contract_without_level_4(tmp_path, faster_level_2=True)
    assert cli("import", "contract", str(path), "--reapply-open", "--map-level", "4=3").exit_code == 0
    engine = open_store(f"sqlite:///{db_path}")
    for tid in (1, 2, 3):
        replayed_equals_state(engine, tid)
    engine.dispose()


def test_audit_verify_holds_the_moved_and_the_kept_tickets_to_their_terms(cli, db_path, tmp_path, tickets):
    """After a re-import that moves one ticket and leaves one on the old terms, `audit verify` replays each
    to its row and its terms (the reapply's, or the ones it was opened under) and finds all intact; a
    ticket's terms changed in its row, with no history saying so, is named."""
    import sqlite3

    kept = cli("import", "contract", str(contract_with_level_2_in(tmp_path, 4, "kept.toml")))
    assert kept.exit_code == 0, kept.stderr
    path = contract_without_level_4(tmp_path, faster_level_2=True)
    assert cli("import", "contract", str(path), "--reapply-open", "--map-level", "4=3").exit_code == 0
    ran = cli("audit", "verify")
    assert ran.exit_code == 0, ran.stdout + ran.stderr
    with sqlite3.connect(db_path) as conn:
        terms = dict(conn.execute("SELECT id, terms_id FROM ticket WHERE id IN (1, 3)").fetchall())
        assert terms[1] != terms[3]  # the open one moved, the resolved one kept its first terms
        conn.execute("UPDATE ticket SET terms_id = ? WHERE id = 3", (terms[1],))
    forged = cli("audit", "verify")
    assert forged.exit_code != 0 and "#3" in forged.stdout + forged.stderr, forged.stdout


def test_a_module_list_import_lists_the_tickets_it_leaves_on_the_old_list(cli, db_path, tmp_path, tickets):
    """A new module list is new terms too: the ticket on row 2 keeps its row, and the import says so."""
    csv = tmp_path / "modules.csv"
    csv.write_text("no,name,selected\n1,门急诊挂号系统,是\n3,门诊中西药房管理系统,是\n", encoding="utf-8")
    dry = cli("import", "modules", str(csv), "--contract", "leishan", "--dry-run")
    real = cli("import", "modules", str(csv), "--contract", "leishan")
    assert real.exit_code == 0, real.stderr
    for ran in (dry, real):
        assert "#2 4 级 新增两台工作站：新条款的模块表没有第 2 行" in ran.stdout
    assert show(cli, 2)["module_no"] == 2


def test_a_ticket_with_a_far_date_is_named_not_a_traceback(cli, db_path, tmp_path, tickets):
    """A ticket stored with a negotiated deadline in 9999 (before dates were bounded) cannot be computed
    under any terms: the import lists it as such, and --reapply-open refuses naming it."""
    from sqlalchemy import update

    from zldesk.store import open_store, writing
    from zldesk.store.models import TicketRow

    from .test_far_tickets import utc

    engine = open_store(f"sqlite:///{db_path}")
    with writing(engine) as session:
        session.connection().execute(
            update(TicketRow.__table__)
            .where(TicketRow.__table__.c.id == 2)
            .values(negotiated_due=utc(9999, 12, 31, 15, 59), negotiated_with="李主任")
        )
    engine.dispose()
    path = contract_with_level_2_in(tmp_path, 4)
    ran = cli("import", "contract", str(path))
    assert ran.exit_code == 0, ran.stderr
    assert "#2 4 级 新增两台工作站：时间超出可计算的年份" in ran.stdout
    refused = cli("import", "contract", str(contract_with_level_2_in(tmp_path, 3, "slower.toml")), "--reapply-open")
    assert refused.exit_code == 2 and "#2 4 级 新增两台工作站：时间超出可计算的年份" in refused.stderr
    assert "Traceback" not in ran.stderr + refused.stderr
