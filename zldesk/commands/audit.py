"""`zldesk audit verify` and `zldesk audit head`: everything store/verify.py checks, and the heads to keep
elsewhere so that a history cut short, with its head rewritten to match, is caught too."""

from __future__ import annotations

import json as jsonlib
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from ..errors import ZlDeskError
from . import output
from .findings import ChainBroken, chain_name, describe, detail, problems, refusal, where

if TYPE_CHECKING:
    from ..store.verify import Heads, Report

__all__ = ["ChainBroken", "audit_app", "report_json"]

audit_app = typer.Typer(help="历史记录和数据库的防篡改校验。", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="输出 JSON。")]
HEAD_FORMAT = "zldesk audit head"


class BadHeadsFile(ZlDeskError):
    """--expect names a file that is not what `audit head --json` writes."""

    exit_code = 2


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    json: Json = False,
    expect: Annotated[
        Optional[Path], typer.Option("--expect", help="与 audit head --json 另存的链头比较。", metavar="FILE")
    ] = None,
) -> None:
    """核对历史链、结构、工单、合同和值班表；不对的逐条指出，退出码 1。

    逐一比较：结构与它的版本，每张工单与其历史的重放。

    合同各表与最近一次导入记下的条款、值班表与最近一次变更记下的摘要也逐一比较。

    --expect FILE 再与 audit head 另存的链头比较。"""
    from ..store.verify import verify_store

    saved = read_heads(expect) if expect is not None else None
    report = verify_store(ctx.obj.engine(), saved)
    if json:
        output.print_json(report_json(report, expect))
        if not report.ok:
            raise typer.Exit(1)
        return
    for r in report.chains:
        name = (f"{chain_name(r.table)}  ", "bold")
        if r.broken is None:
            output.say(name, f"{r.rows} 行  ", ("完好", "green"), f"  链头 #{r.last_id} {r.head or '（空）'}")
        else:
            output.say(name, f"前 {r.rows} 行完好，之后", ("断了", "bold red"))
    for label, text, areas in _summary(report, expect):
        bad = [f for f in report.findings if f.kind.split("_")[0] in areas]
        output.say(
            (f"{label}  ", "bold"), text, "  ", ("完好", "green") if not bad else (f"{len(bad)} 处不对", "bold red")
        )
    if not report.ok:
        raise refusal(report, "")


def _summary(report: Report, expect: Path | None) -> list[tuple[str, str, set[str]]]:
    schema = {"table", "column", "index", "trigger", "view", "function", "rule"}
    lines = [("结构", f"第 {report.version} 版", schema)]
    if report.data_checked:
        roster = {"recorded": "与最近一次变更记下的摘要比较", "not_recorded": "最近一次变更早于第 8 版，未记摘要"}
        lines += [
            ("工单", f"{report.tickets} 张，与各自的历史比较", {"ticket", "deadline", "terms", "history"}),
            ("合同", f"{report.contracts} 个，{report.versions} 个条款版本", {"contract", "version"}),
            ("值班表", roster.get(report.roster, "没有变更记录"), {"roster"}),
        ]
    if expect is not None:
        lines.append(("保存的链头", str(expect), {"head", "saved"}))
    return lines


def report_json(report: Report, expect: Path | None = None) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "schema_version": report.version,
        "chains": [
            {
                "table": r.table,
                "rows": r.rows,
                "last_id": r.last_id,
                "head": r.head,
                "broken": None
                if r.broken is None
                else {"id": r.broken.id, "kind": r.broken.kind, "where": where(r.broken), "detail": detail(r.broken)},
            }
            for r in report.chains
        ],
        "checked": {
            "data": report.data_checked,
            "tickets": report.tickets,
            "contracts": report.contracts,
            "versions": report.versions,
            "roster": report.roster or None,
            "expect": None if expect is None else str(expect),
        },
        "findings": [
            {
                "kind": f.kind,
                "table": f.table,
                "name": f.name,
                "fields": list(f.fields),
                "expected": f.expected,
                "found": f.found,
                "text": describe(f, report.version),
            }
            for f in report.findings
        ],
        "problems": problems(report, limit=None),
    }


# ---- heads ---------------------------------------------------------------------------------------------


@audit_app.command("head")
def head(ctx: typer.Context, json: Json = False) -> None:
    """打印链头和各合同最新条款的摘要，供另存一处。

    audit head --json > 文件，存到别的机器上；日后用 audit verify --expect 文件 比较。"""
    from ..store.verify import heads

    h = heads(ctx.obj.engine())
    if json:
        output.print_json(heads_json(h))
        return
    for table, last_id, digest in h.chains:
        output.say((f"{chain_name(table)}  ", "bold"), f"#{last_id} {digest or '（空）'}")
    for code, vid, seq, digest in h.contracts:
        output.say((f"合同 {code}  ", "bold"), f"第 {seq} 版（#{vid}）")
        output.say("  ", digest)


def heads_json(h: Heads) -> dict[str, Any]:
    return {
        "format": HEAD_FORMAT,
        "schema_version": h.version,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "chains": [{"table": t, "last_id": n, "hash": d} for t, n, d in h.chains],
        "contracts": [{"code": c, "version_id": v, "seq": s, "sha256": d} for c, v, s, d in h.contracts],
    }


def read_heads(path: Path) -> Heads:
    """What `audit head --json` wrote, checked field by field; BadHeadsFile naming what is wrong."""
    from ..store.audit import chained_tables
    from ..store.verify import Heads

    try:
        data = jsonlib.loads(path.expanduser().read_text(encoding="utf-8"))
    except OSError as e:
        raise BadHeadsFile("读不了链头文件", f"{path}: {e.strerror}") from None
    except ValueError as e:
        raise BadHeadsFile("链头文件不是 JSON", f"{path}: {e}") from None
    if not isinstance(data, dict) or data.get("format") != HEAD_FORMAT:
        raise BadHeadsFile("不是 audit head --json 写的链头文件", f'{path}: 没有 "format": "{HEAD_FORMAT}"')
    known = {t.name for t in chained_tables()}
    chains = _entries(path, data, "chains", {"table": str, "last_id": int, "hash": str})
    contracts = _entries(path, data, "contracts", {"code": str, "version_id": int, "seq": int, "sha256": str})
    for table, last_id, _ in chains:
        if table not in known or last_id < 0:
            raise BadHeadsFile("链头文件有误", f"{path}: chains 里的 {table!r} #{last_id} 不是一条历史链的链头")
    version = data.get("schema_version")
    return Heads(version if isinstance(version, int) else 0, chains, contracts)


def _entries(path: Path, data: dict, key: str, shape: dict[str, type]) -> tuple[tuple, ...]:
    items = data.get(key)
    if not isinstance(items, list):
        raise BadHeadsFile("链头文件有误", f"{path}: 缺少 {key} 列表")
    out = []
    for i, item in enumerate(items):
        ok = isinstance(item, dict) and all(
            isinstance(item.get(k), t) and not isinstance(item.get(k), bool) for k, t in shape.items()
        )
        if not ok:
            fields = "、".join(f"{k}（{t.__name__}）" for k, t in shape.items())
            raise BadHeadsFile("链头文件有误", f"{path}: {key}[{i}] 应有 {fields}")
        out.append(tuple(item[k] for k in shape))
    return tuple(out)
