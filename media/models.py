"""Media models: each upload of an episode's master is a new media version."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editorial.db import Base
from editorial.models import Column, Episode, Person, UTCDateTime, str_enum


class MediaVersion(Base):
    """One uploaded master of an episode (媒体版本), stored once by its SHA-256."""

    __tablename__ = "media_versions"
    __table_args__ = (
        UniqueConstraint("episode_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per episode: Episode.media_version
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_as: Mapped[str] = mapped_column(String(200))  # relative to the media folder
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    qc: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    qc_passed: Mapped[bool | None] = mapped_column(Boolean)

    episode: Mapped[Episode] = relationship()
    uploaded_by: Mapped[Person] = relationship()


class JobKind(enum.StrEnum):
    REVIEW = "review"  # contact sheet and review proxy (审看样片)
    PACKAGE = "package"  # the broadcast master with the column's opening and closing (栏目包装)


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


ACTIVE_JOB_STATES = (JobState.QUEUED, JobState.RUNNING)


class MediaJob(Base):
    """Work on one media version, done by a media worker (``media.queue``).

    At most one queued or running job of each kind per version (partial unique
    index). ``outputs`` names the files made, relative to the media folder.
    """

    __tablename__ = "media_jobs"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_fraction"),
        CheckConstraint("timeout_s > 0", name="timeout_positive"),
        CheckConstraint("attempt >= 0", name="attempt_not_negative"),
        Index(
            "uq_media_jobs_active",
            "media_version_id",
            "kind",
            unique=True,
            sqlite_where=text("state IN ('queued', 'running')"),
            postgresql_where=text("state IN ('queued', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_version_id: Mapped[int] = mapped_column(ForeignKey("media_versions.id"), index=True)
    kind: Mapped[JobKind] = mapped_column(str_enum(JobKind, "media_job_kind"))
    state: Mapped[JobState] = mapped_column(str_enum(JobState, "media_job_state"), index=True)
    step: Mapped[str] = mapped_column(String(40), default="")
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    timeout_s: Mapped[int] = mapped_column(Integer)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    # Which attempt runs the job: each claim adds one, and a worker writes progress and the
    # outcome only while the attempt is its own (a worker given up for dead cannot).
    attempt: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    worker: Mapped[str | None] = mapped_column(String(255))  # "host:pid" of the running worker
    log: Mapped[str | None] = mapped_column(Text)  # what the job chose and why, a line each
    task_id: Mapped[int | None] = mapped_column(BigInteger)  # procrastinate's job of the attempt
    outputs: Mapped[dict[str, str] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)

    media_version: Mapped[MediaVersion] = relationship()
    requested_by: Mapped[Person] = relationship()


class ColumnPackaging(Base):
    """A column's opening and closing clips (片头、片尾), stored like masters by content hash."""

    __tablename__ = "column_packaging"

    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), primary_key=True)
    opening_stored_as: Mapped[str] = mapped_column(String(200))
    opening_sha256: Mapped[str] = mapped_column(String(64))
    closing_stored_as: Mapped[str] = mapped_column(String(200))
    closing_sha256: Mapped[str] = mapped_column(String(64))
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    column: Mapped[Column] = relationship()
