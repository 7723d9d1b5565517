"""`zldesk import modules FILE --contract CODE`: a contract's module list from a CSV, however long (50,000
rows in about 20x the time csv.reader takes: benchmarks/modules_bench.py). Registered on import_app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import output
from .contracts import SCREEN, DryRun, Json, _plans, _policy, _report, _report_plans, _warnings, import_app


@import_app.command("modules")
def import_modules(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV，表头 no,name,selected,sites,remark；UTF-8 或 GB18030。")],
    contract: Annotated[str, typer.Option("--contract", help="合同代号。")],
    dry_run: DryRun = False,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", help=f"逐条列出全部变更（默认超过 {SCREEN} 条时只列前 {SCREEN} 条和各类的数目）。"),
    ] = False,
    json: Json = False,
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
        from dataclasses import replace

        with reading(engine) as session:
            code = resolve_code(session, contract)
            current = get_contract(session, code)
            changes = diff_modules(current.modules, modules)
            new = replace(current, modules=tuple(modules))
            plans = _plans(session, code, None, _policy(new), ({}, {}), False)
        zone = current.zone
    else:
        from dataclasses import replace

        from ..store.terms import current_terms

        with writing(engine) as session:
            code = resolve_code(session, contract)
            new = replace(get_contract(session, code), modules=tuple(modules))
            changes = replace_modules(session, code, modules, source=str(file), who=output.who(), raw=raw)
            # _move_open without --reapply-open, held to the terms just written (`new`) rather than to
            # their JSON read back and checked again: that was a third of a 50,000-row import
            plans = _plans(session, code, current_terms(session, code), _policy(new), ({}, {}), False)
            zone = new.zone
    if json:
        output.print_json(_modules_json(code, dry_run, changes, plans, zone, warnings, str(file)))
        return
    _report(changes, code, dry_run=dry_run, summarise=not verbose)
    _report_plans(plans, zone, False, dry_run=dry_run)


def _modules_json(code: str, dry_run: bool, changes: list[str], plans: list, zone, warnings, source: str) -> dict:
    """import modules --json: every change, whatever its length (README, 模块表)."""
    from ..tickets import plan_line
    from .state import now

    return {
        "contract": code,
        "dry_run": dry_run,
        "written": bool(changes) and not dry_run,
        "count": len(changes),
        "changes": changes,
        "held_to_old_terms": [{"id": p.ticket_id, "text": plan_line(p, zone, now())} for p in plans],
        "warnings": [w.render(source) for w in warnings],
    }
