"""Debug logging, off unless asked for: `ZLDESK_LOG_LEVEL=debug|info|warning` writes to
`ZLDESK_LOG_FILE` (default: the platform's log directory), owner-only; or log_level and log_file in the
config file (settings.py).

What is logged is about the program, never the data: command names (not their arguments, which carry
phone numbers), SQL statements with their values hidden (the engine is built with hide_parameters),
error titles. SQLAlchemy's DEBUG level prints result rows, so it is held at INFO whatever is asked.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from . import settings

log = logging.getLogger("zldesk")


def log_path() -> Path:
    return settings.current().log_file


def setup(refuse: Callable[[Path], None] | None = None) -> None:
    """Log to the log file if a level is set; `refuse(path)` raises first if that file must not be written
    (the CLI's: it is the store, or a file of it)."""
    level = settings.current().log_level
    if not level:
        return
    number = logging.getLevelName(level)
    if not isinstance(number, int):
        number = logging.DEBUG
    path = log_path()
    if refuse is not None:
        refuse(path)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))  # owner-only before any line
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(number)
    logging.getLogger("sqlalchemy.engine").setLevel(max(number, logging.INFO))  # DEBUG would log rows
    log.debug("logging at %s to %s", level, path)
