"""Backups of a SQLite store, and putting one back. Plain sqlite3: no engine is opened, nothing upgraded.

A backup is SQLite's backup API in one step (pages=-1) into a temporary file beside the target: one
read transaction, so writers carry on and the copy is one consistent moment (a step-wise backup starts
over whenever another process writes), page for page the same as the store (`VACUUM INTO` reorders
the schema). The copy is checked before it gets its name, so a name never stands for a half file.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import (
    BackupFailed,
    BackupFileRefused,
    CannotWrite,
    NoStoreFile,
    NotAStore,
    NotSqlite,
    RestoreFailed,
    RestoreRefused,
    StoreDamaged,
    StoreTooNew,
    UnreadableStore,
    UpgradeBackupFailed,
    ZlDeskError,
)
from .files import refuse_overwrite

BUSY_TIMEOUT_S = 15
_SIDECARS = ("-wal", "-shm", "-journal")


@dataclass(frozen=True)
class Copy:
    """A store file as found by `check`."""

    path: Path
    size: int
    version: int
    tickets: int
    seconds: float = 0.0


def store_file(url: str) -> Path:
    """The SQLite file behind `url`."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise NotSqlite(url, parsed.get_backend_name())
    if parsed.database in (None, "", ":memory:"):
        raise NotSqlite(url, "sqlite")
    return Path(parsed.database)


def check(path: Path, shown: Path | None = None, newer_ok: bool = False) -> Copy:
    """Integrity ok, a zldesk store, not newer than this zldesk (unless `newer_ok`: a copy of it may be
    made, not put in place); else StoreError naming `shown`."""
    from .schema import LATEST, schema_version

    name = shown or path
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise StoreDamaged(name, problems)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            row = (
                conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
                if "meta" in tables
                else None
            )
            if row is None:
                raise NotAStore(name, tables)
            tickets = conn.execute("SELECT count(*) FROM ticket").fetchone()[0] if "ticket" in tables else 0
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise UnreadableStore(name, str(e)) from None
    version = schema_version(row[0], name)
    if version > LATEST and not newer_ok:
        raise StoreTooNew(name, version, LATEST)
    return Copy(path, path.stat().st_size, version, tickets)


def backup(store: Path, dest: Path, *, force: bool = False) -> Copy:
    """Copy the store (in use or not) to `dest`, owner-only; an existing `dest` only with `force`."""
    dest = dest.expanduser().absolute()
    if not store.is_file():
        raise NoStoreFile(store)
    refuse_overwrite(dest, store, databases=True)  # an older backup, with --force; never the store's own files
    if dest.exists() and not force:
        raise BackupFileRefused(dest, "exists")
    start = time.perf_counter()
    tmp = _temp_beside(dest)
    try:
        try:
            source, target = sqlite3.connect(store, timeout=BUSY_TIMEOUT_S), sqlite3.connect(tmp)
            try:
                source.backup(target, pages=-1)
            finally:
                target.close()
                source.close()
        except sqlite3.Error as e:
            raise BackupFailed(dest, str(e)) from None
        _fsync(tmp)
        info = check(tmp, shown=dest, newer_ok=True)
        _place(tmp, dest, force)
    finally:
        tmp.unlink(missing_ok=True)
    return replace(info, path=dest, seconds=time.perf_counter() - start)


def backup_before_upgrade(store: Path, version: int) -> Path:
    """`<store>.pre-v<version>-<time>.bak`, for open_store to write before it migrates."""
    dest = _free_name(store, f".pre-v{version}-{_stamp()}", ".bak")
    try:
        backup(store, dest)
    except ZlDeskError as e:
        raise UpgradeBackupFailed(e) from None
    return dest


def prepare_restore(src: Path, store: Path) -> tuple[Path, Copy]:
    """A checked copy of `src` in a temporary file beside the store, for `install`."""
    src = src.expanduser()
    if not src.is_file():
        raise BackupFileRefused(src, "missing")
    wal = Path(f"{src}-wal")
    if wal.exists() and wal.stat().st_size:
        # A raw copy of a live store: its latest changes are in the -wal, which a restore would drop.
        raise RestoreRefused(wal, "unmerged_wal")
    store.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = _temp_beside(store)
    try:
        with open(src, "rb") as f, open(tmp, "wb") as out:
            shutil.copyfileobj(f, out)
        info = check(tmp, shown=src)
        _to_wal(tmp)
        _fsync(tmp)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise RestoreFailed(e.filename or src, e.strerror) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, replace(info, path=src)


def install(tmp: Path, store: Path) -> Path | None:
    """Put the prepared copy in place of the store. The store is kept beside first; returns where."""
    if not store.exists():
        for suffix in _SIDECARS:  # left by a store deleted by hand: they would be read as the new file's
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        os.replace(tmp, store)
        _fsync_dir(store.parent)
        return None
    kept = _free_name(store, f".before-restore-{_stamp()}", "")
    try:
        conn = sqlite3.connect(store, timeout=BUSY_TIMEOUT_S, isolation_level=None)
    except sqlite3.Error as e:
        raise BackupFailed(store, str(e), step="open_current") from None
    try:
        locked = _lock_alone(conn, store)
        # Unreadable, nobody can be using it: keep its bytes as they are, -wal included.
        for suffix in ("",) if locked else ("", "-wal"):
            if Path(f"{store}{suffix}").exists():
                _copy_file(Path(f"{store}{suffix}"), Path(f"{kept}{suffix}"))
        if not locked:
            conn.close()  # now, not after the rename: closing may delete <store>-wal by name
        old = os.open(store, os.O_RDWR)
        try:
            for suffix in _SIDECARS:  # none of them belongs to the file being put in place
                Path(f"{store}{suffix}").unlink(missing_ok=True)
            os.replace(tmp, store)
            _fsync_dir(store.parent)
            # A process that opened the old file meanwhile waits on our lock; when it gets it, it must find
            # no database there, or it would create -wal/-shm by name beside the restored file.
            os.pwrite(old, b"zldesk: replaced", 0)
        finally:
            os.close(old)
    except OSError as e:
        raise RestoreFailed(e.filename or store, e.strerror) from None
    finally:
        conn.close()
    return kept


def _to_wal(path: Path) -> None:
    """A backup made elsewhere may be a rollback-journal file; the store it becomes is WAL, like every store."""
    try:
        conn = sqlite3.connect(path)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
    except sqlite3.Error as e:
        raise BackupFailed(path.parent, str(e), step="prepare") from None


def _lock_alone(conn: sqlite3.Connection, store: Path) -> bool:
    """Take the store for ourselves: out of WAL (refused while any other process has it open), then an
    exclusive lock. False if the file is not a readable database."""
    try:
        conn.execute("PRAGMA journal_mode=DELETE").fetchall()
        conn.execute("BEGIN EXCLUSIVE")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    except sqlite3.DatabaseError as e:
        if getattr(e, "sqlite_errorname", "") in ("SQLITE_BUSY", "SQLITE_LOCKED"):
            raise RestoreRefused(store, "in_use") from None
        return False
    if mode != "delete":  # another process opened it between the two statements
        conn.execute("ROLLBACK")
        raise RestoreRefused(store, "in_use")
    return True


def _stamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _free_name(store: Path, middle: str, suffix: str) -> Path:
    n = 1
    while True:
        path = Path(f"{store}{middle}{'' if n == 1 else f'-{n}'}{suffix}")
        if not path.exists():
            return path
        n += 1


def _temp_beside(path: Path) -> Path:
    """An empty owner-only file in the target's directory, so the final rename stays on one disk."""
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise CannotWrite(path.parent, e.strerror) from None
    os.close(fd)
    return Path(name)


def _place(tmp: Path, dest: Path, force: bool) -> None:
    try:
        if force:
            os.replace(tmp, dest)
        else:
            try:
                os.link(tmp, dest)  # never replaces a file that appeared meanwhile
            except FileExistsError:
                raise BackupFileRefused(dest, "exists") from None
            except OSError:  # no hard links on this disk (FAT on a USB stick)
                if dest.exists():
                    raise BackupFileRefused(dest, "exists") from None
                os.replace(tmp, dest)
        _fsync_dir(dest.parent)
    except OSError as e:
        raise CannotWrite(dest, e.strerror) from None


def _copy_file(src: Path, dest: Path) -> None:
    fd = os.open(dest, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    with os.fdopen(fd, "wb") as out, open(src, "rb") as f:
        shutil.copyfileobj(f, out)
        out.flush()
        os.fsync(out.fileno())


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:  # some filesystems cannot sync a directory; the rename itself is still atomic
        pass
