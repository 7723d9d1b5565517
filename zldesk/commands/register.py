"""`zldesk import tickets FILE`: the vendor's ticket register (CSV or xlsx) becomes tickets with their whole
history, in one transaction. Each row is read by importers/register.py, made a ticket by tickets.lifecycle
(`create`, then `apply` of each action, as `ticket new` and `ticket ack`... make it) and written by
store/bulk.py in batches; any bad row and nothing is written."""

from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any, Optional

import typer

from . import output
from .contracts import import_app

MAX_PROBLEMS = 100  # past these the file is not read further: one wrong column makes every row wrong
BATCH = 5_000  # tickets per executemany: memory stays flat, the statements stay few
_EVENTS = (("acknowledged_at", "ack"), ("arrived_at", "arrive"), ("resolved_at", "resolve"), ("closed_at", "close"))


@dataclass
class _Terms:
    code: str
    contract_id: int
    terms: int
    policy: Any


class _Import:
    """One register read into one session: tickets made row by row, written a batch at a time (when `write`)."""

    def __init__(self, session, source: str, contract: str | None, who: str, now: datetime, write: bool) -> None:
        from ..store.bulk import for_import, last_id
        from ..store.contracts import resolve_code

        self.session, self.source, self.who, self.now, self.write = session, source, who, now, write
        self.default = resolve_code(session, contract) if contract else None
        self.given = contract is not None
        self.terms: dict[str, _Terms] = {}
        self.modules: dict[tuple[str, str], Any] = {}
        self.keys: dict[int, int] = {}  # hash of (contract, received_at, title, caller) -> its line
        self.span: dict[str, tuple[datetime, datetime]] = {}
        self.problems: list = []
        self.batch: list = []
        self.lines: list[int] = []  # the line of each ticket written, in id order
        self.ids: list[int] = []
        self.before = last_id(session)
        if write:
            for_import(session)
        self.count: Counter = Counter()

    def run(self, raw: bytes) -> None:
        from ..contract import MAX_REGISTER_ROWS
        from ..errors import InvalidInput, Problem
        from ..importers import register

        read = register.rows(raw, self.source)
        first = next(read, None)
        if first is None:
            raise InvalidInput(self.source, [Problem("", "文件是空的：第一行应为表头（合同、级别、标题、来电时间……）")])
        head = register.header(first[1], first[0], self.source)
        if "contract" not in head.labels and self.default is None:
            from ..store.contracts import resolve_code

            self.default = resolve_code(self.session, None)  # the only contract, or refused: say which
        n = 0
        for line, cells in read:
            n += 1
            if n > MAX_REGISTER_ROWS:
                self.problems.append(Problem("", f"登记表最多 {MAX_REGISTER_ROWS:,} 行（读到这里时停止）", line))
                break
            self._row(head, line, cells)
            if len(self.problems) >= MAX_PROBLEMS:
                self.problems.append(Problem("", f"错误已有 {MAX_PROBLEMS} 处，后面的行没有检查", line))
                break
            if len(self.batch) >= BATCH:
                self._flush()
        self._already_here()
        if not self.problems and not self.count["tickets"]:
            self.problems.append(Problem("", "没有任何工单行"))
        if self.problems:
            raise InvalidInput(self.source, sorted(self.problems, key=lambda p: p.line or 0))
        self._flush()

    def _row(self, head, line: int, cells: list) -> None:
        Problem, ZlDeskError, register = _lib().Problem, _lib().ZlDeskError, _lib().register
        named, problems = register.cells_of(head, line, cells)
        if problems:
            self.problems += problems
            return
        code = register.contract_of(named) or self.default
        label = head.labels.get("contract", "contract")
        if code is None:
            self.problems.append(Problem(label, "合同为空（或用 --contract 指定）", line))
            return
        if self.given and code != self.default:
            message = f"写的是 {code}，但 --contract 是 {self.default}：去掉 --contract，或只导入 {self.default} 的行"
            self.problems.append(Problem(label, message, line))
            return
        try:
            terms = self._terms(code)
        except ZlDeskError as e:
            self.problems.append(Problem(label, f"{e.title}：{e.message}", line))
            return
        row, problems = register.parse(head, line, named, code, terms.policy.zone, self.now)
        if row is None:
            self.problems += problems
            return
        try:
            made = self._ticket(row, terms, head)
        except ZlDeskError as e:
            self.problems.append(Problem(getattr(e, "column", ""), f"{e.title}：{e.message}".rstrip("："), line))
            return
        key = hash((code, row.times["received_at"].timestamp(), made.ticket.title, made.ticket.caller))
        if key in self.keys:
            self.problems.append(
                Problem("", f"与第 {self.keys[key]} 行是同一张工单（合同、来电时间、标题、来电人相同）", line)
            )
            return
        self.keys[key] = line
        at = row.times["received_at"]
        low, high = self.span.get(code, (at, at))
        self.span[code] = (min(low, at), max(high, at))
        self._count(made.ticket)
        if not self.problems:  # once a row is bad nothing will be written: the rest is only checked
            self.batch.append(made)
            self.lines.append(line)

    def _terms(self, code: str) -> _Terms:
        if code not in self.terms:
            from ..store.bulk import contract_id
            from ..store.contracts import resolve_code
            from ..store.tickets import current_terms, policy_for

            resolve_code(self.session, code)
            self.terms[code] = _Terms(
                code, contract_id(self.session, code), current_terms(self.session, code), policy_for(self.session, code)
            )
        return self.terms[code]

    def _ticket(self, row, terms: _Terms, head):
        lib = _lib()
        Event, NewTicket, Action, apply, checked = lib.Event, lib.NewTicket, lib.Action, lib.apply, lib.checked
        policy, at = terms.policy, row.times["received_at"]
        _column(policy.severity, head.labels["severity"], row.severity)
        data = {
            "severity": row.severity,
            "title": row.title,
            "caller": row.caller,
            "phone": row.phone,
            "dept": row.dept,
            "description": row.description,
        }
        if row.module:
            m = _column(self._module, head.labels.get("module", "module"), policy.contract, row.module)
            data |= {"module_no": m.no, "module_name": m.name, "in_scope": m.selected}
        channel = _column(lib.channel_code, head.labels.get("channel", ""), row.channel) if row.channel else None
        data["channel"] = channel or lib.default_channel(policy, at)
        data = {**lib.checked_fields(data), "contract": terms.code, "terms": terms.terms}
        zone = policy.out_zone
        t = lib.create(data, at, self.now, zone)
        events = [Event("create", at, data, self.who)]
        actions = [(kind, row.times[name], {}) for name, kind in _EVENTS if row.times[name] is not None]
        if row.assignee:  # when it was assigned the register does not say: at the acknowledgement, else the call
            ack = row.times["acknowledged_at"]
            actions.insert(1 if ack else 0, ("assign", ack or at, {"engineer": row.assignee}))
        if row.note:  # written down last: at the row's latest time
            actions.append(("note", max([at, *(when for _, when, _ in actions)]), {"text": row.note}))
        for kind, when, extra in actions:
            action = checked(Action(kind, when, extra)) if extra else Action(kind, when)  # as typed, if typed
            t, changes = apply(t, action, self.now, zone)
            events.append(Event(kind, when, action.data, self.who, "", changes))
        notes = (row.note,) if row.note else ()
        return NewTicket(terms.contract_id, policy, t, tuple(events), notes)

    def _module(self, contract, text: str):
        key = (contract.code, text)
        if key not in self.modules:
            from ..coverage import resolve_module
            from ..errors import ZlDeskError

            try:
                self.modules[key] = resolve_module(contract, text)
            except ZlDeskError as e:
                self.modules[key] = e
        found = self.modules[key]
        if isinstance(found, Exception):
            raise found
        return found

    def _count(self, t) -> None:
        self.count["tickets"] += 1
        self.count["state:" + t.state] += 1
        self.count[f"level:{t.severity}"] += 1
        self.count["contract:" + t.contract] += 1
        if not t.in_scope:
            self.count["out_of_scope"] += 1

    def _flush(self) -> None:
        from ..store.bulk import insert_tickets

        if self.write and self.batch and not self.problems:
            self.ids += insert_tickets(self.session, self.batch, self.now)
        self.batch = []

    def _already_here(self) -> None:
        """Rows whose ticket the store holds already (an earlier import of this register): refused by line."""
        from ..errors import Problem
        from ..store.bulk import existing

        for code, (low, high) in self.span.items():
            for tid, received, title, caller in existing(
                self.session, self.terms[code].contract_id, low, high, self.before
            ):
                line = self.keys.get(hash((code, received.timestamp(), title, caller)))
                if line is not None:
                    self.problems.append(
                        Problem("", f"已在库中：工单 #{tid}（合同、来电时间、标题、来电人相同；重复导入？）", line)
                    )


@cache
def _lib() -> SimpleNamespace:
    """What each row needs, imported once (a `from` import of a package in the row's code costs a few
    microseconds a row; not at this module's import: `import contract` builds this command group too)."""
    from ..errors import Problem, ZlDeskError
    from ..importers import register
    from ..store.bulk import Event, NewTicket
    from ..tickets import Action, apply, channel_code, checked, checked_fields, create, default_channel

    return SimpleNamespace(
        Problem=Problem,
        ZlDeskError=ZlDeskError,
        register=register,
        Event=Event,
        NewTicket=NewTicket,
        Action=Action,
        apply=apply,
        channel_code=channel_code,
        checked=checked,
        checked_fields=checked_fields,
        create=create,
        default_channel=default_channel,
    )


def _column(fn, label: str, *args):
    """fn(*args), its refusal tagged with the column it is about (the row's problem names it)."""
    from ..errors import ZlDeskError

    try:
        return fn(*args)
    except ZlDeskError as e:
        e.column = label
        raise


@import_app.command("tickets")
def import_tickets(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="工单登记表：CSV（UTF-8 或 GB18030）或 xlsx。")],
    contract: Annotated[
        Optional[str], typer.Option("--contract", help="合同代号：表里没有合同列（或格子为空）时用它。")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并列出将要导入的工单，不写入。")] = False,
    who: Annotated[Optional[str], typer.Option("--as", help="导入人（默认当前系统用户）。")] = None,
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
) -> None:
    """把已有的工单登记表导入为工单（含完整历史、搜索索引和历史链），一个事务完成；有一行不对就什么也不写。"""
    from ..contract import MAX_REGISTER_BYTES, read_bytes
    from ..store import open_store, reading, writing
    from .state import now as clock

    raw = read_bytes(file, MAX_REGISTER_BYTES)
    who_ = f"{output.who(who)}（导入）"
    now = clock()
    if dry_run:
        engine = ctx.obj.engine_if_exists() or open_store("sqlite://")  # no store yet: what a new one holds
        session_of = reading(engine)
    else:
        session_of = writing(ctx.obj.engine())
    with session_of as session, _no_collector():
        job = _Import(session, str(file), contract, who_, now, write=not dry_run)
        job.run(raw)
    _report(job, str(file), dry_run, json)


@contextmanager
def _no_collector():
    """Python's cyclic collector off while the rows are read and written: a row's objects form no cycles
    (they are freed as their last reference goes, batch by batch), but each collection walks every object
    still alive, and a register makes millions - a fifth of an import's time, for nothing freed (the peak
    memory measured the same either way)."""
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _report(job: _Import, source: str, dry_run: bool, json: bool) -> None:
    from ..tickets import STATE_NAMES

    c = job.count
    states = {s: c["state:" + s] for s in STATE_NAMES if c["state:" + s]}
    levels = {int(k.split(":")[1]): v for k, v in sorted(c.items()) if k.startswith("level:")}
    contracts = {k.split(":", 1)[1]: v for k, v in sorted(c.items()) if k.startswith("contract:")}
    if json:
        output.print_json(
            {
                "source": source,
                "dry_run": dry_run,
                "tickets": c["tickets"],
                "contracts": contracts,
                "states": states,
                "levels": levels,
                "out_of_scope": c["out_of_scope"],
                "ids": [job.ids[0], job.ids[-1]] if job.ids else None,
            }
        )
        return
    head = ("试运行，未写入。", "bold") if dry_run else ("已导入 ", "green")
    what = f"将导入 {c['tickets']:,} 张工单" if dry_run else f"{c['tickets']:,} 张工单"
    where = f"（#{job.ids[0]}–#{job.ids[-1]}）" if job.ids else ""
    output.say(head, what + where + "：" + "，".join(f"{code} {n:,}" for code, n in contracts.items()))
    output.say("  状态：", "  ".join(f"{STATE_NAMES[s]} {n:,}" for s, n in states.items()))
    output.say("  级别：", "  ".join(f"{lv} 级 {n:,}" for lv, n in levels.items()))
    if c["out_of_scope"]:
        output.warn(f"{c['out_of_scope']:,} 张工单的模块不在合同范围（未选）：照样导入并标记 不在合同范围")
