"""Printing for the CLI: JSON for machines; for people, rich text in which user data is never markup."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from itertools import compress
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
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


def print_json_items(items: Iterable[Any]) -> None:
    """`print_json` of a list, byte for byte, written item by item as `items` yields them: a long list is
    never held whole, as data or as text."""
    write, first = sys.stdout.write, True
    for item in items:
        parts: list[str] = ["[\n  " if first else ",\n  "]
        _indented(item, "\n  ", parts)
        write(json_safe("".join(parts)))
        first = False
    write("[]\n" if first else "\n]\n")


def _indented(value: Any, margin: str, out: list[str]) -> None:
    """json.dumps(value, ensure_ascii=False, indent=2, default=str) appended to `out`, its lines after the
    first beginning with `margin` (a newline and the indent it is at): the same bytes (a test holds the two
    equal), at a fraction of the cost of the json module's indenting encoder, which is Python, not C. Each
    list or dict is one call of the C encoder, compact, an item separator in it that JSON text cannot hold
    (a raw NUL: inside a string the encoder writes `\\u0000`), then split there and joined at its indent;
    the lists and dicts in it that are not empty are left out of that call (null in their place) and
    written the same way, one level in."""
    if not isinstance(value, _NESTED) or not value:
        out.append(_compact(value))  # a leaf, or [] / {}: compact JSON is the indented JSON
        return
    is_dict = isinstance(value, dict)
    items = list(value.values()) if is_dict else value
    inner = margin + "  "
    kinds = set(map(type, items))
    if kinds <= _PLAIN:  # the lists and dicts among them found by their type's name, without a loop of Python
        places = compress(range(len(items)), map(_CONTAINERS.__contains__, map(type, items)))
        holes = [(i, items[i]) for i in places if items[i]]
    else:  # a subclass of one: json writes it as a list or dict too
        holes = [(i, item) for i, item in enumerate(items) if isinstance(item, _NESTED) and item]
    if holes:
        flat = dict(value) if is_dict else list(value)
        keys = list(value) if is_dict else range(len(value))
        for i, _ in holes:
            flat[keys[i]] = None
        parts = _compact(flat)[1:-1].split(_ITEMS)
        for i, item in holes:
            nested: list[str] = []
            _indented(item, inner, nested)
            parts[i] = parts[i][:-4] + "".join(nested)  # its `null` replaced
        body = f",{inner}".join(parts)
    else:
        body = _compact(value)[1:-1].replace(_ITEMS, f",{inner}")
    opening, closing = ("{", "}") if is_dict else ("[", "]")
    out.append(f"{opening}{inner}{body}{margin}{closing}")


_ITEMS = ",\x00"
_NESTED = (dict, list, tuple)
_CONTAINERS = frozenset(_NESTED)
_PLAIN = frozenset({str, int, float, bool, type(None), *_NESTED})
# The C encoder (json's encoder is C only without indent): what json.dumps(..., indent=2) writes for a leaf,
# and for a list or dict of leaves the same bytes but for the line break and indent after each `,\x00`.
if c_make_encoder is not None:
    _encoder = c_make_encoder(None, str, encode_basestring, None, ": ", _ITEMS, False, False, True)

    def _compact(value: Any) -> str:
        return "".join(_encoder(value, 0))

else:  # pragma: no cover - an interpreter without the json module's C speedups
    _compact = json.JSONEncoder(ensure_ascii=False, separators=(_ITEMS, ": "), default=str).encode


def say_lines(lines: Iterable[tuple], empty: str = "") -> None:
    """`say` of each line (a tuple of its parts), through one console; `empty` said when there is none.
    Written to a file or a pipe without colours, each line is its text alone, so it is written as such."""
    from rich.text import Text

    out = console()
    plain = out.color_system is None and not out.is_terminal
    write, said = sys.stdout.write, False
    for parts in lines:
        said = True
        if plain:  # `visible` of the whole line is that of each part: it escapes character by character
            write(visible("".join([part if part.__class__ is str else part[0] for part in parts])) + "\n")
            continue
        line = Text()
        for part in parts:
            text, style = (part, "") if isinstance(part, str) else part
            line.append(visible(text), style=style)
        out.print(line)
    if not said and empty:
        say(empty)


def say(*parts: str | tuple[str, str], stderr: bool = False) -> None:
    """One line made of literal pieces; a piece may be (text, style). Nothing in it is read as markup, and
    nothing in it breaks the line: a newline in a value shows as `\\n` (text.visible)."""
    from rich.text import Text

    line = Text()
    for part in parts:
        text, style = (part, "") if isinstance(part, str) else part
        line.append(visible(text), style=style)
    console(stderr).print(line)


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


def write_file(path: Path, content: str | bytes) -> None:
    """Write all of it or nothing: a temporary file beside the target (owner-only), then a rename. Never
    over the store, its companions or its backups (store.files.refuse_overwrite). Text as UTF-8; bytes
    (an xlsx) as they are."""
    from ..store.files import refuse_overwrite

    path = path.expanduser()
    refuse_overwrite(path, _store())
    binary = isinstance(content, bytes)
    mode, encoding = ("wb", None) if binary else ("w", "utf-8")
    newline = None if binary else ""
    if path.is_dir():
        raise Refused("无法写入", f"{path} 是一个目录：-o 要给文件名")
    if path.exists() and not path.is_file():  # /dev/null, /dev/stdout, a pipe: write into it, never replace it
        try:
            with open(path, mode, encoding=encoding, newline=newline) as f:
                f.write(content)
        except OSError as e:
            raise ZlDeskError("无法写入", f"{path}: {e.strerror}") from None
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise ZlDeskError("无法写入", f"{path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, mode, encoding=encoding, newline=newline) as f:
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
