"""The statutory calendar cached on disk between runs: the same days as computing them, and never
trusted when what it was computed from has changed or the file is damaged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from zldesk.calendar import ChinaCalendar

YEARS = range(2019, 2029)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("ZLDESK_CACHE", str(folder))
    return folder


def cache_name() -> str:
    from zldesk.calendar.cache import install

    return f"calendar-{install()}.json"


def all_days(calendar: ChinaCalendar) -> list:
    return [(y, calendar.official_source(y), calendar.special_days(y)) for y in YEARS]


def test_cached_days_equal_computed_days(cache_dir, monkeypatch):
    first = all_days(ChinaCalendar())  # computes and writes the cache
    assert (cache_dir / cache_name()).is_file()
    from_cache = ChinaCalendar()
    cached = all_days(from_cache)
    monkeypatch.setenv("ZLDESK_CACHE", "off")
    computed = all_days(ChinaCalendar())
    assert cached == first == computed
    assert from_cache.day(date(2026, 10, 10)).name == "国庆节调休上班"


def test_a_warm_cache_spares_the_holidays_import(cache_dir):
    """The point of the cache: a second run answers day types without importing the package."""
    code = (
        "import sys\nfrom datetime import date\nfrom zldesk.calendar import ChinaCalendar\n"
        "c = ChinaCalendar()\nprint(c.day(date(2026, 10, 10)).name, c.is_workday(date(2026, 10, 1)),"
        " 'holidays' in sys.modules)"
    )
    env = {**os.environ, "ZLDESK_CACHE": str(cache_dir)}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert cold.stdout.split() == ["国庆节调休上班", "False", "True"]
    assert warm.stdout.split() == ["国庆节调休上班", "False", "False"]


def test_a_damaged_cache_is_ignored_and_rewritten(cache_dir):
    ChinaCalendar().day(date(2026, 1, 1))
    path = cache_dir / cache_name()
    path.write_text('{"stamp": "x", "years": {"2026": {"days": [["bad"]]}}', encoding="utf-8")
    assert ChinaCalendar().day(date(2026, 10, 1)).kind == "holiday"
    path.write_text("not json at all", encoding="utf-8")
    assert ChinaCalendar().day(date(2026, 10, 10)).is_workday
    assert "2026" in json.loads(path.read_text(encoding="utf-8"))["years"]


def test_a_cache_from_other_inputs_is_not_trusted(cache_dir, tmp_path):
    """A forged entry under another stamp (another package version, other override files) is not read."""
    ChinaCalendar().day(date(2026, 1, 1))
    path = cache_dir / cache_name()
    data = json.loads(path.read_text(encoding="utf-8"))
    data["years"]["2026"]["days"] = [["2026-03-03", "holiday", "伪造", "x"]]
    data["stamp"] += "|other"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert ChinaCalendar().day(date(2026, 3, 3)).kind == "workday"
    # and the same forged entry under the right stamp is read: the test above is not vacuous
    data["stamp"] = data["stamp"].removesuffix("|other")
    path.write_text(json.dumps(data), encoding="utf-8")
    assert ChinaCalendar().day(date(2026, 3, 3)).name == "伪造"
    # an override directory with other files has another stamp
    other = tmp_path / "overrides"
    other.mkdir()
    (other / "2030.toml").write_text("", encoding="utf-8")
    assert ChinaCalendar(other).day(date(2026, 3, 3)).kind == "workday"


def test_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("ZLDESK_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    ChinaCalendar().day(date(2026, 1, 1))
    assert not any(tmp_path.rglob("calendar*.json"))


def test_two_installs_keep_a_cache_each(cache_dir):
    """Two installs on one machine (another zldesk or another `holidays`) stamp their days differently: each
    keeps its own file, so neither rewrites the other's on every run (issue 15: +0.4 s a command)."""
    ChinaCalendar().day(date(2026, 1, 1))
    ours = cache_dir / cache_name()
    mine = ours.read_bytes()
    elsewhere = cache_dir.parent / "elsewhere"
    root = Path(__file__).resolve().parent.parent
    for part in ("zldesk", "data"):
        shutil.copytree(root / part, elsewhere / part)
    code = "from datetime import date\nfrom zldesk.calendar import ChinaCalendar\nChinaCalendar().day(date(2026, 1, 1))"
    env = {**os.environ, "ZLDESK_CACHE": str(cache_dir), "PYTHONPATH": str(elsewhere)}
    for _ in range(2):
        ran = subprocess.run([sys.executable, "-c", code], env=env, cwd=elsewhere, capture_output=True, text=True)
        assert ran.returncode == 0, ran.stderr
    files = sorted(p.name for p in cache_dir.glob("calendar-*.json"))
    assert len(files) == 2 and ours.name in files
    assert ours.read_bytes() == mine  # the other install wrote its own file, never ours
