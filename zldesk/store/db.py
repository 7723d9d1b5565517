"""Where the store lives and how it is opened.

SQLite is opened in WAL mode with foreign keys, a busy timeout, and every write transaction started with
`BEGIN IMMEDIATE`: SQLAlchemy's default (a deferred BEGIN on first write) loses concurrent
read-modify-write updates, measured at 63 % with 4 processes in shared/probes/orm_race.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlmodel import Session

from ..errors import InvalidStoreUrl, StoreError
from .files import resolve_url  # noqa: F401 - where callers have always found it

BUSY_TIMEOUT_MS = 15_000
_READ = "zldesk_read_only"


def make_engine(url: str) -> Engine:
    """An engine for the URL; nothing is opened until first use."""
    try:
        parsed = make_url(url)
    except Exception:
        raise InvalidStoreUrl(url) from None
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


@contextmanager
def driver_errors(where: Session | Connection) -> Iterator[None]:
    """A driver error raised outside SQLAlchemy (store/rows.py, the history chain) reported like any
    other store error. `where` is the session or connection whose driver runs the statements."""
    dialect = where.dialect if isinstance(where, Connection) else where.get_bind().dialect
    try:
        yield
    except dialect.loaded_dbapi.Error as e:
        raise StoreError.from_driver(str(e).splitlines()[0]) from None


@contextmanager
def _errors() -> Iterator[None]:
    """Database failures become a StoreError; bound values (phone numbers) are never in the text."""
    try:
        yield
    except DBAPIError as e:
        raise StoreError.from_driver(str(e.orig).splitlines()[0] if e.orig else type(e).__name__) from None
    except SQLAlchemyError as e:
        raise StoreError.from_driver(type(e).__name__) from None  # no driver line: the error's name stands for it
