"""Editorial models: columns, people, roles, series, episodes, sign-offs,
comments and the append-only history."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editorial.db import Base


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime, stored naive in UTC on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where an aware one is required")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def str_enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


class Level(enum.StrEnum):
    CITY = "city"
    COUNTY = "county"


class Role(enum.StrEnum):
    EDITOR_DIRECTOR = "editor_director"  # 编导
    PRODUCER = "producer"  # 制片人
    REVIEWER = "reviewer"  # 审片人（复审）
    FINAL_APPROVER = "final_approver"  # 终审
    LIAISON = "liaison"  # 通联员
    SCHEDULER = "scheduler"  # 编排
    ADMIN = "admin"  # 管理员


class State(enum.StrEnum):
    PROPOSED = "proposed"  # 选题申报
    TOPIC_APPROVED = "topic_approved"  # 选题通过
    TOPIC_REJECTED = "topic_rejected"  # 选题未通过
    IN_PRODUCTION = "in_production"  # 制作中
    FIRST_REVIEW = "first_review"  # 已送审，待初审
    SECOND_REVIEW = "second_review"  # 待复审
    FINAL_REVIEW = "final_review"  # 待终审
    RETURNED = "returned"  # 退回修改
    APPROVED = "approved"  # 可播
    WITHDRAWN = "withdrawn"  # 已撤销
    PULLED = "pulled"  # 已撤播


class Stage(enum.StrEnum):
    FIRST = "first"  # 初审
    SECOND = "second"  # 复审
    FINAL = "final"  # 终审


class Column(Base):
    """A TV column (栏目): the city's 《时代风采》 or a county sister column."""

    __tablename__ = "columns"
    __table_args__ = (
        CheckConstraint(
            "review_days_first >= 1 AND review_days_second >= 1 AND review_days_final >= 1",
            name="review_days_positive",
        ),
        CheckConstraint("slug <> ''", name="slug_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[Level] = mapped_column(str_enum(Level, "level"))
    station: Mapped[str] = mapped_column(String(80))
    channel: Mapped[str] = mapped_column(String(80))
    has_fixed_slot: Mapped[bool] = mapped_column(Boolean, default=True)
    review_days_first: Mapped[int] = mapped_column(Integer, default=2)
    review_days_second: Mapped[int] = mapped_column(Integer, default=3)
    review_days_final: Mapped[int] = mapped_column(Integer, default=2)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def review_days(self, stage: Stage) -> int:
        return {
            Stage.FIRST: self.review_days_first,
            Stage.SECOND: self.review_days_second,
            Stage.FINAL: self.review_days_final,
        }[stage]


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (CheckConstraint("username <> ''", name="username_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(back_populates="person")


class Membership(Base):
    """A role a person holds in one column."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("person_id", "column_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(back_populates="memberships")
    column: Mapped[Column] = relationship()


class ApiToken(Base):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignIn(Base):
    """One signed-in session (登录会话) of a person, ended by signing out or a new password.

    The browser's session holds the key; only its SHA-256 is stored. A session cookie
    whose sign-in has ended is refused, so signing out ends it on the server too.
    """

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The client address it came from: an account's own addresses are not held back by
    # failures from elsewhere (``editorial.accounts``).
    address: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SignInThrottle(Base):
    """Failed sign-ins counted under one key (an account, an address, or both).

    Each failure past a few free ones doubles the wait before the next attempt under the
    key is heard; the count is forgotten a while after the last failure.
    """

    __tablename__ = "sign_in_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Series(Base):
    """A major topic (重大题材) run as a serialized series (连续报道)."""

    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("parts >= 2", name="at_least_two_parts"),
        CheckConstraint("title <> ''", name="title_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    parts: Mapped[int] = mapped_column(Integer)
    start_by: Mapped[date] = mapped_column(Date)
    # County columns relay it (转播): a county airing over one of its parts is a clash.
    relay: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Who planned it and who changed it last, and when (None: loaded without a person).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    # Moves with each edit and reordering: an edit of a version seen before is refused.
    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default="1")

    column: Mapped[Column] = relationship()
    created_by: Mapped[Person | None] = relationship(foreign_keys=[created_by_id])
    updated_by: Mapped[Person | None] = relationship(foreign_keys=[updated_by_id])

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Episode(Base):
    """An episode (节目) and where it stands in the editorial workflow."""

    __tablename__ = "episodes"
    __table_args__ = (
        CheckConstraint("target_duration_s > 0", name="duration_positive"),
        CheckConstraint("(series_id IS NULL) = (part_number IS NULL)", name="series_has_part"),
        CheckConstraint("part_number IS NULL OR part_number >= 1", name="part_positive"),
        CheckConstraint("title <> ''", name="title_not_empty"),
        CheckConstraint("review_round >= 0", name="round_not_negative"),
        CheckConstraint("responsible_producer_id <> director_id", name="producer_not_director"),
        CheckConstraint(
            "media_qc_passed IS NULL OR media_version IS NOT NULL", name="qc_of_a_master"
        ),
        UniqueConstraint("series_id", "part_number"),
        Index("ix_episodes_state_review_due", "state", "review_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(Text, default="")
    synopsis: Mapped[str] = mapped_column(Text, default="")
    genre: Mapped[str] = mapped_column(String(40), default="")
    target_duration_s: Mapped[int] = mapped_column(Integer)
    director_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    responsible_producer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    air_by: Mapped[date | None] = mapped_column(Date)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"))
    part_number: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[State] = mapped_column(str_enum(State, "episode_state"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    review_round: Mapped[int] = mapped_column(Integer, default=0)
    state_entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    review_due: Mapped[date | None] = mapped_column(Date)
    review_due_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    media_version: Mapped[int | None] = mapped_column(Integer)
    # The current master's measured duration (seconds), which the schedule plans with.
    media_duration_s: Mapped[int | None] = mapped_column(Integer)
    # The current master's QC verdict (技术质检): False makes confirming technical quality
    # at a sign-off need a stated reason; None when no QC ran (or there is no master).
    media_qc_passed: Mapped[bool | None] = mapped_column(Boolean)
    # Offered to other columns for exchange (交流): another column's schedule may air it.
    offered_for_exchange: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    column: Mapped[Column] = relationship()
    director: Mapped[Person] = relationship(foreign_keys=[director_id])
    responsible_producer: Mapped[Person] = relationship(foreign_keys=[responsible_producer_id])
    series: Mapped[Series | None] = relationship()
    tags: Mapped[list[PriorityTag]] = relationship(
        cascade="all, delete-orphan", order_by="PriorityTag.tag"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def priority_tags(self) -> list[str]:
        return [t.tag for t in self.tags]


class PriorityTag(Base):
    """A reporting-priority tag (宣传报道重点) an episode answers to."""

    __tablename__ = "episode_priority_tags"

    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)


class StageSigner(Base):
    """Binds a person to the one review stage they may judge (sign or return) on an episode.

    The primary key (episode, person) is the four-eyes rule held by the
    database: a second stage for the same person cannot be inserted.
    """

    __tablename__ = "stage_signers"
    __table_args__ = (UniqueConstraint("episode_id", "person_id", "stage"),)

    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "stage"))


class SignOff(Base):
    """A review sign-off (签审), bound to the round and media version reviewed."""

    __tablename__ = "sign_offs"
    __table_args__ = (
        UniqueConstraint("episode_id", "review_round", "stage"),
        ForeignKeyConstraint(
            ["episode_id", "person_id", "stage"],
            ["stage_signers.episode_id", "stage_signers.person_id", "stage_signers.stage"],
            name="fk_sign_offs_stage_signer",
        ),
        CheckConstraint(
            "political_accuracy AND facts AND watchability AND timeliness AND technical_quality",
            name="checklist_complete",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    review_round: Mapped[int] = mapped_column(Integer)
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "stage"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    media_version: Mapped[int | None] = mapped_column(Integer)
    political_accuracy: Mapped[bool] = mapped_column(Boolean)
    facts: Mapped[bool] = mapped_column(Boolean)
    watchability: Mapped[bool] = mapped_column(Boolean)
    timeliness: Mapped[bool] = mapped_column(Boolean)
    technical_quality: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person] = relationship()


class Comment(Base):
    """A comment on an episode; append-only like the history."""

    __tablename__ = "comments"
    __table_args__ = (CheckConstraint("body <> ''", name="body_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[str] = mapped_column(Text)

    author: Mapped[Person] = relationship()


class ReviewNote(Base):
    """A reviewer's note at one frame of one media version (审看意见, 时间码), in one
    review round; the producer marks it resolved. Append-only but for the resolution."""

    __tablename__ = "review_notes"
    __table_args__ = (
        CheckConstraint("body <> ''", name="body_not_empty"),
        CheckConstraint("frame >= 0", name="frame_not_negative"),
        CheckConstraint("fps > 0", name="fps_positive"),
        CheckConstraint("media_version >= 1", name="version_positive"),
        CheckConstraint(
            "(resolved_at IS NULL) = (resolved_by_id IS NULL)", name="resolved_by_someone"
        ),
        Index("ix_review_notes_episode_version", "episode_id", "media_version", "frame"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    media_version: Mapped[int] = mapped_column(Integer)  # Episode.media_version it was made on
    review_round: Mapped[int] = mapped_column(Integer)
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "note_stage"))
    frame: Mapped[int] = mapped_column(Integer)  # from the first frame, at ``fps``
    fps: Mapped[float] = mapped_column(Float)  # the master's frame rate (25, 29.97, …)
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    resolved_by: Mapped[Person | None] = relationship(foreign_keys=[resolved_by_id])


class HistoryEntry(Base):
    """One act on an episode, kept forever (操作记录).

    Rows are never updated or deleted: database triggers refuse both. Each row
    carries the hash of the previous row of the same episode and its own, so
    ``tvcolumn audit verify`` can prove nothing was altered underneath.
    """

    __tablename__ = "episode_history"
    __table_args__ = (
        UniqueConstraint("episode_id", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"))
    seq: Mapped[int] = mapped_column(Integer)
    act: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    actor_role: Mapped[str | None] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    checklist: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    media_version: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    # The SHA-256 of each sign-off or comment this entry records ("sign_off:7" → digest).
    covers: Mapped[dict[str, str] | None] = mapped_column(JSON(none_as_null=True))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[Person | None] = relationship()


class HistoryAnchor(Base):
    """Where an episode's chain ends: its entry count and last hash (历史锚点).

    Written by the code that appends history, in the same transaction, so a
    deleted last entry (which leaves a chain that links up) is still found.
    A trigger lets the count only grow by one and refuses DELETE.
    """

    __tablename__ = "history_anchors"
    __table_args__ = (CheckConstraint("entries >= 1", name="entries_positive"),)

    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)
    head_hash: Mapped[str] = mapped_column(String(64))


class HolidayDay(Base):
    """An official day off or make-up working day entered by an admin.

    Takes precedence over the bundled chinesecalendar data, so a new year's
    State Council notice can be entered before the package knows it.
    """

    __tablename__ = "holiday_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(200))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """A message for a person (通知): a hand-off of the workflow (who did what to which
    episode, and why), a reminder or a deadline. Written in the transaction of the act
    or job that caused it; the row is also the outbox the scheduler service delivers
    by e-mail and to the column's group robots (``Delivery``)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_person_unread", "person_id", "dismissed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    episode_id: Mapped[int | None] = mapped_column(ForeignKey("episodes.id"))
    message: Mapped[str] = mapped_column(Text)
    # The same reminder is never sent twice: jobs are idempotent on this key.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # read (已读)
    # Who acted (None for the service's reminders), why, and what the message is made of
    # (kind + params render it in the reader's language).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default="{}")
    # One act tells several people; a column's group robot is told once per event.
    event_key: Mapped[str] = mapped_column(String(120), default="", server_default="", index=True)
    # When the service expanded this row into its deliveries (None: not yet).
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id])
    episode: Mapped[Episode | None] = relationship()


class Channel(enum.StrEnum):
    """Where a notification goes besides the person's pages."""

    EMAIL = "email"  # 电子邮件, to the person's address
    WECOM = "wecom"  # 企业微信 group robot of the column
    DINGTALK = "dingtalk"  # 钉钉 group robot of the column


class DeliveryState(enum.StrEnum):
    PENDING = "pending"  # to send (again) at next_attempt_at
    SENDING = "sending"  # claimed by a sender; sent_at follows or the claim expires
    SENT = "sent"
    FAILED = "failed"  # given up after the last retry; shown to admins


class Delivery(Base):
    """One message to one channel target (an address, a robot), sent once by the
    scheduler service and retried with growing delays when it fails."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_due", "state", "next_attempt_at"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "delivery_channel"))
    # The e-mail address, or the robot's id (robots are per column).
    target: Mapped[str] = mapped_column(String(200))
    robot_id: Mapped[int | None] = mapped_column(ForeignKey("column_robots.id"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    # Never two deliveries of one message to one target: (event or notification, target).
    dedupe_key: Mapped[str] = mapped_column(String(240), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(500), default="")
    state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState, "delivery_state"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ColumnRobot(Base):
    """A column's 企业微信 or 钉钉 group robot (webhook), set by the column's admin."""

    __tablename__ = "column_robots"
    __table_args__ = (
        UniqueConstraint("column_id", "channel"),
        CheckConstraint("channel IN ('wecom', 'dingtalk')", name="robot_is_a_robot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "robot_channel"))
    webhook_url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text, default="", server_default="")  # DingTalk's
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    column: Mapped[Column] = relationship()


class NotificationChoice(Base):
    """A person's choice for one channel and one kind ('*': every kind); without a
    row, e-mail is on for everyone with an address once the server has SMTP."""

    __tablename__ = "notification_choices"

    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "choice_channel"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
