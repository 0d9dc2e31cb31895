"""The liaison office's acts: quarters, the meeting, priorities and their targets.

Only a city liaison officer (通联员 of a city-level column: the liaison office)
creates or changes quarters, meetings and priorities; a county liaison officer
changes only their own column's attendance and notes. Each function checks
its rule, writes and flushes; the caller commits. Bad input raises
``InvalidInput`` with a message per field, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import FieldErrors, Forbidden, InvalidInput, NotFound
from editorial.models import Column, Level, Membership, Person, Role
from editorial.text import visible_text
from liaison.models import (
    AgendaKind,
    Attendance,
    AttendanceStatus,
    Meeting,
    Priority,
    Quarter,
    Target,
)

TAG = re.compile(r"^[^\s,;]{1,60}$")


def is_city_liaison(session: Session, person: Person) -> bool:
    """Whether ``person`` is a liaison officer of a city-level column (the liaison office)."""
    if not person.active:
        return False
    found = session.scalar(
        select(Membership.column_id)
        .join(Column, Column.id == Membership.column_id)
        .where(
            Membership.person_id == person.id,
            Membership.role == Role.LIAISON,
            Column.level == Level.CITY,
        )
        .limit(1)
    )
    return found is not None


def liaison_columns(session: Session, person: Person) -> set[int]:
    """The columns ``person`` is a liaison officer of."""
    if not person.active:
        return set()
    return set(
        session.scalars(
            select(Membership.column_id).where(
                Membership.person_id == person.id, Membership.role == Role.LIAISON
            )
        )
    )


def require_city_liaison(session: Session, person: Person) -> None:
    if not is_city_liaison(session, person):
        raise Forbidden(
            f"{person.username} is not a liaison officer of the city column: only the "
            "liaison office plans quarters, meetings and priorities",
            code="liaison_office_only",
        )


def create_quarter(
    session: Session, actor: Person, now: datetime, *, year: int, number: int
) -> Quarter:
    require_city_liaison(session, actor)
    errors = FieldErrors()
    if not 2000 <= year <= 2100:
        errors.add("year", "quarter_year", f"{year} is not a plausible year")
    if number not in (1, 2, 3, 4):
        errors.add("number", "quarter_number", f"a year has quarters 1 to 4, not {number}")
    if not errors and session.scalar(
        select(Quarter.id).where(Quarter.year == year, Quarter.number == number)
    ):
        errors.add("number", "quarter_exists", f"{year} Q{number} exists already")
    _refuse(errors, "the quarter", "invalid_quarter")
    quarter = Quarter(year=year, number=number, created_by_id=actor.id, created_at=now)
    session.add(quarter)
    session.flush()
    return quarter


def get_quarter(session: Session, year: int, number: int) -> Quarter:
    quarter = session.scalar(select(Quarter).where(Quarter.year == year, Quarter.number == number))
    if quarter is None:
        raise NotFound(f"no quarter {year} Q{number}")
    return quarter


@dataclass(frozen=True)
class MeetingSpec:
    """What the liaison office says about a meeting (通联会议)."""

    starts_at: datetime
    ends_at: datetime
    place: str
    agenda: Sequence[tuple[AgendaKind, str]]
    columns: Sequence[Column] = ()  # invited; all active columns when empty


def schedule_meeting(
    session: Session, actor: Person, quarter: Quarter, spec: MeetingSpec, now: datetime
) -> Meeting:
    """The quarter's meeting; a quarter has one, so a second is refused."""
    require_city_liaison(session, actor)
    errors = _meeting_errors(spec)
    if session.scalar(select(Meeting.id).where(Meeting.quarter_id == quarter.id)):
        errors.add(
            "quarter",
            "meeting_exists",
            f"{quarter.label} has its liaison meeting already: change that one",
        )
    _refuse(errors, "the meeting", "invalid_meeting")
    meeting = Meeting(quarter_id=quarter.id, minutes="", reminded_at=None)
    _apply_meeting(meeting, spec, actor, now)
    session.add(meeting)
    session.flush()
    invited = spec.columns or session.scalars(select(Column).order_by(Column.id)).all()
    for column in invited:
        session.add(
            Attendance(
                meeting_id=meeting.id,
                column_id=column.id,
                status=AttendanceStatus.INVITED,
                attendees="",
                notes="",
                updated_by_id=actor.id,
                updated_at=now,
            )
        )
    session.flush()
    return meeting


def change_meeting(
    session: Session, actor: Person, meeting: Meeting, spec: MeetingSpec, now: datetime
) -> Meeting:
    require_city_liaison(session, actor)
    _refuse(_meeting_errors(spec), "the meeting", "invalid_meeting")
    moved = spec.starts_at != meeting.starts_at
    _apply_meeting(meeting, spec, actor, now)
    if moved:
        meeting.reminded_at = None  # the reminder goes out again for the new date
    session.flush()
    return meeting


def record_minutes(
    session: Session, actor: Person, meeting: Meeting, minutes: str, now: datetime
) -> Meeting:
    """The meeting's minutes (会议纪要), written by the liaison office afterwards."""
    require_city_liaison(session, actor)
    if len(minutes) > 100_000:
        raise InvalidInput(
            "the minutes are too long",
            {"minutes": "at most 100,000 characters"},
            code="minutes_too_long",
        )
    meeting.minutes = minutes.strip()
    meeting.updated_by_id, meeting.updated_at = actor.id, now
    session.flush()
    return meeting


def set_attendance(
    session: Session,
    actor: Person,
    meeting: Meeting,
    column: Column,
    now: datetime,
    *,
    status: AttendanceStatus,
    attendees: str = "",
    notes: str = "",
) -> Attendance:
    """A column's attendance and notes: the liaison office for any column, a county
    liaison officer for their own."""
    if not is_city_liaison(session, actor) and column.id not in liaison_columns(session, actor):
        raise Forbidden(
            f"{actor.username} may change the attendance of their own column only, "
            f"not of {column.slug}",
            code="attendance_own_column",
        )
    errors = FieldErrors()
    if len(attendees) > 400:
        errors.add("attendees", "attendees_too_long", "at most 400 characters")
    if len(notes) > 10_000:
        errors.add("notes", "attendance_notes_too_long", "at most 10,000 characters")
    _refuse(errors, "the attendance", "invalid_attendance")
    row = session.get(Attendance, (meeting.id, column.id))
    if row is None:
        row = Attendance(meeting_id=meeting.id, column_id=column.id)
        session.add(row)
    row.status, row.attendees, row.notes = status, attendees.strip(), notes.strip()
    row.updated_by_id, row.updated_at = actor.id, now
    session.flush()
    return row


@dataclass(frozen=True)
class PrioritySpec:
    """A reporting priority (季度宣传报道重点) and its targets, by column id."""

    theme: str
    tag: str
    window_start: date
    window_end: date
    weight: int = 1
    description: str = ""
    submit_by: date | None = None
    targets: Mapping[int, int] = field(default_factory=dict)


def add_priority(
    session: Session, actor: Person, quarter: Quarter, spec: PrioritySpec, now: datetime
) -> Priority:
    require_city_liaison(session, actor)
    errors = _priority_errors(session, quarter, spec, None)
    _refuse(errors, "the priority", "invalid_priority")
    priority = Priority(quarter_id=quarter.id)
    _apply_priority(session, priority, spec, actor, now)
    session.add(priority)
    session.flush()
    return priority


def change_priority(
    session: Session, actor: Person, priority: Priority, spec: PrioritySpec, now: datetime
) -> Priority:
    require_city_liaison(session, actor)
    errors = _priority_errors(session, priority.quarter, spec, priority.id)
    _refuse(errors, "the priority", "invalid_priority")
    _apply_priority(session, priority, spec, actor, now)
    session.flush()
    return priority


def _meeting_errors(spec: MeetingSpec) -> FieldErrors:
    errors = FieldErrors()
    if spec.starts_at.tzinfo is None or spec.ends_at.tzinfo is None:
        errors.add("starts_at", "meeting_time_zone", "give the meeting's time with its time zone")
    elif spec.ends_at <= spec.starts_at:
        errors.add("ends_at", "meeting_ends_first", "the meeting must end after it starts")
    if not visible_text(spec.place):
        errors.add("place", "meeting_place_required", "say where the meeting is")
    elif len(spec.place) > 200:
        errors.add("place", "meeting_place_too_long", "at most 200 characters")
    for kind, title in spec.agenda:
        if not visible_text(title):
            errors.add(
                "agenda", "agenda_title_required", f"an agenda item ({kind.value}) has no title"
            )
    return errors


def _apply_meeting(meeting: Meeting, spec: MeetingSpec, actor: Person, now: datetime) -> None:
    meeting.starts_at, meeting.ends_at = spec.starts_at, spec.ends_at
    meeting.place = visible_text(spec.place)
    meeting.agenda = [{"kind": k.value, "title": visible_text(t)} for k, t in spec.agenda]
    meeting.updated_by_id, meeting.updated_at = actor.id, now


def _priority_errors(
    session: Session, quarter: Quarter, spec: PrioritySpec, own_id: int | None
) -> FieldErrors:
    errors = FieldErrors()
    if not visible_text(spec.theme):
        errors.add("theme", "priority_theme_required", "a priority needs a theme")
    elif len(spec.theme) > 120:
        errors.add("theme", "priority_theme_too_long", "at most 120 characters")
    if not TAG.match(spec.tag.strip()):
        errors.add(
            "tag",
            "priority_tag_word",
            "a tag is one word of at most 60 characters (no spaces or commas)",
        )
    else:
        other = session.scalar(
            select(Priority.id).where(
                Priority.quarter_id == quarter.id, Priority.tag == spec.tag.strip()
            )
        )
        if other is not None and other != own_id:
            errors.add(
                "tag",
                "priority_tag_taken",
                f"{quarter.label} has a priority tagged {spec.tag.strip()} already",
                tag=spec.tag.strip(),
            )
    if spec.window_end < spec.window_start:
        errors.add(
            "window_end",
            "window_backwards",
            "the window runs backwards: it must end on or after its start",
        )
    elif spec.window_start < quarter.start or spec.window_end > quarter.end:
        errors.add(
            "window_start",
            "window_outside_quarter",
            f"the window must lie inside {quarter.label} ({quarter.start} to {quarter.end})",
            quarter=quarter,
            start=quarter.start,
            end=quarter.end,
        )
    if spec.weight < 1:
        errors.add("weight", "priority_weight", "the weight is a whole number of at least 1")
    if spec.submit_by is not None and spec.submit_by > spec.window_end:
        errors.add(
            "submit_by",
            "submit_by_after_window",
            "the submission deadline must not fall after the window",
        )
    if any(n < 0 for n in spec.targets.values()):
        errors.add("targets", "target_negative", "a target is a number of episodes, 0 or more")
    known = set(session.scalars(select(Column.id).where(Column.id.in_(list(spec.targets)))))
    unknown = sorted(set(spec.targets) - known)
    if unknown:
        errors.add(
            "targets",
            "target_unknown_columns",
            f"no such column: {', '.join(map(str, unknown))}",
            columns=tuple(unknown),
        )
    return errors


def _apply_priority(
    session: Session, priority: Priority, spec: PrioritySpec, actor: Person, now: datetime
) -> None:
    priority.theme, priority.tag = visible_text(spec.theme), spec.tag.strip()
    priority.description = spec.description.strip()
    priority.window_start, priority.window_end = spec.window_start, spec.window_end
    priority.weight, priority.submit_by = spec.weight, spec.submit_by
    priority.updated_by_id, priority.updated_at = actor.id, now
    current = {t.column_id: t for t in priority.targets}
    for column_id, episodes in spec.targets.items():
        if column_id in current:
            current[column_id].episodes = episodes
        else:
            priority.targets.append(Target(column_id=column_id, episodes=episodes))
    for column_id, target in current.items():
        if column_id not in spec.targets:
            priority.targets.remove(target)


def _refuse(errors: FieldErrors, what: str, code: str) -> None:
    if errors:
        raise InvalidInput(f"{what} has errors: " + errors.english(), errors, code=code)
