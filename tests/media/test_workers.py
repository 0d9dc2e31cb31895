"""Media workers on PostgreSQL (procrastinate): real `tvcolumn media worker` processes share
the queue; a worker killed mid-render loses nothing and leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

import migrations
from editorial import people, workflow
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Level, Person, Role
from media import queue
from media.models import JobState, MediaJob
from media.service import MediaSettings, add_media
from tests.conftest import NOW, scratch_database
from tests.media.conftest import alive, descendants, leftovers, make_clip, wait_for
from tests.web.test_database_restart import restart_postgres

pytestmark = pytest.mark.postgres

TVCOLUMN = str(Path(sys.executable).with_name("tvcolumn"))
HEARTBEAT_S, LEASE_S = 0.5, 3.0


@dataclass(frozen=True)
class Queue:
    url: str
    factory: sessionmaker[Session]
    root: Path
    settings: MediaSettings


@pytest.fixture(name="pg_queue")
def pg_queue_fixture(tmp_path: Path) -> Iterator[Queue]:
    with scratch_database("postgresql", tmp_path, "workers") as url:
        engine = make_engine(url)
        migrations.upgrade(engine)
        root = tmp_path / "media"
        settings = MediaSettings(root=root, queue=queue.Engine.PROCRASTINATE.value)
        yield Queue(url, make_sessionmaker(engine), root, settings)
        engine.dispose()


def add_masters(q: Queue, masters: list[Path]) -> list[int]:
    """A column, its crew and one episode in production per master: a queued review job each."""
    with q.factory.begin() as session:
        column = people.create_column(
            session, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台",
            channel="新闻综合",
        )  # fmt: skip

        def person(name: str, role: Role) -> Person:
            someone = people.create_person(session, NOW, username=name, display_name=name)
            people.grant_role(session, someone, column, role, NOW)
            return someone

        director, producer = person("ed", Role.EDITOR_DIRECTOR), person("pr", Role.PRODUCER)
        ids = []
        for number, master in enumerate(masters, 1):
            episode = workflow.propose(
                session,
                director,
                column,
                NOW,
                workflow.Proposal(
                    title=f"第{number}期", target_duration_s=10, responsible_producer=producer
                ),
            )
            workflow.approve_topic(session, producer, episode, episode.version, NOW)
            workflow.start_production(session, director, episode, episode.version, NOW)
            version = add_media(
                session, director, episode, master, NOW, q.settings,
                expected_version=episode.version, allowed=[master.parent],
            )  # fmt: skip
            ids.append(session.scalars(
                select(MediaJob.id).where(MediaJob.media_version_id == version.id)
            ).one())  # fmt: skip
        return ids


def start_worker(
    q: Queue, log: Path, url: str | None = None, *extra: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TVCOLUMN_DATABASE_URL": url or q.url,
        "TVCOLUMN_MEDIA_DIR": str(q.root),
        "TVCOLUMN_INSTANCE_PATH": str(q.root.parent / "instance"),
    }
    env.pop("TVCOLUMN_MEDIA_QUEUE", None)
    command = [
        TVCOLUMN,
        "media",
        "worker",
        "--heartbeat",
        str(HEARTBEAT_S),
        "--lease",
        str(LEASE_S),
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            [*command, *extra], env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


def states(q: Queue) -> dict[int, MediaJob]:
    with q.factory() as session:
        return {job.id: job for job in session.scalars(select(MediaJob)).all()}


def ffmpeg_processes_on(root: Path) -> list[int]:
    """Live processes whose command line names a file in the media folder."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"ffmpeg" in command and str(root).encode() in command and alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def stop(process: subprocess.Popen[bytes]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise


def test_two_workers_do_six_jobs_once_each_though_one_is_killed_mid_render(
    pg_queue: Queue, tmp_path: Path
) -> None:
    q = pg_queue
    masters = tmp_path / "masters"
    masters.mkdir()
    # Distinct content each (lengths differ); the first long enough to be caught midway.
    clips = [make_clip(masters / f"m{i}.mp4", seconds=4.0 + i * 0.2) for i in range(5)]
    clips.insert(0, make_clip(masters / "long.mp4", seconds=40.0))
    job_ids = add_masters(q, clips)
    with q.factory.begin() as session:  # a ticket for a job whose row is gone
        missing = max(job_ids) + 100
        queue.defer(session, missing)
    workers = [start_worker(q, tmp_path / f"worker{i}.log") for i in range(2)]
    try:
        # A render under way: its step and progress are on the row.
        def rendering() -> bool:
            long = states(q)[job_ids[0]]
            return long.state is JobState.RUNNING and long.step == "proxy" and long.progress > 0.2

        wait_for(rendering, 120, "the long master's proxy under way")
        running = states(q)[job_ids[0]]
        render_pid = running.worker_pid
        assert render_pid is not None
        victim = next(w for w in workers if render_pid in descendants(w.pid))
        below = descendants(victim.pid)
        assert render_pid in below and len(below) >= 2  # the render and its ffmpeg
        victim.send_signal(signal.SIGKILL)  # no cleanup runs: as if the machine were lost
        victim.wait()
        # The render process and its ffmpeg die with the worker (parent-death signal).
        wait_for(lambda: not any(alive(pid) for pid in below), 5, "the killed worker's renders end")

        def all_done() -> bool:
            return all(states(q)[i].state is JobState.DONE for i in job_ids)

        wait_for(all_done, 240, "all six jobs done")
        jobs_now = states(q)
        assert [jobs_now[i].attempt for i in job_ids].count(2) == 1  # the killed one, again
        assert all(jobs_now[i].attempt in (1, 2) for i in job_ids)
        again = jobs_now[running.id]
        assert again.attempt == 2 and "queued again" in (again.log or "")
        for job in jobs_now.values():
            assert job.outputs and all((q.root / path).is_file() for path in job.outputs.values())
        with q.factory() as session:
            tickets = session.execute(
                text("SELECT args, status FROM procrastinate_jobs ORDER BY id")
            ).all()
        assert len(tickets) == 7  # one ticket per job (the killed one tried again), one gone
        wait_for(
            lambda: all(status == "succeeded" for _, status in tickets_of(q)), 30, "tickets end"
        )
        assert leftovers(q.root) == []
        assert ffmpeg_processes_on(q.root) == []
    finally:
        for worker in workers:
            if worker.poll() is None:
                assert stop(worker) == 0
    logs = "".join((tmp_path / f"worker{i}.log").read_text() for i in range(2))
    assert f"media job {missing} does not exist" in logs


def tickets_of(q: Queue) -> list[tuple[object, str]]:
    with q.factory() as session:
        return [
            tuple(row)
            for row in session.execute(text("SELECT args, status FROM procrastinate_jobs"))
        ]  # type: ignore[misc]


def test_a_worker_that_cannot_reach_the_database_retries_and_logs_without_spinning(
    pg_queue: Queue, tmp_path: Path
) -> None:
    unreachable = "postgresql+psycopg://tvcolumn:x@127.0.0.1:1/nowhere?connect_timeout=2"
    log = tmp_path / "worker.log"
    worker = start_worker(pg_queue, log, unreachable, "--reconnect-max", "1")
    try:
        wait_for(lambda: log.read_text().count("cannot reach the database") >= 3, 20, "3 tries")
        before = cpu_seconds(worker.pid)
        time.sleep(3)
        used = cpu_seconds(worker.pid) - before
        tries = log.read_text().count("cannot reach the database")
    finally:
        code = stop(worker)
    assert used < 0.5, f"the waiting worker used {used:.2f} s of CPU in 3 s"
    assert tries <= 3 + 5  # at most one try a second (the longest wait), never a busy loop
    assert "trying again in 1 s" in log.read_text()
    assert code == 0


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.serial  # restarts the cluster under every other worker's connections
def test_a_worker_takes_jobs_again_after_a_postgres_restart(
    pg_queue: Queue, tmp_path: Path
) -> None:
    q = pg_queue
    masters = tmp_path / "masters"
    masters.mkdir()
    log = tmp_path / "worker.log"
    worker = start_worker(q, log, None, "--reconnect-max", "2")
    try:
        wait_for(lambda: "taking media jobs" in log.read_text(), 30, "the worker started")
        restart_postgres()
        [job_id] = add_masters(q, [make_clip(masters / "after.mp4", seconds=2.0)])
        wait_for(lambda: states(q)[job_id].state is JobState.DONE, 120, "the job done")
        assert worker.poll() is None  # the same process, not a crashed one restarted
    finally:
        assert stop(worker) == 0
