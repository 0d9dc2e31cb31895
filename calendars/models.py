"""Calendar models: the feed ledger, personal feed tokens, and the county
columns' feed sources with what was imported from them."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
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
from editorial.models import Column, Person, UTCDateTime, str_enum


class EventKind(enum.StrEnum):
    AIRING = "airing"  # one of our airings (public)
    EXTERNAL = "external"  # an airing imported from a county column's own feed (public)
    REVIEW = "review"  # a review due date (private: personal feeds only)
    LIAISON = "liaison"  # a liaison meeting, priority window or submission deadline (public)


class EventStatus(enum.StrEnum):
    TENTATIVE = "TENTATIVE"  # a draft airing: a rebuild may still change it
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class FeedEvent(Base):
    """What the feeds have shown of one calendar event, under a UID that never changes.

    The ledger is what makes the feeds behave for a subscriber: an event keeps
    its UID while it moves; ``sequence`` goes up by one each time its time,
    title or status changes; one that leaves the schedule stays CANCELLED for
    a while, so calendars remove it, and is then left out. Feeds are rendered
    from these rows alone, so the same rows give the same bytes.
    ``calendars.ledger.sync`` keeps it in step with the schedule.
    """

    __tablename__ = "feed_events"
    __table_args__ = (
        CheckConstraint("(starts_at IS NULL) <> (day IS NULL)", name="timed_or_all_day"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("sequence >= 0", name="sequence_not_negative"),
        CheckConstraint(
            "last_day IS NULL OR (day IS NOT NULL AND last_day >= day)", name="last_day_after_day"
        ),
        CheckConstraint(
            "(status = 'CANCELLED') = (cancelled_at IS NOT NULL)", name="cancelled_has_time"
        ),
        Index("ix_feed_events_starts_at", "starts_at"),
        Index("ix_feed_events_day", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[EventKind] = mapped_column(str_enum(EventKind, "feed_event_kind"), index=True)
    column_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id"), index=True)
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"), index=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("feed_sources.id"), index=True)
    stage: Mapped[str | None] = mapped_column(String(20))  # review events: which stage is due
    # A timed event (UTC, shown in ``tzid``) or an all-day one (``day``, through ``last_day``
    # inclusive when it spans several days: a priority window; DTEND is the day after).
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    day: Mapped[date | None] = mapped_column(Date)
    last_day: Mapped[date | None] = mapped_column(Date)
    tzid: Mapped[str] = mapped_column(String(40), default="Asia/Shanghai")
    summary: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    organizer: Mapped[str] = mapped_column(String(120), default="")  # the organizer's CN
    status: Mapped[EventStatus] = mapped_column(str_enum(EventStatus, "feed_event_status"))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    content_hash: Mapped[str] = mapped_column(String(64))  # what a change is measured against
    # The VEVENT as the feeds write it, rendered when the row changes (calendars.ical).
    ical: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_modified: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FeedToken(Base):
    """The secret in a person's private feed URL; only its SHA-256 is stored."""

    __tablename__ = "feed_tokens"
    __table_args__ = (
        Index(
            "uq_feed_tokens_live_person",
            "person_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()


class FeedSource(Base):
    """A county column's own iCalendar feed that the city imports (an URL or a file)."""

    __tablename__ = "feed_sources"
    __table_args__ = (
        CheckConstraint("location <> ''", name="location_not_empty"),
        UniqueConstraint("column_id", "location"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    location: Mapped[str] = mapped_column(String(1000))  # http(s) URL or file path
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Conditional GET: what the source answered last time.
    etag: Mapped[str | None] = mapped_column(String(200))
    http_last_modified: Mapped[str | None] = mapped_column(String(100))
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last failure of the source as a whole; cleared by the next good import.
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the last good import took, flagged and skipped, as JSON (see calendars.importer).
    last_report: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    column: Mapped[Column] = relationship()


class ExternalAiring(Base):
    """One occurrence from a county column's feed, as of the source's last good import."""

    __tablename__ = "external_airings"
    __table_args__ = (
        UniqueConstraint("source_id", "identity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_external_airings_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("feed_sources.id"), index=True)
    # The source's UID and the occurrence's start (RECURRENCE-ID), or for an event without
    # a UID a digest of its start and summary: stable across imports, never random.
    identity: Mapped[str] = mapped_column(String(300))
    source_uid: Mapped[str | None] = mapped_column(String(500))  # None: the event had none
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)

    source: Mapped[FeedSource] = relationship()
