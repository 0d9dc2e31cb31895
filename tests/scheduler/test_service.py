"""`tvcolumn scheduler run` as real processes: two at once run each fire time
once; SIGKILL the leader and the standby takes over with no fire time lost or
run twice; SIGKILL during a build and the previous schedule is intact; a run
missed while the service was down runs once when it is back.

Every test here starts `tvcolumn scheduler run --poll-seconds 1` processes
against a database of its own (a fresh SQLite file, or a private schema on
PostgreSQL) and reads the run ledger (`scheduler_runs`) they write. No
process outlives its test. Each takes 2-7 s.
"""

from __future__ import annotations

import itertools
import os
import pickle
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as local_time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import migrations
from calendars import export
from editorial import people, workflow
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Column, Level, Person, Role
from editorial.workdays import SHANGHAI, local_date
from schedule import slots
from schedule.builder import build
from schedule.models import Airing, AiringStatus, ScheduleBuild, SlotKind
from scheduler import jobs
from scheduler.models import RunStatus, SchedulerRun, apscheduler_jobs
from tests.conftest import NOW, PG_URL, Crew, make_writable, walk_to_approved

TVCOLUMN = str(Path(sys.executable).with_name("tvcolumn"))
POLLERS = (
    "rebuild-on-change",
    "publish-frozen",
    "mark-aired",
    "review-reminders",
    "liaison-reminders",
)
CREW_ROLES = (Role.EDITOR_DIRECTOR, Role.PRODUCER, Role.REVIEWER, Role.FINAL_APPROVER, Role.ADMIN)


@dataclass
class ServiceDb:
    """A migrated database the scheduler processes and the test share."""

    url: str
    engine: Engine
    factory: sessionmaker[Session]


@pytest.fixture(
    name="service_db",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def service_db_fixture(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServiceDb]:
    schema = None
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
        schema = f"svc_{uuid.uuid4().hex[:10]}"
        admin = make_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        # In the URL, so the processes use the schema too (psycopg takes libpq's options).
        url = (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    else:
        url = f"sqlite:///{tmp_path / 'service.sqlite3'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    yield ServiceDb(url, engine, make_sessionmaker(engine))
    engine.dispose()
    if schema is not None:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


class Process:
    """A `tvcolumn scheduler run` process; its output is read as it comes."""

    def __init__(self, db: ServiceDb, tmp_path: Path, extra_env: dict[str, str]) -> None:
        env = {
            **os.environ,
            "TVCOLUMN_DATABASE_URL": db.url,
            "TVCOLUMN_INSTANCE_PATH": str(tmp_path),
            **extra_env,
        }
        self.proc = subprocess.Popen(
            [TVCOLUMN, "scheduler", "run", "--poll-seconds", "1"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.runner = f"{socket.gethostname()}:{self.proc.pid}"
        self.lines: list[tuple[float, str]] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append((time.monotonic(), line))

    def output(self) -> str:
        return "".join(line for _, line in self.lines)

    def said(self, needle: str) -> float | None:
        """When the process first printed ``needle`` (monotonic clock), or None."""
        return next((at for at, line in list(self.lines) if needle in line), None)

    def wait_for(self, needle: str, timeout: float = 15) -> float:
        deadline = time.monotonic() + timeout
        while (at := self.said(needle)) is None:
            assert self.proc.poll() is None, f"exited before {needle!r}:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {needle!r} in {timeout} s:\n{self.output()}"
            time.sleep(0.02)
        return at

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        """SIGTERM: a standby leaves at once, a leader after its running job."""
        self.proc.terminate()
        try:
            status = self.proc.wait(15)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 15 s after SIGTERM:\n{self.output()}")
        assert status == 0, self.output()
        self._reader.join(5)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._reader.join(5)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture
def spawn(service_db: ServiceDb, tmp_path: Path) -> Iterator[Callable[..., Process]]:
    started: list[Process] = []

    def start(**extra_env: str) -> Process:
        started.append(Process(service_db, tmp_path, extra_env))
        return started[-1]

    yield start
    for process in started:
        process.close()


def ledger(db: ServiceDb) -> list[SchedulerRun]:
    with db.factory() as session:
        return list(session.scalars(select(SchedulerRun).order_by(SchedulerRun.fire_time)))


def fire_times(db: ServiceDb, job_id: str, runner: str | None = None) -> list[datetime]:
    return [
        r.fire_time
        for r in ledger(db)
        if r.job_id == job_id and (runner is None or r.runner == runner)
    ]


def wait_until(condition: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.05)


SECOND, MS = timedelta(seconds=1), timedelta(milliseconds=1)


def assert_consecutive(times: list[datetime]) -> None:
    """One second apart (the poll): no fire time left out of the ledger."""
    assert all(abs(b - a - SECOND) < MS for a, b in itertools.pairwise(times)), times


def test_two_schedulers_started_together_run_each_fire_time_once(
    service_db: ServiceDb, spawn: Callable[..., Process]
) -> None:
    first, second = spawn(), spawn()
    wait_until(lambda: bool(first.said("became leader") or second.said("became leader")))
    leader, standby = (first, second) if first.said("became leader") else (second, first)
    standby.wait_for("waiting as standby")
    wait_until(lambda: len(fire_times(service_db, "publish-frozen")) >= 4)
    standby.stop()
    leader.stop()

    assert standby.said("became leader") is None
    runs = ledger(service_db)
    assert {r.runner for r in runs} == {leader.runner}
    assert all(r.status is not RunStatus.RUNNING for r in runs)
    for job_id in POLLERS:
        times = fire_times(service_db, job_id)
        assert len(times) >= 3, job_id
        assert_consecutive(times)  # none skipped, none twice
    for process in (leader, standby):
        assert "already run by another scheduler" not in process.output()


def test_the_standby_takes_over_within_seconds_when_the_leader_is_killed(
    service_db: ServiceDb, spawn: Callable[..., Process]
) -> None:
    old = spawn()
    old.wait_for("became leader")
    new = spawn()
    new.wait_for("waiting as standby")
    wait_until(lambda: len(fire_times(service_db, "publish-frozen")) >= 2)

    killed_at = time.monotonic()
    old.kill()
    leads = new.wait_for("became leader") - killed_at
    wait_until(lambda: bool(fire_times(service_db, "publish-frozen", new.runner)))
    runs_after = time.monotonic() - killed_at
    wait_until(lambda: len(fire_times(service_db, "publish-frozen", new.runner)) >= 3)
    new.stop()

    print(f"after SIGKILL: leader in {leads:.2f} s, first run in {runs_after:.2f} s")
    assert runs_after < 5
    runs = ledger(service_db)
    assert {r.runner for r in runs} == {old.runner, new.runner}
    assert all(r.status is not RunStatus.RUNNING for r in runs)  # a killed run was run again
    for job_id in POLLERS:
        times = fire_times(service_db, job_id)
        gaps = [b - a for a, b in itertools.pairwise(times) if abs(b - a - SECOND) > MS]
        # Only the fire times that came due while nobody led are missing: coalesced into
        # the new leader's first run. Every other fire time ran once (or is recorded missed).
        assert len(gaps) <= 1, (job_id, times)


@pytest.fixture(name="approve")
def approve_fixture(service_db: ServiceDb) -> Callable[[str], int]:
    """A column with a daily premiere slot from ten days on; approves an episode for it."""
    first_day = local_date(datetime.now(UTC)) + timedelta(days=10)
    with service_db.factory.begin() as s:
        column = people.create_column(
            s, NOW, slug="sjyc", name="时代风采", level=Level.CITY, station="市台", channel="综合"
        )
        team = {}
        for role in (*CREW_ROLES, Role.SCHEDULER):
            team[role] = people.create_person(s, NOW, username=role.value, display_name=role)
            people.grant_role(s, team[role], column, role, NOW)
        spec = slots.SlotSpec(
            "每日首播", SlotKind.PREMIERE, local_time(20), 1200, "FREQ=DAILY", first_day
        )
        slots.create_slot(s, team[Role.SCHEDULER], column, NOW, spec)
        column_id, ids = column.id, [team[role].id for role in CREW_ROLES]

    def approve(title: str) -> int:
        with service_db.factory.begin() as s:
            crew = Crew(s.get_one(Column, column_id), *(s.get_one(Person, i) for i in ids))
            proposal = workflow.Proposal(title, 1200, crew.producer)
            episode = workflow.propose(s, crew.director, crew.column, NOW, proposal)
            walk_to_approved(s, crew, episode)
            return episode.id

    return approve


def schedule(db: ServiceDb) -> list[tuple[int, int, datetime, AiringStatus, int]]:
    with db.factory() as session:
        rows = session.execute(
            select(Airing.id, Airing.episode_id, Airing.starts_at, Airing.status, Airing.revision)
            .where(Airing.status != AiringStatus.CANCELLED)
            .order_by(Airing.starts_at)
        )
        return [(i, ep, starts, status, rev) for i, ep, starts, status, rev in rows]


def builds(db: ServiceDb) -> int:
    with db.factory() as session:
        return session.scalar(select(func.count()).select_from(ScheduleBuild)) or 0


def test_sigkill_during_a_build_leaves_the_previous_schedule_and_the_next_leader_rebuilds(
    service_db: ServiceDb, spawn: Callable[..., Process], approve: Callable[[str], int]
) -> None:
    # The nightly rebuild (02:00) coming during the test would be a third build; the
    # processes read the real clock, so the test starts clear of it (it takes ~15-60 s).
    past_a_shanghai_time_about_to_come(datetime.now(UTC), local_time(2, 0), within=120)
    first = approve("初心如磐")
    with service_db.factory.begin() as s:
        build(s, datetime.now(UTC))
    previous = schedule(service_db)
    assert [row[1] for row in previous] == [first]
    second = approve("使命在肩")  # the service's poll sees the approval and rebuilds

    crashing = spawn(**{jobs.PAUSE_ENV: "rebuild-on-change=30"})
    crashing.wait_for("rebuild-on-change: pausing")  # built and flushed, not committed
    crashing.kill()
    assert schedule(service_db) == previous
    assert builds(service_db) == 1
    [claim] = [r for r in ledger(service_db) if r.job_id == "rebuild-on-change"]
    assert (claim.status, claim.runner) == (RunStatus.RUNNING, crashing.runner)

    successor = spawn()
    successor.wait_for("its scheduler died mid-run; running it again")
    wait_until(lambda: len(fire_times(service_db, "rebuild-on-change", successor.runner)) >= 3)
    successor.stop()
    assert sorted(row[1] for row in schedule(service_db)) == [first, second]
    assert builds(service_db) == 2  # later polls saw nothing new: no third build
    [rerun] = [
        r for r in ledger(service_db) if (r.job_id, r.fire_time) == (claim.job_id, claim.fire_time)
    ]
    assert (rerun.status, rerun.result, rerun.runner) == (RunStatus.DONE, 1, successor.runner)


def set_next_run_time(db: ServiceDb, job_id: str, when: datetime) -> None:
    """Move a stored job's next run time, as if the service had been down since then."""
    with db.engine.begin() as conn:
        blob = conn.scalar(
            select(apscheduler_jobs.c.job_state).where(apscheduler_jobs.c.id == job_id)
        )
        assert blob is not None
        state = pickle.loads(blob)
        state["next_run_time"] = when
        conn.execute(
            update(apscheduler_jobs)
            .where(apscheduler_jobs.c.id == job_id)
            .values(job_state=pickle.dumps(state), next_run_time=when.timestamp())
        )


def past_a_shanghai_time_about_to_come(
    now: datetime, clock: local_time, within: float = 30
) -> datetime:
    """``now``, or just after ``clock`` in Shanghai if that comes within the next ``within``
    seconds (during the test): a test whose processes read the real clock starts clear of
    a nightly fire time, or of midnight, rather than straddling it."""
    local = now.astimezone(SHANGHAI)
    upcoming = datetime.combine(local.date(), clock, SHANGHAI)
    ahead = (upcoming - local).total_seconds() % (24 * 3600)  # no DST in Shanghai
    if ahead < within:
        time.sleep(ahead + 1)
        return datetime.now(UTC)
    return now


def test_a_daily_run_missed_while_the_service_was_down_runs_once_on_restart(
    service_db: ServiceDb, spawn: Callable[..., Process]
) -> None:
    first = spawn()
    first.wait_for("job prune-runs")  # the jobs are in the store
    first.stop()
    now = datetime.now(UTC)
    now = past_a_shanghai_time_about_to_come(now, local_time(3, 30))
    # The last nightly fire time before now, whatever the hour: no other fire time lies
    # between it and the restart, so exactly one run is due (a missed time chosen as
    # "now - 3 h" straddled 03:30 for three hours a day and two runs were coalesced).
    local = now.astimezone(SHANGHAI)
    missed_local = local.replace(hour=3, minute=30, second=0, microsecond=0)
    missed_local -= timedelta(days=1) if missed_local > local else timedelta()
    missed = missed_local.astimezone(UTC)
    set_next_run_time(service_db, "prune-runs", missed)
    with service_db.factory.begin() as s:
        old = now - timedelta(days=30)
        s.add(
            SchedulerRun(
                job_id="publish-frozen",
                fire_time=old,
                runner="gone:1",
                status=RunStatus.DONE,
                started_at=old,
            )
        )

    second = spawn()
    wait_until(lambda: bool(fire_times(service_db, "prune-runs")))
    time.sleep(1.5)  # a second prune run (a recomputed fire time) would show by now
    second.stop()

    [run] = [r for r in ledger(service_db) if r.job_id == "prune-runs"]
    assert (run.fire_time, run.status, run.result) == (missed, RunStatus.DONE, 1)
    assert not [r for r in ledger(service_db) if r.runner == "gone:1"]
    listing = subprocess.run(
        [TVCOLUMN, "scheduler", "jobs"],
        env={**os.environ, "TVCOLUMN_DATABASE_URL": service_db.url},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    [line] = [ln for ln in listing.splitlines() if ln.startswith("prune-runs")]
    next_run = missed_local + timedelta(days=1)
    assert f"next {next_run:%Y-%m-%d %H:%M:%S}" in line  # the next night's, not the missed one
    assert "done (1 changed)" in line


def test_the_web_application_never_imports_apscheduler() -> None:
    probe = (
        "import sys, cli; from web import create_app;"
        "app = create_app({'DATABASE_URL': 'sqlite://'});"
        "app.test_client().get('/');"
        "print(sorted(m for m in sys.modules if m.startswith('apscheduler')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert found.strip() == "[]"


def test_the_service_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    env = {**os.environ, "TVCOLUMN_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    done = subprocess.run(
        [TVCOLUMN, "scheduler", "run"], env=env, capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 1
    assert "run `tvcolumn db upgrade` first" in done.stderr


def test_the_service_records_a_feed_write_failure_and_writes_once_the_folder_can_be_written(
    service_db: ServiceDb,
    spawn: Callable[..., Process],
    tmp_path: Path,
    read_only: Callable[[Path], None],
) -> None:
    feeds_dir = tmp_path / "feeds"  # the instance's feeds folder
    read_only(feeds_dir)
    service = spawn()

    def sync_runs(status: RunStatus) -> int:
        return sum(r.job_id == "sync-feeds" and r.status == status for r in ledger(service_db))

    wait_until(lambda: sync_runs(RunStatus.FAILED) >= 2)  # every poll tries again

    def listed() -> str:
        listing = subprocess.run(
            [TVCOLUMN, "scheduler", "jobs"],
            env={**os.environ, "TVCOLUMN_DATABASE_URL": service_db.url},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        [line] = [ln for ln in listing.splitlines() if ln.startswith("sync-feeds")]
        return line

    # The job runs every second: the listing may catch its next run under way ("running").
    seen: list[str] = []

    def settled() -> bool:
        seen[:] = [listed()]
        return " running" not in seen[0]

    wait_until(settled)
    line = seen[0]
    assert " failed: FeedsNotWritten: " in line
    # The listing shows a run's detail cut at 120 characters, which a long tmp_path (an xdist
    # worker's) cuts inside the folder's name: the reason is read where the run records it.
    shown = line.split(" failed: ", 1)[1]
    recorded = [
        r.detail or ""
        for r in ledger(service_db)
        if r.job_id == "sync-feeds" and r.status == RunStatus.FAILED
    ]
    assert any(d.startswith(shown) and "not written" in d for d in recorded), (shown, recorded)
    assert not (feeds_dir / "all.ics").exists()
    make_writable(feeds_dir)
    wait_until(lambda: (feeds_dir / "all.ics").exists())
    wait_until(lambda: sync_runs(RunStatus.DONE) >= 1)
    service.stop()
    assert export.read_stamp(feeds_dir) is not None
