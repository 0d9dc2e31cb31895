"""The declarative base shared by every package's models, engine setup, and what a
database failure means to the person who caused it (busy, a lost race, bad input)."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# An execution option: transactions on an engine carrying it only read, so on SQLite they
# begin DEFERRED and take no write lock (``reading(engine)``).
READ_ONLY = "tvcolumn_read_only"
# How long a SQLite writer waits for the write lock before the database counts as busy.
SQLITE_BUSY_TIMEOUT_MS = 10_000


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def make_engine(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: Any
) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and real transactions.

    Pooled connections are checked before use (``pool_pre_ping``): after a
    database restart a stale connection is replaced instead of failing a request.

    pysqlite's own transaction handling defers BEGIN and breaks SAVEPOINT, so
    we switch it off and emit BEGIN ourselves (the recipe from SQLAlchemy's
    SQLite dialect documentation). A transaction that may write begins
    IMMEDIATE: it takes the write lock up front and waits for it within the
    busy timeout. A deferred one that writes after reading fails at once with
    "database is locked" when another writer committed since its snapshot,
    whatever the timeout.
    """
    kwargs.setdefault("pool_pre_ping", True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, busy_timeout_ms)
    return engine


def reading(engine: Engine) -> Engine:
    """The same engine (and pool) for transactions that only read."""
    return engine.execution_options(**{READ_ONLY: True})


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


class Failure(enum.Enum):
    """What a database error means for the person whose request caused it."""

    BUSY = "busy"  # the database is locked, restarting or unreachable: try again shortly
    CONFLICT = "conflict"  # a concurrent writer won: reload and decide again
    INVALID = "invalid"  # a value the database cannot hold (NUL, out of range)


# PostgreSQL SQLSTATE classes and codes (Appendix A of its manual).
_PG_BUSY_CLASSES = ("08", "53", "57")  # connection exception, insufficient resources, operator
_PG_BUSY = {"55P03", "55006"}  # lock_not_available, object_in_use
_PG_CONFLICT_CLASSES = ("23", "40")  # integrity violation, transaction rollback (deadlock, …)
_PG_INVALID = {"23502", "23514"}  # not_null_violation, check_violation: the value, not a race
_PG_INVALID_CLASSES = ("22",)  # data exception: NUL in text, out of range, bad encoding
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def classify(error: BaseException) -> Failure | None:
    """The meaning of ``error`` when it is an expected database failure, else None."""
    if isinstance(error, StaleDataError):
        return Failure.CONFLICT
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    if error.connection_invalidated:
        return Failure.BUSY
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    if state:
        if state in _PG_BUSY or state.startswith(_PG_BUSY_CLASSES):
            return Failure.BUSY
        if state in _PG_INVALID or state.startswith(_PG_INVALID_CLASSES):
            return Failure.INVALID
        if state.startswith(_PG_CONFLICT_CLASSES):
            return Failure.CONFLICT
        return None
    text = str(error.orig).lower()
    if isinstance(error, sa_exc.OperationalError) and any(s in text for s in _SQLITE_BUSY):
        return Failure.BUSY
    if isinstance(error, sa_exc.IntegrityError):
        invalid = "check constraint" in text or "not null constraint" in text
        return Failure.INVALID if invalid else Failure.CONFLICT
    if isinstance(error, sa_exc.DataError) or "too large to convert" in text:
        return Failure.INVALID
    unreachable = ("unable to open database", "connection", "server closed", "could not receive")
    if isinstance(error, sa_exc.OperationalError) and any(s in text for s in unreachable):
        return Failure.BUSY
    return None
