"""Adding a master: checked and measured before anything is stored, then a media version,
its QC, the workflow's new version and the review material queued."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Conflict, Forbidden, InvalidInput
from editorial.models import Episode, State
from media.errors import MediaError
from media.models import ColumnPackaging, JobKind, JobState, MediaJob, MediaVersion
from media.service import (
    MediaSettings,
    add_media,
    delivery_spec,
    request_job,
    retry_job,
    set_packaging,
)
from schedule.builder_settings import episode_duration
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.conftest import NOW, Crew
from tests.media.conftest import Clips
from tests.schedule.conftest import make_slot, scheduler_person

__all__ = ["make_slot", "scheduler_person"]

OK = workflow.Checklist.all_confirmed()


@pytest.fixture
def settings(tmp_path: Path) -> MediaSettings:
    return MediaSettings(root=tmp_path / "media", max_bytes=50 * 2**20)


@pytest.fixture
def in_production(session: Session, crew: Crew, propose: Callable[..., Episode]) -> Episode:
    episode = propose(target_duration_s=2)  # the test clips last 2 s
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    return episode


def add(
    session: Session,
    crew: Crew,
    episode: Episode,
    source: Path,
    settings: MediaSettings,
    **kw: object,
) -> MediaVersion:
    options: dict[str, object] = {
        "expected_version": episode.version,
        "allowed": [source.parent],
    }
    options.update(kw)
    actor = options.pop("actor", crew.director)
    return add_media(session, actor, episode, source, NOW, settings, **options)  # type: ignore[arg-type]


def stored_files(settings: MediaSettings) -> list[Path]:
    if not settings.root.exists():
        return []
    return sorted(p for p in settings.root.rglob("*") if p.is_file())


def test_a_master_becomes_version_one_stored_by_content_hash_with_its_qc(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    before = in_production.version
    version = add(session, crew, in_production, clips.compliant, settings)
    assert version.number == 1
    assert in_production.version == before + 1  # one act, one version
    assert [p.relative_to(settings.root).as_posix() for p in stored_files(settings)] == [
        version.stored_as
    ]
    assert version.stored_as.startswith(version.sha256[:2] + "/")
    assert (settings.root / version.stored_as).read_bytes() == clips.compliant.read_bytes()
    assert version.qc_passed is True, version.qc
    assert {rule["code"] for rule in version.qc["rules"]} >= {"duration", "loudness", "true_peak"}
    assert version.probe["width"] == 1920
    assert in_production.media_version == 1
    assert in_production.state is State.IN_PRODUCTION


def test_the_schedule_plans_with_the_masters_measured_duration(
    session: Session,
    crew: Crew,
    propose: Callable[..., Episode],
    clips: Clips,
    settings: MediaSettings,
) -> None:
    episode = propose(target_duration_s=1800)
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    assert episode_duration(episode) == 1800
    version = add(session, crew, episode, clips.compliant, settings)
    assert episode_duration(episode) == 2
    failed = {rule["code"] for rule in version.qc["rules"] if not rule["passed"]}
    assert failed == {"duration"}  # 2 s against the 1,800 s the column expects


def test_an_upload_queues_the_review_material(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    version = add(session, crew, in_production, clips.compliant, settings)
    job = session.scalars(select(MediaJob).where(MediaJob.media_version_id == version.id)).one()
    assert (job.kind, job.state, job.progress) == (JobKind.REVIEW, JobState.QUEUED, 0.0)
    again = request_job(session, crew.director, version, JobKind.REVIEW, NOW, settings)
    assert again.id == job.id  # one active job of a kind per version


def test_a_new_version_after_a_sign_off_reopens_the_first_review(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    episode = in_production
    add(session, crew, episode, clips.compliant, settings)
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    workflow.sign_off(
        session,
        crew.producer,
        episode,
        episode.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=OK,
    )
    assert episode.state is State.SECOND_REVIEW
    second = add(session, crew, episode, clips.sd, settings)
    assert second.number == 2
    assert (episode.state, episode.review_round, episode.media_version) == (
        State.FIRST_REVIEW,
        2,
        2,
    )


def test_the_masters_qc_verdict_goes_to_the_episode_and_decides_the_sign_off(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    episode = in_production
    failed = add(session, crew, episode, clips.off_spec, settings)
    assert (failed.qc_passed, episode.media_qc_passed) == (False, False)
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    with pytest.raises(InvalidInput) as refused:
        workflow.sign_off(
            session,
            crew.producer,
            episode,
            episode.version,
            NOW,
            stage=workflow.Stage.FIRST,
            checklist=OK,
        )
    assert refused.value.code == "qc_override_needed"
    passed = add(session, crew, episode, clips.compliant, settings)
    assert (passed.qc_passed, episode.media_qc_passed) == (True, True)
    workflow.sign_off(
        session,
        crew.producer,
        episode,
        episode.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=OK,
    )
    assert episode.state is State.SECOND_REVIEW


def test_a_master_recorded_without_a_file_is_followed_by_the_next_number(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    episode = in_production
    workflow.new_media_version(session, crew.director, episode, episode.version, NOW, number=1)
    version = add(session, crew, episode, clips.compliant, settings)
    assert (version.number, episode.media_version, episode.media_qc_passed) == (2, 2, True)


def test_a_failed_job_is_tried_again_once_on_the_current_version_by_whom_may(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    version = add(session, crew, in_production, clips.compliant, settings)
    failed = session.scalars(select(MediaJob).where(MediaJob.media_version_id == version.id)).one()
    with pytest.raises(MediaError) as running:
        retry_job(session, crew.director, failed, NOW, settings)
    assert running.value.code == "not_failed"
    failed.state, failed.error = JobState.FAILED, "ffmpeg exited 1"
    session.flush()
    with pytest.raises(Forbidden):
        retry_job(session, crew.reviewer, failed, NOW, settings)
    again = retry_job(session, crew.director, failed, NOW, settings)
    assert (again.id != failed.id, again.kind, again.state) == (
        True,
        JobKind.REVIEW,
        JobState.QUEUED,
    )
    assert (failed.state, failed.error) == (JobState.FAILED, "ffmpeg exited 1")  # kept as it was
    with pytest.raises(MediaError) as twice:
        retry_job(session, crew.director, failed, NOW, settings)
    assert twice.value.code == "retried"
    add(session, crew, in_production, clips.sd, settings)  # version 2 is the master now
    again.state = JobState.FAILED
    session.flush()
    with pytest.raises(MediaError) as old:
        retry_job(session, crew.director, again, NOW, settings)
    assert old.value.code == "not_current"


def test_the_same_content_twice_is_stored_once(
    session: Session,
    crew: Crew,
    in_production: Episode,
    clips: Clips,
    settings: MediaSettings,
    tmp_path: Path,
) -> None:
    copy = tmp_path / "copy-of-master.mov"
    copy.write_bytes(clips.compliant.read_bytes())
    first = add(session, crew, in_production, clips.compliant, settings)
    second = add(session, crew, in_production, copy, settings)
    assert (first.number, second.number) == (1, 2)
    assert first.sha256 == second.sha256
    assert len(stored_files(settings)) == 2  # the .mp4 and the .mov name: same bytes
    assert second.original_name == "copy-of-master.mov"


@pytest.mark.parametrize(
    ("clip", "code"),
    [
        ("text", "not_video"),
        ("zero_bytes", "empty"),
        ("audio_only", "audio_only"),
        ("truncated", "incomplete"),
    ],
)
def test_a_refused_file_stores_nothing_and_leaves_the_episode_as_it_was(
    session: Session,
    crew: Crew,
    in_production: Episode,
    clips: Clips,
    settings: MediaSettings,
    clip: str,
    code: str,
) -> None:
    before = in_production.version
    with pytest.raises(MediaError) as refused:
        add(session, crew, in_production, getattr(clips, clip), settings)
    assert refused.value.code == code
    assert stored_files(settings) == []
    assert session.scalar(select(func.count()).select_from(MediaVersion)) == 0
    assert (in_production.version, in_production.media_version) == (before, None)


def test_a_file_outside_the_allowed_folders_is_refused_unread(
    session: Session,
    crew: Crew,
    in_production: Episode,
    clips: Clips,
    settings: MediaSettings,
    tmp_path: Path,
) -> None:
    with pytest.raises(MediaError) as refused:
        add(session, crew, in_production, clips.compliant, settings, allowed=[tmp_path / "inbox"])
    assert refused.value.code == "outside"
    assert "inbox" in refused.value.message
    assert stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, tmp_path: Path
) -> None:
    small = MediaSettings(root=tmp_path / "media", max_bytes=1000)
    with pytest.raises(MediaError) as refused:
        add(session, crew, in_production, clips.compliant, small)
    assert refused.value.code == "too_large"
    assert stored_files(small) == []


def test_who_may_not_add_media_is_refused_before_the_file_is_read(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    with pytest.raises(Forbidden):
        add(session, crew, in_production, clips.compliant, settings, actor=crew.reviewer)
    assert stored_files(settings) == []


def test_a_stale_episode_version_is_refused_before_the_copy(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    with pytest.raises(Conflict):
        add(
            session,
            crew,
            in_production,
            clips.compliant,
            settings,
            expected_version=in_production.version - 1,
        )
    assert stored_files(settings) == []


def test_a_rolled_back_upload_removes_the_file_it_stored_but_not_one_stored_before(
    session: Session,
    crew: Crew,
    in_production: Episode,
    clips: Clips,
    settings: MediaSettings,
) -> None:
    kept = add(session, crew, in_production, clips.compliant, settings)
    session.commit()
    add(session, crew, in_production, clips.sd, settings)
    add(session, crew, in_production, clips.compliant, settings)  # same bytes as version 1
    assert len(stored_files(settings)) == 2
    session.rollback()
    assert [p.relative_to(settings.root).as_posix() for p in stored_files(settings)] == [
        kept.stored_as
    ]


def test_the_delivery_spec_is_the_target_duration_and_the_planned_premiere_slot(
    session: Session, in_production: Episode, make_slot: Callable[..., Slot]
) -> None:
    spec = delivery_spec(session, in_production)
    assert (spec.target_seconds, spec.tolerance_seconds, spec.slot_seconds) == (2, 30, None)
    make_slot(duration_s=1800)  # the column's longest slot does not hold a short episode
    assert delivery_spec(session, in_production).slot_seconds is None
    planned = make_slot(
        name="周六首播", duration_s=1500, rrule="FREQ=WEEKLY;BYDAY=SA", local_start=time(21)
    )
    session.add(  # a cancelled premiere is no plan
        Airing(
            slot_id=planned.id,
            episode_id=in_production.id,
            kind=SlotKind.PREMIERE,
            starts_at=NOW,
            ends_at=NOW + timedelta(minutes=25),
            status=AiringStatus.CANCELLED,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()
    assert delivery_spec(session, in_production).slot_seconds is None
    session.add(
        Airing(
            slot_id=planned.id,
            episode_id=in_production.id,
            kind=SlotKind.PREMIERE,
            starts_at=NOW + timedelta(days=7),
            ends_at=NOW + timedelta(days=7, minutes=25),
            status=AiringStatus.DRAFT,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()
    assert delivery_spec(session, in_production).slot_seconds == 1500


def test_packaging_needs_the_columns_clips_and_a_right_to_package(
    session: Session, crew: Crew, in_production: Episode, clips: Clips, settings: MediaSettings
) -> None:
    version = add(session, crew, in_production, clips.compliant, settings)
    with pytest.raises(MediaError) as refused:
        request_job(session, crew.director, version, JobKind.PACKAGE, NOW, settings)
    assert refused.value.code == "no_packaging"
    folder = clips.compliant.parent
    with pytest.raises(Forbidden):
        set_packaging(
            session,
            crew.director,
            crew.column,
            clips.sd,
            clips.sd,
            NOW,
            settings,
            allowed=[folder],
        )
    set_packaging(
        session,
        crew.admin,
        crew.column,
        clips.sd,
        clips.silent_picture,
        NOW,
        settings,
        allowed=[folder],
    )
    packaging = session.get(ColumnPackaging, crew.column.id)
    assert packaging is not None
    assert (settings.root / packaging.closing_stored_as).read_bytes() == (
        clips.silent_picture.read_bytes()
    )
    with pytest.raises(Forbidden):
        request_job(session, crew.reviewer, version, JobKind.PACKAGE, NOW, settings)
    job = request_job(session, crew.director, version, JobKind.PACKAGE, NOW, settings)
    assert (job.kind, job.state) == (JobKind.PACKAGE, JobState.QUEUED)


def test_a_packaging_clip_that_is_not_a_video_is_refused(
    session: Session, crew: Crew, clips: Clips, settings: MediaSettings
) -> None:
    with pytest.raises(MediaError) as refused:
        set_packaging(
            session,
            crew.admin,
            crew.column,
            clips.sd,
            clips.text,
            NOW,
            settings,
            allowed=[clips.text.parent],
        )
    assert refused.value.code == "not_video"
    assert stored_files(settings) == []
    assert session.get(ColumnPackaging, crew.column.id) is None
