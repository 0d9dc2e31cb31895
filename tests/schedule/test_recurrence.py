"""Slot occurrences: RFC 5545 rules in local time, stored in UTC, DST included."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from editorial.errors import InvalidInput
from schedule.recurrence import Recurrence, occurrences, parse_rule, zone

BERLIN = zone("Europe/Berlin")
SHANGHAI = zone("Asia/Shanghai")


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_daily_0230_slot_in_berlin_keeps_local_time_across_both_changes() -> None:
    slot = Recurrence("FREQ=DAILY", "Europe/Berlin", time(2, 30), 1800, date(2026, 3, 27))
    spring = occurrences(slot, _utc(2026, 3, 27), _utc(2026, 3, 31))
    local = [o.starts_at.astimezone(BERLIN) for o in spring]
    # 29 March: 02:30 does not exist; RFC 5545 moves it past the gap, to 03:30 CEST.
    assert [(t.day, t.hour, t.minute) for t in local] == [
        (27, 2, 30),
        (28, 2, 30),
        (29, 3, 30),
        (30, 2, 30),
    ]
    assert [o.starts_at.hour for o in spring] == [1, 1, 1, 0]
    autumn = occurrences(slot, _utc(2026, 10, 24), _utc(2026, 10, 27))
    # 25 October: 02:30 happens twice; the first (CEST, 00:30 UTC) is taken, once.
    assert [o.starts_at for o in autumn] == [
        _utc(2026, 10, 24, 0, 30),
        _utc(2026, 10, 25, 0, 30),
        _utc(2026, 10, 26, 1, 30),
    ]


def test_last_friday_of_the_month_with_an_exception_and_an_extra_date() -> None:
    slot = Recurrence(
        "FREQ=MONTHLY;BYDAY=-1FR",
        "Asia/Shanghai",
        time(20, 0),
        1500,
        date(2026, 1, 1),
        exceptions=frozenset({date(2026, 5, 29)}),
        extra_dates=frozenset({date(2026, 7, 1)}),
    )
    found = occurrences(slot, _utc(2026, 1, 1), _utc(2026, 8, 1))
    assert [o.local_day for o in found] == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 27),
        date(2026, 4, 24),
        date(2026, 6, 26),
        date(2026, 7, 1),
        date(2026, 7, 31),
    ]
    assert found[0].starts_at == _utc(2026, 1, 30, 12, 0)  # 20:00 in Shanghai
    assert found[0].ends_at == _utc(2026, 1, 30, 12, 25)


def test_every_other_week_between_first_and_last_date() -> None:
    slot = Recurrence(
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
        "Asia/Shanghai",
        time(19, 30),
        1200,
        date(2026, 1, 3),
        last_date=date(2026, 2, 14),
    )
    days = [o.local_day for o in occurrences(slot, _utc(2025, 12, 1), _utc(2027, 1, 1))]
    assert days == [date(2026, 1, 3), date(2026, 1, 17), date(2026, 1, 31), date(2026, 2, 14)]


def test_the_window_is_half_open_in_utc() -> None:
    slot = Recurrence("FREQ=DAILY", "Asia/Shanghai", time(8, 0), 600, date(2026, 1, 1))
    found = occurrences(slot, _utc(2026, 1, 2, 0, 0), _utc(2026, 1, 3, 0, 0))
    assert [o.starts_at for o in found] == [_utc(2026, 1, 2, 0, 0)]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("BYDAY=FR", "no FREQ"),
        ("FREQ=WEEKLY;BYDAY=XX", "not a valid RFC 5545 RRULE"),
        ("FREQ=HOURLY", "at most once a day"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;BYHOUR=8", "BYHOUR"),
        ("FREQ=WEEKLY;UNTIL=20261231T000000Z", "UNTIL as a date"),
        ("", "no FREQ"),
    ],
)
def test_a_malformed_rule_is_refused_with_what_is_wrong(rule: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_rule(rule, date(2026, 1, 1))


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown time zone"):
        zone("Mars/Olympus")
