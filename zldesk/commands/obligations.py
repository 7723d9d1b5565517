"""`zldesk obligations [--contract] [--at] [--json]`: every scheduled obligation of every contract in force,
its last fulfilment, next due date and state (zldesk.obligations' one rule); `zldesk obligation done SERVICE`
records a fulfilment (append-only, in the audit chain) with its evidence file kept in the store; `zldesk
obligation evidence ID -o FILE` writes that file back, checked against its sha256."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import output, state

obligation_app = typer.Typer(help="履约：记一次定期服务的履约（done），取回证据文件（evidence）。")

Contract = Annotated[Optional[str], typer.Option("--contract", help="合同代号；库中只有一个时可省略。")]
At = Annotated[Optional[str], typer.Option("--at", help="在某一时刻（ISO；默认现在，按合同时区）。")]


def _now() -> datetime:
    return state.now()  # the commands' one clock (tests move it)


def obligations(
    ctx: typer.Context,
    contract: Annotated[Optional[str], typer.Option("--contract", help="只看这个合同（默认：每个合同）。")] = None,
    at: At = None,
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """合同里写明周期的服务（巡检、升级、培训、年度回顾……）：最近一次履约、下次到期日和状态
    （正常、30 天内将到期、逾期），按到期日排列。服务期未开始或已结束的合同不列。"""
    from ..obligations import STATE_NAMES
    from ..store.obligations import read_obligations
    from ..store.rows import contract_heads, contract_id, read_contracts, resolve_code
    from ..text import parse_instant, visible

    with ctx.obj.read() as conn:
        if contract is not None:
            cid = contract_id(conn, resolve_code(conn, contract))
            zone = read_contracts(conn, [cid])[cid].zone
        else:
            heads = contract_heads(conn)
            zone = read_contracts(conn, [heads[0][0]])[heads[0][0]].zone if heads else None
        moment = parse_instant(at, zone, "--at") if at and zone is not None else _now()
        found = read_obligations(conn, contract, moment, every=contract is None) if zone is not None else []
    if json:
        output.print_json(
            {
                "at": moment.astimezone(zone).isoformat() if zone else moment.isoformat(),
                "obligations": [o.to_json() | {"customer": o.customer} for o in found],
            }
        )
        return
    if not found:
        output.say("没有要履行的定期服务（合同没有写明周期，或服务期不在此时）")
        return
    style = {"overdue": "red", "due_soon": "yellow", "ok": "green", "no_period": "dim"}
    for o in found:
        last = "—" if o.last_done is None else f"{o.last_done:%Y-%m-%d}（#{o.last_id}）"
        output.say(
            (f"{STATE_NAMES[o.state]:<4}", style[o.state]),
            f" {o.contract} {o.no:>2} {visible(o.service.category)}/{visible(o.service.name)}",
            f"  到期 {o.due_text}" + ("（服务期后）" if o.after_end else ""),
            f"  最近 {last}",
            (f"  {visible(o.service.frequency or o.service.schedule.text)}", "dim"),
        )


@obligation_app.command("done")
def done(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="定期服务：编号（zldesk obligations 所列）、名称或拼音。")],
    contract: Contract = None,
    at: Annotated[Optional[str], typer.Option("--at", help="履约的时刻（ISO；默认现在，按合同时区）。")] = None,
    who: Annotated[Optional[str], typer.Option("--as", help="履约人（默认：系统用户）。")] = None,
    note: Annotated[str, typer.Option("--note", help="说明（如报告编号、发给了谁）。")] = "",
    evidence: Annotated[
        Optional[Path], typer.Option("--evidence", help="证据文件（巡检报告 PDF……），存进库里，最大 50 MiB。")
    ] = None,
) -> None:
    """记一次履约：只增不改，写进审计哈希链；证据文件连同 sha256 和大小存进库里（备份带着它）。"""
    from ..errors import Refused
    from ..obligations import resolve
    from ..store import writing
    from ..store.contracts import get_contract, resolve_code
    from ..store.obligations import read_obligations, record_done
    from ..text import control_problem, parse_instant, visible

    problem = control_problem(note.strip(), lines=True) if note else None
    if problem:
        raise Refused("--note 不能用", problem)
    blob = _read_evidence(evidence) if evidence is not None else None
    now = _now()
    person = output.who(who)
    with writing(ctx.obj.engine()) as session:
        code = resolve_code(session, contract)
        contract_obj = get_contract(session, code)
        zone = contract_obj.zone
        resolve(contract_obj, service)  # refused before anything is written
        when = parse_instant(at, zone, "--at") if at else now
        if when > now:
            raise Refused("--at 在将来", f"{when.astimezone(zone):%Y-%m-%d %H:%M} 还没到：履约只记已经做了的")
        done_ = record_done(session, code, service, done_at=when, now=now, who=person, note=note.strip(), evidence=blob)
    with ctx.obj.read() as conn:
        after = next((o for o in read_obligations(conn, code, now) if o.no == done_["no"]), None)
    ev = done_["evidence"]
    extra = "" if ev is None else f"  证据 #{ev['id']} {visible(ev['name'])} {ev['size']:,} 字节 sha256 {ev['sha256']}"
    output.say(
        ("已记录履约 ", "green"),
        f"#{done_['id']} {visible(done_['category'])}/{visible(done_['service'])} {when.astimezone(zone):%Y-%m-%d %H:%M}",
        extra,
        f"；下次到期 {after.due_text}" if after else "；合同不在服务期内，不再到期",
    )


def _read_evidence(path: Path) -> tuple[str, bytes]:
    """The evidence file's name and bytes; refused, naming the file, if it is not a readable regular file
    or is past the limit (its size is looked at before a byte is read)."""
    from ..errors import EvidenceTooBig, Refused
    from ..store import obligations as store

    MAX_EVIDENCE_BYTES = store.MAX_EVIDENCE_BYTES  # read when called: tests lower it
    path = path.expanduser()
    try:
        info = path.stat()
    except OSError as e:
        raise Refused("--evidence 读不了", f"{path}: {e.strerror}") from None
    import stat

    if not stat.S_ISREG(info.st_mode):
        raise Refused("--evidence 不是文件", f"{path} 是目录或设备：要给一个文件")
    if info.st_size > MAX_EVIDENCE_BYTES:
        raise EvidenceTooBig(str(path), info.st_size, MAX_EVIDENCE_BYTES)
    try:
        with open(path, "rb") as f:
            content = f.read(MAX_EVIDENCE_BYTES + 1)
    except OSError as e:
        raise Refused("--evidence 读不了", f"{path}: {e.strerror}") from None
    if len(content) > MAX_EVIDENCE_BYTES:  # it grew meanwhile
        raise EvidenceTooBig(str(path), None, MAX_EVIDENCE_BYTES)
    return path.name, content


@obligation_app.command("evidence")
def evidence(
    ctx: typer.Context,
    evidence_id: Annotated[int, typer.Argument(metavar="ID", help="证据的编号（done 时给出，JSON 的 evidence.id）。")],
    out: Annotated[Path, typer.Option("-o", "--output", help="写到这个文件（整份写好再换上）。")],
) -> None:
    """取回一份证据文件：先核对它的 sha256 与大小（与履约记录记下的一致），再整份写出。"""
    from ..errors import StoreError
    from ..store.obligations import read_evidence

    with ctx.obj.read() as conn:
        found = read_evidence(conn, evidence_id)
    if not found.intact:
        raise StoreError(
            "证据文件已损坏",
            f"#{found.id} {found.name}：内容与记下的 sha256 或大小对不上（记下的 {found.recorded}）；请运行 zldesk audit verify",
        )
    output.write_file(out, found.content)
    output.say(("已写出证据 ", "green"), f"#{found.id} {out}  {found.size:,} 字节  sha256 {found.sha256}")
