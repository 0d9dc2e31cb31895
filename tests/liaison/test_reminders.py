"""The liaison reminders (``liaison-reminders``): the meeting two weeks ahead, once per
meeting date; a column behind its target with a month of the window left, once per target."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from apscheduler.util import ref_to_obj
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.models import Column, Level, Notification, Person, Role
from editorial.workdays import SHANGHAI
from liaison import reminders, service
from liaison.models import AgendaKind, Meeting, Priority, Target
from schedule import airings
from scheduler import jobs
from scheduler.service import job_specs
from tests.conftest import NOW, Crew
from tests.schedule.conftest import scheduler_person
from tests.schedule.test_builder import Desk

__all__ = ["scheduler_person"]

MEETING_AT = datetime(2026, 7, 3, 1, 0, tzinfo=UTC)  # Friday 3 July 2026, 09:00 in Shanghai
NOTICE = timedelta(days=14)
WINDOW = (date(2026, 7, 1), date(2026, 7, 20))


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(UTC)


class Office:
    """The city liaison office, the crew's county column (A) with its own liaison officer,
    and a county column (B) the meeting does not invite."""

    def __init__(
        self, session: Session, crew: Crew, make_column: Callable[..., Column], make_person: Any
    ) -> None:
        self.session, self.crew = session, crew
        self.city = make_column(level=Level.CITY, name="时代风采")
        self.officer = make_person(self.city, Role.LIAISON, username="zhou.min")
        self.city_producer = make_person(self.city, Role.PRODUCER, username="liu.yang")
        self.county_officer = make_person(crew.column, Role.LIAISON, username="xu.gang")
        self.other = make_column(name="青山党建")
        self.other_officer = make_person(self.other, Role.LIAISON, username="lin.hai")
        self.quarter = service.create_quarter(session, self.officer, NOW, year=2026, number=3)

    def meeting(self, starts_at: datetime = MEETING_AT) -> Meeting:
        return service.schedule_meeting(
            self.session, self.officer, self.quarter, self.spec(starts_at), NOW
        )

    def spec(self, starts_at: datetime) -> service.MeetingSpec:
        return service.MeetingSpec(
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=3),
            place="市委党员电教中心 会议室",
            agenda=[(AgendaKind.DEPLOYMENT, "部署第三季度宣传报道重点")],
            columns=[self.city, self.crew.column],
        )

    def priority(self, targets: dict[int, int], **kw: Any) -> Priority:
        fields: dict[str, Any] = {
            "theme": "庆祝建党105周年",
            "tag": "七一",
            "window_start": WINDOW[0],
            "window_end": WINDOW[1],
            "targets": targets,
        }
        fields.update(kw)
        return service.add_priority(
            self.session, self.officer, self.quarter, service.PrioritySpec(**fields), NOW
        )


@pytest.fixture
def office(
    session: Session,
    crew: Crew,
    make_column: Callable[..., Column],
    make_person: Callable[..., Person],
) -> Office:
    return Office(session, crew, make_column, make_person)


def sent(session: Session, kind: str) -> list[tuple[str, str]]:
    """(username, message) of each notification of ``kind``, in the order sent."""
    rows = session.execute(
        select(Person.username, Notification.message)
        .join(Notification, Notification.person_id == Person.id)
        .where(Notification.kind == kind)
        .order_by(Notification.id)
    )
    return [(username, message) for username, message in rows]


def notices(session: Session, kind: str = reminders.MEETING_KIND) -> list[Notification]:
    query = select(Notification).where(Notification.kind == kind).order_by(Notification.id)
    return list(session.scalars(query))


# --- the meeting -------------------------------------------------------------------------------


def test_the_meeting_is_announced_two_weeks_ahead_once_to_the_invited_liaison_officers(
    session: Session, office: Office
) -> None:
    meeting = office.meeting()
    assert reminders.remind(session, MEETING_AT - NOTICE - timedelta(minutes=1)) == 0
    assert meeting.reminded_at is None
    due = MEETING_AT - NOTICE
    assert reminders.remind(session, due) == 2
    assert meeting.reminded_at == due
    got = sent(session, reminders.MEETING_KIND)
    # The city's and the invited county's liaison officers; not the uninvited column's,
    # not a producer.
    assert sorted(username for username, _ in got) == ["xu.gang", "zhou.min"]
    assert {message for _, message in got} == {
        "2026年第三季度通联会议将于 2026-07-03（周五）09:00 在市委党员电教中心 会议室召开，"
        "请安排参会"
    }
    assert {tuple(sorted(n.params.items())) for n in notices(session)} == {
        (
            ("place", "市委党员电教中心 会议室"),
            ("quarter", 3),
            ("starts_at", "2026-07-03 09:00"),
            ("weekday", 4),
            ("year", 2026),
        )
    }  # what the pages say it from, in the reader's language
    assert reminders.remind(session, due) == 0  # the same poll again
    assert reminders.remind(session, due + timedelta(days=3)) == 0  # and later polls
    assert len(sent(session, reminders.MEETING_KIND)) == 2


def test_a_moved_meeting_is_announced_again_for_its_new_date(
    session: Session, office: Office
) -> None:
    meeting = office.meeting()
    reminders.remind(session, MEETING_AT - NOTICE)
    moving = MEETING_AT - timedelta(days=10)
    later = MEETING_AT + timedelta(days=7)
    service.change_meeting(session, office.officer, meeting, office.spec(later), moving)
    assert meeting.reminded_at is None
    assert reminders.remind(session, moving) == 0  # 10 July is 17 days away
    assert reminders.remind(session, later - NOTICE) == 2
    assert "2026-07-10（周五）09:00" in sent(session, reminders.MEETING_KIND)[-1][1]
    # Moved back to the first date: announced once more, though that date was announced.
    back = later - NOTICE + timedelta(days=1)
    service.change_meeting(session, office.officer, meeting, office.spec(MEETING_AT), back)
    assert reminders.remind(session, back) == 2
    assert "2026-07-03（周五）09:00" in sent(session, reminders.MEETING_KIND)[-1][1]
    assert len(sent(session, reminders.MEETING_KIND)) == 6
    # A change that keeps the date (a new place) does not announce it again.
    spec = office.spec(MEETING_AT)
    spec = service.MeetingSpec(spec.starts_at, spec.ends_at, "市委党校", spec.agenda)
    service.change_meeting(session, office.officer, meeting, spec, back)
    assert reminders.remind(session, back + timedelta(hours=1)) == 0


def test_a_meeting_already_begun_is_not_announced(session: Session, office: Office) -> None:
    office.meeting()
    assert reminders.remind(session, MEETING_AT) == 0
    assert reminders.remind(session, MEETING_AT + timedelta(hours=1)) == 0
    assert sent(session, reminders.MEETING_KIND) == []


# --- behind the target -------------------------------------------------------------------------


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


def test_a_column_behind_with_a_month_left_is_told_once_with_its_numbers(
    session: Session, office: Office, desk: Desk
) -> None:
    target = {office.crew.column.id: 2}
    priority = office.priority(target)
    slot = desk.slot()  # Fridays at 20:00
    episode = desk.episode(tags=["七一"])
    airings.assign(session, desk.scheduler, slot, at(date(2026, 7, 3), 20), episode, NOW)
    assert reminders.remind(session, at(date(2026, 6, 19))) == 0  # the window ends in 31 days
    today = at(date(2026, 6, 20))  # ... in 30
    assert reminders.remind(session, today) == 2
    got = sent(session, reminders.BEHIND_KIND)
    # The column's liaison officer and producer; not the city's office.
    assert sorted(u for u, _ in got) == sorted([office.crew.producer.username, "xu.gang"])
    assert {message for _, message in got} == {
        f"《{office.crew.column.name}》宣传报道重点“庆祝建党105周年”落后于目标：报道时段内已播出 "
        "0 期、已编排 1 期，共 1 期，目标 2 期；报道时段 2026-07-20 结束，请抓紧安排"
    }
    assert {n.params["column"] for n in notices(session, reminders.BEHIND_KIND)} == {
        office.crew.column.name
    }
    assert notices(session, reminders.BEHIND_KIND)[0].params == {
        "column": office.crew.column.name,
        "theme": "庆祝建党105周年",
        "aired": 0,
        "scheduled": 1,
        "target": 2,
        "window_end": "2026-07-20",
    }
    row = session.get_one(Target, (priority.id, office.crew.column.id))
    assert row.behind_reminded_at == today
    assert reminders.remind(session, today) == 0
    assert reminders.remind(session, at(date(2026, 7, 10))) == 0  # once per target


def test_a_column_on_track_or_without_a_target_is_not_told(
    session: Session, office: Office, desk: Desk
) -> None:
    office.priority({office.crew.column.id: 1, office.other.id: 0, office.city.id: 3})
    slot = desk.slot()
    episode = desk.episode(tags=["七一"])
    airings.assign(session, desk.scheduler, slot, at(date(2026, 7, 3), 20), episode, NOW)
    assert reminders.remind(session, at(date(2026, 7, 1))) == 2  # only the city: 0 of 3
    assert {message.split("》")[0] for _, message in sent(session, reminders.BEHIND_KIND)} == {
        "《时代风采"
    }
    assert sorted(u for u, _ in sent(session, reminders.BEHIND_KIND)) == ["liu.yang", "zhou.min"]


def test_a_window_more_than_a_month_away_or_over_sends_nothing(
    session: Session, office: Office
) -> None:
    office.priority({office.crew.column.id: 2})
    assert reminders.remind(session, at(date(2026, 6, 1))) == 0  # 49 days left
    assert reminders.remind(session, at(date(2026, 7, 21))) == 0  # over
    assert sent(session, reminders.BEHIND_KIND) == []
    assert session.scalars(select(Target.behind_reminded_at)).all() == [None]


def test_both_quarters_are_looked_at_when_windows_end_in_each(
    session: Session, office: Office
) -> None:
    office.priority({office.crew.column.id: 1}, window_end=date(2026, 9, 30))
    q4 = service.create_quarter(session, office.officer, NOW, year=2026, number=4)
    spec = service.PrioritySpec(
        theme="学习宣传党的二十届四中全会精神",
        tag="四中全会",
        window_start=date(2026, 10, 1),
        window_end=date(2026, 10, 15),
        targets={office.other.id: 1},
    )
    service.add_priority(session, office.officer, q4, spec, NOW)
    assert reminders.remind(session, at(date(2026, 9, 20))) == 3
    assert sorted(u for u, _ in sent(session, reminders.BEHIND_KIND)) == sorted(
        [office.crew.producer.username, "lin.hai", "xu.gang"]
    )


# --- the job -------------------------------------------------------------------------------------


def test_the_service_runs_the_reminders_every_poll() -> None:
    [spec] = [s for s in job_specs(30) if s.id == "liaison-reminders"]
    assert spec.func == "scheduler.jobs:remind_liaison"
    assert ref_to_obj(spec.func) is jobs.remind_liaison
    review = next(s for s in job_specs(30) if s.id == "review-reminders")
    assert (spec.misfire_grace_time, str(spec.trigger)) == (30, str(review.trigger))
