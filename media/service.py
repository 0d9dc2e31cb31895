"""Adding a master to an episode (上传成片), and the column's packaging clips.

``add_media`` is the one way a media version comes to be, for the CLI, the
page and the API alike: the source is checked (allowed folder, size), probed
and measured *before* anything is stored, so a refused file leaves nothing;
then it is stored by content hash, the QC report is written, the workflow
records the new version (which reopens review after a sign-off), and the
review material is queued (``media.queue``: for the scheduler service's worker
or, on PostgreSQL, for any media worker). If the
caller's transaction fails afterwards, ``discard_unreferenced`` removes a
file stored for nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Forbidden
from editorial.models import Column, Episode, Person, Role
from editorial.workflow import Act, roles_in
from media import probe as probing
from media import qc, queue, storage
from media.errors import MediaError
from media.models import (
    ACTIVE_JOB_STATES,
    ColumnPackaging,
    JobKind,
    JobState,
    MediaJob,
    MediaVersion,
)
from schedule.builder_settings import BuildSettings
from schedule.models import Airing, AiringStatus, Slot, SlotKind

GIB = 2**30


@dataclass(frozen=True)
class MediaSettings:
    """Where media lives and what may be added (``TVCOLUMN_MEDIA_*``, see the README)."""

    root: Path  # the media folder: masters, packaging clips, review material
    import_dirs: tuple[Path, ...] = ()  # folders the CLI may add files from
    max_bytes: int = 20 * GIB
    review_timeout_s: int = 1800
    package_timeout_s: int = 3600
    loudness_timeout_s: float = qc.LOUDNESS_TIMEOUT_SECONDS
    # How queued jobs get done (media.queue.Engine): "service" (the scheduler service's
    # workers) or "procrastinate" (media workers on any machine; PostgreSQL).
    queue: str = "service"

    @property
    def incoming(self) -> Path:
        """Where uploads through the page or the API wait while they are checked."""
        return self.root / ".incoming"


def delivery_spec(session: Session, episode: Episode) -> qc.DeliverySpec:
    """The delivery specification a master of ``episode`` is checked against: the episode's
    target duration within the builder's tolerance and, once a premiere is planned, the
    length of its slot (a 15-minute episode is not held to a column's 30-minute slot)."""
    planned = session.scalar(
        select(Slot.duration_s)
        .join(Airing, Airing.slot_id == Slot.id)
        .where(
            Airing.episode_id == episode.id,
            Airing.kind == SlotKind.PREMIERE,
            Airing.status != AiringStatus.CANCELLED,
        )
        .order_by(Airing.starts_at)
        .limit(1)
    )
    return qc.DeliverySpec(
        target_seconds=episode.target_duration_s,
        tolerance_seconds=BuildSettings().over_tolerance_s,
        slot_seconds=planned,
    )


def add_media(
    session: Session,
    actor: Person,
    episode: Episode,
    source: Path,
    now: datetime,
    settings: MediaSettings,
    *,
    expected_version: int,
    allowed: Sequence[Path],
    original_name: str | None = None,
) -> MediaVersion:
    """Make ``source`` the episode's next media version; the caller commits.

    ``allowed`` are the folders ``source`` may lie in: the import folders for
    the CLI, the incoming folder for uploads.
    """
    workflow.authorize(session, actor, episode, Act.NEW_MEDIA)
    workflow.check_version(session, episode, expected_version)  # before the copy, not after
    path = storage.check_source(source, list(allowed), settings.max_bytes)
    probe = probing.probe(path)
    loudness = qc.loudness(path, timeout=settings.loudness_timeout_s) if probe.has_audio else None
    report = qc.check(probe, loudness, delivery_spec(session, episode))
    stored = storage.store(path, settings.root, settings.max_bytes)
    if stored.created:
        _remove_on_rollback(session, stored.path(settings.root))
    last = session.scalar(
        select(func.max(MediaVersion.number)).where(MediaVersion.episode_id == episode.id)
    )
    # The episode may record a master with no stored file (one from before the media
    # tables, or the editorial demo's): the new one is numbered after both.
    number = max(last or 0, episode.media_version or 0) + 1
    version = MediaVersion(
        episode_id=episode.id,
        number=number,
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
        original_name=(original_name or source.name)[:255],
        stored_as=stored.relative,
        uploaded_by_id=actor.id,
        uploaded_at=now,
        probe=probe.as_json(),
        qc={**report.as_json(), "loudness": loudness.as_json() if loudness else None},
        qc_passed=report.passed,
    )
    session.add(version)
    session.flush()
    workflow.new_media_version(
        session,
        actor,
        episode,
        expected_version,
        now,
        number=number,
        duration_s=round(probe.duration),
        qc_passed=report.passed,
    )
    request_job(session, actor, version, JobKind.REVIEW, now, settings)
    return version


def request_job(
    session: Session,
    actor: Person,
    version: MediaVersion,
    kind: JobKind,
    now: datetime,
    settings: MediaSettings,
) -> MediaJob:
    """Queue work on a media version; an existing queued or running job of that kind is reused."""
    if kind is JobKind.PACKAGE:
        _check_may_package(session, actor, version.episode)
        if session.get(ColumnPackaging, version.episode.column_id) is None:
            raise MediaError(
                f"column {version.episode.column.slug} has no opening and closing clips yet: "
                "its administrator adds them first (tvcolumn media packaging).",
                code="no_packaging",
            )
    active = session.scalar(
        select(MediaJob).where(
            MediaJob.media_version_id == version.id,
            MediaJob.kind == kind,
            MediaJob.state.in_(ACTIVE_JOB_STATES),
        )
    )
    if active is not None:
        return active
    timeout = settings.review_timeout_s if kind is JobKind.REVIEW else settings.package_timeout_s
    job = MediaJob(
        media_version_id=version.id,
        kind=kind,
        state=JobState.QUEUED,
        step="",
        progress=0.0,
        timeout_s=timeout,
        requested_by_id=actor.id,
        requested_at=now,
    )
    session.add(job)
    session.flush()
    if settings.queue == queue.Engine.PROCRASTINATE:
        queue.defer(session, job.id)
    return job


# Who may ask for the broadcast master with the column's packaging (栏目包装).
PACKAGERS = frozenset({Role.EDITOR_DIRECTOR, Role.PRODUCER, Role.SCHEDULER})


def retry_job(
    session: Session, actor: Person, job: MediaJob, now: datetime, settings: MediaSettings
) -> MediaJob:
    """Queue a failed job's work again (重试), on the same media version; the failed job
    stays as it was. Only the latest job of its kind on the current version is retried,
    by someone who may package in the episode's column (the editor-director, a producer,
    a scheduler)."""
    version = job.media_version
    episode = version.episode
    if job.state is not JobState.FAILED:
        raise MediaError(f"job {job.id} is {job.state.value}, not failed", code="not_failed")
    if episode.media_version != version.number:
        raise MediaError(
            f"job {job.id} worked on media version {version.number}; the episode's master is "
            f"now version {episode.media_version}",
            code="not_current",
        )
    latest = session.scalar(
        select(MediaJob.id)
        .where(MediaJob.media_version_id == version.id, MediaJob.kind == job.kind)
        .order_by(MediaJob.requested_at.desc(), MediaJob.id.desc())
        .limit(1)
    )
    if latest != job.id:
        raise MediaError(f"job {job.id} was already tried again (job {latest})", code="retried")
    _check_may_package(session, actor, episode)
    return request_job(session, actor, version, job.kind, now, settings)


def may_package(actor: Person, roles: set[Role]) -> bool:
    """Whether ``actor``, holding ``roles`` in the episode's column, may ask for packaging."""
    return actor.active and bool(roles & PACKAGERS)


def _check_may_package(session: Session, actor: Person, episode: Episode) -> None:
    if not may_package(actor, roles_in(session, actor, episode.column_id)):
        raise Forbidden(
            f"{actor.username} may not package episodes of column {episode.column.slug}: "
            "an editor-director, producer or scheduler of the column may",
            code="may_not_package",
            column=episode.column.name,
        )


def set_packaging(
    session: Session,
    actor: Person,
    column: Column,
    opening: Path,
    closing: Path,
    now: datetime,
    settings: MediaSettings,
    *,
    allowed: Sequence[Path],
) -> ColumnPackaging:
    """Store the column's opening and closing clips (片头、片尾); its administrator's act."""
    if not actor.active or Role.ADMIN not in roles_in(session, actor, column.id):
        raise Forbidden(
            f"{actor.username} is not an administrator of column {column.slug}",
            code="not_column_admin",
            column=column.name,
        )
    clips = []
    for source in (opening, closing):
        path = storage.check_source(source, list(allowed), settings.max_bytes)
        probing.probe(path)
        clips.append(path)
    opened = storage.store(clips[0], settings.root, settings.max_bytes)
    closed = storage.store(clips[1], settings.root, settings.max_bytes)
    for stored in (opened, closed):
        if stored.created:
            _remove_on_rollback(session, stored.path(settings.root))
    packaging = session.get(ColumnPackaging, column.id) or ColumnPackaging(column_id=column.id)
    packaging.opening_stored_as, packaging.opening_sha256 = opened.relative, opened.sha256
    packaging.closing_stored_as, packaging.closing_sha256 = closed.relative, closed.sha256
    packaging.updated_by_id, packaging.updated_at = actor.id, now
    session.add(packaging)
    session.flush()
    return packaging


def current_version(session: Session, episode: Episode) -> MediaVersion | None:
    if episode.media_version is None:
        return None
    return session.scalar(
        select(MediaVersion).where(
            MediaVersion.episode_id == episode.id, MediaVersion.number == episode.media_version
        )
    )


def _remove_on_rollback(session: Session, path: Path) -> None:
    """Remove a file this transaction stored if the transaction is rolled back, not committed."""
    committed = False

    def on_commit(_session: Session) -> None:
        nonlocal committed
        committed = True

    def on_rollback(_session: Session) -> None:
        if not committed:
            path.unlink(missing_ok=True)

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_rollback", on_rollback, once=True)
