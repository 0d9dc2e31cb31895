"""Media work on any number of machines: procrastinate on PostgreSQL (docs/decisions/0008).

Two ways a queued :class:`~media.models.MediaJob` gets done:

* ``service`` (the embedded default, SQLite): the leading scheduler service's
  :class:`media.jobs.Supervisor` starts a worker process per job, as before.
* ``procrastinate`` (PostgreSQL): queuing a media job also defers a
  procrastinate job (a *ticket*) in the same transaction, so a job exists in
  the queue exactly when its row does. ``tvcolumn media worker`` runs
  :func:`run_worker` on any machine that reaches the database and the shared
  media folder; any number run at once. Each ticket starts ``python -m
  media.worker JOB --ticket N`` in a process group of its own, tied to the worker by
  the parent-death signal (:mod:`media.lifeline`), so a worker killed outright
  takes its render and the render's ffmpeg along. The render process claims the
  row (queued → running, a new attempt) and records progress and the outcome as
  under the service.

A worker that is lost (SIGKILL, a lost machine) stops sending procrastinate's
heartbeat; after ``lease_s`` any other worker finds its ticket stalled and, in
one transaction under an advisory lock (so two workers cannot both do it),
puts the row back to queued, removes the render's temporary files and marks the
ticket to be tried again; another worker then takes it. The attempt number is a
fencing token: a worker given up for dead that is in fact alive cannot write
progress or an outcome over the attempt that replaced it.

Failed media jobs are retried by people (:func:`media.service.retry_job`),
which queues a new row and so a new ticket; tickets are never retried on error
by procrastinate itself (a failed render is recorded on the row, not raised).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import functools
import logging
import math
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import procrastinate
import psycopg
from procrastinate import exceptions as procrastinate_errors
from procrastinate import sql as procrastinate_sql
from procrastinate.sync_psycopg_connector import SyncPsycopgConnector
from sqlalchemy import make_url, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from editorial.db import make_engine, make_sessionmaker
from media import jobs
from media.lifeline import tied_to_parent
from media.models import ACTIVE_JOB_STATES, JobState, MediaJob

log = logging.getLogger(__name__)

QUEUE = "media"
TASK = "tvcolumn.media.render"
# pg_advisory_xact_lock key of the recovery of stalled tickets: "tvmediar" as a number.
RECOVERY_LOCK = 0x74766D6564696172
WORKER_EXIT_NOT_QUEUED = 2  # media.worker: the job was not queued (taken, or gone)
KEEP_TICKETS_H = 7 * 24  # ended tickets are deleted after a week (each worker, hourly)
PRUNE_EVERY_S = 3600


class Engine(enum.StrEnum):
    SERVICE = "service"  # the scheduler service's supervisor (SQLite, one machine)
    PROCRASTINATE = "procrastinate"  # media workers on any number of machines (PostgreSQL)


def engine_for(database_url: str, chosen: str | None = None) -> Engine:
    """How media jobs are done for this database: ``chosen`` (``TVCOLUMN_MEDIA_QUEUE``) if
    given, else procrastinate on PostgreSQL and the scheduler service on SQLite."""
    backend = make_url(database_url).get_backend_name()
    if chosen:
        try:
            engine = Engine(chosen)
        except ValueError:
            raise ValueError(
                f"TVCOLUMN_MEDIA_QUEUE is {chosen!r}: it is 'service' or 'procrastinate'"
            ) from None
        if engine is Engine.PROCRASTINATE and backend != "postgresql":
            raise ValueError(
                "TVCOLUMN_MEDIA_QUEUE=procrastinate needs PostgreSQL; "
                f"the database is {backend}: use 'service'"
            )
        return engine
    return Engine.PROCRASTINATE if backend == "postgresql" else Engine.SERVICE


def conninfo(database_url: str) -> str:
    """libpq's connection string for a SQLAlchemy PostgreSQL URL (options kept)."""
    url = make_url(database_url)
    parts: dict[str, Any] = {
        "host": url.host,
        "port": url.port,
        "dbname": url.database,
        "user": url.username,
        "password": url.password,
        **{k: v for k, v in url.query.items() if isinstance(v, str)},
    }
    return psycopg.conninfo.make_conninfo(**{k: v for k, v in parts.items() if v is not None})


# --- the task -----------------------------------------------------------------------------

tasks = procrastinate.Blueprint()


@dataclass(frozen=True)
class WorkerSettings:
    """A media worker's settings (``tvcolumn media worker``; README "Media workers")."""

    database_url: str
    root: Path  # the shared media folder
    concurrency: int = 1  # renders at once in this worker (one per two cores is right)
    heartbeat_s: float = 10.0  # how often the worker says it is alive
    lease_s: float = 60.0  # silence after which its tickets are given to others
    grace_s: float = jobs.GRACE_S  # past a job's own timeout before its render is killed
    reconnect_max_s: float = 30.0  # the longest wait between tries to reach the database
    name: str | None = None

    @property
    def worker_name(self) -> str:
        return self.name or f"{socket.gethostname()}:{os.getpid()}"


@tasks.task(name=TASK, queue=QUEUE, pass_context=True)
async def render_media_job(context: procrastinate.JobContext, media_job_id: int) -> None:
    """A ticket: run the media job's render process here, to its end."""
    settings: WorkerSettings = context.additional_context["settings"]
    factory: sessionmaker[Session] = context.additional_context["factory"]
    ticket = context.job.id
    assert ticket is not None
    timeout_s = await asyncio.to_thread(_timeout_of, factory, media_job_id)
    if timeout_s is None:
        log.warning("media job %s does not exist (any more): ticket %s ends", media_job_id, ticket)
        return
    command = tied_to_parent(
        [sys.executable, "-m", "media.worker", str(media_job_id), "--ticket", str(ticket)]
    )
    process = await asyncio.create_subprocess_exec(
        *command,
        env={
            **os.environ,
            "TVCOLUMN_DATABASE_URL": settings.database_url,
            "TVCOLUMN_MEDIA_DIR": str(settings.root),
        },
        stdin=asyncio.subprocess.DEVNULL,
        start_new_session=True,  # its own process group: a stop takes its ffmpeg too
    )
    name = f"{socket.gethostname()}:{process.pid}"
    try:
        code = await asyncio.wait_for(process.wait(), timeout_s + settings.grace_s)
    except TimeoutError:
        _kill_group(process.pid)
        await process.wait()
        reason = f"stopped: it ran longer than {timeout_s} s"
        await asyncio.to_thread(_fail, factory, settings.root, media_job_id, name, reason)
        return
    except asyncio.CancelledError:  # the worker stops before the render has ended
        _kill_group(process.pid)
        await process.wait()
        await asyncio.to_thread(_requeue_stopped, factory, settings.root, media_job_id, name)
        raise
    if code not in (0, 1, WORKER_EXIT_NOT_QUEUED):
        reason = f"the render process ended unexpectedly (exit status {code})"
        await asyncio.to_thread(_fail, factory, settings.root, media_job_id, name, reason)


def _timeout_of(factory: sessionmaker[Session], media_job_id: int) -> int | None:
    with factory() as session:
        return session.scalar(select(MediaJob.timeout_s).where(MediaJob.id == media_job_id))


def _fail(
    factory: sessionmaker[Session], root: Path, media_job_id: int, worker: str, reason: str
) -> None:
    """Fail the job if the render process ``worker`` still holds it (it died, or overran)."""
    with factory.begin() as session:
        outcome = jobs.Outcome(JobState.FAILED, {}, reason)
        if jobs.finish(session, media_job_id, outcome, datetime.now(UTC), worker=worker):
            jobs.remove_partial(session, media_job_id, root)


def _requeue_stopped(
    factory: sessionmaker[Session], root: Path, media_job_id: int, worker: str
) -> None:
    """The worker stopped mid-render: the job is queued again, with a new ticket."""
    with factory.begin() as session:
        requeued = session.execute(
            update(MediaJob).where(jobs.held_by(media_job_id, worker)).values(**_QUEUED_AGAIN)
        )
        if getattr(requeued, "rowcount", 0):
            jobs.note(session, media_job_id, f"the worker {worker} stopped: queued again")
            jobs.remove_partial(session, media_job_id, root)
            defer(session, media_job_id)


_QUEUED_AGAIN: dict[str, Any] = {
    "state": JobState.QUEUED,
    "started_at": None,
    "worker_pid": None,
    "worker": None,
    "task_id": None,
    "step": "",
    "progress": 0.0,
}


# --- queuing, in the caller's transaction ------------------------------------------------


@functools.cache
def _app() -> procrastinate.App:
    """The app used to defer: never opened, it writes on the caller's connection."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector())
    app.add_tasks_from(tasks, namespace="")
    return app


def _connection(session: Session) -> psycopg.Connection[Any]:
    raw: object = session.connection().connection.dbapi_connection
    if not isinstance(raw, psycopg.Connection):
        raise TypeError("media jobs are deferred to procrastinate on PostgreSQL (psycopg) only")
    return raw


def defer(session: Session, media_job_id: int) -> None:
    """Put a ticket for the media job into procrastinate's queue, in the session's
    transaction: it exists exactly when the job's row is committed. A ticket already
    waiting for the job (the same queueing lock) is enough."""
    task = _app().tasks[TASK]
    try:
        # A ticket already waiting rolls back this much only. The savepoint is emitted when
        # the nested transaction takes the connection, so take it inside.
        with session.begin_nested():
            deferrer = task.configure(
                connection=_connection(session), queueing_lock=f"media-job-{media_job_id}"
            )
            deferrer.defer(media_job_id=media_job_id)
    except procrastinate_errors.AlreadyEnqueued:
        log.info("media job %s already has a waiting ticket", media_job_id)


# --- recovering the tickets of lost workers ------------------------------------------------


def recover_stalled(
    factory: sessionmaker[Session], root: Path, lease_s: float, now: datetime
) -> list[int]:
    """Give the tickets of workers silent for ``lease_s`` to others; the media jobs requeued.

    One transaction under an advisory lock: the ticket's row goes back to queued (only
    if the ticket's attempt still holds it), its temporary files are removed, and the
    ticket is marked to be tried again, all or nothing.
    """
    requeued: list[int] = []
    with factory.begin() as session:
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": RECOVERY_LOCK})
        connection = _connection(session)
        connector = SyncPsycopgConnector()
        stalled = connector.execute_query_all_with_connection(
            connection,
            procrastinate_sql.queries["select_stalled_jobs_by_heartbeat"],
            queue=QUEUE,
            task_name=TASK,
            seconds_since_heartbeat=lease_s,
        )
        for ticket in stalled:
            media_job_id = int((ticket["args"] or {}).get("media_job_id", 0))
            job = session.get(MediaJob, media_job_id) if media_job_id else None
            if job is not None and job.state in ACTIVE_JOB_STATES and job.task_id == ticket["id"]:
                lost = job.worker or "?"
                for key, value in _QUEUED_AGAIN.items():
                    setattr(job, key, value)
                session.flush()
                jobs.note(
                    session,
                    job.id,
                    f"{now:%Y-%m-%d %H:%M:%S} UTC: the worker {lost} was silent for "
                    f"{lease_s:g} s: queued again",
                )
                jobs.remove_partial(session, job.id, root)
                requeued.append(job.id)
            connector.execute_query_one_with_connection(
                connection,
                procrastinate_sql.queries["retry_job"],
                job_id=ticket["id"],
                retry_at=now,
                new_priority=None,
                new_queue_name=None,
                new_lock=None,
            )
    for media_job_id in requeued:
        log.warning("media job %s: its worker was lost; queued again", media_job_id)
    return requeued


# --- the worker process ------------------------------------------------------------------


def run_worker(settings: WorkerSettings, *, wait: bool = True) -> None:
    """``tvcolumn media worker``: take media tickets until SIGTERM or SIGINT.

    A database that cannot be reached (at the start or later) is tried again after
    1, 2, 4 … seconds (at most ``reconnect_max_s``), each try logged; the worker never
    spins. On SIGTERM it takes no new ticket and lets the running renders finish.
    """
    asyncio.run(_run(settings, wait))


async def _run(settings: WorkerSettings, wait: bool) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    delay = 1.0
    while not stopping.is_set():
        started = time.monotonic()
        try:
            await _work(settings, stopping, wait)
            if not wait or stopping.is_set():
                return
            problem = "the worker stopped (its connection to the database was lost?)"
        except (OSError, psycopg.Error, procrastinate_errors.ConnectorException) as error:
            problem = f"cannot reach the database ({_one_line(error)})"
        if time.monotonic() - started > 60:
            delay = 1.0  # it worked for a while: start again from a short wait
        log.error("media worker %s: %s: trying again in %g s", settings.worker_name, problem, delay)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), delay)
        delay = min(delay * 2, settings.reconnect_max_s)


async def _work(settings: WorkerSettings, stopping: asyncio.Event, wait: bool) -> None:
    info = conninfo(settings.database_url)
    # The pool would keep trying on its own, quietly: find out first, and wait here.
    probe = await psycopg.AsyncConnection.connect(info, connect_timeout=10)
    await probe.close()
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(
            conninfo=info,
            # The notification listener, heartbeats, fetching and aborts: a few, not a crowd
            # (many workers share the server's max_connections).
            min_size=1,
            max_size=max(4, settings.concurrency + 3),
        )
    )
    app.add_tasks_from(tasks, namespace="")
    engine = make_engine(settings.database_url)
    factory = make_sessionmaker(engine)
    try:
        async with app.open_async():
            log.info("media worker %s: taking media jobs", settings.worker_name)
            worker = asyncio.create_task(
                app.run_worker_async(
                    queues=[QUEUE],
                    name=settings.worker_name,
                    concurrency=settings.concurrency,
                    wait=wait,
                    install_signal_handlers=False,
                    update_heartbeat_interval=settings.heartbeat_s,
                    stalled_worker_timeout=settings.lease_s,
                    additional_context={"settings": settings, "factory": factory},
                )
            )
            recovering = asyncio.Event()  # cleared: the recovery loop ends after its round
            recovering.set()
            recovery = asyncio.create_task(
                _recover_periodically(settings, factory, app, recovering)
            )
            stop = asyncio.create_task(stopping.wait())
            done, _ = await asyncio.wait({worker, stop}, return_when=asyncio.FIRST_COMPLETED)
            # Not cancelled: a round runs in a thread with a connection checked out, which a
            # cancel would leave running past the engine's disposal.
            recovering.clear()
            await recovery
            if stop in done and not worker.done():
                log.info(
                    "media worker %s: stopping after the running renders", settings.worker_name
                )
                worker.cancel()  # procrastinate stops fetching and waits for running jobs
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            stop.cancel()
            if worker.done() and not worker.cancelled():
                worker.result()  # a worker that failed (lost database) raises here
    finally:
        engine.dispose()


async def _recover_periodically(
    settings: WorkerSettings,
    factory: sessionmaker[Session],
    app: procrastinate.App,
    running: asyncio.Event,
) -> None:
    """Recover stalled tickets every third of the lease (and prune ended ones hourly) while
    ``running`` is set; a round under way is finished, never cut off."""
    interval = max(settings.lease_s / 3, 0.5)
    pruned_at = -math.inf
    while running.is_set():
        try:
            await asyncio.to_thread(
                recover_stalled, factory, settings.root, settings.lease_s, datetime.now(UTC)
            )
            if time.monotonic() - pruned_at >= PRUNE_EVERY_S:
                await prune_tickets(app)
                pruned_at = time.monotonic()
        except Exception as error:  # the next round tries again; the worker loop notices
            log.warning("media worker: recovering stalled jobs failed: %s", _one_line(error))
        deadline = time.monotonic() + interval
        while running.is_set() and time.monotonic() < deadline:
            await asyncio.sleep(min(0.1, interval))


async def prune_tickets(app: procrastinate.App) -> None:
    """Delete the tickets that ended more than ``KEEP_TICKETS_H`` hours ago: the media job's
    row keeps what people see, so the queue's own history need not grow for ever."""
    await app.job_manager.delete_old_jobs(
        nb_hours=KEEP_TICKETS_H,
        queue=QUEUE,
        include_failed=True,
        include_cancelled=True,
        include_aborted=True,
    )


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300] or type(error).__name__


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
