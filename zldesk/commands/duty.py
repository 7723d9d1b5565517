"""`zldesk roster now|gaps|notice|hours`: the roster's answers (who is on, where nobody is, the holiday
notice, duty hours), registered on commands/roster.py's sub-app. Every answer comes from `roster.compute`."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated, Optional

import typer

from ..text import parse_instant
from . import output
from . import roster as base
from .roster import Contract, From, GapsFrom, Json, OutFile, To, _fmt, _iso, _load, _segments, _when, roster_app

MAX_DAYS = 3660  # roster gaps --days: ten years ahead, far past any roster


def _now() -> datetime:
    return base._now()  # looked up when called: tests move the clock on commands/roster.py


def _today(zone) -> datetime:
    return base._today(zone)


@roster_app.command("now")
def now(
    ctx: typer.Context,
    at: Annotated[Optional[str], typer.Option("--at", help="某一时刻（ISO；默认现在）。")] = None,
    contract: Contract = None,
    json: Json = False,
) -> None:
    """现在（或某一时刻）谁在值哪条线、到几点、下一个是谁。"""
    from ..roster import now as on_duty

    contract_obj, roster = _load(ctx, contract)
    zone = contract_obj.zone
    moment = (parse_instant(at, zone, "--at") if at else _now()).astimezone(zone)  # printed as contract time
    segments = _segments(contract_obj, roster, moment - timedelta(days=1), moment + timedelta(days=15))
    rows = on_duty(segments, moment, roster.lines)
    phones = {e.name: e.phone for e in roster.engineers}
    if json:
        output.print_json(
            {
                "at": moment.isoformat(),
                "lines": [
                    {
                        "line": r.line,
                        "label": r.label,
                        "open": r.open,
                        "engineer": r.engineer,
                        "phone": phones.get(r.engineer or "", ""),
                        "until": _iso(r.until, zone),
                        "next_engineer": r.next_engineer,
                        "next_phone": phones.get(r.next_engineer or "", ""),
                        "next_start": _iso(r.next_start, zone),
                        "source": r.source,
                    }
                    for r in rows
                ],
            }
        )
        return
    output.say((f"{moment:%Y-%m-%d %H:%M}（{contract_obj.timezone}）", "bold"))
    for r in rows:
        nxt = f"；接班 {r.next_engineer or '（无人）'} {_fmt(r.next_start, zone)}" if r.next_start else ""
        if not r.open:
            output.say((f"{r.label}  ", "bold"), ("未开放", "dim"), nxt)
        elif r.engineer is None:
            output.say((f"{r.label}  ", "bold"), ("无人值守", "bold red"), f" 至 {_fmt(r.until, zone)}", nxt)
        else:
            output.say(
                (f"{r.label}  ", "bold"),
                r.engineer,
                f" {phones.get(r.engineer, '')}",
                f" 至 {_fmt(r.until, zone)}",
                nxt,
            )


@roster_app.command("gaps")
def gaps(
    ctx: typer.Context,
    days: Annotated[int, typer.Option("--days", help="从现在（或 --from）起查多少天。")] = 60,
    start: GapsFrom = None,
    contract: Contract = None,
    json: Json = False,
) -> None:
    """承诺有人值守却没人排班的时段（默认从现在起，已经过去的不算），节假日的排在前面；
    有缺口时退出码为 1，便于脚本报警。"""
    from ..calendar import ChinaCalendar
    from ..roster import gap_days, gap_label
    from ..roster import gaps as find_gaps

    if not 1 <= days <= MAX_DAYS:  # timedelta(days=10**20) is an OverflowError
        from ..errors import ZlDeskError

        raise ZlDeskError("天数超出范围", f"--days {days}（1–{MAX_DAYS}）")
    contract_obj, roster = _load(ctx, contract)
    zone = contract_obj.zone
    calendar = ChinaCalendar.shared()
    first = _when(start, zone, "--from") or _now().astimezone(zone)
    holes = find_gaps(_segments(contract_obj, roster, first, first + timedelta(days=days)), calendar)
    since = f"{first:%Y-%m-%d}" if first.time() == time() else f"{first:%Y-%m-%d %H:%M}"
    if json:
        output.print_json(
            [
                {
                    "line": g.line,
                    "start": _iso(g.start, zone),
                    "end": _iso(g.end, zone),
                    "hours": round((g.end - g.start).total_seconds() / 3600, 2),
                    "day": gap_label(g, calendar, zone),
                    "days": gap_days(g, calendar, zone),
                }
                for g in holes
            ]
        )
    elif not holes:
        output.say(("没有缺口", "green"), f"：{since} 起 {days} 天，每条线的承诺时段都有人值守。")
    else:
        output.say((f"{len(holes)} 处缺口", "bold red"), f"（{since} 起 {days} 天）：")
        labels = {line.name: line.label for line in roster.lines}
        for g in holes:
            output.say(
                f"  {labels.get(g.line, g.line)}  {g.start.astimezone(zone):%Y-%m-%d %H:%M} 至 "
                f"{g.end.astimezone(zone):%m-%d %H:%M}  ",
                (gap_label(g, calendar, zone), "yellow"),
            )
    if holes:
        raise typer.Exit(1)


@roster_app.command("notice")
def notice(
    ctx: typer.Context,
    holiday: Annotated[str, typer.Option("--holiday", help="节日名：国庆节、春节、中秋节……")],
    year: Annotated[
        Optional[int], typer.Option("--year", help="年份（默认：这个节日的下一次，今年的已过完就是明年的）。")
    ] = None,
    contract: Contract = None,
    out: OutFile = None,
) -> None:
    """节假日值班通报：假期各天、每条线的值班人和电话、热线/备勤/投诉电话，可直接贴到 QQ 群或邮件。

    当年放假安排尚未正式公布时，日期是推定的：通报里写明【推定】，并在标准错误上警告。"""
    from ..calendar import ChinaCalendar
    from ..roster import holiday_block, next_year_of, provisional_years
    from ..roster import notice as make_notice

    if year is not None and not 1950 <= year <= 2100:  # as `sla calendar`: the calendar's years
        from ..errors import ZlDeskError

        raise ZlDeskError("年份超出范围", f"--year {year}（1950–2100）")
    contract_obj, roster = _load(ctx, contract)
    zone = contract_obj.zone
    calendar = ChinaCalendar.shared()
    year = year or next_year_of(calendar, holiday, _today(zone).date())
    days, makeups = holiday_block(calendar, holiday, year)
    first = datetime.combine(days[0], time(), zone) if days else _today(zone)
    last = datetime.combine(days[-1] + timedelta(days=1), time(), zone) if days else first + timedelta(days=1)
    text = make_notice(
        contract_obj, _segments(contract_obj, roster, first, last), calendar, holiday, year, roster.engineers
    )
    guessed = provisional_years(calendar, days + makeups)
    if guessed:
        years = "、".join(str(y) for y in guessed)
        output.warn(
            f"{years} 年的放假安排还没有官方来源，通报中的放假日期是推定的（已在通报中注明【推定】）；"
            f"正式通知发布后请核对，或写入 data/calendars/{guessed[0]}.toml"
        )
    output.emit(text, out)


@roster_app.command("hours")
def hours(
    ctx: typer.Context,
    start: From = None,
    end: To = None,
    contract: Contract = None,
    json: Json = False,
) -> None:
    """每个工程师的值班时长，按工作日、周末、节假日、调休上班分开（默认本月）。"""
    from ..calendar import ChinaCalendar
    from ..roster import hours as duty_hours

    contract_obj, roster = _load(ctx, contract)
    zone = contract_obj.zone
    today = _today(zone)
    first = _when(start, zone, "--from") or today.replace(day=1)
    last = _when(end, zone, "--to", end=True) or (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    table = duty_hours(_segments(contract_obj, roster, first, last), ChinaCalendar.shared())
    if json:
        output.print_json(
            {
                "from": _iso(first, zone),
                "to": _iso(last, zone),
                "hours": {name: {k: round(v, 2) for k, v in kinds.items()} for name, kinds in table.items()},
            }
        )
        return
    from rich.cells import cell_len

    from ..text import fit, visible

    kinds = ("工作日", "周末", "节假日", "调休上班")
    # Padded by terminal cells, not characters: a CJK character takes two (王芳 is 4 cells wide).
    name_width = min(max([cell_len("工程师"), *(cell_len(visible(n)) for n in table)]), 20) + 2
    width = 10

    def right(text: str) -> str:
        return " " * max(width - cell_len(text), 0) + text

    output.say((f"{first:%Y-%m-%d} 至 {last - timedelta(seconds=1):%Y-%m-%d} 值班时长（小时）", "bold"))
    output.say((fit("工程师", name_width) + "".join(right(k) for k in (*kinds, "合计")), "bold"))
    for name, row in sorted(table.items(), key=lambda item: -sum(item[1].values())):
        cells = [row.get(k, 0.0) for k in kinds]
        output.say(fit(name, name_width) + "".join(right(f"{v:.1f}") for v in (*cells, sum(cells))))
