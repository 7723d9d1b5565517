"""`zldesk ticket similar ID` (issue 16, what was done last time): the five tickets of the same contract
most like one, the same module first, then by the Chinese bigrams of title, description and notes the
search index holds; each with its last note before its resolution. Through the CLI on a real store."""

from __future__ import annotations

import json

from zldesk.store.similar import bigrams

from .conftest import older_zldesk


def new(cli, title: str, module: str | None = None, at: str = "2026-11-23T10:00", description: str = "") -> int:
    extra = ["--module", module] if module else []
    ran = cli(
        "ticket", "new", "--contract", "leishan", "--severity", "3", "--title", title, "--at", at,
        "--description", description, *extra, "--json",
    )  # fmt: skip
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)["id"]


def ok(cli, *args: str) -> None:
    ran = cli(*args)
    assert ran.exit_code == 0, (args, ran.stdout, ran.stderr)


def similar(cli, tid: int) -> list[dict]:
    ran = cli("ticket", "similar", str(tid), "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


def test_bigrams_are_the_index_tokens_chinese_pairs_distinct():
    assert bigrams("门诊收费 HIS 收费") == ["门诊", "诊收", "收费"]


def test_the_same_module_first_then_by_shared_bigrams_newest_first_on_ties(cli):
    target = new(cli, "门诊收费处无法打印发票", "2")
    few = new(cli, "住院发票模板错位", "1")  # shares 发票 only
    many = new(cli, "门诊收费处打印机卡纸", "1")  # shares 门诊 诊收 收费 费处
    same = new(cli, "药房发药很慢", "2")  # nothing shared but the module: not similar at all
    shares_little = new(cli, "病房打印发票", "2")  # same module, shares 打印 印发 发票
    older = new(cli, "住院发票模板错位", "1", at="2026-11-22T10:00")
    new(cli, "门诊收费处无法打印发票", "2", at="2026-11-23T11:00")  # a twin, later
    found = similar(cli, target)
    ids = [f["id"] for f in found]
    assert target not in ids and same not in ids
    assert len(ids) == 5
    assert [f["same_module"] for f in found] == [True, True, False, False, False]
    assert ids[1] == shares_little  # the twin (all bigrams) first, then the other of module 2
    assert ids[2] == many
    assert ids[3:] == [few, older]  # the same words: the newest first
    assert found[0]["score"] > found[1]["score"] and found[2]["score"] > found[3]["score"] >= found[4]["score"]
    assert set(found[0]) == {
        "id", "received_at", "state", "module_name", "title", "score", "same_module", "resolution",
    }  # fmt: skip
    assert found[2]["module_name"] and found[2]["state"] == "new"
    assert found[2]["received_at"].startswith("2026-11-23T10:00:00+08:00")


def test_the_resolution_is_the_last_note_before_resolving(cli):
    target = new(cli, "门诊收费处无法打印发票", "2")
    past = new(cli, "门诊收费处无法打印发票", "2", at="2026-11-20T09:00")
    ok(cli, "ticket", "note", str(past), "先重启了打印服务", "--at", "2026-11-20T10:00")
    ok(cli, "ticket", "note", str(past), "更换发票模板后恢复", "--at", "2026-11-20T11:00")
    ok(cli, "ticket", "resolve", str(past), "--at", "2026-11-20T12:00")
    ok(cli, "ticket", "note", str(past), "回访：医院满意", "--at", "2026-11-20T13:00")  # after: not it
    unresolved = new(cli, "门诊收费处打印发票慢", "2", at="2026-11-21T09:00")
    ok(cli, "ticket", "note", str(unresolved), "还在查", "--at", "2026-11-21T10:00")
    found = {f["id"]: f for f in similar(cli, target)}
    assert found[past]["resolution"] == {"note": "更换发票模板后恢复", "at": "2026-11-20T11:00:00+08:00"}
    assert found[unresolved]["resolution"] is None
    shown = cli("ticket", "similar", str(target)).stdout
    assert f"#{past} 2026-11-20  已解决" in shown
    assert "解决（2026-11-20 11:00）：更换发票模板后恢复" in shown
    assert "回访" not in shown and "解决：（没有记下）" in shown


def test_titles_with_markup_and_control_characters_are_shown_as_text(cli):
    target = new(cli, "门诊收费处无法打印发票")
    new(cli, "[bold red]门诊收费[/] 打印发票")
    with older_zldesk():  # a store written before control characters were refused
        new(cli, "门诊收费\x1b[2J打印发票")
    ran = cli("ticket", "similar", str(target))
    assert ran.exit_code == 0, ran.stderr
    assert "[bold red]门诊收费[/] 打印发票" in ran.stdout
    assert "门诊收费\\x1b[2J打印发票" in ran.stdout
    assert "\x1b" not in ran.stdout


def test_nothing_similar_is_an_empty_answer(cli):
    target = new(cli, "门诊收费处无法打印发票")
    new(cli, "药房发药很慢")
    assert similar(cli, target) == []
    ran = cli("ticket", "similar", str(target))
    assert ran.exit_code == 0 and f"#{target} 没有相似的工单。" in ran.stdout


def test_a_missing_ticket_exits_as_ticket_show_does(cli):
    new(cli, "门诊收费处无法打印发票")
    shown, similar_ = cli("ticket", "show", "999"), cli("ticket", "similar", "999")
    assert similar_.exit_code == shown.exit_code != 0
    assert similar_.stderr == shown.stderr and "没有这张工单" in similar_.stderr


def test_on_sqlite_and_postgresql_alike(any_store):
    from typer.testing import CliRunner

    from zldesk.cli import app

    def cli(*args: str):
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return type("Ran", (), {"exit_code": result.exit_code, "stdout": result.stdout, "stderr": result.stderr})

    target = new(cli, "门诊收费处无法打印发票", "2")
    past = new(cli, "门诊收费处打印机卡纸", "1", at="2026-11-20T09:00")
    same = new(cli, "病房打印发票", "2", at="2026-11-20T09:00")
    ok(cli, "ticket", "note", str(past), "换了色带", "--at", "2026-11-20T10:00")
    ok(cli, "ticket", "resolve", str(past), "--at", "2026-11-20T12:00")
    found = similar(cli, target)
    assert [f["id"] for f in found] == [same, past]
    assert found[1]["resolution"] == {"note": "换了色带", "at": "2026-11-20T10:00:00+08:00"}
