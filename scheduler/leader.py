"""Leader election: exactly one active scheduler per database (docs/decisions/0001).

On PostgreSQL the leader holds a session-level advisory lock on a connection
of its own; the database releases it the moment that session ends, so when
the leader process dies a standby retrying every second takes over within
about a second. The key is derived from the schema the job store lives in, so
deployments in different schemas of one database elect independently.

On SQLite the leader holds an exclusive ``flock`` on a lock file next to the
database file; the kernel releases it when the process dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import time
from pathlib import Path
from typing import Protocol

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

log = logging.getLogger(__name__)

# libpq keepalives on the lock connection: a leader whose database vanished notices in
# seconds, and the database drops the session (and the lock) of a leader whose machine
# vanished within about 25 s instead of the kernel's default two hours.
KEEPALIVE_ARGS = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 25_000,
}
SERVER_KEEPALIVES = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


class Lease(Protocol):
    def try_acquire(self) -> bool:
        """Become the leader if nobody is; never blocks for long."""

    def held(self) -> bool:
        """Still the leader? False once the lock may have passed to someone else."""

    def release(self) -> None: ...


def lock_key(schema: str) -> int:
    """A stable signed 64-bit advisory lock key for the scheduler of ``schema``."""
    digest = hashlib.sha256(f"tvcolumn.scheduler:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLease:
    """A session-level ``pg_try_advisory_lock`` on a dedicated autocommit connection."""

    def __init__(self, url: str | URL) -> None:
        self._engine = create_engine(url, poolclass=NullPool, connect_args=KEEPALIVE_ARGS)
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        try:
            connection = self._connect()
            key = lock_key(connection.execute(text("SELECT current_schema()")).scalar_one())
            got = connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            return bool(got.scalar_one())
        except DBAPIError as error:
            log.warning("leader election: database unavailable (%s); retrying", error.orig)
            self._drop()
            return False

    def held(self) -> bool:
        if self._connection is None:
            return False
        try:
            self._connection.execute(text("SELECT 1"))
        except DBAPIError:
            return False
        return True

    def release(self) -> None:
        self._drop()  # ending the session releases its advisory locks
        self._engine.dispose()

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            for statement in SERVER_KEEPALIVES:
                connection.execute(text(statement))
            self._connection = connection
        return self._connection

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DBAPIError):
                self._connection.close()
            self._connection = None


class FileLease:
    """An exclusive ``flock`` on a lock file (SQLite); the file records the holder's pid."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def held(self) -> bool:
        """Held, and the file is still the one at the path (a deleted lock file would let a
        second scheduler lock a new file)."""
        if self._fd is None:
            return False
        try:
            return os.fstat(self._fd).st_ino == os.stat(self.path).st_ino
        except FileNotFoundError:
            return False

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the last descriptor releases the flock
            self._fd = None


def lease_for(url: str | URL) -> Lease:
    """The lease matching the database: an advisory lock or a lock file."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return PostgresLease(parsed)
    if backend == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            raise ValueError("the scheduler needs a database file, not an in-memory SQLite")
        return FileLease(Path(f"{parsed.database}.scheduler-lock"))
    raise ValueError(f"no leader election for {backend} databases")


def wait_for_leadership(lease: Lease, retry_seconds: float = 1.0) -> None:
    """Block until this process leads, saying once that it waits as a standby."""
    waiting = False
    while not lease.try_acquire():
        if not waiting:
            log.info(
                "another scheduler leads: waiting as standby (retrying every %s s)", retry_seconds
            )
            waiting = True
        time.sleep(retry_seconds)
    log.info("became leader (pid %d)", os.getpid())
