"""Who and where: the person acting, and every ZLDESK_* setting in one typed object.

Each setting is its environment variable when that is set (not empty), else its key in the config file,
else its default; `--db` beats all three (store/db.py). The config file is TOML, in the platform's config
directory or at $ZLDESK_CONFIG; a missing file is no settings. It decides where the store is, so a file
that someone else can change is refused, as ssh refuses such a key file.

Only the standard library and platformdirs here: the console's first paint reads this.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError, Problem

CONFIG_VAR = "ZLDESK_CONFIG"
MAX_BYTES = 64 * 1024
# setting -> its environment variable; the config file's key is the setting's name.
VARIABLES = {
    "db": "ZLDESK_DB",
    "group": "ZLDESK_GROUP",
    "cache": "ZLDESK_CACHE",
    "log_level": "ZLDESK_LOG_LEVEL",
    "log_file": "ZLDESK_LOG_FILE",
}
# Tables of the same file read by other parts of zldesk (notifications: [[notify.channels]] and
# [[notify.rules]]). Passed on unchecked in Settings.sections; any other table is an error.
SECTIONS = ("notify",)
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@dataclass(frozen=True)
class Settings:
    db: str  # a store file, or with `://` a SQLAlchemy URL
    group: str | None  # NAME, NAME:rw or NAME:ro; None: owner-only files
    cache: Path | None  # the calendar cache's directory; None: off
    log_level: str | None  # a level name in capitals; None: no log
    log_file: Path
    config: Path  # the config file looked for
    config_exists: bool
    sources: Mapping[str, str] = field(default_factory=dict, compare=False)  # "env", "config" or "default"
    sections: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def source(self, name: str) -> str:
        return self.sources.get(name, "default")

    def where(self, name: str) -> str:
        """Where a setting's value came from, for a message: the variable, or the file and key."""
        source = self.source(name)
        if source == "env":
            return VARIABLES[name]
        if source == "config":
            return f"配置文件 {self.config} 的 {name}"
        return f"{name} 的默认值"


def read_at_most(fd: int, limit: int, chunk: int = 1024 * 1024) -> bytes:
    """What `fd` holds, read no further than `limit` + 1 bytes: more than `limit` returned means too big,
    however the file (a pipe, /dev/zero, one that grew after its fstat) claimed to be. Config files and
    import files both read through this."""
    chunks, size = [], 0
    while size <= limit:
        got = os.read(fd, min(limit + 1 - size, chunk))
        if not got:
            break
        chunks.append(got)
        size += len(got)
    return b"".join(chunks)


def who(name: str | None = None) -> str:
    """Who is acting: `--as NAME`, else the OS user."""
    if name and name.strip():
        return name.strip()
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no passwd entry inside some containers
        return "unknown"


# ---- once per process ------------------------------------------------------------------------------

_loaded: tuple[tuple, Settings] | None = None


def current() -> Settings:
    """The settings, read once; read again when the environment they depend on has changed (a test's
    monkeypatch.setenv), or after reset() (a test that rewrites the config file)."""
    global _loaded
    key = tuple((k, v) for k, v in os.environ.items() if k.startswith(("ZLDESK_", "XDG_")) or k == "HOME")
    if _loaded is None or _loaded[0] != key:
        _loaded = (key, load())
    return _loaded[1]


def reset() -> None:
    global _loaded
    _loaded = None


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    value = env.get(CONFIG_VAR, "")
    if value.strip():
        return Path(value).expanduser().absolute()
    from platformdirs import user_config_path

    return user_config_path("zldesk", appauthor=False) / "config.toml"


def load(environ: Mapping[str, str] | None = None, config_path: Path | None = None) -> Settings:
    """Every setting: the environment variable, else the config file, else the default.
    Raises ConfigError (exit 2) for a config file that cannot be used; nothing is read from it then."""
    env = os.environ if environ is None else environ
    path = config_file(env) if config_path is None else config_path
    text = read_config(path)
    table, sections = parse_config(text, str(path)) if text is not None else ({}, {})
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, variable in VARIABLES.items():
        raw = env.get(variable, "")
        if raw.strip():
            values[name], sources[name] = _from_env(name, raw), "env"
        elif name in table:
            values[name], sources[name] = table[name], "config"
        else:
            values[name], sources[name] = _default(name), "default"
    return Settings(**values, config=path, config_exists=text is not None, sources=sources, sections=sections)


def _from_env(name: str, raw: str) -> Any:
    # Exactly as each module read its variable before there was a config file.
    if name == "group":
        return raw.strip()
    if name == "cache":
        return None if raw == "off" else Path(raw)
    if name == "log_level":
        return raw.strip().upper()
    if name == "log_file":
        return Path(raw)
    return raw


def _default(name: str) -> Any:
    import platformdirs

    if name == "db":
        return str(platformdirs.user_data_path("zldesk", appauthor=False) / "zldesk.db")
    if name == "cache":
        return platformdirs.user_cache_path("zldesk", appauthor=False)
    if name == "log_file":
        return platformdirs.user_log_path("zldesk", appauthor=False) / "zldesk.log"
    return None


def describe(settings: Settings) -> dict[str, dict[str, Any]]:
    """Each setting's value and source, as `zldesk paths --json` shows them."""
    shown: dict[str, Any] = {
        "db": settings.db,
        "group": settings.group,
        "cache": "off" if settings.cache is None else str(settings.cache),
        "log_level": settings.log_level.lower() if settings.log_level else None,
        "log_file": str(settings.log_file),
    }
    return {name: {"value": value, "source": settings.source(name)} for name, value in shown.items()}


# ---- the config file -------------------------------------------------------------------------------


def read_config(path: Path) -> str | None:
    """The config file's text, or None when there is none. Refused with the reason: not a regular file,
    changeable by others, over MAX_BYTES, not UTF-8."""
    source = str(path)

    def refuse(message: str, line: int | None = None) -> ConfigError:
        return ConfigError(source, [Problem("", message, line)])

    try:  # O_NONBLOCK: a FIFO named by mistake must not hang the console's start
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise refuse(f"是目录，不是文件；{CONFIG_VAR} 应指向 config.toml 这样的文件") from None
    except OSError as e:
        raise refuse(f"无法读取：{e.strerror}") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise refuse(f"是目录，不是文件；{CONFIG_VAR} 应指向 config.toml 这样的文件")
        if not stat.S_ISREG(st.st_mode):
            raise refuse("不是普通文件（是设备、管道或套接字）")
        why = _others_can_change(st, path)
        if why:
            raise refuse(f"别人也能改这个文件，拒绝读取（配置文件决定数据库在哪里）：{why}")
        if st.st_size > MAX_BYTES:
            raise refuse(f"文件有 {st.st_size} 字节，超过上限 {MAX_BYTES} 字节：这不像配置文件")
        data = read_at_most(fd, MAX_BYTES)
    except OSError as e:
        raise refuse(f"无法读取：{e.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:  # grew after the fstat
        raise refuse(f"文件超过上限 {MAX_BYTES} 字节：这不像配置文件")
    return _decode(data, refuse)


def _others_can_change(st: os.stat_result, path: Path) -> str | None:
    """Why someone other than this user (or root) could change the file, and what to do; or None."""
    if not hasattr(os, "getuid"):  # Windows: access is by ACL, not mode bits
        return None
    uid = os.getuid()
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid not in (uid, 0):
        return f"文件属于另一个用户（uid {st.st_uid}）。请用自己的文件"
    if mode & 0o002:
        return f"权限是 {mode:04o}，本机任何人都能改。请执行 chmod go-w {path}"
    if mode & 0o020 and not _private_group(st.st_gid, uid):
        return f"权限是 {mode:04o}，组（gid {st.st_gid}）里的人都能改。请执行 chmod g-w {path}"
    return None


def _private_group(gid: int, uid: int) -> bool:
    """The user's own group that no one else is in (umask 002 on Debian and Ubuntu makes files 0664):
    group write there is the user's alone, as Debian's ssh also allows."""
    import grp
    import pwd

    try:
        user, group = pwd.getpwuid(uid), grp.getgrgid(gid)
    except KeyError:
        return False
    return user.pw_gid == gid and set(group.gr_mem) <= {user.pw_name}


def _decode(data: bytes, refuse) -> str:
    """TOML is UTF-8 (a BOM tolerated); anything else is named, with the line where it goes wrong."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise refuse("文件是 UTF-16 编码；请另存为 UTF-8")
    if b"\x00" in data:
        raise refuse(
            "含有 NUL 字节：不是文本文件（或是没有 BOM 的 UTF-16）", data[: data.index(b"\x00")].count(b"\n") + 1
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise refuse(f"不是 UTF-8 编码（第 {e.start} 字节起无法解码；GBK/GB18030 文件请另存为 UTF-8）", line) from None


def parse_config(text: str, source: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The settings the text sets, typed, and the SECTIONS tables as they are; or ConfigError listing
    every unknown key, wrong type and bad value, each with its line."""
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(e))
        where = f"第 {m.group(2)} 列：" if m else ""
        raise ConfigError(
            source, [Problem("", f"TOML 语法错误：{where}{message}", int(m.group(1)) if m else None)]
        ) from None
    values: dict[str, Any] = {}
    sections: dict[str, Any] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        line = _key_line(text, key)
        if key in VARIABLES:
            typed, message = _typed(key, value)
            if message:
                problems.append(Problem(key, message, line))
            else:
                values[key] = typed
        elif key in SECTIONS:
            if isinstance(value, dict):
                sections[key] = value
            else:
                problems.append(Problem(key, f"应为表 [{key}]，而不是{_kind(value)}", line))
        else:
            guess = key.lower().replace("-", "_").removeprefix("zldesk_")  # log-level, DB, ZLDESK_DB
            if guess in VARIABLES:
                problems.append(Problem(key, f"未知的设置（是不是 {guess}？）", line))
            elif isinstance(value, dict):
                problems.append(Problem(key, f"未知的表（可用的表：{'、'.join(SECTIONS)}）", line))
            else:
                problems.append(Problem(key, f"未知的设置（可用：{'、'.join(VARIABLES)}）", line))
    if problems:
        raise ConfigError(source, problems)
    return values, sections


def _typed(key: str, value: Any) -> tuple[Any, str | None]:
    """A config value as its setting's type, or the reason it cannot be."""
    if not isinstance(value, str):
        return None, f"应为字符串，而不是{_kind(value)}"
    text = value.strip()
    if not text:
        return None, "不能为空（不设置就删掉这一行）"
    if key == "group":
        if not re.fullmatch(r"[^:\s]+(:(rw|ro))?", text):
            return None, f"{value!r} 写错了；应为 组名、组名:rw 或 组名:ro"
        return text, None
    if key == "log_level":
        if text.upper() not in LEVELS:
            return None, f"{value!r} 不是日志级别；应为 {'、'.join(lv.lower() for lv in LEVELS)}"
        return text.upper(), None
    if key == "db" and "://" in text:
        return text, None
    if key == "cache" and text == "off":
        return None, None
    path = Path(text).expanduser()
    if not path.is_absolute():  # relative to what? the directory zldesk happens to start in
        return None, f"{value!r} 是相对路径；应写绝对路径（可以 ~/ 开头）"
    return (str(path) if key == "db" else path), None


def _kind(value: Any) -> str:
    names = {bool: "布尔值", int: "整数", float: "小数", str: "字符串", list: "数组", dict: "表"}
    return next((n for t, n in names.items() if isinstance(value, t)), "日期时间")


def _key_line(text: str, key: str) -> int | None:
    """The line where a top-level key or table is first written: tomllib gives no lines for keys."""
    name = "|".join(re.escape(k) for k in (key, f'"{key}"', f"'{key}'"))
    assignment = re.compile(rf"\s*(?:{name})\s*[=.]")
    header = re.compile(rf"\s*\[\[?\s*(?:{name})\s*[\].]")
    in_table = False
    for no, line in enumerate(text.split("\n"), 1):  # TOML's lines end at \n only
        if header.match(line) or (not in_table and assignment.match(line)):
            return no
        in_table = in_table or line.lstrip().startswith("[")
    return None
