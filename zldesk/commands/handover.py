"""`zldesk handover [--line] [--at] [--json]`: the handover sheet of a duty line's handoff, text to paste into
the team's QQ group; `zldesk handover ack --line LINE [--as NAME]`: the incoming engineer takes the line
over, one roster_event row (append-only, in `roster log` and the roster's hash chain). The sheet and the
acknowledgements are store/handover.py's; which handoff, roster/handover.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer

from . import output, state

handover_app = typer.Typer(
    help="交接单：某条值班线这一次交接要交代的事（可直接贴到 QQ 群）；ack 确认接班。",
    invoke_without_command=True,
)

Contract = Annotated[Optional[str], typer.Option("--contract", help="合同代号；库中只有一个时可省略。")]
Line = Annotated[
    Optional[str], typer.Option("--line", help="值班线：hotline、backup、onsite（或中文名）；合同只有一条时可省略。")
]


def _now() -> datetime:
    return state.now()  # the commands' one clock (tests move it)


@handover_app.callback()
def sheet(
    ctx: typer.Context,
    line: Line = None,
    at: Annotated[Optional[str], typer.Option("--at", help="在某一时刻看（ISO；默认现在）。")] = None,
    contract: Contract = None,
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """交接单：这一次交接（尚未确认的当前一班，否则下一次换班）接班后要盯的事——到期的工单、窗口开放或
    关闭时开始或停止计时的工单、挂起的工单、到期的远程许可，和未来 24 小时的值班缺口。"""
    if ctx.invoked_subcommand is not None:
        return
    from ..errors import Refused
    from ..roster.handover import resolve_line
    from ..store.handover import sheet as make_sheet
    from ..store.rows import contract_id, read_contracts, read_roster, resolve_code
    from ..text import parse_instant

    with ctx.obj.read() as conn:
        cid = contract_id(conn, resolve_code(conn, contract))
        contract_obj = read_contracts(conn, [cid])[cid]
        roster = read_roster(conn, contract_obj, cid)
        name, label = resolve_line(contract_obj, roster.lines, line)
        zone = contract_obj.zone
        moment = (parse_instant(at, zone, "--at") if at else _now()).astimezone(zone)
        found = make_sheet(conn, cid, contract_obj, roster, name, moment)
    if found is None:
        raise Refused("没有交接", f"{label} 在 {moment:%Y-%m-%d %H:%M} 前后一个月里没有换班")
    if json:
        output.print_json(found.to_json(zone))
    else:
        output.emit(found.text(zone), None)


@handover_app.command("ack")
def ack(
    ctx: typer.Context,
    line: Line = None,
    who: Annotated[Optional[str], typer.Option("--as", help="接班的工程师（默认：排在这一班的人）。")] = None,
    contract: Contract = None,
) -> None:
    """确认接班：这条线最近一次交接由接班人确认，记入值班表历史（roster log），只增不改。"""
    from ..roster.handover import resolve_line
    from ..store import writing
    from ..store.contracts import resolve_code
    from ..store.roster import load_roster, take_over
    from ..text import day_time, visible

    now = _now()
    with writing(ctx.obj.engine()) as session:
        code = resolve_code(session, contract)
        contract_obj, roster = load_roster(session, code)
        name, label = resolve_line(contract_obj, roster.lines, line)
        h, engineer = take_over(session, code, name, output.who(who) if who else None, now=now)
    output.say(("已确认接班 ", "green"), f"{label} {day_time(h.at, contract_obj.zone, now)}：{visible(engineer)}")
