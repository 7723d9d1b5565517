"""`zldesk import contract FILE.txt|.pdf`: a contract read from its signed text, as PDF extraction gives it.

The seed (tests/data/contract_texts/leishan.txt, a copy of shared/seeds/000_…) must give leishan.toml on
every field the text carries. rongjiang.txt and duyun.txt are contracts of our own in the same extraction
style (split category labels, broken cells, page breaks), with other hospitals, modules, hours, targets and
service items; their .toml beside them is what they must give, written from leishan.toml by listed edits.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sqlite3
from dataclasses import fields, replace
from pathlib import Path

import pytest

from zldesk.contract import contract_from_dict, read_contract_file
from zldesk.errors import InvalidInput
from zldesk.importers.contract_text import (
    code_from_name,
    parse_text,
    read_contract_text,
)

from .conftest import LEISHAN, store_checksum

TEXTS = Path(__file__).parent / "data" / "contract_texts"
SEED = TEXTS / "leishan.txt"
SHARED_SEED = Path(__file__).parents[2] / "shared" / "seeds" / "000_e96607c022984118.txt"
# The seed's SHA-256, pinned: the copy cannot drift unnoticed where shared/ is not beside the checkout (CI).
SEED_SHA256 = "3c3cc72dcbf519c662b5aa36f76b0689ba301d77e88a36ae882bed21abde30c8"
OWN = ["rongjiang", "duyun"]


def parse(text: str, code: str = "leishan"):
    return parse_text(text, "contract.txt", code)


def contract_of(text: str, code: str = "leishan"):
    return parse(text, code).accept()


# ---------------------------------------------------------------------------------------------------
# The seed gives leishan.toml.


def test_seed_copy_has_the_pinned_digest():
    assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256


def test_seed_copy_is_the_shared_seed():
    if not SHARED_SEED.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert SEED.read_bytes() == SHARED_SEED.read_bytes()


# leishan.toml's editorial choices, which the text does not carry (its own comments say so):
# - every `note`;
# - labels of the bare links printed at the end of the text: the text does not say which words they belong to.
# (A broken line `中联 PACS` | `专业版` was once transcribed without a space; leishan.toml now writes
# `中联 PACS 专业版`, as the same sentence writes `中联 PACS 标准版` and as the importer's rule gives.)
LINK_LABELS = {"http://www.zlsoft.com": "中联官网", "http://www.zlsoft.com/zlhis.asp": "产品及补丁下载"}


def editorial(row):
    """The row with the fields the text cannot carry set to what the importer gives."""
    row = replace(row, note="") if hasattr(row, "note") else row
    if getattr(row, "kind", None) == "website" and LINK_LABELS.get(row.value) == row.label:
        row = replace(row, label="文末链接")
    return row


def test_seed_gives_leishan_on_every_field_the_text_carries():
    got, want = contract_of(SEED.read_text(encoding="utf-8")), read_contract_file(LEISHAN)
    for name in ("code", "customer", "vendor", "product", "timezone", "title", "period"):
        assert getattr(got, name) == getattr(want, name), name
    for table in ("windows", "severities", "services", "modules", "contacts"):
        got_rows, want_rows = getattr(got, table), [editorial(r) for r in getattr(want, table)]
        assert len(got_rows) == len(want_rows), table
        for i, (g, w) in enumerate(zip(got_rows, want_rows)):
            for f in fields(w):
                assert getattr(g, f.name) == getattr(w, f.name), f"{table}[{i}].{f.name}"


def test_the_seeds_editorial_differences_are_exactly_the_listed_ones():
    """The exceptions above are not a blanket: without them, exactly these fields differ."""
    got, want = contract_of(SEED.read_text(encoding="utf-8")), read_contract_file(LEISHAN)
    differ = {
        (table, i, f.name)
        for table in ("windows", "severities", "services", "modules", "contacts")
        for i, (g, w) in enumerate(zip(getattr(got, table), getattr(want, table)))
        for f in fields(w)
        if f.name != "note" and getattr(g, f.name) != getattr(w, f.name)
    }
    links = {i for i, c in enumerate(want.contacts) if c.value in LINK_LABELS}
    assert differ == {("contacts", i, "label") for i in links} and len(links) == 2


def test_the_seed_leaves_only_one_item_without_a_field():
    """Item 6 (网上论坛服务) has nothing the contract structure stores; it is reported, not dropped."""
    result = parse(SEED.read_text(encoding="utf-8"))
    assert [(x.part, x.text.split(" ")[0]) for x in result.leftovers] == [("售后服务方式", "网上论坛服务")]
    assert result.blocking == []


# ---------------------------------------------------------------------------------------------------
# Our own contracts give exactly what we expect.


@pytest.mark.parametrize("name", OWN)
def test_own_contract_texts_import_exactly(name):
    got = contract_of((TEXTS / f"{name}.txt").read_text(encoding="utf-8"), code_from_name(name))
    want = read_contract_file(TEXTS / f"{name}.toml")
    for table in ("windows", "severities", "services", "modules", "contacts"):
        assert getattr(got, table) == getattr(want, table), table
    assert got == want


def test_own_contracts_really_differ_from_the_seed():
    """Other modules and sites, other hours and targets, a service removed or added: not the seed in disguise."""
    seed = read_contract_file(LEISHAN)
    rongjiang, duyun = (read_contract_file(TEXTS / f"{n}.toml") for n in OWN)
    names = {s.name for s in seed.services}
    assert names - {s.name for s in rongjiang.services} == {"产品实用操作手册", "政策导向接口"}
    assert {s.name for s in duyun.services} - names == {"数据库性能优化服务"}
    assert [s.target.amount for s in rongjiang.severities] == [2, 6, 3]
    assert [w.start for w in duyun.windows] != [w.start for w in seed.windows]
    assert any(m.sites for m in rongjiang.modules) and not any(m.sites for m in seed.modules)
    assert duyun.vendor != seed.vendor


# ---------------------------------------------------------------------------------------------------
# Robust to the ways extraction and typing vary.


def _no_blank_lines(t):
    return re.sub(r"\n\s*\n", "\n", t)


def _crlf_and_trailing_blanks(t):
    return t.replace("\n", "  \r\n")


def _form_feeds(t):
    return re.sub(r"\n (?=\S)", "\n\f", t)


def _page_numbers(t):
    lines = t.split("\n")
    for k in range(len(lines) - 40, 0, -97):  # page furniture dropped into the middle of tables and prose
        lines.insert(k, f"第 {k // 97 + 1} 页 共 9 页")
    return "\n".join(lines)


def _wide_blanks(t):
    return t.replace("（星期一至星期五 8:30~18:00", "（星期一至星期五\u3000 8:30 ~ 18:00")


@pytest.mark.parametrize("vary", [_no_blank_lines, _crlf_and_trailing_blanks, _form_feeds, _page_numbers, _wide_blanks])
def test_whitespace_and_page_breaks_do_not_matter(vary):
    text = SEED.read_text(encoding="utf-8")
    assert vary(text) != text
    assert contract_of(vary(text)) == contract_of(text)


PUNCTUATION = [
    ("响应时间：5 * 8 小时（星期一至星期五 8:30~18:00)", "响应时间:5＊8小时(周一至周五 8：30－18：00）"),
    ("上门服务响应时间：7*12 小时（9:00~21:00）", "上门服务响应时间: ７*１２ 个小时 (9:00～21:00)"),
    ("最迟 3 小时内到达", "最迟三小时内到达"),
    ("最迟 5 小时内到达", "最迟 5 时内到达"),
    ("最迟 3个工作日内到达", "最迟 3 个工作日内到达"),
    ("最迟七个工作日内到达", "最迟7个工作日内到达"),
    ("a) 一级问题：系统灾难故障——", "a）一级问题:系统灾难故障——"),
]


@pytest.mark.parametrize("old, new", PUNCTUATION)
def test_full_and_half_width_forms_and_numerals_read_alike(old, new):
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    base, varied = contract_of(text), contract_of(text.replace(old, new))
    assert varied.windows == base.windows
    assert [s.target for s in varied.severities] == [s.target for s in base.severities]
    assert [s.name for s in varied.severities] == [s.name for s in base.severities]


LAYOUTS = {
    "levels-mid-line": [("（9:00~21:00）\n\na) 一级问题", "（9:00~21:00） a) 一级问题")],
    "levels-without-letters": [(f"{x}) {n}级问题", f"{n}级问题") for x, n in zip("abcd", "一二三四")],
    "levels-with-bracketed-letters": [("a) 一级问题", "（a）一级问题"), ("b) 二级问题", "（b）二级问题")],
    "items-numbered-with-dots": [
        (f"{n}、{t}", f"{n}. {t}")
        for n, t in enumerate(("热线支持服务", "备勤专线支持服务", "网络远程服务", "软件故障现场处理"), 1)
    ],
    "single-dash": [("系统灾难故障——", "系统灾难故障—"), ("系统严重故障——", "系统严重故障--")],
    "response-time-wording": [("响应时间：7*8 小时（", "响应时间为 7*8 小时（")],
    "hours-outside-brackets": [
        ("上门服务响应时间：7*12 小时（9:00~21:00）", "上门服务响应时间：7*12 小时，9:00~21:00。")
    ],
    "hours-in-words": [("星期一至星期五 8:30~18:00)", "星期一至星期五 8点30分至18点)")],
    "customer-sentence-reworded": [
        ("如果雷山县人民医院的 ZLHIS 系统使用过程中出现故障", "雷山县人民医院在 ZLHIS 系统使用过程中如出现故障")
    ],
    "module-header-repeated-on-next-page": [
        ("15 财务监控系统 是", " 编号 使用模块 是否选择 站点数 备注\n15 财务监控系统 是")
    ],
    "module-name-broken": [("32 检验实验室管理查询系统 是", "32 检验实验室管理 是\n查询系统")],
    "module-header-words": [("编号 使用模块 是否选择 站点数 备注", "序号 模块名称 是否选用 站点数量 说明")],
    "running-head": [("\n医保对码\n", "\n中联 His 系统维护服务内容\n医保对码\n")],
    "category-across-pages": [("技\n\n术\n\n备\n\n勤", "技\n\n术\n- 4 -\n 备\n\n勤")],
    "name-across-pages": [("医保数据\n\n传输异常\n\n处理", "医保数据\n\n传输异常\n- 4 -\n 处理")],
    "channel-centred-in-content": [
        (
            "票据上传等）接口优化改造服务以及政策性查询类接口，不包\n\n括医保/农合、政策性数据交互类接口\n\n远程/现场\n",
            "远程/现场\n票据上传等）接口优化改造服务以及政策性查询类接口，不包\n\n括医保/农合、政策性数据交互类接口\n\n",
        )
    ],
    "channel-glued-to-content": [
        (
            "票据上传等）接口优化改造服务以及政策性查询类接口，不包\n\n括医保/农合、政策性数据交互类接口\n\n远程/现场\n",
            "远程/现场票据上传等）接口优化改造服务以及政策性查询类接口，不包\n\n括医保/农合、政策性数据交互类接口\n\n",
        )
    ],
    "channel-below-one-line-content": [("相关咨询服务 电话/远程", "相关咨询服务\n电话/远程")],
    "full-width-slash": [("电话/QQ/传真", "电话／QQ／传真")],
}


@pytest.mark.parametrize("edits", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_layout_variants_give_the_same_contract(edits):
    text = SEED.read_text(encoding="utf-8")
    varied = text
    for old, new in edits:
        assert old in varied, old
        varied = varied.replace(old, new)
    result = parse(varied)
    assert result.accept() == contract_of(text)
    assert [x.text.split(" ")[0] for x in result.leftovers] == ["网上论坛服务"]


def test_a_lettered_point_that_is_not_a_level_blocks_the_import():
    text = SEED.read_text(encoding="utf-8")
    old = " 或与雷山县人民医院协商确定时间。\n"  # level 4's end, at the top of a page
    assert text.count(old) == 1
    result = parse(text.replace(old, old + "e) 其他问题：按双方约定处理。\n"))
    assert [(x.part, x.text) for x in result.blocking] == [("问题分级", "e) 其他问题：按双方约定处理。")]
    assert result.data["severities"][3]["description"].endswith("协商确定时间。")  # not glued to level 4


@pytest.mark.parametrize(
    "old, new, why",
    [
        ("（星期一至星期五 8:30~18:00)", "（星期一至星期五 8:30~12:00，14:00~18:00)", "两段时间"),
        ("响应时间：7*8 小时（星期一至星期五 8:30~18:00）", "响应时间：全天候", "读不出"),
        ("上门服务响应时间：7*12 小时（9:00~21:00）", "上门服务响应时间：7*12 小时", "没有写明几点到几点"),
    ],
)
def test_windows_the_text_cannot_express_block_the_import(old, new, why):
    text = SEED.read_text(encoding="utf-8")
    assert old in text
    result = parse(text.replace(old, new))
    assert [x.part for x in result.blocking] == ["服务窗口"] and why in result.blocking[0].why
    with pytest.raises(InvalidInput, match="服务窗口"):
        result.accept()


@pytest.mark.parametrize(
    "encoding, bom",
    [
        ("utf-8", b""),
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("gb18030", b""),
    ],
)
def test_encodings(encoding, bom):
    text = (TEXTS / "duyun.txt").read_text(encoding="utf-8")
    raw = bom + text.replace("\n", "\r\n").encode(encoding)
    got = read_contract_text(raw, "duyun.txt", "text", "duyun").accept()
    assert got == read_contract_file(TEXTS / "duyun.toml")


def test_code_from_file_name():
    assert code_from_name("leishan") == "leishan"
    assert code_from_name("雷山县人民医院") == "leishanxianrenminyiyuan"
    assert code_from_name("Rong Jiang (2024)") == "rong-jiang-2024"


def test_the_importer_knows_no_hospital():
    """Only the template's wording is in the importer: nothing of the seed's hospital, numbers, modules or hours."""
    source = "".join(
        p.read_text(encoding="utf-8")
        for p in (Path(__file__).parents[1] / "zldesk" / "importers").glob("contract_text*.py")
    )
    for fact in (
        "雷山",
        "重庆",
        "0851",
        "13314486056",
        "18785571625",
        "1027378",
        "zlsoft",
        "门急诊",
        "一卡通",
        "8:30",
        "18:00",
        "9:00",
        "21:00",
        "ZLHIS",
        "PACS",
    ):
        assert fact not in source, fact


# ---------------------------------------------------------------------------------------------------
# Through the CLI: same diff, transaction and import log as TOML; damaged texts write nothing.


@pytest.fixture
def before(cli, db_path) -> str:
    ran = cli("contracts")
    assert ran.exit_code == 0, ran
    return store_checksum(db_path)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def exported(cli, code: str):
    ran = cli("export", "contract", code, "--format", "json")
    assert ran.exit_code == 0, ran
    contract, problems, _ = contract_from_dict(json.loads(ran.stdout))
    assert not problems
    return contract


def test_import_text_saves_it_and_logs_it(cli, db_path, before, tmp_path):
    source = write(tmp_path, "rongjiang.txt", (TEXTS / "rongjiang.txt").read_text(encoding="utf-8"))
    ran = cli("import", "contract", str(source))
    assert ran.exit_code == 0, ran
    assert "已导入 rongjiang" in ran.stdout and "新合同 rongjiang（榕江县中医医院）" in ran.stdout
    assert exported(cli, "rongjiang") == read_contract_file(TEXTS / "rongjiang.toml")
    conn = sqlite3.connect(db_path)
    try:
        logged = conn.execute("SELECT source, sha256 FROM import_log WHERE source = ?", (str(source),)).fetchall()
    finally:
        conn.close()
    assert logged == [(str(source), hashlib.sha256(source.read_bytes()).hexdigest())]
    again = cli("import", "contract", str(source))
    assert again.exit_code == 0 and "内容与库中一致" in again.stdout


def test_code_option_names_the_contract(cli, db_path, before, tmp_path):
    source = write(tmp_path, "扫描稿.txt", (TEXTS / "duyun.txt").read_text(encoding="utf-8"))
    ran = cli("import", "contract", str(source), "--code", "duyun-2025")
    assert ran.exit_code == 0, ran
    assert "site: 合同文本未写明现场地址和路程，site 留空" in ran.stderr  # the text gives none: said, left empty
    assert json.loads(cli("export", "contract", "duyun-2025", "--format", "json").stdout).get("site") is None
    assert exported(cli, "duyun-2025") == replace(read_contract_file(TEXTS / "duyun.toml"), code="duyun-2025")


def test_dry_run_shows_each_section_and_writes_nothing(cli, db_path, before, tmp_path):
    source = write(tmp_path, "leishan.txt", SEED.read_text(encoding="utf-8"))
    ran = cli("import", "contract", str(source), "--dry-run")
    assert ran.exit_code == 0, ran
    out = ran.stdout
    for heading in (
        "一、服务内容细则：35 项",
        "二、软件系统明细表：33 行，选用 29 行",
        "服务窗口：5 个",
        "问题分级：4 级",
        "联系方式：12 个",
        "现场：未写明",
        "合同文本未写明现场地址和路程，site 留空",
        "未归入任何字段的文字：1 处",
        "试运行，未写入",
    ):
        assert heading in out, heading
    assert "hotline（5*8）法定工作日 08:30–18:00" in out
    assert "3 级 系统一般错误类故障：3 个工作日（workday），可协商" in out
    assert "网上论坛服务" in out
    assert store_checksum(db_path) == before


def rejected(ran, db_path, before, source, *fragments):
    assert ran.exit_code == 2, ran
    assert "Traceback" not in ran.stdout + ran.stderr
    assert f"无法导入 {source}" in ran.stderr, ran.stderr
    for fragment in fragments:
        assert fragment in ran.stderr, (fragment, ran.stderr)
    assert store_checksum(db_path) == before


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if needle in line)


def test_truncated_text(cli, db_path, before, tmp_path):
    text = (TEXTS / "rongjiang.txt").read_text(encoding="utf-8")
    cut = text[: text.index("10 病区护士工作站")]
    source = write(tmp_path, "rongjiang.txt", cut)
    last = line_of(cut, "9 住院医生工作站")
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{last}: 售后服务方式: 缺少这一部分（标题“三、售后服务方式及响应时间”）：文件到第 {last} 行为止",
    )


def test_module_table_without_the_selection_column(cli, db_path, before, tmp_path):
    text = (TEXTS / "duyun.txt").read_text(encoding="utf-8")
    damaged = text.replace("序号 使用模块 是否选择 站点数 备注", "序号 使用模块 站点数 备注")
    damaged = re.sub(r"^(\d+ \S+) [是否]( ?)", r"\1\2", damaged, flags=re.MULTILINE)
    source = write(tmp_path, "duyun.txt", damaged)
    header = line_of(damaged, "序号 使用模块")
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{header}: 软件系统明细表: 表头缺少“是否选择”列",
    )


def test_module_rows_without_a_selection(cli, db_path, before, tmp_path):
    """The header has 是否选择 but no row says 是: the column is missing from the rows."""
    text = (TEXTS / "duyun.txt").read_text(encoding="utf-8")
    damaged = re.sub(r"^(\d+ \S+) [是否]( ?)", r"\1\2", text, flags=re.MULTILINE)
    source = write(tmp_path, "duyun.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, '序号 使用模块')}: 软件系统明细表: 没有一行写着“是”",
    )


def test_module_row_without_a_name(cli, db_path, before, tmp_path):
    text = (TEXTS / "duyun.txt").read_text(encoding="utf-8")
    damaged = text.replace("4 住院费用管理系统 是 1", "4 是 1")
    source = write(tmp_path, "duyun.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, '4 是 1')}: 软件系统明细表: 第 4 行没有模块名",
    )


def test_severity_without_a_target(cli, db_path, before, tmp_path):
    text = (TEXTS / "rongjiang.txt").read_text(encoding="utf-8")
    damaged = text.replace("服务工程师最迟 2 小时内到达。", "服务工程师尽快到达。")
    assert damaged != text
    source = write(tmp_path, "rongjiang.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, 'a) 一级问题')}: 问题分级: 一级问题（系统灾难故障）没有时限",
    )


def test_unplaced_text_in_the_module_table_needs_force(cli, db_path, before, tmp_path):
    text = (TEXTS / "rongjiang.txt").read_text(encoding="utf-8")
    damaged = text.replace("20 体检管理系统 否\n", "20 体检管理系统 否\n注：站点数以实际安装为准。\n")
    source = write(tmp_path, "rongjiang.txt", damaged)
    note = line_of(damaged, "注：站点数")
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{note}: 软件系统明细表: 无法归入任何字段",
        "注：站点数以实际安装为准。",
        "--force",
    )

    ran = cli("import", "contract", str(source), "--force")
    assert ran.exit_code == 0, ran
    assert f"{source}:{note}: 软件系统明细表: 未归入任何字段" in ran.stderr
    assert exported(cli, "rongjiang") == read_contract_file(TEXTS / "rongjiang.toml")


def test_dry_run_of_a_damaged_text_shows_what_it_found_then_fails(cli, db_path, before, tmp_path):
    text = (TEXTS / "rongjiang.txt").read_text(encoding="utf-8")
    source = write(
        tmp_path,
        "rongjiang.txt",
        text.replace("响应时间：5*8 小时（周一至周五 8:00～17:30）", "响应时间：5*8 小时（周一至周六 8:00～17:30）"),
    )
    ran = cli("import", "contract", str(source), "--dry-run")
    assert "二、软件系统明细表：20 行" in ran.stdout
    rejected(ran, db_path, before, source, "服务窗口: 无法归入任何字段（无法表示的日期")


def test_force_and_code_are_for_texts_only(cli, db_path, before):
    ran = cli("import", "contract", str(LEISHAN), "--force")
    assert ran.exit_code != 0 and "只用于合同正文" in ran.stderr
    assert store_checksum(db_path) == before


# ---------------------------------------------------------------------------------------------------
# A file cut short or missing a piece is reported (which part, and the last line it has), never imported
# as a smaller contract. The rules are the template's structure, not a count: other hospitals have other
# numbers of levels, items and modules.


def head(text: str, n: int) -> str:
    """`head -n n`: the file's first n lines."""
    return "".join(text.splitlines(keepends=True)[:n])


def last_line(text: str) -> tuple[int, str]:
    lines = text.split("\n")
    no = max(n for n, line in enumerate(lines, 1) if line.strip())
    return no, lines[no - 1].strip()


@pytest.mark.parametrize(
    "n, what",
    [
        (
            632,
            "文字在第 4 条“软件故障现场处理”的问题分级里或紧接其后就结束了（最后读到的一级是 c) 三级问题，第 627 行）",
        ),
        (
            640,
            "缺少结尾的“投诉及建议热线”一条（本部分的最后一条）：最后读到的是第 5 条“QQ 群交流平台服务”（第 640 行起）",
        ),
        (650, "缺少结尾的“投诉及建议热线”一条（本部分的最后一条）：最后读到的是第 6 条“网上论坛服务”（第 646 行起）"),
        (656, "缺少结尾的“投诉及建议热线”一条（本部分的最后一条）：最后读到的是第 7 条“网站 FTP 服务”（第 654 行起）"),
        (661, "第 7 条“网站 FTP 服务”的地址印在文末的链接里，但文末没有 ftp:// 链接"),
    ],
    ids=["in-the-levels", "in-item-5", "in-item-6", "in-item-7", "before-the-links"],
)
def test_a_truncated_seed_names_what_is_missing_and_the_last_line(cli, db_path, before, tmp_path, n, what):
    cut = head(SEED.read_text(encoding="utf-8"), n)
    source = write(tmp_path, "leishan.txt", cut)
    no, text = last_line(cut)
    ran = cli("import", "contract", str(source))
    rejected(
        ran,
        db_path,
        before,
        source,
        f"{source}:{no}: 售后服务方式: {what}",
        f"文件到第 {no} 行为止（最后一行是「{text[:40]}",
    )
    assert "（1 处错误）" in ran.stderr
    rejected(cli("import", "contract", str(source), "--force"), db_path, before, source, what)  # not a leftover


@pytest.mark.parametrize("name", ["leishan", *OWN])
def test_no_cut_of_a_contract_imports_as_a_smaller_contract(name):
    """Cut after any line, a contract is refused, or (a repeated link at the very end) gives the same one."""
    text = (TEXTS / f"{name}.txt").read_text(encoding="utf-8")
    whole = contract_of(text, code_from_name(name))
    lines = text.splitlines(keepends=True)
    for n in range(1, len(lines)):
        try:
            got = contract_of("".join(lines[:n]), code_from_name(name))
        except InvalidInput:
            continue
        assert got == whole, f"cut after line {n} imports as another contract"


def test_a_three_level_contract_cut_after_its_levels_is_refused(cli, db_path, before, tmp_path):
    """rongjiang has three levels, whole: three levels then the end of the file is still a cut file."""
    text = (TEXTS / "rongjiang.txt").read_text(encoding="utf-8")
    cut = text[: text.index("5、QQ 群交流平台服务")]
    source = write(tmp_path, "rongjiang.txt", cut)
    no, _ = last_line(cut)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{no}: 售后服务方式: 文字在第 4 条“软件故障现场处理”的问题分级里或紧接其后就结束了"
        f"（最后读到的一级是 c) 三级问题，第 {line_of(cut, 'c) 三级问题')} 行）",
        f"文件到第 {no} 行为止",
    )


FIFTH = "\ne) 五级问题：系统咨询类问题——不影响业务的使用咨询，服务工程师最迟十个工作日内到达或与医院协商确定时间。\n"


def test_five_levels_are_complete_too(cli, db_path, before, tmp_path):
    """Completeness is the structure (a list followed by the next item), not a number of levels."""
    text = SEED.read_text(encoding="utf-8")
    end = " 或与雷山县人民医院协商确定时间。\n"
    five = text.replace(end, end + FIFTH)
    assert five != text
    got = contract_of(five)
    assert [s.level for s in got.severities] == [1, 2, 3, 4, 5]
    assert got.severities[4].target.amount == 10 and got.severities[4].target.unit == "working_days"
    source = write(tmp_path, "wuji.txt", five)
    ran = cli("import", "contract", str(source))
    assert ran.exit_code == 0, ran
    assert len(exported(cli, "wuji").severities) == 5
    cut = five[: five.index(FIFTH) + len(FIFTH)]  # the text stops right after e): cut, whatever the count
    with pytest.raises(InvalidInput, match="问题分级里或紧接其后就结束了（最后读到的一级是 e\\) 五级问题"):
        contract_of(cut)


def without(text: str, first: str, last: str) -> str:
    """The text without the lines from the one holding `first` to the one holding `last`: a lost page."""
    start = text.index(first)
    start = text.rindex("\n", 0, start) + 1
    end = text.index("\n", text.index(last, start)) + 1
    return text[:start] + text[end:]


def test_a_lost_level_is_reported(cli, db_path, before, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    damaged = without(text, "c) 三级问题", "公司服务工程师最迟 3个工作日内到达")
    source = write(tmp_path, "leishan.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, 'd) 四级问题')}: 问题分级: 问题分级不连续：b) 二级问题 之后是 d) 四级问题",
    )


def test_a_lost_item_is_reported(cli, db_path, before, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    damaged = without(text, "5、QQ 群交流平台服务", "山县人民医院发布通告")
    source = write(tmp_path, "leishan.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, '6、网上论坛服务')}: 售后服务方式: 条目编号不连续：第 4 条“软件故障现场处理”之后"
        "是第 6 条，缺少第 5 条",
    )


def test_lost_module_rows_block_the_import(cli, db_path, before, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    damaged = without(text, "10 门急诊医生工作站 是", "11 新版急诊电子病历系统 是")
    source = write(tmp_path, "leishan.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, '12 住院医生工作站')}: 软件系统明细表: 无法归入任何字段（编号不连续：应是第 10 行，"
        "这里是第 12 行",
        "--force",
    )


def test_parts_out_of_order_are_reported(cli, db_path, before, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    two, three = text.index(" 二、软件系统明细表"), text.index(" 三、售后服务方式及响应时间")
    moved = text[:two] + text[three:] + "\n" + text[two:three]
    source = write(tmp_path, "leishan.txt", moved)
    three_at = line_of(moved, "三、售后服务方式及响应时间")
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{three_at}: 售后服务方式: 各部分的次序不对：“三、售后服务方式及响应时间”（第 {three_at} 行）"
        f"在“二、软件系统明细表”（第 {line_of(moved, '二、软件系统明细表')} 行）之前",
    )


@pytest.mark.parametrize(
    "old, new, where, message",
    [
        (
            "\n响应时间：5 * 8 小时（星期一至星期五 8:30~18:00)\n",
            "\n",
            "1、热线支持服务",
            "服务窗口: 第 1 条“热线支持服务”没有写响应时间",
        ),
        (
            "\n响应时间：7*8 小时（星期一至星期五 8:30~18:00）\n",
            "\n",
            "3、网络远程服务",
            "服务窗口: 第 3 条“网络远程服务”没有写响应时间",
        ),
        (
            "（服务部备勤电话：13314486056）",
            "",
            "2、备勤专线支持服务",
            "售后服务方式: 第 2 条“备勤专线支持服务”没有给出电话号码",
        ),
        (
            "8、投诉及建议热线：18785571625。",
            "8、投诉及建议热线：",
            "8、投诉及建议热线",
            "售后服务方式: 第 8 条“投诉及建议热线”没有给出电话号码",
        ),
    ],
    ids=["hotline-response-time", "remote-response-time", "backup-number", "complaints-number"],
)
def test_a_line_the_template_always_has_is_missed(cli, db_path, before, tmp_path, old, new, where, message):
    text = SEED.read_text(encoding="utf-8")
    assert text.count(old) == 1
    damaged = text.replace(old, new)
    source = write(tmp_path, "leishan.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, where)}: {message}",
    )


# ---------------------------------------------------------------------------------------------------
# The 是否选择 cell: empty means not taken (the seed's rows 26, 27, 29, 30); a site count beside an
# empty cell means the 是 was lost.


def test_an_empty_selection_cell_is_not_selected_and_has_no_sites():
    modules = contract_of(SEED.read_text(encoding="utf-8")).modules
    assert [m.no for m in modules if not m.selected] == [26, 27, 29, 30]
    assert all(m.sites is None for m in modules if not m.selected)


def test_sites_without_a_selection_block_the_import(cli, db_path, before, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    damaged = text.replace("5 住院病人入出转管理系统 是\n", "5 住院病人入出转管理系统 3\n")
    assert damaged != text
    source = write(tmp_path, "leishan.txt", damaged)
    row = line_of(damaged, "5 住院病人入出转管理系统 3")
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{row}: 软件系统明细表: 无法归入任何字段（第 5 行写了站点数 3，是否选择一格却是空的",
        "漏了“是”",
        "「5 住院病人入出转管理系统 3」",
        "--force",
    )

    ran = cli("import", "contract", str(source), "--force")  # checked: import it as the rule reads it
    assert ran.exit_code == 0, ran
    assert f"{source}:{row}: 软件系统明细表: 未归入任何字段（第 5 行写了站点数 3" in ran.stderr
    module = exported(cli, "leishan").modules[4]
    assert (module.no, module.name, module.selected, module.sites) == (5, "住院病人入出转管理系统", False, None)


def test_an_explicit_no_keeps_its_sites():
    text = (TEXTS / "rongjiang.txt").read_text(encoding="utf-8")
    got = contract_of(text.replace("6 住院药房管理系统 否\n", "6 住院药房管理系统 否 2\n"), "rongjiang")
    assert (got.modules[5].selected, got.modules[5].sites) == (False, 2)


# ---------------------------------------------------------------------------------------------------
# A level's target is the engineer's arrival on site, in hours or working days.


def test_a_response_time_is_not_an_arrival_target(cli, db_path, before, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    damaged = text.replace("最迟 3 小时内到达", "最迟 24 小时内响应")
    assert damaged != text
    source = write(tmp_path, "leishan.txt", damaged)
    rejected(
        cli("import", "contract", str(source)),
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, '24 小时内响应')}: 问题分级: 一级问题（系统灾难故障）的时限不明："
        "写的是“24 小时内响应”",
        "响应不等于到达",
        "没有被当作时限",
    )


def test_a_response_before_the_arrival_is_not_the_target():
    text = SEED.read_text(encoding="utf-8")
    got = contract_of(text.replace("最迟 3 小时内到达", "1 小时内响应，最迟 3 小时内到达"))
    assert got.severities[0].target == contract_of(text).severities[0].target


def test_minutes_are_not_a_unit_of_the_contract(cli, db_path, before, tmp_path):
    text = SEED.read_text(encoding="utf-8")
    damaged = text.replace("最迟 5 小时内到达", "最迟 5 分钟内到达")
    assert damaged != text
    source = write(tmp_path, "leishan.txt", damaged)
    ran = cli("import", "contract", str(source))
    rejected(
        ran,
        db_path,
        before,
        source,
        f"{source}:{line_of(damaged, '最迟 5 分钟内到达')}: 问题分级: 二级问题（系统严重故障）的时限“5 分钟内到达”"
        "按分钟计：合同结构的时限只能按小时（hours）或工作日（working_days）计",
    )
    assert "没有时限" not in ran.stderr


def test_two_arrival_targets_in_one_level_are_reported():
    """Two levels run together (the second's first line lost) give one level with two targets."""
    text = SEED.read_text(encoding="utf-8")
    damaged = text.replace("d) 四级问题：系统一般需求类故障——重要窗口部门能够维持工作，其他非窗口部\n", "")
    assert damaged != text
    with pytest.raises(InvalidInput, match="三级问题（系统一般错误类故障）有不止一个到达时限"):
        contract_of(damaged)


# ---------------------------------------------------------------------------------------------------
# The PDF itself, through pypdf: a PDF built here with a CID font whose ToUnicode map gives Chinese text.


def cid_pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF: each page's lines in a Type0 font (Identity-H, code = Unicode code point) with a
    ToUnicode CMap, so text extraction yields the lines. The glyphs are not embedded: it is read, not shown."""
    codes = sorted({ord(ch) for page in pages for line in page for ch in line})
    cmap = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    for start in range(0, len(codes), 100):
        block = codes[start : start + 100]
        cmap += [f"{len(block)} beginbfchar"] + [f"<{c:04X}> <{c:04X}>" for c in block] + ["endbfchar"]
    cmap += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type0 /BaseFont /SimSun /Encoding /Identity-H /DescendantFonts [4 0 R]"
        b" /ToUnicode 5 0 R >>",
        4: b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /SimSun /CIDSystemInfo << /Registry (Adobe)"
        b" /Ordering (Identity) /Supplement 0 >> /FontDescriptor 6 0 R /DW 1000 >>",
        5: _stream("\n".join(cmap).encode()),
        6: b"<< /Type /FontDescriptor /FontName /SimSun /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0"
        b" /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
    }
    kids = []
    for k, page in enumerate(pages):
        page_id, content_id = 7 + 2 * k, 8 + 2 * k
        kids.append(f"{page_id} 0 R")
        body = (
            ["BT /F1 10 Tf 12 TL 30 810 Td"]
            + ["<" + "".join(f"{ord(ch):04X}" for ch in line) + "> Tj T*" for line in page]
            + ["ET"]
        )
        objects[content_id] = _stream("\n".join(body).encode())
        objects[page_id] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font"
            f" << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
        ).encode()
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>".encode()
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for no in sorted(objects):
        offsets[no] = out.tell()
        out.write(b"%d 0 obj\n%s\nendobj\n" % (no, objects[no]))
    xref, size = out.tell(), max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    out.write(b"".join(b"%010d 00000 n \n" % offsets[no] for no in range(1, size)))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue()


def _stream(data: bytes) -> bytes:
    return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)


def pages_of(text: str, per_page: int = 60) -> list[list[str]]:
    """The text laid out as PDF pages: a new page where the text had one, and every `per_page` lines."""
    pages: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line[:1] in (" ", "\f") and pages[-1] or len(pages[-1]) == per_page:
            pages.append([])
        if line.strip() and not re.fullmatch(r"\s*-\s*\d+\s*-\s*", line):
            pages[-1].append(line.strip())
    return pages


@pytest.mark.parametrize("name", OWN)
def test_pdf_imports_like_its_text(cli, db_path, before, tmp_path, name):
    pages = pages_of((TEXTS / f"{name}.txt").read_text(encoding="utf-8"))
    assert len(pages) > 3
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(cid_pdf(pages))
    from pypdf import PdfReader

    assert "服务内容细则" in PdfReader(source).pages[0].extract_text()  # the text really comes out of the PDF
    ran = cli("import", "contract", str(source))
    assert ran.exit_code == 0, ran
    assert exported(cli, name) == read_contract_file(TEXTS / f"{name}.toml")


def test_a_broken_pdf_is_reported(cli, db_path, before, tmp_path):
    source = tmp_path / "contract.pdf"
    source.write_bytes(b"%PDF-1.4\nthis is not a pdf body")
    rejected(cli("import", "contract", str(source)), db_path, before, source, "无法读取 PDF")


def test_a_pdf_without_text_is_reported(cli, db_path, before, tmp_path):
    source = tmp_path / "scan.pdf"
    source.write_bytes(cid_pdf([[]]))
    rejected(cli("import", "contract", str(source)), db_path, before, source, "没有可提取的文字")
