"""Air-schedule models: slots, their dated exceptions, airings, builds and the
episodes a build could not place."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editorial.db import Base
from editorial.models import Column, Episode, Person, UTCDateTime, str_enum


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
    """A dated exception (a stop date, 停播: a preemption or blackout) or an extra
    occurrence of a slot.

    A stop date is never deleted: removing it stamps who removed it, when and why,
    so the slot's page keeps the record of every stop added and removed. Only one
    live (not removed) row per slot, day and kind.
    """

    __tablename__ = "slot_dates"
    __table_args__ = (
        Index(
            "uq_slot_dates_live_day",
            "slot_id",
            "day",
            "kind",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        CheckConstraint("kind <> 'exception' OR reason <> ''", name="exception_has_reason"),
        CheckConstraint(
            "(removed_at IS NULL AND removed_by_id IS NULL AND removal_reason = '')"
            " OR (removed_at IS NOT NULL AND removed_by_id IS NOT NULL AND removal_reason <> '')",
            name="removal_recorded",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[SlotDateKind] = mapped_column(str_enum(SlotDateKind, "slot_date_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # None: before 15
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    removal_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    slot: Mapped[Slot] = relationship(back_populates="dates")
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
    removed_by: Mapped[Person | None] = relationship(foreign_keys=[removed_by_id])


class Airing(Base):
    """One occurrence of a slot with the episode that airs in it (播出安排)."""

    __tablename__ = "airings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("(kind = 'rerun') = (premiere_id IS NOT NULL)", name="rerun_has_premiere"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
        # A fill (补播) replays an aired episode: a rerun of its premiere, never a premiere.
        CheckConstraint("NOT fill OR kind = 'rerun'", name="fill_is_rerun"),
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
    # A rerun the builder put into an empty premiere occurrence (补播, ``schedule.fill``).
    fill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reason: Mapped[str] = mapped_column(Text, default="")
    revision: Mapped[int] = mapped_column(Integer, default=0)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship()
    episode: Mapped[Episode] = relationship()
    premiere: Mapped[Airing | None] = relationship(remote_side=[id])


class FillSwitch(Base):
    """A scheduler switching the rerun fill (补播) of a column off or on again.

    Rows are only added, never changed: the latest row of a column is its
    setting (on when it has none), the rows together the record of who switched
    it when.
    """

    __tablename__ = "rerun_fill_switches"

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    fill: Mapped[bool] = mapped_column(Boolean)
    switched_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    switched_at: Mapped[datetime] = mapped_column(UTCDateTime)

    switched_by: Mapped[Person] = relationship()


class KeepEmpty(Base):
    """A premiere occurrence (a local day of a slot) the builder must not fill with a
    rerun (留空): the scheduler knows it stays empty.

    Removing the mark stamps who removed it and when; one live mark per slot and day.
    """

    __tablename__ = "keep_empty_days"
    __table_args__ = (
        Index(
            "uq_keep_empty_days_live_day",
            "slot_id",
            "day",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
        CheckConstraint("(removed_at IS NULL) = (removed_by_id IS NULL)", name="removal_recorded"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slots.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    slot: Mapped[Slot] = relationship()
    created_by: Mapped[Person] = relationship(foreign_keys=[created_by_id])
    removed_by: Mapped[Person | None] = relationship(foreign_keys=[removed_by_id])


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


class BroadcastChannel(Base):
    """A channel of a station (频道) that slots air on.

    ``station`` and ``name`` are spelled as the slots spell them (``Slot.station``,
    ``Slot.channel``); ``code`` is the channel's short ASCII name in addresses, the
    XMLTV guide and the files handed to the station. A channel row exists for every
    station and channel a slot airs on (``schedule.channels.ensure_channel``).
    """

    __tablename__ = "channels"
    __table_args__ = (
        UniqueConstraint("station", "name"),
        UniqueConstraint("code"),
        CheckConstraint("code <> ''", name="code_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(80))
    code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AsRunOutcome(enum.StrEnum):
    """What the station's as-run log (播后记录) says of a planned airing."""

    CONFIRMED = "confirmed"  # 已确认播出: on time, full length
    LATE = "late"  # 迟播: started later (or earlier) than planned beyond the tolerance
    SHORT = "short"  # 时长不足: aired shorter than planned beyond the tolerance
    MISSING = "missing"  # 漏播: planned, not in the log


class AsRunLog(Base):
    """One as-run log file a station exported for a channel, as imported (播后记录).

    A file is stored once per channel by its SHA-256: importing it again changes
    nothing. ``first_day``..``last_day`` are the local days its rows cover.
    """

    __tablename__ = "asrun_logs"
    __table_args__ = (
        UniqueConstraint("channel_id", "sha256"),
        CheckConstraint("last_day >= first_day", name="days_ordered"),
        CheckConstraint("rows > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(8))  # "csv" or "xlsx"
    encoding: Mapped[str] = mapped_column(String(20), default="")  # of a CSV: utf-8, gb18030
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    rows: Mapped[int] = mapped_column(Integer)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    channel: Mapped[BroadcastChannel] = relationship()
    imported_by: Mapped[Person] = relationship()


class AsRunEntry(Base):
    """One row of an as-run log: what the station's playout says it aired.

    ``airing_id`` is the planned airing the row was matched to; None: unplanned
    (in the log, not in the schedule).
    """

    __tablename__ = "asrun_entries"
    __table_args__ = (
        UniqueConstraint("log_id", "row"),
        CheckConstraint("duration_ms >= 0", name="duration_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("asrun_logs.id"), index=True)
    row: Mapped[int] = mapped_column(Integer)  # the row's number in the file, header is 1
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    house_id: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(40), default="")  # as the playout wrote it
    airing_id: Mapped[int | None] = mapped_column(ForeignKey("airings.id"), index=True)

    log: Mapped[AsRunLog] = relationship()
    airing: Mapped[Airing | None] = relationship()


class AsRunResult(Base):
    """What the latest as-run log covering a planned airing says of it.

    One row per airing: a later log for the same days replaces it. An airing whose
    time has passed without a result is aired, unconfirmed (已播出（未确认）).
    """

    __tablename__ = "asrun_results"
    __table_args__ = (
        UniqueConstraint("airing_id"),
        CheckConstraint("(outcome = 'missing') = (entry_id IS NULL)", name="missing_has_no_entry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    airing_id: Mapped[int] = mapped_column(ForeignKey("airings.id"))
    log_id: Mapped[int] = mapped_column(ForeignKey("asrun_logs.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("asrun_entries.id"))
    outcome: Mapped[AsRunOutcome] = mapped_column(str_enum(AsRunOutcome, "asrun_outcome"))
    # Seconds the airing started after (negative: before) its planned start, and seconds
    # it aired shorter than planned (0 when full length or longer); None when missing.
    late_s: Mapped[int | None] = mapped_column(Integer)
    short_s: Mapped[int | None] = mapped_column(Integer)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)

    airing: Mapped[Airing] = relationship()
    log: Mapped[AsRunLog] = relationship()
    entry: Mapped[AsRunEntry | None] = relationship()
