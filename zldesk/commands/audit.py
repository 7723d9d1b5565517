"""`zldesk audit verify`: walk the hash chains of the ticket and roster histories (store/audit.py)."""

from __future__ import annotations

from typing import Annotated

import typer

from . import output
from ..errors import ZlDeskError

audit_app = typer.Typer(help="历史记录的防篡改校验。", no_args_is_help=True)

NAMES = {"ticket_event": "工单历史", "roster_event": "值班表历史"}


class ChainBroken(ZlDeskError):
    """A history table was changed outside zldesk."""


@audit_app.command("verify")
def verify(ctx: typer.Context,
           json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False) -> None:
    """逐行核对工单历史和值班表历史的哈希链；有被改、被删、被插入的行就指出第一行，退出码 1。"""
    from ..store import reading
    from ..store.audit import verify as verify_chains

    engine = ctx.obj.engine()
    if engine.dialect.name == "postgresql":
        # One snapshot for all statements, so a write committed mid-walk is not taken for a broken head.
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    with reading(engine) as session:
        reports = verify_chains(session.connection())
    broken = [r.broken for r in reports if r.broken]
    if json:
        output.print_json({"ok": not broken, "chains": [
            {"table": r.table, "rows": r.rows, "last_id": r.last_id, "head": r.head,
             "broken": None if r.broken is None else {"id": r.broken.id, "kind": r.broken.kind,
                                                      "where": r.broken.where, "detail": r.broken.detail}}
            for r in reports]})
        if broken:
            raise typer.Exit(1)
        return
    for r in reports:
        name = (f"{NAMES.get(r.table, r.table)}  ", "bold")
        if r.broken is None:
            output.say(name, f"{r.rows} 行  ", ("完好", "green"), f"  链头 #{r.last_id} {r.head or '（空）'}")
        else:
            output.say(name, f"前 {r.rows} 行完好，之后", ("断了", "bold red"))
    if broken:
        first = broken[0]
        raise ChainBroken(f"{NAMES.get(first.table, first.table)}被改动过",
                          "\n".join(describe(b) for b in broken))


def describe(b) -> str:
    """`ticket_event #5 工单 #2 第 3 版：内容被改过……`"""
    return f"{b.table} #{b.id}{' ' + b.where if b.where else ''}：{b.detail}"
