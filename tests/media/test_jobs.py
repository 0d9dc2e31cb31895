"""Media jobs: worker processes started, reaped and stopped by the scheduler service's
supervisor, on a database the processes share; nothing outlives a job."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from editorial import people, workflow
from editorial.models import Level, Person, Role
from media import jobs
from media.models import JobKind, JobState, MediaJob
from media.probe import probe
from media.service import MediaSettings, add_media, request_job, set_packaging
from tests.conftest import NOW
from tests.media.conftest import (
    Clips,
    alive,
    children,
    ffmpeg_children,
    leftovers,
    make_clip,
    wait_for,
)
from tests.scheduler.test_service import ServiceDb, service_db_fixture

__all__ = ["service_db_fixture"]


@dataclass(frozen=True)
class Uploaded:
    db: ServiceDb
    settings: MediaSettings
    job_id: int
    director_id: int


def upload(
    db: ServiceDb,
    root: Path,
    master: Path,
    *,
    timeout_s: int | None = None,
    part: int | None = None,
    packaging: tuple[Path, Path] | None = None,
) -> Uploaded:
    """A column, its crew, an episode in production and ``master`` added: one queued job.

    With ``part``, the episode is that part of a series; with ``packaging``, the
    column's opening and closing clips are set.
    """
    settings = MediaSettings(root=root)
    with db.factory.begin() as session:
        column = people.create_column(
            session,
            NOW,
            slug="city",
            name="时代风采",
            level=Level.CITY,
            station="市台",
            channel="新闻综合",
        )

        def person(name: str, role: Role) -> Person:
            someone = people.create_person(session, NOW, username=name, display_name=name)
            people.grant_role(session, someone, column, role, NOW)
            return someone

        director = person("ed", Role.EDITOR_DIRECTOR)
        producer = person("pr", Role.PRODUCER)
        series = None
        if part is not None:
            series = people.create_series(
                session, column, NOW, title="乡村振兴", parts=5, start_by=NOW.date()
            )
        episode = workflow.propose(
            session,
            director,
            column,
            NOW,
            workflow.Proposal(
                title="科技富民",
                target_duration_s=2,
                responsible_producer=producer,
                series=series,
                part_number=part,
            ),
        )
        if packaging is not None:
            set_packaging(
                session,
                person("ad", Role.ADMIN),
                column,
                *packaging,
                NOW,
                settings,
                allowed=[packaging[0].parent],
            )
        workflow.approve_topic(session, producer, episode, episode.version, NOW)
        workflow.start_production(session, director, episode, episode.version, NOW)
        version = add_media(
            session,
            director,
            episode,
            master,
            NOW,
            settings,
            expected_version=episode.version,
            allowed=[master.parent],
        )
        job = session.query(MediaJob).filter_by(media_version_id=version.id).one()
        if timeout_s is not None:
            job.timeout_s = timeout_s
        session.flush()
        return Uploaded(db, settings, job.id, director.id)


def job_of(up: Uploaded) -> MediaJob:
    with up.db.factory() as session:
        job = session.get(MediaJob, up.job_id)
        assert job is not None
        return job


def tick(up: Uploaded, supervisor: jobs.Supervisor, now: datetime | None = None) -> None:
    with up.db.factory.begin() as session:
        supervisor.tick(session, now or datetime.now(UTC))


def test_the_supervisor_starts_a_worker_that_makes_the_review_material(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    up = upload(service_db, tmp_path / "media", clips.compliant)
    supervisor = jobs.Supervisor(service_db.url, up.settings.root)
    tick(up, supervisor)
    assert list(supervisor.workers) == [up.job_id]
    worker = supervisor.workers[up.job_id]
    wait_for(lambda: worker.poll() is not None)
    tick(up, supervisor)  # reaps it
    assert supervisor.workers == {}
    job = job_of(up)
    assert (job.state, job.progress, job.error) == (JobState.DONE, 1.0, None)
    assert job.worker_pid == worker.pid and job.finished_at is not None
    assert job.outputs is not None
    for name in ("contact_sheet", "proxy", "poster"):
        assert (up.settings.root / job.outputs[name]).stat().st_size > 0
    assert job.outputs["poster"].endswith("/poster.jpg")  # beside the proxy
    assert job.outputs["poster"].rsplit("/", 1)[0] == job.outputs["proxy"].rsplit("/", 1)[0]
    assert leftovers(up.settings.root) == []


@pytest.fixture(scope="module")
def long_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """20 s of 1080p: its proxy takes longer than the one-second timeout below."""
    return make_clip(tmp_path_factory.mktemp("long") / "long.mp4", seconds=20.0)


def test_a_packaging_job_renders_opening_master_and_closing_with_the_series_caption(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    opening = make_clip(tmp_path / "opening.mp4", seconds=1.0)
    closing = make_clip(tmp_path / "closing.mp4", seconds=1.0, volume_db=None)
    up = upload(
        service_db, tmp_path / "media", clips.compliant, part=3, packaging=(opening, closing)
    )
    with service_db.factory.begin() as session:
        job = session.get(MediaJob, up.job_id)
        assert job is not None
        director = session.get(Person, up.director_id)
        assert director is not None
        settings = up.settings
        package_job = request_job(
            session, director, job.media_version, JobKind.PACKAGE, NOW, settings
        )
        package_id = package_job.id
    seen: list[tuple[str, float]] = []
    outcome = jobs.run(
        service_db.factory,
        package_id,
        settings.root,
        lambda: datetime.now(UTC),
        lambda step, fraction: seen.append((step, fraction)),
    )
    assert outcome is not None and outcome.state is JobState.DONE, outcome
    packaged = settings.root / outcome.outputs["packaged"]
    assert packaged.name.endswith("-3.mp4")  # the part is in the name: a new part, a new file
    made = probe(packaged)
    assert abs(made.duration - 4.0) < 0.2  # 1 s opening + 2 s master + 1 s closing
    assert (made.width, made.height, made.fps, made.has_audio) == (1920, 1080, 25.0, True)
    fractions = [fraction for step, fraction in seen if step == "packaged"]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    with service_db.factory() as session:
        done = session.get(MediaJob, package_id)
        assert done is not None and (done.state, done.progress) == (JobState.DONE, 1.0)
        # The master meets the delivery specification: copied, not re-encoded, and checked.
        assert done.log is not None
        lines = done.log.splitlines()
        assert lines[0].startswith("stream copy: the master meets the delivery specification")
        assert lines[1].startswith("checked: duration, sound and picture in sync at each join")
    assert leftovers(settings.root) == []
    assert ffmpeg_children() == []


def test_a_packaging_job_whose_package_fails_its_check_fails_and_leaves_nothing(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    # Bytes of the master's pictures overwritten: it probes, but does not decode cleanly.
    damaged = tmp_path / "damaged.mp4"
    data = bytearray(clips.compliant.read_bytes())
    middle = len(data) * 2 // 5
    data[middle : middle + 4000] = bytes(range(256)) * 15 + bytes(160)
    damaged.write_bytes(bytes(data))
    opening = make_clip(tmp_path / "opening.mp4", seconds=1.0)
    closing = make_clip(tmp_path / "closing.mp4", seconds=1.0, volume_db=None)
    up = upload(service_db, tmp_path / "media", damaged, part=2, packaging=(opening, closing))
    with service_db.factory.begin() as session:
        job = session.get(MediaJob, up.job_id)
        director = session.get(Person, up.director_id)
        assert job is not None and director is not None
        package_id = request_job(
            session, director, job.media_version, JobKind.PACKAGE, NOW, up.settings
        ).id
    outcome = jobs.run(service_db.factory, package_id, up.settings.root, lambda: datetime.now(UTC))
    assert outcome is not None and outcome.state is JobState.FAILED
    assert outcome.error is not None
    assert outcome.error.startswith("The package does not decode cleanly")
    assert not (up.settings.root / "packaged").exists() or not any(
        path.is_file() for path in (up.settings.root / "packaged").rglob("*")
    )
    assert leftovers(up.settings.root) == []
    assert ffmpeg_children() == []


def test_a_job_past_its_timeout_fails_and_leaves_no_process_or_temporary_file(
    service_db: ServiceDb, tmp_path: Path, long_master: Path
) -> None:
    up = upload(service_db, tmp_path / "media", long_master, timeout_s=1)
    outcome = jobs.run(service_db.factory, up.job_id, up.settings.root, lambda: datetime.now(UTC))
    assert outcome is not None and outcome.state is JobState.FAILED
    assert "longer than" in (outcome.error or "")
    job = job_of(up)
    assert job.state is JobState.FAILED and job.error == outcome.error
    assert ffmpeg_children() == []
    assert leftovers(up.settings.root) == []


def test_the_supervisor_kills_a_worker_past_its_timeout_with_its_ffmpeg_and_cleans_up(
    service_db: ServiceDb, tmp_path: Path, long_master: Path
) -> None:
    up = upload(service_db, tmp_path / "media", long_master)
    supervisor = jobs.Supervisor(service_db.url, up.settings.root)
    try:
        tick(up, supervisor)
        worker = supervisor.workers[up.job_id]
        tick(up, supervisor)  # within its timeout: left alone
        assert job_of(up).state is not JobState.FAILED and worker.poll() is None
        wait_for(lambda: job_of(up).step == "proxy" and bool(children(worker.pid, "ffmpeg")))
        rendering = children(worker.pid, "ffmpeg")
        late = datetime.now(UTC) + timedelta(seconds=job_of(up).timeout_s + jobs.GRACE_S + 1)
        tick(up, supervisor, late)
    finally:
        supervisor.stop_all()
    job = job_of(up)
    assert job.state is JobState.FAILED
    assert f"ran longer than {job.timeout_s} s" in (job.error or "")
    assert supervisor.workers == {} and worker.poll() is not None
    wait_for(lambda: not any(alive(pid) for pid in rendering), timeout=5)
    assert leftovers(up.settings.root) == []


def test_a_worker_that_dies_before_its_job_ends_fails_the_job(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    up = upload(service_db, tmp_path / "media", clips.compliant)
    supervisor = jobs.Supervisor(
        service_db.url, up.settings.root, command=(sys.executable, "-c", "raise SystemExit(3)")
    )
    tick(up, supervisor)
    wait_for(lambda: supervisor.workers[up.job_id].poll() is not None)
    tick(up, supervisor)
    job = job_of(up)
    assert job.state is JobState.FAILED
    assert "exit status 3" in (job.error or "")


def test_a_running_job_whose_worker_is_gone_fails_after_a_restart(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    up = upload(service_db, tmp_path / "media", clips.compliant)
    gone = _finished_pid()
    with service_db.factory.begin() as session:
        assert jobs.claim(session, up.job_id, gone, datetime.now(UTC))
    tick(up, jobs.Supervisor(service_db.url, up.settings.root))  # a new service: knows no worker
    job = job_of(up)
    assert job.state is JobState.FAILED
    assert "worker process is gone" in (job.error or "")


def test_a_job_already_taken_is_not_run_twice(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    up = upload(service_db, tmp_path / "media", clips.compliant)
    with service_db.factory.begin() as session:
        assert jobs.claim(session, up.job_id, os.getpid(), datetime.now(UTC))
    assert jobs.run(service_db.factory, up.job_id, up.settings.root, lambda: NOW) is None


def _finished_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid
