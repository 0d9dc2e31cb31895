"""Chinese working days (工作日) for review due dates.

Three sources, in order of precedence:

1. days an admin entered from the State Council's holiday notice
   (``HolidayDay`` rows): each overrides that day only;
2. the ``chinesecalendar`` package (public holidays and make-up working days);
3. in a year the package does not know: Monday to Friday, known if an admin
   entered that year's notice, otherwise marked estimated.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from editorial.errors import Forbidden, InvalidInput
from editorial.models import Episode, HolidayDay, Membership, Person, Role, Stage, State
from editorial.text import visible_text

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(moment: datetime) -> date:
    """The calendar date in Asia/Shanghai of an aware moment."""
    return moment.astimezone(SHANGHAI).date()


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


PACKAGE_YEARS = frozenset(y for y in range(2004, 2100) if _package_knows(y))


@dataclass(frozen=True)
class DueDate:
    day: date
    estimated: bool  # True when counted Monday to Friday past all known data


class WorkCalendar:
    """Answers whether a day is a working day, and whether that is known."""

    def __init__(self, overrides: dict[date, bool]) -> None:
        self._overrides = overrides
        self._override_years = {d.year for d in overrides}

    @classmethod
    def load(cls, session: Session) -> WorkCalendar:
        rows = session.execute(select(HolidayDay.day, HolidayDay.is_workday)).all()
        return cls({day: workday for day, workday in rows})

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(is it a working day, is that known rather than estimated)."""
        if day in self._overrides:
            return self._overrides[day], True
        if day.year in PACKAGE_YEARS:  # an entered day overrides that day only
            return bool(chinese_calendar.is_workday(day)), True
        if day.year in self._override_years:  # a notice for a year the package lacks
            return day.weekday() < 5, True
        return day.weekday() < 5, False

    def add_working_days(self, start: date, days: int) -> DueDate:
        """The ``days``-th working day after ``start`` (start itself not counted)."""
        if days < 1:
            raise ValueError("days must be at least 1")
        day, counted, estimated = start, 0, False
        while counted < days:
            day += timedelta(days=1)
            workday, known = self.is_workday(day)
            estimated = estimated or not known
            counted += workday
        return DueDate(day, estimated)


@dataclass(frozen=True)
class HolidayInput:
    day: date
    is_workday: bool
    name: str


def parse_holiday_file(text: str) -> list[HolidayInput]:
    """Parse ``YYYY-MM-DD,holiday|workday,name`` lines (``#`` starts a comment)."""
    result: list[HolidayInput] = []
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    for number, row in enumerate(csv.reader(io.StringIO("\n".join(lines))), start=1):
        if len(row) != 3:
            raise InvalidInput(
                f"line {number}: expected 'YYYY-MM-DD,holiday|workday,name', got {','.join(row)!r}",
                code="holiday_line_shape",
                line=number,
            )
        raw_day, kind, name = (cell.strip() for cell in row)
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            raise InvalidInput(
                f"line {number}: {raw_day!r} is not a date (YYYY-MM-DD)",
                code="holiday_line_day",
                line=number,
                value=raw_day,
            ) from None
        if kind not in ("holiday", "workday"):
            raise InvalidInput(
                f"line {number}: kind must be 'holiday' or 'workday', not {kind!r}",
                code="holiday_line_kind",
                line=number,
            )
        if not name:
            raise InvalidInput(
                f"line {number}: the day needs a name (e.g. 春节)",
                code="holiday_line_name",
                line=number,
            )
        result.append(HolidayInput(day, kind == "workday", name))
    if not result:
        raise InvalidInput("the holiday file lists no days", code="holiday_file_empty")
    return result


def enter_holidays(
    session: Session, actor: Person, days: Iterable[HolidayInput], source: str, now: datetime
) -> int:
    """Store official holiday days (an admin's act); returns how many were stored."""
    is_admin = session.scalar(
        select(Membership.id).where(Membership.person_id == actor.id, Membership.role == Role.ADMIN)
    )
    if not is_admin:
        raise Forbidden(
            f"{actor.username} is not an admin; only admins enter holiday notices",
            code="holidays_admin_only",
        )
    if not visible_text(source):
        raise InvalidInput(
            "name the source of the days (e.g. the State Council notice)",
            code="holiday_source_required",
        )
    count = 0
    for item in days:
        row = session.get(HolidayDay, item.day) or HolidayDay(day=item.day)
        row.is_workday, row.name, row.source = item.is_workday, item.name, source
        row.entered_by_id, row.entered_at = actor.id, now
        session.add(row)
        count += 1
    session.flush()
    refresh_review_dues(session)
    return count


REVIEW_STAGE = {
    State.FIRST_REVIEW: Stage.FIRST,
    State.SECOND_REVIEW: Stage.SECOND,
    State.FINAL_REVIEW: Stage.FINAL,
}


def set_review_due(episode: Episode, calendar: WorkCalendar | None) -> None:
    """Set the due date of the review stage the episode is in (none outside review)."""
    stage = REVIEW_STAGE.get(episode.state)
    if stage is None:
        episode.review_due, episode.review_due_estimated = None, False
        return
    if calendar is None:
        raise ValueError("a review stage's due date needs the working-day calendar")
    due = calendar.add_working_days(
        local_date(episode.state_entered_at), episode.column.review_days(stage)
    )
    episode.review_due, episode.review_due_estimated = due.day, due.estimated


def refresh_review_dues(session: Session) -> int:
    """Recount the due dates of every open review, e.g. after a holiday notice.

    A recount is not an act on the episode, so it is written with a plain
    UPDATE that leaves the episode's version (and anyone's open form) alone.
    Returns how many due dates changed.
    """
    calendar = WorkCalendar.load(session)
    changed = 0
    for episode in session.scalars(select(Episode).where(Episode.state.in_(REVIEW_STAGE))):
        old = (episode.review_due, episode.review_due_estimated)
        stage = REVIEW_STAGE[episode.state]
        due = calendar.add_working_days(
            local_date(episode.state_entered_at), episode.column.review_days(stage)
        )
        if (due.day, due.estimated) != old:
            session.execute(
                update(Episode)
                .where(Episode.id == episode.id)
                .values(review_due=due.day, review_due_estimated=due.estimated)
            )
            changed += 1
    return changed
