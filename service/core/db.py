"""Engine and sessions. One commit policy: the request boundary commits or rolls back."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Table, Uuid, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlmodel import Session, create_engine

from service.core import changes, files
from service.core.config import get_settings


def make_engine(url: str) -> Engine:
    """An engine for SQLite (WAL, foreign keys on) or PostgreSQL (psycopg 3)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1].split("?", 1)[0] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # SQLite gives its -wal and -shm files the database file's mode: create it 0600.
            files.private_file(Path(path))
        # Room for every thread-pool worker: a connection beyond the pool is opened and
        # closed per request, and opening one (with its PRAGMAs) costs more than the query.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=40,
            max_overflow=10,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    engine = create_engine(url, pool_size=20, max_overflow=20)
    event.listen(engine, "checkin", _idle_from)
    event.listen(engine, "checkout", functools.partial(_ping_if_idle, engine.dialect))
    return engine


# A pooled connection is pinged before use only when it has sat idle this long. Under load
# connections come back within milliseconds, and pinging each (``pool_pre_ping``) was one
# round trip per request: a twentieth of a card creation's Python.
_PING_AFTER_IDLE_SECONDS = 1.0


def _idle_from(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
    record.info["idle_from"] = time.monotonic()


def _ping_if_idle(dialect, dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
    """SQLAlchemy's recipe for pessimistic disconnect handling: a connection that fails the
    ping raises DisconnectionError, and the pool replaces it with a new one."""
    idle_from = record.info.get("idle_from")
    if idle_from is None or time.monotonic() - idle_from < _PING_AFTER_IDLE_SECONDS:
        return
    try:
        dialect.do_ping(dbapi_connection)
    except dialect.loaded_dbapi.Error as exc:
        raise DisconnectionError() from exc


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()
    # Let SQLAlchemy, not the driver, open transactions (see _sqlite_begin_immediate).
    dbapi_connection.isolation_level = None


def _sqlite_begin_immediate(conn) -> None:  # type: ignore[no-untyped-def]
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another writer committed in between; taking the write lock up front makes concurrent
    # writers wait their turn (busy_timeout) instead. Readers (see read_only) stay deferred
    # and never wait, thanks to WAL.
    if conn.get_execution_options().get("onboard_read_only"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Engine:
    """The same engine for transactions that only read (no write lock taken on SQLite)."""
    return engine.execution_options(onboard_read_only=True)


def one_snapshot(engine: Engine) -> Engine:
    """A reading transaction that sees the database as of one moment throughout, for an
    answer put together from several statements (a roll-up and the changes since its
    watermark): REPEATABLE READ on PostgreSQL, where each statement of a READ COMMITTED
    transaction sees what committed before it, so a fold in between would count twice. A
    replica serves it too (a lock, FOR SHARE, would be refused there). SQLite's reading
    transaction (BEGIN, WAL) is one snapshot already."""
    if engine.dialect.name == "postgresql":
        return engine.execution_options(onboard_read_only=True, isolation_level="REPEATABLE READ")
    return read_only(engine)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().resolved_database_url)


# SQLite allows one writer at a time. Writers of this process queue on this lock, which
# wakes the next one the moment the last commits; SQLite's own busy handler would make them
# poll with sleeps of up to 100 ms, which is what a p99 of seconds under load looks like.
_SQLITE_WRITERS = threading.Lock()


@contextmanager
def transaction(engine: Engine | None = None) -> Iterator[Session]:
    """Yield a session; commit when the caller finishes cleanly, roll back otherwise."""
    engine = engine or get_engine()
    serialise = engine.dialect.name == "sqlite" and not engine.get_execution_options().get(
        "onboard_read_only"
    )
    with (
        _SQLITE_WRITERS if serialise else nullcontext(),
        Session(engine, expire_on_commit=False) as session,
    ):
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
    # After the write lock is released: in-memory views apply this process's own changes.
    changes.committed(session, engine)


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows through the driver's executemany, converting each value with its
    column type's bind processor (built once per column). For large imports, where
    SQLAlchemy's per-row parameter handling costs more than the database does."""
    if not rows:
        return
    conn = session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    processors = [_bind_processor(table.c[name].type, dialect) for name in names]
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    # Identifiers come from our own table metadata, quoted by the dialect; values are bound.
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(n) for n in names)}) "  # noqa: S608
        f"VALUES ({', '.join([marker] * len(names))})"
    )
    # Column by column (map runs in C), then transposed into rows.
    columns = []
    for name, process in zip(names, processors, strict=True):
        values = [row[name] for row in rows]
        columns.append(values if process is None else list(map(process, values)))
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _bind_processor(kind: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The column type's bind processor, run once per distinct value of the call: an import's
    timestamps and dates repeat row after row, and converting one costs microseconds."""
    process = kind._cached_bind_processor(dialect)
    if process is None or isinstance(kind, JSON | Uuid):  # dicts; ids that never repeat
        return process
    done: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        try:
            return done[value]
        except KeyError:
            done[value] = converted = process(value)
            return converted
        except TypeError:  # not hashable
            return process(value)

    return remembered


def copy_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows on PostgreSQL with ``COPY ... FROM STDIN`` (psycopg 3), in the
    session's transaction: several times faster than executemany for large imports."""
    if not rows:
        return
    conn = session.connection()
    quote = conn.dialect.identifier_preparer.quote
    names = list(rows[0])
    json_columns = {n for n in names if isinstance(table.c[n].type, JSON)}
    # Identifiers come from our own table metadata, quoted by the dialect.
    sql = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    raw = conn.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(
                [
                    json.dumps(row[n]) if n in json_columns and row[n] is not None else row[n]
                    for n in names
                ]
            )
