"""``tvcolumn media``: add a master from an allowed folder, see its QC and jobs, package,
and do the review material in the foreground."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from media.models import JobState, MediaJob
from tests.cli.test_commands import Run, propose, staffed
from tests.media.conftest import Clips, clips, ffmpeg_children
from web.db import unit_of_work

__all__ = ["clips", "staffed"]


@pytest.fixture
def inbox(app: Flask) -> Path:
    folder = Path(app.config["MEDIA_IMPORT_DIRS"][0])
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def producing(staffed: Run) -> int:
    episode = propose(staffed)
    assert staffed("episode", "approve-topic", str(episode), "--as", "pr").exit_code == 0
    assert staffed("episode", "start-production", str(episode), "--as", "ed").exit_code == 0
    return episode


def media_files(app: Flask) -> list[Path]:
    root = Path(app.config["MEDIA_DIR"])
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_media_add_stores_the_master_and_prints_its_qc(
    staffed: Run, producing: int, inbox: Path, clips: Clips, app: Flask
) -> None:
    master = Path(shutil.copy(clips.compliant, inbox / "第一集成片.mp4"))
    result = staffed("media", "add", str(producing), str(master), "--as", "ed")
    assert result.exit_code == 0, result.output
    assert "media version 1 stored" in result.output
    assert "时长" in result.output and "平均响度" in result.output
    assert "review material queued" in result.output
    status = staffed("media", "status", str(producing))
    assert "version 1 (current): 第一集成片.mp4" in status.output
    assert "review material job" in status.output and "queued" in status.output
    assert len(media_files(app)) == 1


def test_media_add_refuses_a_file_outside_the_import_folders(
    staffed: Run, producing: int, inbox: Path, clips: Clips, app: Flask
) -> None:
    result = staffed("media", "add", str(producing), str(clips.compliant), "--as", "ed")
    assert result.exit_code == 1
    assert "outside the folders media may be added from" in result.output
    assert media_files(app) == []
    assert "has no media yet" in staffed("media", "status", str(producing)).output


def test_media_add_refuses_a_file_that_is_not_a_video(
    staffed: Run, producing: int, inbox: Path, clips: Clips, app: Flask
) -> None:
    fake = Path(shutil.copy(clips.text, inbox / "master.mp4"))
    result = staffed("media", "add", str(producing), str(fake), "--as", "ed")
    assert result.exit_code == 1
    assert "not a video file" in result.output
    assert media_files(app) == []


def test_media_package_needs_the_columns_clips_first(
    staffed: Run, producing: int, inbox: Path, clips: Clips
) -> None:
    master = Path(shutil.copy(clips.compliant, inbox / "master.mp4"))
    assert staffed("media", "add", str(producing), str(master), "--as", "ed").exit_code == 0
    refused = staffed("media", "package", str(producing), "--as", "ed")
    assert refused.exit_code == 1
    assert "no opening and closing clips" in refused.output
    opening = Path(shutil.copy(clips.sd, inbox / "片头.mp4"))
    closing = Path(shutil.copy(clips.silent_picture, inbox / "片尾.mp4"))
    not_admin = staffed(
        "media",
        "packaging",
        "city",
        "--opening",
        str(opening),
        "--closing",
        str(closing),
        "--as",
        "ed",
    )
    assert not_admin.exit_code == 1
    done = staffed(
        "media",
        "packaging",
        "city",
        "--opening",
        str(opening),
        "--closing",
        str(closing),
        "--as",
        "ad",
    )
    assert done.exit_code == 0, done.output
    queued = staffed("media", "package", str(producing), "--as", "ed")
    assert queued.exit_code == 0 and "queued" in queued.output


def test_media_work_makes_the_review_material_and_shows_progress(
    staffed: Run, producing: int, inbox: Path, clips: Clips, app: Flask
) -> None:
    master = Path(shutil.copy(clips.compliant, inbox / "master.mp4"))
    assert staffed("media", "add", str(producing), str(master), "--as", "ed").exit_code == 0
    result = staffed("media", "work")
    assert result.exit_code == 0, result.output
    assert "done: contact_sheet" in result.output
    assert "proxy  98%" in result.stderr and "poster 100%" in result.stderr  # last from the proxy
    status = staffed("media", "status", str(producing)).output
    assert "review material job 1: done" in status
    names = {p.name for p in media_files(app)}
    assert {"contact.jpg", "proxy.mp4", "poster.jpg"} <= names
    assert not [n for n in names if n.startswith(".")]
    assert ffmpeg_children() == []
    assert "no queued media jobs" in staffed("media", "work").output


def test_the_demo_has_a_master_in_review_and_the_columns_packaging(run: Run, app: Flask) -> None:
    loaded = run("demo", "load")
    assert loaded.exit_code == 0, loaded.output
    line = next(x for x in loaded.output.splitlines() if x.startswith("media demo: episode "))
    episode = line.split()[3]
    status = run("media", "status", episode).output
    # Version 1 is the master the editorial demo submitted it on, recorded without a file.
    assert "version 2 (current)" in status and "review material job 1: queued" in status
    assert "平均响度: -24" in status  # the demo tone is made to read about −24 LKFS
    again = run("demo", "load")
    assert "media demo" not in again.output
    assert len(media_files(app)) == 3  # the master, the opening and the closing


def test_media_status_prints_a_jobs_log_under_it(
    staffed: Run, producing: int, inbox: Path, clips: Clips, app: Flask
) -> None:
    master = Path(shutil.copy(clips.compliant, inbox / "master.mp4"))
    assert staffed("media", "add", str(producing), str(master), "--as", "ed").exit_code == 0
    with app.app_context(), unit_of_work(app) as s:
        job = s.scalars(select(MediaJob)).one()
        job.state, job.log = JobState.DONE, "stream copy: the master meets it\nchecked: duration"
        job_id = job.id
    status = staffed("media", "status", str(producing)).output
    assert (
        f"  review material job {job_id}: done\n"
        "    log: stream copy: the master meets it\n"
        "    log: checked: duration\n"
    ) in status


def test_media_status_says_which_worker_runs_a_job_and_which_attempt_it_is(
    staffed: Run, producing: int, inbox: Path, clips: Clips, app: Flask
) -> None:
    master = Path(shutil.copy(clips.compliant, inbox / "master.mp4"))
    assert staffed("media", "add", str(producing), str(master), "--as", "ed").exit_code == 0
    with app.app_context(), unit_of_work(app) as s:
        job = s.scalars(select(MediaJob)).one()
        job.state, job.step, job.progress = JobState.RUNNING, "proxy", 0.4
        job.worker, job.attempt = "render-2:4711", 2  # the first worker was lost
        job_id = job.id
    status = staffed("media", "status", str(producing)).output
    assert f"review material job {job_id}: running, proxy 40% on render-2:4711 (attempt 2)" in (
        status
    )


def test_media_retry_queues_a_failed_job_again_and_refuses_twice(
    staffed: Run, producing: int, inbox: Path, clips: Clips, app: Flask
) -> None:
    master = Path(shutil.copy(clips.compliant, inbox / "master.mp4"))
    assert staffed("media", "add", str(producing), str(master), "--as", "ed").exit_code == 0
    with app.app_context(), unit_of_work(app) as s:
        job = s.scalars(select(MediaJob)).one()
        job.state, job.error = JobState.FAILED, "ffmpeg exited 1"
        job_id = job.id
    refused = staffed("media", "retry", str(job_id), "--as", "rv")
    assert refused.exit_code == 1 and "may not package" in refused.output
    retried = staffed("media", "retry", str(job_id), "--as", "ed")
    assert retried.exit_code == 0, retried.output
    assert f"(retrying job {job_id})" in retried.output and "queued" in retried.output
    twice = staffed("media", "retry", str(job_id), "--as", "ed")
    assert twice.exit_code == 1 and "already tried again" in twice.output
    missing = staffed("media", "retry", str(job_id + 99), "--as", "ed")
    assert missing.exit_code == 1 and f"no media job {job_id + 99}" in missing.output
