"""Names that look alike are one name.

- Engineer names are kept in one spelling (text.plain_name: NFKC, zero-width characters removed): in roster
  files, overrides, `--engineer`, `--as`, `assign`. Two rows that differ only so are refused, naming both.
"""

from __future__ import annotations

import json
import re

import pytest

from zldesk.data import data_dir
from zldesk.text import plain_name

from .conftest import older_zldesk, store_checksum
from .test_fuzz_imports import toml_str

DEMO = data_dir() / "roster" / "demo.toml"
ZW = "\u200b"


def test_plain_name():
    assert plain_name(f" 王{ZW}芳\u2060 ") == plain_name("王\ufeff芳") == plain_name("王\u200d芳") == "王芳"
    assert plain_name("ＡＢＣ") == "ABC" and plain_name("李\uf900") == "李" + "\u8c48"  # a compatibility ideograph


@pytest.fixture
def store(cli):
    assert cli("roster", "import", str(DEMO)).exit_code == 0
    return cli


def _with_engineer(name: str, phone: str = "138-0000-0199") -> str:
    return DEMO.read_text(encoding="utf-8") + f"\n[[engineers]]\nname = {toml_str(name)}\nphone = {toml_str(phone)}\n"


@pytest.mark.parametrize("twin", [f"王{ZW}芳", "王芳\u2060", "\ufeff王芳"])
def test_a_roster_naming_one_engineer_twice_in_look_alike_spellings_is_refused(cli, db_path, tmp_path, twin):
    assert cli("contracts").exit_code == 0
    file = tmp_path / "r.toml"
    file.write_text(_with_engineer(twin), encoding="utf-8")
    before = store_checksum(db_path)
    ran = cli("roster", "import", str(file))
    assert ran.exit_code == 2 and store_checksum(db_path) == before
    problem = next(line for line in ran.stderr.splitlines() if "看起来是同一个人" in line)
    line = int(re.search(rf"{re.escape(str(file))}:(\d+): engineers\[9\]\.name:", problem).group(1))
    assert toml_str(twin) in file.read_text(encoding="utf-8").split("\n")[line - 1]
    assert "engineers[0]" in problem and "\\u" in problem  # both rows, and how the odd one is spelled


def test_full_width_and_ascii_names_are_one_engineer(cli, db_path, tmp_path):
    text_ = DEMO.read_text(encoding="utf-8").replace('"王芳"', '"ＷＦ"', 1).replace('"王芳"', '"WF"')
    (tmp_path / "one.toml").write_text(text_, encoding="utf-8")
    assert cli("roster", "import", str(tmp_path / "one.toml")).exit_code == 0  # ＷＦ is WF: known by both
    for twin, said in (
        ("WF", "「WF」与 engineers[0] 的「ＷＦ」看起来是同一个人"),
        ("ＷＦ", "「WF」重复出现（engineers[0] 已有）"),
    ):
        (tmp_path / "two.toml").write_text(text_ + f'\n[[engineers]]\nname = "{twin}"\n', encoding="utf-8")
        ran = cli("roster", "import", str(tmp_path / "two.toml"))
        assert ran.exit_code == 2 and said in ran.stderr, ran.stderr


def test_names_typed_in_any_spelling_are_kept_in_one(store, db_path, tmp_path):
    override = ["--line", "hotline", "--from", "2026-11-17T09:00", "--to", "2026-11-17T10:00", "--reason", "换班"]
    assert store("roster", "override", *override, "--engineer", f"黄{ZW}丽", "--as", "ＡＢＣ").exit_code == 0
    log = json.loads(store("roster", "log", "--json").stdout)[-1]
    assert log["who"] == "ABC" and "黄丽" in log["summary"][0] and ZW not in log["summary"][0]
    now = json.loads(store("roster", "now", "--at", "2026-11-17T09:30", "--json").stdout)
    assert now["lines"][0]["engineer"] == "黄丽" and now["lines"][0]["phone"]  # the roster's 黄丽, phone and all
    csv = "值班线,工程师,电话,开始,结束\n现场值班,王\u200b芳,,2026-11-02 09:00,2026-11-02 21:00\n"
    (tmp_path / "s.csv").write_text(csv, encoding="utf-8")
    assert store("roster", "import", str(tmp_path / "s.csv")).exit_code == 0  # 王芳, known: not a new engineer
    assert store("ticket", "new", "--severity", "3", "--title", "收费", "--caller", "王\u200b护士").exit_code == 0
    assert store("ticket", "assign", "1", f"张{ZW}伟", "--as", f"李{ZW}强").exit_code == 0
    shown = json.loads(store("ticket", "show", "1", "--json").stdout)
    assert (shown["assignee"], shown["caller"], shown["history"][-1]["who"]) == ("张伟", "王护士", "李强")


def test_a_look_alike_kept_by_an_older_zldesk_is_named_when_the_roster_changes(store, db_path, tmp_path):
    file = tmp_path / "r.toml"
    with older_zldesk():
        file.write_text(_with_engineer(f"王{ZW}芳"), encoding="utf-8")
        assert store("roster", "import", str(file)).exit_code == 0  # two engineers who look like one
    before = store_checksum(db_path)
    ran = store("roster", "import", str(DEMO))
    assert ran.exit_code == 2 and store_checksum(db_path) == before
    assert "王\\u200b芳" in ran.stderr and "看起来是同一个人" in ran.stderr
