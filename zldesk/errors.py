"""One error family: the CLI prints it as a short message with a non-zero exit, the app as a toast.

A traceback is for bugs only; anything a user can cause raises a ZlDeskError. The store raises the
classes below with the facts (codes, paths, versions) and never words: each class words itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class ZlDeskError(Exception):
    """An error the user can act on. `title` is a few words, `message` says what and where."""

    exit_code = 1

    def __init__(self, title: str, message: str = "") -> None:
        super().__init__(f"{title}: {message}" if message else title)
        self.title = title
        self.message = message


# What a database driver's words mean for the engineer on duty; the driver's own line follows (it never
# carries bound values).
_DRIVER_MEANINGS = (
    ("database or disk is full", "磁盘已满：这次改动没有写入，先腾出空间"),
    ("disk i/o error", "磁盘读写出错（磁盘满、故障或被拔出）：这次改动没有写入"),
    ("database is locked", "数据库被别的进程长时间占着：这次改动没有写入，稍后再试"),
    ("readonly database", "数据库文件只读：这次改动没有写入，检查文件权限"),
    ("file is not a database", "这个文件不是数据库，或已损坏"),
    ("database disk image is malformed", "数据库文件已损坏：用 zldesk restore 从备份恢复"),
    ("unable to open database file", "打不开数据库文件：路径是个目录、所在目录不存在，或没有权限"),
)


class StoreError(ZlDeskError):
    """The store cannot be opened, is too new, or refused a change."""

    @classmethod
    def from_driver(cls, driver_line: str) -> StoreError:
        """A driver's one-line message, said in words first when it is a known one."""
        low = driver_line.lower()
        meaning = next((m for key, m in _DRIVER_MEANINGS if key in low), None)
        return cls("数据库错误", f"{meaning}\n（{driver_line}）" if meaning else driver_line)


class NotFound(ZlDeskError):
    """A contract, module or ticket named by the user does not exist."""


class Refused(ZlDeskError):
    """A change typed by a person (not a file) that cannot be made as given: nothing was written."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One finding about an input file: where (field path and/or line) and what."""

    path: str
    message: str
    line: int | None = None

    def render(self, source: str) -> str:
        where = source if self.line is None else f"{source}:{self.line}"
        field = f" {self.path}:" if self.path else ""
        return f"{where}:{field} {self.message}"


class InvalidInput(ZlDeskError):
    """A file that cannot be imported. Every problem names the file and the field or line."""

    exit_code = 2

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [p.render(source) for p in self.problems]
        super().__init__(f"无法导入 {source}（{len(lines)} 处错误）", "\n".join(lines))


class ConfigError(ZlDeskError):
    """The config file cannot be used: every problem names the file, the line where known, and the key."""

    exit_code = 2

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = [p.render(source) for p in self.problems]
        super().__init__(f"配置文件有误（{len(lines)} 处），什么也没做", "\n".join(lines))


# ---- contracts and rosters in the store ----------------------------------------------------------------


class UnknownContract(NotFound):
    """No contract with this code. `known_codes`: the store's codes, None where they were not read."""

    def __init__(self, code: str, known_codes: Sequence[str] | None = None) -> None:
        self.code = code
        self.known_codes = None if known_codes is None else tuple(known_codes)
        if self.known_codes is None:
            super().__init__("没有这个合同", code)
        else:
            super().__init__("没有这个合同", f"{code!r}；库中的合同：{'、'.join(self.known_codes) or '（无）'}")


class UnknownTicket(NotFound):
    """No ticket with this number."""

    def __init__(self, ticket_id: int) -> None:
        self.ticket_id = ticket_id
        super().__init__("没有这张工单", f"#{ticket_id}")


class TermsDamaged(StoreError):
    """A contract version's stored terms were changed behind zldesk's back: they no longer match the digest
    written with them (`problem` None), or no longer read as a contract (`problem`: the first thing wrong)."""

    def __init__(self, version_id: int, problem: str | None = None) -> None:
        self.version_id, self.problem = version_id, problem
        why = problem or "条款与写入时记下的 SHA-256 对不上"
        super().__init__(
            "合同条款的存档已损坏", f"contract_version #{version_id}：{why}；请从备份恢复（zldesk restore）"
        )


class NoContracts(NotFound):
    """The store holds no contract, and the command needs one."""

    def __init__(self) -> None:
        super().__init__("库中没有合同", "先用 zldesk import contract FILE 导入一个")


class AmbiguousContract(NotFound):
    """No contract was named and the store holds several."""

    def __init__(self, codes: Sequence[str]) -> None:
        self.codes = tuple(codes)
        super().__init__(
            "请指明合同", f"库中有 {len(self.codes)} 个合同：{'、'.join(self.codes)}；用 --contract 或 CODE 指定"
        )


class OverrideRefused(Refused):
    """An override typed by a person that breaks the roster's rules (store/roster.py checks it)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("调班未登记", "；".join(dict.fromkeys(p.message for p in self.problems)))


# ---- opening the store ---------------------------------------------------------------------------------

_GROUP = "ZLDESK_GROUP"  # store/files.py's GROUP_VAR, named where the words say how a team shares a store


class InvalidStoreUrl(StoreError):
    """--db / ZLDESK_DB is neither a path nor a SQLAlchemy URL."""

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

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__("历史记录被同时写入", f"{table} 的链头在本次写入期间变了；请重试")


class TargetNotEmpty(StoreError):
    """`zldesk migrate`: the target store already holds rows in `table`."""

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
    """The backup file named cannot be used. `reason`: "is_store" (a backup onto the store itself),
    "exists" (not replaced without --force), "missing" (no such file to restore from)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path, self.reason = path, reason
        if reason == "is_store":
            super().__init__("备份不能写到数据库自己身上", str(path))
        elif reason == "exists":
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
