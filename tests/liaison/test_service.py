"""The liaison office's acts: who may plan, and bad input refused with nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial.errors import Forbidden, InvalidInput
from editorial.models import Column, Level, Person, Role
from liaison import service
from liaison.models import AgendaKind, Attendance, AttendanceStatus, Meeting, Priority, Quarter
from tests.conftest import NOW


class Office:
    def __init__(
        self, city: Column, county: Column, officer: Person, county_officer: Person
    ) -> None:
        self.city, self.county = city, county
        self.officer, self.county_officer = officer, county_officer


@pytest.fixture
def office(make_column: Callable[..., Column], make_person: Callable[..., Person]) -> Office:
    city = make_column(level=Level.CITY)
    county = make_column()
    officer = make_person(city, Role.LIAISON)
    county_officer = make_person(county, Role.LIAISON)
    return Office(city, county, officer, county_officer)


@pytest.fixture
def quarter(session: Session, office: Office) -> Quarter:
    return service.create_quarter(session, office.officer, NOW, year=2026, number=3)


def meeting_spec(**kw: object) -> service.MeetingSpec:
    fields: dict[str, object] = {
        "starts_at": datetime(2026, 7, 3, 1, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 7, 3, 8, 0, tzinfo=UTC),
        "place": "市委党员电教中心 三楼会议室",
        "agenda": [
            (AgendaKind.TRAINING, "短视频拍摄培训"),
            (AgendaKind.DEPLOYMENT, "部署第三季度宣传报道重点"),
        ],
    }
    fields.update(kw)
    return service.MeetingSpec(**fields)  # type: ignore[arg-type]


def priority_spec(office: Office, **kw: object) -> service.PrioritySpec:
    fields: dict[str, object] = {
        "theme": "庆祝建党105周年",
        "tag": "七一",
        "window_start": date(2026, 7, 1),
        "window_end": date(2026, 7, 10),
        "weight": 2,
        "targets": {office.city.id: 3, office.county.id: 1},
    }
    fields.update(kw)
    return service.PrioritySpec(**fields)  # type: ignore[arg-type]


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_quarter_knows_its_dates_and_a_second_of_the_same_is_refused(
    session: Session, office: Office, quarter: Quarter
) -> None:
    assert (quarter.start, quarter.end, quarter.label) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
        "2026年第三季度",
    )
    with pytest.raises(InvalidInput) as refused:
        service.create_quarter(session, office.officer, NOW, year=2026, number=3)
    assert "exists already" in refused.value.fields["number"]
    with pytest.raises(InvalidInput):
        service.create_quarter(session, office.officer, NOW, year=2026, number=5)
    assert count(session, Quarter) == 1


def test_only_city_liaison_officers_plan(
    session: Session, office: Office, quarter: Quarter, crew: object
) -> None:
    for someone in (office.county_officer, crew.producer):  # type: ignore[attr-defined]
        with pytest.raises(Forbidden):
            service.create_quarter(session, someone, NOW, year=2026, number=4)
        with pytest.raises(Forbidden):
            service.add_priority(session, someone, quarter, priority_spec(office), NOW)
        with pytest.raises(Forbidden):
            service.schedule_meeting(session, someone, quarter, meeting_spec(), NOW)
    assert (count(session, Priority), count(session, Meeting)) == (0, 0)


def test_a_meeting_invites_every_column_and_a_second_in_the_quarter_is_refused(
    session: Session, office: Office, quarter: Quarter
) -> None:
    meeting = service.schedule_meeting(session, office.officer, quarter, meeting_spec(), NOW)
    invited = {a.column_id: a.status for a in meeting.attendance}
    assert invited == {
        office.city.id: AttendanceStatus.INVITED,
        office.county.id: AttendanceStatus.INVITED,
    }
    assert [item["kind"] for item in meeting.agenda] == ["training", "deployment"]
    with pytest.raises(InvalidInput) as refused:
        service.schedule_meeting(session, office.officer, quarter, meeting_spec(), NOW)
    assert "has its liaison meeting already" in refused.value.fields["quarter"]
    assert count(session, Meeting) == 1


def test_the_database_holds_one_meeting_a_quarter_too(
    session: Session, office: Office, quarter: Quarter
) -> None:
    service.schedule_meeting(session, office.officer, quarter, meeting_spec(), NOW)
    session.add(
        Meeting(
            quarter_id=quarter.id,
            starts_at=NOW,
            ends_at=NOW.replace(hour=5),
            place="x",
            agenda=[],
            minutes="",
            updated_by_id=office.officer.id,
            updated_at=NOW,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"ends_at": datetime(2026, 7, 3, 0, 0, tzinfo=UTC)}, "ends_at", "end after it starts"),
        ({"place": "  "}, "place", "say where"),
        ({"agenda": [(AgendaKind.EXCHANGE, " ")]}, "agenda", "no title"),
    ],
)
def test_a_bad_meeting_is_refused(
    session: Session,
    office: Office,
    quarter: Quarter,
    change: dict[str, object],
    field: str,
    says: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.schedule_meeting(session, office.officer, quarter, meeting_spec(**change), NOW)
    assert says in refused.value.fields[field]
    assert count(session, Meeting) == 0


def test_a_moved_meeting_is_reminded_again(
    session: Session, office: Office, quarter: Quarter
) -> None:
    meeting = service.schedule_meeting(session, office.officer, quarter, meeting_spec(), NOW)
    meeting.reminded_at = NOW
    service.change_meeting(session, office.officer, meeting, meeting_spec(place="新址"), NOW)
    assert meeting.reminded_at == NOW  # same time: the reminder stands
    moved = meeting_spec(
        starts_at=datetime(2026, 7, 10, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 7, 10, 8, 0, tzinfo=UTC),
    )
    service.change_meeting(session, office.officer, meeting, moved, NOW)
    assert meeting.reminded_at is None


def test_a_county_liaison_officer_changes_only_their_own_columns_attendance(
    session: Session, office: Office, quarter: Quarter
) -> None:
    meeting = service.schedule_meeting(session, office.officer, quarter, meeting_spec(), NOW)
    row = service.set_attendance(
        session,
        office.county_officer,
        meeting,
        office.county,
        NOW,
        status=AttendanceStatus.ATTENDING,
        attendees="李华、王强",
        notes="带两部样片交流",
    )
    assert (row.status, row.attendees) == (AttendanceStatus.ATTENDING, "李华、王强")
    with pytest.raises(Forbidden):
        service.set_attendance(
            session,
            office.county_officer,
            meeting,
            office.city,
            NOW,
            status=AttendanceStatus.ABSENT,
        )
    city_row = session.get(Attendance, (meeting.id, office.city.id))
    assert city_row is not None and city_row.status is AttendanceStatus.INVITED
    with pytest.raises(Forbidden):
        service.record_minutes(session, office.county_officer, meeting, "纪要", NOW)
    service.record_minutes(session, office.officer, meeting, " 会议纪要：…… ", NOW)
    assert meeting.minutes == "会议纪要：……"


def test_a_priority_keeps_its_targets_per_column(
    session: Session, office: Office, quarter: Quarter
) -> None:
    priority = service.add_priority(session, office.officer, quarter, priority_spec(office), NOW)
    assert {t.column_id: t.episodes for t in priority.targets} == {
        office.city.id: 3,
        office.county.id: 1,
    }
    changed = priority_spec(office, targets={office.county.id: 2}, weight=1)
    service.change_priority(session, office.officer, priority, changed, NOW)
    assert {t.column_id: t.episodes for t in priority.targets} == {office.county.id: 2}
    assert priority.weight == 1


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"window_start": date(2026, 6, 20)}, "window_start", "inside 2026年第三季度"),
        ({"window_end": date(2026, 10, 1)}, "window_start", "inside 2026年第三季度"),
        ({"window_end": date(2026, 6, 30)}, "window_end", "runs backwards"),
        ({"weight": 0}, "weight", "at least 1"),
        ({"theme": " "}, "theme", "needs a theme"),
        ({"tag": "七 一"}, "tag", "one word"),
        ({"submit_by": date(2026, 7, 11)}, "submit_by", "not fall after"),
    ],
)
def test_a_bad_priority_is_refused_and_nothing_stored(
    session: Session,
    office: Office,
    quarter: Quarter,
    change: dict[str, object],
    field: str,
    says: str,
) -> None:
    with pytest.raises(InvalidInput) as refused:
        service.add_priority(session, office.officer, quarter, priority_spec(office, **change), NOW)
    assert says in refused.value.fields[field]
    assert count(session, Priority) == 0


def test_a_negative_target_or_an_unknown_column_is_refused(
    session: Session, office: Office, quarter: Quarter
) -> None:
    for targets, says in (
        ({office.city.id: -1}, "0 or more"),
        ({office.city.id: 1, 987654: 2}, "no such column: 987654"),
    ):
        with pytest.raises(InvalidInput) as refused:
            service.add_priority(
                session, office.officer, quarter, priority_spec(office, targets=targets), NOW
            )
        assert says in refused.value.fields["targets"]
    assert count(session, Priority) == 0


def test_a_refused_change_leaves_the_priority_as_it_was(
    session: Session, office: Office, quarter: Quarter
) -> None:
    priority = service.add_priority(session, office.officer, quarter, priority_spec(office), NOW)
    good = priority_spec(office)
    with pytest.raises(InvalidInput):
        service.change_priority(
            session, office.officer, priority, replace(good, window_end=date(2026, 12, 1)), NOW
        )
    assert (priority.window_end, len(priority.targets)) == (date(2026, 7, 10), 2)


def test_two_priorities_of_a_quarter_cannot_share_a_tag(
    session: Session, office: Office, quarter: Quarter
) -> None:
    service.add_priority(session, office.officer, quarter, priority_spec(office), NOW)
    with pytest.raises(InvalidInput) as refused:
        service.add_priority(
            session, office.officer, quarter, priority_spec(office, theme="另一个"), NOW
        )
    assert "tagged 七一 already" in refused.value.fields["tag"]


def test_a_negative_target_and_an_unknown_column_are_both_reported(
    session: Session, office: Office, quarter: Quarter
) -> None:
    spec = priority_spec(office, targets={office.city.id: -2, 987654: 1})
    with pytest.raises(InvalidInput) as refused:
        service.add_priority(session, office.officer, quarter, spec, NOW)
    message = refused.value.fields["targets"]
    assert "0 or more" in message and "no such column: 987654" in message
