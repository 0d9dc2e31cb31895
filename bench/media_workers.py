"""Throughput of media workers on PostgreSQL: review material for six masters, by one and
by two ``tvcolumn media worker`` processes on this machine.

Six 60 s 1080p masters (one made with the bundled ffmpeg, the others the same streams
with a different tag, so each is stored as a master of its own) are added to six
episodes of a fresh database: six review jobs (contact sheet, 640×360 proxy, poster)
wait in procrastinate's queue. Then N workers are started (``--concurrency 1`` each) and
the wall time is taken from their start until the sixth job is done, worker start-up
included. Each N gets a fresh database and media folder (outputs are content-addressed:
made once, they would be found, not made).

Figures: ``media_workers_<N>_review_6_masters_wall_seconds`` for N = 1, 2, and
``media_workers_2_speedup`` (one worker's time over two workers'). On two cores two
workers share the cores ffmpeg already uses in parallel, so the gain is modest here; on
several machines it grows with the machines.

The database is ``TVCOLUMN_BENCH_DATABASE_URL``'s with ``_media`` added to its name
(default ``postgresql+psycopg://tvcolumn_ci:tvcolumn_ci@127.0.0.1:5432/tv_bench_media``),
dropped and created for each N and dropped at the end. ``python -m bench
bench.media_workers`` runs it alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, make_url, select

import migrations
from bench import Figure
from bench.media import ffmpeg
from bench.web_load import DATABASE_ENV, DEFAULT_DATABASE_URL, drop_database, fresh_database
from editorial import people, workflow
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Level, Role
from media.models import JobState, MediaJob
from media.service import MediaSettings, add_media

MASTERS = 6
SECONDS = 60
WORKERS = (1, 2)
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
TVCOLUMN = str(Path(sys.executable).with_name("tvcolumn"))


def log(message: str) -> None:
    print(f"bench.media_workers: {message}", file=sys.stderr, flush=True)


def database_url() -> str:
    base = make_url(os.environ.get(DATABASE_ENV) or DEFAULT_DATABASE_URL)
    name = base.database or "tv_bench"
    return base.set(database=f"{name}_media").render_as_string(hide_password=False)


def make_masters(folder: Path) -> list[Path]:
    first = folder / "master-0.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25"),
        *("-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000"),
        *("-t", str(SECONDS), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"),
        *("-g", "50", "-c:a", "aac", "-b:a", "128k", str(first)),
    )
    masters = [first]
    for number in range(1, MASTERS):
        copy = folder / f"master-{number}.mp4"
        ffmpeg("-i", str(first), "-c", "copy", "-metadata", f"comment=copy {number}", str(copy))
        masters.append(copy)
    return masters


def queue_review_jobs(url: str, root: Path, masters: list[Path]) -> None:
    engine = make_engine(url)
    migrations.upgrade(engine)
    settings = MediaSettings(root=root, queue="procrastinate")
    with make_sessionmaker(engine).begin() as session:
        column = people.create_column(
            session, NOW, slug="city", name="时代风采", level=Level.CITY, station="市台",
            channel="新闻综合",
        )  # fmt: skip
        director = people.create_person(session, NOW, username="ed", display_name="ed")
        producer = people.create_person(session, NOW, username="pr", display_name="pr")
        people.grant_role(session, director, column, Role.EDITOR_DIRECTOR, NOW)
        people.grant_role(session, producer, column, Role.PRODUCER, NOW)
        for number, master in enumerate(masters, 1):
            episode = workflow.propose(
                session, director, column, NOW,
                workflow.Proposal(
                    title=f"第{number}期", target_duration_s=SECONDS, responsible_producer=producer
                ),
            )  # fmt: skip
            workflow.approve_topic(session, producer, episode, episode.version, NOW)
            workflow.start_production(session, director, episode, episode.version, NOW)
            add_media(
                session, director, episode, master, NOW, settings,
                expected_version=episode.version, allowed=[master.parent],
            )  # fmt: skip
    engine.dispose()


def done_count(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            done = connection.scalar(select(func.count()).where(MediaJob.state == JobState.DONE))
            failed = connection.scalar(
                select(func.count()).where(MediaJob.state == JobState.FAILED)
            )
    finally:
        engine.dispose()
    return int(done or 0), int(failed or 0)


def time_workers(count: int, url: str, root: Path, folder: Path) -> float:
    env = {
        **os.environ,
        "TVCOLUMN_DATABASE_URL": url,
        "TVCOLUMN_MEDIA_DIR": str(root),
        "TVCOLUMN_INSTANCE_PATH": str(folder / "instance"),
    }
    env.pop("TVCOLUMN_MEDIA_QUEUE", None)
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            [TVCOLUMN, "media", "worker", "--heartbeat", "2", "--lease", "10"],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=(folder / f"worker-{count}-{i}.log").open("wb"),
            start_new_session=True,
        )
        for i in range(count)
    ]
    try:
        while True:
            done, failed = done_count(url)
            if failed:
                raise RuntimeError(f"{failed} review job(s) failed: see {folder}/worker-*.log")
            if done == MASTERS:
                return time.perf_counter() - started
            if time.perf_counter() - started > 900:
                raise RuntimeError("the review jobs took longer than 15 minutes")
            time.sleep(0.2)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=120)


def run() -> list[Figure]:
    url = database_url()
    figures: list[Figure] = []
    seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-workers-") as name:
        folder = Path(name)
        started = time.perf_counter()
        masters = make_masters(folder)
        log(f"{MASTERS} masters of {SECONDS} s made in {time.perf_counter() - started:.1f} s")
        try:
            for count in WORKERS:
                fresh_database(url)
                root = folder / f"media-{count}"
                queue_review_jobs(url, root, masters)
                seconds[count] = time_workers(count, url, root, folder)
                log(f"{count} worker(s): {seconds[count]:.1f} s")
                figures.append(
                    (
                        f"media_workers_{count}_review_{MASTERS}_masters_wall_seconds",
                        round(seconds[count], 2),
                        "s",
                    )
                )
        finally:
            drop_database(url)
    figures.append(("media_workers_2_speedup", round(seconds[1] / seconds[2], 2), "x"))
    return figures
