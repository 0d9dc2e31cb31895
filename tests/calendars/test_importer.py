"""Import of county feeds: sources, fetching over real HTTP, reading, and keeping the
last good import whatever a bad feed does."""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendars import importer
from calendars.importer import FeedError, Outcome, parse
from calendars.models import ExternalAiring, FeedSource
from calendars.settings import FeedSettings
from editorial.errors import Forbidden, InvalidInput, NotFound
from editorial.models import Column, Person, Role
from editorial.workdays import SHANGHAI
from tests.conftest import NOW, Crew

WINDOW = importer.import_window(NOW, FeedSettings())
FAST = FeedSettings(import_timeout_s=0.5)


# --- building feeds ----------------------------------------------------------------------------


def event(
    uid: str | None = "ev-1@county",
    start: str = "DTSTART;TZID=Asia/Shanghai:20260306T200000",
    end: str | None = "DTEND;TZID=Asia/Shanghai:20260306T203000",
    summary: str = "党建引领乡村振兴",
    *,
    extra: tuple[str, ...] = (),
) -> list[str]:
    lines = ["BEGIN:VEVENT"]
    if uid is not None:
        lines.append(f"UID:{uid}")
    lines += ["DTSTAMP:20260301T000000Z", start]
    if end is not None:
        lines.append(end)
    lines += [f"SUMMARY:{summary}", *extra, "END:VEVENT"]
    return lines


def ics(*events: list[str], head: tuple[str, ...] = (), newline: str = "\r\n") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//县融媒体中心//排播//ZH", *head]
    for e in events:
        lines += e
    lines.append("END:VCALENDAR")
    return (newline.join(lines) + newline).encode()


GOOD = ics(
    event("a@county", summary="初心如磐 第一集"),
    event(
        "b@county",
        "DTSTART;TZID=Asia/Shanghai:20260307T193000",
        "DTEND;TZID=Asia/Shanghai:20260307T200000",
        "乡村振兴看今朝",
    ),
)


def read(body: bytes, charset: str | None = None) -> importer.Parsed:
    return parse(body, charset, SHANGHAI, *WINDOW)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# --- a real HTTP server ------------------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/calendar; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # A body of this many bytes made up as it is sent (nothing held in memory), and
    # whether its length is announced (else the end of the body is the end of the connection).
    generated: int = 0
    announce_length: bool = True
    etag: str | None = None  # answer 304 to If-None-Match with it


class FeedServer:
    """A local HTTP server whose answer per path a test sets; it records each request."""

    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                reply = server.replies.get(self.path, Reply(404, b"not found", "text/plain"))
                # The importer may stop reading, as it should past the size limit.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self._answer(reply)

            def _answer(self, reply: Reply) -> None:
                time.sleep(reply.delay)
                if reply.etag and self.headers.get("If-None-Match") == reply.etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                size = reply.generated or len(reply.body)
                if reply.announce_length:
                    self.send_header("Content-Length", str(size))
                self.end_headers()
                if not reply.generated:
                    self.wfile.write(reply.body)
                    return
                chunk = b"BEGIN:VEVENT\r\n" + b"X" * 65_000 + b"\r\n"
                for _ in range(reply.generated // len(chunk)):
                    self.wfile.write(chunk)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FeedServer]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    running = FeedServer()
    yield running
    running.close()


# --- sources -----------------------------------------------------------------------------------


@pytest.fixture
def scheduler_of(session: Session, make_person: Callable[..., Person]) -> Callable[..., Person]:
    def make(column: Column) -> Person:
        return make_person(column, Role.SCHEDULER)

    return make


@pytest.fixture
def county(crew: Crew) -> Column:
    return crew.column


@pytest.fixture
def bp(scheduler_of: Callable[..., Person], county: Column) -> Person:
    return scheduler_of(county)


@pytest.fixture
def add(session: Session, county: Column, bp: Person) -> Callable[..., FeedSource]:
    counter = iter(range(1, 1000))

    def make(location: str, name: str | None = None) -> FeedSource:
        return importer.add_source(
            session, bp, county, name or f"县日历{next(counter)}", location, NOW
        )

    return make


@pytest.fixture
def feed_file(tmp_path: Path) -> Callable[[bytes], str]:
    def write(body: bytes, name: str = "county.ics") -> str:
        path = tmp_path / name
        path.write_bytes(body)
        return str(path)

    return write


def rows(session: Session, source: FeedSource) -> list[tuple[int, str, datetime, str]]:
    found = session.execute(
        select(
            ExternalAiring.id,
            ExternalAiring.identity,
            ExternalAiring.starts_at,
            ExternalAiring.summary,
        )
        .where(ExternalAiring.source_id == source.id)
        .order_by(ExternalAiring.starts_at, ExternalAiring.identity)
    )
    return [tuple(r) for r in found]  # type: ignore[misc]


def test_a_scheduler_registers_a_url_or_a_file(
    add: Callable[..., FeedSource], feed_file: Callable[[bytes], str], county: Column
) -> None:
    web = add("https://county.example.cn/feed.ics", "某县党建栏目日历")
    local = add(feed_file(GOOD))
    assert (web.column_id, web.name, web.active, web.last_error) == (
        county.id,
        "某县党建栏目日历",
        True,
        "",
    )
    assert local.location.endswith("county.ics")


def test_only_a_scheduler_or_admin_of_the_column_registers_a_source(
    session: Session, crew: Crew, county: Column
) -> None:
    with pytest.raises(Forbidden, match="is not a scheduler of column"):
        importer.add_source(session, crew.producer, county, "县日历", "https://x.cn/a.ics", NOW)
    assert importer.add_source(session, crew.admin, county, "县日历", "https://x.cn/a.ics", NOW)


@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("", "give an http(s) URL"),
        ("county.ics", "neither an http(s) URL nor an absolute file path"),
        ("ftp://county.example.cn/feed.ics", "only http:// and https://"),
        ("http:///feed.ics", "has no host name"),
        ("/no/such/feed.ics", "there is no file"),
    ],
)
def test_a_location_that_is_neither_url_nor_existing_file_is_refused(
    add: Callable[..., FeedSource], location: str, why: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(why)) as refused:
        add(location)
    assert "location" in refused.value.fields


def test_a_name_is_required_and_short(add: Callable[..., FeedSource]) -> None:
    with pytest.raises(InvalidInput, match="needs a name"):
        add("https://x.cn/a.ics", "  ")
    with pytest.raises(InvalidInput, match="at most 80"):
        add("https://x.cn/a.ics", "县" * 81)


def test_a_duplicate_name_or_location_is_refused_saying_which_source_has_it(
    add: Callable[..., FeedSource],
) -> None:
    first = add("https://x.cn/a.ics", "县日历")
    with pytest.raises(
        InvalidInput, match=f"already a feed source named '县日历' \\(source {first.id}\\)"
    ):
        add("https://x.cn/b.ics", "县日历")
    with pytest.raises(InvalidInput, match="already registered as feed source '县日历'"):
        add("https://x.cn/a.ics", "另一个名字")


def test_a_source_is_found_by_id_or_name(session: Session, add: Callable[..., FeedSource]) -> None:
    source = add("https://x.cn/a.ics", "县日历")
    assert importer.get_source(session, source.id) is source
    assert importer.get_source(session, str(source.id)) is source
    assert importer.get_source(session, "县日历") is source
    with pytest.raises(NotFound, match="no feed source '市日历'"):
        importer.get_source(session, "市日历")
    assert importer.list_sources(session) == [source]


def test_a_source_is_disabled_and_enabled_once_each(
    session: Session, add: Callable[..., FeedSource], bp: Person
) -> None:
    source = add("https://x.cn/a.ics")
    importer.set_source_active(session, bp, source, False, NOW)
    assert not source.active
    with pytest.raises(InvalidInput, match="already disabled"):
        importer.set_source_active(session, bp, source, False, NOW)
    importer.set_source_active(session, bp, source, True, NOW)
    assert source.active


# --- reading -----------------------------------------------------------------------------------


def test_times_are_read_in_utc_and_floating_times_and_dates_in_shanghai() -> None:
    parsed = read(
        ics(
            event("tz"),
            event("z", "DTSTART:20260306T120000Z", "DTEND:20260306T123000Z"),
            event("floating", "DTSTART:20260306T200000", "DURATION:PT45M"),
            event("day", "DTSTART;VALUE=DATE:20260308", None),
        )
    )
    got = {o.uid: (o.starts_at, o.ends_at, o.all_day) for o in parsed.occurrences}
    assert got == {
        "tz": (utc(2026, 3, 6, 12), utc(2026, 3, 6, 12, 30), False),
        "z": (utc(2026, 3, 6, 12), utc(2026, 3, 6, 12, 30), False),
        "floating": (utc(2026, 3, 6, 12), utc(2026, 3, 6, 12, 45), False),
        "day": (utc(2026, 3, 7, 16), utc(2026, 3, 8, 16), True),
    }
    assert parsed.flagged == parsed.skipped == []


def test_an_instance_without_end_lasts_one_minute_and_is_flagged() -> None:
    parsed = read(ics(event("instant", end=None)))
    (o,) = parsed.occurrences
    assert o.ends_at - o.starts_at == timedelta(minutes=1)
    assert [(i.code, i.uid) for i in parsed.flagged] == [("no_end", "instant")]


def test_text_is_unescaped_and_a_line_folded_inside_a_character_is_restored() -> None:
    summary = "初心如磐，使命在肩".encode()
    folded = summary[:4] + b"\r\n " + summary[4:]  # inside the second character's bytes
    described = "DESCRIPTION:一\\, 二\\n三\\;\r\nSUMMARY:乡村".encode()
    body = GOOD.replace("初心如磐 第一集".encode(), folded)
    body = body.replace("SUMMARY:乡村".encode(), described)
    parsed = read(body)
    assert {o.summary for o in parsed.occurrences} == {"初心如磐，使命在肩", "乡村振兴看今朝"}
    assert {o.description for o in parsed.occurrences} == {"", "一, 二\n三;"}


def test_an_event_without_uid_is_flagged_and_given_an_identity_from_its_start_and_summary() -> None:
    parsed = read(ics(event(None, summary="无UID的节目")))
    (o,) = parsed.occurrences
    assert o.uid is None and o.identity.startswith("no-uid:")
    assert read(ics(event(None, summary="无UID的节目"))).occurrences[0].identity == o.identity
    assert read(ics(event(None, summary="改了标题"))).occurrences[0].identity != o.identity
    assert [(i.code, i.summary) for i in parsed.flagged] == [("uid_missing", "无UID的节目")]


def test_an_unreadable_dtstart_is_skipped_with_its_reason_and_the_rest_imported() -> None:
    parsed = read(
        ics(
            event("bad", "DTSTART:garbage"),
            event("month13", "DTSTART:20261301T200000"),
            event("none", "X-NO-START:1", None),
            event("good"),
        )
    )
    assert [o.uid for o in parsed.occurrences] == ["good"]
    assert [(i.code, i.uid, i.reason) for i in parsed.skipped] == [
        ("dtstart_unreadable", "bad", "DTSTART 'garbage' is not a date or a date-time"),
        ("dtstart_unreadable", "month13", "DTSTART '20261301T200000' is not a date or a date-time"),
        ("dtstart_missing", "none", "the event has no DTSTART"),
    ]


def test_lf_only_line_ends_read_as_crlf_do() -> None:
    assert read(GOOD.replace(b"\r\n", b"\n")) == read(GOOD)
    assert len(read(GOOD.replace(b"\r\n", b"\n")).occurrences) == 2


def test_a_tzid_without_vtimezone_resolves_through_zoneinfo_or_is_skipped_with_its_reason() -> None:
    parsed = read(
        ics(
            event("shanghai"),
            event("urumqi", "DTSTART;TZID=Asia/Urumqi:20260306T180000", "DURATION:PT30M"),
            event("windows", "DTSTART;TZID=China Standard Time:20260306T200000", "DURATION:PT30M"),
            event("mars", "DTSTART;TZID=Mars/Olympus:20260306T200000", "DURATION:PT30M"),
        )
    )
    got = {o.uid: o.starts_at for o in parsed.occurrences}
    assert got == {
        "shanghai": utc(2026, 3, 6, 12),
        "urumqi": utc(2026, 3, 6, 12),
        "windows": utc(2026, 3, 6, 12),
    }
    (skipped,) = parsed.skipped
    assert skipped.code == "unknown_tzid" and skipped.uid == "mars"
    assert "TZID=Mars/Olympus" in skipped.reason and "no VTIMEZONE" in skipped.reason


VTIMEZONE = (
    "BEGIN:VTIMEZONE",
    "TZID:县台时间",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0800",
    "TZOFFSETTO:+0800",
    "TZNAME:CST",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def test_a_tzid_defined_only_by_the_files_vtimezone_is_read_through_it() -> None:
    parsed = read(ics(event("own", "DTSTART;TZID=县台时间:20260306T200000", None), head=VTIMEZONE))
    assert [(o.uid, o.starts_at) for o in parsed.occurrences] == [("own", utc(2026, 3, 6, 12))]


def test_a_recurring_event_expands_and_its_cancelled_and_excluded_occurrences_are_dropped() -> None:
    parsed = read(
        ics(
            event(
                "weekly",
                extra=(
                    "RRULE:FREQ=WEEKLY;COUNT=5",
                    "EXDATE;TZID=Asia/Shanghai:20260313T200000",
                ),
            ),
            [
                "BEGIN:VEVENT",
                "UID:weekly",
                "RECURRENCE-ID;TZID=Asia/Shanghai:20260320T200000",
                "DTSTART;TZID=Asia/Shanghai:20260320T200000",
                "DTEND;TZID=Asia/Shanghai:20260320T203000",
                "STATUS:CANCELLED",
                "SUMMARY:党建引领乡村振兴",
                "END:VEVENT",
            ],
            [
                "BEGIN:VEVENT",
                "UID:weekly",
                "RECURRENCE-ID;TZID=Asia/Shanghai:20260327T200000",
                "DTSTART;TZID=Asia/Shanghai:20260328T100000",
                "DTEND;TZID=Asia/Shanghai:20260328T103000",
                "SUMMARY:党建引领乡村振兴（改期）",
                "END:VEVENT",
            ],
            event("single-cancelled", extra=("STATUS:CANCELLED",)),
        )
    )
    got = [(o.identity, o.summary) for o in parsed.occurrences]
    assert sorted(got) == [
        ("weekly|2026-03-06T12:00:00Z", "党建引领乡村振兴"),
        ("weekly|2026-03-28T02:00:00Z", "党建引领乡村振兴（改期）"),
        ("weekly|2026-04-03T12:00:00Z", "党建引领乡村振兴"),
    ]
    assert parsed.cancelled == 2
    assert parsed.flagged == parsed.skipped == []


def test_an_rrule_without_end_is_bounded_by_the_window() -> None:
    parsed = read(ics(event("daily", extra=("RRULE:FREQ=DAILY",))))
    starts = sorted(o.starts_at for o in parsed.occurrences)
    assert starts[0] == utc(2026, 3, 6, 12)
    assert starts[-1] < WINDOW[1] <= starts[-1] + timedelta(days=1)
    assert len(starts) == len({s.date() for s in starts}) == (starts[-1] - starts[0]).days + 1


def test_a_rule_far_too_dense_for_the_window_is_skipped_with_its_reason() -> None:
    parsed = read(ics(event("secondly", extra=("RRULE:FREQ=SECONDLY",)), event("good")))
    assert [o.uid for o in parsed.occurrences] == ["good"]
    assert [(i.code, i.uid) for i in parsed.skipped] == [("rule_too_dense", "secondly")]


def test_a_broken_rule_skips_its_series_only() -> None:
    parsed = read(ics(event("broken", extra=("RRULE:FREQ=FORTNIGHTLY",)), event("good")))
    assert [o.uid for o in parsed.occurrences] == ["good"]
    (skipped,) = parsed.skipped
    assert (skipped.code, skipped.uid) == ("bad_recurrence", "broken")
    assert "cannot be expanded" in skipped.reason


def test_the_same_uid_and_start_twice_is_taken_once() -> None:
    parsed = read(ics(event("twice"), event("twice", summary="重复")))
    assert [o.summary for o in parsed.occurrences] == ["党建引领乡村振兴"]
    assert [(i.code, i.uid) for i in parsed.skipped] == [("duplicate", "twice")]


def test_only_occurrences_that_overlap_the_window_are_taken() -> None:
    before = WINDOW[0] - timedelta(days=1)
    parsed = read(
        ics(
            event("old", f"DTSTART:{before:%Y%m%dT%H%M%SZ}", None),
            event("late", "DTSTART;VALUE=DATE:20300101", None),
            event("good"),
        )
    )
    assert [o.uid for o in parsed.occurrences] == ["good"]


def test_the_single_event_reader_and_icalendar_agree() -> None:
    body = ics(
        event("tz"),
        event("z", "DTSTART:20260306T120000Z", "DTEND:20260306T123000Z"),
        event("floating", "DTSTART:20260306T200000", "DURATION:PT1H30M"),
        event("day", "DTSTART;VALUE=DATE:20260308", None),
        event("days", "DTSTART;VALUE=DATE:20260308", "DTEND;VALUE=DATE:20260311"),
        event("instant", end=None),
        event(None, summary="无UID"),
        event("esc", summary="一\\;二", extra=("LOCATION:县电视台\\, 综合频道",)),
        event("bad", "DTSTART:garbage"),
        event("cancelled", extra=("STATUS:CANCELLED",)),
        event("windows", "DTSTART;TZID=China Standard Time:20260306T200000", None),
    )
    ours = importer._parse(body, None, SHANGHAI, *WINDOW)
    theirs = importer._parse(body, None, SHANGHAI, *WINDOW, all_through_icalendar=True)

    def key(p: importer.Parsed) -> tuple[object, ...]:
        return (
            sorted(p.occurrences, key=lambda o: o.identity),
            sorted(p.flagged, key=lambda i: (i.code, i.uid or "")),
            sorted(p.skipped, key=lambda i: (i.code, i.uid or "")),
            p.cancelled,
        )

    assert key(ours) == key(theirs)
    assert len(ours.occurrences) == 9


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b"<!DOCTYPE html><html><body>404</body></html>",
            "not an iCalendar file (looks like HTML)",
        ),
        (b"\r\n\r\n", "the feed is empty"),
        (b"hello", "not an iCalendar file (it does not begin with BEGIN:VCALENDAR)"),
        (GOOD[: GOOD.index(b"DTSTAMP")], "ends before END:VCALENDAR"),
    ],
)
def test_a_body_that_is_no_icalendar_fails_as_a_whole(body: bytes, message: str) -> None:
    with pytest.raises(FeedError, match=message.replace("(", "\\(").replace(")", "\\)")):
        read(body)


def test_gb18030_bytes_without_declared_charset_fail_saying_the_likely_encoding() -> None:
    body = GOOD.decode().encode("gb18030")
    with pytest.raises(FeedError) as failed:
        read(body)
    assert "not UTF-8" in failed.value.message
    assert "looks like GB18030" in failed.value.message
    assert "charset=GB18030" in failed.value.message


@pytest.mark.parametrize("charset", ["GB18030", "gbk", "gb2312"])
def test_gb18030_bytes_with_declared_charset_are_read(charset: str) -> None:
    parsed = read(GOOD.decode().encode("gb18030"), charset)
    assert {o.summary for o in parsed.occurrences} == {"初心如磐 第一集", "乡村振兴看今朝"}


def test_a_declared_charset_the_bytes_do_not_match_fails() -> None:
    with pytest.raises(FeedError, match="declares charset=utf-8 but its bytes are not utf-8"):
        read(GOOD.decode().encode("gb18030"), "utf-8")
    with pytest.raises(FeedError, match="unknown character set 'klingon'"):
        read(GOOD, "klingon")


# --- importing ---------------------------------------------------------------------------------


def test_a_good_import_stores_the_occurrences_and_what_it_took(
    session: Session, add: Callable[..., FeedSource], feed_file: Callable[[bytes], str]
) -> None:
    source = add(
        feed_file(ics(event("a"), event(None, summary="无UID"), event("bad", "DTSTART:x")))
    )
    report = importer.import_source(session, source, NOW)
    assert (report.outcome, report.taken, report.inserted) == (Outcome.IMPORTED, 2, 2)
    identities = sorted(r[1] for r in rows(session, source))
    assert identities[0] == "a|2026-03-06T12:00:00Z" and identities[1].startswith("no-uid:")
    assert (source.last_success_at, source.last_attempt_at, source.last_error) == (NOW, NOW, "")
    stored = json.loads(source.last_report)
    assert (stored["taken"], stored["flagged_count"], stored["skipped_count"]) == (2, 1, 1)
    assert stored["flagged"][0]["code"] == "uid_missing"
    assert stored["skipped"][0] == {
        "code": "dtstart_unreadable",
        "uid": "bad",
        "summary": "党建引领乡村振兴",
        "reason": "DTSTART 'x' is not a date or a date-time",
    }


def test_report_lines_say_what_was_taken_flagged_and_skipped_and_why(
    session: Session, add: Callable[..., FeedSource], feed_file: Callable[[bytes], str]
) -> None:
    source = add(
        feed_file(ics(event("a"), event(None, summary="无UID"), event("bad", "DTSTART:x")))
    )
    lines = importer.import_source(session, source, NOW).lines()
    assert lines[0].endswith("imported 2 airings (2 new, 0 changed, 0 removed, 0 unchanged)")
    assert "  flagged: 1" in lines and "  skipped: 1" in lines
    assert any("(no UID) 「无UID」: the event has no UID" in line for line in lines)
    assert any("UID bad 「党建引领乡村振兴」: DTSTART 'x' is not" in line for line in lines)


def test_a_second_import_keeps_unchanged_rows_updates_changed_and_removes_gone(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    importer.import_source(
        session, source, NOW, body=ics(event("a"), event("b", summary="旧"), event("c"))
    )
    before = {r[1]: r[0] for r in rows(session, source)}
    report = importer.import_source(
        session, source, NOW, body=ics(event("a"), event("b", summary="新"), event("d"))
    )
    after = {r[1]: (r[0], r[3]) for r in rows(session, source)}
    assert (report.inserted, report.updated, report.deleted) == (1, 1, 1)
    assert after["a|2026-03-06T12:00:00Z"][0] == before["a|2026-03-06T12:00:00Z"]
    assert after["b|2026-03-06T12:00:00Z"] == (before["b|2026-03-06T12:00:00Z"], "新")
    assert "c|2026-03-06T12:00:00Z" not in after and "d|2026-03-06T12:00:00Z" in after


def test_an_airing_loaded_before_an_import_shows_the_new_values(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    importer.import_source(session, source, NOW, body=ics(event("a", summary="旧")))
    loaded = session.scalars(select(ExternalAiring)).one()
    importer.import_source(session, source, NOW, body=ics(event("a", summary="新")))
    assert loaded.summary == "新"


def good_then(
    session: Session, source: FeedSource, bad: bytes, charset: str | None = None
) -> tuple[list[tuple[int, str, datetime, str]], importer.ImportReport]:
    """Import GOOD, then ``bad``; the rows before and the report of the second import."""
    first = importer.import_source(session, source, NOW, body=GOOD)
    assert first.outcome is Outcome.IMPORTED and first.taken == 2
    kept = rows(session, source)
    later = NOW + timedelta(minutes=5)
    return kept, importer.import_source(session, source, later, body=bad, charset=charset)


def test_an_event_losing_its_uid_is_flagged_and_its_identity_stays_the_same_next_time(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    body = ics(event("a@county", summary="初心如磐 第一集"), event(None, summary="乡村振兴看今朝"))
    before, report = good_then(session, source, body)
    assert [i.code for i in report.flagged] == ["uid_missing"]
    assert report.taken == 2 and rows(session, source)[0] == before[0]
    again = importer.import_source(session, source, NOW, body=body)
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)


def test_an_unreadable_dtstart_keeps_that_events_earlier_occurrence_and_imports_the_rest(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    body = ics(
        event("a@county", "DTSTART:20260306T2000", summary="初心如磐 第一集"),
        event("b@county", summary="新节目"),
    )
    before, report = good_then(session, source, body)
    assert [(i.code, i.uid) for i in report.skipped] == [("dtstart_unreadable", "a@county")]
    assert report.kept == 1
    after = rows(session, source)
    assert before[0] in after
    assert [r[3] for r in after] == ["初心如磐 第一集", "新节目"]


def test_lf_only_line_ends_import_the_same(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    before, report = good_then(session, source, GOOD.replace(b"\r\n", b"\n"))
    assert (report.outcome, report.inserted, report.updated, report.deleted) == (
        Outcome.IMPORTED,
        0,
        0,
        0,
    )
    assert rows(session, source) == before


def test_no_vtimezone_resolves_a_real_zone_and_keeps_an_unknown_ones_earlier_occurrence(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    body = ics(
        event("a@county", "DTSTART;TZID=Mars/Olympus:20260306T200000", summary="初心如磐 第一集"),
        event(
            "b@county",
            "DTSTART;TZID=Asia/Shanghai:20260307T193000",
            "DTEND;TZID=Asia/Shanghai:20260307T200000",
            "乡村振兴看今朝",
        ),
    )
    before, report = good_then(session, source, body)
    assert [(i.code, i.uid) for i in report.skipped] == [("unknown_tzid", "a@county")]
    assert rows(session, source) == before


def test_an_rrule_without_end_imports_the_window_only(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    _, report = good_then(session, source, ics(event("a@county", extra=("RRULE:FREQ=WEEKLY",))))
    starts = [r[2] for r in rows(session, source)]
    assert report.taken == len(starts) == 52  # Fridays from 6 March 2026 to 3 March 2027
    assert max(starts) < importer.import_window(NOW + timedelta(minutes=5), FeedSettings())[1]


@pytest.mark.parametrize(
    ("bad", "charset", "message"),
    [
        (b"<html><body>Service Unavailable</body></html>", None, "looks like HTML"),
        (GOOD.decode().encode("gb18030"), None, "looks like GB18030"),
        (GOOD.rsplit(b"END:VEVENT", 1)[0], None, "ends before END:VCALENDAR"),
        (GOOD[:-33], None, "ends in the middle of a character"),
        (GOOD, "big5", "declares charset=big5"),
    ],
)
def test_a_bad_body_fails_as_a_whole_and_keeps_the_last_good_import(
    session: Session, add: Callable[..., FeedSource], bad: bytes, charset: str | None, message: str
) -> None:
    source = add("https://x.cn/a.ics")
    before, report = good_then(session, source, bad, charset)
    assert report.outcome is Outcome.FAILED and message in report.error
    assert rows(session, source) == before
    assert message in source.last_error
    assert source.last_success_at == NOW and source.last_error_at == NOW + timedelta(minutes=5)
    assert source.last_attempt_at == NOW + timedelta(minutes=5)
    assert json.loads(source.last_report)["taken"] == 2
    assert report.lines() == [
        f"{source.name} (source {source.id}): FAILED, the last good import is kept: {report.error}"
    ]


def test_a_good_import_clears_the_last_error(
    session: Session, add: Callable[..., FeedSource]
) -> None:
    source = add("https://x.cn/a.ics")
    good_then(session, source, b"<html></html>")
    importer.import_source(session, source, NOW + timedelta(hours=1), body=GOOD)
    assert (source.last_error, source.last_error_at) == ("", None)
    assert source.last_success_at == NOW + timedelta(hours=1)


# --- over HTTP ---------------------------------------------------------------------------------


def fetch_twice(
    session: Session,
    source: FeedSource,
    server: FeedServer,
    bad: Reply,
    settings: FeedSettings = FAST,
) -> tuple[list[tuple[int, str, datetime, str]], importer.ImportReport]:
    """Serve GOOD and import it, then serve ``bad`` and import again."""
    server.replies["/feed.ics"] = Reply(body=GOOD)
    assert importer.import_source(session, source, NOW, settings).outcome is Outcome.IMPORTED
    before = rows(session, source)
    server.replies["/feed.ics"] = bad
    return before, importer.import_source(session, source, NOW + timedelta(hours=1), settings)


@pytest.fixture
def web_source(add: Callable[..., FeedSource], server: FeedServer) -> FeedSource:
    return add(server.url("/feed.ics"))


def assert_kept(
    session: Session, source: FeedSource, before: list[Any], report: importer.ImportReport
) -> None:
    assert report.outcome is Outcome.FAILED
    assert rows(session, source) == before
    assert source.last_error == report.error and source.last_success_at == NOW


def test_a_body_larger_than_the_limit_is_refused_from_its_announced_length(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    before, report = fetch_twice(session, web_source, server, Reply(generated=20 * 1024 * 1024))
    assert_kept(session, web_source, before, report)
    assert "larger than the limit of 10 MiB" in report.error


def test_a_body_larger_than_the_limit_is_refused_while_it_streams_in(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    big = Reply(generated=20 * 1024 * 1024, announce_length=False)
    before, report = fetch_twice(session, web_source, server, big)
    assert_kept(session, web_source, before, report)
    assert "larger than the limit of 10 MiB" in report.error


def test_an_html_page_is_refused(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    page = Reply(
        body="<!doctype html><html><title>登录</title></html>".encode(),
        content_type="text/html; charset=utf-8",
    )
    before, report = fetch_twice(session, web_source, server, page)
    assert_kept(session, web_source, before, report)
    assert "not an iCalendar file (looks like HTML)" in report.error


def test_gb18030_over_http_is_refused_undeclared_and_imported_declared(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    changed = (
        GOOD.replace("乡村振兴看今朝".encode(), "共同富裕在路上".encode())
        .decode()
        .encode("gb18030")
    )
    before, report = fetch_twice(
        session, web_source, server, Reply(body=changed, content_type="text/calendar")
    )
    assert_kept(session, web_source, before, report)
    assert "looks like GB18030" in report.error
    server.replies["/feed.ics"] = Reply(body=changed, content_type="text/calendar; charset=GB18030")
    report = importer.import_source(session, web_source, NOW + timedelta(hours=2), FAST)
    assert (report.outcome, report.updated) == (Outcome.IMPORTED, 1)
    assert [r[3] for r in rows(session, web_source)] == ["初心如磐 第一集", "共同富裕在路上"]


def test_a_server_slower_than_the_timeout_fails_the_source(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    before, report = fetch_twice(session, web_source, server, Reply(body=GOOD, delay=1.5))
    assert_kept(session, web_source, before, report)
    assert "did not answer within 0.5 s" in report.error


def test_an_http_error_fails_the_source(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    before, report = fetch_twice(session, web_source, server, Reply(503, b"busy", "text/plain"))
    assert_kept(session, web_source, before, report)
    assert "answered HTTP 503" in report.error


def test_an_unreachable_source_fails_the_source(
    session: Session, add: Callable[..., FeedSource], server: FeedServer
) -> None:
    source = add(server.url("/feed.ics"))
    server.replies["/feed.ics"] = Reply(body=GOOD)
    importer.import_source(session, source, NOW, FAST)
    before = rows(session, source)
    server.close()
    report = importer.import_source(session, source, NOW + timedelta(hours=1), FAST)
    assert_kept(session, source, before, report)
    assert report.error.startswith(f"cannot reach {source.location}")


def test_a_missing_file_fails_the_source(
    session: Session, add: Callable[..., FeedSource], feed_file: Callable[[bytes], str]
) -> None:
    path = Path(feed_file(GOOD))
    source = add(str(path))
    importer.import_source(session, source, NOW)
    before = rows(session, source)
    path.unlink()
    report = importer.import_source(session, source, NOW + timedelta(hours=1))
    assert_kept(session, source, before, report)
    assert report.error == f"there is no file {path}"


def test_a_file_is_read_with_the_same_size_limit(
    session: Session, add: Callable[..., FeedSource], feed_file: Callable[[bytes], str]
) -> None:
    source = add(feed_file(GOOD))
    report = importer.import_source(session, source, NOW, FeedSettings(import_max_bytes=100))
    assert report.outcome is Outcome.FAILED
    assert "larger than the limit" in report.error and rows(session, source) == []


def test_conditional_get_sends_the_stored_validators_and_304_changes_nothing_but_the_attempt(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    modified = "Sun, 01 Mar 2026 08:00:00 GMT"
    server.replies["/feed.ics"] = Reply(body=GOOD, etag='"v1"', headers={"Last-Modified": modified})
    importer.import_source(session, web_source, NOW, FAST)
    assert (web_source.etag, web_source.http_last_modified) == ('"v1"', modified)
    before, report_before = rows(session, web_source), web_source.last_report
    later = NOW + timedelta(hours=1)
    report = importer.import_source(session, web_source, later, FAST)
    _, headers = server.requests[-1]
    assert (headers["If-None-Match"], headers["If-Modified-Since"]) == ('"v1"', modified)
    assert report.outcome is Outcome.NOT_MODIFIED and not report.changed
    assert rows(session, web_source) == before and web_source.last_report == report_before
    assert (web_source.last_success_at, web_source.last_attempt_at) == (NOW, later)
    assert report.lines()[0].endswith(
        "not modified since the last import (HTTP 304); nothing changed"
    )


def test_on_a_new_day_the_feed_is_asked_for_whole_as_the_window_moved(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    server.replies["/feed.ics"] = Reply(body=GOOD, etag='"v1"')
    importer.import_source(session, web_source, NOW, FAST)
    report = importer.import_source(session, web_source, NOW + timedelta(days=1), FAST)
    _, headers = server.requests[-1]
    assert "If-None-Match" not in headers
    assert report.outcome is Outcome.IMPORTED


def test_a_failed_body_does_not_store_its_validators(
    session: Session, web_source: FeedSource, server: FeedServer
) -> None:
    server.replies["/feed.ics"] = Reply(body=b"<html></html>", etag='"broken"')
    importer.import_source(session, web_source, NOW, FAST)
    assert web_source.etag is None


# --- every source ------------------------------------------------------------------------------


def test_import_all_goes_on_past_a_failing_source_and_counts_the_changed(
    session: Session,
    add: Callable[..., FeedSource],
    server: FeedServer,
    feed_file: Callable[[bytes], str],
) -> None:
    broken = add(server.url("/gone.ics"), "坏的")
    good = add(feed_file(GOOD), "好的")
    disabled = add(feed_file(GOOD, "other.ics"), "停用的")
    disabled.active = False
    assert importer.import_all(session, NOW, FAST) == 1
    assert "answered HTTP 404" in broken.last_error and broken.last_success_at is None
    assert good.last_success_at == NOW and len(rows(session, good)) == 2
    assert disabled.last_attempt_at is None and rows(session, disabled) == []
    assert importer.import_all(session, NOW, FAST) == 0


def test_import_all_records_an_unexpected_error_of_one_source_and_goes_on(
    session: Session,
    add: Callable[..., FeedSource],
    feed_file: Callable[[bytes], str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = add(feed_file(GOOD), "一")
    second = add(feed_file(GOOD, "two.ics"), "二")
    real = importer._store

    def store(session: Session, source: FeedSource, *args: Any) -> tuple[int, int, int, int]:
        if source.id == first.id:
            raise RuntimeError("disk full")
        return real(session, source, *args)

    monkeypatch.setattr(importer, "_store", store)
    assert importer.import_all(session, NOW) == 1
    assert first.last_error == "the import failed unexpectedly (RuntimeError: disk full)"
    assert len(rows(session, second)) == 2


def test_the_import_window_runs_from_days_back_to_days_ahead_in_shanghai() -> None:
    start, end = importer.import_window(NOW, FeedSettings())
    assert start.astimezone(SHANGHAI).date() == date(2026, 3, 2) - timedelta(days=90)
    assert end.astimezone(SHANGHAI).date() == date(2026, 3, 2) + timedelta(days=367)
    assert start.astimezone(SHANGHAI).hour == end.astimezone(SHANGHAI).hour == 0


BERLIN_SPRING_FORWARD = ics(
    event(
        "gap@county",
        "DTSTART;TZID=Europe/Berlin:20270328T023000",  # 02:00-03:00 does not exist that night
        "DTEND;TZID=Europe/Berlin:20270328T030000",
        "夜间重播",
    ),
    event(
        "daily@county",
        "DTSTART;TZID=Europe/Berlin:20270327T023000",
        "DTEND;TZID=Europe/Berlin:20270327T030000",
        "每日党建",
        extra=("RRULE:FREQ=DAILY;COUNT=3",),
    ),
    event(
        "plain@county",
        "DTSTART;TZID=Asia/Shanghai:20270328T200000",
        "DTEND;TZID=Asia/Shanghai:20270328T203000",
        "乡村振兴看今朝",
    ),
)


def test_a_time_in_a_daylight_saving_gap_is_shifted_forward_and_the_source_imported(
    session: Session, add: Callable[..., FeedSource], feed_file: Callable[[bytes], str]
) -> None:
    now = datetime(2027, 3, 20, 4, 0, tzinfo=UTC)
    source = add(feed_file(BERLIN_SPRING_FORWARD))
    report = importer.import_source(session, source, now)
    assert report.outcome == Outcome.IMPORTED and report.skipped == []
    stored = {
        (row.identity.split("|")[0], row.starts_at, row.ends_at)
        for row in session.scalars(
            select(ExternalAiring).where(ExternalAiring.source_id == source.id)
        )
    }
    # RFC 5545 §3.3.5: 02:30 is read with the offset before the gap (+01:00), i.e. 03:30 CEST;
    # the event keeps its nominal length of 30 minutes.
    shifted = (utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2, 0))
    assert stored == {
        ("gap@county", *shifted),
        ("daily@county", utc(2027, 3, 27, 1, 30), utc(2027, 3, 27, 2, 0)),
        ("daily@county", *shifted),
        ("daily@county", utc(2027, 3, 29, 0, 30), utc(2027, 3, 29, 1, 0)),
        ("plain@county", utc(2027, 3, 28, 12, 0), utc(2027, 3, 28, 12, 30)),
    }
    assert {(i.code, i.uid) for i in report.flagged} == {
        ("nonexistent_time", "gap@county"),
        ("nonexistent_time", "daily@county"),
    }
