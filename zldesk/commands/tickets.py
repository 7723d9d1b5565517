"""`zldesk ticket ...`: open, act on, list, show and search tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Optional

import typer

from ..text import parse_instant
from . import output, state

ticket_app = typer.Typer(
    help="工单：登记、受理、到场、解决、挂起、改级别、协商时限、备注、远程许可、查询。", no_args_is_help=True
)

At = Annotated[Optional[str], typer.Option("--at", help="生效时间，ISO；默认现在。不带时区按合同所在时区。")]
As = Annotated[Optional[str], typer.Option("--as", help="操作人（默认当前系统用户）。")]
Reason = Annotated[str, typer.Option("--reason", help="原因。")]
IfVersion = Annotated[
    Optional[int], typer.Option("--if-version", help="只在工单仍是这个版本时修改（防止覆盖别人的改动）。")
]
Json = Annotated[bool, typer.Option("--json", help="输出 JSON。")]
TicketId = Annotated[int, typer.Argument(help="工单号。")]


def _now() -> datetime:
    return state.now()  # the commands' one clock


def _at(text: str | None, zone) -> datetime:
    return parse_instant(text, zone, "--at") if text else _now().astimezone(zone)


def _clock_line(data: dict) -> tuple:
    """The clock as every surface says it (tickets.clock): its text, red once breached."""
    clock = data["clock"]
    return clock["text"], "bold red" if clock["breached"] else "bold yellow" if clock["problem"] else "bold"


@ticket_app.command("new")
def new(
    ctx: typer.Context,
    severity: Annotated[int, typer.Option("--severity", help="级别（1 最急）。")],
    title: Annotated[str, typer.Option("--title", help="一句话说明问题。")],
    contract: Annotated[Optional[str], typer.Option("--contract", help="合同代号；库中只有一个时可省略。")] = None,
    module: Annotated[Optional[str], typer.Option("--module", help="模块编号或名称（也可拼音）。")] = None,
    caller: Annotated[str, typer.Option("--caller", help="来电人。")] = "",
    phone: Annotated[str, typer.Option("--phone", help="来电人电话。")] = "",
    dept: Annotated[str, typer.Option("--dept", help="科室。")] = "",
    channel: Annotated[
        Optional[str],
        typer.Option("--channel", help="渠道：hotline、backup、remote、qq、onsite…（默认按热线是否开放）。"),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="详细描述。")] = "",
    at: At = None,
    who: As = None,
    json: Json = False,
) -> None:
    """登记一张新工单，打印工单号和到期时间。"""
    from ..coverage import resolve_module
    from ..store import writing
    from ..store.contracts import resolve_code
    from ..store.tickets import open_ticket, policy_for
    from ..tickets import channel_code, default_channel, ticket_json

    with writing(ctx.obj.engine()) as session:
        code = resolve_code(session, contract)
        policy = policy_for(session, code)
        when = _at(at, policy.zone)
        data = {
            "severity": severity,
            "title": title,
            "caller": caller,
            "phone": phone,
            "dept": dept,
            "description": description,
        }
        if module:
            m = resolve_module(policy.contract, module)
            data |= {"module_no": m.no, "module_name": m.name, "in_scope": m.selected}
        data["channel"] = channel_code(channel) if channel else default_channel(policy, when)
        tid, t, d = open_ticket(session, code, data, when, output.who(who), now=_now())
    from ..contract import period_at, period_json

    period = period_at(policy.contract, when)  # the call's instant: was the contract in force then
    shown = ticket_json(policy, t, d, tid, _now()) | period_json(period)
    if json:
        output.print_json(shown)
    else:
        due = f"{d.due.astimezone(policy.zone):%Y-%m-%d %H:%M}" if d.due else "无"
        output.say(("已登记工单 ", "green"), (f"#{tid}", "bold"), f"  {t.severity} 级  {t.title}")
        output.say(
            "  到期 ",
            (due, "bold"),
            "（临时）" if d.provisional else "",
            f"  按 {d.window} 窗口  剩余 ",
            _clock_line(shown),
        )
    if module and not t.in_scope:
        output.warn(f"第 {t.module_no} 行 {t.module_name} 不在合同范围（未选）：工单已登记并标记 不在合同范围")
    for w in d.warnings:
        output.warn(w)
    if period.note:  # logged all the same: the engineer decides what an out-of-contract call costs
        output.warn(period.ticket_line(policy.contract.customer, when))


def _change(
    ctx: typer.Context,
    tid: int,
    kind: str,
    at: str | None,
    who: str | None,
    *,
    data=None,
    reason: str = "",
    if_version: int | None = None,
    json: bool = False,
) -> None:
    from ..store import writing
    from ..store.tickets import act, load_ticket
    from ..tickets import STATE_NAMES, Action, change_lines, parse_times, ticket_json

    with writing(ctx.obj.engine()) as session:
        _, policy, _ = load_ticket(session, tid)
        when = _at(at, policy.zone)
        parsed = parse_times(data or {}, policy.zone)
        t, d, changes = act(
            session, tid, Action(kind, when, parsed, reason), output.who(who), expected_version=if_version, now=_now()
        )
    shown = ticket_json(policy, t, d, tid, _now())
    if json:
        output.print_json(shown | {"changes": changes})
        return
    output.say((f"#{tid}", "bold"), f" {STATE_NAMES[t.state]}（第 {t.version} 版）")
    for line in change_lines(changes, policy.zone, _now()):
        output.say("  ", line)
    if d.due:
        output.say(
            "  到期 ",
            (f"{d.due.astimezone(policy.zone):%Y-%m-%d %H:%M}", "bold"),
            "（临时）" if d.provisional else "",
            "  剩余 ",
            _clock_line(shown),
        )


def _simple(kind: str, doc: str, needs_reason: bool = False):
    def command(
        ctx: typer.Context,
        tid: TicketId,
        at: At = None,
        who: As = None,
        reason: Reason = "",
        if_version: IfVersion = None,
        json: Json = False,
    ) -> None:
        _change(ctx, tid, kind, at, who, reason=reason, if_version=if_version, json=json)

    command.__doc__ = doc
    ticket_app.command(kind)(command)


_simple("ack", "受理。")
_simple("arrive", "工程师到场（时限在到场或解决时停表，取先到者）。")
_simple("resolve", "解决（远程解决也停表）。")
_simple("close", "关闭已解决的工单。")
_simple("reopen", "重开已解决或已关闭的工单（需 --reason）。")
_simple("pause", "挂起：等待医院，时钟暂停。")
_simple("resume", "恢复挂起的工单，时钟继续。")


@ticket_app.command("assign")
def assign(
    ctx: typer.Context,
    tid: TicketId,
    engineer: Annotated[str, typer.Argument(help="工程师。")],
    at: At = None,
    who: As = None,
    if_version: IfVersion = None,
    json: Json = False,
) -> None:
    """指派工程师。"""
    _change(ctx, tid, "assign", at, who, data={"engineer": engineer}, if_version=if_version, json=json)


@ticket_app.command("severity")
def severity(
    ctx: typer.Context,
    tid: TicketId,
    level: Annotated[int, typer.Argument(help="新级别。")],
    reason: Annotated[str, typer.Option("--reason", help="改级别的原因（必填）。")] = "",
    at: At = None,
    who: As = None,
    if_version: IfVersion = None,
    json: Json = False,
) -> None:
    """改级别：升级从此刻重新起算，降级仍从来电起算。"""
    _change(ctx, tid, "severity", at, who, data={"level": level}, reason=reason, if_version=if_version, json=json)


@ticket_app.command("negotiate")
def negotiate(
    ctx: typer.Context,
    tid: TicketId,
    due: Annotated[str, typer.Option("--due", help="协商后的时限，ISO。")],
    agreed_with: Annotated[str, typer.Option("--agreed-with", help="医院一方的协商人。")],
    reason: Reason = "",
    at: At = None,
    who: As = None,
    if_version: IfVersion = None,
    json: Json = False,
) -> None:
    """与医院协商时限（只限合同允许协商的级别）。"""
    _change(
        ctx,
        tid,
        "negotiate",
        at,
        who,
        data={"due": due, "agreed_with": agreed_with},
        reason=reason,
        if_version=if_version,
        json=json,
    )


@ticket_app.command("note")
def note(
    ctx: typer.Context,
    tid: TicketId,
    text: Annotated[str, typer.Argument(help="备注。")],
    at: At = None,
    who: As = None,
    if_version: IfVersion = None,
    json: Json = False,
) -> None:
    """加一条备注。"""
    _change(ctx, tid, "note", at, who, data={"text": text}, if_version=if_version, json=json)


@ticket_app.command("remote")
def remote(
    ctx: typer.Context,
    tid: TicketId,
    granted_by: Annotated[str, typer.Option("--granted-by", help="医院一方允许远程访问的人。")],
    channel: Annotated[str, typer.Option("--channel", help="怎么允许的：电话、QQ、书面……")] = "",
    scope: Annotated[str, typer.Option("--scope", help="允许做什么（范围）。")] = "",
    engineer: Annotated[Optional[str], typer.Option("--engineer", help="允许哪位工程师（默认操作人）。")] = None,
    until: Annotated[Optional[str], typer.Option("--until", help="许可截止时间，ISO（默认到工单关闭）。")] = None,
    at: At = None,
    who: As = None,
    if_version: IfVersion = None,
    json: Json = False,
) -> None:
    """登记医院的远程访问许可（合同：须经医院允许并知情）：谁、渠道、时间、范围、工程师。"""
    _change(
        ctx,
        tid,
        "remote",
        at,
        who,
        data={
            "granted_by": granted_by,
            "channel": channel,
            "scope": scope,
            "engineer": engineer or output.who(who),
            "until": until,
        },
        if_version=if_version,
        json=json,
    )


@ticket_app.command("remote-session")
def remote_session(
    ctx: typer.Context,
    tid: TicketId,
    what: Annotated[str, typer.Option("--what", help="远程做了什么。")],
    engineer: Annotated[Optional[str], typer.Option("--engineer", help="连上去的工程师（默认操作人）。")] = None,
    end: Annotated[Optional[str], typer.Option("--end", help="会话结束时间，ISO（开始是 --at）。")] = None,
    at: At = None,
    who: As = None,
    if_version: IfVersion = None,
    json: Json = False,
) -> None:
    """登记一次远程会话；只有在医院给这位工程师的有效许可之内才能登记。"""
    _change(
        ctx,
        tid,
        "remote_session",
        at,
        who,
        data={"engineer": engineer or output.who(who), "what": what, "end": end},
        if_version=if_version,
        json=json,
    )


@ticket_app.command("list")
def list_(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="只列未结的工单。")] = False,
    contract: Annotated[Optional[str], typer.Option("--contract", help="只列这个合同的。")] = None,
    json: Json = False,
) -> None:
    """工单，最先到期的在前，附剩余营业时间。"""
    from .ticket_list import run

    run(ctx, open_only, contract, json)


@ticket_app.command("show")
def show(ctx: typer.Context, tid: TicketId, json: Json = False) -> None:
    """工单的全部字段、时限及其推算、历史。"""
    from ..store.ticket_rows import load_ticket, ticket_events
    from ..tickets import (
        LATE_STYLE,
        STATE_NAMES,
        detail_rows,
        event_line,
        kind_name,
        leave_row,
        permission_text,
        ticket_json,
    )

    now = _now()
    with ctx.obj.read() as conn:  # store.tickets' load_ticket and history read through these too
        t, policy, d = load_ticket(conn, tid)
        events = ticket_events(conn, tid)
    data = ticket_json(policy, t, d, tid, now, events)
    if json:
        output.print_json(data)
        return
    zone = policy.zone
    output.say((f"#{tid} ", "bold"), (t.title, "bold"), f"  {t.severity} 级  {STATE_NAMES[t.state]}  第 {t.version} 版")
    for label, value, lines in detail_rows(data):
        if lines:  # a description: its further lines indented under its first
            output.say_block(f"  {label}：", body=value)
        else:
            output.say(f"  {label}：", value)
    output.say("  剩余营业时间：", _clock_line(data), "  ", data["sentence"])
    if (leave := leave_row(data, now)) is not None:
        output.say("  ", (leave[0], LATE_STYLE if leave[1] else ""))
    output.say("  远程许可：", permission_text(data["remote_permission"]))
    output.say(("  历史", "bold"))
    for e in events:  # one line each; a note's further lines indented under its first
        when, what, text = event_line(e, zone, now)
        output.say_block(f"  {e.seq:>3} {when} ", e.who, f" {kind_name(e.kind)} ", what, body=text)
