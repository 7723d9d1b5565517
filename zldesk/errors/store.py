"""Errors about the store itself and its files: opening it, its sharing, its history chain, copying it,
backups and restores, outputs that would write over it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

from .base import StoreError, ZlDeskError

# ---- opening the store ---------------------------------------------------------------------------------

_GROUP = "ZLDESK_GROUP"  # store/files.py's GROUP_VAR, named where the words say how a team shares a store


class InvalidStoreUrl(StoreError):
    """--db / ZLDESK_DB is neither a path nor a SQLAlchemy URL."""

    exit_code = 2

    def __init__(self, url: str) -> None:
        self.url = url
        super().__init__("数据库地址无效", f"{url!r} 既不是文件路径也不是 SQLAlchemy URL")


class NotAStore(StoreError):
    """Not a zldesk database. Without `path`: the store being opened, which has other `tables` and no meta
    table. With `path`: a file that backup or restore checked, which has no schema version. With `version`:
    the schema version found (at `path`, or in the store being opened) is not a whole number from 1 on."""

    def __init__(self, path: Path | str | None = None, tables: Iterable[str] = (), version: str | None = None) -> None:
        self.path, self.tables, self.version = path, tuple(sorted(tables)), version
        if version is not None:
            super().__init__("不是 zldesk 的数据库", f"{path or '数据库'}: 结构版本 {version!r} 不是从 1 起的整数")
        elif path is None:
            super().__init__("不是 zldesk 的数据库", f"其中已有别的表（{', '.join(self.tables[:5])}），没有 meta 表")
        else:
            super().__init__("不是 zldesk 的数据库", f"{path}: 没有 meta 表或其中没有结构版本")


class StoreTooNew(StoreError):
    """The store's schema `version` is newer than the `latest` this zldesk knows. Without `path`: the store
    being opened; with it, a file that backup or restore checked."""

    def __init__(self, path: Path | str | None, version: int, latest: int) -> None:
        self.path, self.version, self.latest = path, version, latest
        if path is None:
            super().__init__(
                "数据库版本比本程序新",
                f"数据库的结构版本是 {version}，这个 zldesk 只认识到 {latest}；请升级 zldesk（pip install -U zldesk）",
            )
        else:
            super().__init__("这个数据库比本程序新", f"{path} 的结构版本是 {version}，这个 zldesk 只认识到 {latest}")


class StoreDamaged(StoreError):
    """SQLite's integrity check found `problems` in the file (the first three are said)."""

    def __init__(self, path: Path | str, problems: Sequence[str]) -> None:
        self.path, self.problems = path, tuple(problems)
        super().__init__("数据库文件已损坏", f"{path}: " + "；".join(self.problems[:3]))


class UnreadableStore(StoreError):
    """SQLite cannot read the file as a database at all."""

    def __init__(self, path: Path | str, driver_line: str) -> None:
        self.path, self.driver_line = path, driver_line
        super().__init__("不是可读的 SQLite 数据库", f"{path}: {driver_line}")


class StoreFileRefused(StoreError):
    """A store file zldesk will not open. `reason`: "not_a_file" (a directory or device), "open_to_others"
    (`mode` lets other users in), "network_fs" (on `filesystem`, where SQLite's locks do not hold)."""

    def __init__(self, path: Path | str, reason: str, mode: int = 0, filesystem: str = "") -> None:
        self.path, self.reason, self.mode, self.filesystem = path, reason, mode, filesystem
        if reason == "not_a_file":
            super().__init__(
                "数据库路径不是文件", f"{path} 是目录或特殊文件；--db / ZLDESK_DB 应指向库文件，如 {path}/zldesk.db"
            )
        elif reason == "open_to_others":
            who = "可读写" if mode & 0o002 else "可读" if mode & 0o004 else "可访问"
            super().__init__(
                "数据库文件本机任何人都能读写，拒绝打开",
                f"{path} 的权限是 {mode:04o}（其他用户{who}）：里面有医院的电话和联系人。"
                f"请执行 chmod o-rwx {path}（团队共用请设 {_GROUP}=组名）",
            )
        elif reason == "network_fs":
            super().__init__(
                "数据库在网络文件系统上，拒绝打开",
                f"{path} 在 {filesystem} 上：SQLite 的文件锁在网络文件系统上不可靠，两人同时写会损坏数据库。"
                "请把库放在本机磁盘上，团队共用请用 PostgreSQL（ZLDESK_DB=postgresql+psycopg://…）",
            )
        else:
            raise ValueError(f"unknown reason {reason!r}")


class FileSetupFailed(StoreError):
    """The OS refused to create the store file (`step` "create") or to give a file its mode and group
    (`step` "chmod": the store, a backup, an export)."""

    def __init__(self, path: Path | str, step: str, strerror: str | None) -> None:
        self.path, self.step, self.strerror = path, step, strerror
        title = {"create": "无法创建数据库文件", "chmod": "无法设置文件权限"}[step]
        super().__init__(title, f"{path}: {strerror}")


class BadGroupSetting(StoreError):
    """The group setting is not NAME, NAME:rw or NAME:ro (`group` None), or names a `group` the host lacks.
    `where`: where the setting came from, as people find it (ZLDESK_GROUP, or the config file's key)."""

    exit_code = 2  # a setting, as a bad config file is

    def __init__(self, value: str, group: str | None = None, where: str = _GROUP) -> None:
        self.value, self.group, self.where = value, group, where
        if group is None:
            super().__init__(f"{where} 写错了", f"{value!r}；应为 组名、组名:rw 或 组名:ro")
        else:
            super().__init__(f"{where} 指定的组不存在", f"{group!r}（见 /etc/group）")


class ChainHeadMissing(StoreError):
    """A history `table` has no row in chain_head, so a new row cannot be linked: nothing was written."""

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__("历史记录的链头不见了", f"chain_head 中没有 {table}；请运行 zldesk audit verify")


class ChainHeadMoved(StoreError):
    """Another writer moved the `table`'s chain head during this write (where it could not be locked)."""

    exit_code = 4  # someone else wrote first, as a stale ticket

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__("历史记录被同时写入", f"{table} 的链头在本次写入期间变了；请重试")


class TargetNotEmpty(StoreError):
    """`zldesk migrate`: the target store already holds rows in `table`."""

    exit_code = 2  # the target named is not one migrate takes

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__("目标库不是空的", f"表 {table} 里已有数据；只能迁入一个新建的空库")


class CopyMismatch(StoreError):
    """`zldesk migrate`: read back, the target's `table` differs from the source at `row` (from 1)."""

    def __init__(self, table: str, row: int) -> None:
        self.table, self.row = table, row
        super().__init__("迁移后核对不一致，未写入", f"表 {table} 第 {row} 行不同")


# ---- backups and restores ------------------------------------------------------------------------------


class NotSqlite(ZlDeskError):
    """Backups of other databases (`backend`), or of an in-memory SQLite one, are not zldesk's job."""

    exit_code = 2

    def __init__(self, url: str, backend: str) -> None:
        self.url, self.backend = url, backend
        if backend == "sqlite":  # a SQLite URL without a file
            super().__init__("内存数据库没有文件可以备份", url)
        else:
            super().__init__(
                f"{backend} 库请用 pg_dump / pg_restore 备份和恢复", "zldesk backup/restore 只处理 SQLite 文件"
            )


class NoStoreFile(StoreError):
    """There is no store file to back up."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        super().__init__("没有数据库文件", str(path))


class BackupFileRefused(ZlDeskError):
    """The backup file named cannot be used. `reason`: "exists" (not replaced without --force), "missing"
    (no such file to restore from). One onto the store itself is an OutputRefused."""

    exit_code = 2

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path, self.reason = path, reason
        if reason == "exists":
            super().__init__("文件已存在，未覆盖", f"{path}；确要覆盖请加 --force")
        elif reason == "missing":
            super().__init__("找不到备份文件", str(path))
        else:
            raise ValueError(f"unknown reason {reason!r}")


class BackupFailed(StoreError):
    """SQLite failed on `path` with `driver_line`. `step`: "backup" (copying the store), "open_current" (a
    restore opening the store it replaces), "prepare" (a restore readying its copy, in the directory `path`)."""

    def __init__(self, path: Path | str, driver_line: str, step: str = "backup") -> None:
        self.path, self.driver_line, self.step = path, driver_line, step
        title = {"backup": "备份失败", "open_current": "无法打开当前数据库", "prepare": "无法准备恢复的数据库"}[step]
        super().__init__(title, f"{path}: {driver_line}")


class UpgradeBackupFailed(StoreError):
    """The copy open_store makes before a migration failed (`cause`), so the store was not upgraded."""

    def __init__(self, cause: ZlDeskError) -> None:
        self.cause = cause
        super().__init__("升级前无法备份数据库，没有升级", f"{cause.title}: {cause.message}")


class RestoreRefused(StoreError):
    """A restore that would lose data. `reason`: "unmerged_wal" (`path` is a -wal beside the backup: a raw
    copy of a live store), "in_use" (another process has the store `path` open)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path, self.reason = path, reason
        self.exit_code = 2 if reason == "unmerged_wal" else 5  # the backup named is refused; the store is busy
        if reason == "unmerged_wal":
            super().__init__("备份文件旁边有未合并的 -wal", f"{path}；请用 zldesk backup 做的备份")
        elif reason == "in_use":
            super().__init__("数据库正被其他进程使用，没有恢复", f"{path}；请先关闭控制台和其他 zldesk 命令再恢复")
        else:
            raise ValueError(f"unknown reason {reason!r}")


class RestoreFailed(ZlDeskError):
    """The OS refused a step of a restore on `path`; the store was left as it was."""

    def __init__(self, path: Path | str, strerror: str | None) -> None:
        self.path, self.strerror = path, strerror
        super().__init__("恢复失败，数据库未替换", f"{path}: {strerror}")


class CannotWrite(ZlDeskError):
    """The OS refused to write a file (a backup) at `path`."""

    def __init__(self, path: Path | str, strerror: str | None) -> None:
        self.path, self.strerror = path, strerror
        super().__init__("无法写入", f"{path}: {strerror}")


class OutputRefused(ZlDeskError):
    """A file zldesk was asked to write (`path`, resolving to `target`) that would write over the `store`.
    `kind`: "store", "-wal", "-shm", "-journal", "kept" (a copy kept beside it before an upgrade or a
    restore), "database" (any SQLite file: a backup, another store), "device" (a block device)."""

    exit_code = 2

    def __init__(self, path: Path | str, kind: str, store: Path | str | None = None, target: Path | str = "") -> None:
        self.path, self.kind, self.store, self.target = path, kind, store, target
        what = {"store": f"就是数据库 {store}", "kept": f"是数据库 {store} 升级或恢复前留下的备份"}
        what |= {"database": "是一个 SQLite 数据库（备份或别的库）", "device": "是块设备"}
        via = f"（即 {target}）" if target and str(target) != str(path) else " "
        said = what.get(kind, f"是数据库 {store} 的 {kind} 文件")
        super().__init__("拒绝写入：会覆盖数据库", f"{path}{via}{said}；请换一个文件名，什么也没写")
