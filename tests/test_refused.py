"""Text refused on the way in: control, bidi and separator characters (and line breaks) in one-line fields
(a name, a phone, a label, a code, a contact's value, a module's name, the customer, a title), in every
importer and in what a person types (`ticket` and `roster` options, the console's forms, which reach the
same checks). Multi-line fields (a description, a note, a remark) keep newlines and nothing else. Each
refusal names the file, the line and the field (or the option), exits 2 and leaves the store as it was;
nothing of the payload reaches the terminal raw."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from zldesk.contract import Module, contract_to_dict, dumps_json, dumps_toml
from zldesk.data import data_dir
from zldesk.text import control_problem, visible

from .conftest import store_checksum
from .test_forgery import BREAKS, EVERY, FORBIDDEN, RAW, clean
from .test_fuzz_imports import BASE, toml_str

DEMO = data_dir() / "roster" / "demo.toml"
SEED = Path(__file__).parent / "data" / "contract_texts" / "leishan.txt"
# One of each class, between tags that find the line holding it (and keep it from the ends, which are stripped).
PAYLOADS = [f"ZZ{ch}ZZ" for ch in RAW + BREAKS]
NUL = "ZZ\x00ZZ"  # refused as it always was: 含有 NUL


@pytest.mark.parametrize("ch", EVERY)
def test_one_line_text_with_any_of_them_is_refused(ch):
    assert control_problem(f"王{ch}芳") is not None
    assert control_problem("王芳 ＡＢＣ [bold] 𠮷") is None


def test_multi_line_text_keeps_newlines_and_nothing_else():
    assert control_problem("第一行\n第二行\r\n第三行", lines=True) is None
    for ch in [c for c in EVERY if c != "\n"] + ["\t"]:
        assert control_problem(f"第一行\n第二{ch}行", lines=True) is not None, repr(ch)


def refused(cli, db_path: Path, file: Path, *args: str) -> list[tuple[int, str, str]]:
    """Importing `file` is refused (exit 2, the store unchanged, nothing raw on the terminal); its problems
    as (line, field, message)."""
    before = store_checksum(db_path)
    ran = cli(*args, str(file))
    assert ran.exit_code == 2, (ran.stdout, ran.stderr)
    assert store_checksum(db_path) == before and "Traceback" not in ran.stderr
    assert not FORBIDDEN.search(ran.stdout + ran.stderr), ran.stderr
    found = re.findall(rf"^  {re.escape(str(file))}:(\d+:)? ?([^:]*): (.*)$", ran.stderr, re.M)
    assert found, ran.stderr
    return [(int(line[:-1]) if line else None, field, message) for line, field, message in found]


def held_on(file: Path, line: int) -> str:
    return file.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")[line - 1]


@pytest.fixture
def store(cli, db_path):
    assert cli("contracts").exit_code == 0
    return db_path


# ---- contracts: TOML and JSON (contract/reader.py's Reader.get) -------------------------------------

ONE_LINE_FIELDS = {
    "customer": lambda c, v: replace(c, customer=v),
    "title": lambda c, v: replace(c, title=v),
    "modules[0].name": lambda c, v: replace(c, modules=(replace(c.modules[0], name=v),) + c.modules[1:]),
    "contacts[0].value": lambda c, v: replace(c, contacts=(replace(c.contacts[0], value=v),) + c.contacts[1:]),
    "contacts[0].label": lambda c, v: replace(c, contacts=(replace(c.contacts[0], label=v),) + c.contacts[1:]),
    "windows[0].label": lambda c, v: replace(c, windows=(replace(c.windows[0], label=v),) + c.windows[1:]),
    "severities[0].name": lambda c, v: replace(c, severities=(replace(c.severities[0], name=v),) + c.severities[1:]),
    "services[0].exclusions": lambda c, v: replace(
        c, services=(replace(c.services[0], exclusions=("甲", v)),) + c.services[1:]
    ),
}


@pytest.mark.parametrize("field", ONE_LINE_FIELDS)
def test_contract_toml_refuses_them_in_one_line_fields(cli, store, tmp_path, field):
    for payload in PAYLOADS:
        file = tmp_path / "c.toml"
        file.write_text(dumps_toml(ONE_LINE_FIELDS[field](BASE, payload)), encoding="utf-8")
        problems = refused(cli, store, file, "import", "contract")
        assert [(f, m) for _, f, m in problems] == [(field, problems[0][2])], problems
        assert visible(payload[2]) in problems[0][2] or payload == NUL
        assert "ZZ" in held_on(file, problems[0][0])  # the line that holds the value


@pytest.mark.parametrize("field", ["customer", "modules[0].name", "contacts[0].value"])
def test_contract_json_refuses_them_in_one_line_fields(cli, store, tmp_path, field):
    for payload in PAYLOADS:
        file = tmp_path / "c.json"
        file.write_text(dumps_json(ONE_LINE_FIELDS[field](BASE, payload)), encoding="utf-8")
        problems = refused(cli, store, file, "import", "contract")
        assert [f for _, f, _ in problems] == [field]  # JSON problems name the field, not a line


def test_contract_multi_line_fields_keep_newlines_and_nothing_else(cli, store, tmp_path):
    service = BASE.services[0]
    ok = replace(BASE, services=(replace(service, description="第一行\n第二行"),) + BASE.services[1:])
    file = tmp_path / "c.toml"
    file.write_text(dumps_toml(ok), encoding="utf-8")
    assert cli("import", "contract", str(file)).exit_code == 0
    data = contract_to_dict(ok)
    data["services"][0]["description"] = "第一行\r\n第二行"  # CRLF is a newline too
    (tmp_path / "c.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    assert cli("import", "contract", str(tmp_path / "c.json")).exit_code == 0
    for payload in [p for p in PAYLOADS if p != "ZZ\nZZ"]:
        bad = replace(BASE, services=(replace(service, note="第一行\n" + payload),) + BASE.services[1:])
        file.write_text(dumps_toml(bad), encoding="utf-8")
        problems = refused(cli, store, file, "import", "contract")
        assert [f for _, f, _ in problems] == ["services[0].note"], payload


# ---- the contract's signed text ------------------------------------------------------------------


def test_contract_text_refuses_them_by_line_and_part(cli, store, tmp_path):
    lines = SEED.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if "门急诊收费系统" in line)
    for payload in [p for p in PAYLOADS if p not in ("ZZ\nZZ", "ZZ\rZZ", NUL)]:
        text = "\n".join(lines[:at] + [lines[at].replace("门急诊", "门急" + payload + "诊")] + lines[at + 1 :])
        file = tmp_path / "合同.txt"
        file.write_text(text, encoding="utf-8")
        problems = refused(cli, store, file, "import", "contract", "--code", "x", "--dry-run")
        assert [(line, part) for line, part, _ in problems] == [(at + 1, "软件系统明细表")], (payload, problems)


# ---- modules CSV ---------------------------------------------------------------------------------


def test_modules_csv_refuses_them_by_line_and_column(cli, store, tmp_path):
    file = tmp_path / "m.csv"
    for payload in [p for p in PAYLOADS if p != NUL]:  # a NUL byte: not a text file (its line is named)
        for column, row in (("name", f'2,"门急诊{payload}",是,,'), ("sites", f'2,门急诊,是,"{payload}",')):
            file.write_text(f"no,name,selected,sites,remark\n1,挂号,是,,\n{row}\n", encoding="utf-8")
            problems = refused(cli, store, file, "import", "modules", "--contract", "leishan")
            assert [(line, field) for line, field, _ in problems] == [(3, column)], (payload, problems)


def test_a_module_remark_keeps_newlines_and_nothing_else(cli, store, tmp_path):
    file = tmp_path / "m.csv"
    file.write_text('no,name,selected,sites,remark\n1,挂号,是,,"第一行\n第二行"\n', encoding="utf-8")
    assert cli("import", "modules", str(file), "--contract", "leishan").exit_code == 0
    file.write_text('no,name,selected,sites,remark\n1,挂号,是,,"第一行\n第二\x1b[2J行"\n', encoding="utf-8")
    assert refused(cli, store, file, "import", "modules", "--contract", "leishan")[0][:2] == (2, "remark")


# ---- rosters: TOML and CSV -----------------------------------------------------------------------

ROSTER_FIELDS = {  # what in the demo roster is replaced, and the field the refusal names
    '"王芳"': "engineers[0].name",
    '"138-0000-0101"': "engineers[0].phone",
    '"刘洋", "陈静"]': "rotations[0].engineers",
    '"王芳病假"': "overrides[1].reason",
}


@pytest.mark.parametrize("text", ROSTER_FIELDS)
def test_roster_toml_refuses_them(cli, store, tmp_path, text):
    demo = DEMO.read_text(encoding="utf-8")
    assert text in demo, text
    for payload in PAYLOADS:
        file = tmp_path / "r.toml"
        value = toml_str(payload) + (', "陈静"]' if text.endswith("]") else "")
        file.write_text(demo.replace(text, value, 1), encoding="utf-8")
        problems = refused(cli, store, file, "roster", "import")
        assert ROSTER_FIELDS[text] in [f for _, f, _ in problems], (payload, problems)
        line = next(n for n, f, _ in problems if f == ROSTER_FIELDS[text])
        assert "ZZ" in held_on(file, line)


def test_roster_csv_refuses_them_by_line_and_column(cli, store, tmp_path):
    assert cli("roster", "import", str(DEMO)).exit_code == 0
    file = tmp_path / "r.csv"
    for payload in [p for p in PAYLOADS if p != NUL]:
        for column, row in (
            ("工程师", f'现场值班,"王芳{payload}",138,2026-11-01 09:00,2026-11-01 21:00'),
            ("电话", f'现场值班,王芳,"138{payload}",2026-11-01 09:00,2026-11-01 21:00'),
        ):
            head = "值班线,工程师,电话,开始,结束\n现场值班,王芳,138,2026-11-02 09:00,2026-11-02 21:00\n"
            file.write_text(head + row + "\n", encoding="utf-8")
            problems = refused(cli, store, file, "roster", "import")
            assert [(line, field) for line, field, _ in problems] == [(3, column)], (payload, problems)


def test_a_fuzzed_module_name_never_reaches_the_terminal(cli, store, tmp_path):
    """The escape every older test imported (tests/test_cli.py) is now refused at the door."""
    modules = (Module(1, "[bold]红[/bold] \x1b]0;pwned\x07系统", True),) + BASE.modules[1:]
    file = tmp_path / "c.toml"
    file.write_text(dumps_toml(replace(BASE, modules=modules)), encoding="utf-8")
    assert refused(cli, store, file, "import", "contract")[0][1] == "modules[0].name"


# ---- typed by a person --------------------------------------------------------------------------


def refused_typed(cli, db_path, *args: str) -> str:
    """The command is refused (exit 2, no traceback, the store unchanged); its error output."""
    before = store_checksum(db_path)
    ran = cli(*args)
    assert ran.exit_code == 2, (args, ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr and store_checksum(db_path) == before
    clean(ran.stderr)
    return ran.stderr


@pytest.fixture
def desk(cli, db_path):
    assert cli("contracts").exit_code == 0
    assert cli("roster", "import", str(DEMO)).exit_code == 0
    assert cli("ticket", "new", "--severity", "3", "--title", "收费处无法收费").exit_code == 0
    return cli


@pytest.mark.parametrize("option", ["--title", "--caller", "--phone", "--dept"])
def test_ticket_new_refuses_them_in_one_line_options(desk, db_path, option):
    for ch in EVERY:
        err = refused_typed(desk, db_path, "ticket", "new", "--severity", "3", "--title", "收费", option, f"王{ch}芳")
        assert option in err and visible(ch[0]) in err


def test_notes_and_descriptions_keep_newlines_and_refuse_the_rest(desk, db_path):
    assert desk("ticket", "note", "1", "第一行\n第二行").exit_code == 0
    assert desk("ticket", "new", "--severity", "3", "--title", "收费", "--description", "一\n二").exit_code == 0
    for ch in [c for c in EVERY if c != "\n"]:
        assert visible(ch[0]) in refused_typed(desk, db_path, "ticket", "note", "1", f"第一行\n第二{ch}行")
        refused_typed(
            desk, db_path, "ticket", "new", "--severity", "3", "--title", "收费", "--description", f"一{ch}二"
        )


@pytest.mark.parametrize(
    "args",
    [
        ["ticket", "assign", "1", "张\n伟"],
        ["ticket", "ack", "1", "--as", "张\x1b[2J伟"],
        ["ticket", "pause", "1", "--reason", "等医院\u2028伪造"],
        ["ticket", "remote", "1", "--granted-by", "李\n科长", "--channel", "电话", "--scope", "查库"],
        ["ticket", "remote", "1", "--granted-by", "李科长", "--channel", "电话", "--scope", "查\u202e库"],
        ["roster", "override", "--line", "hotline", "--engineer", "黄\n丽", "--reason", "换班"],
        ["roster", "override", "--line", "hotline", "--engineer", "黄丽", "--reason", "换\x85班"],
        ["roster", "override", "--line", "hotline", "--engineer", "黄丽", "--reason", "换班", "--as", "x\ny"],
    ],
    ids=lambda a: "-".join(x for x in a[:3] if x.isascii()),
)
def test_other_typed_fields_are_one_line(desk, db_path, args):
    if args[1] == "override":
        args = [*args, "--from", "2026-11-17T09:00", "--to", "2026-11-17T10:00"]
    refused_typed(desk, db_path, *args)
