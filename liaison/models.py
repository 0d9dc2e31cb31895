"""Liaison models: a quarter's meeting (通联会议) and reporting priorities (季度宣传报道重点)."""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editorial.db import Base
from editorial.models import Column, UTCDateTime, str_enum


class Quarter(Base):
    """A calendar quarter of the liaison year (e.g. 2026 Q3: 1 July to 30 September)."""

    __tablename__ = "liaison_quarters"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        CheckConstraint("number BETWEEN 1 AND 4", name="number_1_to_4"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_plausible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    priorities: Mapped[list[Priority]] = relationship(
        back_populates="quarter", order_by="Priority.window_start"
    )

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> date:
        if self.number == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.number + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        return f"{self.year}年第{'一二三四'[self.number - 1]}季度"


class AgendaKind(enum.StrEnum):
    TRAINING = "training"  # 业务培训
    EXCHANGE = "exchange"  # 制作经验交流
    DEPLOYMENT = "deployment"  # 部署季度宣传报道重点


class Meeting(Base):
    """The quarter's liaison meeting (通联会议): one per quarter."""

    __tablename__ = "liaison_meetings"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("liaison_quarters.id"), unique=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200))
    # [{"kind": "training" | "exchange" | "deployment", "title": "…"}, …] in order
    agenda: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    minutes: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    quarter: Mapped[Quarter] = relationship()
    attendance: Mapped[list[Attendance]] = relationship(back_populates="meeting")


class AttendanceStatus(enum.StrEnum):
    INVITED = "invited"  # 待确认
    ATTENDING = "attending"  # 参会
    ABSENT = "absent"  # 请假


class Attendance(Base):
    """A column at the meeting: who comes, and the column's own notes."""

    __tablename__ = "liaison_attendance"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("liaison_meetings.id"), primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), primary_key=True)
    status: Mapped[AttendanceStatus] = mapped_column(
        str_enum(AttendanceStatus, "attendance_status")
    )
    attendees: Mapped[str] = mapped_column(String(400), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="attendance")
    column: Mapped[Column] = relationship()


class Priority(Base):
    """A reporting priority of the quarter: a theme, its date window, weight and tag.

    Episodes answer to it by carrying its ``tag`` (``episode_priority_tags``);
    the window's days are inclusive, in Asia/Shanghai.
    """

    __tablename__ = "liaison_priorities"
    __table_args__ = (
        UniqueConstraint("quarter_id", "tag"),
        CheckConstraint("window_end >= window_start", name="window_forwards"),
        CheckConstraint("weight >= 1", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter_id: Mapped[int] = mapped_column(ForeignKey("liaison_quarters.id"), index=True)
    theme: Mapped[str] = mapped_column(String(120))
    tag: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text, default="")
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    submit_by: Mapped[date | None] = mapped_column(Date)  # 报送截止: topics proposed by then
    weight: Mapped[int] = mapped_column(Integer, default=1)
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    quarter: Mapped[Quarter] = relationship(back_populates="priorities")
    targets: Mapped[list[Target]] = relationship(
        back_populates="priority", cascade="all, delete-orphan"
    )


class Target(Base):
    """How many episodes on a priority a column is to air inside its window."""

    __tablename__ = "liaison_targets"
    __table_args__ = (CheckConstraint("episodes >= 0", name="not_negative"),)

    priority_id: Mapped[int] = mapped_column(ForeignKey("liaison_priorities.id"), primary_key=True)
    column_id: Mapped[int] = mapped_column(ForeignKey("columns.id"), primary_key=True)
    episodes: Mapped[int] = mapped_column(Integer)
    behind_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    priority: Mapped[Priority] = relationship(back_populates="targets")
    column: Mapped[Column] = relationship()
