"""Review due dates in Chinese working days, and the holiday notices admins enter."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Forbidden, InvalidInput
from editorial.models import Episode, HolidayDay
from editorial.workdays import (
    HolidayInput,
    WorkCalendar,
    enter_holidays,
    parse_holiday_file,
)
from tests.conftest import NOW, Crew, attach_master

# The State Council's 2027 notice is not in chinesecalendar 1.11.0; these days
# stand in for one an admin would enter.
NOTICE_2027 = """\
# 国务院办公厅关于2027年部分节假日安排的通知（示例）
2027-01-01,holiday,元旦
2027-02-05,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-06,workday,春节调休
"""


def test_package_data_counts_national_day_and_its_make_up_days() -> None:
    calendar = WorkCalendar({})
    assert calendar.is_workday(date(2026, 10, 5)) == (False, True)  # Monday, holiday
    assert calendar.is_workday(date(2026, 10, 10)) == (True, True)  # Saturday, make-up day
    due = calendar.add_working_days(date(2026, 9, 30), 1)
    assert (due.day, due.estimated) == (date(2026, 10, 8), False)


def test_past_known_data_counts_monday_to_friday_and_says_so() -> None:
    calendar = WorkCalendar({})
    due = calendar.add_working_days(date(2027, 2, 4), 2)  # Thursday
    assert due == type(due)(date(2027, 2, 8), True)


def test_an_entered_notice_takes_precedence_and_is_not_estimated(
    session: Session, crew: Crew
) -> None:
    enter_holidays(
        session, crew.admin, parse_holiday_file(NOTICE_2027), "国办发明电〔2026〕1号", NOW
    )
    calendar = WorkCalendar.load(session)
    assert calendar.is_workday(date(2027, 2, 8)) == (False, True)
    assert calendar.is_workday(date(2027, 2, 6)) == (True, True)  # Saturday make-up day
    # Thursday 4 Feb + 2 working days: Fri 5 is a holiday, Sat 6 is a make-up working day.
    due = calendar.add_working_days(date(2027, 2, 4), 2)
    assert (due.day, due.estimated) == (date(2027, 2, 12), False)


def test_only_an_admin_enters_holidays_and_nothing_is_stored_otherwise(
    session: Session, crew: Crew
) -> None:
    with pytest.raises(Forbidden, match="admin"):
        enter_holidays(
            session, crew.producer, [HolidayInput(date(2027, 1, 1), False, "元旦")], "notice", NOW
        )
    assert session.scalar(select(func.count()).select_from(HolidayDay)) == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027-13-01,holiday,元旦\n", "not a date"),
        ("2027-01-01,day-off,元旦\n", "kind must be"),
        ("2027-01-01,holiday\n", "expected"),
        ("2027-01-01,holiday,\n", "needs a name"),
        ("# only a comment\n", "lists no days"),
    ],
)
def test_a_bad_holiday_file_is_refused_with_the_line(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_holiday_file(text)


def test_entering_a_notice_recounts_open_reviews_without_bumping_versions(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    submitted = datetime(2027, 2, 4, 2, 0, tzinfo=UTC)  # Thursday, 10:00 in Shanghai
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, 1, NOW)
    workflow.start_production(session, crew.director, episode, 2, NOW)
    attach_master(session, crew, episode)
    workflow.submit(session, crew.director, episode, 4, submitted)
    assert (episode.review_due, episode.review_due_estimated) == (date(2027, 2, 8), True)
    enter_holidays(session, crew.admin, parse_holiday_file(NOTICE_2027), "通知", NOW)
    session.refresh(episode)
    assert (episode.review_due, episode.review_due_estimated) == (date(2027, 2, 12), False)
    assert episode.version == 5


def test_a_day_entered_for_a_year_the_package_knows_overrides_that_day_only(
    session: Session, crew: Crew
) -> None:
    one_day = [HolidayInput(date(2026, 5, 6), False, "临时调整")]  # a Wednesday
    enter_holidays(session, crew.admin, one_day, "市委办公室通知", NOW)
    calendar = WorkCalendar.load(session)
    assert calendar.is_workday(date(2026, 5, 6)) == (False, True)
    # The rest of 2026 keeps chinesecalendar's days: National Day and its make-up Saturday.
    assert calendar.is_workday(date(2026, 10, 1)) == (False, True)  # Thursday, holiday
    assert calendar.is_workday(date(2026, 10, 10)) == (True, True)  # Saturday, make-up day
    due = calendar.add_working_days(date(2026, 9, 30), 1)
    assert (due.day, due.estimated) == (date(2026, 10, 8), False)
