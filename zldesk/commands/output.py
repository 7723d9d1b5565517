"""Printing for the CLI: JSON for machines; for people, rich text in which user data is never markup."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ZlDeskError
from ..settings import who  # noqa: F401 - the commands' `output.who(...)`
from ..text import visible


def console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def say(*parts: str | tuple[str, str], stderr: bool = False) -> None:
    """One line made of literal pieces; a piece may be (text, style). Nothing in it is read as markup."""
    from rich.text import Text

    line = Text()
    for part in parts:
        text, style = (part, "") if isinstance(part, str) else part
        line.append(visible(text), style=style)
    console(stderr).print(line)


def warn(message: str) -> None:
    say(("警告：", "yellow"), message, stderr=True)


def error(e: ZlDeskError) -> None:
    say(("错误：", "bold red"), (e.title, "bold"), stderr=True)
    for line in e.message.split("\n"):  # not splitlines(): a \x85 or \u2028 in user data is not a new problem
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


def emit(content: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(content)
    else:
        write_file(out, content)
