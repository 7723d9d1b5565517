"""Every ZLDESK_* setting from one place: the environment variable, else the config file, else the
default, with `--db` above them all; and a config file that cannot be used stops every command with
exit 2 and a message naming the file, the line and the key, before any store is opened."""

from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from zldesk import settings
from zldesk.errors import ConfigError


def write_config(path: Path, monkeypatch: pytest.MonkeyPatch, content: str | bytes, mode: int = 0o600) -> Path:
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    path.chmod(mode)
    monkeypatch.setenv("ZLDESK_CONFIG", str(path))
    return path


def paths_json(cli, *options: str) -> dict:
    ran = cli(*options, "paths", "--json")
    assert ran.exit_code == 0, ran.stderr
    return json.loads(ran.stdout)


# ---- precedence --------------------------------------------------------------------------------------


def test_environment_beats_file_beats_default(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        f'db = "{tmp_path}/file.db"\ngroup = "team:ro"\ncache = "{tmp_path}/cache"\n'
        f'log_level = "Info"\nlog_file = "{tmp_path}/file.log"\n',
        encoding="utf-8",
    )
    config.chmod(0o600)
    from_file = settings.load({}, config)
    assert (from_file.db, from_file.group, from_file.cache, from_file.log_level, from_file.log_file) == (
        f"{tmp_path}/file.db",
        "team:ro",
        tmp_path / "cache",
        "INFO",
        tmp_path / "file.log",
    )
    assert set(from_file.sources.values()) == {"config"} and from_file.config_exists
    env = {
        "ZLDESK_DB": "env.db",
        "ZLDESK_GROUP": " ops ",
        "ZLDESK_CACHE": "off",
        "ZLDESK_LOG_LEVEL": "debug",
        "ZLDESK_LOG_FILE": "env.log",
    }
    from_env = settings.load(env, config)
    assert (from_env.db, from_env.group, from_env.cache, from_env.log_level, from_env.log_file) == (
        "env.db",
        "ops",
        None,
        "DEBUG",
        Path("env.log"),
    )
    assert set(from_env.sources.values()) == {"env"}
    defaults = settings.load({}, tmp_path / "missing.toml")
    assert not defaults.config_exists and set(defaults.sources.values()) == {"default"}
    assert defaults.db.endswith("zldesk.db") and defaults.group is None and defaults.log_level is None
    assert defaults.cache is not None and defaults.log_file.name == "zldesk.log"


def test_an_empty_variable_counts_as_unset(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{tmp_path}/file.db"\n', encoding="utf-8")
    config.chmod(0o600)
    loaded = settings.load({"ZLDESK_DB": "", "ZLDESK_CONFIG": str(config)})
    assert loaded.db == f"{tmp_path}/file.db" and loaded.where("db") == f"配置文件 {config} 的 db"


def test_paths_shows_each_source_and_db_option_beats_all(cli, tmp_path, monkeypatch):
    monkeypatch.delenv("ZLDESK_DB")
    write_config(tmp_path / "config.toml", monkeypatch, f'db = "{tmp_path}/file.db"\n')
    info = paths_json(cli)
    assert info["db"] == f"sqlite:///{tmp_path}/file.db"
    assert info["config"] == str(tmp_path / "config.toml") and info["config_exists"] is True
    assert info["settings"]["db"] == {"value": f"{tmp_path}/file.db", "source": "config"}
    assert info["settings"]["cache"] == {"value": "off", "source": "env"}  # conftest's ZLDESK_CACHE=off
    assert info["settings"]["group"] == {"value": None, "source": "default"}
    assert {"contracts", "data"} <= info.keys()
    monkeypatch.setenv("ZLDESK_DB", str(tmp_path / "env.db"))
    info = paths_json(cli)
    assert info["db"] == f"sqlite:///{tmp_path}/env.db" and info["settings"]["db"]["source"] == "env"
    info = paths_json(cli, "--db", str(tmp_path / "option.db"))
    assert info["db"] == f"sqlite:///{tmp_path}/option.db"
    assert info["settings"]["db"] == {"value": str(tmp_path / "option.db"), "source": "option"}
    text = cli("paths").stdout
    assert f"配置文件  {tmp_path / 'config.toml'}\n" in text and "环境变量 ZLDESK_DB" in text


def test_paths_says_when_there_is_no_config_file(cli, tmp_path):
    assert f"配置文件  {tmp_path / 'no-config.toml'}（不存在）" in cli("paths").stdout  # conftest's path
    assert paths_json(cli)["config_exists"] is False


def test_the_store_is_opened_where_the_config_file_says(cli, db_path, tmp_path, monkeypatch):
    monkeypatch.delenv("ZLDESK_DB")
    config = write_config(tmp_path / "config.toml", monkeypatch, 'db = "~/team/zldesk.db"\n')
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    ran = cli("ticket", "new", "--severity", "3", "--title", "配置文件里的库")
    assert ran.exit_code == 0, ran.stderr
    store = tmp_path / "home" / "team" / "zldesk.db"
    assert store.is_file() and not db_path.exists()
    assert f"配置文件 {config} 的 db" in ran.stderr  # the new-store notice says where the path came from
    assert "配置文件里的库" in cli("ticket", "list").stdout


def test_the_cache_directory_from_the_config_file(tmp_path, monkeypatch):
    from zldesk.calendar import ChinaCalendar

    monkeypatch.delenv("ZLDESK_CACHE")
    write_config(tmp_path / "config.toml", monkeypatch, f'cache = "{tmp_path}/cal"\n')
    assert ChinaCalendar().day(date(2026, 10, 1)).kind == "holiday"
    assert [p.parent for p in tmp_path.rglob("calendar-*.json")] == [tmp_path / "cal"]
    write_config(tmp_path / "off.toml", monkeypatch, 'cache = "off"\n')
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    ChinaCalendar().day(date(2026, 1, 1))
    assert not any(tmp_path.joinpath("xdg").rglob("calendar*.json"))


def test_logging_from_the_config_file(tmp_path, monkeypatch):
    log = tmp_path / "logs" / "zldesk.log"
    write_config(tmp_path / "config.toml", monkeypatch, f'log_level = "debug"\nlog_file = "{log}"\n')
    env = {**os.environ, "ZLDESK_DB": str(tmp_path / "z.db")}
    ran = subprocess.run([sys.executable, "-m", "zldesk", "paths"], env=env, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "start paths" in log.read_text(encoding="utf-8") and stat.S_IMODE(log.stat().st_mode) == 0o600


@pytest.mark.parametrize(("access", "mode"), [("", 0o660), (":ro", 0o640)])
def test_the_group_from_the_config_file(cli, db_path, tmp_path, monkeypatch, access, mode):
    gid = os.getgid()
    write_config(tmp_path / "config.toml", monkeypatch, f'group = "{grp.getgrgid(gid).gr_name}{access}"\n')
    old = os.umask(0o022)
    try:
        assert cli("ticket", "new", "--severity", "3", "--title", "共享").exit_code == 0
    finally:
        os.umask(old)
    assert (stat.S_IMODE(db_path.stat().st_mode), db_path.stat().st_gid) == (mode, gid)


def test_an_unknown_group_in_the_config_file_names_the_file(cli, db_path, tmp_path, monkeypatch):
    config = write_config(tmp_path / "config.toml", monkeypatch, 'group = "no-such-group-zldesk"\n')
    ran = cli("contracts")
    assert ran.exit_code == 2 and f"配置文件 {config} 的 group" in ran.stderr and "no-such-group-zldesk" in ran.stderr
    assert not db_path.exists()


def test_notify_tables_are_passed_on(cli, tmp_path, monkeypatch):
    """The tables another part of zldesk reads from this file are not this loader's to refuse."""
    text = (
        'db = "/srv/zldesk.db"\n\n[[notify.channels]]\nname = "值班群"\nkind = "webhook"\n\n'
        '[[notify.rules]]\nwhen = "severity <= 2"\nchannel = "值班群"\n'
    )
    config = write_config(tmp_path / "config.toml", monkeypatch, text)
    loaded = settings.load(config_path=config)
    assert loaded.sections["notify"]["channels"][0]["name"] == "值班群"
    assert loaded.sections["notify"]["rules"][0]["channel"] == "值班群"
    assert cli("paths").exit_code == 0


def test_read_once_and_again_when_the_environment_changes(tmp_path, monkeypatch):
    config = write_config(tmp_path / "config.toml", monkeypatch, 'log_level = "info"\n')
    first = settings.current()
    assert settings.current() is first and first.log_level == "INFO"
    monkeypatch.setenv("ZLDESK_LOG_LEVEL", "warning")
    assert settings.current().log_level == "WARNING"
    monkeypatch.delenv("ZLDESK_LOG_LEVEL")
    config.write_text('log_level = "error"\n', encoding="utf-8")
    settings.reset()  # the file itself is read once per process; a test that rewrites it says so
    assert settings.current().log_level == "ERROR"


IMPORTS = (
    "import sys\nfrom zldesk import settings\nsettings.current()\n"
    "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'textual', 'rich', 'tomllib') if m in sys.modules))"
)


def test_settings_import_nothing_heavy(tmp_path, monkeypatch):
    """The console's start-up reads the settings: tomllib only when there is a file, never more."""

    def run() -> str:
        return subprocess.run(
            [sys.executable, "-c", IMPORTS], capture_output=True, text=True, check=True, env={**os.environ}
        ).stdout.strip()

    assert run() == "[]"
    write_config(tmp_path / "config.toml", monkeypatch, 'cache = "off"\n')
    assert run() == "['tomllib']"


# ---- a config file that cannot be used ---------------------------------------------------------------

BAD_FILES = {
    "not TOML": (b'# zldesk\ndb = "/srv/zldesk.db\n', ["TOML 语法错误", ":2:"]),
    "unknown key": (b'db = "/srv/zldesk.db"\ncolour = "red"\n', [":2: colour: 未知的设置"]),
    "misspelt key": (b'log-level = "debug"\n', [":1: log-level:", "是不是 log_level"]),
    "variable name as key": (b'ZLDESK_DB = "/srv/zldesk.db"\n', ["ZLDESK_DB:", "是不是 db"]),
    "wrong type": (b"# cache\n\ncache = false\n", [":3: cache: 应为字符串，而不是布尔值"]),
    "number as db": (b"db = 5\n", [":1: db: 应为字符串，而不是整数"]),
    "table as setting": (b'[db]\npath = "/srv/zldesk.db"\n', [":1: db: 应为字符串，而不是表"]),
    "unknown table": (b'db = "/srv/zldesk.db"\n[colours]\nx = 1\n', [":2: colours: 未知的表"]),
    "notify not a table": (b'notify = "on"\n', [":1: notify: 应为表"]),
    "bad group": (b'group = "team:rwx"\n', [":1: group:", "组名:ro"]),
    "bad log level": (b"log_level = 'loud'\n", [":1: log_level:", "不是日志级别"]),
    "relative path": (b'db = "zldesk.db"\n', [":1: db:", "相对路径"]),
    "empty value": (b'log_file = ""\n', [":1: log_file: 不能为空"]),
    "UTF-16": ('# 值班\ndb = "/srv/zldesk.db"\n'.encode("utf-16"), ["UTF-16"]),
    "GBK": ('db = "/srv/zldesk.db"\n# 值班台配置\n'.encode("gbk"), [":2:", "不是 UTF-8"]),
    "NUL bytes": (b'db = "/srv/zldesk.db"\n\x00\n', [":2:", "NUL"]),
    "huge": (b"# " + b"x" * 70_000 + b"\n", ["超过上限"]),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_config_file_stops_every_command(cli, db_path, tmp_path, monkeypatch, case):
    content, expected = BAD_FILES[case]
    config = write_config(tmp_path / "config.toml", monkeypatch, content)
    for args in (["contracts"], ["ticket", "new", "--severity", "3", "--title", "x"], ["paths", "--json"]):
        ran = cli(*args)  # catch_exceptions=False: a traceback would fail here
        assert ran.exit_code == 2, (args, ran.stderr)
        assert str(config) in ran.stderr and "Traceback" not in ran.stderr and ran.stdout == ""
        for words in expected:
            assert words in ran.stderr, (words, ran.stderr)
    assert not db_path.exists() and not db_path.parent.exists()
    with pytest.raises(ConfigError):
        settings.load()


def test_every_problem_is_listed_at_once(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('db = 1\ncolour = "red"\nlog_level = "loud"\n', encoding="utf-8")
    config.chmod(0o600)
    with pytest.raises(ConfigError) as e:
        settings.load({}, config)
    assert [(p.path, p.line) for p in e.value.problems] == [("db", 1), ("colour", 2), ("log_level", 3)]
    assert e.value.exit_code == 2


def test_a_directory_as_the_config_path(cli, db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("ZLDESK_CONFIG", str(tmp_path))
    ran = cli("contracts")
    assert ran.exit_code == 2 and str(tmp_path) in ran.stderr and "是目录" in ran.stderr
    assert not db_path.exists()


def test_a_fifo_as_the_config_path_is_refused_without_waiting(cli, db_path, tmp_path, monkeypatch):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo, 0o600)
    monkeypatch.setenv("ZLDESK_CONFIG", str(fifo))
    ran = cli("contracts")
    assert ran.exit_code == 2 and "不是普通文件" in ran.stderr and not db_path.exists()


@pytest.mark.parametrize("mode", [0o666, 0o602])
def test_a_file_anyone_can_change_is_refused(cli, db_path, tmp_path, monkeypatch, mode):
    """It decides where the store is: a file others can write could send the tickets to their store."""
    config = write_config(tmp_path / "config.toml", monkeypatch, f'db = "{tmp_path}/x.db"\n', mode)
    ran = cli("contracts")
    assert ran.exit_code == 2 and str(config) in ran.stderr and "任何人都能改" in ran.stderr
    assert "chmod go-w" in ran.stderr and not db_path.exists() and not (tmp_path / "x.db").exists()


def _other_group() -> int | None:
    """A group that is not this user's own, to give the file to (root can; others only their groups)."""
    mine = os.getgid()
    candidates = [g.gr_gid for g in grp.getgrall() if g.gr_gid != mine]
    if os.getuid() != 0:
        candidates = [g for g in os.getgroups() if g != mine]
    return candidates[0] if candidates else None


def test_a_file_its_group_can_change_is_refused(cli, db_path, tmp_path, monkeypatch):
    gid = _other_group()
    if gid is None:
        pytest.skip("no second group to give the file to")
    config = write_config(tmp_path / "config.toml", monkeypatch, 'cache = "off"\n', 0o620)
    os.chown(config, -1, gid)
    ran = cli("contracts")
    assert ran.exit_code == 2 and f"gid {gid}" in ran.stderr and "chmod g-w" in ran.stderr


def test_group_write_in_ones_own_private_group_is_fine(tmp_path, monkeypatch):
    """umask 002 (Debian, Ubuntu) makes a new file 0664 in the user's own group: no one else can write."""
    if not settings._private_group(os.getgid(), os.getuid()):
        pytest.skip("this user's group has other members")
    config = write_config(tmp_path / "config.toml", monkeypatch, 'log_level = "info"\n', 0o664)
    assert settings.load(config_path=config).log_level == "INFO"


@pytest.mark.skipif(os.getuid() != 0, reason="only root can give a file to another user")
def test_another_users_file_is_refused(cli, tmp_path, monkeypatch):
    config = write_config(tmp_path / "config.toml", monkeypatch, 'cache = "off"\n', 0o644)
    os.chown(config, 65534, -1)
    ran = cli("contracts")
    assert ran.exit_code == 2 and "属于另一个用户" in ran.stderr


def test_the_installed_command_reports_a_bad_file_and_keeps_help(tmp_path, monkeypatch):
    """Through `python -m zldesk`, where logging is set up from the settings before any command."""
    config = write_config(tmp_path / "config.toml", monkeypatch, b'log_level = "debug"\nlog_file = 3\n')
    env = {**os.environ, "ZLDESK_DB": str(tmp_path / "z.db")}
    ran = subprocess.run(
        [sys.executable, "-m", "zldesk", "contracts"], env=env, capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 2 and "Traceback" not in ran.stderr
    assert f"{config}:2: log_file: 应为字符串" in ran.stderr and not (tmp_path / "z.db").exists()
    helped = subprocess.run(
        [sys.executable, "-m", "zldesk", "--help"], env=env, capture_output=True, text=True, timeout=60
    )
    assert helped.returncode == 0 and "zldesk" in helped.stdout
