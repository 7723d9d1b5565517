"""`zldesk migrate --to URL`: move the store into an empty database (PostgreSQL for a team server)."""

from __future__ import annotations

from typing import Annotated

import typer

from . import output


def migrate(
    ctx: typer.Context,
    to: Annotated[
        str, typer.Option("--to", metavar="URL", help="目标数据库（空库），如 postgresql+psycopg://user@host/zldesk。")
    ],
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """把当前库整库复制到一个空的数据库（如团队用的 PostgreSQL），复制后逐行核对；一个事务，不一致就什么也不写。"""
    from ..errors import Refused
    from ..store.db import resolve_url
    from ..store.files import refuse_overwrite, store_path
    from ..store.migrate import copy_store

    target = resolve_url(to)
    if target == ctx.obj.url:
        raise Refused("源库和目标库是同一个", target)
    if store_path(target) is not None:  # an empty SQLite file is a target; the store's -wal or a link to it is not
        refuse_overwrite(store_path(target), store_path(ctx.obj.url), databases=True)
    from .state import say_upgrade_backup

    def on_table(name: str, rows: int) -> None:
        if not json:
            output.say("  ", f"{name}: {rows} 行")

    counts = copy_store(ctx.obj.url, target, on_table=on_table, on_backup=say_upgrade_backup)
    if json:
        output.print_json({"from": ctx.obj.url, "to": _safe(target), "rows": counts, "verified": True})
        return
    output.say(("已迁移并逐行核对 ", "green"), f"{sum(counts.values())} 行 → {_safe(target)}")


def _safe(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
