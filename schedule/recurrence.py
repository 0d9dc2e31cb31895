"""Occurrences of a slot: an RFC 5545 recurrence rule in the slot's time zone.

Times are entered in local time (Asia/Shanghai by default) and returned in
UTC. In a zone with daylight saving the local time is kept across the change,
as RFC 5545 requires: a start inside the spring-forward gap (02:30 in
Europe/Berlin on the last Sunday of March) does not exist and moves forward by
the length of the gap (03:30 local, the same instant the pre-gap offset
gives), and a start inside the autumn fall-back overlap (02:30 on the last
Sunday of October happens twice) takes the first of the two instants. Python's
``zoneinfo`` with ``fold=0`` gives exactly these results.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from editorial.errors import InvalidInput

SUB_DAILY = ("HOURLY", "MINUTELY", "SECONDLY")
FORBIDDEN_PARTS = ("DTSTART", "BYHOUR", "BYMINUTE", "BYSECOND")


@dataclass(frozen=True, order=True)
class Occurrence:
    """One occurrence of a slot: its start and end in UTC and its local day."""

    starts_at: datetime
    ends_at: datetime
    local_day: date


@dataclass(frozen=True)
class Recurrence:
    """What a slot's occurrences are computed from (a Slot row or a preview)."""

    rule: str
    timezone: str
    local_start: time
    duration_s: int
    first_date: date
    last_date: date | None = None
    exceptions: frozenset[date] = frozenset()
    extra_dates: frozenset[date] = frozenset()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"unknown time zone {name!r}", {"timezone": "unknown"}, code="unknown_time_zone"
        ) from None


@functools.lru_cache(maxsize=4096)
def parse_rule(rule: str, first_date: date) -> rrule:
    """Parse an RRULE value such as ``FREQ=WEEKLY;BYDAY=FR``, or say what is wrong."""
    text = rule.strip().removeprefix("RRULE:")
    upper = text.upper()
    if not upper.startswith("FREQ=") and ";FREQ=" not in upper:
        raise InvalidInput(
            f"recurrence rule {rule!r} has no FREQ", {"rrule": "FREQ missing"}, code="rrule_no_freq"
        )
    for part in FORBIDDEN_PARTS:
        if part + "=" in upper:
            raise InvalidInput(
                f"recurrence rule {rule!r}: {part} is set by the slot's own fields",
                {"rrule": f"{part} not allowed"},
                code="rrule_part_of_slot",
                part=part,
            )
    if any(f"FREQ={freq}" in upper for freq in SUB_DAILY):
        raise InvalidInput(
            f"recurrence rule {rule!r}: a slot airs at most once a day",
            {"rrule": "sub-daily"},
            code="rrule_sub_daily",
        )
    if "UNTIL=" in upper and "T" in upper.split("UNTIL=", 1)[1].split(";", 1)[0]:
        raise InvalidInput(
            f"recurrence rule {rule!r}: give UNTIL as a date (YYYYMMDD) or use the last date",
            {"rrule": "UNTIL with a time"},
            code="rrule_until_time",
        )
    try:
        parsed = rrulestr(text, dtstart=datetime.combine(first_date, time()))
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise InvalidInput(
            f"recurrence rule {rule!r} is not a valid RFC 5545 RRULE: {error}",
            {"rrule": "invalid"},
            code="rrule_invalid",
        ) from None
    if not isinstance(parsed, rrule):
        raise InvalidInput(
            f"recurrence rule {rule!r} must be a single RRULE", {"rrule": "set"}, code="rrule_set"
        )
    interval = re.search(r"(?:^|;)INTERVAL=(\d+)", upper)
    if interval and int(interval.group(1)) < 1:
        raise InvalidInput(
            f"recurrence rule {rule!r}: INTERVAL must be at least 1",
            {"rrule": "INTERVAL"},
            code="rrule_interval",
        )
    return parsed


def to_utc(day: date, local_start: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a local wall time, by RFC 5545's rules for gaps and overlaps."""
    return datetime.combine(day, local_start, tzinfo=tz).astimezone(UTC)  # fold=0


@functools.lru_cache(maxsize=1024)
def rule_days(rule: str, first_date: date, first_day: date, last_day: date) -> tuple[date, ...]:
    """The local days the rule (starting ``first_date``) gives from ``first_day`` to
    ``last_day``, both included. Many slots share a rule and a first date with other
    times and lengths (a province has some 80 of them for 300 slots): each once."""
    rule_set = parse_rule(rule, first_date)
    moments = rule_set.between(
        datetime.combine(first_day, time()), datetime.combine(last_day, time()), inc=True
    )
    return tuple(moment.date() for moment in moments)


def occurrences(recurrence: Recurrence, start: datetime, end: datetime) -> list[Occurrence]:
    """Occurrences starting in ``[start, end)`` (aware datetimes), in order."""
    tz = zone(recurrence.timezone)
    first_day = max(recurrence.first_date, (start.astimezone(tz) - timedelta(days=1)).date())
    last_day = (end.astimezone(tz) + timedelta(days=1)).date()
    if recurrence.last_date is not None:
        last_day = min(last_day, recurrence.last_date)
    if last_day < first_day:
        days: Iterable[date] = ()
    else:
        days = rule_days(recurrence.rule, recurrence.first_date, first_day, last_day)
    extra = {d for d in recurrence.extra_dates if first_day <= d <= last_day}
    wanted = sorted((set(days) | extra) - recurrence.exceptions)
    length = timedelta(seconds=recurrence.duration_s)
    result = []
    for day in wanted:
        starts_at = to_utc(day, recurrence.local_start, tz)
        if start <= starts_at < end:
            result.append(Occurrence(starts_at, starts_at + length, day))
    return result
