"""Export and import are inverses: what `zldesk export contract` writes, `zldesk import contract` reads back
unchanged, in TOML and in JSON; a second contract lives beside leishan; `-o` files are owner-only."""

from __future__ import annotations

import json
import stat
import tomllib
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zldesk.contract import (
    Module,
    Period,
    contract_from_dict,
    dumps_json,
    dumps_toml,
    parse_contract_text,
    read_contract_file,
)
from zldesk.errors import InvalidInput

from .conftest import LEISHAN, store_checksum

BASE = read_contract_file(LEISHAN)
FORMATS = ["toml", "json"]


def export(cli, *args: str, db: str | None = None) -> str:
    ran = cli(*(("--db", db) if db else ()), "export", "contract", *args)
    assert ran.exit_code == 0, ran
    assert ran.stdout
    return ran.stdout


def imported(cli, path: Path, *args: str):
    ran = cli("import", "contract", str(path), *args)
    assert ran.exit_code == 0, ran
    return ran


def recode(text: str, fmt: str, old: str, new: str) -> str:
    """The exported text with its `code` changed (exactly one line)."""
    line = f'code = "{old}"' if fmt == "toml" else f'  "code": "{old}",'
    assert text.count(line + "\n") == 1
    return text.replace(line, line.replace(old, new))


# A contract that uses every optional field and awkward text, written the way the exporter writes it: one
# line where one line is meant (a control character or a line break there is refused: test_import_controls.py),
# and lines in notes and remarks.
AWKWARD = 'quote " backslash \\ 雷山 😀 \'\'\' """ # [[modules]] =HYPERLINK("x") \\u0041 \\n'
LINES = AWKWARD + "\nline two\r\nline three"
RICH = replace(
    BASE,
    code="rich",
    title=AWKWARD,
    customer="榕江县人民医院",
    period=Period(date(2024, 1, 1), date(2025, 12, 31)),
    windows=tuple(replace(w, note=LINES) for w in BASE.windows),
    modules=BASE.modules[:3] + (Module(34, "=1+1", False, 0, LINES), Module(35, "体检系统", True, 12, "")),
    contacts=BASE.contacts + (replace(BASE.contacts[0], label=AWKWARD, value="+86 851", note="@备注"),),
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_import_export_is_identical(cli, tmp_path, fmt):
    """The export, imported under another code and exported again, is the same text byte for byte."""
    first = export(cli, "--format", fmt)
    source = tmp_path / f"copy.{fmt}"
    source.write_text(recode(first, fmt, "leishan", "copy"), encoding="utf-8")
    ran = imported(cli, source)
    assert "新合同 copy" in ran.stdout
    second = export(cli, "copy", "--format", fmt)
    assert second == recode(first, fmt, "leishan", "copy")
    assert recode(second, fmt, "copy", "leishan") == first


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_field_round_trips_through_the_cli(cli, tmp_path, fmt):
    """A contract with a period, sites, remarks, quotes, newlines, control codes and emoji comes back as written."""
    dump = dumps_toml if fmt == "toml" else dumps_json
    text = dump(RICH)
    assert parse_contract_text(text, fmt, "rich") == RICH
    source = tmp_path / f"rich.{fmt}"
    source.write_text(text, encoding="utf-8")
    imported(cli, source)
    assert export(cli, "rich", "--format", "toml") == dumps_toml(RICH)
    assert export(cli, "rich", "--format", "json") == dumps_json(RICH)


def test_json_import_gives_the_same_toml_as_toml_import(cli, tmp_path):
    """The same change, imported as TOML into one store and as JSON into another, exports the same TOML."""
    toml_text = LEISHAN.read_text(encoding="utf-8").replace('customer = "雷山县人民医院"', 'customer = "雷山县医院"')
    data = json.loads(export(cli, "--format", "json"))
    data["customer"] = "雷山县医院"
    (tmp_path / "c.toml").write_text(toml_text, encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    stores = {}
    for fmt in FORMATS:
        db = str(tmp_path / f"{fmt}.db")
        ran = cli("--db", db, "import", "contract", str(tmp_path / f"c.{fmt}"))
        assert ran.exit_code == 0, ran
        assert "医院：雷山县人民医院 → 雷山县医院" in ran.stdout
        stores[fmt] = export(cli, db=db)
    assert stores["json"] == stores["toml"]
    assert 'customer = "雷山县医院"' in stores["toml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_seeded_export_equals_the_bundled_file(cli, fmt):
    """The export of a fresh store is the bundled leishan.toml, field for field."""
    text = export(cli, "--format", fmt)
    assert parse_contract_text(text, fmt, f"export.{fmt}") == BASE
    assert len(BASE.modules) == 33


def test_a_second_contract_lives_beside_leishan(cli, tmp_path):
    """A contract with another code is added, not replacing leishan; exporting without CODE asks which."""
    text = recode(export(cli), "toml", "leishan", "rongjiang").replace(
        'customer = "雷山县人民医院"', 'customer = "榕江县人民医院"'
    )
    source = tmp_path / "rongjiang.toml"
    source.write_text(text, encoding="utf-8")
    ran = imported(cli, source)
    assert "新合同 rongjiang（榕江县人民医院）" in ran.stdout

    ran = cli("contracts", "--json")
    assert ran.exit_code == 0, ran
    listed = {c["code"]: c["customer"] for c in json.loads(ran.stdout)}
    assert listed == {"leishan": "雷山县人民医院", "rongjiang": "榕江县人民医院"}

    for command in ("contract", "modules"):
        ran = cli("export", command)
        assert ran.exit_code != 0, ran
        assert "leishan" in ran.stderr and "rongjiang" in ran.stderr, ran.stderr
        assert "Traceback" not in ran.stderr and ran.stdout == ""

    assert export(cli, "rongjiang") == text
    assert parse_contract_text(export(cli, "leishan"), "toml", "x") == BASE


@pytest.mark.parametrize("fmt", FORMATS)
def test_importing_the_same_file_twice_changes_nothing_the_second_time(cli, db_path, tmp_path, fmt):
    """The second import says `内容与库中一致，未改动` and leaves the store exactly as it was."""
    data = json.loads(export(cli, "--format", "json"))
    data["customer"] = "雷山县医院"
    text = dumps_toml(replace(BASE, customer="雷山县医院")) if fmt == "toml" else json.dumps(data, ensure_ascii=False)
    source = tmp_path / f"c.{fmt}"
    source.write_text(text, encoding="utf-8")

    first = imported(cli, source)
    assert "1 处变化" in first.stdout
    after_first = store_checksum(db_path)

    second = imported(cli, source)
    assert "内容与库中一致，未改动" in second.stdout and "→" not in second.stdout
    assert store_checksum(db_path) == after_first

    dry = imported(cli, source, "--dry-run")
    assert "不会改变任何内容" in dry.stdout


@pytest.mark.parametrize(
    "args, name",
    [
        (("contract",), "c.toml"),
        (("contract", "--format", "json"), "c.json"),
        (("modules",), "m.csv"),
        (("modules", "--format", "json"), "m.json"),
    ],
)
@pytest.mark.parametrize("existing", [False, True], ids=["new-file", "over-0644-file"])
def test_output_file_is_written_owner_only(cli, tmp_path, args, name, existing):
    """`-o FILE` writes what stdout would show, into a file only its owner can read (mode 0600)."""
    expected = cli("export", *args)
    assert expected.exit_code == 0 and expected.stdout
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / name
    if existing:
        out.write_text("old", encoding="utf-8")
        out.chmod(0o644)
    ran = cli("export", *args, "-o", str(out))
    assert ran.exit_code == 0, ran
    assert ran.stdout == ""
    content = out.read_bytes().decode("utf-8")
    assert content.replace("\r\n", "\n") == expected.stdout  # the test runner reads stdout with \r\n as \n
    assert content.endswith("\r\n") == name.endswith(".csv")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in folder.iterdir()] == [name]  # no temporary file left behind


# ---------------------------------------------------------------------------------------------------
# Property: any text in the free-text fields survives dumps → parse, in TOML and in JSON.

_SPECIALS = [
    '"',
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\x1b",
    "\x7f",
    "\x01",
    "\x85",
    "\x9f",
    "\u2028",
    "\ufeff",
    "\u202e",
    "雷山县",
    "😀",
    "'''",
    '"""',
    "#",
    "[[modules]]",
    "=",
    "\\u0041",
    "\\n",
    "${x}",
    " ",
]
_chars = st.characters(exclude_categories=("Cs",), exclude_characters="\x00")
# Strings as an import leaves them: stripped (so s == s.strip()), no NUL, no surrogates.
texts = st.lists(st.one_of(_chars, st.sampled_from(_SPECIALS)), max_size=10).map("".join).map(str.strip)
names = texts.filter(bool)
text_lists = st.lists(texts, max_size=3).map(tuple)


@st.composite
def contracts(draw):
    nos = draw(st.lists(st.integers(1, 999_999), unique=True, max_size=5))
    modules = tuple(
        Module(no, draw(names), draw(st.booleans()), draw(st.none() | st.integers(0, 999_999)), draw(texts))
        for no in nos
    )
    start = draw(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
    period = draw(st.none() | st.builds(Period, st.just(start), st.dates(start, date(2099, 12, 31))))
    return replace(
        BASE,
        customer=draw(texts),
        vendor=draw(texts),
        product=draw(texts),
        title=draw(texts),
        period=period,
        windows=tuple(replace(w, label=draw(texts), note=draw(texts)) for w in BASE.windows),
        severities=tuple(
            replace(
                s, name=draw(texts), description=draw(texts), examples=draw(text_lists), negotiable=draw(st.booleans())
            )
            for s in BASE.severities
        ),
        services=tuple(
            replace(
                s,
                category=draw(texts),
                name=draw(texts),
                description=draw(texts),
                channels=draw(text_lists),
                exclusions=draw(text_lists),
                frequency=draw(st.none() | names),
                note=draw(texts),
            )
            for s in BASE.services[:4]
        ),
        modules=modules,
        contacts=tuple(replace(c, label=draw(texts), value=draw(texts), note=draw(texts)) for c in BASE.contacts[:4]),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(contracts())
def test_any_text_survives_toml_and_json(contract):
    """Quotes, backslashes, newlines, control characters, CJK and emoji are written so they read back the same
    (a store an older zldesk filled exports them too); an import takes the file whole, or refuses it only for
    what a field may not hold (a control, bidi or separator character, a line break in a one-line field)."""
    for text, fmt in ((dumps_toml(contract), "toml"), (dumps_json(contract), "json")):
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
        assert contract_from_dict(data, stored=True)[0] == contract
        try:
            assert parse_contract_text(text, fmt, f"x.{fmt}") == contract
        except InvalidInput as e:
            assert all(p.message.startswith(("含有换行符", "含有控制字符")) for p in e.problems), e.problems


def test_output_to_a_device_writes_into_it_and_leaves_it_a_device(cli, tmp_path):
    """`-o /dev/null` (or a pipe) is written into, never replaced by a regular file."""
    import os
    import stat as st

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    import threading

    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, encoding="utf-8").read()))
    reader.start()
    assert cli("export", "contract", "-o", str(fifo)).exit_code == 0
    reader.join(timeout=10)
    assert st.S_ISFIFO(fifo.stat().st_mode) and 'code = "leishan"' in got[0]
    assert cli("export", "contract", "-o", "/dev/null").exit_code == 0
    assert st.S_ISCHR(os.stat("/dev/null").st_mode)
