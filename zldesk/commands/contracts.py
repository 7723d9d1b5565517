"""`zldesk import|export contract|modules`, `zldesk contracts`, `zldesk covered`."""

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


def _report(changes: list[str], code: str, dry_run: bool) -> None:
    if dry_run:
        output.say(
            ("试运行，未写入。", "bold"),
            f"导入 {code} 将带来 {len(changes)} 处变化：" if changes else f"导入 {code} 不会改变任何内容。",
        )
    else:
        output.say(("已导入 ", "green"), code, f"：{len(changes)} 处变化" if changes else "：内容与库中一致，未改动")
    for line in changes:
        output.say("  ", line)


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
) -> None:
    """导入（或替换同代号的）合同，一个事务完成。"""
    from ..contract import diff_contracts, read_bytes, read_contract_file
    from ..store import reading, writing
    from ..store.contracts import find_contract, save_contract

    raw = read_bytes(file)
    text_format = _text_format(file, format)
    if text_format:
        contract = _read_contract_text(file, raw, text_format, code, dry_run, force)
    elif code is not None or force:
        from ..errors import ZlDeskError

        raise ZlDeskError("--code 和 --force 只用于合同正文（.txt/.pdf）", "TOML/JSON 合同的代号写在文件里")
    else:
        contract = read_contract_file(file, format, raw)
    _warnings(contract.warnings, str(file))
    state: State = ctx.obj
    if dry_run:
        engine = state.engine_if_exists()
        if engine is not None:
            with reading(engine) as session:
                old = find_contract(session, contract.code)
        else:  # no store yet: the real import would first load the bundled contracts
            from ..data import bundled_contracts

            old = next((c for c in map(read_contract_file, bundled_contracts()) if c.code == contract.code), None)
        _report(diff_contracts(old, contract), contract.code, dry_run=True)
        return
    with writing(state.engine()) as session:
        changes = save_contract(session, contract, source=str(file), who=output.who(), raw=raw)
    _report(changes, contract.code, dry_run=False)


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


@import_app.command("modules")
def import_modules(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV，表头 no,name,selected,sites,remark；UTF-8 或 GB18030。")],
    contract: Annotated[str, typer.Option("--contract", help="合同代号。")],
    dry_run: DryRun = False,
) -> None:
    """用 CSV 替换一个合同的模块表，一个事务完成。"""
    from ..contract import diff_modules, read_bytes
    from ..importers.modules_csv import read_modules_csv
    from ..store import reading, writing
    from ..store.contracts import get_contract, replace_modules, resolve_code

    raw = read_bytes(file)
    modules, warnings = read_modules_csv(raw, str(file))
    _warnings(warnings, str(file))
    engine = ctx.obj.engine()
    if dry_run:
        with reading(engine) as session:
            code = resolve_code(session, contract)
            changes = diff_modules(get_contract(session, code).modules, modules)
        _report(changes, code, dry_run=True)
        return
    with writing(engine) as session:
        code = resolve_code(session, contract)
        changes = replace_modules(session, code, modules, source=str(file), who=output.who(), raw=raw)
    _report(changes, code, dry_run=False)


@export_app.command("contract")
def export_contract(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Argument(help="合同代号；库中只有一个合同时可省略。")] = None,
    format: Annotated[str, typer.Option("--format", help="toml | json")] = "toml",
    out: OutFile = None,
) -> None:
    """导出合同（默认写到标准输出）。"""
    from ..contract import dumps_json, dumps_toml
    from ..errors import ZlDeskError
    from ..store import reading
    from ..store.contracts import get_contract, resolve_code

    if format not in ("toml", "json"):
        raise ZlDeskError("--format 只能是 toml 或 json", f"收到 {format!r}")
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
    from ..errors import ZlDeskError
    from ..importers.modules_csv import dumps_modules_csv
    from ..store import reading
    from ..store.contracts import get_contract, resolve_code

    if format not in ("csv", "json"):
        raise ZlDeskError("--format 只能是 csv 或 json", f"收到 {format!r}")
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
    from ..store import reading
    from ..store.contracts import list_contracts

    with reading(ctx.obj.engine()) as session:
        rows = list_contracts(session)
    if json:
        output.print_json(
            [
                {
                    "code": r.code,
                    "customer": r.customer,
                    "product": r.product,
                    "modules": r.modules,
                    "selected": r.selected,
                    "updated_at": r.updated_at.isoformat(),
                }
                for r in rows
            ]
        )
        return
    if not rows:
        output.say("库中没有合同。用 zldesk import contract FILE 导入。")
    from zoneinfo import ZoneInfo

    for r in rows:
        updated = r.updated_at.astimezone(ZoneInfo(r.timezone))
        output.say(
            (r.code, "bold"),
            "  ",
            r.customer,
            "  ",
            r.product,
            f"  模块 {r.selected}/{r.modules} 选用",
            f"  更新于 {updated:%Y-%m-%d %H:%M}",
        )


def covered(
    ctx: typer.Context,
    query: Annotated[
        str, typer.Argument(help="模块编号、名称的任意部分、拼音全拼或首字母（mzsf），或服务/不含条款里的词。")
    ],
    contract: Annotated[Optional[str], typer.Option("--contract", help="只查这个合同（默认查全部）。")] = None,
    json: Json = False,
) -> None:
    """合同覆盖吗？查模块、服务和不含条款。"""
    from ..coverage import lookup
    from ..store import reading
    from ..store.contracts import get_contract, list_contracts, resolve_code

    with reading(ctx.obj.engine()) as session:
        codes = [resolve_code(session, contract)] if contract else [r.code for r in list_contracts(session)]
        found = [(c, lookup(c, query)) for c in (get_contract(session, code) for code in codes)]
    if json:
        output.print_json([m.to_json(c) for c, matches in found for m in matches])
        return
    styles = {"覆盖": "bold green", "未选": "bold red", "不含": "bold red"}
    for c, matches in found:
        output.say((f"{c.customer}（{c.code}）", "bold"), f"：查「{query}」")
        if not matches:
            output.say(("  合同中没有", "bold yellow"), "：既不在软件系统明细表，也不在服务内容细则中")
        for m in matches:
            label = f"第 {m.module.no} 行 {m.name}" if m.module else m.name
            output.say("  ", (m.status, styles[m.status]), "  ", label)
            output.say("      ", (m.clause, "dim"))
