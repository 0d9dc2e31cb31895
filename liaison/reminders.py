"""The liaison office's reminders, sent by the scheduler service (``liaison-reminders``).

* The meeting (通联会议): from two weeks before it starts until it starts, once
  per meeting date (``Meeting.reminded_at``; moving the meeting clears it), to
  every liaison officer of each invited column and the city liaison officers.
* Behind its target (目标管理): once a column has fewer episodes aired and
  scheduled inside a priority's window than its target, with at most a month of
  the window left (``behind_with_a_month_left``), once per target
  (``Target.behind_reminded_at``), to the column's liaison officers and
  producers.

Notifications are the scheduler's (``scheduler.models.Notification``), shown by
the pages like the review reminders. Like ``schedule.publishing`` it takes the
session and ``now``, flushes, returns how many notifications it added and never
commits; running it twice at one ``now`` adds nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from editorial.models import Column, Level, Membership, Notification, Person, Role
from editorial.workdays import SHANGHAI, local_date
from liaison.models import Attendance, Meeting, Priority, Quarter, Target
from liaison.progress import Cell, Stage, behind_with_a_month_left, progress

MEETING_NOTICE = timedelta(days=14)
BEHIND_DAYS = 30  # behind_with_a_month_left's month
MEETING_KIND = "liaison_meeting"
BEHIND_KIND = "liaison_behind"
WEEKDAYS = "一二三四五六日"


def remind(session: Session, now: datetime) -> int:
    """Send the meeting and behind-target reminders that are due; how many were added."""
    return meeting_reminders(session, now) + behind_reminders(session, now)


# --- the meeting -------------------------------------------------------------------------------


def meeting_reminders(session: Session, now: datetime) -> int:
    due = list(
        session.scalars(
            select(Meeting)
            .where(
                Meeting.reminded_at.is_(None),
                Meeting.starts_at > now,
                Meeting.starts_at <= now + MEETING_NOTICE,
            )
            .options(joinedload(Meeting.quarter))
            .order_by(Meeting.starts_at, Meeting.id)
        )
    )
    added = 0
    for meeting in due:
        invited = select(Attendance.column_id).where(Attendance.meeting_id == meeting.id)
        city = select(Column.id).where(Column.level == Level.CITY)
        people = _holders(session, Role.LIAISON, invited) | _holders(session, Role.LIAISON, city)
        stamp = f"{meeting.starts_at:%Y%m%dT%H%M}:{meeting.updated_at:%Y%m%dT%H%M%S%f}"
        added += _notify(
            session,
            now,
            people,
            MEETING_KIND,
            f"liaison-meeting:{meeting.id}:{stamp}",
            _meeting_message(meeting),
            _meeting_params(meeting),
        )
        meeting.reminded_at = now
    session.flush()
    return added


def _meeting_message(meeting: Meeting) -> str:
    local = meeting.starts_at.astimezone(SHANGHAI)
    when = f"{local:%Y-%m-%d}（周{WEEKDAYS[local.weekday()]}）{local:%H:%M}"
    return f"{meeting.quarter.label}通联会议将于 {when} 在{meeting.place}召开，请安排参会"


def _meeting_params(meeting: Meeting) -> dict[str, Any]:
    """What the meeting reminder says, for the pages to say it in the reader's language."""
    local = meeting.starts_at.astimezone(SHANGHAI)
    return {
        "year": meeting.quarter.year,
        "quarter": meeting.quarter.number,
        "starts_at": f"{local:%Y-%m-%d %H:%M}",
        "weekday": local.weekday(),  # 0 is Monday
        "place": meeting.place,
    }


# --- behind the target -------------------------------------------------------------------------


def behind_reminders(session: Session, now: datetime) -> int:
    today = local_date(now)
    soon = today + timedelta(days=BEHIND_DAYS)
    quarters = list(
        session.scalars(
            select(Quarter)
            .where(
                Quarter.id.in_(
                    select(Priority.quarter_id)
                    .join(Target, Target.priority_id == Priority.id)
                    .where(
                        Priority.window_end >= today,
                        Priority.window_end <= soon,
                        Target.episodes > 0,
                        Target.behind_reminded_at.is_(None),
                    )
                )
            )
            .order_by(Quarter.year, Quarter.number)
        )
    )  # a cheap look first: the poll runs every 30 s, ``progress`` only when one may be due
    added = 0
    for quarter in quarters:
        for priority, cell in behind_with_a_month_left(progress(session, quarter), today):
            target = session.get(Target, (priority.id, cell.column_id))
            if target is None or target.behind_reminded_at is not None:
                continue
            column = session.get_one(Column, cell.column_id)
            people = _holders(session, Role.LIAISON, [column.id]) | _holders(
                session, Role.PRODUCER, [column.id]
            )
            added += _notify(
                session,
                now,
                people,
                BEHIND_KIND,
                f"liaison-behind:{priority.id}:{column.id}",
                _behind_message(priority, cell, column),
                _behind_params(priority, cell, column),
            )
            target.behind_reminded_at = now
    session.flush()
    return added


def _behind_message(priority: Priority, cell: Cell, column: Column) -> str:
    aired, scheduled = cell.count(Stage.AIRED), cell.count(Stage.SCHEDULED)
    return (
        f"《{column.name}》宣传报道重点“{priority.theme}”落后于目标：报道时段内已播出 "
        f"{aired} 期、已编排 {scheduled} 期，共 {aired + scheduled} 期，目标 {cell.target} 期；"
        f"报道时段 {priority.window_end} 结束，请抓紧安排"
    )


def _behind_params(priority: Priority, cell: Cell, column: Column) -> dict[str, Any]:
    return {
        "column": column.name,
        "theme": priority.theme,
        "aired": cell.count(Stage.AIRED),
        "scheduled": cell.count(Stage.SCHEDULED),
        "target": cell.target,
        "window_end": priority.window_end.isoformat(),
    }


# --- shared ------------------------------------------------------------------------------------


def _holders(session: Session, role: Role, column_ids: Sequence[int] | Select[int]) -> set[Person]:
    """Active people holding ``role`` in the columns (a list or a subquery of ids)."""
    return set(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.role == role,
                Membership.column_id.in_(column_ids),
                Person.active.is_(True),
            )
        )
    )


def _notify(
    session: Session,
    now: datetime,
    people: set[Person],
    kind: str,
    key: str,
    message: str,
    params: dict[str, Any],
) -> int:
    """One notification per person, never twice under one key: its message in Chinese
    (for mails and group robots) and what it says (``params``, for the pages)."""
    keys = {person.id: f"{key}:{person.id}" for person in people}
    sent = set(
        session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.in_(keys.values()))
        )
    )
    added = 0
    for person in sorted(people, key=lambda p: p.id):
        if keys[person.id] in sent:
            continue
        session.add(
            Notification(
                person_id=person.id,
                kind=kind,
                message=message,
                params=params,
                dedupe_key=keys[person.id],
                created_at=now,
            )
        )
        added += 1
    return added
