"""`zldesk report --contract CODE (--month YYYY-MM | --year YYYY | --from DATE --to DATE) [--format] [-o]`:
the service report the contract promises, for a month, a year (the December review) or any span of days.
The tickets are read through the driver connection (store/reports.py), the numbers are report/numbers.py's,
each format is report/render_*.py's."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import output, state

MOST_DAYS = 366  # --from..--to: a year (leap day included), as roster export


def _now() -> datetime:
    return state.now()  # the commands' one clock (tests move it)


def period_of(month: str | None, year: int | None, start: str | None, end: str | None):
    """The Period asked for: exactly one of --month, --year, or --from with --to (dates, both whole)."""
    from ..errors import OutOfRange, Refused
    from ..report import Period
    from ..text import in_range

    given = [name for name, v in (("--month", month), ("--year", year), ("--from/--to", start or end)) if v]
    if len(given) != 1:
        raise Refused(
            "报告的时段",
            "给出 --month YYYY-MM、--year YYYY 或 --from DATE --to DATE 之一"
            + (f"（给了 {'、'.join(given)}）" if given else ""),
        )
    if month:
        try:
            y, m = (int(p) for p in month.strip().split("-"))
            first = date(y, m, 1)
        except ValueError:
            raise Refused("--month 不是月份", f"{month!r}（例如 2026-11）") from None
        in_range(first, "--month", typed=month.strip())
        last = date(y + (m == 12), m % 12 + 1, 1).toordinal() - 1
        return Period("month", first, date.fromordinal(last))
    if year is not None:
        in_range(year, "--year")
        return Period("year", date(year, 1, 1), date(year, 12, 31))
    if not (start and end):
        raise Refused("报告的时段", "--from 和 --to 要一起给出（日期，两头整天都算）")
    days = []
    for what, text in (("--from", start), ("--to", end)):
        try:
            days.append(in_range(date.fromisoformat(text.strip()), what, typed=text.strip()))
        except ValueError:
            raise Refused(f"{what} 不是日期", f"{text!r}（例如 2026-10-01）") from None
    if days[1] < days[0]:
        raise Refused("时间范围为空", f"--to {days[1]} 早于 --from {days[0]}")
    if (days[1] - days[0]).days + 1 > MOST_DAYS:
        raise OutOfRange("--to", days[1].isoformat(), f"--from {days[0]}", f"其后 {MOST_DAYS} 天")
    return Period("range", days[0], days[1])


def report(
    ctx: typer.Context,
    contract: Annotated[Optional[str], typer.Option("--contract", help="合同代号；库中只有一个时可省略。")] = None,
    month: Annotated[Optional[str], typer.Option("--month", metavar="YYYY-MM", help="一个月（如 2026-11）。")] = None,
    year: Annotated[
        Optional[int], typer.Option("--year", metavar="YYYY", help="一年：12 月的年度回顾，带每月一行。")
    ] = None,
    start: Annotated[Optional[str], typer.Option("--from", metavar="DATE", help="从这一天（含）。")] = None,
    end: Annotated[Optional[str], typer.Option("--to", metavar="DATE", help="到这一天（含）。")] = None,
    format: Annotated[str, typer.Option("--format", help="html | md | csv | json | xlsx（默认 md）")] = "md",
    out: Annotated[Optional[Path], typer.Option("-o", "--output", help="写到文件（默认标准输出）。")] = None,
    at: Annotated[Optional[str], typer.Option("--at", help="在某一时刻读（ISO；默认现在）：未结工单按它判断。")] = None,
) -> None:
    """服务报告：时段内登记的工单，各级别按时/超时、到场和解决用时、超时说明、挂起、协商时限、合同范围外的请求、
    工单最多的模块。--year 即合同要求的 12 月年度回顾。"""
    from ..errors import Refused
    from ..report import FORMATS, render
    from ..text import parse_instant

    if format not in FORMATS:
        raise Refused("--format", f"{format!r}；可用：{'、'.join(FORMATS)}")
    period = period_of(month, year, start, end)
    from ..store.reports import contract_zone, read_report

    with ctx.obj.read() as conn:
        code, zone = contract_zone(conn, contract)
        moment = parse_instant(at, zone, "--at") if at else _now()
        data = read_report(conn, code, period, moment)
    content = render(data, format)
    if isinstance(content, bytes):
        if out is None:
            if output.to_terminal():
                raise Refused("xlsx 不写到终端", "用 -o 文件.xlsx 写到文件")
            import sys

            sys.stdout.buffer.write(content)
            sys.stdout.flush()
            return
        output.write_file(out, content)
        return
    output.emit(content, out)
