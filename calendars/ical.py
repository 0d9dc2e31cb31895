"""The iCalendar serializer: plain data in, RFC 5545 bytes out.

No Flask, no database, no clock: the endpoints, ``tvcolumn feeds export`` and
the tests all call ``serialize`` with the same data and get the same bytes.

What every calendar app needs from a subscribed feed, and how it is met here:

* VERSION, PRODID, CALSCALE and METHOD:PUBLISH; the name as NAME (RFC 7986)
  and X-WR-CALNAME (Apple, Google, Outlook); how often to poll as
  REFRESH-INTERVAL and X-PUBLISHED-TTL, both written as RFC 5545 durations
  (``PT1H``: icalendar would write a ``timedelta`` on an X- property as
  ``1:00:00``).
* A VTIMEZONE for every TZID used, made from the IANA database by icalendar
  over the years the events need; Asia/Shanghai always, from 1992 on, so its
  1986–1991 daylight-saving rules are not dragged in for nothing.
* A stable UID, SEQUENCE, DTSTAMP and LAST-MODIFIED from the data (the ledger),
  an ORGANIZER on each event, STATUS.
* All-day events (review due dates, priority windows, submission deadlines) as
  DTSTART;VALUE=DATE and DTEND;VALUE=DATE the day after the last day (RFC 5545
  3.6.1: DTEND is exclusive), without TZID: a date is that day wherever it is read.
* icalendar escapes the text and folds lines at 75 octets without splitting a
  UTF-8 character; lines end in CRLF.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vDuration, vText

PRODID = "-//tvcolumn//tvcolumn air schedule feeds//ZH"
DEFAULT_TZID = "Asia/Shanghai"
SHANGHAI_SINCE = date(1992, 1, 1)  # after China's 1986–1991 daylight-saving years
END = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class CalendarMeta:
    name: str
    description: str
    refresh: timedelta
    timezone: str = DEFAULT_TZID


@dataclass(frozen=True)
class EventData:
    """One VEVENT: timed (``starts_at``/``ends_at``, aware, shown in ``tzid``) or all-day:
    ``day`` through ``last_day`` (inclusive; the day itself when None), written as
    DTSTART;VALUE=DATE and an exclusive DTEND;VALUE=DATE the day after the last."""

    uid: str
    summary: str
    status: str
    sequence: int
    created: datetime
    last_modified: datetime
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    day: date | None = None
    last_day: date | None = None
    tzid: str = DEFAULT_TZID
    description: str = ""
    location: str = ""
    categories: tuple[str, ...] = ()
    organizer: str = ""


@dataclass(frozen=True)
class Rendered:
    """A VEVENT block from ``render_event``, with what the calendar needs to know of it."""

    ical: bytes
    tzid: str | None  # the TZID its times use; None for an all-day event
    year: int


def render(organizer_address: str, item: EventData) -> Rendered:
    """One event as a VEVENT block (the ledger stores it; a feed joins the blocks)."""
    ical = _event(organizer_address, item).to_ical()
    if item.starts_at is not None:
        return Rendered(ical, item.tzid, item.starts_at.astimezone(_zone(item.tzid)).year)
    assert item.day is not None
    return Rendered(ical, None, item.day.year)


def serialize(meta: CalendarMeta, events: Sequence[Rendered]) -> bytes:
    """The feed's bytes, events in the order given; the same arguments give the same bytes."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", meta.name)
    calendar.add("x-wr-calname", meta.name)
    if meta.description:
        calendar.add("description", meta.description)
        calendar.add("x-wr-caldesc", meta.description)
    calendar.add("x-wr-timezone", meta.timezone)
    calendar.add("refresh-interval", vDuration(meta.refresh), parameters={"VALUE": "DURATION"})
    ttl = vDuration(meta.refresh).to_ical().decode()  # type: ignore[no-untyped-call]
    calendar.add("x-published-ttl", vText(ttl))
    for span in _timezones(meta, events):
        calendar.add_component(_vtimezone(*span))
    head = calendar.to_ical()
    assert head.endswith(END)
    return b"".join([head[: -len(END)], *(e.ical for e in events), END])


def _timezones(meta: CalendarMeta, events: Sequence[Rendered]) -> list[tuple[str, int, int]]:
    """Each TZID used, with the years its VTIMEZONE must cover."""
    years: dict[str, set[int]] = {}
    for item in events:
        if item.tzid is not None:
            years.setdefault(item.tzid, set()).add(item.year)
    spans = []
    for tzid in sorted(set(years) | {meta.timezone}):
        seen = years.get(tzid) or {SHANGHAI_SINCE.year}
        spans.append((tzid, min(seen), max(seen)))
    return spans


@functools.lru_cache(maxsize=32)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """The zone over whole years around the events (Asia/Shanghai: one fixed span)."""
    if tzid == DEFAULT_TZID:
        return Timezone.from_tzid(tzid, first_date=SHANGHAI_SINCE, last_date=date(2038, 1, 1))
    zone = Timezone.from_tzid(
        tzid, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    )
    _fix_onsets(zone, _zone(tzid))
    return zone


def _fix_onsets(zone: Timezone, tz: ZoneInfo) -> None:
    """Write each change of offset at its local time in the offset before it (RFC 5545).

    icalendar 7.3.2 writes the onset of daylight time in the new offset
    (Europe/Berlin: DTSTART:20260329T030000 with TZOFFSETFROM:+0100, an hour
    after the real change at 01:00 UTC); the autumn onset it writes right.
    Each onset is checked against the zone database and moved only if wrong.
    """
    observances: list[Any] = list(zone.subcomponents)  # icalendar's values are untyped unions
    for observance in observances:
        before = observance["TZOFFSETFROM"].td
        after = observance["TZOFFSETTO"].td
        if before == after:
            continue
        start = observance["DTSTART"].dt
        observance["DTSTART"].dt = _onset(start, before, after, tz)
        rdates = observance.get("RDATE")
        for rdate in rdates if isinstance(rdates, list) else [rdates] if rdates else []:
            for period in rdate.dts:
                period.dt = _onset(period.dt, before, after, tz)


def _onset(local: datetime, before: timedelta, after: timedelta, tz: ZoneInfo) -> datetime:
    for offset in (before, after):
        moment = (local - offset).replace(tzinfo=UTC)
        if _is_change(moment, before, after, tz):
            return moment.replace(tzinfo=None) + before
    return local  # not a change icalendar made: leave it as it is


def _is_change(moment: datetime, before: timedelta, after: timedelta, tz: ZoneInfo) -> bool:
    return (moment - timedelta(seconds=1)).astimezone(tz).utcoffset() == before and (
        moment.astimezone(tz).utcoffset() == after
    )


@functools.lru_cache(maxsize=32)
def _zone(tzid: str) -> ZoneInfo:
    return ZoneInfo(tzid)


def _ambiguous(local: datetime) -> bool:
    return local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset()


def _event(organizer_address: str, item: EventData) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", item.last_modified.astimezone(UTC))
    if item.starts_at is not None:
        zone: tzinfo = _zone(item.tzid)
        times = [item.starts_at, *([item.ends_at] if item.ends_at is not None else [])]
        if any(_ambiguous(moment.astimezone(zone)) for moment in times):
            zone = UTC  # a wall time of the autumn overlap names two instants: say which
        event.add("dtstart", item.starts_at.astimezone(zone))
        if item.ends_at is not None:
            event.add("dtend", item.ends_at.astimezone(zone))
    else:
        assert item.day is not None
        last = item.day if item.last_day is None else item.last_day
        if last < item.day:
            raise ValueError(f"{item.uid}: an all-day event ends ({last}) before it starts")
        event.add("dtstart", item.day)
        event.add("dtend", last + timedelta(days=1))
    event.add("summary", item.summary)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.categories:
        event.add("categories", list(item.categories))
    organizer = vCalAddress(organizer_address)
    if item.organizer:
        organizer.params["cn"] = item.organizer
    event.add("organizer", organizer)
    event.add("status", item.status)
    event.add("sequence", item.sequence)
    event.add("created", item.created.astimezone(UTC))
    event.add("last-modified", item.last_modified.astimezone(UTC))
    event.add("transp", "TRANSPARENT")
    return event
