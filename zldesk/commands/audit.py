"""`zldesk audit verify`: walk the hash chains of the ticket and roster histories (store/audit.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from ..errors import ZlDeskError
from . import output

if TYPE_CHECKING:
    from ..store.audit import Break

audit_app = typer.Typer(help="历史记录的防篡改校验。", no_args_is_help=True)

NAMES = {"ticket_event": "工单历史", "roster_event": "值班表历史"}


class ChainBroken(ZlDeskError):
    """A history table was changed outside zldesk."""


@audit_app.command("verify")
def verify(ctx: typer.Context, json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False) -> None:
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
        output.print_json(
            {
                "ok": not broken,
                "chains": [
                    {
                        "table": r.table,
                        "rows": r.rows,
                        "last_id": r.last_id,
                        "head": r.head,
                        "broken": None
                        if r.broken is None
                        else {
                            "id": r.broken.id,
                            "kind": r.broken.kind,
                            "where": where(r.broken),
                            "detail": detail(r.broken),
                        },
                    }
                    for r in reports
                ],
            }
        )
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
        raise ChainBroken(f"{NAMES.get(first.table, first.table)}被改动过", "\n".join(describe(b) for b in broken))


def describe(b: Break) -> str:
    """`ticket_event #5 工单 #2 第 3 版：内容被改过……`"""
    at = where(b)
    return f"{b.table} #{b.id}{' ' + at if at else ''}：{detail(b)}"


def where(b: Break) -> str:
    """The row as people know it (a ticket and its version); empty for a row that is gone."""
    if b.row is None:
        return ""
    if b.table == "ticket_event":
        return f"工单 #{b.row['ticket_id']} 第 {b.row['seq']} 版"
    return f"值班表变更（{b.row['kind']}，合同 id {b.row['contract_id']}）"


def detail(b: Break) -> str:
    """What does not hold there, in words."""
    match b.kind:
        case "not_chained":
            return "没有哈希：这一行不是经 zldesk 写入的"
        case "content_changed":
            return "内容被改过：与它写入时的哈希对不上"
        case "prev_link_broken":
            return f"前链断了：它接在 #{b.links_to} 之后，但它的前一行是 #{b.last_id}"
        case "row_missing" if b.head is not None:  # the head names a row past the table's last one
            return f"缺行：链头记的最后一行 #{b.head[0]} 不在表中（表中最后一行是 #{b.last_id}）"
        case "row_missing":
            gap = f"#{b.last_id} 与 #{b.id} 之间" if b.last_id else f"#{b.id} 之前"
            return f"缺行：它的前一行不在表中（{gap}少了记录）"
        case "head_missing":
            return "链头不见了：chain_head 中没有这条链"
        case "head_mismatch":
            return (
                f"链头对不上：链头记的是 #{b.head[0]} {b.head[1][:12]}，表中最后一行是 #{b.last_id} {b.last_hash[:12]}"
            )
    raise ValueError(f"unknown break {b.kind!r}")
