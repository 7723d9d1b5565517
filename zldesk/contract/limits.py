"""What an import file may be, refused before memory is spent on more: its size (checked with fstat and
read no further than the limit, so /dev/zero or an endless pipe stops there too), how deep it nests
(the TOML and JSON parsers recurse), and how many rows each table has (checked before a row is built).
The same limits for contracts, module lists, rosters and contact lists, in every format; README says them."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, Problem
from ..settings import read_at_most

MAX_FILE_BYTES = 2 * 1024 * 1024  # TOML, JSON, contract text, CSV: the real contract is 18 KB
MAX_PDF_BYTES = 32 * 1024 * 1024  # a signed PDF may carry scanned seals
MAX_PDF_PAGES = 500
# The ticket register (import tickets): ten years of a county hospital's calls are ~100,000 rows, ~30 MB.
MAX_REGISTER_BYTES = 512 * 1024 * 1024
MAX_REGISTER_ROWS = 2_000_000
MAX_DEPTH = 8  # our formats need 4: contract → severities → a severity → its target
# Rows per table: far above any contract or roster, far below what holds the write lock for long.
MAX_ROWS = {
    "windows": 20,
    "severities": 10,
    "services": 300,
    "modules": 50_000,
    "contacts": 100,
    "people": 10_000,  # import contacts: a county hospital has a few hundred staff with phones
    "engineers": 500,
    "rotations": 200,
    "shifts": 5_000,
    "overrides": 5_000,
}


def size_text(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB"


def read_file(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, or InvalidInput naming the file and the limit: a directory, a device, more than
    `limit` bytes. A pipe or FIFO is read up to the limit (one nobody writes to reads as empty)."""
    source = str(path)

    def refuse(message: str) -> InvalidInput:
        return InvalidInput(source, [Problem("", message)])

    try:  # O_NONBLOCK: a FIFO nobody writes to must not hang the open
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except IsADirectoryError:
        raise refuse("无法读取：是目录，不是文件") from None
    except OSError as e:
        raise refuse(f"无法读取：{e.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise refuse("无法读取：是目录，不是文件")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise refuse("不是普通文件（是设备或套接字）")
        if st.st_size > limit:
            raise refuse(f"文件有 {st.st_size:,} 字节，超过上限 {size_text(limit)}")
        os.set_blocking(fd, True)
        data = read_at_most(fd, limit)
    except OSError as e:
        raise refuse(f"无法读取：{e.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # a pipe, or a file that grew after the fstat
        raise refuse(f"超过上限 {size_text(limit)}（读到第 {limit + 1:,} 字节时停止）")
    return data


def parse_bounded(parse: Callable[[str], Any], text: str, source: str) -> Any:
    """`parse(text)` (tomllib.loads, json.loads) with what they leave to Python refused as input: nesting
    deeper than MAX_DEPTH (a file of 100,000 `[` ends in RecursionError, 50,000 dotted keys in a dict that
    cannot even be printed) and integers past Python's digit limit (a ValueError of its own). The parser's
    syntax errors are the caller's to word."""
    try:
        data = parse(text)
    except RecursionError:
        raise _too_deep(source) from None
    except ValueError as e:
        if type(e) is not ValueError:  # TOMLDecodeError, JSONDecodeError
            raise
        limit = sys.get_int_max_str_digits()
        raise InvalidInput(source, [Problem("", f"数字太长：整数最多 {limit} 位")]) from None
    if _depth(data) > MAX_DEPTH:
        raise _too_deep(source)
    return data


def _too_deep(source: str) -> InvalidInput:
    return InvalidInput(source, [Problem("", f"嵌套超过上限 {MAX_DEPTH} 层（表套表、列表套列表）")])


def _depth(data: Any) -> int:
    """How deep lists and tables nest (a scalar is 0), without recursing."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict):
            value = list(value.values())
        elif not isinstance(value, list):
            continue
        if level > MAX_DEPTH:
            return level
        deepest = max(deepest, level)
        stack.extend((v, level + 1) for v in value if isinstance(v, (dict, list)))
    return deepest
