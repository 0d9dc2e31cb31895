"""Interop: four independent parsers read every feed of the demo as the ledger means it.

The demo (``editorial.demo``, ``schedule.demo``, ``calendars.demo`` and ``liaison.demo``,
synced into the ledger) gives ``all.ics``, one feed per column, ``liaison.ics`` (the
quarter's meeting, timed; its priorities' windows, all-day over several days; their
submission deadlines, all-day) and a person's private feed. Each must be accepted by:

* icalendar: no component errors, a VTIMEZONE for every TZID used, CRLF line ends,
  lines of at most 75 octets, Chinese text intact through a round trip;
* vobject with ``validate=True``, serialized back and read again;
* Mozilla's ical.js under node (``icaljs_check.mjs``; ``make test`` runs ``npm ci``):
  every time in Asia/Shanghai through the file's own VTIMEZONE, never floating, at the
  UTC instant the ledger holds; an all-day event as dates, DTEND the day after its last;
* recurring-ical-events: every event of the window at its instants.

A feed with an airing in Europe/Berlin must carry a VTIMEZONE that all four resolve
across both daylight-saving changes.

Under CI a missing node or ical.js fails; elsewhere those tests skip and say why.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import recurring_ical_events
import vobject
from icalendar import Calendar, Component
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from calendars import demo as calendars_demo
from calendars import feeds, ical, ledger
from calendars.models import EventKind, FeedEvent
from editorial import demo as editorial_demo
from editorial.models import Person
from liaison import demo as liaison_demo
from schedule import demo as scheduler_demo
from schedule.recurrence import Recurrence, occurrences
from tests.conftest import IN_CI, NOW, rolled_back_session

ROOT = Path(__file__).resolve().parents[2]
ICALJS_SCRIPT = Path(__file__).with_name("icaljs_check.mjs")
ICALJS_PACKAGE = ROOT / "node_modules" / "ical.js" / "package.json"
BERLIN = ZoneInfo("Europe/Berlin")
MAX_OCTETS = 75
ORGANIZER = "mailto:noreply@tvcolumn.invalid"


def _as_found(value: Any) -> Any:
    return value.astimezone(UTC) if isinstance(value, datetime) else value


def _ambiguous(local: datetime) -> bool:
    """Whether the wall time happens twice (the autumn overlap of a zone with DST)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


def _span(pair: tuple[Any, ...]) -> str:
    return " to ".join(v.isoformat() for v in pair)


# --- the demo's feeds, with what the ledger says they show ------------------------------------


@dataclass(frozen=True)
class Shown:
    """One event as the ledger holds it: the truth every parser is compared with."""

    uid: str
    kind: EventKind
    starts_at: datetime | None
    ends_at: datetime | None
    day: date | None
    tzid: str
    summary: str
    description: str
    location: str
    last_day: date | None = None

    @classmethod
    def of(cls, row: FeedEvent) -> Shown:
        return cls(
            row.uid,
            row.kind,
            row.starts_at,
            row.ends_at,
            row.day,
            row.tzid,
            row.summary,
            row.description,
            row.location,
            row.last_day,
        )

    def instants(self) -> tuple[Any, Any]:
        """(start, end): aware UTC datetimes, or the all-day event's first day and the day
        after its last (DTEND is exclusive)."""
        if self.day is not None:
            return (self.day, (self.last_day or self.day) + timedelta(days=1))
        return (self.starts_at, self.ends_at)


@dataclass(frozen=True)
class DemoFeed:
    path: str  # where it is served, e.g. ``columns/shidai-fengcai.ics``
    name: str
    body: bytes
    shown: tuple[Shown, ...]
    window: feeds.Window


def _person_with_both_kinds(session: Session, span: feeds.Window) -> Person:
    """A person whose private feed has review due dates and airings of their episodes."""
    for person in session.scalars(select(Person).order_by(Person.username)):
        kinds = {row.kind for row in feeds.events(session, feeds.person_feed(person), span)}
        if {EventKind.REVIEW, EventKind.AIRING} <= kinds:
            return person
    raise AssertionError("no demo person has both review due dates and airings in the window")


@pytest.fixture(scope="module")
def demo_feeds(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> list[DemoFeed]:
    """Every public feed of the demo (the imported county feed too) and one private feed,
    rendered from a synced ledger."""
    with rolled_back_session(engine) as session:
        editorial_demo.load(session, NOW)
        scheduler_demo.load(session, NOW)
        calendars_demo.load(session, NOW, tmp_path_factory.mktemp("county"))
        liaison_demo.load(session, NOW)
        ledger.sync(session, NOW)
        span = feeds.window(NOW)
        person = _person_with_both_kinds(session, span)
        chosen = [*feeds.public_feeds(session), feeds.person_feed(person)]
        rendered = []
        for feed in chosen:
            path = feed.path.format(token=person.username)
            rows = feeds.events(session, feed, span)
            body = feeds.render(session, feed, span).body
            shown = tuple(Shown.of(row) for row in rows)
            rendered.append(DemoFeed(path, feed.name, body, shown, span))
        return rendered


@pytest.fixture(scope="module")
def demo_dir(demo_feeds: list[DemoFeed], tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("feeds")
    for feed in demo_feeds:
        target = directory / feed.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(feed.body)
    return directory


def test_the_demo_gives_every_kind_of_feed_with_events(demo_feeds: list[DemoFeed]) -> None:
    by_path = {f.path: f for f in demo_feeds}
    columns = [f for f in demo_feeds if f.path.startswith("columns/")]
    personal = [f for f in demo_feeds if f.path.startswith("people/")]
    assert columns and all(f.shown for f in columns)
    assert len(by_path["all.ics"].shown) == sum(len(f.shown) for f in columns)
    liaison = by_path["liaison.ics"].shown
    assert {s.kind for s in liaison} == {EventKind.LIAISON}
    kinds = {s.uid.split("-")[1] for s in liaison}
    assert kinds == {"meeting", "priority", "deadline"}
    # A window over several days, one begun before the feed's window; a one-day deadline.
    assert any(
        s.last_day is not None and s.day < by_path["liaison.ics"].window.first for s in liaison
    )
    assert all(s.last_day is None for s in liaison if "deadline" in s.uid)
    assert len(personal) == 1
    assert {s.kind for s in personal[0].shown} == {EventKind.REVIEW, EventKind.AIRING}


# --- icalendar --------------------------------------------------------------------------------


def _used_tzids(calendar: Component) -> set[str]:
    used = set()
    for component in calendar.walk():
        if component.name == "VTIMEZONE":
            continue
        for name in ("DTSTART", "DTEND", "RECURRENCE-ID", "DUE"):
            prop = component.get(name)
            if prop is not None and "TZID" in prop.params:
                used.add(str(prop.params["TZID"]))
    return used


def _icalendar_problems(path: str, body: bytes) -> list[str]:
    calendar = Calendar.from_ical(body)
    problems = [
        f"{path}: {component.name} {component.get('UID', '')}: {error}"
        for component in calendar.walk()
        for error in component.errors
    ]
    defined = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    missing = (_used_tzids(calendar) - defined) | calendar.get_missing_tzids()
    if missing:
        problems.append(f"{path}: no VTIMEZONE for {sorted(missing)}")
    return problems


def test_icalendar_reads_every_feed_without_errors_or_missing_timezones(
    demo_feeds: list[DemoFeed],
) -> None:
    problems = [p for feed in demo_feeds for p in _icalendar_problems(feed.path, feed.body)]
    assert problems == []
    for feed in demo_feeds:
        calendar = Calendar.from_ical(feed.body)
        assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [s.uid for s in feed.shown]
        assert "Asia/Shanghai" in {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}


def _bad_lines(path: str, body: bytes) -> Iterator[str]:
    if not body.endswith(b"\r\n"):
        yield f"{path}: does not end in CRLF"
    lines = body.split(b"\r\n")[:-1]
    for number, line in enumerate(lines, 1):
        if b"\r" in line or b"\n" in line:
            yield f"{path}:{number}: a bare CR or LF: {line[:40]!r}"
        if len(line) > MAX_OCTETS:
            yield f"{path}:{number}: {len(line)} octets: {line[:40]!r}"
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            yield f"{path}:{number}: folded inside a UTF-8 character: {line[-12:]!r}"


def test_every_line_ends_in_crlf_and_is_at_most_75_octets(demo_feeds: list[DemoFeed]) -> None:
    assert [bad for feed in demo_feeds for bad in _bad_lines(feed.path, feed.body)] == []


def test_chinese_text_survives_a_round_trip_through_icalendar(demo_feeds: list[DemoFeed]) -> None:
    for feed in demo_feeds:
        calendar = Calendar.from_ical(feed.body)
        assert calendar.to_ical() == feed.body, feed.path
        assert str(calendar["X-WR-CALNAME"]) == str(calendar["NAME"]) == feed.name
        read = [
            (str(e["SUMMARY"]), str(e.get("DESCRIPTION", "")), str(e.get("LOCATION", "")))
            for e in calendar.walk("VEVENT")
        ]
        assert read == [(s.summary, s.description, s.location) for s in feed.shown], feed.path
    texts = [s.summary + s.description + s.location for f in demo_feeds for s in f.shown]
    assert texts and all(re.search("[\u4e00-\u9fff]", text) for text in texts)


# --- vobject ----------------------------------------------------------------------------------


def _vobject_times(event: Any) -> tuple[Any, Any]:
    """DTSTART and the end (DTEND, or DTSTART plus DURATION) as vobject reads them."""
    start = event.dtstart.value
    if hasattr(event, "dtend"):
        return start, event.dtend.value
    return start, start + event.duration.value


def _vobject_events(text: str) -> list[Any]:
    calendar = vobject.readOne(text, validate=True)
    calendar.validate()
    again = vobject.readOne(calendar.serialize(validate=True), validate=True)
    events = list(getattr(calendar, "vevent_list", []))
    assert [e.uid.value for e in getattr(again, "vevent_list", [])] == [e.uid.value for e in events]
    return events


def test_vobject_validates_every_feed_and_serializes_it_back(demo_feeds: list[DemoFeed]) -> None:
    for feed in demo_feeds:
        events = _vobject_events(feed.body.decode("utf-8"))
        assert [e.uid.value for e in events] == [s.uid for s in feed.shown], feed.path
        for event, shown in zip(events, feed.shown, strict=True):
            start, end = _vobject_times(event)
            if shown.day is not None:
                assert (start, end) == shown.instants(), (feed.path, shown.uid)
                continue
            assert start.utcoffset() == end.utcoffset() == timedelta(hours=8), shown.uid
            assert (start.astimezone(UTC), end.astimezone(UTC)) == shown.instants()
            assert event.summary.value == shown.summary


# --- ical.js ----------------------------------------------------------------------------------


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing parser is a failure)")
    pytest.skip(reason)


def run_icaljs(paths: list[Path]) -> list[dict[str, Any]]:
    """What ical.js reads in each file (see ``icaljs_check.mjs``)."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed: the ical.js interop check needs Node.js")
    if not ICALJS_PACKAGE.is_file():
        _missing("ical.js is not installed: run `make test` (or `npm ci` at the repository root)")
    pinned = json.loads((ROOT / "package.json").read_text())["devDependencies"]["ical.js"]
    installed = json.loads(ICALJS_PACKAGE.read_text())["version"]
    assert installed == pinned, f"ical.js {installed} installed, {pinned} pinned: run `npm ci`"
    assert node is not None
    done = subprocess.run(
        [node, str(ICALJS_SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "NODE_OPTIONS": ""},
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["version"] == pinned
    feeds_read: list[dict[str, Any]] = report["feeds"]
    return feeds_read


def _icaljs_time_problems(
    where: str, read: dict[str, Any], want: Any, tzid: str, utc_too: bool
) -> list[str]:
    """How ical.js misreads one time: it must be ``want`` in ``tzid`` through the file's own
    VTIMEZONE, never floating; with ``utc_too`` a time written in UTC passes as well."""
    if not isinstance(want, datetime):
        checks = [(read["is_date"], True), (read["text"], want.isoformat())]
    elif utc_too and read["tzid"] == "UTC":
        checks = [(read["unix"], int(want.timestamp()))]
    else:
        local = want.astimezone(ZoneInfo(tzid))
        checks = [
            (read["tzid"], tzid),
            (read["floating"], False),
            (read["from_vtimezone"], True),
            (read["unix"], int(want.timestamp())),
        ]
        offset = local.utcoffset()
        if offset is not None and not _ambiguous(local):
            checks.append((read["utc_offset"], int(offset.total_seconds())))
    return [f"{where}: ical.js read {read}, expected {want} in {tzid}" for a, b in checks if a != b]


def _icaljs_problems(
    path: str, read: dict[str, Any], shown: tuple[Shown, ...], utc_too: bool = False
) -> list[str]:
    if [e["uid"] for e in read["events"]] != [s.uid for s in shown]:
        return [f"{path}: ical.js found UIDs {[e['uid'] for e in read['events']]}"]
    problems = []
    for event, want in zip(read["events"], shown, strict=True):
        start, end = want.instants()
        where = f"{path} {want.uid}"
        for name, value, expected in (
            ("DTSTART", event["start"], start),
            ("DTEND", event["end"], end),
        ):
            problems += _icaljs_time_problems(
                f"{where} {name}", value, expected, want.tzid, utc_too
            )
        if (event["summary"], event["location"] or "") != (want.summary, want.location):
            problems.append(f"{where}: ical.js read {event['summary']!r} at {event['location']!r}")
    return problems


def test_icaljs_reads_every_time_in_asia_shanghai_at_the_ledger_instant(
    demo_feeds: list[DemoFeed], demo_dir: Path
) -> None:
    read = run_icaljs([demo_dir / feed.path for feed in demo_feeds])
    timed = [s for feed in demo_feeds for s in feed.shown if s.starts_at is not None]
    assert timed and {s.tzid for s in timed} == {"Asia/Shanghai"}
    problems = []
    for feed, found in zip(demo_feeds, read, strict=True):
        assert found["name"] == feed.name
        assert "Asia/Shanghai" in found["timezones"]
        problems += _icaljs_problems(feed.path, found, feed.shown)
    assert problems == []


# --- recurring-ical-events --------------------------------------------------------------------


def _recurring_problems(path: str, body: bytes, shown: tuple[Shown, ...], span: Any) -> list[str]:
    calendar = Calendar.from_ical(body)
    found = recurring_ical_events.of(calendar).between(*span)
    got = sorted((str(e["UID"]), _as_found(e.start), _as_found(e.end)) for e in found)
    want = sorted((s.uid, *s.instants()) for s in shown)
    if got != want:
        return [f"{path}: recurring-ical-events found {got}, the ledger holds {want}"]
    return []


def test_recurring_ical_events_finds_every_event_of_the_window_at_its_instants(
    demo_feeds: list[DemoFeed],
) -> None:
    problems = []
    for feed in demo_feeds:
        span = (feed.window.starts_at, feed.window.ends_at)
        problems += _recurring_problems(feed.path, feed.body, feed.shown, span)
    assert problems == []


# --- a slot in a zone with daylight saving ----------------------------------------------------

UPDATED = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


def _slot_events(name: str, rule: Recurrence, start: datetime, end: datetime) -> list[Shown]:
    return [
        Shown(
            uid=f"{name}-{o.local_day.isoformat()}@test",
            kind=EventKind.AIRING,
            starts_at=o.starts_at,
            ends_at=o.ends_at,
            day=None,
            tzid=rule.timezone,
            summary=f"【首播】柏林 {name} {o.local_day}",
            description="",
            location="",
        )
        for o in occurrences(rule, start, end)
    ]


def _feed_of(shown: list[Shown]) -> bytes:
    rendered = [
        ical.render(
            ORGANIZER,
            ical.EventData(
                uid=s.uid,
                summary=s.summary,
                status="CONFIRMED",
                sequence=0,
                created=UPDATED,
                last_modified=UPDATED,
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                tzid=s.tzid,
            ),
        )
        for s in shown
    ]
    return ical.serialize(ical.CalendarMeta("柏林测试", "", timedelta(hours=1)), rendered)


def _four_parsers_problems(body: bytes, shown: list[Shown], tmp_path: Path) -> list[str]:
    """What any of the four parsers reads differently from ``shown`` (timed events only)."""
    path = "berlin.ics"
    problems = _icalendar_problems(path, body) + list(_bad_lines(path, body))
    calendar = Calendar.from_ical(body)
    # The file's own VTIMEZONE (not the zone icalendar would look up by name) must give each
    # local time written in the file the offset it has in the IANA database.
    zones = {str(tz["TZID"]): tz.to_tz(lookup_tzid=False) for tz in calendar.walk("VTIMEZONE")}
    for event, want in zip(calendar.walk("VEVENT"), shown, strict=True):
        got = (_as_found(event.start), _as_found(event.end))
        if got != want.instants():
            problems.append(f"icalendar: {want.uid} at {_span(got)}, not {_span(want.instants())}")
        for instant in want.instants():
            local = instant.astimezone(ZoneInfo(want.tzid))
            if _ambiguous(local):
                continue  # a wall time of the autumn overlap names two instants
            wall = local.replace(tzinfo=zones.get(want.tzid))
            if wall.utcoffset() != local.utcoffset():
                problems.append(
                    f"icalendar: the VTIMEZONE {want.tzid} gives {local:%Y-%m-%d %H:%M} "
                    f"the offset {wall.utcoffset()}, not {local.utcoffset()}"
                )
    for event, want in zip(_vobject_events(body.decode()), shown, strict=True):
        got = tuple(_as_found(value) for value in _vobject_times(event))
        if got != want.instants():
            problems.append(f"vobject: {want.uid} at {_span(got)}, not {_span(want.instants())}")
    target = tmp_path / path
    target.write_bytes(body)
    problems += _icaljs_problems(path, run_icaljs([target])[0], tuple(shown), utc_too=True)
    span = (min(s.instants()[0] for s in shown), max(s.instants()[1] for s in shown))
    problems += _recurring_problems(path, body, tuple(shown), span)
    return problems


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_berlin_slot_gets_a_vtimezone_every_parser_resolves_across_both_changes(
    tmp_path: Path,
) -> None:
    evening = Recurrence("FREQ=DAILY", "Europe/Berlin", time(20, 0), 1800, date(2026, 3, 27))
    night = Recurrence("FREQ=DAILY", "Europe/Berlin", time(2, 30), 1800, date(2026, 3, 27))
    shown = [
        *_slot_events("evening", evening, _utc(2026, 3, 27), _utc(2026, 3, 31)),
        *_slot_events("evening", evening, _utc(2026, 10, 23), _utc(2026, 10, 27)),
        # 29 March: 02:30 does not exist; the slot airs at 03:30 CEST.
        *_slot_events("night", night, _utc(2026, 3, 27), _utc(2026, 3, 31)),
    ]
    shown.sort(key=lambda s: (s.starts_at, s.uid))
    offsets = {s.starts_at.astimezone(BERLIN).utcoffset() for s in shown if s.starts_at}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}
    body = _feed_of(shown)
    calendar = Calendar.from_ical(body)
    assert {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")} == {
        "Asia/Shanghai",
        "Europe/Berlin",
    }
    assert _four_parsers_problems(body, shown, tmp_path) == []


def _rdates(observance: Component) -> list[datetime]:
    found = observance.get("RDATE", [])
    lists = found if isinstance(found, list) else [found]
    return [period.dt for rdates in lists for period in rdates.dts]


def _onset_problems(body: bytes) -> list[str]:
    """Observances whose onset is not a real transition of the zone.

    RFC 5545 (3.6.5): an observance's DTSTART is a local time in its TZOFFSETFROM, so the
    onset in UTC is DTSTART less TZOFFSETFROM (spring forward in Berlin: 02:00, +0100).
    """
    problems = []
    for vtimezone in Calendar.from_ical(body).walk("VTIMEZONE"):
        zone = ZoneInfo(str(vtimezone["TZID"]))
        for observance in vtimezone.walk():
            if observance.name not in ("STANDARD", "DAYLIGHT"):
                continue
            offset_from = observance["TZOFFSETFROM"].td
            offset_to = observance["TZOFFSETTO"].td
            if offset_from == offset_to:
                continue  # the span's first observance: no change of offset
            for local in [observance.decoded("DTSTART"), *_rdates(observance)]:
                onset = (local.replace(tzinfo=None) - offset_from).replace(tzinfo=UTC)
                before = (onset - timedelta(seconds=1)).astimezone(zone).utcoffset()
                after = onset.astimezone(zone).utcoffset()
                if (before, after) != (offset_from, offset_to):
                    problems.append(
                        f"{zone.key} {observance.name} DTSTART {local:%Y%m%dT%H%M%S}: onset "
                        f"{onset:%Y-%m-%d %H:%M}Z, where the offset goes {before} -> {after}, "
                        f"not {offset_from} -> {offset_to}"
                    )
    return problems


def test_the_berlin_vtimezone_changes_offset_at_the_real_transitions() -> None:
    evening = Recurrence("FREQ=DAILY", "Europe/Berlin", time(20, 0), 1800, date(2026, 3, 27))
    shown = _slot_events("evening", evening, _utc(2026, 3, 27), _utc(2026, 10, 27))
    assert _onset_problems(_feed_of(shown)) == []


def test_an_airing_in_the_autumn_overlap_keeps_its_instants(tmp_path: Path) -> None:
    # 25 October: the 02:30 slot starts at 02:30 CEST (00:30 UTC) and ends 30 minutes later,
    # at 02:00 CET (01:00 UTC), the second 02:00 of that night.
    night = Recurrence("FREQ=DAILY", "Europe/Berlin", time(2, 30), 1800, date(2026, 10, 24))
    shown = _slot_events("night", night, _utc(2026, 10, 24, 12), _utc(2026, 10, 25, 12))
    assert [s.instants() for s in shown] == [(_utc(2026, 10, 25, 0, 30), _utc(2026, 10, 25, 1))]
    assert _four_parsers_problems(_feed_of(shown), shown, tmp_path) == []
