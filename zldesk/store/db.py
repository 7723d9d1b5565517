"""Where the store lives and how it is opened.

SQLite is opened in WAL mode with foreign keys, a busy timeout, and every write transaction started with
`BEGIN IMMEDIATE`: SQLAlchemy's default (a deferred BEGIN on first write) loses concurrent
read-modify-write updates, measured at 63 % with 4 processes in shared/probes/orm_race.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from ..errors import StoreError

ENV_VAR = "ZLDESK_DB"
BUSY_TIMEOUT_MS = 15_000
_READ = "zldesk_read_only"


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("zldesk", appauthor=False) / "zldesk.db"


def resolve_url(db: str | None = None) -> str:
    """`--db`, else $ZLDESK_DB, else the platform data directory. A value with `://` is a URL."""
    value = db or os.environ.get(ENV_VAR) or str(default_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def make_engine(url: str) -> Engine:
    """An engine for the URL; nothing is opened until first use."""
    try:
        parsed = make_url(url)
    except Exception:
        raise StoreError("数据库地址无效", f"{url!r} 既不是文件路径也不是 SQLAlchemy URL") from None
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, hide_parameters=True, pool_pre_ping=True)
    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        from . import files

        files.prepare(Path(parsed.database))
        files.check(Path(parsed.database))
    engine = create_engine(url, hide_parameters=True, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy's begin event, not the sqlite3 module, decide how a transaction starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ) else "BEGIN IMMEDIATE")

    return engine


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    """One write transaction (BEGIN IMMEDIATE on SQLite): all of it commits, or none of it."""
    with _errors(), Session(engine, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A short read transaction; it takes no write lock."""
    with _errors(), Session(engine.execution_options(**{_READ: True})) as session:
        yield session


def driver_connection(session: Session):
    """The driver's own connection under the session's current transaction (for store/rows.py)."""
    return session.connection().connection.dbapi_connection


# What the driver's words mean for the engineer on duty; the driver's own line follows (never any values).
_MEANINGS = (
    ("database or disk is full", "磁盘已满：这次改动没有写入，先腾出空间"),
    ("disk i/o error", "磁盘读写出错（磁盘满、故障或被拔出）：这次改动没有写入"),
    ("database is locked", "数据库被别的进程长时间占着：这次改动没有写入，稍后再试"),
    ("readonly database", "数据库文件只读：这次改动没有写入，检查文件权限"),
    ("file is not a database", "这个文件不是数据库，或已损坏"),
    ("database disk image is malformed", "数据库文件已损坏：用 zldesk restore 从备份恢复"),
    ("unable to open database file", "打不开数据库文件：路径是个目录、所在目录不存在，或没有权限"),
)


def store_error(driver_line: str) -> StoreError:
    low = driver_line.lower()
    meaning = next((m for key, m in _MEANINGS if key in low), None)
    return StoreError("数据库错误", f"{meaning}\n（{driver_line}）" if meaning else driver_line)


@contextmanager
def driver_errors(session: Session) -> Iterator[None]:
    """A driver error raised outside SQLAlchemy (store/rows.py) reported like any other store error."""
    try:
        yield
    except session.get_bind().dialect.loaded_dbapi.Error as e:
        raise store_error(str(e).splitlines()[0]) from None


@contextmanager
def _errors() -> Iterator[None]:
    """Database failures become a StoreError; bound values (phone numbers) are never in the text."""
    try:
        yield
    except DBAPIError as e:
        raise store_error(str(e.orig).splitlines()[0] if e.orig else type(e).__name__) from None
    except SQLAlchemyError as e:
        raise StoreError("数据库错误", type(e).__name__) from None
