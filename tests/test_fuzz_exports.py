"""CSV exports are safe to open in Excel and come back as they went out.

No exported cell starts with = + - @, a tab or a CR (Excel would run it as a formula: the exports quote
such a cell with a leading '), and the file imports back to the same data:

- module names and remarks: contract JSON in, `zldesk export modules` out, `zldesk import modules` back
  into the same store changes nothing;
- roster names and phones: roster TOML in, `zldesk roster export --format csv` out, `zldesk roster
  import --add-engineers` into a fresh store gives the same people (in their one spelling), phones and shifts.

The text goes in as an older zldesk took it (tests/conftest.py's older_zldesk): control characters and line
breaks too. The export is formula-free whatever it holds; an import back refuses, naming the line and the
column, exactly the text this zldesk refuses (a control character, a line break where one line is meant).

Examples: 100 by default, 2,000 with `ZLDESK_FULL=1` (the profiles of tests/test_fuzz_imports.py).
"""

from __future__ import annotations

import csv
import gc
import io
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from zldesk.contract import Module, dumps_json
from zldesk.text import cell_quote as quote
from zldesk.text import cell_unquote as unquote
from zldesk.text import control_problem, plain_name

from .conftest import older_zldesk
from .test_fuzz_imports import BASE, FUZZ, Store, assert_clean, invoke, run_ok, toml_dumps

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Text that tries hard to start a cell as a formula: the dangerous first characters, the quote the export
# adds, whitespace the importers strip, CSV's own specials, and anything else.
_RISKY = list("=+-@\t\r\n'\" ,;") + [
    "\u3000",
    "\x0b",
    "\x85",
    "=cmd|' /C calc'!A0",
    "+86 138-0000-0101",
    "-1",
    "@SUM(A1)",
    "''=",
    "'-",
]
_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")  # what an import lets through
risky_text = st.lists(st.one_of(st.sampled_from(_RISKY), st.text(_chars, max_size=3)), max_size=6).map("".join)
# A name: risky text around a character that is not blank, so that it is still a name once stripped.
risky_names = st.builds(
    lambda a, core, b: a + core + b,
    risky_text,
    st.sampled_from(["x", "王", "模块", "=", "+", "-", "@", "'", '"', ",", ";"]),
    risky_text,
)


def cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def assert_no_formula(text: str) -> None:
    for n, row in enumerate(cells(text), 1):
        for cell in row:
            assert not cell.startswith(FORMULA_START), (n, cell, row)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store made by the CLI with the bundled contract and nothing else."""
    path = tmp_path_factory.mktemp("template") / "zldesk.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZLDESK_CACHE", "off")
        mp.setenv("TZ", "UTC")
        run_ok(path, "contracts")
    gc.collect()
    return path


@pytest.fixture
def stores(template, tmp_path, monkeypatch) -> tuple[Store, Store]:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("ZLDESK_DB", raising=False)
    return Store(template, tmp_path / "a.db"), Store(template, tmp_path / "b.db")


# ---------------------------------------------------------------------------------------------------
# Modules.


@st.composite
def module_lists(draw) -> tuple[Module, ...]:
    nos = draw(st.lists(st.integers(1, 999_999), min_size=1, max_size=8, unique=True))
    return tuple(
        Module(no, draw(risky_names), draw(st.booleans()), draw(st.none() | st.integers(0, 999)), draw(risky_text))
        for no in nos
    )


def refused_back(store: Store, *args: str) -> None:
    """The import is refused for what a field holds (exit 2, the line and the column named), the store as it was."""
    before = store.checksum()
    result = invoke(store.path, *args)
    assert_clean(result, args)
    assert result.exit_code == 2 and ("含有换行符" in result.stderr or "含有控制字符" in result.stderr), result.stderr
    assert store.checksum() == before


@FUZZ
@given(modules=module_lists())
def test_module_export_is_formula_free_and_imports_back_unchanged(stores, tmp_path, modules):
    store, _ = stores
    source = tmp_path / "contract.json"
    source.write_text(dumps_json(replace(BASE, modules=modules)), encoding="utf-8")
    try:
        with older_zldesk():
            run_ok(store.path, "import", "contract", str(source))
        before = run_ok(store.path, "export", "modules", "--format", "json").stdout
        exported = tmp_path / "modules.csv"
        run_ok(store.path, "export", "modules", "-o", str(exported))
        text = exported.read_bytes().decode("utf-8")
        assert_no_formula(text)
        assert len(cells(text)) == len(modules) + 1
        args = ("import", "modules", str(exported), "--contract", "leishan")
        if any(control_problem(m.name.strip()) or control_problem(m.remark.strip(), lines=True) for m in modules):
            refused_back(store, *args)
            return
        back = run_ok(store.path, *args)
        assert "内容与库中一致" in back.stdout, back.stdout
        assert run_ok(store.path, "export", "modules", "--format", "json").stdout == before
    finally:
        store.reset()


# ---------------------------------------------------------------------------------------------------
# The roster.

FIRST_DAY = date(2026, 11, 2)  # a Monday; the on-site line is open 09:00-21:00 every day


@st.composite
def engineers(draw) -> list[tuple[str, str]]:
    people = draw(st.lists(risky_names.map(str.strip), min_size=1, max_size=6, unique=True))
    return [(name, draw(risky_text).strip()) for name in people]


def roster_toml(people: list[tuple[str, str]]) -> str:
    """Each engineer holds the on-site line for one day, one after another."""
    shifts = []
    for i, (name, _) in enumerate(people):
        day = FIRST_DAY + timedelta(days=i)
        shifts.append(
            {
                "line": "onsite",
                "engineer": name,
                "start": datetime(day.year, day.month, day.day, 9),
                "end": datetime(day.year, day.month, day.day, 21),
            }
        )
    return toml_dumps({"engineers": [{"name": n, "phone": p} for n, p in people], "shifts": shifts})


def held(text: str) -> list[tuple[str, str, str, str]]:
    """The exported rows with touching rows of one person on one line merged (how they are cut may
    depend on where they came from)."""
    out: list[list[str]] = []
    for row in sorted(cells(text)[1:], key=lambda r: (r[0], r[3])):
        line, engineer, _, start, end = row
        if out and out[-1][0] == line and out[-1][1] == engineer and out[-1][3] == start:
            out[-1][3] = end
        else:
            out.append([line, engineer, start, end])
    return [tuple(r) for r in out]


def phones(store: Store) -> dict[str, str]:
    from zldesk.store import make_engine, reading
    from zldesk.store.roster import load_roster

    engine = make_engine(f"sqlite:///{store.path}")
    try:
        with reading(engine) as session:
            return {e.name: e.phone for e in load_roster(session, "leishan")[1].engineers}
    finally:
        engine.dispose()


@FUZZ
@given(people=engineers())
@example(people=[("=", "=\r=")])  # a CR went out unquoted: the row broke in two, the second began "="
def test_roster_export_is_formula_free_and_imports_into_a_fresh_store(stores, tmp_path, people):
    a, b = stores
    source = tmp_path / "roster.toml"
    source.write_text(roster_toml(people), encoding="utf-8")
    span = ("--from", FIRST_DAY.isoformat(), "--to", (FIRST_DAY + timedelta(days=len(people))).isoformat())
    try:
        with older_zldesk():
            run_ok(a.path, "roster", "import", str(source))
        exported = tmp_path / "shifts.csv"
        run_ok(a.path, "roster", "export", "--format", "csv", *span, "-o", str(exported))
        text = exported.read_bytes().decode("utf-8")
        assert_no_formula(text)
        assert {unquote(row[1]) for row in cells(text)[1:]} == {name for name, _ in people}

        args = ("roster", "import", str(exported), "--add-engineers")
        if any(control_problem(name) or control_problem(phone) for name, phone in people):
            refused_back(b, *args)
            return
        if len({plain_name(name) for name, _ in people}) < len(people):  # two who look alike: not imported
            assert invoke(b.path, *args).exit_code == 2
            return
        run_ok(b.path, *args)
        run_ok(b.path, "roster", "export", "--format", "csv", *span, "-o", str(tmp_path / "again.csv"))
        again = (tmp_path / "again.csv").read_bytes().decode("utf-8")  # the runner's stdout turns CRLF into LF
        assert_no_formula(again)
        one = {quote(name): quote(plain_name(name)) for name, _ in people}  # as the export writes each name
        assert held(again) == [(line, one[who], start, end) for line, who, start, end in held(text)]
        assert phones(b) == {plain_name(name): phone for name, phone in people}
    finally:
        a.reset()
        b.reset()


def test_a_cr_in_a_roster_cell_is_quoted_and_reads_back():
    """write_roster_csv wrote rows ending in \\n, so csv left a cell holding \\r unquoted: a spreadsheet
    (and read_roster_csv) broke the row there, and the next "row" began with the rest of the cell. Quoted,
    the row stays whole, and reading it back refuses the CR by its line and column (a name is one line)."""
    from zoneinfo import ZoneInfo

    from zldesk.errors import InvalidInput
    from zldesk.roster import Segment, read_roster_csv, write_roster_csv

    zone = ZoneInfo("Asia/Shanghai")
    start = datetime(2026, 11, 2, 9, tzinfo=zone)
    segment = Segment("onsite", start, start + timedelta(hours=12), "=\r=x", "test")
    text = write_roster_csv([segment], {"=\r=x": "+86\r=1+1"}, zone)
    assert_no_formula(text)
    assert [row[1:3] for row in cells(text)[1:]] == [["'=\r=x", "'+86\r=1+1"]]
    with pytest.raises(InvalidInput) as refused:
        read_roster_csv(text.encode(), "x.csv", BASE)
    assert [(p.line, p.path) for p in refused.value.problems] == [(2, "工程师"), (2, "电话")]
