"""The scheduler service's jobs, as APScheduler calls them (``scheduler.jobs:publish`` …).

The job store keeps only a textual reference to each function, so a job has
no arguments: the database comes from ``configure()``, called once by the
service, and the fire time being run from ``run_context()``, set by the
service's executor after it claimed the fire time in the run ledger
(``SchedulerRun``). Every job reads the clock once and does its work in ONE
transaction, which also records the claim done: a run killed midway leaves
nothing behind but its claim, and the next leader runs that fire time again
(``recover``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from calendars import export, importer, ledger
from editorial import accounts, channels, outbox, reminders
from liaison import planning
from liaison import reminders as liaison_reminders
from media.jobs import Supervisor
from schedule import builder, publishing
from schedule.models import ScheduleBuild
from schedule.rebuild import hold_build_lock
from scheduler.models import RunStatus, SchedulerRun

log = logging.getLogger(__name__)

Work = Callable[[Session, datetime], int]
AfterCommit = Callable[[Session, datetime, int], object]

# Fault injection for the crash tests only: "JOB_ID=SECONDS" makes that job sleep after
# its work and before its commit, so a test can SIGKILL the process inside the transaction.
PAUSE_ENV = "TVCOLUMN_SCHEDULER_PAUSE_BEFORE_COMMIT"
RUNS_KEPT = timedelta(days=14)

RUNNER = f"{socket.gethostname()}:{os.getpid()}"
_factory: sessionmaker[Session] | None = None
_feeds_dir: Path | None = None
_media: Supervisor | None = None
_delivery = outbox.Settings()
_context = threading.local()


def configure(
    factory: sessionmaker[Session] | None,
    feeds_dir: Path | None = None,
    media: Supervisor | None = None,
    delivery: outbox.Settings | None = None,
) -> None:
    """Give the jobs their database, the static feeds' folder, the media workers'
    supervisor and how notifications are delivered (the service calls this once it
    leads)."""
    global _factory, _feeds_dir, _media, _delivery
    _factory = factory
    _feeds_dir = feeds_dir
    _media = media
    _delivery = delivery or outbox.Settings()


def _sessions() -> sessionmaker[Session]:
    if _factory is None:
        raise RuntimeError("scheduler.jobs is not configured: call configure() first")
    return _factory


@dataclass(frozen=True)
class RunContext:
    job_id: str
    fire_time: datetime
    claimed: bool = False  # the fire time's ledger row exists already (the executor made it)


@contextmanager
def run_context(job_id: str, fire_time: datetime, *, claimed: bool = True) -> Iterator[None]:
    """Tell the job run in this thread which job id and fire time it is."""
    _context.current = RunContext(job_id, fire_time, claimed)
    try:
        yield
    finally:
        _context.current = None


def _current(default_job_id: str) -> RunContext:
    found: RunContext | None = getattr(_context, "current", None)
    return found or RunContext(default_job_id, datetime.now(UTC))


# --- running one fire time ------------------------------------------------------------------


def run_once(
    default_job_id: str, work: Work, after_commit: AfterCommit | None = None
) -> int | None:
    """Do the work of the current fire time in one transaction and record it done.

    The fire time is claimed first if nobody has (a job called outside the
    service). Returns what the work returned, or None if the fire time was
    run elsewhere or the work failed. A failure rolls the work back, is logged
    and is recorded in the ledger; it is not retried.

    ``after_commit`` is the run's side effect outside the database (files):
    it runs once the work committed, with a new session, and if it raises
    the run is recorded failed with the reason (the work stays committed).
    """
    ctx = _current(default_job_id)
    factory = _sessions()
    if not ctx.claimed and not claim(ctx.job_id, ctx.fire_time):
        return None
    try:
        with factory.begin() as session:
            now = datetime.now(UTC)
            if not _take(session, ctx, now):
                log.warning("%s at %s was finished by another scheduler; skipped", *_label(ctx))
                return None
            result = work(session, now)
            _pause_for_crash_tests(ctx.job_id)
            # The work's ``now`` is when it started; the ledger records when it ended.
            _finish(session, ctx, RunStatus.DONE, datetime.now(UTC), result=result)
    except Exception as error:
        log.exception("%s at %s failed; its transaction was rolled back", *_label(ctx))
        _record_failure(factory, ctx, error)
        return None
    if after_commit is not None:
        try:
            with factory() as session:
                after_commit(session, datetime.now(UTC), result)
        except Exception as error:
            log.exception("%s at %s: committed, but what follows the commit failed", *_label(ctx))
            _record_failure(factory, ctx, error, was=RunStatus.DONE, result=result)
            return None
    level = logging.INFO if result else logging.DEBUG
    log.log(level, "%s at %s done: %d changed", *_label(ctx), result)
    return result


def _label(ctx: RunContext) -> tuple[str, str]:
    return ctx.job_id, f"{ctx.fire_time.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"


def claim(job_id: str, fire_time: datetime) -> bool:
    """Record that this scheduler runs ``job_id`` at ``fire_time``; False if one already did.

    The service claims a fire time before APScheduler moves the job's next run
    time on, so at every moment a fire time is either still due in the job
    store or claimed here: a leader killed in between loses none.
    """
    try:
        with _sessions().begin() as session:
            session.add(
                SchedulerRun(
                    job_id=job_id,
                    fire_time=fire_time,
                    runner=RUNNER,
                    status=RunStatus.RUNNING,
                    started_at=datetime.now(UTC),
                )
            )
    except IntegrityError:
        ctx = RunContext(job_id, fire_time)
        log.warning("%s at %s was already claimed by another scheduler; skipped", *_label(ctx))
        return False
    return True


def record_missed(job_id: str, fire_time: datetime, why: str) -> None:
    """A fire time APScheduler did not run: too late for its misfire grace, or its job's
    previous run had not ended. Recorded, so that no fire time disappears unseen."""
    now = datetime.now(UTC)
    # IntegrityError: another scheduler has this fire time in the ledger already.
    with contextlib.suppress(IntegrityError), _sessions().begin() as session:
        if _finish(session, RunContext(job_id, fire_time), RunStatus.MISSED, now, detail=why):
            return
        session.add(
            SchedulerRun(
                job_id=job_id,
                fire_time=fire_time,
                runner=RUNNER,
                status=RunStatus.MISSED,
                started_at=now,
                finished_at=now,
                detail=why,
            )
        )


def _take(session: Session, ctx: RunContext, now: datetime) -> bool:
    """Start the run's transaction by writing its claim: a row lock on PostgreSQL, and on
    SQLite the write lock taken before any read (a read-then-write transaction fails with
    "database is locked" when another connection, such as the job store's, wrote between)."""
    result = session.execute(
        update(SchedulerRun)
        .where(
            SchedulerRun.job_id == ctx.job_id,
            SchedulerRun.fire_time == ctx.fire_time,
            SchedulerRun.status == RunStatus.RUNNING,
        )
        .values(runner=RUNNER, started_at=now)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def _finish(
    session: Session,
    ctx: RunContext,
    status: RunStatus,
    now: datetime,
    *,
    result: int | None = None,
    detail: str = "",
    was: RunStatus = RunStatus.RUNNING,
) -> bool:
    """Close the fire time's claim; False if it had none (or it was closed already).
    ``was`` DONE: a run whose side effect after the commit failed becomes failed."""
    done = session.execute(
        update(SchedulerRun)
        .where(
            SchedulerRun.job_id == ctx.job_id,
            SchedulerRun.fire_time == ctx.fire_time,
            SchedulerRun.status == was,
        )
        .values(status=status, runner=RUNNER, finished_at=now, result=result, detail=detail)
    )
    assert isinstance(done, CursorResult)
    return done.rowcount == 1


def _record_failure(
    factory: sessionmaker[Session],
    ctx: RunContext,
    error: Exception,
    *,
    was: RunStatus = RunStatus.RUNNING,
    result: int | None = None,
) -> None:
    try:
        with factory.begin() as session:
            detail = f"{type(error).__name__}: {error}"[:2000]
            _finish(
                session,
                ctx,
                RunStatus.FAILED,
                datetime.now(UTC),
                result=result,
                detail=detail,
                was=was,
            )
    except Exception:
        # The claim stays "running"; the next leader runs the fire time again.
        log.exception("could not record the failure of %s", ctx.job_id)


def _pause_for_crash_tests(job_id: str) -> None:
    target, _, seconds = os.environ.get(PAUSE_ENV, "").partition("=")
    if target == job_id:
        log.warning("%s: pausing %s s before commit (%s)", job_id, seconds, PAUSE_ENV)
        time.sleep(float(seconds))


def recover(job_funcs: Mapping[str, Callable[[], object]]) -> int:
    """Run again every fire time a previous leader claimed but never finished.

    Only the leader calls this, before its scheduler starts, so a ``running``
    claim can only be a dead scheduler's: its transaction was rolled back.
    """
    with _sessions()() as session:
        rows = session.execute(
            select(SchedulerRun.job_id, SchedulerRun.fire_time)
            .where(SchedulerRun.status == RunStatus.RUNNING)
            .order_by(SchedulerRun.fire_time)
        ).all()
    for job_id, fire_time in rows:
        ctx = RunContext(job_id, fire_time)
        if job_id not in job_funcs:
            log.warning("unfinished run of unknown job %s at %s left as it is", *_label(ctx))
            continue
        log.warning("%s at %s: its scheduler died mid-run; running it again", *_label(ctx))
        with run_context(job_id, fire_time):
            job_funcs[job_id]()
    return len(rows)


# --- the jobs ---------------------------------------------------------------------------------


def rebuild() -> int | None:
    """Nightly: rebuild the draft schedule whatever changed (the horizon moves on)."""
    return run_once("rebuild-nightly", _rebuild)


def rebuild_if_changed() -> int | None:
    """Poll: rebuild soon after an approval, a pull, a hand act on an airing or a slot or
    stop-date change, and only then."""
    return run_once("rebuild-on-change", rebuild_when_changed)


def publish() -> int | None:
    """Poll: publish the drafts that entered the frozen horizon."""
    return run_once("publish-frozen", publishing.publish_frozen)


def mark_aired() -> int | None:
    """Poll: airings that have ended become aired."""
    return run_once("mark-aired", publishing.mark_aired)


def remind() -> int | None:
    """Poll: review-deadline reminders (notifications shown by the pages)."""
    return run_once("review-reminders", reminders.review_reminders)


def deliver() -> int | None:
    """Poll: route new notifications into deliveries and claim the due ones (the run's
    transaction), then send them outside any transaction, recording each outcome in a
    transaction of its own (``editorial.outbox``). A mail server or robot that fails
    fails that delivery, retried later; only a failure of the job itself fails the run."""
    settings = _delivery
    claimed: list[outbox.Outgoing] = []

    def route_and_claim(session: Session, now: datetime) -> int:
        routed = outbox.route(session, now, settings)
        claimed.extend(outbox.claim(session, now, settings))
        return routed + len(claimed)

    def send(session: Session, _now: datetime, _result: int) -> None:
        send_claimed(session, claimed, settings)

    return run_once("deliver-notifications", route_and_claim, send)


def send_claimed(
    session: Session, claimed: list[outbox.Outgoing], settings: outbox.Settings
) -> int:
    """Send each claimed delivery and record its outcome at once; how many were sent."""
    sent = 0
    with channels.Sender(settings) as sender:
        for message in claimed:
            error = sender.send(message, datetime.now(UTC))
            with session.begin():
                outbox.record(session, message.id, datetime.now(UTC), settings, error)
            if error is None:
                sent += 1
            else:
                log.warning("delivery %d (%s) failed: %s", message.id, message.channel, error)
    if claimed:
        log.info("deliveries: %d sent, %d failed", sent, len(claimed) - sent)
    return sent


def remind_liaison() -> int | None:
    """Poll: liaison reminders: a meeting two weeks ahead, a column behind its target with
    a month of the priority's window left (liaison.reminders)."""
    return run_once("liaison-reminders", liaison_reminders.remind)


def import_feeds() -> int | None:
    """Hourly: import every active county feed source; a source that fails keeps its last
    good import and records why. The sources are fetched before the run's transaction, so
    no database lock is held while a slow county server answers (SQLite has one writer)."""
    with _sessions()() as session:
        planned = importer.plan_fetches(session, datetime.now(UTC))
    fetched = importer.fetch_all(planned)
    return run_once("import-feeds", lambda s, now: importer.store_fetched(s, now, fetched))


def sync_feeds() -> int | None:
    """Poll: bring the feed ledger in step with the schedule; after the commit, write the
    static feeds and the stamp the web processes watch (calendars.export) whenever they
    are not in step with the ledger and the day. A write that fails (a read-only folder,
    a full disk) records the run failed with the reason and is tried again every poll."""
    directory = _feeds_dir
    if directory is None:
        return run_once("sync-feeds", ledger.sync)

    def write_files(session: Session, now: datetime, _changed: int) -> None:
        try:
            export.refresh(session, now, directory)
        except OSError as error:
            raise FeedsNotWritten(f"feed files in {directory} not written: {error}") from error

    return run_once("sync-feeds", ledger.sync, after_commit=write_files)


class FeedsNotWritten(OSError):
    """The ledger was synced and committed, but the static feed files were not written."""


def media_work() -> int | None:
    """Poll: start media workers for queued review material and packaging, reap the
    finished, stop the overdue (media.jobs); how many workers run. Without a supervisor
    (media workers take the jobs on PostgreSQL) the run is recorded done, having none."""
    supervisor = _media
    if supervisor is None:  # media workers do the jobs (PostgreSQL): the run has nothing to do
        return run_once("media-work", lambda session, now: 0)
    return run_once("media-work", lambda session, now: supervisor.tick(session, now))


def stop_media_workers() -> None:
    if _media is not None:
        _media.stop_all()


def prune_runs() -> int | None:
    """Daily: forget ledger rows older than two weeks."""
    return run_once("prune-runs", _prune_runs)


def _prune_runs(session: Session, now: datetime) -> int:
    result = session.execute(
        delete(SchedulerRun).where(
            SchedulerRun.started_at < now - RUNS_KEPT, SchedulerRun.status != RunStatus.RUNNING
        )
    )
    assert isinstance(result, CursorResult)
    return result.rowcount


def forget_sign_ins() -> int | None:
    """Daily: forget stale sign-in throttle counts and sign-ins older than 90 days."""
    return run_once("forget-sign-ins", accounts.forget_old)


def _rebuild(session: Session, now: datetime) -> int:
    hold_build_lock(session, wait=True)
    return _build(session, now, inputs_fingerprint(session))


def rebuild_when_changed(session: Session, now: datetime) -> int:
    """The poll's work: rebuild if the builder's inputs changed since the last build (an
    approval, a pull from air, a stop date added or removed, a hand act on an airing);
    the build also cancels what may no longer air (``schedule.cancellations``). A person
    applying a rebuild (「立即编排」, ``schedule.rebuild``) holds the same lock."""
    hold_build_lock(session, wait=True)
    fingerprint = inputs_fingerprint(session)
    last = session.scalar(
        select(ScheduleBuild.fingerprint).order_by(ScheduleBuild.id.desc()).limit(1)
    )
    if last == fingerprint:
        return 0
    return _build(session, now, fingerprint)


def _build(session: Session, now: datetime, fingerprint: str) -> int:
    result = builder.build(session, now, settings=planning.build_settings(session, now))
    result.fingerprint = fingerprint
    session.flush()
    log.info(
        "schedule rebuilt (build %d): %d airings, %d unscheduled",
        result.id,
        result.airings,
        result.unscheduled,
    )
    return 1


def inputs_fingerprint(session: Session) -> str:
    """The digest of the builder's inputs (``schedule.builder.inputs_fingerprint``) with
    the liaison office's priorities, which the service passes to the builder."""
    return builder.inputs_fingerprint(session, planning.fingerprint(session))
