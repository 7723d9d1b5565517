"""`zldesk watch [--once] [--interval 30s]`: the rules read, what must be sent written to the outbox, then
sent (notify/watcher.py); `zldesk notify log|test|retry`: the outbox, a test message, a row due again.
The rules and channels are the config file's [notify] (notify/config.py); no secret is ever printed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Optional

import typer

from . import output, state

notify_app = typer.Typer(help="通知：发件箱（log）、发测试消息（test）、让一条消息立即重发（retry）。")


def _now() -> datetime:
    return state.now()  # the commands' one clock (tests move it)


def _config():
    from ..notify.config import load
    from ..settings import current

    return load(current())


def _at(text: str | None) -> datetime:
    from ..text import parse_instant

    return parse_instant(text, UTC, "--at") if text else _now()


def watch(
    ctx: typer.Context,
    once: Annotated[bool, typer.Option("--once", help="只跑一轮（给 cron 用）。")] = False,
    interval: Annotated[str, typer.Option("--interval", help="两轮之间隔多久，如 30s、1m。")] = "30s",
    at: Annotated[Optional[str], typer.Option("--at", help="--once 时在某一时刻判断（ISO；默认现在）。")] = None,
) -> None:
    """值守：按配置文件里的 [[notify.rules]] 检查未结工单，要发的通知先写进发件箱，再发到 [[notify.channels]]；
    发不出去的按退避重试。多个 watch 共用一个库时只有持有租约的那个发送。"""
    from ..errors import Refused
    from ..notify import watcher
    from ..notify.config import duration

    config = _config()
    step = duration(interval)
    if step is None or step.total_seconds() < 1:
        raise Refused(f"--interval {interval!r} 不是时长", "写成 30s、1m 这样，至少 1 秒，最长 366d。")
    if not config.rules:
        output.warn("配置文件里没有 [[notify.rules]]：没有要检查的规则")
    engine = ctx.obj.engine()
    holder = watcher.holder_id()
    seconds = step.total_seconds()
    if once:
        fixed = _at(at) if at else None
        r = watcher.run_once(engine, config, holder, (lambda: fixed) if fixed else _now, seconds, keep=False)
        _say(r)
        return
    output.say(f"zldesk watch：每 {interval} 一轮（{holder}）；Ctrl-C 停止", stderr=True)
    import signal

    signal.signal(signal.SIGTERM, _stop)
    try:
        watcher.run(engine, config, holder, _now, seconds, _say)
    except KeyboardInterrupt:
        pass


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt  # systemd's SIGTERM: stop as Ctrl-C does, the lease given up on the way out


def _say(r) -> None:
    if isinstance(r, Exception):
        output.warn(f"本轮出错，下一轮再试：{r}")
        return
    if not r.leased:
        output.say("另一个 watch 持有租约，本轮不发送", stderr=True)
    elif r.written or r.sent or r.failed:
        output.say(f"新通知 {r.written} 条，发出 {r.sent} 条，未发出 {r.failed} 条", stderr=True)


@notify_app.command("log")
def log(
    ctx: typer.Context,
    json: Annotated[bool, typer.Option("--json", help="输出 JSON。")] = False,
    limit: Annotated[int, typer.Option("--limit", help="最多列出几条（最新的在前）。")] = 50,
) -> None:
    """发件箱：每条通知（最新的在前）和它的每次发送尝试。"""
    from ..store import notify as outbox
    from ..store.db import reading
    from ..text import visible

    with reading(ctx.obj.engine()) as session:
        conn = session.connection()
        rows, tries = outbox.rows(conn, limit), outbox.attempts(conn)
    items = [_row_json(r, tries.get(r.id, [])) for r in rows]
    if json:
        output.print_json(items)
        return
    if not items:
        output.say("发件箱是空的。")
    for i in items:
        output.say(
            (f"#{i['id']:<4}", "bold"),
            f" {i['state']:<7} {i['channel']}  {visible(i['title'])}  尝试 {i['attempts']} 次",
        )
        for a in i["attempt_log"]:
            output.say(f"      {a['at']}  {a['status']}  {visible(a['error'])}")


def _row_json(r, tries: list[dict]) -> dict:
    return {
        "id": r.id,
        "key": r.key,
        "rule": r.rule,
        "channel": r.channel,
        "subject": r.subject,
        "ticket_id": r.ticket_id,
        "title": r.title,
        "text": r.text,
        "state": r.state,
        "attempts": r.attempts,
        "created_at": r.created_at.isoformat(),
        "next_at": r.next_at.isoformat(),
        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
        "attempt_log": [{**a, "at": a["at"].isoformat()} for a in tries],
    }


@notify_app.command("test")
def test(channel: Annotated[str, typer.Argument(help="渠道名（[[notify.channels]] 的 name）。")]) -> None:
    """发一条测试消息到这个渠道（不经发件箱）；发不出去时退出码 1。"""
    from ..errors import NotFound
    from ..notify import channels, watcher
    from ..notify.message import Message

    config = _config()
    table = config.channels.get(channel)
    if table is None:
        raise NotFound(f"没有渠道 {channel!r}", f"配置里的渠道：{'、'.join(config.channels) or '（没有）'}")
    result = watcher.attempt(
        channels.deliver, table, Message("zldesk 测试消息", f"这是 zldesk 发到「{channel}」的测试消息。")
    )
    if result.ok:
        output.say(f"已发到 {channel}（{result.status}）")
        return
    output.say(f"没有发出：{result.status} {result.error}", stderr=True)
    raise typer.Exit(1)


@notify_app.command("retry")
def retry(ctx: typer.Context, id: Annotated[int, typer.Argument(help="发件箱里的编号（notify log 的 #）。")]) -> None:
    """让一条未发出（pending 或 failed）的通知立即重发：下一轮 watch 就发。已发出的不变。"""
    from ..errors import NotFound
    from ..store import notify as outbox
    from ..store.db import writing

    with writing(ctx.obj.engine()) as session:
        row = outbox.make_due(session.connection(), id, _now())
    if row is None:
        raise NotFound(f"发件箱里没有 #{id}", "看 zldesk notify log")
    output.say(f"#{id} 已发出，不再重发" if row.state == outbox.SENT else f"#{id} 下一轮 watch 就发")
