"""The coverage lookup on plain data: pinyin spellings, ranking, exclusions."""

from __future__ import annotations

from dataclasses import replace

import pytest
from pypinyin import Style, lazy_pinyin

from zldesk.contract import Module, read_contract_file
from zldesk.coverage import lookup, pinyin_cost

from .conftest import LEISHAN

CONTRACT = read_contract_file(LEISHAN)


@pytest.mark.parametrize("query", ["mjzsfxt", "mzsf", "menjizhen", "menzhen", "mjzshoufei", "sf", "shoufei"])
def test_spellings_of_one_name(query):
    assert pinyin_cost(query, "门急诊收费系统") is not None


@pytest.mark.parametrize("query", ["zsfm", "xyz", "mzsfq"])
def test_wrong_order_or_extra_letters_do_not_match(query):
    assert pinyin_cost(query, "门急诊收费系统") is None


def test_fewer_skips_rank_first():
    assert pinyin_cost("mjz", "门急诊挂号系统") < pinyin_cost("mz", "门急诊挂号系统")


def test_polyphonic_characters_match_any_reading():
    """重 reads zhong or chong; a user typing either finds the name."""
    assert pinyin_cost("zhongzheng", "重症监护") is not None
    assert pinyin_cost("chongzheng", "重症监护") is not None


def test_latin_runs_are_syllables():
    assert pinyin_cost("bchao", "B超") is not None
    assert pinyin_cost("zlhis", "ZLHIS 产品常见问题处理共享服务") is not None


@pytest.mark.parametrize("module", CONTRACT.modules, ids=lambda m: f"{m.no}")
def test_every_module_is_found_by_its_full_pinyin_and_initials(module):
    """Whatever a module is called, its own pinyin puts it among the best matches."""
    for style in (Style.NORMAL, Style.FIRST_LETTER):
        query = "".join(lazy_pinyin(module.name, style=style, errors="ignore")).lower()
        matches = [m for m in lookup(CONTRACT, query) if m.kind == "module"]
        best = min(m.score for m in matches)
        assert module.no in {m.module.no for m in matches if m.score == best}, (query, matches[:3])


def test_number_finds_exactly_that_row():
    assert [m.module.no for m in lookup(CONTRACT, "28")] == [28]
    assert lookup(CONTRACT, "99") == []


def test_exclusion_in_a_description_clause():
    """不包括医保/农合 is written inside a description, not in the 备注 column; it still excludes."""
    matches = lookup(CONTRACT, "政策性数据交互类接口")
    assert matches[0].kind == "exclusion"
    assert matches[0].name == "第三方系统接口优化服务"
    assert matches[0].clause.endswith("不包括医保/农合、政策性数据交互类接口")


def test_unselected_module_is_not_covered():
    contract = replace(CONTRACT, modules=(Module(1, "门诊输液管理系统", False),))
    [match] = lookup(contract, "shuye")
    assert (match.covered, match.status) == (False, "未选")


def test_blank_query_finds_nothing():
    assert lookup(CONTRACT, "   ") == []
