"""`zldesk roster ...`: import and export the on-duty roster, who is on now, gaps, overrides, the holiday
notice, duty hours. Every answer comes from one function, `roster.compute`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Optional

import typer

from ..text import MOST_DAYS, day_time, in_range, parse_instant
from . import output, state

roster_app = typer.Typer(
    help="值班表：导入导出、现在谁值班、缺口、调班、节假日值班通报、值班时长。", no_args_is_help=True
)

Contract = Annotated[Optional[str], typer.Option("--contract", help="合同代号；库中只有一个时可省略。")]
Json = Annotated[bool, typer.Option("--json", help="输出 JSON。")]
OutFile = Annotated[Optional[Path], typer.Option("-o", "--output", help="写到文件（默认标准输出）。")]
From = Annotated[Optional[str], typer.Option("--from", help="起始日期或时刻（默认今天 0 点，合同所在时区）。")]
GapsFrom = Annotated[Optional[str], typer.Option("--from", help="起始日期或时刻（默认现在，合同所在时区）。")]
To = Annotated[Optional[str], typer.Option("--to", help="截止日期（含）或时刻。")]


def _load(ctx: typer.Context, code: str | None):
    """The contract and its whole roster (as store/roster.py's load_roster reads them)."""
    from ..store.rows import contract_id, read_contracts, read_roster, resolve_code

    with ctx.obj.read() as conn:
        cid = contract_id(conn, resolve_code(conn, code))
        contract = read_contracts(conn, [cid])[cid]
        return contract, read_roster(conn, contract, cid)


def _when(text: str | None, zone, what: str, *, end: bool = False) -> datetime | None:
    """A date means its local midnight (the day after, for an end: `--to` is inclusive); else ISO.
    Either way the instant is given in the contract's zone, so whatever prints it prints local time.
    Both are bounded (text.in_range): --to 9999-12-31 is refused, never overflowed."""
    if not text:
        return None
    try:
        d = date.fromisoformat(text.strip())
    except ValueError:
        return parse_instant(text, zone, what).astimezone(zone)
    in_range(d, what, typed=text.strip())
    return datetime.combine(d + timedelta(days=1 if end else 0), time(), zone)


def _now() -> datetime:
    return state.now()  # the commands' one clock


def _today(zone) -> datetime:
    return datetime.combine(_now().astimezone(zone).date(), time(), zone)


def _segments(contract, roster, start: datetime, end: datetime):
    from ..calendar import ChinaCalendar
    from ..errors import Refused
    from ..roster import compute

    if end <= start:
        zone = contract.zone
        raise Refused(
            "时间范围为空",
            f"--to {end.astimezone(zone):%Y-%m-%d %H:%M} 不晚于 --from {start.astimezone(zone):%Y-%m-%d %H:%M}",
        )
    return compute(roster, contract, ChinaCalendar.shared(), start, end)


def _span(start: datetime, end: datetime, zone) -> None:
    """A range asked for with --from/--to spans at most MOST_DAYS: a century of shifts is minutes of work."""
    if end - start > timedelta(days=MOST_DAYS):
        from ..errors import OutOfRange

        low, high = f"--from {start.astimezone(zone):%Y-%m-%d %H:%M}", f"其后 {MOST_DAYS} 天"
        raise OutOfRange("--to", f"{end.astimezone(zone):%Y-%m-%d %H:%M}", low, high)


def _fmt(t: datetime | None, zone, now: datetime | None = None) -> str:
    """12-02 08:30, with its year when not `now`'s (default: this one): a 36-year override must not read as
    this week's."""
    return "" if t is None else day_time(t, zone, now or _now())


def _iso(t: datetime | None, zone) -> str | None:
    return None if t is None else t.astimezone(zone).isoformat()


class _DryRun(Exception):
    def __init__(self, changes: list[str]) -> None:
        self.changes = changes


@roster_app.command("import")
def import_roster(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="值班表：TOML（工程师、轮值、固定班次、调班）或 CSV（line,engineer,phone,start,end）。"),
    ],
    contract: Contract = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并列出将要发生的变化，不写入。")] = False,
    add_engineers: Annotated[
        bool, typer.Option("--add-engineers", help="CSV 里库中没有的工程师按文件中的电话加入（默认视为错误）。")
    ] = False,
) -> None:
    """导入值班表，一个事务完成：全部写入，或者什么也不写。"""
    from ..contract import read_bytes
    from ..errors import InvalidInput, Problem
    from ..roster import new_engineers, read_roster_csv, read_roster_toml
    from ..store import writing
    from ..store.contracts import resolve_code
    from ..store.roster import add_shifts, load_roster, replace_roster

    raw = read_bytes(file)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".csv"):
        raise InvalidInput(str(file), [Problem("", "值班表应为 .toml 或 .csv 文件")])
    who = output.who()
    try:
        with writing(ctx.obj.engine()) as session:
            code = resolve_code(session, contract)
            contract_obj, current = load_roster(session, code)
            if suffix == ".toml":
                from ..contract import decode_utf8

                incoming = read_roster_toml(decode_utf8(raw, str(file)), str(file), contract_obj)
                changes = replace_roster(session, code, incoming, source=str(file), who=who, raw=raw)
            else:
                shifts = read_roster_csv(raw, str(file), contract_obj)
                unknown = new_engineers(shifts, current)
                if unknown and not add_engineers:
                    known = "、".join(x.name for x in current.engineers) or "无"
                    raise InvalidInput(
                        str(file),
                        [
                            Problem(
                                "engineer", f"库中没有工程师「{e.name}」（已知：{known}；确是新人请加 --add-engineers）"
                            )
                            for e in unknown
                        ],
                    )
                changes = add_shifts(
                    session, code, shifts, source=str(file), who=who, raw=raw, engineers=tuple(unknown)
                )
            if dry_run:
                raise _DryRun(changes)  # leaves the transaction rolled back: checked, counted, not written
    except _DryRun as stopped:
        changes = stopped.changes
    count = f"{len(changes)} 处变化" if changes else "没有变化"
    if dry_run:
        output.say(("试运行，未写入。", "bold"), f"导入 {code} 的值班表将带来：{count}")
    else:
        output.say((f"已导入 {code} 的值班表", "green"), f"：{count}")
    for line in changes:
        output.say("  ", line)


@roster_app.command("export")
def export(
    ctx: typer.Context,
    format: Annotated[str, typer.Option("--format", help="csv | ics | json")] = "csv",
    start: From = None,
    end: To = None,
    contract: Contract = None,
    out: OutFile = None,
) -> None:
    """导出排好的班次（默认今天起 30 天）：CSV 可再导入，iCal 每班一个日程。

    CSV 和 iCal 导出与范围有重叠的每一班的全程（同一人在同一条线上连着值的算一班），不在范围边上截断，
    所以范围相互重叠的两次导出给出同样的班次、同样的 UID。JSON 是范围内逐段的计算结果（含缺口和来源）。"""
    from ..errors import Refused
    from ..roster import whole_runs

    contract_obj, roster = _load(ctx, contract)
    zone = contract_obj.zone
    first = _when(start, zone, "--from") or _today(zone)
    last = _when(end, zone, "--to", end=True) or first + timedelta(days=30)
    _span(first, last, zone)
    segments = _segments(contract_obj, roster, first, last)
    held = whole_runs(lambda a, b: _segments(contract_obj, roster, a, b), first, last)
    phones = {e.name: e.phone for e in roster.engineers}
    fmt = format.lower()
    if fmt == "ics":
        from ..roster import to_ics

        content = to_ics(held, roster.engineers, contract_obj).decode("utf-8")
    elif fmt == "json":
        import json

        from ..text import json_safe

        content = (
            json_safe(
                json.dumps(
                    [
                        {
                            "line": s.line,
                            "engineer": s.engineer,
                            "phone": phones.get(s.engineer or "", ""),
                            "start": _iso(s.start, zone),
                            "end": _iso(s.end, zone),
                            "source": s.source,
                        }
                        for s in segments
                    ],
                    ensure_ascii=False,
                    indent=2,
                )
            )
            + "\n"
        )
    elif fmt == "csv":
        from ..roster import write_roster_csv

        content = write_roster_csv(held, phones, zone)
        output.emit(content, out, shown=lambda: write_roster_csv(held, phones, zone, shown=True))
        return
    else:
        raise Refused("未知的格式", f"--format {format!r}；可用 csv、ics、json")
    output.emit(content, out)


@roster_app.command("override")
def override(
    ctx: typer.Context,
    line: Annotated[str, typer.Option("--line", help="值班线：hotline、backup、onsite（或中文名）。")],
    engineer: Annotated[str, typer.Option("--engineer", help="顶班的工程师。")],
    start: Annotated[str, typer.Option("--from", help="开始（ISO）。")],
    end: Annotated[str, typer.Option("--to", help="结束（ISO）。")],
    reason: Annotated[str, typer.Option("--reason", help="原因（记入历史）。")],
    covers: Annotated[Optional[str], typer.Option("--covers", help="替谁（可省略）。")] = None,
    contract: Contract = None,
    who: Annotated[Optional[str], typer.Option("--as", help="操作人（默认当前系统用户）。")] = None,
) -> None:
    """调班或替班：某人在某段时间顶某条线；与别的调班重叠时，后登记的为准。"""
    from ..errors import Refused
    from ..roster import Override, line_name
    from ..store import writing
    from ..store.contracts import get_contract, resolve_code
    from ..store.roster import add_override

    if not reason.strip():
        raise Refused("--reason 不能为空", "调班要写明原因，记入历史")
    with writing(ctx.obj.engine()) as session:
        code = resolve_code(session, contract)
        contract_obj = get_contract(session, code)
        zone = contract_obj.zone
        a, b = parse_instant(start, zone, "--from"), parse_instant(end, zone, "--to")
        new_id = add_override(
            session,
            code,
            Override(0, line_name(contract_obj, line), engineer.strip(), a, b, reason.strip(), covers),
            who=output.who(who),
        )
    output.say(("已登记调班 ", "green"), f"#{new_id}：{engineer} {_fmt(a, zone)} 至 {_fmt(b, zone)}")


_KINDS = {"import": "导入", "override": "调班", "shifts": "导入班次", "handover": "交接确认"}
_FILE_KINDS = ("import", "shifts")  # the kinds whose source is the file read


@roster_app.command("log")
def log(ctx: typer.Context, contract: Contract = None, json: Json = False) -> None:
    """值班表的变更历史（导入、调班），只增不改。"""
    from ..store import reading
    from ..store.contracts import get_contract, resolve_code
    from ..store.roster import roster_history

    with reading(ctx.obj.engine()) as session:
        code = resolve_code(session, contract)
        zone, events = get_contract(session, code).zone, roster_history(session, code)
    if json:
        output.print_json(
            [
                {
                    "at": e.at.astimezone(zone).isoformat(),  # the contract's time, as every JSON time
                    "who": e.who,
                    "kind": e.kind,
                    "source": e.source,
                    "sha256": e.sha256,
                    "summary": e.summary.split("\n"),  # its own lines: not at a \u2028 in a value
                }
                for e in events
            ]
        )
        return
    for e in events:
        kind = _KINDS.get(e.kind, e.kind)
        source = f" {e.source}" if e.kind in _FILE_KINDS and e.source else ""  # an override has no file
        output.say((f"{e.at.astimezone(zone):%Y-%m-%d %H:%M} ", "bold"), f"{e.who} {kind}{source}")
        for line in e.summary.split("\n"):  # the lines the store joined, not a \x85 or \u2028 inside a value
            output.say("  ", line)
