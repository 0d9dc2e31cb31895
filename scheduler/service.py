"""The scheduler service, ``tvcolumn scheduler run``: APScheduler 3's
BlockingScheduler in a process of its own, never inside a web worker
(docs/decisions/0001).

Restart safety, job by job:

- ``coalesce=True`` everywhere: however many fire times were missed while no
  scheduler ran, a job runs once when one is back (all jobs are idempotent,
  so once is enough and more would only repeat work).
- ``misfire_grace_time``: the default for every job is ``None`` (run however
  late). APScheduler 3's own default of one second silently skips a run that
  is late by more than that and deletes a date job from the store. Only the
  pollers get a grace, of one poll interval: a poll that waited longer than
  that behind a long rebuild is skipped because the next one is due anyway.
- A job's stored next run time survives a restart: ``add_job(...,
  replace_existing=True)`` would recompute it from the trigger and so drop a
  nightly run missed while the service was down, so ``sync_jobs`` passes the
  stored time on when the trigger is unchanged.
- One worker thread: runs never overlap, so a rebuild and a publish never race.
"""

from __future__ import annotations

import concurrent.futures
import logging
import os
import signal
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED
from apscheduler.executors.base import BaseExecutor, MaxInstancesReachedError, run_job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from apscheduler.util import ref_to_obj
from sqlalchemy import Engine

from editorial import outbox
from editorial.db import make_engine, make_sessionmaker
from media.jobs import Supervisor
from scheduler import jobs, leader

log = logging.getLogger(__name__)

SHANGHAI = ZoneInfo("Asia/Shanghai")
JOB_TABLE = "apscheduler_jobs"
DEFAULT_POLL_SECONDS = 30
MEDIA_POLL_SECONDS = 10  # a new upload's review material starts within this
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # a textual reference, so the job store can persist the job
    trigger: Any
    misfire_grace_time: int | None


def job_specs(poll_seconds: int = DEFAULT_POLL_SECONDS) -> list[JobSpec]:
    """The service's jobs; the README's table describes them."""

    def poll() -> IntervalTrigger:
        return IntervalTrigger(seconds=poll_seconds, timezone=SHANGHAI)

    return [
        JobSpec(
            "rebuild-nightly",
            "scheduler.jobs:rebuild",
            CronTrigger(hour=2, minute=0, timezone=SHANGHAI),
            None,
        ),
        JobSpec("rebuild-on-change", "scheduler.jobs:rebuild_if_changed", poll(), poll_seconds),
        JobSpec("publish-frozen", "scheduler.jobs:publish", poll(), poll_seconds),
        JobSpec("mark-aired", "scheduler.jobs:mark_aired", poll(), poll_seconds),
        JobSpec("review-reminders", "scheduler.jobs:remind", poll(), poll_seconds),
        JobSpec("liaison-reminders", "scheduler.jobs:remind_liaison", poll(), poll_seconds),
        JobSpec("sync-feeds", "scheduler.jobs:sync_feeds", poll(), poll_seconds),
        JobSpec("deliver-notifications", "scheduler.jobs:deliver", poll(), poll_seconds),
        JobSpec(
            "media-work",
            "scheduler.jobs:media_work",
            IntervalTrigger(seconds=min(poll_seconds, MEDIA_POLL_SECONDS), timezone=SHANGHAI),
            min(poll_seconds, MEDIA_POLL_SECONDS),
        ),
        JobSpec(
            "import-feeds",
            "scheduler.jobs:import_feeds",
            IntervalTrigger(hours=1, timezone=SHANGHAI),
            None,
        ),
        JobSpec(
            "prune-runs",
            "scheduler.jobs:prune_runs",
            CronTrigger(hour=3, minute=30, timezone=SHANGHAI),
            None,
        ),
        JobSpec(
            "forget-sign-ins",
            "scheduler.jobs:forget_sign_ins",
            CronTrigger(hour=3, minute=40, timezone=SHANGHAI),
            None,
        ),
    ]


class SerialExecutor(BaseExecutor):  # type: ignore[misc]
    """Runs jobs one at a time on one thread, each fire time claimed in the run ledger.

    APScheduler's own executors call the job function with no way to learn
    which fire time it is running; the run ledger keys on it.
    """

    def __init__(self) -> None:
        super().__init__()
        self._pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="scheduler-job")

    def submit_job(self, job: Any, run_times: list[datetime]) -> None:
        try:
            super().submit_job(job, run_times)
        except MaxInstancesReachedError:
            for run_time in run_times:
                jobs.record_missed(job.id, run_time, "its previous run had not ended")
            raise

    def _do_submit_job(self, job: Any, run_times: list[datetime]) -> None:
        # Claimed here, in the scheduler's thread, before APScheduler stores the next run time.
        claimed = [t for t in run_times if jobs.claim(job.id, t)]
        future = self._pool.submit(self._run, job, claimed)
        future.add_done_callback(lambda f: self._done(job.id, f))

    def _run(self, job: Any, run_times: list[datetime]) -> list[Any]:
        events: list[Any] = []
        for run_time in run_times:
            with jobs.run_context(job.id, run_time):
                events += run_job(job, job._jobstore_alias, [run_time], self._logger.name)
            if events and events[-1].code == EVENT_JOB_MISSED:
                late = datetime.now(UTC) - run_time
                jobs.record_missed(job.id, run_time, f"late by {late}, past its misfire grace")
        return events

    def _done(self, job_id: str, future: concurrent.futures.Future[list[Any]]) -> None:
        error = future.exception()
        if error is None:
            self._run_job_success(job_id, future.result())
        else:
            self._run_job_error(job_id, error, error.__traceback__)

    def shutdown(self, wait: bool = True) -> None:
        self._pool.shutdown(wait)


class ServiceScheduler(BlockingScheduler):  # type: ignore[misc]
    """A BlockingScheduler that stops between two rounds of job processing.

    ``shutdown()`` called from a signal handler can land in the middle of a
    round, after a fire time was claimed and before it was handed to the
    executor; ``request_stop()`` lets the round finish first. (It hooks the
    private ``_process_jobs`` of APScheduler 3.11, pinned in pyproject.toml.)
    """

    _stop_requested = False

    def request_stop(self) -> None:
        self._stop_requested = True
        self.wakeup()

    def _process_jobs(self) -> float | None:
        if self._stop_requested:
            self.shutdown(wait=False)  # the main loop ends; a running job finishes
            return None
        wait_seconds: float | None = super()._process_jobs()
        return wait_seconds


def build_scheduler(
    engine: Engine, specs: list[JobSpec], executor: SerialExecutor
) -> ServiceScheduler:
    """A scheduler on the database's job store with the service's jobs in it."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    scheduler = ServiceScheduler(
        jobstores={"default": store},
        executors={"default": executor},
        job_defaults=JOB_DEFAULTS,
        timezone=SHANGHAI,
    )
    store.start(scheduler, "default")
    sync_jobs(scheduler, store, specs)
    return scheduler


def sync_jobs(
    scheduler: BlockingScheduler, store: SQLAlchemyJobStore, specs: list[JobSpec]
) -> None:
    """Make the store hold exactly ``specs``, keeping each unchanged job's next run time."""
    stored = {job.id: job for job in store.get_all_jobs()}
    for spec in specs:
        old = stored.pop(spec.id, None)
        keep = {}
        if old is not None and _schedule_of(old.trigger) == _schedule_of(spec.trigger):
            keep["next_run_time"] = old.next_run_time
        scheduler.add_job(
            spec.func,
            spec.trigger,
            id=spec.id,
            name=spec.id,
            misfire_grace_time=spec.misfire_grace_time,
            replace_existing=True,
            **keep,
        )
    for job_id in stored:
        log.warning("removing job %s from the store: this version does not define it", job_id)
        store.remove_job(job_id)


def _schedule_of(trigger: Any) -> str:
    # str() names the fields (interval, cron) but not the zone, repr() a start date that moves.
    return f"{trigger} {getattr(trigger, 'timezone', '')}"


@dataclass(frozen=True)
class JobInfo:
    id: str
    trigger: str
    next_run_time: datetime | None
    misfire_grace_time: int | None


def persisted_jobs(engine: Engine) -> list[JobInfo]:
    """The jobs in the store as the leader left them (for ``tvcolumn scheduler jobs``)."""
    store = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)
    store.start(BlockingScheduler(timezone=SHANGHAI), "default")
    return [
        JobInfo(job.id, str(job.trigger), job.next_run_time, job.misfire_grace_time)
        for job in store.get_all_jobs()
    ]


class _Stop(BaseException):
    """SIGTERM or SIGINT while waiting as standby (not an error a job may catch)."""


class LeaderWatch:
    """Exits the process at once if the leader lock is lost, so two never run."""

    def __init__(self, lease: leader.Lease, every_seconds: float) -> None:
        self._lease = lease
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="leader-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            if not self._lease.held():
                log.critical("lost the leader lock; exiting now so that two schedulers never run")
                os._exit(70)


class Service:
    """One ``tvcolumn scheduler run``: standby, then leader until told to stop."""

    def __init__(
        self,
        url: str,
        poll_seconds: int,
        retry_seconds: float,
        watch_seconds: float,
        feeds_dir: Path | None = None,
        media_dir: Path | None = None,
        delivery: outbox.Settings | None = None,
    ) -> None:
        self.url = url
        self.feeds_dir = feeds_dir
        self.media_dir = media_dir
        self.delivery = delivery or outbox.Settings()
        self.specs = job_specs(poll_seconds)
        self.retry_seconds = retry_seconds
        self.watch_seconds = watch_seconds
        self.scheduler: ServiceScheduler | None = None
        self.executor = SerialExecutor()
        self.leading = False
        self.stopping = threading.Event()  # set by a signal handler, at any moment

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("%s: stopping", signal.Signals(signum).name)
        self.stopping.set()
        if not self.leading:
            raise _Stop
        if self.scheduler is not None:
            self.scheduler.request_stop()

    def run(self) -> None:
        lease = leader.lease_for(self.url)
        try:
            leader.wait_for_leadership(lease, self.retry_seconds)
        except _Stop:
            lease.release()
            return
        self.leading = True
        watch = LeaderWatch(lease, self.watch_seconds)
        watch.start()
        engine = make_engine(self.url)
        try:
            self._lead(engine)
        finally:
            self.executor.shutdown(wait=True)  # hold the lock until a running job has ended
            jobs.stop_media_workers()
            watch.stop()
            lease.release()
            engine.dispose()

    def _lead(self, engine: Engine) -> None:
        media = None
        if self.media_dir is not None:
            media = Supervisor(self.url, self.media_dir)
        jobs.configure(make_sessionmaker(engine), self.feeds_dir, media, self.delivery)
        jobs.recover({spec.id: ref_to_obj(spec.func) for spec in self.specs})
        if self.stopping.is_set():
            return
        scheduler = self.scheduler = build_scheduler(engine, self.specs, self.executor)
        if self.stopping.is_set():  # a signal came while the scheduler was being built
            scheduler.request_stop()
        scheduler.add_listener(self._started, EVENT_SCHEDULER_STARTED)
        scheduler.start()

    def _started(self, _event: object) -> None:
        assert self.scheduler is not None
        for job in self.scheduler.get_jobs():
            when = f"{job.next_run_time:%Y-%m-%d %H:%M:%S %Z}" if job.next_run_time else "paused"
            log.info("job %s: %s, next run %s", job.id, job.trigger, when)


def run(
    url: str,
    *,
    poll_seconds: int = DEFAULT_POLL_SECONDS,
    retry_seconds: float = 1.0,
    watch_seconds: float = 2.0,
    feeds_dir: Path | None = None,
    media_dir: Path | None = None,
    delivery: outbox.Settings | None = None,
) -> None:
    """Wait as standby until leading, recover unfinished runs, run the jobs until
    SIGTERM or SIGINT (a job still running is let finish first; media workers are
    stopped and their jobs marked failed by the next leader)."""
    service = Service(
        url, poll_seconds, retry_seconds, watch_seconds, feeds_dir, media_dir, delivery
    )
    signal.signal(signal.SIGTERM, service.on_signal)
    signal.signal(signal.SIGINT, service.on_signal)
    service.run()
