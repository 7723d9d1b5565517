"""`zldesk import contract`, `zldesk export contract|modules`, `zldesk contracts`, `zldesk covered`
(`import modules` is in commands/modules.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import output
from .state import State

import_app = typer.Typer(help="导入合同（TOML/JSON，或签署文本 .txt/.pdf）或模块表（CSV）。", no_args_is_help=True)
export_app = typer.Typer(help="导出合同或模块表。", no_args_is_help=True)

DryRun = Annotated[bool, typer.Option("--dry-run", help="只校验并列出将要发生的变化，不写入。")]
Json = Annotated[bool, typer.Option("--json", help="输出 JSON。")]
OutFile = Annotated[Optional[Path], typer.Option("-o", "--output", help="写到文件（默认标准输出）。")]


SCREEN = 20  # a change list longer than this is summarised (import modules; --verbose lists it all)


def _report(changes: list[str], code: str, dry_run: bool, summarise: bool | None = None) -> None:
    """The import's changes, one line each; `summarise` (import modules): past SCREEN lines only the first
    SCREEN and how many of each kind, or (False, --verbose) every line, written at once."""
    if dry_run:
        output.say(
            ("试运行，未写入。", "bold"),
            f"导入 {code} 将带来 {len(changes)} 处变化：" if changes else f"导入 {code} 不会改变任何内容。",
        )
    else:
        output.say(("已导入 ", "green"), code, f"：{len(changes)} 处变化" if changes else "：内容与库中一致，未改动")
    if summarise is None or len(changes) <= SCREEN:
        for line in changes:
            output.say("  ", line)
        return
    if not summarise:
        output.say_lines(("  ", line) for line in changes)
        return
    for line in changes[:SCREEN]:
        output.say("  ", line)
    from collections import Counter

    kinds = {"+": "新增", "-": "删除", "~": "修改"}
    counts = Counter(c[:1] for c in changes)
    each = "，".join(f"{name} {counts[m]:,}" for m, name in kinds.items() if counts[m])
    output.say("  ", (f"… 另有 {len(changes) - SCREEN:,} 处变更", "bold"), f"（全部：{each}；--verbose 列出全部）")


def _warnings(problems, source: str) -> None:
    for p in problems:
        output.warn(p.render(source))


@import_app.command("contract")
def import_contract(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="合同文件：.toml、.json，或签署文本 .txt（PDF 提取稿）/.pdf。")],
    dry_run: DryRun = False,
    format: Annotated[
        Optional[str], typer.Option("--format", help="toml | json | text | pdf（默认按扩展名）。")
    ] = None,
    code: Annotated[Optional[str], typer.Option("--code", help="合同代号（仅 .txt/.pdf；默认由文件名得出）。")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="模块表、服务窗口或问题分级里有读不懂的文字时照样导入（仅 .txt/.pdf）。")
    ] = False,
    reapply_open: Annotated[
        bool, typer.Option("--reapply-open", help="未结工单改用新条款（默认仍按登记时的条款），每张记一条历史。")
    ] = False,
    map_level: Annotated[
        Optional[list[str]], typer.Option("--map-level", help="旧=新：新条款删掉的级别改成哪一级（可重复，如 4=3）。")
    ] = None,
    map_module: Annotated[
        Optional[list[str]], typer.Option("--map-module", help="旧=新：新模块表删掉的行改成哪一行（可重复）。")
    ] = None,
) -> None:
    """导入（或替换同代号的）合同，一个事务完成。

    未结工单仍按登记时的合同条款计时；导入（和 --dry-run）列出新条款会改变其时限的未结工单。
    --reapply-open 把它们改用新条款；新条款删掉了它们用到的级别或模块时，须用 --map-level / --map-module
    映射，否则什么都不导入。"""
    from ..contract import MAX_FILE_BYTES, MAX_PDF_BYTES, diff_contracts, read_bytes, read_contract_file
    from ..store import reading, writing
    from ..store.contracts import find_contract, save_contract

    text_format = _text_format(file, format)
    raw = read_bytes(file, MAX_PDF_BYTES if text_format == "pdf" else MAX_FILE_BYTES)
    if text_format:
        contract = _read_contract_text(file, raw, text_format, code, dry_run, force)
    elif code is not None or force:
        from ..errors import Refused

        raise Refused("--code 和 --force 只用于合同正文（.txt/.pdf）", "TOML/JSON 合同的代号写在文件里")
    else:
        contract = read_contract_file(file, format, raw)
    _warnings(contract.warnings, str(file))
    from ..tickets import parse_maps

    maps = parse_maps(map_level, "--map-level"), parse_maps(map_module, "--map-module")
    if (maps[0] or maps[1]) and not reapply_open:
        from ..errors import Refused

        raise Refused("--map-level 和 --map-module 只和 --reapply-open 一起用", "不改用新条款的工单不需要映射")
    state: State = ctx.obj
    if dry_run:
        engine = state.engine_if_exists()
        plans = []
        if engine is not None:
            with reading(engine) as session:
                old = find_contract(session, contract.code)
                if old is not None:
                    plans = _plans(session, contract.code, None, _policy(contract), maps, reapply_open)
        else:  # no store yet: the real import would first load the bundled contracts
            from ..data import bundled_contracts

            old = next((c for c in map(read_contract_file, bundled_contracts()) if c.code == contract.code), None)
        _report(diff_contracts(old, contract), contract.code, dry_run=True)
        _report_plans(plans, contract.zone, reapply_open, dry_run=True)
        return
    with writing(state.engine()) as session:
        changes = save_contract(session, contract, source=str(file), who=output.who(), raw=raw)
        plans = _move_open(session, contract.code, maps, reapply_open)
    _report(changes, contract.code, dry_run=False)
    _report_plans(plans, contract.zone, reapply_open, dry_run=False)


def _policy(contract):
    from ..sla import Policy

    return Policy(contract)


def _plans(session, code: str, terms: int | None, new, maps, reapply: bool) -> list:
    """The open tickets whose terms differ from `new`'s; with --reapply-open, the maps checked and any
    ticket that cannot move refused, naming each."""
    from ..store.terms import open_tickets_elsewhere
    from ..tickets import check_maps, plan
    from .state import now as clock

    if reapply:
        check_maps(*maps, new)
    now = clock()
    found = [plan(tid, t, own, new, *maps, now) for tid, t, own in open_tickets_elsewhere(session, code, terms)]
    plans = [p for p in found if p is not None]
    stuck = [p for p in plans if p.problem]
    if reapply and stuck:
        from ..errors import Refused
        from ..tickets import plan_line

        lines = [plan_line(p, new.out_zone, now) for p in stuck]
        raise Refused(f"未导入：{len(stuck)} 张未结工单用到新条款删掉的级别或模块", "\n".join(lines))
    return plans


def _move_open(session, code: str, maps, reapply: bool) -> list:
    """After the import: the open tickets held to other terms; with --reapply-open, moved to the new ones
    (a `reapply` history row each), in the import's transaction."""
    from ..store.terms import current_terms, policies_of, version_numbers
    from ..store.tickets import act
    from .state import now as clock

    terms = current_terms(session, code)
    plans = _plans(session, code, terms, policies_of(session, [terms])[terms], maps, reapply)
    if reapply:
        numbers = version_numbers(session, [terms, *(p.ticket.terms for p in plans)])
        now = clock()
        for p in plans:
            versions = numbers.get(p.ticket.terms, 0), numbers[terms]
            act(session, p.ticket_id, p.action(now, terms, versions), output.who(), now=now)
    return plans


def _report_plans(plans: list, zone, reapply: bool, dry_run: bool) -> None:
    from ..tickets import plan_line
    from .state import now

    if not plans:
        return
    if reapply:
        head = f"{'将' if dry_run else '已'}改用新条款的未结工单 {len(plans)} 张："
    else:
        head = f"{len(plans)} 张未结工单仍按登记时的条款计时（按新条款时限会变；要改用新条款请加 --reapply-open）："
    output.say((head, "bold"))
    for p in plans:
        output.say("  ", plan_line(p, zone, now()))


def _text_format(file: Path, format: str | None) -> str | None:
    """ "text" or "pdf" for a signed contract's text (by --format, else by extension); None for TOML/JSON."""
    if format:
        return {"text": "text", "txt": "text", "pdf": "pdf"}.get(format.lower())
    return {".txt": "text", ".pdf": "pdf"}.get(file.suffix.lower())


def _read_contract_text(file: Path, raw: bytes, fmt: str, code: str | None, dry_run: bool, force: bool):
    """The contract in a signed text: `--dry-run` first shows what was found, section by section."""
    from ..importers.contract_text import code_from_name, read_contract_text, sections

    if code is None:
        from ..contract import CODE_RE
        from ..errors import InvalidInput, Problem

        code = code_from_name(file.stem)
        if not CODE_RE.match(code):
            raise InvalidInput(
                str(file), [Problem("code", f"文件名得不出可用的合同代号（{code!r}）：请用 --code 指定")]
            )
    result = read_contract_text(raw, str(file), fmt, code)
    if dry_run:
        for heading, lines in sections(result):
            output.say((heading, "bold"))
            for line in lines:
                output.say("  ", line)
    contract = result.accept(force)
    for x in [] if dry_run else result.leftovers:  # the dry run's report already lists them
        output.warn(f"{file}:{x.line}: {x.part}: 未归入任何字段（{x.why}）：{x.text[:60]}")
    return contract


@export_app.command("contract")
def export_contract(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Argument(help="合同代号；库中只有一个合同时可省略。")] = None,
    format: Annotated[str, typer.Option("--format", help="toml | json")] = "toml",
    out: OutFile = None,
) -> None:
    """导出合同（默认写到标准输出）。"""
    from ..contract import dumps_json, dumps_toml
    from ..errors import Refused
    from ..store import reading
    from ..store.contracts import get_contract, resolve_code

    if format not in ("toml", "json"):
        raise Refused("--format 只能是 toml 或 json", f"收到 {format!r}")
    with reading(ctx.obj.engine()) as session:
        contract = get_contract(session, resolve_code(session, code))
    output.emit(dumps_toml(contract) if format == "toml" else dumps_json(contract), out)


@export_app.command("modules")
def export_modules(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Argument(help="合同代号；库中只有一个合同时可省略。")] = None,
    format: Annotated[str, typer.Option("--format", help="csv | json")] = "csv",
    out: OutFile = None,
) -> None:
    """导出模块表。"""
    import json

    from ..contract import contract_to_dict
    from ..errors import Refused
    from ..importers.modules_csv import dumps_modules_csv
    from ..store import reading
    from ..store.contracts import get_contract, resolve_code

    if format not in ("csv", "json"):
        raise Refused("--format 只能是 csv 或 json", f"收到 {format!r}")
    with reading(ctx.obj.engine()) as session:
        contract = get_contract(session, resolve_code(session, code))
    if format == "csv":
        content = dumps_modules_csv(contract.modules)
        output.emit(content, out, shown=lambda: dumps_modules_csv(contract.modules, shown=True))
        return
    else:
        from ..text import json_safe

        content = json_safe(json.dumps(contract_to_dict(contract)["modules"], ensure_ascii=False, indent=2)) + "\n"
    output.emit(content, out)


def contracts(ctx: typer.Context, json: Json = False) -> None:
    """库中的合同。"""
    from ..contract import period_answer, period_json, zone_named
    from ..store.rows import contract_summaries
    from .state import now

    with ctx.obj.read() as conn:
        rows = contract_summaries(conn)
    at = now()
    periods = {r.code: period_answer(r.period, zone_named(r.timezone, r.code), at) for r in rows}
    if json:
        output.print_json(
            [
                {
                    "code": r.code,
                    "customer": r.customer,
                    "product": r.product,
                    "modules": r.modules,
                    "selected": r.selected,
                    "updated_at": r.updated_at.astimezone(zone_named(r.timezone, r.code)).isoformat(),
                    "period": None if r.period is None else {"start": str(r.period.start), "end": str(r.period.end)},
                }
                | period_json(periods[r.code])
                for r in rows
            ]
        )
        return
    if not rows:
        output.say("库中没有合同。用 zldesk import contract FILE 导入。")

    for r in rows:
        updated = r.updated_at.astimezone(zone_named(r.timezone, r.code))
        output.say(
            (r.code, "bold"),
            "  ",
            r.customer,
            "  ",
            r.product,
            f"  模块 {r.selected}/{r.modules} 选用",
            f"  更新于 {updated:%Y-%m-%d %H:%M}",
            _expiry(periods[r.code]),
        )


def _expiry(p) -> tuple[str, str]:
    """`contracts`' last column: days to expiry (red once ended or not yet started, yellow within 30 days)."""
    if p.days_to_expiry is None:
        return f"  {p.expiry}", "yellow"
    style = "bold red" if not p.in_period else "bold yellow" if p.ends_soon else ""
    return f"  {p.start} 至 {p.end} {p.expiry}", style


def covered(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(help="模块编号、名称的任意部分、拼音全拼或首字母（mzsf），或服务/不含条款里的词。")
    ],
    contract: Annotated[Optional[str], typer.Option("--contract", help="只查这个合同（默认查全部）。")] = None,
    at: Annotated[
        Optional[str], typer.Option("--at", help="按这个时刻核对服务期，ISO；默认现在。不带时区按合同所在时区。")
    ] = None,
    json: Json = False,
) -> None:
    """合同覆盖吗？查模块、服务和不含条款，并说出此刻是否在服务期内（合同期外时写出服务期）。

    退出码：0 覆盖，1 找到但未选或明确不含，3 合同中没有。合同期外不改变退出码。"""
    from ..coverage import lookup, use_keys
    from ..store.rows import contract_heads, pinyin_keys, read_contracts, resolve_code

    with ctx.obj.read() as conn:
        ids = {code: cid for cid, code, _, _ in contract_heads(conn)}  # by code
        wanted = [ids[resolve_code(conn, contract)]] if contract else list(ids.values())
        contracts = read_contracts(conn, wanted)
        use_keys(pinyin_keys(conn, wanted))  # the names' stored pinyin: no pypinyin to import
    found = [(contracts[cid], lookup(contracts[cid], query)) for cid in wanted]
    periods = {c.code: _period(c, at) for c, _ in found}
    if json:
        from ..contract import period_json

        output.print_json([m.to_json(c) | period_json(periods[c.code]) for c, matches in found for m in matches])
    else:
        _say_covered(query, found, periods)
    raise typer.Exit(_answer([m for _, matches in found for m in matches]))


def _answer(matches: list) -> int:
    """covered's exit code: 3 nothing found; 1 no row covers it or a 不含 clause names it (the contract's
    own words against it outweigh a covered row it also matches); 0 covered."""
    if not matches:
        return 3
    return 1 if any(m.kind == "exclusion" for m in matches) or not any(m.covered for m in matches) else 0


def _period(contract, at: str | None):
    """The contract's period at `--at` (in its zone) or now: contract/period.py's one answer."""
    from ..contract import period_at
    from ..text import parse_instant
    from .state import now

    return period_at(contract, parse_instant(at, contract.zone, "--at") if at else now())


def _say_covered(query: str, found: list, periods: dict) -> None:
    styles = {"覆盖": "bold green", "未选": "bold red", "不含": "bold red"}
    for c, matches in found:
        note = periods[c.code].note  # nothing in force; 合同期外（服务期 …） or 服务期未填写 otherwise
        head = ((f"  {note}", "bold red" if periods[c.code].in_period is False else "yellow"),) if note else ()
        output.say((f"{c.customer}（{c.code}）", "bold"), f"：查「{query}」", *head)
        if not matches:
            output.say(("  合同中没有", "bold yellow"), "：既不在软件系统明细表，也不在服务内容细则中")
        for m in matches:
            label = f"第 {m.module.no} 行 {m.name}" if m.module else m.name
            output.say("  ", (m.status, styles[m.status]), "  ", label)
            output.say("      ", (m.clause, "dim"))
