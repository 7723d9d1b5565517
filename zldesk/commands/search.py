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
