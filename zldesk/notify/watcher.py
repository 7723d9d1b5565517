"""The watcher: take the lease, read the rules against the store, write what must be sent to the outbox in
the same transaction, then send what is due, each attempt logged.

Exactly one watcher sends: the lease row (store/notify.py) names its holder (host:pid:random) until
now + 3 x interval; a watcher without the lease reads and writes nothing, and takes over when the lease
expires (at once when the holder is a process of this host that is gone). A row stays pending until an
attempt confirms it, so a watcher killed mid-delivery sends that row again on restart: at-least-once across
a kill (the one message being sent when the process died may arrive twice), exactly once otherwise. A
holder that blocks in one delivery longer than its lease lets another watcher take over: the delivery
timeout (10 s) is kept under the shortest lease."""

from __future__ import annotations

import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from . import facts
from .config import NotifyConfig
from .message import Delivery, Message

TIMEOUT = 10.0


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


def gone(holder: str) -> bool:
    """A holder of this host whose process no longer runs (or an earlier run in this very process)."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


@dataclass
class Round:
    leased: bool = False
    written: int = 0
    sent: int = 0
    failed: int = 0


def decide(engine, config: NotifyConfig, holder: str, now: datetime, ttl: timedelta) -> tuple[bool, int]:
    """One write transaction: the lease taken or renewed, the rules read, the outbox written."""
    from ..store import notify as outbox
    from ..store.db import driver_connection, writing

    with writing(engine) as session:
        conn = session.connection()
        if not outbox.take_lease(conn, holder, now, ttl, gone):
            return False, 0
        events = facts.events(config.rules, driver_connection(session), now)
        return True, outbox.write(conn, events, now)


def send_due(engine, config: NotifyConfig, holder: str, now: Callable[[], datetime], ttl: timedelta, r: Round) -> None:
    from ..store import notify as outbox
    from ..store.db import reading, writing
    from . import channels

    with reading(engine) as session:
        due = outbox.due(session.connection(), now())
    for row in due:
        with writing(engine) as session:  # still ours? (another may have taken over while we sent)
            if not outbox.take_lease(session.connection(), holder, now(), ttl, gone):
                r.leased = False
                return
        channel = config.channels.get(row.channel)
        if channel is None:
            result = Delivery(False, False, "no_channel", f"配置里没有渠道 {row.channel!r}")
        else:
            result = attempt(channels.deliver, channel, Message(row.title, row.text))
        with writing(engine) as session:
            state = outbox.record(
                session.connection(),
                row,
                now(),
                result.ok,
                result.retry,
                result.status,
                result.error,
                result.retry_after,
            )
        r.sent += state == outbox.SENT
        r.failed += state != outbox.SENT


def attempt(deliver, channel: dict, message: Message) -> Delivery:
    """deliver, never raising: a channel that fails unexpectedly is a retry with its exception's type only
    (its text may hold a URL)."""
    try:
        return deliver(channel, message, timeout=TIMEOUT)
    except Exception as e:  # noqa: BLE001 - the outbox keeps the row; the log names the kind of failure
        return Delivery(False, True, "error", f"渠道出错：{type(e).__name__}")


def run_once(
    engine, config: NotifyConfig, holder: str, now: Callable[[], datetime], interval: float, keep: bool = True
) -> Round:
    """One round. `keep` False (`watch --once`): the lease is given up at the end, for the next run."""
    ttl = timedelta(seconds=3 * interval)
    r = Round()
    r.leased, r.written = decide(engine, config, holder, now(), ttl)
    if r.leased:
        send_due(engine, config, holder, now, ttl, r)
        if not keep:
            release(engine, holder)
    return r


def release(engine, holder: str) -> None:
    from ..store import notify as outbox
    from ..store.db import writing

    with writing(engine) as session:
        outbox.release(session.connection(), holder)


def run(engine, config: NotifyConfig, holder: str, now: Callable[[], datetime], interval: float, say) -> None:
    """Foreground: a round every `interval` seconds until interrupted; the lease given up on the way out."""
    from ..errors import StoreError

    try:
        while True:
            try:
                say(run_once(engine, config, holder, now, interval))
            except StoreError as e:  # the store busy or away for a moment: the next round tries again
                say(e)
            time.sleep(interval)
    finally:
        release(engine, holder)
