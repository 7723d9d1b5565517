"""The contract's obligations (issue 17): schedules in the contract file, the due-date rule at its edges,
`zldesk obligations`, `obligation done` (append-only, in the hash chain) with its evidence kept in the
store, `obligation evidence`, refusals that write nothing, tampering found by `audit verify`, and schema v13
on an upgraded store, SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

import zldesk.commands.obligations as obligation_commands
from zldesk.contract import Schedule, contract_from_dict, contract_to_dict, read_contract_file
from zldesk.obligations import DUE_SOON, OK, OVERDUE, UNKNOWN, add, obligations, timeline
from zldesk.store.schema import LATEST

from .conftest import LEISHAN, store_checksum

SH = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SH)


def with_period(start: str = "2026-01-31", end: str = "2027-01-30") -> str:
    text = LEISHAN.read_text(encoding="utf-8")
    return text.replace(
        'timezone = "Asia/Shanghai"\n', f'timezone = "Asia/Shanghai"\n\n[period]\nstart = {start}\nend = {end}\n', 1
    )


@pytest.fixture
def signed(cli, tmp_path, monkeypatch):
    """The bundled contract with a period (2026-01-31 to 2027-01-30), the commands' clock at 2026-12-01."""
    path = tmp_path / "leishan.toml"
    path.write_text(with_period(), encoding="utf-8")
    assert cli("import", "contract", str(path)).exit_code == 0
    monkeypatch.setattr(obligation_commands, "_now", lambda: at("2026-12-01T10:00"))
    return cli


def listed(cli, *args: str) -> dict:
    ran = cli("obligations", "--json", *args)
    assert ran.exit_code == 0, ran.stderr
    return {o["service"]: o for o in json.loads(ran.stdout)["obligations"]}


# ---- the contract file ---------------------------------------------------------------------------------


def test_the_bundled_contract_schedules_what_its_signed_text_states():
    services = {s.name: s for s in read_contract_file(LEISHAN).services}
    want = {
        "生产环境健康巡检服务": ("每半年一次", Schedule("6 months")),
        "生产环境部署与数据迁移服务": ("每年 1次", Schedule("1 year")),
        "软件升级服务": ("至少一年一次", Schedule("1 year")),
        "知识库分享": ("每月", Schedule("1 month")),
        "ZLHIS 产品常见问题处理共享服务": ("每周/季度", Schedule("1 week")),  # the shorter of the two
        "客户服务问题处理反馈": ("每年一次（12 月）", Schedule("1 year", 12)),
        "信息科人员能力提升服务": ("每年一人次", Schedule("1 year")),
    }
    assert {n: (s.frequency, s.schedule) for n, s in services.items() if s.schedule} == want
    assert services["电话回访、巡访服务"].schedule is None  # 不定期: nothing owed at set times


def _with_schedule(schedule) -> dict:
    data = contract_to_dict(read_contract_file(LEISHAN))
    data["services"][3]["schedule"] = schedule
    return data


@pytest.mark.parametrize(
    "schedule, path, says",
    [
        ({"every": "6 mouths"}, "services[3].schedule.every", "day、week、month、year"),
        ({"every": "0 months"}, "services[3].schedule.every", "数字 单位"),
        ({"every": "999 days"}, "services[3].schedule.every", "最多 120"),
        ({"every": 6}, "services[3].schedule.every", "应为文本"),
        ({}, "services[3].schedule.every", "缺少必填字段"),
        ({"every": "1 year", "month": 13}, "services[3].schedule.month", "1 到 12"),
        ({"every": "6 months", "month": 12}, "services[3].schedule.month", "只有按年"),
        ({"every": "1 year", "day": 3}, "services[3].schedule.day", "未知字段"),
        ("6 months", "services[3].schedule", "应为表"),
    ],
)
def test_a_bad_schedule_is_named_by_its_field(schedule, path, says):
    contract, errors, _ = contract_from_dict(_with_schedule(schedule))
    assert contract is None
    assert [e.path for e in errors] == [path] and says in errors[0].message, errors


def test_a_schedule_is_normalised_and_round_trips():
    contract, errors, _ = contract_from_dict(_with_schedule({"every": "1 months"}))
    assert errors == [] and contract.services[3].schedule == Schedule("1 month")
    again, _, _ = contract_from_dict(contract_to_dict(contract))
    assert again == contract


def test_a_bad_schedule_in_a_file_is_refused_and_writes_nothing(cli, db_path, tmp_path):
    assert cli("contracts").exit_code == 0
    before = store_checksum(db_path)
    path = tmp_path / "bad.toml"
    path.write_text(LEISHAN.read_text(encoding="utf-8").replace('"6 months"', '"half a year"'), encoding="utf-8")
    ran = cli("import", "contract", str(path))
    assert ran.exit_code != 0 and "services[2].schedule.every" in ran.stderr
    assert store_checksum(db_path) == before


# ---- the due-date rule ---------------------------------------------------------------------------------


def test_month_ends_and_leap_days():
    month, year = Schedule("1 month"), Schedule("1 year")
    assert add(date(2026, 1, 31), month) == date(2026, 2, 28)
    assert add(date(2028, 1, 31), month) == date(2028, 2, 29)
    assert add(date(2028, 2, 29), year) == date(2029, 2, 28)
    assert add(date(2026, 8, 31), Schedule("6 months")) == date(2027, 2, 28)
    assert add(date(9999, 6, 1), year) is None
    # from a month's end, each due date counts from the fulfilment, not from a clipped date before it
    assert timeline(month, date(2026, 1, 31), [date(2026, 2, 27)]) == [
        _due("2026-02-28", "2026-02-27"),
        _due("2026-03-27", None),
    ]


def _due(day: str, done: str | None):
    from zldesk.obligations import Due

    return Due(date.fromisoformat(day), None if done is None else date.fromisoformat(done))


def test_a_pinned_month_is_due_at_its_end():
    december = Schedule("1 year", 12)
    assert timeline(december, date(2026, 1, 1), []) == [_due("2026-12-31", None)]
    assert timeline(december, date(2026, 12, 31), []) == [_due("2026-12-31", None)]  # the start day itself
    assert timeline(december, date(2027, 1, 1), []) == [_due("2027-12-31", None)]
    # done on the day: next December; done twice in one year: still next December
    assert timeline(december, date(2026, 1, 1), [date(2026, 12, 31), date(2026, 12, 1)])[-1] == _due("2027-12-31", None)
    # late (January): it counts for the coming December; the past one stays unmet
    assert timeline(december, date(2026, 1, 1), [date(2027, 1, 5)]) == [
        _due("2026-12-31", None),
        _due("2027-12-31", "2027-01-05"),
        _due("2028-12-31", None),
    ]
    assert timeline(Schedule("1 year", 2), date(2027, 3, 1), [])[-1] == _due("2028-02-29", None)


@pytest.mark.parametrize(
    "today, state, days",
    [
        ("2026-07-31", DUE_SOON, 0),  # due today
        ("2026-08-01", OVERDUE, -1),
        ("2026-07-01", DUE_SOON, 30),
        ("2026-06-30", OK, 31),
    ],
)
def test_due_soon_and_overdue_at_their_edges(today, state, days):
    contract = contract_from_dict(contract_to_dict(read_contract_file(LEISHAN)) | {"period": _period()})[0]
    # 23:59 in Shanghai is the next day in UTC: the day is the contract's
    found = {o.service.name: o for o in obligations(contract, {}, at(f"{today}T23:59"))}
    inspection = found["生产环境健康巡检服务"]
    assert (inspection.next_due, inspection.state, inspection.days) == (date(2026, 7, 31), state, days)


def _period(start: str = "2026-01-31", end: str = "2027-01-30") -> dict:
    return {"start": date.fromisoformat(start), "end": date.fromisoformat(end)}


def test_contracts_out_of_their_period_owe_nothing_and_without_one_count_from_the_first_fulfilment():
    base = contract_to_dict(read_contract_file(LEISHAN))
    ended = contract_from_dict(base | {"period": _period("2024-01-01", "2024-12-31")})[0]
    assert obligations(ended, {}, at("2026-12-01T10:00")) == []
    unsigned = read_contract_file(LEISHAN)  # the bundled contract gives no period
    found = {o.service.name: o for o in obligations(unsigned, {}, at("2026-12-01T10:00"))}
    assert {o.state for o in found.values()} == {UNKNOWN} and found["知识库分享"].next_due is None
    done = {("信息通报服务", "知识库分享"): [(at("2026-10-15T09:00"), 1)]}
    shared = {o.service.name: o for o in obligations(unsigned, done, at("2026-12-01T10:00"))}["知识库分享"]
    assert (shared.next_due, shared.state, shared.last_id) == (date(2026, 11, 15), OVERDUE, 1)


# ---- the commands ----------------------------------------------------------------------------------------


def test_obligations_lists_due_dates_states_and_clauses(signed):
    found = listed(signed, "--at", "2026-12-01T10:00")
    inspection = found["生产环境健康巡检服务"]
    assert inspection == {
        "contract": "leishan",
        "customer": "雷山县人民医院",
        "no": 1,
        "category": "巡检服务",
        "service": "生产环境健康巡检服务",
        "frequency": "每半年一次",
        "schedule": {"every": "6 months"},
        "clause": "服务内容细则·巡检服务·生产环境健康巡检服务（每半年一次）",
        "last_done": None,
        "last_id": None,
        "next_due": "2026-07-31",
        "days": -123,
        "state": "overdue",
        "after_end": False,
    }
    assert (
        found["客户服务问题处理反馈"]["next_due"] == "2026-12-31"
        and found["客户服务问题处理反馈"]["state"] == "due_soon"
    )
    assert found["软件升级服务"]["after_end"] is True  # 2027-01-31, the day after the period ends
    text = signed("obligations", "--at", "2026-12-01T10:00").stdout
    assert "逾期" in text and "巡检服务/生产环境健康巡检服务" in text and "已逾期 123 天" in text
    # the order: by due date
    dues = [o["next_due"] for o in listed(signed, "--at", "2026-12-01T10:00").values()]
    assert dues == sorted(dues)


def test_a_fulfilment_moves_the_due_date_and_is_in_the_chain(signed, db_path):
    ran = signed(
        "obligation", "done", "xunjian", "--at", "2026-11-30T10:00", "--as", "张工", "--note", "巡检报告 2026-2"
    )
    assert ran.exit_code == 0, ran.stderr
    assert "已记录履约 #1 巡检服务/生产环境健康巡检服务 2026-11-30 10:00" in ran.stdout and "2027-05-30" in ran.stdout
    inspection = listed(signed, "--at", "2026-12-01T10:00")["生产环境健康巡检服务"]
    assert (inspection["last_done"], inspection["last_id"]) == ("2026-11-30T10:00:00+08:00", 1)
    assert (inspection["next_due"], inspection["state"]) == ("2027-05-30", "ok")
    assert signed("obligation", "done", "2").exit_code == 0  # by number: the second scheduled service, now
    chains = {c["table"]: c for c in json.loads(signed("audit", "verify", "--json").stdout)["chains"]}
    assert chains["obligation_event"]["rows"] == 2 and chains["obligation_event"]["broken"] is None
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT who, note, service FROM obligation_event WHERE id = 1").fetchone() == (
        "张工",
        "巡检报告 2026-2",
        "生产环境健康巡检服务",
    )
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE obligation_event SET note = '改过'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM obligation_event")
    conn.close()


@pytest.mark.parametrize(
    "args, code, says",
    [
        (("服务",), 2, "可以是：1 生产环境健康巡检服务、2 生产环境部署与数据迁移服务"),  # ambiguous: the candidates
        (("挖掘机",), 3, "定期服务有：1 生产环境健康巡检服务"),
        (("9",), 3, "共 7 项"),
        (("1", "--at", "2026-12-02T10:00"), 2, "--at 在将来"),
        (("1", "--at", "昨天"), 2, "--at"),
        (("1", "--note", "报告\x1b[2J"), 2, "--note"),
        (("1", "--as", "张\u202e工"), 2, "--as"),
        (("1", "--contract", "nope"), 3, "nope"),
    ],
)
def test_bad_input_is_refused_and_writes_nothing(signed, db_path, args, code, says):
    before = store_checksum(db_path)
    ran = signed("obligation", "done", *args)
    assert ran.exit_code == code and says in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr and store_checksum(db_path) == before


def test_evidence_round_trips_byte_for_byte(signed, db_path, tmp_path):
    blob = os.urandom(3 * 1024 * 1024 + 7) + b"\x00\r\n\x1b"  # binary, with what a text read would mangle
    pdf = tmp_path / "巡检报告.pdf"
    pdf.write_bytes(blob)
    digest = hashlib.sha256(blob).hexdigest()
    ran = signed("obligation", "done", "1", "--evidence", str(pdf))
    assert ran.exit_code == 0 and f"证据 #1 巡检报告.pdf {len(blob):,} 字节 sha256 {digest}" in ran.stdout
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT name, size, sha256, length(content) FROM obligation_evidence").fetchall() == [
        ("巡检报告.pdf", len(blob), digest, len(blob))
    ]
    assert conn.execute("SELECT evidence_id, evidence_size, evidence_sha256 FROM obligation_event").fetchall() == [
        (1, len(blob), digest)
    ]
    conn.close()
    out = tmp_path / "back" / "copy.pdf"
    out.parent.mkdir()
    ran = signed("obligation", "evidence", "1", "-o", str(out))
    assert ran.exit_code == 0 and digest in ran.stdout
    assert out.read_bytes() == blob and list(out.parent.iterdir()) == [out]  # no temporary file left


def test_evidence_refusals_write_nothing(signed, db_path, tmp_path, monkeypatch):
    from zldesk.store import obligations as store_obligations

    before = store_checksum(db_path)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"x" * 2049)
    monkeypatch.setattr(store_obligations, "MAX_EVIDENCE_BYTES", 2048)
    for args, says in [
        (("--evidence", str(big)), "证据文件太大"),
        (("--evidence", str(tmp_path)), "不是文件"),
        (("--evidence", str(tmp_path / "none.pdf")), "--evidence 读不了"),
    ]:
        ran = signed("obligation", "done", "1", *args)
        assert ran.exit_code == 2 and says in ran.stderr and str(tmp_path) in ran.stderr, ran.stderr
    assert store_checksum(db_path) == before


def test_evidence_is_never_written_over_the_store_nor_a_directory_and_is_checked(signed, db_path, tmp_path):
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-1.4 report")
    assert signed("obligation", "done", "1", "--evidence", str(pdf)).exit_code == 0
    before = store_checksum(db_path)
    ran = signed("obligation", "evidence", "1", "-o", str(db_path))
    assert ran.exit_code != 0 and "会覆盖数据库" in ran.stderr and store_checksum(db_path) == before
    ran = signed("obligation", "evidence", "1", "-o", str(tmp_path))
    assert ran.exit_code == 2 and "是一个目录" in ran.stderr
    assert signed("obligation", "evidence", "7", "-o", str(tmp_path / "x.pdf")).exit_code == 3
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("DROP TRIGGER obligation_evidence_no_update")
        conn.execute("UPDATE obligation_evidence SET content = X'00'")
    conn.close()
    ran = signed("obligation", "evidence", "1", "-o", str(tmp_path / "bad.pdf"))
    assert ran.exit_code == 5 and "证据文件已损坏" in ran.stderr and not (tmp_path / "bad.pdf").exists()
    ran = signed("audit", "verify")  # the chain holds (the fulfilment is untouched), the file does not
    assert ran.exit_code == 1 and "证据 #1：内容与记下的 sha256 对不上" in ran.stderr, ran.stderr


def test_a_tampered_fulfilment_is_named_by_audit_verify(signed, db_path):
    for service in ("1", "4", "4"):
        assert signed("obligation", "done", service).exit_code == 0
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("DROP TRIGGER obligation_event_no_update")
        conn.execute("UPDATE obligation_event SET done_at = '2026-06-30 02:00:00.000000' WHERE id = 2")
    conn.close()
    ran = signed("audit", "verify", "--json")
    assert ran.exit_code == 1
    [chain] = [c for c in json.loads(ran.stdout)["chains"] if c["broken"]]
    assert (chain["table"], chain["broken"]["id"], chain["broken"]["kind"]) == (
        "obligation_event",
        2,
        "content_changed",
    )
    text = signed("audit", "verify")
    assert "obligation_event #2 履约记录（信息通报服务/知识库分享" in text.stderr and "内容被改过" in text.stderr


# ---- schema v13 ------------------------------------------------------------------------------------------

V13_BACK = (
    "ALTER TABLE service DROP COLUMN schedule_every",
    "ALTER TABLE service DROP COLUMN schedule_month",
    "DROP TABLE obligation_event",
    "DROP TABLE obligation_evidence",
    "DELETE FROM chain_head WHERE name = 'obligation_event'",
    "UPDATE meta SET value = '12' WHERE key = 'schema_version'",
)


def unscheduled() -> str:
    """The contract as a zldesk before schedules took it: no `schedule` lines."""
    return "".join(line for line in with_period().splitlines(True) if not line.startswith("schedule = "))


def test_a_v12_store_upgrades_to_v13_and_verifies(cli, db_path, tmp_path, monkeypatch):
    old = tmp_path / "old.toml"
    old.write_text(unscheduled(), encoding="utf-8")
    assert cli("import", "contract", str(old)).exit_code == 0
    monkeypatch.setattr(obligation_commands, "_now", lambda: at("2026-12-01T10:00"))
    signed = cli
    conn = sqlite3.connect(db_path)
    with conn:
        for sql in V13_BACK:
            conn.execute(sql)
    conn.close()
    ran = signed("obligations", "--json", "--at", "2026-12-01T10:00")
    assert ran.exit_code == 0 and f"从第 12 版升级到第 {LATEST} 版" in ran.stderr, ran.stderr
    assert json.loads(ran.stdout)["obligations"] == []  # the services stored before have no schedule
    assert signed("audit", "verify").exit_code == 0
    path = tmp_path / "again.toml"
    path.write_text(with_period(), encoding="utf-8")
    assert signed("import", "contract", str(path)).exit_code == 0  # now with its schedules
    assert len(listed(signed, "--at", "2026-12-01T10:00")) == 7
    assert signed("obligation", "done", "1").exit_code == 0 and signed("audit", "verify").exit_code == 0


def test_obligations_and_the_upgrade_on_postgres(pg_url, tmp_path, monkeypatch):
    import psycopg

    from .test_postgres import ok, run

    old = tmp_path / "old.toml"
    old.write_text(unscheduled(), encoding="utf-8")
    ok("import", "contract", str(old))
    path = tmp_path / "leishan.toml"
    path.write_text(with_period(), encoding="utf-8")
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        for sql in V13_BACK:
            conn.execute(sql)
    assert json.loads(ok("obligations", "--json", "--at", "2026-12-01T10:00"))["obligations"] == []  # upgrades
    ok("import", "contract", str(path))
    monkeypatch.setattr(obligation_commands, "_now", lambda: at("2026-12-01T10:00"))
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"\x00report\xff")
    ok("obligation", "done", "xunjian", "--at", "2026-11-30T10:00", "--evidence", str(pdf))
    found = {
        o["service"]: o for o in json.loads(ok("obligations", "--json", "--at", "2026-12-01T10:00"))["obligations"]
    }
    assert found["生产环境健康巡检服务"]["next_due"] == "2027-05-30" and found["生产环境健康巡检服务"]["last_id"] == 1
    assert run("audit", "verify").exit_code == 0
    ok("obligation", "evidence", "1", "-o", str(tmp_path / "back.pdf"))
    assert (tmp_path / "back.pdf").read_bytes() == b"\x00report\xff"


# ---- the contract-text importer --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phrase, schedule",
    [
        ("每半年一次", {"every": "6 months"}),
        ("每年 1次", {"every": "1 year"}),
        ("每年一次", {"every": "1 year"}),
        ("至少一年一次", {"every": "1 year"}),
        ("每年一人次", {"every": "1 year"}),
        ("每年一次（12 月）", {"every": "1 year", "month": 12}),
        ("每月", {"every": "1 month"}),
        ("每周/季度", {"every": "1 week"}),  # the shorter of the two
        ("每季度/周", {"every": "1 week"}),
        ("每季度", {"every": "3 months"}),
        ("不定期", False),  # nothing owed at set times, and nothing to report
        ("每年两次", None),
        ("每年一次（13 月）", None),
        ("每月一次（12 月）", None),
    ],
)
def test_each_template_phrase_gives_its_schedule(phrase, schedule):
    from zldesk.importers.contract_text.services import schedule_of

    assert schedule_of(phrase) == schedule


def test_the_seed_text_gives_the_schedules_and_an_unreadable_phrase_is_reported(cli, db_path, tmp_path):
    from zldesk.importers.contract_text import parse_text

    from .test_contract_text import SEED

    text = SEED.read_text(encoding="utf-8")
    seeded = parse_text(text, "contract.txt", "leishan").accept()
    assert {s.name: s.schedule for s in seeded.services} == {
        s.name: s.schedule for s in read_contract_file(LEISHAN).services
    }
    assert text.count("每半年\n\n一次") == 1  # broken across lines by the PDF's extraction
    changed = tmp_path / "leishan.txt"
    changed.write_text(text.replace("每半年\n\n一次", "每半年\n\n两次"), encoding="utf-8")
    ran = cli("import", "contract", str(changed), "--dry-run")
    assert ran.exit_code == 0, ran.stderr
    assert "服务“生产环境健康巡检服务”的频次读不出周期" in ran.stdout and "每半年两次" in ran.stdout
    assert "周期 every 1 year（12 月）" in ran.stdout  # the ones read are shown


# ---- the service report ------------------------------------------------------------------------------


def test_the_report_lists_obligations_due_done_and_overdue_in_the_period(signed, monkeypatch):
    import zldesk.commands.report as report_commands

    monkeypatch.setattr(report_commands, "_now", lambda: at("2026-12-01T10:00"))
    # 知识库分享 (every month from 2026-01-31): due 02-28; met 02-20 (on time), then due 03-20, met 04-02 (late),
    # then due 05-02, never met: overdue
    for when in ("2026-02-20T09:00", "2026-04-02T09:00"):
        assert signed("obligation", "done", "知识库", "--at", when).exit_code == 0
    ran = signed("report", "--contract", "leishan", "--from", "2026-02-01", "--to", "2026-05-31", "--format", "json")
    assert ran.exit_code == 0, ran.stderr
    data = json.loads(ran.stdout)
    shared = [(r["due"], r["done"], r["outcome"]) for r in data["obligations"] if r["service"] == "知识库分享"]
    assert shared == [
        ("2026-02-28", "2026-02-20", "on_time"),
        ("2026-03-20", "2026-04-02", "late"),
        ("2026-05-02", None, "overdue"),
    ]
    weekly = [r for r in data["obligations"] if r["service"] == "ZLHIS 产品常见问题处理共享服务"]
    assert [(r["due"], r["outcome"]) for r in weekly] == [("2026-02-07", "overdue")]  # not met: one overdue, not 17
    assert data["obligation_counts"] == {"due": 4, "done": 2, "overdue": 2}
    md = signed("report", "--contract", "leishan", "--from", "2026-02-01", "--to", "2026-05-31", "--format", "md")
    assert (
        "## 合同约定的定期服务" in md.stdout
        and "| 信息通报服务 | 知识库分享 | 每月 | 2026-03-20 | 2026-04-02 | 迟了 |" in md.stdout
    )


# ---- the console: the board's header and the `p` screen, 80x24 ---------------------------------------------

MOMENT = datetime(2026, 12, 1, 10, 0, tzinfo=SH)


def _app(db_path):
    from zldesk.app import make_app

    return make_app(f"sqlite:///{db_path}", clock=lambda: MOMENT)


async def _header(pilot) -> str:
    from textual.widgets import Static

    from .conftest import until

    now = lambda: str(pilot.app.get_screen("board").query_one("#now", Static).render())  # noqa: E731
    await until(pilot, lambda: "履约逾期" in now(), what="the overdue count")
    return now()


async def _obligations(pilot):
    from textual.widgets import DataTable

    from .conftest import until

    await pilot.press("p")
    await until(pilot, lambda: pilot.app.screen.SCREEN_KEY == "obligations")
    await until(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 7, what="the obligations read")


async def test_the_header_counts_overdue_obligations_and_p_records_one(signed, db_path):
    from rich.cells import cell_len

    from .conftest import say_who, until

    app = _app(db_path)
    async with app.run_test(size=(80, 24)) as pilot:
        header = await _header(pilot)
        assert "履约逾期 3" in header and cell_len(header) <= 78  # 巡检, 知识库, the weekly bulletin
        await _obligations(pilot)
        screen = app.screen
        first = screen.rows[0]
        assert (first.service.name, first.state) == ("ZLHIS 产品常见问题处理共享服务", "overdue")  # the soonest due
        assert [o.next_due for o in screen.rows] == sorted(o.next_due for o in screen.rows)
        await pilot.press("d")
        await until(pilot, lambda: type(app.screen).__name__ == "PromptScreen", what="the note form")
        from textual.widgets import Input

        app.screen.query_one(Input).value = "周报第48期"
        await pilot.press("enter")
        await say_who(pilot)  # the first write asks who is at the keyboard
        weekly = lambda: next(o for o in screen.rows if o.no == first.no)  # noqa: E731
        await until(pilot, lambda: app.screen is screen and weekly().state == "due_soon", what="the new due date")
        assert str(weekly().next_due) == "2026-12-08" and weekly().last_id == 1
        await pilot.press("escape")
        await until(pilot, lambda: app.screen.SCREEN_KEY == "board")
        from textual.widgets import Static

        board = app.get_screen("board")
        await until(pilot, lambda: "履约逾期 2" in str(board.query_one("#now", Static).render()), what="2 left")
    conn = sqlite3.connect(db_path)
    assert conn.execute("SELECT service, who, note FROM obligation_event").fetchall() == [
        ("ZLHIS 产品常见问题处理共享服务", "值班工程师", "周报第48期")
    ]
    conn.close()


def test_obligations_screen_snapshot(signed, db_path, snap_compare):
    """At 80x24: the board's `p` screen - 合同约定的定期服务 by due date: three 逾期 in red (the weekly
    bulletin due 2026-02-07, 知识库分享 02-28, the inspection 07-31), 将到期 the December review due
    2026-12-31, three 正常 due 2027-01-31, each row's hospital as the board names it (雷山); the clause of
    the first under the table, and the footer with d 记一次履约."""
    assert snap_compare(_app(db_path), terminal_size=(80, 24), run_before=_obligations)


def test_the_readme_documents_the_json_keys():
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for key in ("`obligations[]`", "`obligation_counts`", "`next_due`", "`after_end`", "`last_id`", "`clause`"):
        assert key in readme, key


def test_a_fulfilment_of_an_ended_contract_is_recorded_and_owes_nothing_more(cli, tmp_path, monkeypatch):
    path = tmp_path / "old.toml"
    path.write_text(with_period("2025-01-01", "2025-12-31"), encoding="utf-8")
    assert cli("import", "contract", str(path)).exit_code == 0
    monkeypatch.setattr(obligation_commands, "_now", lambda: at("2026-12-01T10:00"))
    ran = cli("obligation", "done", "1", "--at", "2025-12-20T10:00")
    assert ran.exit_code == 0 and "合同不在服务期内，不再到期" in ran.stdout, ran.stderr
    assert listed(cli, "--at", "2026-12-01T10:00") == {}
