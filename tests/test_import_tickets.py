"""`zldesk import tickets`: the vendor's register (CSV in UTF-8 or GB18030, xlsx) becomes tickets with their
whole history, search entries and hash chain, on a real store through the real CLI; a bad row refuses the
whole file by file, line and column and leaves the store as it was."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from zldesk.commands import state

from .conftest import store_checksum

NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
EN = "contract,severity,title,module,caller,phone,dept,received_at,acknowledged_at,arrived_at,resolved_at,closed_at,assignee,note"
ZH = "合同,级别,标题,模块,来电人,电话,科室,来电时间,响应时间,到场时间,解决时间,关闭时间,负责人,备注"
ROWS = [
    "leishan,2,收费处全部窗口无法收费,门急诊收费,王护士,13800000000,收费处,2025-11-25 02:10,2025-11-25 02:20,"
    "2025-11-25 03:00,2025-11-25 04:00,2025-11-26 09:00,张工,已更换交换机网线",
    "leishan,3,医保结算超时,,李医生,,内科,2025/3/1 8:30,,,,,,",
    "leishan,4,报表数据不对,mzsf,赵会计,,财务科,2025-03-02 09:00,2025-03-02 09:10,,,,李工,",
]


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(state, "now", lambda: NOW)


def _write(path: Path, header: str, rows: list[str], encoding: str = "utf-8-sig") -> Path:
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


def _show(cli, tid: int) -> dict:
    ran = cli("ticket", "show", str(tid), "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


def test_csv_becomes_tickets_with_history_search_and_chain(cli, tmp_path):
    """Three rows: a closed ticket (every event, an engineer, a note), a new one, an acknowledged one."""
    register = _write(tmp_path / "register.csv", EN, ROWS)
    ran = cli("import", "tickets", str(register), "--json")
    assert ran.exit_code == 0, ran.stderr
    summary = json.loads(ran.stdout)
    assert summary["tickets"] == 3 and summary["ids"] == [1, 3]
    assert summary["states"] == {"new": 1, "acknowledged": 1, "closed": 1}
    assert summary["levels"] == {"2": 1, "3": 1, "4": 1}
    first = _show(cli, 1)
    assert [e["kind"] for e in first["history"]] == ["create", "ack", "assign", "arrive", "resolve", "close", "note"]
    assert {e["who"] for e in first["history"]} == {f"{state_user()}（导入）"}
    assert first["received_at"].startswith("2025-11-25T02:10:00+08:00")
    assert _show(cli, 2)["received_at"].startswith("2025-03-01T08:30:00+08:00")  # 2025/3/1 8:30, the contract's zone
    verify = cli("audit", "verify")
    assert verify.exit_code == 0, verify.stdout
    found = json.loads(cli("ticket", "search", "交换机", "--json").stdout)  # the note is indexed
    assert [t["id"] for t in found] == [1]
    assert [t["id"] for t in json.loads(cli("ticket", "search", "医保", "--json").stdout)] == [2]


def state_user() -> str:
    from zldesk.commands.output import who

    return who()


def test_gb18030_with_chinese_headers_and_contract_option(cli, tmp_path):
    rows = [",".join(r.split(",")[1:]) for r in ROWS]  # no contract column: --contract gives it
    register = _write(tmp_path / "登记表.csv", ZH.split(",", 1)[1], rows, "gb18030")
    ran = cli("import", "tickets", str(register), "--contract", "leishan")
    assert ran.exit_code == 0, ran.stderr
    assert "已导入 3 张工单" in ran.stdout and "已关闭 1" in ran.stdout
    assert _show(cli, 1)["caller"] == "王护士"


def test_xlsx_with_date_cells(cli, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(ZH.split(","))
    sheet.append(
        [
            "leishan",
            2,
            "门诊药房发药机接口异常",
            "",
            "孙药师",
            13912345678,
            "门诊药房",
            datetime(2025, 6, 1, 22, 5),
            datetime(2025, 6, 1, 22, 15),
            None,
            datetime(2025, 6, 2, 1, 0),
            None,
            "",
            "",
        ]
    )
    book.save(tmp_path / "register.xlsx")
    ran = cli("import", "tickets", str(tmp_path / "register.xlsx"))
    assert ran.exit_code == 0, ran.stderr
    t = _show(cli, 1)
    assert (t["state"], t["phone"], t["received_at"][:25]) == ("resolved", "13912345678", "2025-06-01T22:05:00+08:00")
    assert cli("audit", "verify").exit_code == 0


def test_imported_ticket_shows_as_one_made_by_the_commands(cli, tmp_path):
    """The same call, its acknowledgement, engineer, arrival, resolution, closing and note: typed through
    `ticket new`, `ack`, `assign`... with the same times, or imported from one row — `ticket show --json`
    says the same (but the id and who did it)."""
    who = state_user() + "（导入）"
    steps = [
        (
            "new",
            "--contract",
            "leishan",
            "--severity",
            "2",
            "--title",
            "收费处全部窗口无法收费",
            "--module",
            "门急诊收费",
            "--caller",
            "王护士",
            "--phone",
            "13800000000",
            "--dept",
            "收费处",
            "--at",
            "2025-11-25 02:10",
        ),
        ("ack", "1", "--at", "2025-11-25 02:20"),
        ("assign", "1", "张工", "--at", "2025-11-25 02:20"),
        ("arrive", "1", "--at", "2025-11-25 03:00"),
        ("resolve", "1", "--at", "2025-11-25 04:00"),
        ("close", "1", "--at", "2025-11-26 09:00"),
        ("note", "1", "已更换交换机网线", "--at", "2025-11-26 09:00"),
    ]
    other = str(tmp_path / "typed.db")
    for step in steps:
        ran = cli("--db", other, "ticket", *step, "--as", "值班")
        assert ran.exit_code == 0, ran.stderr
    register = _write(tmp_path / "r.csv", EN, ROWS[:1])
    assert cli("import", "tickets", str(register)).exit_code == 0
    typed = json.loads(cli("--db", other, "ticket", "show", "1", "--json").stdout)
    imported = _show(cli, 1)
    # the register's row is that same ticket: imported into its store too, it is refused as already there
    again = cli("--db", other, "import", "tickets", str(register))
    assert again.exit_code == 2 and "已在库中：工单 #1" in again.stderr
    assert {e["who"] for e in imported["history"]} == {who}
    for t in (typed, imported):
        t.pop("id")
        for e in t["history"]:
            e.pop("who")
    assert imported == typed


BAD = [
    # (the row's cells changed, the column named, a word of the message)
    ({7: "2025-13-40 02:10"}, "received_at", "不是时间"),
    ({7: "1999-12-31 23:00"}, "received_at", "2000-01-01"),
    ({8: "2025-11-25 02:00"}, "acknowledged_at", "早于received_at"),
    ({10: "", 11: "2025-11-26 09:00", 9: ""}, "closed_at", "没有解决时间"),
    ({7: "2026-03-01 08:00", 8: "", 9: "", 10: "", 11: ""}, "received_at", "在未来"),
    ({3: "不存在的模块"}, "module", "没有这个模块"),
    ({1: "9"}, "severity", "没有这个级别"),
    ({1: "紧急"}, "severity", "级别数字"),
    ({2: ""}, "title", "标题为空"),
    ({2: "收费\x1b[31m失败"}, "title", "\\x1b"),
    ({0: "nosuch"}, "contract", "nosuch"),
]


@pytest.mark.parametrize("change,column,word", BAD, ids=[b[1] + ":" + b[2][:6] for b in BAD])
def test_a_bad_row_refuses_the_file_by_line_and_column(cli, db_path, tmp_path, change, column, word):
    cli("contracts")
    before = store_checksum(db_path)
    cells = ROWS[0].split(",")
    for i, value in change.items():
        cells[i] = value
    register = _write(tmp_path / "bad.csv", EN, [ROWS[1], ",".join(cells), ROWS[2]])
    ran = cli("import", "tickets", str(register))
    assert ran.exit_code == 2, ran.stdout
    assert f"{register}:3: {column}:" in ran.stderr and word in ran.stderr, ran.stderr
    assert store_checksum(db_path) == before


def test_file_problems_refused_and_nothing_written(cli, db_path, tmp_path):
    cli("contracts")
    before = store_checksum(db_path)
    cases = {
        "header": (EN + ",优先级", ROWS, "优先级: 未知的列"),
        "missing": (
            EN.replace("received_at", "x_at").replace(",x_at", ""),
            [r for r in ROWS],
            "received_at: 缺少这一列",
        ),
        "wide": (EN, [ROWS[0] + ",多余"], ":2: 这一行有 15 格"),
        "twice": (EN, [ROWS[0], ROWS[1], ROWS[0]], ":4: 与第 2 行是同一张工单"),
        "other contract": (EN, [ROWS[0]], ":2: contract: 写的是 leishan，但 --contract 是 other"),
    }
    for name, (header, rows, said) in cases.items():
        path = _write(tmp_path / f"{name}.csv", header, rows)
        extra = ("--contract", "other") if name == "other contract" else ()
        ran = cli("import", "tickets", str(path), *extra)
        assert ran.exit_code in (2, 3), (name, ran.stderr)
        if name != "other contract":
            assert said in ran.stderr, (name, ran.stderr)
        assert store_checksum(db_path) == before, name


def test_importing_the_same_register_again_is_refused(cli, db_path, tmp_path):
    register = _write(tmp_path / "register.csv", EN, ROWS)
    assert cli("import", "tickets", str(register)).exit_code == 0
    before = store_checksum(db_path)
    ran = cli("import", "tickets", str(register))
    assert ran.exit_code == 2
    assert f"{register}:2: 已在库中：工单 #1" in ran.stderr
    assert store_checksum(db_path) == before


def test_dry_run_writes_nothing_and_says_what_it_would_import(cli, db_path, tmp_path):
    cli("contracts")
    before = store_checksum(db_path)
    ran = cli("import", "tickets", str(_write(tmp_path / "r.csv", EN, ROWS)), "--dry-run")
    assert ran.exit_code == 0, ran.stderr
    assert "试运行，未写入。" in ran.stdout and "将导入 3 张工单" in ran.stdout
    assert store_checksum(db_path) == before


def test_dry_run_without_a_store_creates_none(cli, db_path, tmp_path):
    ran = cli("import", "tickets", str(_write(tmp_path / "r.csv", EN, ROWS)), "--dry-run", "--json")
    assert ran.exit_code == 0, ran.stderr
    assert json.loads(ran.stdout)["tickets"] == 3
    assert not db_path.exists()


def test_chain_digest_fast_path_gives_the_same_text():
    """audit._canonical skips the JSON round trip for values already plain: the digests are the ones the
    round trip gives (row_digest must never change)."""
    import hashlib

    from zldesk.store.audit import HASH_COLUMNS, row_digest

    def reference(table, values, prev):  # row_digest as it was written first
        def canonical(v):
            if isinstance(v, datetime):
                return v.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            if isinstance(v, (dict, list, tuple)):
                return json.loads(json.dumps(v))
            return v

        content = {k: canonical(v) for k, v in values.items() if k not in HASH_COLUMNS and v is not None}
        body = json.dumps([table, content], sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        return hashlib.sha256(f"{prev}\n{body}".encode()).hexdigest()

    samples = [
        {"id": 1, "at": datetime(2025, 1, 1, 0, 0, tzinfo=UTC), "data": {"a": [1, None, "x", True]}, "t": (1, 2)},
        {"id": 2, "at": datetime(2025, 6, 1, 8, 30, 5, 123, tzinfo=UTC), "data": {1: "int key"}, "f": 1.5},
        {"id": 3, "data": {"nested": {"k": [[1.25, "二"]]}}, "changes": {"state": ["new", "acknowledged"]}},
        {"id": 4, "at": datetime(999, 1, 1, tzinfo=UTC), "data": {}},
    ]
    for values in samples:
        assert row_digest("ticket_event", values, "p") == reference("ticket_event", values, "p")


@pytest.mark.parametrize(
    "test",
    [test_csv_becomes_tickets_with_history_search_and_chain, test_imported_ticket_shows_as_one_made_by_the_commands],
)
def test_on_postgresql(test, cli, tmp_path, pg_url):
    """The same imports on PostgreSQL (ZLDESK_DB set by pg_url, after db_path): the general history path
    (append_many, a Core insert, tsvector entries), audit verify and the typed-vs-imported comparison."""
    assert os.environ["ZLDESK_DB"].startswith("postgresql+psycopg://")
    test(cli, tmp_path)
