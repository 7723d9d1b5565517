"""The statutory days computed from the `holidays` package, kept on disk between runs.

Importing the package costs ~0.17 s, more than everything else the console does before its first board
is on screen. The cache holds exactly what `ChinaCalendar` computed, stamped with what that depends on
(the package's China data, our own reading of it, the override files); any change to those, or a
damaged file, and the days are simply computed again. `ZLDESK_CACHE` names another directory, or `off`
(or `cache` in the config file).

Each install keeps its own file (`calendar-<install>.json`, named by where this zldesk and its `holidays`
are installed): with one shared file, two installs on a machine (a venv beside the system's, a checkout
beside a release) stamp it differently and each rewrote it on every run, +0.4 s a command.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from datetime import date
from importlib.util import find_spec
from pathlib import Path

from .. import settings

FORMAT = 1


def cache_file() -> Path | None:
    folder = settings.current().cache
    return None if folder is None else folder / f"calendar-{install()}.json"


def install() -> str:
    """Names this install: a digest of where this zldesk and the `holidays` it reads are installed."""
    spec = find_spec("holidays")
    where = [str(Path(__file__).resolve().parent.parent), str(spec.origin if spec else None)]
    return hashlib.sha256("\n".join(where).encode()).hexdigest()[:12]


def stamp(overrides: Path) -> str | None:
    """Sizes and times of every file the computed days depend on; None when they cannot be found."""
    spec = find_spec("holidays")
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    files = [package / "countries" / "china.py", package / "holiday_base.py", Path(__file__).with_name("statutory.py")]
    try:
        files += sorted(overrides.glob("*.toml"))
        dist = sorted(p.name for p in package.parent.glob("holidays-*.dist-info"))
        parts = [f"{f.name}:{s.st_mtime_ns}:{s.st_size}" for f, s in ((f, f.stat()) for f in files)]
    except OSError:
        return None
    return "|".join([f"format {FORMAT}", *dist, *parts])


class YearCache:
    """Years of (date, kind, name, source) rows and their official source, read once per process."""

    def __init__(self, overrides: Path) -> None:
        self.path = cache_file()
        self.stamp = stamp(overrides) if self.path else None
        self.years: dict[str, dict] = {}
        if self.stamp is None:
            return
        try:
            with open(self.path, "rb") as f:
                raw = f.read(16)
                if b"\x00" in raw:  # binary, not a damaged copy of ours (a store named calendar.json?): kept
                    self.stamp = None
                    return
                raw += f.read()
            data = json.loads(raw)
            if data.get("stamp") == self.stamp and isinstance(data.get("years"), dict):
                self.years = data["years"]
        except (OSError, ValueError, AttributeError):
            pass  # missing or damaged: computed again and rewritten

    def get(self, year: int) -> tuple[list[tuple[date, str, str, str]], str | None] | None:
        entry = self.years.get(str(year))
        if not isinstance(entry, dict):
            return None
        try:
            rows = [(date.fromisoformat(d), kind, name, source) for d, kind, name, source in entry["days"]]
        except (KeyError, TypeError, ValueError):
            return None
        return rows, entry.get("official")

    def put(self, year: int, rows: list[tuple[date, str, str, str]], official: str | None) -> None:
        if self.stamp is None:
            return
        self.years[str(year)] = {
            "days": [[d.isoformat(), kind, name, source] for d, kind, name, source in rows],
            "official": official,
        }
        text = json.dumps({"stamp": self.stamp, "years": self.years}, ensure_ascii=False)
        try:  # whole or not at all: another process may be reading it
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".calendar-")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only home: the days are computed each run, which is only slower
