"""The console's one way to the store.

Every read and write runs in a worker thread and hands plain data to a callback on the UI thread. A
failure of the store (a driver error, translated here or by store.db, or any ZlDeskError) is a toast
and never ends the app; any other exception is a bug and surfaces as one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

from textual.worker import Worker, get_current_worker

from .errors import StoreError, ZlDeskError


def _guarded(work: Callable[[], Any]) -> Any:
    """`work()`, a store failure raised as a ZlDeskError. Sessions (store.db) and the engine's driver
    connections (store.db.driver_errors) translate their own; the quick path's sqlite3 does not."""
    try:
        return work()
    except sqlite3.Error as e:
        raise StoreError.from_driver(str(e).splitlines()[0] if str(e) else type(e).__name__) from None


class Gateway:
    def __init__(self, app) -> None:
        self.app = app
        self._failing: dict[str, str] = {}  # read group -> the words of its last failure
        # (node, group) of each read under way -> the read asked for meanwhile (None: none), run after it
        self._reading: dict[tuple, tuple | None] = {}

    def failing(self, group: str) -> bool:
        """True while the last read of `group` failed: the app retries it every second."""
        return group in self._failing

    def read(
        self, fetch: Callable[[], Any], show: Callable[[Any], None], *, group: str, what: str, node=None
    ) -> Worker | None:
        """`fetch()` in a thread, then `show(result)` on the UI thread unless `node` (the screen showing
        it; default the app) has gone. One read of a group at a time: asked again meanwhile, it reads
        once more when the first is done (a slow read is never cancelled by the next, so it always
        arrives). A failure is a toast titled `what`, said once until the group reads without one."""
        key = (node if node is not None else self.app, group)
        if key in self._reading:
            self._reading[key] = (fetch, show, group, what, node)
            return None
        self._reading[key] = None
        return self._run(fetch, show, group=group, what=what, node=node, read=True)

    def write(
        self,
        change: Callable[[Any], Any],
        done: Callable[[Any], None] | None = None,
        *,
        said: Callable[[Any], str] | None = None,
        refused: Callable[[ZlDeskError], None] | None = None,
        what: str = "没有保存",
        node=None,
    ) -> Worker | None:
        """`change(session)` in one write transaction, then `said(result)` as a toast (even if `node` has
        gone: it was written) and `done(result)`. A refusal goes to `refused(error)` if given, else a toast.
        The first write of a console asks who is at the keyboard (the app's `engineer`) and waits for it."""
        if getattr(self.app, "engineer", "") is None and not self.app.store_replaced:  # refused anyway
            again = dict(said=said, refused=refused, what=what, node=node)
            self.app.ask_engineer(lambda: self.write(change, done, **again))
            return None

        def job():
            from .store import writing

            with writing(self.app.engine) as session:
                return change(session)

        return self._run(job, done, group="write", what=what, node=node, said=said, refused=refused)

    def _run(self, job, then, *, group, what, node, read=False, said=None, refused=None) -> Worker:
        owner = node if node is not None else self.app

        def work() -> None:
            worker = get_current_worker()
            try:
                # Replaced: the engine would read and write the file now at the path, not the one on screen.
                if self.app.store_replaced and group != "watch":
                    raise ZlDeskError("数据库文件已被替换", self.app.store_replaced)
                result, error = _guarded(job), None
            except ZlDeskError as e:
                result, error = None, e
            # Cancelled: its screen went (deliver, to forget the read) or the app is closing (nothing to do).
            if not worker.is_cancelled or self.app.is_running:
                self.app.call_from_thread(
                    self._deliver, worker, owner, group, what, read, then, said, refused, result, error
                )

        return owner.run_worker(work, thread=True, group=group, exclusive=False)

    def _deliver(self, worker, owner, group, what, read, then, said, refused, result, error) -> None:
        # Closing: Textual uninstalls the screens before the last queued answers run; none is shown then.
        closing = not self.app.is_running
        alive = not closing and (owner is self.app or owner.is_attached)
        again = self._reading.pop((owner, group), None) if read else None
        try:
            self._take(worker, alive, group, what, read, then, said, refused, result, error)
        finally:
            if again is not None and not closing and (alive or owner is self.app):
                self.read(*again[:2], group=again[2], what=again[3], node=again[4])

    def _take(self, worker, alive, group, what, read, then, said, refused, result, error) -> None:
        if error is None:
            if read:
                self._failing.pop(group, None)
            if said is not None:
                self.app.notify(said(result), markup=False)
            if alive and not worker.is_cancelled and then is not None:
                then(result)
            return
        if refused is not None and alive:
            refused(error)
            return
        words = f"{error.title}：{error.message}" if error.message else error.title
        if read:
            if self._failing.get(group) == words:
                return  # the retry a second later failed the same way: said already
            self._failing[group] = words
        self.app.notify(words, title=what, severity="error", timeout=10, markup=False)
