"""Inputs have limits, and each is refused with a message naming the file and the limit before memory is
spent on more: file size (a huge file, /dev/zero, an endless pipe), nesting depth, rows per table,
integers, ticket numbers. Every refusal: exit 2 (a missing ticket: 1, as any), no traceback, the store
unchanged."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

from zldesk.contract import MAX_DEPTH, MAX_FILE_BYTES, MAX_PDF_BYTES, MAX_PDF_PAGES, MAX_ROWS, parse_bounded
from zldesk.data import data_dir
from zldesk.errors import InvalidInput

from .conftest import LEISHAN, store_checksum

ROSTER = data_dir() / "roster" / "demo.toml"

# Every command that reads a file the user names, with the suffix it reads by and its size limit.
READERS = {
    "contract toml": (("import", "contract"), ".toml", MAX_FILE_BYTES),
    "contract json": (("import", "contract"), ".json", MAX_FILE_BYTES),
    "contract text": (("import", "contract", "--code", "x"), ".txt", MAX_FILE_BYTES),
    "contract pdf": (("import", "contract", "--code", "x"), ".pdf", MAX_PDF_BYTES),
    "modules csv": (("import", "modules", "--contract", "leishan"), ".csv", MAX_FILE_BYTES),
    "roster toml": (("roster", "import"), ".toml", MAX_FILE_BYTES),
    "roster csv": (("roster", "import"), ".csv", MAX_FILE_BYTES),
}


@pytest.fixture
def store(cli, db_path):
    assert cli("ticket", "new", "--severity", "2", "--title", "收费处无法收费").exit_code == 0
    assert cli("roster", "import", str(ROSTER)).exit_code == 0
    return db_path


def refused(ran, *words: str, code: int = 2) -> None:
    assert ran.exit_code == code, (ran.exit_code, ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr and all(w in ran.stderr for w in words), ran.stderr


def _mib(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB"


def _endless_fifo(path: Path) -> threading.Thread:
    """A FIFO a writer fills for as long as anyone reads: it stops when the reader closes (EPIPE)."""
    os.mkfifo(path)

    def write() -> None:
        try:
            with open(path, "wb") as f:  # waits for the reader
                while True:
                    f.write(b"a" * 65536)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return writer


@pytest.mark.parametrize("reader", READERS)
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(cli, store, tmp_path, reader):
    args, suffix, limit = READERS[reader]
    before = store_checksum(store)
    big = tmp_path / f"big{suffix}"
    with open(big, "wb") as f:
        f.truncate(limit + 1)  # sparse: nothing of it is written, nor read
    refused(cli(*args, str(big)), str(big), f"超过上限 {_mib(limit)}", f"{limit + 1:,} 字节")
    zero = cli(*args, "/dev/zero", *(() if suffix in (".toml", ".csv") else ("--format", suffix[1:])))
    refused(zero, "/dev/zero", "不是普通文件")
    fifo = tmp_path / f"fifo{suffix}"
    writer = _endless_fifo(fifo)
    refused(cli(*args, str(fifo)), str(fifo), f"超过上限 {_mib(limit)}", "读到第")
    writer.join(timeout=60)
    assert not writer.is_alive()
    refused(cli(*args, str(tmp_path)), str(tmp_path), "是目录")
    assert store_checksum(store) == before


def test_a_fifo_nobody_writes_to_does_not_hang(cli, store, tmp_path):
    fifo = tmp_path / "quiet.toml"
    os.mkfifo(fifo)
    before = store_checksum(store)
    refused(cli("import", "contract", str(fifo)), str(fifo), "缺少必填字段")  # read as the empty file it is
    assert store_checksum(store) == before


def test_a_contract_from_a_pipe_within_the_limit_is_read(cli, db_path, tmp_path):
    fifo = tmp_path / "piped.toml"
    os.mkfifo(fifo)
    text = LEISHAN.read_bytes().replace(b'code = "leishan"', b'code = "piped"')

    def write() -> None:
        with open(fifo, "wb") as f:
            f.write(text)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    ran = cli("import", "contract", str(fifo))
    writer.join(timeout=60)
    assert ran.exit_code == 0 and "piped" in ran.stdout, ran.stderr


DEEP = 100_000
NESTED = {
    "toml arrays": ("toml", "a = " + "[" * DEEP),
    "toml inline tables": ("toml", "a = " + "{b = " * DEEP),
    "toml dotted keys": ("toml", "a" + ".a" * 50_000 + " = 1\n"),
    "toml table header": ("toml", "[" + ".".join(["t"] * 50_000) + "]\n"),
    "json arrays": ("json", "[" * DEEP),
    "json objects": ("json", '{"a": ' * DEEP),
}


@pytest.mark.parametrize("case", NESTED)
def test_deep_nesting_is_refused_naming_the_limit(cli, store, tmp_path, case):
    fmt, text = NESTED[case]
    before = store_checksum(store)
    for args, name in ((("import", "contract"), f"deep.{fmt}"), (("roster", "import"), "deep.toml")):
        if fmt == "json" and args[0] == "roster":
            continue
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        refused(cli(*args, str(path)), str(path), f"嵌套超过上限 {MAX_DEPTH} 层")
    assert store_checksum(store) == before


def test_the_depth_limit_is_the_one_said():
    def nest(lists: int) -> str:
        return "[" * lists + "1" + "]" * lists

    assert parse_bounded(json.loads, f'{{"a": {nest(MAX_DEPTH - 1)}}}', "f.json")  # the table is one level
    with pytest.raises(InvalidInput, match=f"嵌套超过上限 {MAX_DEPTH} 层"):
        parse_bounded(json.loads, f'{{"a": {nest(MAX_DEPTH)}}}', "f.json")


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_an_integer_past_pythons_digit_limit_is_an_input_error(cli, store, tmp_path, fmt):
    before = store_checksum(store)
    path = tmp_path / f"long.{fmt}"
    digits = "1" * 5000
    path.write_text(f"code = {digits}\n" if fmt == "toml" else f'{{"code": {digits}}}', encoding="utf-8")
    refused(cli("import", "contract", str(path)), str(path), "数字太长：整数最多 4300 位")
    roster = tmp_path / "long.toml"
    roster.write_text(f"[[engineers]]\nname = {digits}\n", encoding="utf-8")
    refused(cli("roster", "import", str(roster)), str(roster), "数字太长")
    assert store_checksum(store) == before


def _contract_with(table: str, count: int) -> dict:
    data = json.loads(json.dumps(_leishan_dict()))
    data["code"] = "many"
    first = data[table][0]
    rows = []
    for i in range(count):
        row = dict(first)
        if table == "modules":  # the fewest bytes a row can have: 50,001 of them must fit in 2 MiB
            row = {"no": i + 1, "name": "m", "selected": True}
        elif "name" in row and table != "services":
            row["name"] = f"{first['name']}{i}"
        rows.append(row)
    data[table] = rows
    return data


def _leishan_dict() -> dict:
    from zldesk.contract import contract_to_dict, read_contract_file

    return json.loads(json.dumps(contract_to_dict(read_contract_file(LEISHAN)), default=str))


@pytest.mark.parametrize("table", ["windows", "severities", "services", "modules", "contacts"])
def test_a_contract_table_over_its_row_limit_is_refused(cli, store, tmp_path, table):
    before = store_checksum(store)
    limit = MAX_ROWS[table]
    path = tmp_path / "many.json"
    path.write_text(
        json.dumps(_contract_with(table, limit + 1), ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
    refused(cli("import", "contract", str(path)), f"{path}: {table}: 最多 {limit:,} 行，这里有 {limit + 1:,} 行")
    assert store_checksum(store) == before


def test_a_contract_of_100000_modules_is_refused_and_2000_are_taken(cli, store, tmp_path):
    before = store_checksum(store)
    base = LEISHAN.read_text(encoding="utf-8")
    head, tail = base[: base.index("[[modules]]")], base[base.index("[[contacts]]") :]
    rows = "".join(f'[[modules]]\nno = {i}\nname = "模块{i}"\nselected = true\n\n' for i in range(1, 100_001))
    path = tmp_path / "many.toml"
    path.write_text(head.replace('code = "leishan"', 'code = "many"') + rows + tail, encoding="utf-8")
    refused(cli("import", "contract", str(path)), str(path), "超过上限 2 MiB")
    small = tmp_path / "many.json"  # rows that fit the size: the row limit refuses them
    data = _contract_with("modules", 1)
    data["modules"] = [{}] * 100_000
    small.write_text(json.dumps(data), encoding="utf-8")
    refused(cli("import", "contract", str(small)), f"modules: 最多 {MAX_ROWS['modules']:,} 行，这里有 100,000 行")
    assert store_checksum(store) == before
    data["modules"] = [{"no": i, "name": f"模块{i}", "selected": True} for i in range(1, 2001)]
    small.write_text(json.dumps(data), encoding="utf-8")
    ran = cli("import", "contract", str(small))
    assert ran.exit_code == 0 and "2000 个模块" in ran.stdout, ran.stderr


def test_a_module_list_over_its_row_limit_is_refused(cli, store, tmp_path):
    before = store_checksum(store)
    limit = MAX_ROWS["modules"]
    path = tmp_path / "modules.csv"
    rows = "".join(f"{i},模块{i},是\n" for i in range(1, limit + 2))
    path.write_text("no,name,selected\n" + rows, encoding="utf-8")
    refused(
        cli("import", "modules", str(path), "--contract", "leishan"), f"{path}:{limit + 2}: 模块表最多 {limit:,} 行"
    )
    assert store_checksum(store) == before
    # blank lines are skipped, not counted
    path.write_text("no,name,selected\n" + "\n" * (3 * limit) + "1,门诊挂号,是\n", encoding="utf-8")
    assert cli("import", "modules", str(path), "--contract", "leishan").exit_code == 0


def test_a_roster_over_its_row_limit_is_refused(cli, store, tmp_path):
    before = store_checksum(store)
    limit = MAX_ROWS["shifts"]
    rows = [f"hotline,王芳,2026-01-01 {h % 24:02d}:00,2026-01-01 {h % 24:02d}:30" for h in range(limit + 1)]
    csv = tmp_path / "shifts.csv"
    csv.write_text("line,engineer,start,end\n" + "\n".join(rows) + "\n", encoding="utf-8")
    refused(cli("roster", "import", str(csv)), f"{csv}:{limit + 2}: 值班表最多 5,000 行")
    toml = tmp_path / "engineers.toml"
    toml.write_text("".join(f'[[engineers]]\nname = "工程师{i}"\n' for i in range(MAX_ROWS["engineers"] + 1)))
    refused(cli("roster", "import", str(toml)), f"engineers: 最多 {MAX_ROWS['engineers']} 行")
    assert store_checksum(store) == before


def test_a_pdf_over_its_page_limit_is_refused(cli, store, tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(MAX_PDF_PAGES + 1):
        writer.add_blank_page(width=72, height=72)
    path = tmp_path / "合同.pdf"
    with open(path, "wb") as f:
        writer.write(f)
    before = store_checksum(store)
    refused(cli("import", "contract", str(path), "--code", "x"), str(path), f"超过上限 {MAX_PDF_PAGES} 页")
    assert store_checksum(store) == before


# ---- numbers typed on the command line -----------------------------------------------------------------

ID_COMMANDS = [
    ("show",),
    ("ack",),
    ("arrive",),
    ("resolve",),
    ("close",),
    ("reopen",),
    ("pause", "--reason", "等待"),
    ("resume",),
    ("assign", "{id}", "王芳"),
    ("severity", "{id}", "3", "--reason", "降级"),
    ("negotiate", "{id}", "--due", "2026-12-01 10:00", "--agreed-with", "王主任"),
    ("note", "{id}", "备注"),
    ("remote", "{id}", "--granted-by", "王主任", "--channel", "电话", "--scope", "查看"),
    ("remote-session", "{id}", "--what", "看了日志"),
]


@pytest.mark.parametrize("ticket_id", [10**20, 2**63, 0, 2**63 - 1])
def test_a_ticket_number_out_of_range_is_no_ticket(cli, store, ticket_id):
    """Past SQLite's INTEGER the driver raised OverflowError: such a number names no ticket, like any other."""
    before = store_checksum(store)
    for command in ID_COMMANDS:
        args = [a.replace("{id}", str(ticket_id)) for a in command]
        if "{id}" not in command:
            args.insert(1, str(ticket_id))
        refused(cli("ticket", *args), "没有这张工单", f"#{ticket_id}", code=3)  # nothing found
    assert store_checksum(store) == before


def test_a_version_out_of_range_is_a_stale_version(cli, store):
    before = store_checksum(store)
    for version in (10**20, -(10**20)):
        refused(cli("ticket", "ack", "1", f"--if-version={version}"), "#1", code=4)  # a stale version
    assert store_checksum(store) == before


def test_roster_day_and_year_numbers_are_bounded(cli, store):
    # one check for every number a person types (text.in_range): usage errors, exit 2
    refused(cli("roster", "gaps", "--days", str(10**20)), "--days 超出范围", "1 至 366")
    refused(cli("roster", "gaps", "--days", "0"), "--days 超出范围")
    refused(cli("roster", "notice", "--holiday", "国庆节", "--year", str(10**20)), "--year 超出范围", "2000 至 2099")
