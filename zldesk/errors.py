"""One error family: the CLI prints it as a short message with a non-zero exit, the app as a toast.

A traceback is for bugs only; anything a user can cause raises a ZlDeskError.
"""

from __future__ import annotations

from dataclasses import dataclass


class ZlDeskError(Exception):
    """An error the user can act on. `title` is a few words, `message` says what and where."""

    exit_code = 1

    def __init__(self, title: str, message: str = "") -> None:
        super().__init__(f"{title}: {message}" if message else title)
        self.title = title
        self.message = message


class StoreError(ZlDeskError):
    """The store cannot be opened, is too new, or refused a change."""


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
