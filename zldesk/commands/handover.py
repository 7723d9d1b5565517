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


def _line(contract, roster, text: str | None) -> tuple[str, str]:
    """(name, label) of the line asked for; refused, with the lines there are, when unknown or not said."""
    from ..errors import Refused
    from ..roster import line_name
    from ..text import visible

    lines = roster.lines
    there = "、".join(f"{x.name}（{x.label}）" for x in lines) or "无"
    if text is None:
        if len(lines) == 1:
            return lines[0].name, lines[0].label
        raise Refused("要用 --line 指定值班线", f"合同 {contract.code} 有 {len(lines)} 条值班线：{there}")
    name = line_name(contract, text)
    found = next((x for x in lines if x.name == name), None)
    if found is None:
        raise Refused("没有这条值班线", f"--line {visible(text)}；合同 {contract.code} 的值班线：{there}")
    return found.name, found.label


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
    from ..store.handover import sheet as make_sheet
    from ..store.rows import contract_id, read_contracts, read_roster, resolve_code
    from ..text import parse_instant

    with ctx.obj.read() as conn:
        cid = contract_id(conn, resolve_code(conn, contract))
        contract_obj = read_contracts(conn, [cid])[cid]
        roster = read_roster(conn, contract_obj, cid)
        name, label = _line(contract_obj, roster, line)
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
    from ..errors import Refused
    from ..roster import handover
    from ..store import writing
    from ..store.contracts import resolve_code
    from ..store.db import driver_connection, driver_errors
    from ..store.handover import line_segments, read_acks
    from ..store.roster import acknowledge_handover, load_roster
    from ..store.rows import contract_id
    from ..text import day_time, visible

    now = _now()
    with writing(ctx.obj.engine()) as session:
        code = resolve_code(session, contract)
        contract_obj, roster = load_roster(session, code)
        name, label = _line(contract_obj, roster, line)
        zone = contract_obj.zone
        with driver_errors(session):
            acks = read_acks(driver_connection(session), contract_id(driver_connection(session), code))
        found = handover.handoffs(line_segments(contract_obj, roster, now), name)
        h = handover.current(found, now)
        upcoming = next((x for x in found if x.at > now), None)
        then = (
            f"；下一次交接 {day_time(upcoming.at, zone, now)}（{visible(upcoming.incoming)} 接班）" if upcoming else ""
        )
        if h is None:
            raise Refused("没有可确认的交接", f"{label} 现在不在任何人的一班里{then}")
        done = handover.acknowledged(h, acks)
        if done is not None:
            raise Refused(
                "这次交接已确认",
                f"{label} {day_time(h.at, zone, now)} 的交接已由 {visible(done.who)} 于 "
                f"{day_time(done.at, zone, now)} 确认{then}",
            )
        engineer = output.who(who) if who else h.incoming
        known = [e.name for e in roster.engineers if e.active]
        if engineer not in known:
            raise Refused("没有这个工程师", f"--as {visible(engineer)}；值班表里的工程师：{'、'.join(known) or '无'}")
        acknowledge_handover(session, code, name, label, h, engineer, now=now)
    output.say(("已确认接班 ", "green"), f"{label} {day_time(h.at, zone, now)}：{visible(engineer)}")
