"""The error family's base: what the CLI prints as a short message with a non-zero exit and the console as
a toast, and the findings about an input file (Problem, InvalidInput)."""

from __future__ import annotations

from dataclasses import dataclass


class ZlDeskError(Exception):
    """An error the user can act on. `title` is a few words, `message` says what and where. `exit_code`
    follows the one rule README's 命令 section states: 2 what was typed or named is refused, 3 nothing
    found, 4 someone else changed it first, 5 (this default) the store, a file or the system failed."""

    exit_code = 5

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

    exit_code = 3


class Refused(ZlDeskError):
    """A change typed by a person (not a file) that cannot be made as given: nothing was written."""

    exit_code = 2


class OutOfRange(Refused):
    """A date, time or count outside the range zldesk takes: `what` names it as the person gave it (`--due`,
    `period.start`, `--days`), `value` is what was given, `low` and `high` the bounds as people read them,
    `where` what they are read in (the contract's zone). Files word it as a Problem with `reason`."""

    def __init__(self, what: str, value: str, low: str, high: str, where: str = "") -> None:
        self.what, self.value, self.low, self.high, self.where = what, value, low, high, where
        super().__init__(f"{what} 超出范围", self.reason)

    @property
    def reason(self) -> str:
        return f"应在 {self.low} 至 {self.high} 之间{self.where}，实际是 {self.value}"


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
