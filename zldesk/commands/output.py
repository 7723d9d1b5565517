"""Printing for the CLI: JSON for machines; for people, rich text in which user data is never markup."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import Refused, ZlDeskError
from ..text import control_problem, json_safe, plain_name, visible


def who(name: str | None = None) -> str:
    """Who is acting: `--as NAME` (one line; one spelling, text.plain_name), else the OS user."""
    from ..settings import who as user

    problem = control_problem(name) if name else None
    if problem:
        raise Refused("--as 的名字不能用", problem)
    return user(plain_name(name) if name else None)


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """JSON with Chinese as is and every control, bidi and separator character escaped (text.json_safe)."""
    sys.stdout.write(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)) + "\n")


def say(*parts: str | tuple[str, str], stderr: bool = False) -> None:
    """One line made of literal pieces; a piece may be (text, style). Nothing in it is read as markup, and
    nothing in it breaks the line: a newline in a value shows as `\\n` (text.visible)."""
    from rich.text import Text

    line = Text()
    for part in parts:
        text, style = (part, "") if isinstance(part, str) else part
        line.append(visible(text), style=style)
    console(stderr).print(line)


def say_lines(lines: list[str], indent: str = "") -> None:
    """`say` of many unstyled lines at once, the same bytes (each value through text.visible): Rich
    costs ~0.2 ms a line, which is seconds for an import's 50,000 changes."""
    sys.stdout.write("".join(f"{indent}{visible(line)}\n" for line in lines))


def say_block(*parts: str | tuple[str, str], body: str) -> None:
    """`say`'s line ending with a value that may span lines (a note, a description): its first line there,
    each further one indented to where it began, so no line of it can pass for a record of its own."""
    from rich.cells import cell_len

    first, *rest = visible(body, lines=True).split("\n")
    say(*parts, first)
    indent = " " * cell_len("".join(visible(p if isinstance(p, str) else p[0]) for p in parts))
    for line in rest:
        say(indent, line)


def warn(message: str) -> None:
    say(("警告：", "yellow"), message, stderr=True)


def error(e: ZlDeskError) -> None:
    say(("错误：", "bold red"), (e.title, "bold"), stderr=True)
    # A file's problems one line each, however their values break; else the message's own lines.
    problems, source = getattr(e, "problems", None), getattr(e, "source", None)
    lines = [p.render(source) for p in problems] if problems and source is not None else e.message.split("\n")
    for line in lines:
        say("  ", line, stderr=True)


def write_file(path: Path, content: str) -> None:
    """Write all of it or nothing: a temporary file beside the target (owner-only), then a rename. Never
    over the store, its companions or its backups (store.files.refuse_overwrite)."""
    from ..store.files import refuse_overwrite

    path = path.expanduser()
    refuse_overwrite(path, _store())
    if path.exists() and not path.is_file():  # /dev/null, /dev/stdout, a pipe: write into it, never replace it
        try:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(content)
        except OSError as e:
            raise ZlDeskError("无法写入", f"{path}: {e.strerror}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise ZlDeskError("无法写入", f"{path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        from ..store.files import share

        share(Path(tmp))  # 0600, or the team's group mode when ZLDESK_GROUP is set
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise ZlDeskError("无法写入", f"{path}: {e.strerror}") from None
    except ZlDeskError:
        Path(tmp).unlink(missing_ok=True)
        raise


def _store() -> Path | None:
    """The store of the command running (its --db, else the settings'): what no output may write over."""
    import click

    from ..store.db import resolve_url
    from ..store.files import store_path

    ctx = click.get_current_context(silent=True)
    url = getattr(ctx.find_root().obj, "url", None) if ctx is not None else None
    return store_path(url or resolve_url())


def to_terminal() -> bool:
    """Whether standard output is a terminal (tests replace this)."""
    return sys.stdout.isatty()


def emit(content: str, out: Path | None, shown: Callable[[], str] | None = None) -> None:
    """An export: to a file or a pipe it is the data, byte for byte (a program reads it); to a terminal
    a person reads it, so every control, bidi and separator character in it shows as `\\x1b` (text.visible),
    and where the format lets a value span lines (a quoted CSV cell) `shown()` gives one record a line."""
    if out is None:
        sys.stdout.write((shown() if shown else visible(content, lines=True)) if to_terminal() else content)
    else:
        write_file(out, content)
