"""The pure serializer: what every calendar app needs at the top of a feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from icalendar import Calendar

from calendars import ical

AT = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
META = ical.CalendarMeta("《时代风采》播出安排", "市台 新闻综合频道", timedelta(hours=1))


def timed(uid: str = "premiere-1@tvcolumn", **kw: object) -> ical.Rendered:
    fields: dict[str, object] = {
        "uid": uid,
        "summary": "【首播】《时代风采》初心如磐",
        "status": "CONFIRMED",
        "sequence": 2,
        "created": AT,
        "last_modified": AT + timedelta(hours=1),
        "starts_at": datetime(2026, 3, 6, 12, 0, tzinfo=UTC),
        "ends_at": datetime(2026, 3, 6, 12, 30, tzinfo=UTC),
        "organizer": "时代风采",
    }
    fields.update(kw)
    return ical.render("mailto:noreply@tvcolumn.invalid", ical.EventData(**fields))  # type: ignore[arg-type]


def lines(body: bytes) -> list[str]:
    return body.decode().split("\r\n")


def test_the_calendar_says_what_it_is_and_how_often_to_poll_as_durations() -> None:
    body = ical.serialize(META, [timed()])
    head = lines(body)
    for line in (
        "VERSION:2.0",
        "METHOD:PUBLISH",
        "CALSCALE:GREGORIAN",
        "NAME:《时代风采》播出安排",
        "X-WR-CALNAME:《时代风采》播出安排",
        "X-WR-TIMEZONE:Asia/Shanghai",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert line in head, line
    assert any(line.startswith("PRODID:-//tvcolumn//") for line in head)


def test_asia_shanghai_gets_one_standard_observance_without_the_old_summer_time() -> None:
    calendar = Calendar.from_ical(ical.serialize(META, [timed()]))
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Asia/Shanghai"
    observances = [c.name for c in zone.subcomponents]
    assert observances == ["STANDARD"]
    assert zone.subcomponents[0]["DTSTART"].dt.year == 1992


def test_each_event_has_its_organizer_stamps_from_the_data_and_its_times_in_shanghai() -> None:
    calendar = Calendar.from_ical(ical.serialize(META, [timed()]))
    (event,) = calendar.walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:noreply@tvcolumn.invalid"
    assert event["ORGANIZER"].params["CN"] == "时代风采"
    assert event["DTSTAMP"].dt == event["LAST-MODIFIED"].dt == AT + timedelta(hours=1)
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert event["DTSTART"].dt.hour == 20  # 12:00 UTC
    assert event["SEQUENCE"] == 2


def test_an_empty_feed_is_still_a_valid_calendar() -> None:
    body = ical.serialize(META, [])
    calendar = Calendar.from_ical(body)
    assert calendar.walk("VEVENT") == [] and len(calendar.walk("VTIMEZONE")) == 1
    assert body.endswith(b"END:VCALENDAR\r\n")


def test_all_day_events_have_dates_and_the_same_input_gives_the_same_bytes() -> None:
    review = timed(
        "review-1-1-first@tvcolumn",
        starts_at=None,
        ends_at=None,
        day=date(2026, 3, 4),
        summary="【初审截止】《时代风采》初心如磐",
    )
    first = ical.serialize(META, [timed(), review])
    assert first == ical.serialize(META, [timed(), review])
    (_, event) = Calendar.from_ical(first).walk("VEVENT")
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2026, 3, 4), date(2026, 3, 5))


def test_an_all_day_event_over_several_days_ends_the_day_after_its_last() -> None:
    window = timed(
        "liaison-priority-1@tvcolumn",
        starts_at=None,
        ends_at=None,
        day=date(2026, 6, 20),
        last_day=date(2026, 7, 10),
        summary="宣传报道重点：庆祝建党105周年",
    )
    body = ical.serialize(META, [window])
    assert b"DTSTART;VALUE=DATE:20260620\r\n" in body
    assert b"DTEND;VALUE=DATE:20260711\r\n" in body
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert (event["DTSTART"].dt, event["DTEND"].dt) == (date(2026, 6, 20), date(2026, 7, 11))
    with pytest.raises(ValueError, match="ends"):
        timed(starts_at=None, ends_at=None, day=date(2026, 6, 20), last_day=date(2026, 6, 19))
