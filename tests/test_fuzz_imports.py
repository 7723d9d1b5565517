"""Bad input never hurts: every import format under random files, through the real CLI on a real store.

For every generated file (valid mutations of the bundled data, one bad row or field, broken lines, BOMs,
UTF-16, GB18030, `;` delimiters, NUL bytes, duplicated rows and keys, truncations, arbitrary bytes):

- it is either imported whole (exit 0, and the store then holds exactly what the file says) or rejected
  with exit 2 and one message per problem naming the file and the line and/or field;
- no traceback, ever; a rejection leaves the store's content unchanged (`store_checksum`);
- `--dry-run` writes nothing and reports what the real run then does: the same exit code, the same error
  lines, the same change lines.

One store per hypothesis run: a template is built once per module, each test restores a copy of it
(SQLite's backup API, so WAL files can never disagree) whenever an example changed it.

Examples per format: 100 by default (about 40 s for this file and test_fuzz_exports.py on 2 CPUs);
`ZLDESK_FULL=1` runs 2,000 (profile `zldesk-fuzz-full`; 14.5 min for both files), and
`ZLDESK_FUZZ_EXAMPLES=N` sets the default profile's count:

    ZLDESK_FULL=1 .venv/bin/pytest tests/test_fuzz_imports.py tests/test_fuzz_exports.py -q
"""

from __future__ import annotations

import csv
import gc
import io
import json
import math
import os
import re
import sqlite3
import tomllib
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer.main
import typer.testing
from hypothesis import HealthCheck, currently_in_test_context, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from zldesk.cli import app
from zldesk.contract import CODE_RE, Module, contract_to_dict, dumps_json, dumps_toml, read_contract_file
from zldesk.data import data_dir
from zldesk.importers.modules_csv import dumps_modules_csv
from zldesk.text import visible

from .conftest import LEISHAN, store_checksum

# Falsifying examples are whole files: their repr is long, and that is fine.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")

# ---------------------------------------------------------------------------------------------------
# Profiles: the default run stays fast, the full one is what the issue asks for.

_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    # One store per hypothesis run is the point: the function-scoped fixtures are set up once
    # and every example restores the store itself.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)
settings.register_profile("zldesk-fuzz", max_examples=int(os.environ.get("ZLDESK_FUZZ_EXAMPLES", 100)), **_COMMON)
# The full run draws new examples each time (the default run's are fixed: tests/conftest.py).
settings.register_profile("zldesk-fuzz-full", max_examples=2000, derandomize=False, **_COMMON)
FULL = os.environ.get("ZLDESK_FULL", "") not in ("", "0")
FUZZ = settings.get_profile("zldesk-fuzz-full" if FULL else "zldesk-fuzz")

DEMO = data_dir() / "roster" / "demo.toml"
TEXTS = Path(__file__).parent / "data" / "contract_texts"
LEISHAN_TEXT = LEISHAN.read_text(encoding="utf-8")
DEMO_TEXT = DEMO.read_text(encoding="utf-8")
BASE = read_contract_file(LEISHAN)
# The roster CSV the fuzzing starts from: `roster export` over the National Day week of the demo roster.
ROSTER_FROM, ROSTER_TO = "2026-09-28", "2026-10-12"


# ---------------------------------------------------------------------------------------------------
# The store and the CLI.


@cache
def _command(typer_app):
    return typer.main.get_command(typer_app)


def invoke(db: Path, *args: str):
    """`zldesk --db DB ARGS...` in-process; an exception is kept in the result, never raised.

    Typer rebuilds the click command from the app on every invoke (two thirds of a run's time here):
    it is built once for the thousands of runs of this module."""
    with mock.patch.object(typer.testing, "_get_command", _command):
        return CliRunner().invoke(app, ["--db", str(db), *args], catch_exceptions=True)


def assert_clean(result, args: tuple[str, ...]) -> None:
    """No traceback: the CLI ended by its own exit, with nothing but user-facing text."""
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(*result.exc_info))
        pytest.fail(
            f"zldesk {' '.join(args)} raised {type(exc).__name__}:\n{tb}\nstdout:\n{result.stdout}\n"
            f"stderr:\n{result.stderr}"
        )
    assert "Traceback" not in result.stdout + result.stderr, (args, result.stdout, result.stderr)


def run_ok(db: Path, *args: str):
    result = invoke(db, *args)
    assert_clean(result, args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return result


class Store:
    """A work copy of a template store: compared by checksum, restored whole when an example changed it."""

    def __init__(self, template: Path, path: Path) -> None:
        self.template, self.path = template, path
        self.restore()
        self.base = store_checksum(path)
        self.restores = 0

    def restore(self) -> None:
        if not self.path.exists():  # owner-only, as the CLI makes a store (it refuses one others can read)
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        src, dst = sqlite3.connect(self.template), sqlite3.connect(self.path)
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()

    def checksum(self) -> str:
        return store_checksum(self.path)

    def reset(self) -> None:
        if self.checksum() != self.base:
            self.restore()
            self.restores += 1
            if self.restores % 50 == 0:
                gc.collect()  # the connections the CLI's engines left behind, before they pile up
            assert self.checksum() == self.base


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A store made by the CLI: the bundled contract (seeded) and the demo roster."""
    path = tmp_path_factory.mktemp("template") / "zldesk.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ZLDESK_CACHE", "off")
        mp.setenv("TZ", "UTC")
        run_ok(path, "contracts")
        run_ok(path, "roster", "import", str(DEMO))
    gc.collect()
    return path


@pytest.fixture
def store(template, tmp_path, monkeypatch) -> Store:
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("ZLDESK_DB", raising=False)
    return Store(template, tmp_path / "work.db")


# ---------------------------------------------------------------------------------------------------
# The property.

# Problems about the whole file, which have no line or field to name.
WHOLE_FILE = (
    "UTF-16",
    "文件是空的",
    "没有任何模块行",
    "at end of document",
    "不是合同正文",
    "应为表（键值对）",
)  # the top level of a JSON file that is not an object


def assert_rejection(stderr: str, source: str) -> None:
    """`错误：无法导入 FILE（N 处错误）`, then N lines `FILE:LINE: field: message` (line and/or field)."""
    lines = stderr.split("\n")[:-1]
    heads = [i for i, line in enumerate(lines) if line.startswith("错误：")]
    assert len(heads) == 1, stderr
    head = lines[heads[0]]
    shown = visible(source)
    assert head.startswith(f"错误：无法导入 {shown}（"), stderr
    count = int(re.search(r"（(\d+) 处错误）$", head).group(1))
    body: list[str] = []
    for line in lines[heads[0] + 1 :]:
        if body and not line.startswith(f"  {shown}"):
            # Reported: output.error() splits the message with str.splitlines(), which also breaks at
            # \x85, \x1c-\x1e, \u2028, \u2029 in a field name or value: one problem, two lines.
            body[-1] += "\n" + line
        else:
            body.append(line)
    assert count >= 1 and len(body) == count, f"{count} problems announced, {len(body)} lines:\n{stderr}"
    where = re.compile(re.escape(shown) + r"(?::(\d+))?: (.+)$", re.DOTALL)
    for line in body:
        m = where.match(line.removeprefix("  "))
        assert line.startswith("  ") and m, f"a problem line without its file:\n{line}\n---\n{stderr}"
        located = m.group(1) is not None or ": " in m.group(2) or any(w in line for w in WHOLE_FILE)
        assert located, f"a problem with neither line nor field:\n{line}\n---\n{stderr}"
        assert m.group(2).strip(), f"a problem without a message:\n{line}"


def changes(stdout: str, dry: bool) -> tuple[int, list[str]]:
    """(announced count, change lines) of an import's report: the lines after its headline.
    Split at newlines only: a \\u2028 in a name is no line break to the terminal."""
    lines = stdout.split("\n")[:-1]
    marker = "试运行，未写入。" if dry else "已导入"
    at = [i for i, line in enumerate(lines) if line.startswith(marker)]
    assert at, stdout
    head = lines[at[-1]]
    m = re.search(r"(\d+) 处变化", head)
    rest = lines[at[-1] + 1 :]
    return (int(m.group(1)) if m else 0), rest


Verify = Callable[[Store, Path, bytes, tuple[str, ...]], None]


def check_import(
    store: Store,
    args: tuple[str, ...],
    path: Path,
    data: bytes,
    verify: Verify | None = None,
    same_warnings: Callable[[str], str] = lambda s: s,
) -> None:
    """The property for one file: whole import or clean rejection, and a dry run that tells the truth.
    After a failure, `path` holds the (shrunk) file that failed."""
    path.write_bytes(data)
    try:
        dry = invoke(store.path, *args, "--dry-run")
        assert_clean(dry, (*args, "--dry-run"))
        assert store.checksum() == store.base, ("the dry run wrote to the store", dry.stdout, dry.stderr)
        real = invoke(store.path, *args)
        assert_clean(real, args)
        assert real.exit_code == dry.exit_code, (
            "dry run and import disagree",
            dry.exit_code,
            dry.stdout,
            dry.stderr,
            real.exit_code,
            real.stdout,
            real.stderr,
        )
        if currently_in_test_context():  # check_import also serves the plain tests below
            event("imported" if real.exit_code == 0 else f"rejected (exit {real.exit_code})")
        if real.exit_code == 0:
            dry_count, dry_lines = changes(dry.stdout, dry=True)
            real_count, real_lines = changes(real.stdout, dry=False)
            assert dry_lines == real_lines, (dry.stdout, real.stdout)
            # A name holding a newline is printed as two lines (reported: contract_diff describes rows by
            # their raw names): at least as many lines as changes.
            assert dry_count == real_count <= len(real_lines), (dry.stdout, real.stdout)
            assert dry.stderr == same_warnings(real.stderr), (dry.stderr, real.stderr)
            if verify is not None:
                verify(store, path, data, args)
        else:
            assert real.exit_code == 2, ("a rejection must exit 2", real.exit_code, real.stdout, real.stderr)
            assert_rejection(real.stderr, str(path))
            assert dry.stderr == real.stderr, (dry.stderr, real.stderr)
            assert store.checksum() == store.base, ("a rejected import changed the store", real.stderr)
    finally:
        store.reset()


# ---------------------------------------------------------------------------------------------------
# Generic mutations: of lines, of bytes, of the encoding.

SPECIALS = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "9223372036854775808",
    "99999999999999999999",
    "true",
    "false",
    "是",
    "否",
    "24:00",
    "25:00",
    "2026-02-30",
    "2026-10-01T08:30",
    "2026/10/1 8:30",
    "2026-10-01 24:00",
    "[]",
    "{}",
    '"',
    "'",
    '""',
    "\\",
    "=1+1",
    "+86 138",
    "-0",
    "@x",
    "\t",
    "\r",
    "\x00",
    "\x1b[2J",
    "\u202e",
    "\ufeff",
    "#",
    "[[",
    "]]",
    "a" * 300,
    "门急诊挂号系统",
    "王芳",
    "hotline",
    "热线值班",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01 00:00",
    "9999-12-31 24:00",
    "0001-01-01T00:00+01:00",
    "2026-10-01T08:30+14:00",
]
JUNK_ALPHABET = list("=[]{}\",;#'\\.:-+_ \t\r\n0123456789aeTZ是否一二\x00\x1b\x7f\x85\u2028\u202e\ufeff")
junk = st.one_of(st.sampled_from(SPECIALS), st.text(st.sampled_from(JUNK_ALPHABET), max_size=12), st.text(max_size=12))


@st.composite
def edit_lines(draw, text: str) -> str:
    """One to three line edits: replace, delete, duplicate, insert, swap, splice junk in, `,` -> `;`."""
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            lines = [""]
        op = draw(st.sampled_from(("replace", "delete", "duplicate", "insert", "swap", "splice", "semicolons")))
        i = draw(st.integers(0, len(lines) - 1))
        if op == "replace":
            lines[i] = draw(junk)
        elif op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "insert":
            lines.insert(i, draw(junk))
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "splice":
            a = draw(st.integers(0, len(lines[i])))
            b = draw(st.integers(a, len(lines[i])))
            lines[i] = lines[i][:a] + draw(junk) + lines[i][b:]
        else:
            lines[i] = lines[i].replace(",", ";")
    return "\n".join(lines)


@st.composite
def duplicate_block(draw, text: str) -> str:
    """A `[[table]]` row written twice (a duplicated row), or the whole file's `,` turned into `;`."""
    lines = text.split("\n")
    headers = [i for i, line in enumerate(lines) if line.startswith("[[")]
    if not headers or draw(st.booleans()):
        return text.replace(",", ";")
    k = draw(st.integers(0, len(headers) - 1))
    end = headers[k + 1] if k + 1 < len(headers) else len(lines)
    block = lines[headers[k] : end]
    at = draw(st.sampled_from(headers + [len(lines)]))
    return "\n".join(lines[:at] + block + lines[at:])


@st.composite
def edit_bytes(draw, data: bytes) -> bytes:
    """A truncation, a NUL, a changed, dropped or inserted byte."""
    op = draw(st.sampled_from(("truncate", "nul", "byte", "drop", "insert")))
    i = draw(st.integers(0, len(data)))
    if op == "truncate":
        return data[:i]
    if op == "nul":
        return data[:i] + b"\x00" + data[i:]
    if op == "byte":
        return data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
    if op == "drop":
        return data[:i] + data[i + 1 :]
    return data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i:]


ENCODERS: dict[str, Callable[[str], bytes]] = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8-bom": lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "utf-16": lambda t: t.encode("utf-16"),
    "utf-16-le-bom": lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
    "utf-16-be-bom": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "gb18030": lambda t: t.encode("gb18030"),
}
encodings = st.sampled_from(["utf-8"] * 6 + ["utf-8-bom", "crlf"] * 2 + [e for e in ENCODERS if "16" in e or "gb" in e])


@st.composite
def encoded(draw, texts) -> bytes:
    return ENCODERS[draw(encodings)](draw(texts))


def files(valid, mutated) -> st.SearchStrategy[bytes]:
    """Valid files, files with a bad line or field, damaged bytes, and bytes that are no file at all."""
    return st.one_of(
        encoded(valid),
        encoded(mutated),
        encoded(valid).flatmap(edit_bytes),
        st.binary(max_size=300),
    )


# ---- TOML values, for one bad field in a TOML file -------------------------------------------------


def toml_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return toml_str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_str(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def toml_dumps(data: dict) -> str:
    """A dict of scalars and arrays of tables, written as our TOML files are: one [[table]] per row."""
    out = []
    tables = {k: v for k, v in data.items() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)}
    out += [f"{toml_str(k)} = {toml_value(v)}" for k, v in data.items() if k not in tables]
    for key, rows in tables.items():
        for row in rows:
            out += ["", f"[[{key}]]"] + [f"{toml_str(k)} = {toml_value(v)}" for k, v in row.items()]
    return "\n".join(out) + "\n"


scalar_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(SPECIALS),
    st.dates(),
    st.datetimes(),
)
# Literals at the edges of what TOML, datetime and SQLite's 64-bit INTEGER hold.
EXTREMES = [
    "0",
    "-1",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "99999999999999999999",
    "1e300",
    "1e-300",
    "inf",
    "nan",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2026-10-01T08:30:00+14:00",
    '"24:00"',
    '"00:00"',
    '"23:59"',
]
toml_values = st.one_of(
    scalar_values.filter(lambda v: v is not None).map(toml_value),
    st.lists(scalar_values.filter(lambda v: v is not None), max_size=3).map(toml_value),
    st.sampled_from(
        [
            "",
            "[",
            "{",
            '"unterminated',
            "'x'",
            "'''a'''",
            "0x10",
            "1_000",
            "+1",
            "08:30",
            "2026-10-01 08:30:00",
            "{ amount = 1 }",
            "[1, 'a']",
            "true false",
        ]
    ),
    st.sampled_from(EXTREMES),
)
# Keys whose values are numbers, dates and times: where the edges bite.
NUMERIC_KEYS = {"no", "sites", "level", "target", "start", "end", "handoff", "id", "active", "selected"}
_ASSIGNMENT = re.compile(r"^(\s*)([A-Za-z0-9_\"]+)(\s*=\s*)(.*)$")


@st.composite
def edit_toml_field(draw, text: str) -> str:
    """One `key = value` line gets another value, or its key a typo."""
    lines = text.split("\n")
    assignments = [i for i, line in enumerate(lines) if _ASSIGNMENT.match(line)]
    if not assignments:
        return text
    numeric = [i for i in assignments if _ASSIGNMENT.match(lines[i]).group(2) in NUMERIC_KEYS]
    i = draw(st.sampled_from(numeric if numeric and draw(st.booleans()) else assignments))
    indent, key, eq, value = _ASSIGNMENT.match(lines[i]).groups()
    if key == "target" and draw(st.booleans()):
        amount = draw(st.sampled_from(EXTREMES[:10]))
        value = f'{{ amount = {amount}, unit = "hours", window = "onsite" }}'
    elif draw(st.integers(0, 4)) == 0:
        key = draw(st.sampled_from([key + "x", key[:-1], "no", "name", "unknown", '"a b"', "engineers"]))
    else:
        value = draw(toml_values)
    lines[i] = f"{indent}{key}{eq}{value}"
    return "\n".join(lines)


# ---- JSON: one field set to any JSON value, removed, or an unknown key added -----------------------

json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.integers(-(2**70), 2**70),
        st.floats(),
        st.text(max_size=8),
        st.sampled_from(SPECIALS),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def edit_json_field(draw, data: Any) -> Any:
    """A deep copy of `data` with one value replaced, one key removed, or one key added."""
    data = json.loads(json.dumps(data))
    parent, key, node = None, None, data
    while isinstance(node, (dict, list)) and node and draw(st.integers(0, 2)) > 0:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        parent, key = node, draw(st.sampled_from(keys))
        node = node[key]
    op = draw(st.sampled_from(("set", "set", "delete", "add")))
    if op == "add" and isinstance(node, dict):
        node[draw(st.sampled_from(["selectd", "x", "", "no", "Name"]))] = draw(json_values)
    elif op == "delete" and parent is not None:
        del parent[key]
    elif parent is not None:
        parent[key] = draw(json_values)
    else:
        data = draw(json_values)
    return data


# ---------------------------------------------------------------------------------------------------
# Contracts: TOML and JSON.

names = st.text(min_size=1, max_size=16)
codes = st.from_regex(CODE_RE, fullmatch=True)


@st.composite
def contracts(draw):
    """The bundled contract with up to four valid edits (names, remarks, modules, its code)."""
    c = BASE
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(("customer", "title", "module", "drop", "add", "code", "reorder")))
        modules = list(c.modules)
        if op == "customer":
            c = replace(c, customer=draw(names))
        elif op == "title":
            c = replace(c, title=draw(st.text(max_size=16)))
        elif op == "module" and modules:
            k = draw(st.integers(0, len(modules) - 1))
            modules[k] = replace(
                modules[k],
                name=draw(names),
                remark=draw(st.text(max_size=16)),
                selected=draw(st.booleans()),
                sites=draw(st.none() | st.integers(0, 999_999)),
            )
            c = replace(c, modules=tuple(modules))
        elif op == "drop" and modules:
            del modules[draw(st.integers(0, len(modules) - 1))]
            c = replace(c, modules=tuple(modules))
        elif op == "add":
            no = max((m.no for m in modules), default=0) + draw(st.integers(1, 5))
            c = replace(c, modules=tuple(modules) + (Module(no, draw(names), draw(st.booleans())),))
        elif op == "code":
            c = replace(c, code=draw(codes))
        elif op == "reorder":
            c = replace(c, modules=tuple(draw(st.permutations(modules))))
    return c


contract_tomls = st.one_of(st.just(LEISHAN_TEXT), contracts().map(dumps_toml))
contract_jsons = contracts().map(dumps_json)


def json_text(data: Any, indent: int | None, ascii_: bool) -> str:
    return json.dumps(data, ensure_ascii=ascii_, indent=indent, allow_nan=True)


# Where numbers and dates live in a contract: set to the edges of 64 bits and of floats.
NUMERIC_PATHS = [
    ("modules", 3, "no"),
    ("modules", 3, "sites"),
    ("severities", 0, "level"),
    ("severities", 0, "target", "amount"),
    ("period",),
]
json_extremes = st.sampled_from(
    [
        2**63 - 1,
        2**63,
        -(2**63) - 1,
        10**20,
        1e300,
        5e-324,
        float("inf"),
        float("nan"),
        -0.0,
        {"start": "0001-01-01", "end": "9999-12-31"},
        "0001-01-01",
    ]
)


@st.composite
def edited_json(draw) -> str:
    data = contract_to_dict(draw(contracts()))
    if draw(st.booleans()):
        *parents, last = draw(st.sampled_from(NUMERIC_PATHS))
        node = data
        for key in parents:
            node = node[key] if isinstance(node, dict) or key < len(node) else {}
        if isinstance(node, dict):
            node[last] = draw(json_extremes)
    else:
        data = draw(edit_json_field(data))
    return json_text(data, draw(st.sampled_from([None, 2])), draw(st.booleans()))


def _contract_dict(c) -> dict:
    return json.loads(dumps_json(c))


def verify_contract(store: Store, path: Path, data: bytes, args: tuple[str, ...]) -> None:
    """Imported whole: the store's export is the file's contract, field for field."""
    fmt = args[args.index("--format") + 1] if "--format" in args else None
    expected = read_contract_file(path, fmt)
    exported = run_ok(store.path, "export", "contract", expected.code, "--format", "json")
    assert json.loads(exported.stdout) == _contract_dict(expected)


@FUZZ
@given(
    data=files(
        contract_tomls,
        st.one_of(
            contract_tomls.flatmap(edit_lines),
            contract_tomls.flatmap(edit_toml_field),
            contract_tomls.flatmap(duplicate_block),
        ),
    )
)
def test_contract_toml(store, tmp_path, data):
    path = tmp_path / "contract.toml"
    check_import(store, ("import", "contract", str(path)), path, data, verify_contract)


@FUZZ
@given(data=files(contract_jsons, st.one_of(contract_jsons.flatmap(edit_lines), edited_json())))
def test_contract_json(store, tmp_path, data):
    path = tmp_path / "contract.json"
    check_import(store, ("import", "contract", str(path)), path, data, verify_contract)


# ---------------------------------------------------------------------------------------------------
# Contract text (`zldesk import contract FILE.txt`): the signed contract as PDF extraction gives it.

TEXT_BASES = {name: (TEXTS / f"{name}.txt").read_text(encoding="utf-8") for name in ("leishan", "rongjiang", "duyun")}
contract_texts = st.sampled_from(sorted(TEXT_BASES.values()))


def verify_contract_text(store: Store, path: Path, data: bytes, args: tuple[str, ...]) -> None:
    from zldesk.importers.contract_text import code_from_name, read_contract_text

    expected = read_contract_text(data, str(path), "text", code_from_name(path.stem)).accept("--force" in args)
    exported = run_ok(store.path, "export", "contract", expected.code, "--format", "json")
    assert json.loads(exported.stdout) == _contract_dict(expected)


def _without_leftovers(stderr: str) -> str:
    """The import warns of unplaced text that its dry run lists in the report instead (a warning may
    run over several lines: the unplaced text is printed as it is)."""
    warnings: list[str] = []
    for line in stderr.split("\n")[:-1]:
        if warnings and not line.startswith("警告："):
            warnings[-1] += line + "\n"
        else:
            warnings.append(line + "\n")
    return "".join(w for w in warnings if "未归入任何字段" not in w)


@FUZZ
@given(
    data=files(contract_texts, contract_texts.flatmap(edit_lines)),
    name=st.sampled_from(["leishan", "rongjiang", "雷山"]),
    force=st.booleans(),
)
def test_contract_text(store, tmp_path, data, name, force):
    path = tmp_path / f"{name}.txt"
    args = ("import", "contract", str(path), *(["--force"] if force else []))
    check_import(store, args, path, data, verify_contract_text, same_warnings=_without_leftovers)


# ---------------------------------------------------------------------------------------------------
# Module CSV (`zldesk import modules FILE --contract leishan`).

MODULES_CSV = dumps_modules_csv(BASE.modules)
HEADER_ZH = "编号,使用模块,是否选择,站点数,备注"


@st.composite
def module_lists(draw) -> tuple[Module, ...]:
    nos = draw(st.lists(st.integers(1, 999_999), min_size=1, max_size=12, unique=True))
    return tuple(
        Module(
            no, draw(names), draw(st.booleans()), draw(st.none() | st.integers(0, 999_999)), draw(st.text(max_size=12))
        )
        for no in nos
    )


@st.composite
def valid_module_csv(draw) -> str:
    text = draw(st.one_of(st.just(MODULES_CSV), module_lists().map(dumps_modules_csv)))
    if draw(st.booleans()):
        text = HEADER_ZH + text[text.index("\r\n") :]
    return text


@st.composite
def edit_csv_cell(draw, text: str) -> str:
    """One cell of a parsed CSV changed, one row doubled or dropped, a column added or removed."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return text
    if not rows:
        return text
    op = draw(st.sampled_from(("cell", "cell", "cell", "double", "drop", "add-column", "drop-column")))
    r = draw(st.integers(0, len(rows) - 1))
    if op == "cell" and rows[r]:
        rows[r][draw(st.integers(0, len(rows[r]) - 1))] = draw(junk)
    elif op == "double":
        rows.insert(r, list(rows[r]))
    elif op == "drop":
        del rows[r]
    elif op == "add-column":
        rows[r].append(draw(junk))
    elif op == "drop-column" and rows[r]:
        rows[r].pop(draw(st.integers(0, len(rows[r]) - 1)))
    out = io.StringIO()
    csv.writer(
        out,
        delimiter=draw(st.sampled_from([",", ",", ";", "\t"])),
        lineterminator=draw(st.sampled_from(["\r\n", "\n"])),
    ).writerows(rows)
    return out.getvalue()


module_csvs = valid_module_csv()


def verify_modules(store: Store, path: Path, data: bytes, args: tuple[str, ...]) -> None:
    from zldesk.importers.modules_csv import read_modules_csv

    expected, _ = read_modules_csv(data, str(path))
    exported = run_ok(store.path, "export", "modules", "leishan", "--format", "json")
    assert json.loads(exported.stdout) == contract_to_dict(replace(BASE, modules=expected))["modules"]


@FUZZ
@given(data=files(module_csvs, st.one_of(module_csvs.flatmap(edit_lines), module_csvs.flatmap(edit_csv_cell))))
def test_modules_csv(store, tmp_path, data):
    path = tmp_path / "modules.csv"
    # --verbose: every change listed (past 20 the report summarises), so the lines can be counted
    args = ("import", "modules", str(path), "--contract", "leishan", "--verbose")
    check_import(store, args, path, data, verify_modules)


def test_modules_csv_base_is_the_cli_export(store, tmp_path):
    """The module CSV the fuzzing starts from is what `zldesk export modules` writes."""
    run_ok(store.path, "export", "modules", "-o", str(tmp_path / "m.csv"))
    assert (tmp_path / "m.csv").read_bytes().decode("utf-8") == MODULES_CSV


# ---------------------------------------------------------------------------------------------------
# The roster: TOML (the whole roster) and CSV (fixed shifts).

DEMO_DATA = tomllib.loads(DEMO_TEXT)
KNOWN = [e["name"] for e in DEMO_DATA["engineers"] if e.get("active", True)]


@st.composite
def rosters(draw) -> dict:
    """The demo roster with up to three valid edits, as a dict for toml_dumps."""
    d = json.loads(json.dumps(DEMO_DATA, default=str))  # dates as ISO text: toml_dumps writes them quoted
    d = _dates_back(d)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(
            st.sampled_from(
                ("phone", "new-engineer", "rotation-order", "handoff", "drop-shifts", "drop-overrides", "rename")
            )
        )
        if op == "phone":
            e = draw(st.sampled_from(d["engineers"]))
            e["phone"] = draw(st.text(max_size=14))
        elif op == "new-engineer":
            d["engineers"].append({"name": draw(names), "phone": draw(st.text(max_size=14))})
        elif op == "rotation-order":
            r = draw(st.sampled_from(d["rotations"]))
            r["engineers"] = draw(st.permutations(r["engineers"]))
        elif op == "handoff":
            r = draw(st.sampled_from(d["rotations"]))
            r["handoff"] = f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 15, 30, 45])):02d}"
        elif op == "drop-shifts":
            d.pop("shifts", None)
        elif op == "drop-overrides":
            d.pop("overrides", None)
        elif op == "rename":
            r = draw(st.sampled_from(d["rotations"]))
            r["name"] = draw(st.text(max_size=10))
    return d


def _dates_back(d: dict) -> dict:
    for r in d.get("rotations", []):
        for k in ("start", "end"):
            if k in r:
                r[k] = date.fromisoformat(r[k])
    for table in ("shifts", "overrides"):
        for r in d.get(table, []):
            for k in ("start", "end"):
                r[k] = datetime.fromisoformat(r[k])
    return d


roster_tomls = st.one_of(st.just(DEMO_TEXT), rosters().map(toml_dumps))


def _roster_now(store: Store):
    from zldesk.store import make_engine, reading
    from zldesk.store.roster import load_roster

    engine = make_engine(f"sqlite:///{store.path}")
    try:
        with reading(engine) as session:
            return load_roster(session, "leishan")
    finally:
        engine.dispose()


def _shift_keys(shifts) -> list[tuple]:
    return sorted((s.line, s.engineer, s.start.timestamp(), s.end.timestamp()) for s in shifts)


@cache
def _base_roster():
    """The contract and the roster the template store holds: leishan.toml and demo.toml."""
    from zldesk.roster import read_roster_toml

    return BASE, read_roster_toml(DEMO_TEXT, str(DEMO), BASE)


def verify_roster_toml(store: Store, path: Path, data: bytes, args: tuple[str, ...]) -> None:
    """Imported whole: the file's rotations and shifts are the roster's, its engineers and overrides added."""
    from zldesk.contract import decode_utf8
    from zldesk.roster import read_roster_toml

    contract, before = _base_roster()
    incoming = read_roster_toml(decode_utf8(data, str(path)), str(path), contract)
    _, now = _roster_now(store)
    assert now.rotations == incoming.rotations
    assert _shift_keys(now.shifts) == _shift_keys(incoming.shifts)
    assert all(e in now.engineers for e in incoming.engineers)
    assert len(now.overrides) == len(before.overrides) + len(incoming.overrides)


@FUZZ
@given(
    data=files(
        roster_tomls,
        st.one_of(
            roster_tomls.flatmap(edit_lines),
            roster_tomls.flatmap(edit_toml_field),
            roster_tomls.flatmap(duplicate_block),
        ),
    )
)
def test_roster_toml(store, tmp_path, data):
    path = tmp_path / "roster.toml"
    check_import(store, ("roster", "import", str(path)), path, data, verify_roster_toml)


@cache
def roster_csv_base() -> str:
    """What `zldesk roster export --from 2026-09-28 --to 2026-10-12` writes for the demo roster, made by
    the CLI in a store of its own (once: strategies draw from it)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        db, out = Path(folder) / "zldesk.db", Path(folder) / "shifts.csv"
        run_ok(db, "contracts")
        run_ok(db, "roster", "import", str(DEMO))
        run_ok(db, "roster", "export", "--format", "csv", "--from", ROSTER_FROM, "--to", ROSTER_TO, "-o", str(out))
        return out.read_bytes().decode("utf-8")


@st.composite
def valid_roster_csv(draw) -> str:
    """The exported shifts, a subset of them (still without overlaps), engineers swapped or new."""
    header, *rows = csv.reader(io.StringIO(roster_csv_base(), newline=""))
    if draw(st.booleans()):
        rows = draw(st.lists(st.sampled_from(rows), unique_by=tuple, max_size=len(rows)))
    out = []
    for cells in rows:
        cells = list(cells)
        if draw(st.integers(0, 5)) == 0:
            cells[1] = draw(st.one_of(st.sampled_from(KNOWN), names))
            cells[2] = draw(st.text(max_size=14))
        out.append(cells)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=draw(st.sampled_from(["\r\n", "\n"]))).writerows([header, *out])
    return buffer.getvalue()


roster_csvs = st.deferred(valid_roster_csv)


def verify_roster_csv(store: Store, path: Path, data: bytes, args: tuple[str, ...]) -> None:
    """Imported whole: every shift of the file is now a fixed shift, every new engineer known."""
    from zldesk.roster import read_roster_csv

    contract, before = _base_roster()
    shifts = read_roster_csv(data, str(path), contract)
    _, now = _roster_now(store)
    held = set(_shift_keys(now.shifts))
    assert all(key in held for key in _shift_keys(shifts))
    assert {s.engineer for s in shifts} <= {e.name for e in now.engineers}


@FUZZ
@given(
    data=files(roster_csvs, st.one_of(roster_csvs.flatmap(edit_lines), roster_csvs.flatmap(edit_csv_cell))),
    add=st.booleans(),
)
def test_roster_csv(store, tmp_path, data, add):
    path = tmp_path / "shifts.csv"
    args = ("roster", "import", str(path), *(["--add-engineers"] if add else []))
    check_import(store, args, path, data, verify_roster_csv)


def test_roster_csv_base_is_the_cli_export(store, tmp_path):
    """The roster CSV the fuzzing starts from is the template's own export, and imports as it is."""
    out = tmp_path / "shifts.csv"
    run_ok(store.path, "roster", "export", "--format", "csv", "--from", ROSTER_FROM, "--to", ROSTER_TO, "-o", str(out))
    assert out.read_bytes().decode("utf-8") == roster_csv_base()
    check_import(store, ("roster", "import", str(out)), out, out.read_bytes(), verify_roster_csv)


# ---------------------------------------------------------------------------------------------------
# What the fuzzing found, each as its smallest file.

H = "值班线,工程师,电话,开始,结束\n"


@pytest.mark.parametrize(
    "name, content, where",
    [
        pytest.param(
            "a.csv", H + "现场值班,王芳,1,9999-12-31 09:00,9999-12-31 24:00\n", ":2: 结束:", id="csv-no-next-day"
        ),
        pytest.param(
            "b.csv",
            H + "现场值班,王芳,1,0001-01-01T00:00+01:00,2026-01-01 09:00\n",
            ":2: 开始: 超出范围",
            id="csv-year-1-with-offset",
        ),
        pytest.param(
            "c.toml",
            DEMO_TEXT.replace("start = 2026-01-05", "start = 0001-01-01", 1),
            ":61: rotations[0].start: 超出范围",
            id="toml-rotation-from-year-1",
        ),
        pytest.param(
            "d.toml",
            DEMO_TEXT.replace("start = 2026-10-03T09:00:00", "start = 0001-01-01T00:00:00", 1),
            ":93: shifts[0].start: 超出范围",
            id="toml-shift-in-year-1",
        ),
        pytest.param(
            "e.toml",
            DEMO_TEXT.replace("end = 2026-10-03T21:00:00", "end = 9999-12-31T23:59:59", 1),
            ":94: shifts[0].end: 超出范围",
            id="toml-shift-to-year-9999",
        ),
    ],
)
def test_roster_dates_out_of_range_are_input_errors(store, tmp_path, name, content, where):
    """Year 1 or 9999 in a roster: the CSV died with OverflowError, a TOML shift in year 1 passed the dry
    run and failed the import with 数据库错误, a rotation from year 1 was imported and then every roster
    command died with OverflowError. Now each is exit 2 naming the line and field."""
    path = tmp_path / name
    args = ("roster", "import", str(path), *(["--add-engineers"] if name.endswith(".csv") else []))
    check_import(store, args, path, content.encode())
    ran = invoke(store.path, *args)
    assert ran.exit_code == 2 and f"{path}{where}" in ran.stderr, ran.stderr
    run_ok(store.path, "roster", "now", "--at", "2026-10-03T12:00")


def test_module_number_beyond_64_bits_is_an_input_error(store, tmp_path):
    """Found here, fixed in contract.py (fe3c73c): the dry run listed the change, the import died with
    OverflowError (SQLite's INTEGER stops at 2**63-1)."""
    path = tmp_path / "contract.toml"
    data = LEISHAN_TEXT.replace("no = 4\n", "no = 9223372036854775808\n", 1).encode()
    path.write_bytes(data)
    ran = invoke(store.path, "import", "contract", str(path))
    assert_clean(ran, ("import", "contract", str(path)))
    assert ran.exit_code == 2 and "modules[3].no" in ran.stderr


def test_window_without_label_is_an_input_error(store, tmp_path):
    """Found here, fixed in contract.py (fe3c73c): the window was built with label None and the label
    check died on it with TypeError."""
    path = tmp_path / "contract.toml"
    path.write_text(LEISHAN_TEXT.replace('label = "5*8"\n', "", 1), encoding="utf-8")
    ran = invoke(store.path, "import", "contract", str(path))
    assert_clean(ran, ("import", "contract", str(path)))
    assert ran.exit_code == 2 and "windows[0].label: 缺少必填字段" in ran.stderr


def test_unknown_empty_key_is_named(store, tmp_path):
    """Found here, fixed in contract.py (fe3c73c): an unknown key "" had an empty path, so its message
    named neither line nor field."""
    path = tmp_path / "contract.json"
    data = json.loads(dumps_json(BASE)) | {"": 1}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    ran = invoke(store.path, "import", "contract", str(path))
    assert ran.exit_code == 2
    assert_rejection(ran.stderr, str(path))
