"""Review material and packaging, made in worker processes the scheduler service starts.

A job is queued in the database (``service.request_job``). The scheduler
service's ``media-work`` poll calls :meth:`Supervisor.tick`: it starts one
worker process (``python -m media.worker JOB``) per queued job up to its
limit, reaps finished workers, and stops a worker whose job ran past its
timeout (the whole process group, so its ffmpeg goes too). The worker calls
:func:`run`, which writes progress to the job row as it goes, so the page and
``tvcolumn media status`` show it, and the outcome at the end.

Renders never keep the web waiting and never run inside the service's one
job thread: a thirty-minute proxy would hold back every rebuild and publish.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, and_, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from editorial.permissions import TERMINAL
from media.errors import MediaError
from media.models import (
    ACTIVE_JOB_STATES,
    ColumnPackaging,
    JobKind,
    JobState,
    MediaJob,
    MediaVersion,
)

log = logging.getLogger(__name__)

GRACE_S = 30  # the worker enforces the timeout itself; the supervisor kills this much later
PROGRESS_EVERY_S = 1.0
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Outcome:
    state: JobState
    outputs: dict[str, str]
    error: str | None


def claim(
    session: Session, job_id: int, pid: int | None, now: datetime, task_id: int | None = None
) -> int | None:
    """Mark a queued job running; its new attempt number, or None if someone else took it.

    ``task_id`` is the task engine's job the attempt runs for (procrastinate's), if any."""
    taken = session.execute(
        update(MediaJob)
        .where(MediaJob.id == job_id, MediaJob.state == JobState.QUEUED)
        .values(
            state=JobState.RUNNING,
            started_at=now,
            worker_pid=pid,
            worker=f"{socket.gethostname()}:{pid}" if pid is not None else None,
            attempt=MediaJob.attempt + 1,
            task_id=task_id,
            step="",
            progress=0.0,
        )
        .returning(MediaJob.attempt)
    )
    return taken.scalar_one_or_none()


def finish(
    session: Session,
    job_id: int,
    outcome: Outcome,
    now: datetime,
    attempt: int | None = None,
    *,
    worker: str | None = None,
) -> bool:
    """Record a job's outcome unless it has one already (or, given ``attempt`` or
    ``worker``, unless another attempt or render process runs it now); whether it was."""
    values: dict[str, object] = {
        "state": outcome.state,
        "finished_at": now,
        "outputs": outcome.outputs or None,
        "error": outcome.error,
    }
    if outcome.state is JobState.DONE:
        values["progress"] = 1.0
    query = update(MediaJob).where(MediaJob.id == job_id, MediaJob.state.in_(ACTIVE_JOB_STATES))
    if attempt is not None:
        query = query.where(MediaJob.attempt == attempt)
    if worker is not None:
        query = query.where(held_by(job_id, worker))
    done = session.execute(query.values(**values))
    return bool(getattr(done, "rowcount", 0))


def held_by(job_id: int, worker: str) -> ColumnElement[bool]:
    """The job runs in the render process ``worker`` ("host:pid")."""
    return and_(
        MediaJob.id == job_id, MediaJob.state == JobState.RUNNING, MediaJob.worker == worker
    )


def note(session: Session, job_id: int, line: str, attempt: int | None = None) -> None:
    """Add a line to the job's log (what it chose and why), in the caller's transaction."""
    query = update(MediaJob).where(MediaJob.id == job_id)
    if attempt is not None:
        query = query.where(MediaJob.attempt == attempt)
    current = func.coalesce(MediaJob.log + "\n", "")
    session.execute(query.values(log=current + line))


def review_outputs(version: MediaVersion) -> dict[str, str]:
    """Where a version's review material lives, relative to the media folder, in the order
    it is made (the poster frame is taken from the proxy)."""
    folder = f"review/{version.sha256[:2]}/{version.sha256}"
    return {
        "contact_sheet": f"{folder}/contact.jpg",
        "proxy": f"{folder}/proxy.mp4",
        "poster": f"{folder}/poster.jpg",
    }


def package_output(version: MediaVersion, packaging: ColumnPackaging, part: int | None) -> str:
    """The packaged master's path: it changes with the master, the clips or the part."""
    key = f"{packaging.opening_sha256[:12]}-{packaging.closing_sha256[:12]}-{part or 0}"
    return f"packaged/{version.sha256[:2]}/{version.sha256}-{key}.mp4"


def run(
    factory: sessionmaker[Session],
    job_id: int,
    root: Path,
    clock: Clock,
    report: Callable[[str, float], None] | None = None,
    task_id: int | None = None,
) -> Outcome | None:
    """Claim a queued job, do it to its end and record the outcome; the worker's whole life.

    None if the job was not queued (someone else took it). Each progress write
    and the outcome are their own short transactions, so a long render holds
    no database lock.
    """
    with factory.begin() as session:
        attempt = claim(session, job_id, os.getpid(), clock(), task_id)
    if attempt is None:
        return None
    with factory() as session:
        job = session.get(MediaJob, job_id)
        assert job is not None
        version = job.media_version
        episode = version.episode
        kind, timeout_s = job.kind, job.timeout_s
        ended = episode.state.value if episode.state in TERMINAL else None
        started = job.started_at or clock()
        source = root / version.stored_as
        duration = float((version.probe or {}).get("duration") or 0.0)
        if kind is JobKind.REVIEW:
            plan: dict[str, str] = review_outputs(version)
            clips: tuple[Path, Path] | None = None
            caption = None
        else:
            packaging = session.get(ColumnPackaging, episode.column_id)
            if packaging is None:
                plan, clips, caption = {}, None, None
            else:
                part = episode.part_number if episode.series_id is not None else None
                plan = {"packaged": package_output(version, packaging, part)}
                clips = (root / packaging.opening_stored_as, root / packaging.closing_stored_as)
                caption = _series_caption(part) if part else None

    deadline = time.monotonic() + max(1.0, timeout_s - (clock() - started).total_seconds())
    progress = _ProgressWriter(factory, job_id, attempt, report)

    def write_note(line: str) -> None:
        log.info("media job %s: %s", job_id, line)
        with factory.begin() as session:
            note(session, job_id, line, attempt)

    done: dict[str, str] = {}
    try:
        if ended is not None:
            raise MediaError(
                f"the episode is {ended}: nothing is made for it any more", code="episode_ended"
            )
        if not source.is_file():
            raise MediaError(
                f"the master {version.stored_as} is not in the media folder {root} on this "
                "machine: is the shared media folder mounted here?",
                code="master_missing",
            )
        if not plan:
            raise MediaError("the column has no opening and closing clips", code="no_packaging")
        for name, relative in plan.items():
            out = root / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise MediaError(f"the job took longer than {timeout_s} s", code="timeout")
            if out.exists():  # made before for the same content: nothing to do
                done[name] = relative
                continue
            made_from = root / plan["proxy"] if name == "poster" else source
            _render(name, made_from, out, duration, clips, caption, remaining, progress, write_note)
            done[name] = relative
        outcome = Outcome(JobState.DONE, done, None)
    except MediaError as error:
        outcome = Outcome(JobState.FAILED, done, error.message)
    except Exception as error:
        log.exception("media job %s failed", job_id)
        outcome = Outcome(JobState.FAILED, done, f"{type(error).__name__}: {error}")
    with factory.begin() as session:
        finish(session, job_id, outcome, clock(), attempt)
    return outcome


# The share of a job's progress each step takes, by what it costs.
_STEP_SHARE = {
    "contact_sheet": (0.0, 0.1),
    "proxy": (0.1, 0.98),
    "poster": (0.98, 1.0),
    "packaged": (0.0, 1.0),
}


def _render(
    name: str,
    source: Path,
    out: Path,
    duration: float,
    clips: tuple[Path, Path] | None,
    caption: str | None,
    timeout: float,
    progress: _ProgressWriter,
    write_note: Callable[[str], None],
) -> None:
    from media import render  # moviepy and friends: loaded by workers, not by web processes

    low, high = _STEP_SHARE[name]

    def step(fraction: float) -> None:
        progress(name, low + (high - low) * min(max(fraction, 0.0), 1.0))

    step(0.0)
    if name == "contact_sheet":
        render.contact_sheet(source, out, duration=duration, timeout=timeout, progress=step)
    elif name == "proxy":
        font = render.cjk_font()
        render.review_proxy(
            source, out, duration=duration, font=font, timeout=timeout, progress=step
        )
    elif name == "poster":  # ``source`` is the proxy
        render.poster_frame(source, out, duration=duration, timeout=timeout, progress=step)
    else:
        assert clips is not None
        font = render.cjk_font()
        render.package(
            source,
            clips[0],
            clips[1],
            out,
            caption=caption,
            font=font,
            timeout=timeout,
            progress=step,
            note=write_note,  # which path (stream copy or re-encoding), why, and the checks
        )
    step(1.0)


def _series_caption(part: int) -> str:
    from media import render  # moviepy: loaded by workers, not by web processes

    return render.series_caption(part)


class _ProgressWriter:
    """Writes a job's step and progress at most once a second, in its own transaction."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        job_id: int,
        attempt: int,
        report: Callable[[str, float], None] | None,
    ) -> None:
        self._factory, self._job_id, self._report = factory, job_id, report
        self._attempt = attempt
        self._last = 0.0
        self._step = ""

    def __call__(self, step: str, fraction: float) -> None:
        if self._report is not None:
            self._report(step, fraction)
        moment = time.monotonic()
        if step == self._step and moment - self._last < PROGRESS_EVERY_S and fraction < 1.0:
            return
        self._step, self._last = step, moment
        with self._factory.begin() as session:
            session.execute(
                update(MediaJob)
                .where(
                    MediaJob.id == self._job_id,
                    MediaJob.state == JobState.RUNNING,
                    MediaJob.attempt == self._attempt,
                )
                .values(step=step, progress=round(fraction, 4))
            )


class Supervisor:
    """Starts, reaps and stops worker processes; lives in the scheduler service.

    ``tick`` works in the caller's transaction: a worker claims its job itself
    (in its own transaction), so nothing here waits for a commit, and a job
    whose worker is starting is known by ``workers``.
    """

    def __init__(
        self,
        database_url: str,
        root: Path,
        max_workers: int = 1,
        command: tuple[str, ...] = (sys.executable, "-m", "media.worker"),
    ) -> None:
        self.database_url, self.root, self.max_workers = database_url, root, max_workers
        self.command = command
        self.workers: dict[int, subprocess.Popen[bytes]] = {}

    def tick(self, session: Session, now: datetime) -> int:
        """Reap, stop the overdue, start what is queued; how many workers run now."""
        self._reap(session, now)
        self._stop_overdue(session, now)
        self._start(session)
        return len(self.workers)

    def stop_all(self) -> None:
        """Stop every worker (service shutdown); their jobs fail at the next tick."""
        for process in self.workers.values():
            _kill_group(process.pid)
            process.wait()
        self.workers.clear()

    def _reap(self, session: Session, now: datetime) -> None:
        for job_id, process in list(self.workers.items()):
            if process.poll() is None:
                continue
            del self.workers[job_id]
            # A worker that died without recording its outcome leaves the job unfinished.
            reason = f"the worker process ended unexpectedly (exit status {process.returncode})"
            finish(session, job_id, Outcome(JobState.FAILED, {}, reason), now)
            remove_partial(session, job_id, self.root)

    def _stop_overdue(self, session: Session, now: datetime) -> None:
        running = session.scalars(select(MediaJob).where(MediaJob.state == JobState.RUNNING))
        for job in running.all():
            started = job.started_at or now
            overdue = now - started > timedelta(seconds=job.timeout_s + GRACE_S)
            ours = self.workers.get(job.id)
            orphan = ours is None and not _alive(job.worker_pid)
            if not overdue and not orphan:
                continue
            if ours is not None:
                _kill_group(ours.pid)
                ours.wait()
                del self.workers[job.id]
            elif job.worker_pid is not None and _alive(job.worker_pid):
                _kill_group(job.worker_pid)
            reason = (
                f"stopped: it ran longer than {job.timeout_s} s"
                if overdue
                else "its worker process is gone (the service restarted)"
            )
            finish(session, job.id, Outcome(JobState.FAILED, job.outputs or {}, reason), now)
            remove_partial(session, job.id, self.root)

    def _start(self, session: Session) -> None:
        if len(self.workers) >= self.max_workers:
            return
        queued = session.scalars(
            select(MediaJob.id)
            .where(MediaJob.state == JobState.QUEUED, MediaJob.id.not_in(list(self.workers)))
            .order_by(MediaJob.requested_at, MediaJob.id)
            .limit(self.max_workers - len(self.workers))
        ).all()
        for job_id in queued:
            self.workers[job_id] = subprocess.Popen(
                [*self.command, str(job_id)],
                env={
                    **os.environ,
                    "TVCOLUMN_DATABASE_URL": self.database_url,
                    "TVCOLUMN_MEDIA_DIR": str(self.root),
                },
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group: a stop takes its ffmpeg too
            )


def remove_partial(session: Session, job_id: int, root: Path) -> None:
    """Remove the temporary files a killed worker's renders left next to their outputs."""
    job = session.get(MediaJob, job_id)
    if job is None:
        return
    version = job.media_version
    if job.kind is JobKind.REVIEW:
        planned = list(review_outputs(version).values())
    else:
        packaging = session.get(ColumnPackaging, version.episode.column_id)
        part = version.episode.part_number
        planned = [package_output(version, packaging, part)] if packaging else []
    from media import render  # moviepy: loaded by workers, not by web processes

    for relative in planned:
        for leftover in render.leftovers(root / relative):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
