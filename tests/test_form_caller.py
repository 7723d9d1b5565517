"""The new-ticket form's phone field, first (issue 16, who is calling): a known number fills hospital,
caller and department (never over what the engineer typed); an unknown one is said and kept with the
ticket; the title typed into the phone field out of habit lands in 问题; and the three past tickets most
like the title show as it is typed. Pilot at 80x24 on a real store with two hospitals."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input, Static

from zldesk.app import make_app
from zldesk.store.db import resolve_url

from .conftest import until
from .test_night_form import _burst, _form, _values

ROOT = Path(__file__).resolve().parent.parent


def _second_hospital(cli, tmp_path: Path) -> None:
    """丹寨: the bundled contract's terms under another code and customer, with its people."""
    text = (ROOT / "data" / "contracts" / "leishan.toml").read_text(encoding="utf-8")
    text = text.replace('code = "leishan"', 'code = "danzhai"').replace("雷山县人民医院", "丹寨县人民医院")
    (tmp_path / "danzhai.toml").write_text(text, encoding="utf-8")
    assert cli("import", "contract", str(tmp_path / "danzhai.toml")).exit_code == 0
    (tmp_path / "people.csv").write_text("姓名,电话,科室,角色\n李主任,0855-3331234,信息科,主任\n", encoding="utf-8")
    ran = cli("import", "contacts", str(tmp_path / "people.csv"), "--contract", "danzhai")
    assert ran.exit_code == 0, ran.stderr


def _text(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def _open_form(cli, tmp_path):
    cli("contracts")  # the store and its bundled contract
    _second_hospital(cli, tmp_path)
    app = make_app(resolve_url())
    app.engineer = "值班工程师"
    return app


async def _leishan_form(pilot):
    """The form opened with 雷山 the board's current hospital."""
    await until(pilot, lambda: len(pilot.app.contracts) == 2, what="both hospitals read")
    pilot.app.contract_index = [c.code for c in pilot.app.contracts].index("leishan")
    return await _form(pilot)


async def test_a_known_number_fills_hospital_caller_and_department(cli, tmp_path):
    app = await _open_form(cli, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _leishan_form(pilot)
        assert screen.focused.id == "phone" and screen.contract.code != "danzhai"
        await _burst(pilot, *"+86 855 333 1234")  # as the caller ID shows it: +86, no trunk 0, spaces
        await until(pilot, lambda: "丹寨县人民医院 · 李主任" in _text(screen, "#who-hint"), what="the caller known")
        assert screen.contract.code == "danzhai" and "丹寨县人民医院" in _text(screen, "#head")
        values = _values(screen)
        assert (values["hospital"], values["caller"], values["dept"]) == ("danzhai", "李主任", "信息科")
        assert "联系人名单" in _text(screen, "#who-hint")
        await _burst(pilot, "tab", "tab", *"全院无法登录", "tab", "tab", "space", "f2")
        await until(pilot, lambda: type(app.screen).__name__ == "BoardScreen", what="saved")
    (ticket,) = json.loads(cli("ticket", "list", "--json").stdout)
    shown = json.loads(cli("ticket", "show", str(ticket["id"]), "--json").stdout)
    assert (shown["contract"], shown["caller"], shown["dept"], shown["severity"]) == ("danzhai", "李主任", "信息科", 1)
    assert shown["phone"] == "+86 855 333 1234"


async def test_what_the_engineer_typed_is_never_overwritten(cli, tmp_path):
    """The caller said before the look-up answered stays; the empty department is filled."""
    app = await _open_form(cli, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _leishan_form(pilot)
        screen.query_one("#caller", Input).value = "王护士"
        await _burst(pilot, *"08553331234")
        await until(pilot, lambda: "李主任" in _text(screen, "#who-hint"), what="the caller known")
        assert (_values(screen)["caller"], _values(screen)["dept"]) == ("王护士", "信息科")
        # Another hospital chosen by hand is not overruled by the next number either.
        screen.query_one("#hospital", Input).value = "leishan"
        await until(pilot, lambda: screen.contract.code == "leishan", what="chosen by hand")
        screen.query_one("#who-hint", Static).update("")
        screen.query_one("#phone", Input).value = "0855-3331234"
        await until(pilot, lambda: "李主任" in _text(screen, "#who-hint"), what="asked again")
        assert screen.contract.code == "leishan" and _values(screen)["hospital"] == "leishan"


async def test_an_unknown_number_is_said_and_kept_with_the_ticket(cli, tmp_path):
    app = await _open_form(cli, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await _burst(pilot, *"13900009999")
        await until(pilot, lambda: "未登记的号码" in _text(screen, "#who-hint"), what="unknown said")
        assert _values(screen)["caller"] == "" and _values(screen)["hospital"] == screen.contract.code
        await _burst(pilot, "tab", "tab", *"药房发药机报错", "tab", "tab", "tab", "tab", "tab", "3", "f2")
        await until(pilot, lambda: type(app.screen).__name__ == "BoardScreen", what="saved")
    who = cli("who", "13900009999", "--json")
    assert who.exit_code == 0 and json.loads(who.stdout)[0]["source"] == "ticket"


async def test_a_title_typed_into_the_phone_field_goes_to_the_title(cli, tmp_path):
    """Out of habit (the title came first before): the first letter that is no part of a number moves to
    问题, and the rest of the burst, tab included, follows it."""
    app = await _open_form(cli, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await _burst(pilot, *"HIS全院无法登录", "tab", *"mzsf")
        values = _values(screen)
        assert (values["phone"], values["title"], values["module"]) == ("", "HIS全院无法登录", "mzsf")


async def test_a_wrong_hospital_is_refused_and_nothing_written(cli, tmp_path):
    app = await _open_form(cli, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        await _burst(pilot, "tab", *"xx")  # the hospital field, selected on focus: typed over
        await until(pilot, lambda: "没有这家医院" in _text(screen, "#hospital-hint"), what="said")
        screen.query_one("#title", Input).value = "标题"
        screen.query_one("#severity", Input).value = "3"
        await _burst(pilot, "f2")
        await until(pilot, lambda: any("医院没有认准" in str(n.message) for n in app._notifications), what="refused")
        assert type(app.screen).__name__ == "NewTicketScreen"
    assert json.loads(cli("ticket", "list", "--json").stdout) == []


async def test_the_three_most_similar_past_tickets_show_as_the_title_is_typed(cli, tmp_path):
    def new(title: str, at: str) -> int:
        ran = cli("ticket", "new", "--contract", "leishan", "--severity", "3", "--title", title, "--at", at, "--json")
        return json.loads(ran.stdout)["id"]

    past = new("门诊收费处无法结算", "2026-11-20T09:00")
    cli("ticket", "note", str(past), "重启收费服务后恢复", "--at", "2026-11-20T10:00")
    cli("ticket", "resolve", str(past), "--at", "2026-11-20T11:00")
    for i in range(3):
        new(f"收费处打印第{i}张发票", f"2026-11-2{i + 1}T09:00")
    new("药库盘点", "2026-11-22T09:00")  # nothing shared
    app = make_app(resolve_url())
    app.engineer = "值班工程师"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        assert not screen.query_one("#similar").display  # nothing typed: no lines taken
        await _burst(pilot, *"收费处无法结算")
        box = screen.query_one("#similar", Static)
        await until(pilot, lambda: box.display and f"#{past}" in str(box.render()), what="similar shown")
        lines = str(box.render()).splitlines()
        assert len(lines) == 3 and lines[0].startswith(
            f"相似 #{past} 11-20 已解决 门诊收费处无法结算：重启收费服务后恢复"
        )
        assert "药库" not in str(box.render())


async def test_the_number_typed_right_after_n_lands_in_the_phone_field(cli, tmp_path):
    """`n` and the number in one burst, before the form is up (the phone is ringing): the digits reach 电话,
    not the board and not nowhere."""
    from .test_night_form import _settle

    app = await _open_form(cli, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await _settle(pilot)
        await _burst(pilot, "n", *"08553331234")
        await until(pilot, lambda: type(app.screen).__name__ == "NewTicketScreen", what="the form")
        phone = app.screen.query_one("#phone", Input)
        await until(pilot, lambda: phone.value == "08553331234", what=f"the number in 电话 (has {phone.value!r})")


async def test_after_saving_the_board_s_cursor_is_on_the_new_ticket(cli, tmp_path):
    """An enter too many after saving opens the call just logged, not whatever row was on top."""
    for i in range(3):
        ran = cli("ticket", "new", "--contract", "leishan", "--severity", "1", "--title", f"早先的 {i}", "--json")
        assert ran.exit_code == 0
    app = make_app(resolve_url())
    app.engineer = "值班工程师"
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _form(pilot)
        screen.query_one("#title", Input).value = "药房发药机报错"
        screen.query_one("#severity", Input).value = "4"  # due last: at the bottom of the board
        await _burst(pilot, "f2")
        await until(pilot, lambda: type(app.screen).__name__ == "BoardScreen", what="saved")
        board = app.screen.query_one("TicketBoard")
        await until(pilot, lambda: len(board.rows) == 4, what="the new row read")
        await until(pilot, lambda: board.current_id == max(r.id for r in board.rows), what="cursor on it")
        await _burst(pilot, "enter")
        await until(pilot, lambda: type(app.screen).__name__ == "TicketScreen", what="opened")
        assert app.screen.ticket_id == max(r.id for r in board.rows)
