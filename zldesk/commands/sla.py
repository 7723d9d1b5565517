"""`zldesk sla deadline` and `zldesk sla calendar`: the deadline engine from the command line."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from ..text import parse_instant
from . import output

sla_app = typer.Typer(help="时限计算：到期时间及其推算过程，法定节假日与调休。", no_args_is_help=True)


def parse_pause(text: str, zone):
    from ..errors import Refused
    from ..sla import Pause

    start, sep, end = text.partition("/")
    if not sep:
        raise Refused("--pause 应写作 START/END", f"{text!r}（END 留空表示仍在挂起）")
    a = parse_instant(start, zone, "--pause 的开始")
    b = parse_instant(end, zone, "--pause 的结束") if end.strip() else None
    if b is not None and b <= a:
        raise Refused("--pause 的结束不晚于开始", text)
    return Pause(a, b)


@sla_app.command("deadline")
def deadline(
    ctx: typer.Context,
    severity: Annotated[int, typer.Option("--severity", help="问题级别（1 最急）。")],
    opened: Annotated[str, typer.Option("--opened", help="报修时间，ISO；不带时区时按合同所在时区。")],
    contract: Annotated[Optional[str], typer.Option("--contract", help="合同代号；库中只有一个时可省略。")] = None,
    pause: Annotated[
        Optional[list[str]], typer.Option("--pause", help="挂起区间 START/END，可重复；END 留空表示仍在挂起。")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """到期时间，以及它是怎么算出来的。"""
    from ..explain import UNSAID, explain, sentence
    from ..sla import Policy
    from ..store.rows import contract_id, read_contracts, resolve_code

    with ctx.obj.read() as conn:
        cid = contract_id(conn, resolve_code(conn, contract))
        c = read_contracts(conn, [cid])[cid]
    policy = Policy(c)
    when = parse_instant(opened, policy.zone, "--opened")
    pauses = tuple(parse_pause(p, policy.zone) for p in pause or ())
    d = policy.deadline(severity, when, pauses=pauses)
    steps = explain(policy, d)
    if json:
        output.print_json(
            {
                "due": d.due.isoformat() if d.due else None,
                "window": d.window,
                "provisional": d.provisional,
                "warnings": list(d.warnings),
                "explain": [s.to_json() for s in steps],
                "level": d.level,
                "contract": c.code,
                "clock_start": d.clock_start.isoformat(),
                "target_seconds": d.target_seconds,
                "sentence": sentence(steps),
            }
        )
        return
    due = f"{d.due:%Y-%m-%d %H:%M}（{d.due:%z}）" if d.due else "挂起中，暂无"
    output.say(("到期 ", "bold"), (due, "bold"), ("  临时" if d.provisional else "", "bold yellow"))
    for step in (s for s in steps if s.kind not in UNSAID):  # the closed hours of each night are JSON's
        style = {"warning": "yellow", "skipped": "dim", "pause": "cyan"}.get(step.kind, "")
        output.say("  ", (step.text, style))


@sla_app.command("calendar")
def calendar(
    year: Annotated[int, typer.Argument(help="年份。")],
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """一年的法定放假日和调休上班日，以及各自的来源。"""
    from ..calendar import ChinaCalendar, weekday_name
    from ..text import in_range

    in_range(year, "年份")
    cal = ChinaCalendar()
    days = cal.special_days(year)
    source = cal.official_source(year)
    if json:
        output.print_json(
            {
                "year": year,
                "official": source is not None,
                "source": source,
                "days": [
                    {
                        "date": d.date.isoformat(),
                        "weekday": weekday_name(d.date),
                        "kind": d.kind,
                        "name": d.name,
                        "workday": d.is_workday,
                        "source": d.source,
                    }
                    for d in days
                ],
            }
        )
        return
    if source is None:
        output.warn(
            f"{year} 年的放假安排还没有官方来源，下表是 holidays 包的推定，不含调休；"
            f"官方通知发布后可写入 data/calendars/{year}.toml"
        )
    else:
        output.say((f"{year} 年", "bold"), f"  来源：{source}")
    for d in days:
        style = "green" if d.is_workday else "red"
        output.say(f"{d.date}  {weekday_name(d.date)}  ", ("上班" if d.is_workday else "放假", style), f"  {d.name}")
