"""Air-schedule models: slots, their dated exceptions, airings, builds,
notifications, and the scheduler service's job store and run ledger."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Time,
    Unicode,
    UniqueConstraint,
    text,
)
from sqlalchemy import Column as TableColumn
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editorial.db import Base
from editorial.models import Column, Episode, UTCDateTime, str_enum


class SlotKind(enum.StrEnum):
    PREMIERE = "premiere"  # 首播
    RERUN = "rerun"  # 重播


class SlotDateKind(enum.StrEnum):
    EXCEPTION = "exception"  # a preemption or blackout removes the occurrence that day
    EXTRA = "extra"  # an extra occurrence that day, at the slot's time


class AiringStatus(enum.StrEnum):
    DRAFT = "draft"  # 草稿: a rebuild may change it
    PUBLISHED = "published"  # 已发布: inside the frozen horizon, changes bump the revision
    AIRED = "aired"  # 已播出
    CANCELLED = "cancelled"  # removed from a published schedule (kept for the feeds)


class Slot(Base):
    """A recurring airing of a column on a station and channel (播出时段).

    The recurrence is an RFC 5545 RRULE value in the slot's time zone, starting
    on ``first_date`` at ``local_start`` and ending by ``last_date``. A rerun
    slot (重播) replays a premiere of ``rerun_of``: the most recent premiere
    before it (``rerun_back`` 1) or one further back. A campaign slot is a
    concentrated broadcast window (集中播放): a daily rule between two dates.
    """

    __tablename__ = "slots"
    __table_args__ = (
        CheckConstraint("duration_s > 0 AND duration_s <= 86400", name="duration_positive"),
        CheckConstraint("last_date IS NULL OR last_date >= first_date", name="dates_ordered"),
        CheckConstraint("(kind = 'rerun') = (rerun_of_id IS NOT NULL)", name="rerun_has_premiere"),
        CheckConstraint("rerun_back >= 1", name="rerun_back_positive"),
        CheckConstraint("rrule <> ''", name="rrule_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[SlotKind] = mapped_column(str_enum(SlotKind, "slot_kind"))
    station: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    local_start: Mapped[time] = mapped_column(Time)
    duration_s: Mapped[int] = mapped_column(Integer)
    rrule: Mapped[str] = mapped_column(String(500))
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date | None] = mapped_column(Date)
    rerun_of_id: Mapped[int | None] = mapped_column(ForeignKey("slots.id"))
    rerun_back: Mapped[int] = mapped_column(Integer, default=1)
    campaign: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    column: Mapped[Column] = relationship()
    rerun_of: Mapped[Slot | None] = relationship(remote_side=[id])
    dates: Mapped[list[SlotDate]] = relationship(
        back_populates="slot", order_by="SlotDate.day", cascade="all, delete-orphan"
    )


class SlotDate(Base):
    """A dated exception (preemption, blackout) or extra occurrence of a slot."""

    __tablename__ = "slot_dates"
    __table_args__ = (
        UniqueConstraint("slot_id", "day", "kind"),
        CheckConstraint("kind <> 'exception' OR reason <> ''", name="exception_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[SlotDateKind] = mapped_column(str_enum(SlotDateKind, "slot_date_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship(back_populates="dates")


class Airing(Base):
    """One occurrence of a slot with the episode that airs in it (播出安排)."""

    __tablename__ = "airings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("(kind = 'rerun') = (premiere_id IS NOT NULL)", name="rerun_has_premiere"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
        # One live airing per slot occurrence, and one live premiere per episode.
        Index(
            "uq_airings_live_occurrence",
            "slot_id",
            "starts_at",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index(
            "uq_airings_live_premiere",
            "episode_id",
            unique=True,
            sqlite_where=text("kind = 'premiere' AND status <> 'cancelled'"),
            postgresql_where=text("kind = 'premiere' AND status <> 'cancelled'"),
        ),
        Index("ix_airings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    kind: Mapped[SlotKind] = mapped_column(str_enum(SlotKind, "slot_kind"))
    premiere_id: Mapped[int | None] = mapped_column(ForeignKey("airings.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[AiringStatus] = mapped_column(str_enum(AiringStatus, "airing_status"))
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    exchange: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship()
    episode: Mapped[Episode] = relationship()
    premiere: Mapped[Airing | None] = relationship(remote_side=[id])


class ScheduleBuild(Base):
    """One run of the schedule builder, and what it could not place."""

    __tablename__ = "schedule_builds"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    horizon_from: Mapped[date] = mapped_column(Date)
    horizon_to: Mapped[date] = mapped_column(Date)
    airings: Mapped[int] = mapped_column(Integer, default=0)
    unscheduled: Mapped[int] = mapped_column(Integer, default=0)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")


class Unscheduled(Base):
    """An approved episode a build left without a premiere, and why."""

    __tablename__ = "unscheduled_episodes"
    __table_args__ = (UniqueConstraint("build_id", "episode_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    build_id: Mapped[int] = mapped_column(ForeignKey("schedule_builds.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    reason: Mapped[str] = mapped_column(String(40))  # a code, e.g. "no_slot_before_deadline"
    detail: Mapped[str] = mapped_column(Text, default="")

    episode: Mapped[Episode] = relationship()


class Notification(Base):
    """A message for a person from the scheduler service (reminders, deadlines)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    message: Mapped[str] = mapped_column(Text)
    # The same reminder is never sent twice: jobs are idempotent on this key.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class RunStatus(enum.StrEnum):
    RUNNING = "running"  # claimed; the run's own transaction has not committed (yet)
    DONE = "done"
    FAILED = "failed"  # rolled back; the error is in ``detail``
    MISSED = "missed"  # not run: later than the job's misfire grace (waited behind others)


class SchedulerRun(Base):
    """One fire time of a scheduler service job (the run ledger).

    A fire time is claimed (``running``) in a short transaction of its own
    when the scheduler submits it; the job's work and the move to ``done``
    commit together. So a fire time never runs twice (the unique key), none is
    dropped without a trace, and one left ``running`` by a leader that died is
    run again by the next leader (docs/decisions/0001).
    """

    __tablename__ = "scheduler_runs"
    __table_args__ = (
        UniqueConstraint("job_id", "fire_time"),
        Index("ix_scheduler_runs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(100))
    fire_time: Mapped[datetime] = mapped_column(UTCDateTime)
    runner: Mapped[str] = mapped_column(String(120))  # host:pid of the scheduler process
    status: Mapped[RunStatus] = mapped_column(str_enum(RunStatus, "run_status"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[int | None] = mapped_column(Integer)  # how many things the run changed
    detail: Mapped[str] = mapped_column(Text, default="")


# APScheduler's SQLAlchemyJobStore table, with APScheduler 3.x's own columns. Declared here so
# that `tvcolumn db upgrade` creates it (the store's own CREATE TABLE then finds it) and
# autogenerated migrations leave it alone.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    TableColumn("id", Unicode(191), primary_key=True),
    TableColumn("next_run_time", Float(25), index=True),
    TableColumn("job_state", LargeBinary, nullable=False),
)
