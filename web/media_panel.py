"""What the episode page's media panel shows one viewer: the media versions, the current
master's QC report, its review material and packaging, and what the viewer may do.

Reading only: one statement, and none for an episode without media.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, joinedload

from editorial.models import Episode, Person, ReviewNote, Role
from editorial.review_notes import Picture
from editorial.workflow import Act
from media.models import (
    ACTIVE_JOB_STATES,
    ColumnPackaging,
    JobKind,
    JobState,
    MediaJob,
    MediaVersion,
)
from media.service import may_package
from web.qc_lines import Line, lines

# Who may ask for the broadcast master with the column's opening and closing
# (media.service.request_job checks the same and refuses anyone else).
# The files media jobs make, by the name a job's ``outputs`` gives each.
OUTPUTS = ("contact_sheet", "proxy", "poster", "packaged")


@dataclass
class MediaPanel:
    versions: list[MediaVersion]  # newest first
    current: MediaVersion | None
    jobs: list[MediaJob] = field(default_factory=list)  # of the current version, newest first
    may_upload: bool = False  # the viewer may add a media version now
    may_package: bool = False  # the viewer may ask for packaging
    packaging_ready: bool = False  # the column has its opening and closing clips
    notes: list[ReviewNote] = field(default_factory=list)  # every version's, picture order
    picture: Picture | None = None  # the current master as notes count it
    may_note: bool = False  # the viewer may note frames (acts at the review stage)
    may_resolve: bool = False  # the viewer marks notes resolved (the responsible producer)
    previous: MediaVersion | None = None  # the version before the current one
    previous_review: MediaJob | None = None  # its review material, when it was made

    @property
    def qc_changes(self) -> list[tuple[Line, Line | None]]:
        """Each rule of the current version beside the previous version's, in report order."""
        if self.current is None or self.previous is None:
            return []
        before = {line.code: line for line in lines(self.previous.qc)}
        return [(rule, before.get(rule.code)) for rule in self.rules]

    def notes_on(self, number: int) -> list[ReviewNote]:
        return [n for n in self.notes if n.media_version == number]

    @property
    def open_notes(self) -> list[ReviewNote]:
        return [n for n in self.notes if n.resolved_at is None]

    def latest(self, kind: JobKind) -> MediaJob | None:
        return next((job for job in self.jobs if job.kind is kind), None)

    @property
    def review(self) -> MediaJob | None:
        return self.latest(JobKind.REVIEW)

    @property
    def package(self) -> MediaJob | None:
        return self.latest(JobKind.PACKAGE)

    @property
    def active(self) -> bool:
        """Some work on the current version is queued or running: the page follows it."""
        return any(job.state in ACTIVE_JOB_STATES for job in (self.review, self.package) if job)

    @property
    def rules(self) -> list[Line]:
        """The current version's QC rules in the reader's language, in the report's order."""
        return lines(self.current.qc) if self.current is not None else []


def media_panel(
    session: Session, viewer: Person, episode: Episode, acts: list[Act], roles: set[Role]
) -> MediaPanel:
    """The panel; two statements when the episode has media (none before its first
    upload): its versions, each row joined to the current version's jobs, and whether the
    column has its packaging clips; and its review notes with their authors."""
    panel = MediaPanel([], None, may_upload=Act.NEW_MEDIA in acts)
    if episode.media_version is None:
        return panel
    packaging = exists().where(ColumnPackaging.column_id == episode.column_id)
    rows = session.execute(
        select(MediaVersion, MediaJob, packaging)
        .outerjoin(
            MediaJob,
            and_(
                MediaJob.media_version_id == MediaVersion.id,
                MediaVersion.number == episode.media_version,
            ),
        )
        .where(MediaVersion.episode_id == episode.id)
        .options(joinedload(MediaVersion.uploaded_by))
        .order_by(MediaVersion.number.desc(), MediaJob.requested_at.desc(), MediaJob.id.desc())
    ).all()
    for version, job, ready in rows:
        if not panel.versions or panel.versions[-1].id != version.id:
            panel.versions.append(version)
        if job is not None:
            panel.jobs.append(job)
        panel.packaging_ready = bool(ready)
    panel.current = next((v for v in panel.versions if v.number == episode.media_version), None)
    panel.may_package = panel.current is not None and may_package(viewer, roles)
    panel.picture = picture_of(panel.current)
    if panel.current is not None:
        panel.previous = next((v for v in panel.versions if v.number < panel.current.number), None)
    if panel.previous is not None:
        panel.previous_review = session.scalar(
            select(MediaJob)
            .where(
                MediaJob.media_version_id == panel.previous.id,
                MediaJob.kind == JobKind.REVIEW,
                MediaJob.state == JobState.DONE,
            )
            .order_by(MediaJob.requested_at.desc(), MediaJob.id.desc())
            .limit(1)
        )
    panel.notes = list(
        session.scalars(
            select(ReviewNote)
            .where(ReviewNote.episode_id == episode.id)
            .options(joinedload(ReviewNote.author), joinedload(ReviewNote.resolved_by))
            .order_by(ReviewNote.media_version, ReviewNote.frame, ReviewNote.id)
        )
    )
    panel.may_note = panel.picture is not None and Act.RETURN in acts
    panel.may_resolve = (
        episode.responsible_producer_id == viewer.id and Role.PRODUCER in roles and viewer.active
    )
    return panel


def current_jobs(session: Session, version: MediaVersion) -> list[MediaJob]:
    return list(
        session.scalars(
            select(MediaJob)
            .where(MediaJob.media_version_id == version.id)
            .order_by(MediaJob.requested_at.desc(), MediaJob.id.desc())
        )
    )


def human_size(size: int | float) -> str:
    """A size in bytes as people read it: 1.2 GB, 34.5 MB, 12 KB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"  # pragma: no cover


def clock(seconds: float | None) -> str:
    """A duration as h:mm:ss or m:ss."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def picture_of(version: MediaVersion | None) -> Picture | None:
    """The master as review notes count it (frame rate and length from its probe), or
    None when it has no readable probe."""
    probe = version.probe if version is not None else None
    if version is None or not probe or not probe.get("fps") or not probe.get("duration"):
        return None
    fps = float(probe["fps"])
    return Picture(version.number, fps, int(float(probe["duration"]) * fps))
