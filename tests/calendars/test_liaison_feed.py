"""The liaison calendar (``liaison.ics``): each quarter's meeting, each priority's window as
an all-day event over its days, each submission deadline; stable UIDs, SEQUENCE raised on
a move, nothing private. (All four parsers read the demo's: ``test_interop``.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar
from sqlalchemy.orm import Session

from calendars import feeds, ledger
from calendars.models import EventKind, EventStatus
from editorial.models import Column, Level, Person, Role
from liaison import service
from liaison.models import AgendaKind, AttendanceStatus, Meeting, Priority, Quarter
from tests.calendars.test_ledger import ledger_row
from tests.conftest import NOW

MEETING_AT = datetime(2026, 3, 20, 1, 0, tzinfo=UTC)  # Friday 20 March, 09:00 in Shanghai


class Office:
    def __init__(self, session: Session, city: Column, county: Column, officer: Person) -> None:
        self.session, self.city, self.county, self.officer = session, city, county, officer

    def quarter(self) -> Quarter:
        return service.create_quarter(self.session, self.officer, NOW, year=2026, number=1)

    def meeting(self, quarter: Quarter, **kw: Any) -> Meeting:
        return service.schedule_meeting(self.session, self.officer, quarter, spec(**kw), NOW)

    def priority(self, quarter: Quarter, **kw: Any) -> Priority:
        fields: dict[str, Any] = {
            "theme": "学习贯彻全国两会精神",
            "tag": "两会",
            "window_start": date(2026, 3, 5),
            "window_end": date(2026, 3, 25),
            "submit_by": date(2026, 3, 10),
            "targets": {self.city.id: 3, self.county.id: 1},
        }
        fields.update(kw)
        return service.add_priority(
            self.session, self.officer, quarter, service.PrioritySpec(**fields), NOW
        )


def spec(**kw: Any) -> service.MeetingSpec:
    fields: dict[str, Any] = {
        "starts_at": MEETING_AT,
        "ends_at": MEETING_AT + timedelta(hours=3),
        "place": "市委党员电教中心 三楼会议室",
        "agenda": [
            (AgendaKind.TRAINING, "短视频拍摄培训"),
            (AgendaKind.EXCHANGE, "县级栏目制作经验交流"),
            (AgendaKind.DEPLOYMENT, "部署第一季度宣传报道重点"),
        ],
    }
    fields.update(kw)
    return service.MeetingSpec(**fields)


@pytest.fixture
def office(
    session: Session, make_column: Callable[..., Column], make_person: Callable[..., Person]
) -> Office:
    city = make_column(level=Level.CITY, name="时代风采")
    county = make_column(name="临江先锋")
    return Office(session, city, county, make_person(city, Role.LIAISON))


def liaison_body(session: Session, now: datetime = NOW) -> bytes:
    return feeds.render(session, feeds.liaison_feed(), feeds.window(now)).body


def vevents(body: bytes) -> dict[str, Any]:
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_the_meeting_window_and_deadline_are_in_the_liaison_feed(
    session: Session, office: Office
) -> None:
    quarter = office.quarter()
    meeting = office.meeting(quarter)
    priority = office.priority(quarter)
    assert ledger.sync(session, NOW) == 3
    events = vevents(liaison_body(session))
    assert list(events) == [
        ledger.priority_uid(priority.id),  # 5 March
        ledger.deadline_uid(priority.id),  # 10 March
        ledger.meeting_uid(meeting.id),  # 20 March
    ]
    assert ledger.meeting_uid(meeting.id) == f"liaison-meeting-{meeting.id}@tvcolumn"
    held = events[ledger.meeting_uid(meeting.id)]
    assert str(held["SUMMARY"]) == "通联会议（2026年第一季度）"
    assert str(held["LOCATION"]) == "市委党员电教中心 三楼会议室"
    assert held["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert (held["DTSTART"].dt, held["DTEND"].dt) == (MEETING_AT, MEETING_AT + timedelta(hours=3))
    assert held["DTSTART"].dt.utcoffset() == timedelta(hours=8)
    described = str(held["DESCRIPTION"])
    for item in ("1. 业务培训：短视频拍摄培训", "2. 制作经验交流：县级栏目制作经验交流"):
        assert item in described
    deadline = events[ledger.deadline_uid(priority.id)]
    assert str(deadline["SUMMARY"]) == "报送截止：学习贯彻全国两会精神"
    assert (deadline["DTSTART"].dt, deadline["DTEND"].dt) == (date(2026, 3, 10), date(2026, 3, 11))
    for feed in (feeds.all_feed(), feeds.column_feed(office.city)):  # only in liaison.ics
        assert b"liaison-" not in feeds.render(session, feed, feeds.window(NOW)).body


def test_a_window_is_one_all_day_event_with_dates_and_the_day_after_its_last_as_dtend(
    session: Session, office: Office
) -> None:
    priority = office.priority(office.quarter())
    ledger.sync(session, NOW)
    body = liaison_body(session)
    assert b"DTSTART;VALUE=DATE:20260305\r\n" in body
    assert b"DTEND;VALUE=DATE:20260326\r\n" in body  # exclusive: 25 March is the last day
    event = vevents(body)[ledger.priority_uid(priority.id)]
    assert str(event["SUMMARY"]) == "宣传报道重点：学习贯彻全国两会精神"
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2026, 3, 5), date(2026, 3, 26))
    assert "TZID" not in event["DTSTART"].params
    read = {
        e.uid.value: (e.dtstart.value, e.dtend.value)
        for e in vobject.readOne(body.decode(), validate=True).vevent_list
    }
    assert read[ledger.priority_uid(priority.id)] == (date(2026, 3, 5), date(2026, 3, 26))
    # recurring-ical-events finds it on its first and its last day, not the day after.
    calendar = Calendar.from_ical(body)
    for day, found in ((date(2026, 3, 5), 1), (date(2026, 3, 25), 1), (date(2026, 3, 26), 0)):
        on_day = recurring_ical_events.of(calendar).at(day)
        assert len([e for e in on_day if str(e["UID"]).startswith("liaison-priority")]) == found


def test_a_window_begun_before_the_feed_window_is_still_shown(
    session: Session, office: Office
) -> None:
    priority = office.priority(
        office.quarter(), window_start=date(2026, 1, 5), window_end=date(2026, 3, 31)
    )
    ledger.sync(session, NOW)
    later = NOW + timedelta(days=50)  # the feed's window begins 30 days back: 10 March
    assert feeds.window(later).first > priority.window_start
    assert ledger.priority_uid(priority.id) in vevents(liaison_body(session, later))
    gone = NOW + timedelta(days=70)  # 31 March is more than 30 days back
    assert ledger.priority_uid(priority.id) not in vevents(liaison_body(session, gone))


def test_a_moved_meeting_keeps_its_uid_and_raises_sequence(
    session: Session, office: Office
) -> None:
    quarter = office.quarter()
    meeting = office.meeting(quarter)
    ledger.sync(session, NOW)
    uid = ledger.meeting_uid(meeting.id)
    assert ledger_row(session, uid).sequence == 0
    later = NOW + timedelta(hours=1)
    moved = MEETING_AT + timedelta(days=7)
    service.change_meeting(
        session,
        office.officer,
        meeting,
        spec(starts_at=moved, ends_at=moved + timedelta(hours=3)),
        later,
    )
    assert ledger.sync(session, later) == 1
    row = ledger_row(session, uid)
    assert (row.starts_at, row.sequence, row.last_modified) == (moved, 1, later)
    event = vevents(liaison_body(session, later))[uid]
    assert (event["SEQUENCE"], event["DTSTART"].dt) == (1, moved)
    # A new place alone is no move: the calendars take the new text without a new SEQUENCE.
    service.change_meeting(
        session,
        office.officer,
        meeting,
        spec(starts_at=moved, ends_at=moved + timedelta(hours=3), place="市委党校 报告厅"),
        later,
    )
    assert ledger.sync(session, later + timedelta(minutes=1)) == 1
    assert ledger_row(session, uid).sequence == 1
    assert ledger.sync(session, later + timedelta(minutes=2)) == 0


def test_a_changed_window_raises_sequence_and_a_dropped_deadline_is_cancelled(
    session: Session, office: Office
) -> None:
    priority = office.priority(office.quarter())
    ledger.sync(session, NOW)
    later = NOW + timedelta(hours=1)
    service.change_priority(
        session,
        office.officer,
        priority,
        service.PrioritySpec(
            theme=priority.theme,
            tag=priority.tag,
            window_start=date(2026, 3, 5),
            window_end=date(2026, 3, 28),
            targets={office.city.id: 3},
        ),
        later,
    )
    assert ledger.sync(session, later) == 2
    window = ledger_row(session, ledger.priority_uid(priority.id))
    assert (window.day, window.last_day, window.sequence) == (
        date(2026, 3, 5),
        date(2026, 3, 28),
        1,
    )
    deadline = ledger_row(session, ledger.deadline_uid(priority.id))
    assert (deadline.status, deadline.sequence) == (EventStatus.CANCELLED, 1)
    events = vevents(liaison_body(session, later))
    assert str(events[ledger.deadline_uid(priority.id)]["STATUS"]) == "CANCELLED"
    assert events[ledger.priority_uid(priority.id)]["DTEND"].dt == date(2026, 3, 29)


def test_nothing_private_in_the_liaison_feed(session: Session, office: Office) -> None:
    quarter = office.quarter()
    meeting = office.meeting(quarter)
    office.priority(quarter, targets={office.city.id: 7, office.county.id: 5})
    service.set_attendance(
        session,
        office.officer,
        meeting,
        office.county,
        NOW,
        status=AttendanceStatus.ABSENT,
        attendees="王小明、李红",
        notes="书记住院，暂不能参会",
    )
    service.record_minutes(session, office.officer, meeting, "会议纪要：内部讨论的人事安排", NOW)
    ledger.sync(session, NOW)
    body = liaison_body(session)
    text = body.decode().replace("\r\n ", "")  # unfolded
    for private in ("王小明", "住院", "纪要", "人事", "请假", "临江先锋", "目标", "7 期"):
        assert private not in text.replace("节目标签", ""), private
    rows = [ledger_row(session, uid) for uid in vevents(body)]
    assert {row.kind for row in rows} == {EventKind.LIAISON}
    assert all(row.column_id is None and row.episode_id is None for row in rows)
    # Nor in anyone's private feed: those show their airings and reviews only.
    mine = feeds.render(session, feeds.person_feed(office.officer), feeds.window(NOW)).body
    assert b"liaison-" not in mine
