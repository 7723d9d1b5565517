"""`zldesk ticket search`: find tickets by any words of their titles, descriptions and notes."""

from __future__ import annotations

from typing import Annotated

import typer

from . import output
from .tickets import Json, ticket_app


@ticket_app.command("search")
def search(
    ctx: typer.Context,
    query: Annotated[str, typer.Argument(help="要找的字词（中文任意两字以上的片段也行）。")],
    json: Json = False,
) -> None:
    """在标题、描述和备注里找工单。"""
    from ..store import reading
    from ..store.tickets import contract_names
    from ..store.tickets import search as search_store
    from ..tickets import STATE_NAMES

    with reading(ctx.obj.engine()) as session:
        rows = search_store(session, query)
        names = contract_names(session)
    if json:
        output.print_json(
            [
                {
                    "id": r.id,
                    "contract": names[r.contract_id][0],
                    "severity": r.severity,
                    "state": r.state,
                    "title": r.title,
                    "module": r.module_name,
                    "assignee": r.assignee,
                }
                for r in rows
            ]
        )
        return
    if not rows:
        output.say(f"没有找到「{query}」。")
    for r in rows:
        output.say(
            (f"#{r.id:<5}", "bold"), f"{names[r.contract_id][1]}  {r.severity}级  {STATE_NAMES[r.state]}  ", r.title
        )


@ticket_app.command("similar")
def similar(ctx: typer.Context, tid: Annotated[int, typer.Argument(help="工单号。")], json: Json = False) -> None:
    """同一合同里最像这张的五张工单（同模块在前，再按标题、描述、备注的字词），附各自怎么解决的。"""
    from ..store.rows import policies
    from ..store.similar import similar as similar_store
    from ..store.ticket_rows import stored_ticket
    from ..tickets import STATE_NAMES
    from ..tickets.lifecycle import shown

    with ctx.obj.read() as conn:
        row, _ = stored_ticket(conn, tid)
        zone = policies(conn, [row.terms_id])[row.terms_id].zone
        found, title = similar_store(conn, tid)
    if json:
        output.print_json(
            [
                {
                    "id": s.id,
                    "received_at": s.received_at.astimezone(zone).isoformat(),
                    "state": s.state,
                    "module_name": s.module_name,
                    "title": s.title,
                    "score": s.score,
                    "same_module": s.same_module,
                    "resolution": None
                    if s.resolution is None
                    else {"note": s.resolution[0], "at": s.resolution[1].astimezone(zone).isoformat()},
                }
                for s in found
            ]
        )
        return
    if not found:
        output.say(f"#{tid} 没有相似的工单。")
        return
    output.say((f"#{tid} ", "bold"), title, "  的相似工单（同模块在前，再按字词）：")
    for s in found:
        output.say(
            (f"#{s.id} ", "bold"),
            f"{s.received_at.astimezone(zone):%Y-%m-%d}  {STATE_NAMES[s.state]}  {s.module_name or '（无模块）'}  ",
            s.title,
        )
        if s.resolution is not None:
            output.say_block(f"  解决（{shown(s.resolution[1], zone)}）：", body=s.resolution[0])
        else:
            output.say("  解决：（没有记下）")
