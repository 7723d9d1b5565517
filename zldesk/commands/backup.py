"""`zldesk backup FILE` and `zldesk restore FILE`. Neither opens the store through open_store: a backup
must not upgrade or seed what it copies, and a restore replaces the file whatever its version."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from . import output

Json = Annotated[bool, typer.Option("--json", help="输出 JSON。")]


def _size(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def backup(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="备份写到这个文件（仅 SQLite 库）。")],
    force: Annotated[bool, typer.Option("--force", help="文件已存在时覆盖它。")] = False,
    json: Json = False,
) -> None:
    """备份数据库到一个文件（使用中也可以）。

    文件写完整、检查过才出现，只有本人可读；已有的文件不覆盖，除非 --force。"""
    from ..store.backup import backup as copy
    from ..store.backup import store_file

    info = copy(store_file(ctx.obj.url), file, force=force)
    if json:
        output.print_json(
            {
                "file": str(info.path),
                "bytes": info.size,
                "tickets": info.tickets,
                "schema_version": info.version,
                "seconds": round(info.seconds, 3),
            }
        )
        return
    output.say(
        ("已备份到 ", "green"),
        str(info.path),
        f"：{_size(info.size)}，{info.tickets} 张工单，结构第 {info.version} 版，用时 {info.seconds:.1f} 秒",
    )


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="zldesk backup 做的备份文件。")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不再询问。")] = False,
    json: Json = False,
) -> None:
    """用备份文件替换数据库（当前的库先另存在旁边）。

    先检查备份（完整、是 zldesk 的库、不比本程序新、结构与它的版本一致、通过 audit verify 的全部核对）；
    当前的库另存为 .before-restore-时间。有别的进程（控制台）开着数据库时不恢复。"""
    from ..store.backup import install, prepare_restore, store_file
    from ..store.verify import check_copy
    from .findings import refusal

    store = store_file(ctx.obj.url)
    tmp, info = prepare_restore(file, store)
    try:
        report = check_copy(tmp, info.version)
        if not report.ok:
            raise refusal(report, str(info.path))
        if not yes:
            typer.confirm(
                f"用 {info.path}（{info.tickets} 张工单，结构第 {info.version} 版）替换 {store}？"
                "当前的库会先另存在旁边",
                abort=True,
            )
        kept = install(tmp, store)
    finally:
        tmp.unlink(missing_ok=True)
    if json:
        output.print_json(
            {
                "store": str(store),
                "from": str(info.path),
                "kept": str(kept) if kept else None,
                "tickets": info.tickets,
                "schema_version": info.version,
            }
        )
        return
    output.say(("已恢复 ", "green"), str(store), f"：来自 {info.path}，{info.tickets} 张工单")
    if kept:
        output.say("  原来的库另存为 ", str(kept))
