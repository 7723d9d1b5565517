"""`zldesk import contacts FILE --contract CODE` and `zldesk export contacts [CODE]`: the hospital's people
(name, numbers, department, role) that `zldesk who` finds a caller among. Registered on import_app and
export_app (cli.COMMANDS)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import output
from .contracts import DryRun, Json, OutFile, _report, export_app, import_app


@import_app.command("contacts")
def import_contacts(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(help="CSV（表头 name,phone,dept,role）或 TOML（[[contacts]]）；UTF-8 或 GB18030。")
    ],
    contract: Annotated[str, typer.Option("--contract", help="合同代号：这些人是哪家医院的。")],
    dry_run: DryRun = False,
    json: Json = False,
) -> None:
    """用文件替换一个合同（医院）的联系人名单，一个事务完成；有一行不对就什么也不写。"""
    from ..contract import read_bytes
    from ..importers.contacts import diff_people, read_contacts
    from ..store import reading, writing
    from ..store.callers import people as stored
    from ..store.contracts import resolve_code
    from ..store.db import driver_connection
    from ..store.people import replace_people

    raw = read_bytes(file)
    new = read_contacts(raw, str(file))
    engine = ctx.obj.engine()
    if dry_run:
        with reading(engine) as session:
            code = resolve_code(session, contract)
            changes = diff_people(stored(driver_connection(session), code), new)
    else:
        with writing(engine) as session:
            code = resolve_code(session, contract)
            changes = replace_people(session, code, new, source=str(file), who=output.who(), raw=raw)
    if json:
        output.print_json(
            {
                "contract": code,
                "dry_run": dry_run,
                "written": bool(changes) and not dry_run,
                "people": len(new),
                "numbers": sum(len(p.phones) for p in new),
                "count": len(changes),
                "changes": changes,
            }
        )
        return
    _report(changes, code, dry_run=dry_run, summarise=True)
    output.say("  ", f"名单共 {len(new):,} 人、{sum(len(p.phones) for p in new):,} 个号码")


@export_app.command("contacts")
def export_contacts(
    ctx: typer.Context,
    code: Annotated[Optional[str], typer.Argument(help="合同代号；库中只有一个合同时可省略。")] = None,
    format: Annotated[str, typer.Option("--format", help="csv | json")] = "csv",
    out: OutFile = None,
) -> None:
    """导出一个合同的联系人名单（import contacts 能原样读回）。"""
    from ..errors import Refused
    from ..importers.contacts import contacts_json, dumps_contacts_csv
    from ..store.callers import people
    from ..store.rows import resolve_code

    if format not in ("csv", "json"):
        raise Refused("--format 只能是 csv 或 json", f"收到 {format!r}")
    with ctx.obj.read() as conn:
        found = people(conn, resolve_code(conn, code))
    if format == "csv":
        output.emit(dumps_contacts_csv(found), out)
        return
    import json

    from ..text import json_safe

    output.emit(json_safe(json.dumps(contacts_json(found), ensure_ascii=False, indent=2)) + "\n", out)
