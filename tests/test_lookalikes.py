"""Names that look alike are one name, and search finds text however it was typed.

- Engineer names are kept in one spelling (text.plain_name: NFKC, zero-width characters removed): in roster
  files, overrides, `--engineer`, `--as`, `assign`. Two rows that differ only so are refused, naming both.
- Ticket search folds full-width letters and digits (ＨＩＳ, １２５４１) and finds characters outside the
  BMP (𠮷), on SQLite and PostgreSQL; a store indexed by older tokens is indexed again when it is opened.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, text

from zldesk.data import data_dir
from zldesk.store import quick
from zldesk.text import SEARCH_TOKENS, plain_name, search_query, search_tokens, tsquery_text

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


# ---- search --------------------------------------------------------------------------------------

TITLES = {1: "ＨＩＳ 门诊收费 锁表", 2: "工单１２５４１ 𠮷野家 打印", 3: "HIS 12541 住院"}


def test_tokens_fold_full_width_and_keep_every_plane():
    assert search_tokens("ＨＩＳ") == search_tokens("his") == "his"
    assert search_tokens("𠮷野") == "𠮷野 野" and search_tokens("收\u200b费") == "收费 费"
    assert search_query("ＨＩＳ") == search_query("His") and tsquery_text("１２５４１") == tsquery_text("12541")


@pytest.mark.parametrize(
    "query, found",
    [("his", {1, 3}), ("ＨＩＳ", {1, 3}), ("12541", {2, 3}), ("１２５４１", {2, 3}), ("𠮷", {2}), ("𠮷野", {2})],
)
def test_search_folds_full_width_and_finds_characters_outside_the_bmp(cli, any_store, query, found):
    for title in TITLES.values():
        assert cli("ticket", "new", "--severity", "3", "--title", title).exit_code == 0
    ran = cli("ticket", "search", query, "--json")
    assert ran.exit_code == 0, ran.stderr
    assert {r["id"] for r in json.loads(ran.stdout)} == found


def _old_tokens(monkeypatch):
    """The tokens of zldesk before search folded: Chinese of the BMP and ASCII only, as typed."""
    import zldesk.text

    old = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[0-9a-z]+")
    monkeypatch.setattr(zldesk.text, "_runs", lambda t: old.findall(t.lower()))


def test_an_old_index_is_made_again_when_the_store_is_opened(cli, any_store, monkeypatch):
    with monkeypatch.context() as old:
        _old_tokens(old)
        for title in TITLES.values():
            assert cli("ticket", "new", "--severity", "3", "--title", title).exit_code == 0
    # That index finds neither the full-width nor the 𠮷 ticket (the premise)...
    assert {r["id"] for r in json.loads(cli("ticket", "search", "𠮷", "--json").stdout)} == set()
    engine = create_engine(any_store)
    with engine.begin() as conn:  # ...and was made, like every index before this zldesk, with no mark
        conn.execute(text("DELETE FROM meta WHERE key = 'search_tokens'"))
    if any_store.startswith("sqlite"):
        assert quick.ready(any_store) is None  # the console's fast path leaves it to open_store
    assert {r["id"] for r in json.loads(cli("ticket", "search", "ＨＩＳ", "--json").stdout)} == {1, 3}
    assert {r["id"] for r in json.loads(cli("ticket", "search", "𠮷", "--json").stdout)} == {2}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'search_tokens'")).scalar() == SEARCH_TOKENS
    engine.dispose()
    if any_store.startswith("sqlite"):
        assert quick.ready(any_store) is not None
