"""Import of the county columns' own iCalendar feeds (县级栏目自有日历的导入).

A county column that keeps its own system registers a feed source: an http(s)
URL or a file. ``import_source`` fetches it (a conditional GET with a timeout
and a size limit), reads it and, only when the source as a whole is good,
replaces what was imported from it before. A source that fails as a whole
(unreachable, not iCalendar, too large, the wrong character set) keeps its
last good import and records the error; the hourly job (``import_all``) goes
on with the next source.

Per event the import is tolerant:

- no UID: imported and flagged; its identity is a digest of its start and
  summary, never a random value, so the next import finds it again;
- a DTSTART that cannot be read (a garbage value, a TZID that is neither an
  IANA name nor defined by a VTIMEZONE in the file): skipped with the reason,
  and what the last good import took of that UID is kept as it was;
- floating times and dates are taken in Asia/Shanghai (or the feed's
  X-WR-TIMEZONE when it names a real zone);
- no DTEND: from DURATION, else one day for a date and one minute for a time
  (RFC 5545 makes such an event an instant; we give it one minute so that it
  has an extent, and flag it so the county can fix its feed);
- recurring events are expanded over the import window with
  recurring_ical_events, so a rule without an end is bounded; cancelled
  occurrences (STATUS:CANCELLED) are dropped.

An occurrence's identity is its UID and its start in UTC, so the instances of
a recurring event are distinct and stay the same from one import to the next.

Reading: icalendar spends about 0.2 ms on an event, too slow for a
10,000-event feed in the 3 s the import may take. Single events are therefore
read by the small content-line reader below, and only recurring series (and
events whose time zone exists only as the file's VTIMEZONE) go through
icalendar and recurring_ical_events. Both readers follow the rules above;
``tests/calendars/test_importer.py`` checks that they agree.
"""

from __future__ import annotations

import codecs
import enum
import hashlib
import json
import logging
import math
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from functools import lru_cache
from typing import Any

import icalendar
import recurring_ical_events  # type: ignore[import-untyped]
from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from calendars.models import ExternalAiring, FeedSource
from calendars.settings import FeedSettings
from editorial.errors import FieldErrors, InvalidInput, NotFound
from editorial.models import Column, Person
from editorial.workdays import SHANGHAI, local_date
from schedule.slots import require_scheduler

log = logging.getLogger(__name__)

NAME_MAX = 80
LOCATION_MAX = 1000
UID_MAX = 500  # ExternalAiring.source_uid
TIMED_DEFAULT = timedelta(minutes=1)
ALL_DAY_DEFAULT = timedelta(days=1)
# A recurring event gives at most this many occurrences in the window (flagged when cut).
MAX_OCCURRENCES = 2000
# A rule whose expansion would step through more instants than this is skipped:
# dateutil lists every instant from DTSTART to the end of the window.
MAX_RULE_STEPS = 100_000
REPORT_LIMIT = 500  # issues of each kind kept in FeedSource.last_report
CHUNK = 64 * 1024
# The timeout bounds each wait on the server; the whole body must arrive within this many
# timeouts, so a server that trickles bytes cannot hold the import.
TRANSFER_TIMEOUTS = 2
FETCH_THREADS = 8
USER_AGENT = "tvcolumn-feed-import/1 (+county column feeds)"
UID_PLACEHOLDER = "tvcolumn-no-uid-"
DEFAULT_SETTINGS = FeedSettings()
# Skipped because they could not be read: their earlier occurrences are kept.
UNREADABLE = frozenset(
    {"dtstart_missing", "dtstart_unreadable", "unknown_tzid", "bad_recurrence", "rule_too_dense"}
)


# --- results ---------------------------------------------------------------------------------


class FeedError(Exception):
    """The source fails as a whole; the message is the sentence recorded as its last error."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Fetched:
    body: bytes
    charset: str | None  # from Content-Type; None if not declared (files: always None)
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class NotModified:
    """The server answered 304: the feed is as it was at the last good import."""


@dataclass(frozen=True)
class Issue:
    """An event that was flagged (imported with a remark) or skipped, and why."""

    code: str  # uid_missing, no_end, dtstart_unreadable, unknown_tzid, bad_rule, duplicate …
    uid: str | None
    summary: str
    reason: str

    def as_json(self) -> dict[str, str | None]:
        return {"code": self.code, "uid": self.uid, "summary": self.summary, "reason": self.reason}


@dataclass(frozen=True)
class Occurrence:
    """One occurrence to import, times in UTC."""

    identity: str
    uid: str | None
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    summary: str
    location: str
    description: str


@dataclass
class Parsed:
    occurrences: list[Occurrence] = field(default_factory=list)
    flagged: list[Issue] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)
    cancelled: int = 0  # occurrences in the window dropped as STATUS:CANCELLED
    notes: list[str] = field(default_factory=list)  # remarks on the feed as a whole


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    NOT_MODIFIED = "not_modified"
    FAILED = "failed"


@dataclass
class ImportReport:
    """What one import of one source did (the CLI prints ``lines()``)."""

    source_id: int
    source_name: str
    outcome: Outcome
    error: str = ""
    taken: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0  # earlier occurrences of events skipped this time, kept as they were
    cancelled: int = 0
    flagged: list[Issue] = field(default_factory=list)
    skipped: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.outcome is Outcome.FAILED

    @property
    def changed(self) -> bool:
        """The source's imported airings changed."""
        return bool(self.inserted or self.updated or self.deleted)

    def lines(self) -> list[str]:
        head = f"{self.source_name} (source {self.source_id}): "
        if self.outcome is Outcome.FAILED:
            return [head + f"FAILED, the last good import is kept: {self.error}"]
        if self.outcome is Outcome.NOT_MODIFIED:
            return [head + "not modified since the last import (HTTP 304); nothing changed"]
        lines = [
            head + f"imported {self.taken} airings ({self.inserted} new, {self.updated} changed, "
            f"{self.deleted} removed, {self.taken - self.inserted - self.updated} unchanged)"
            + (f"; {self.cancelled} cancelled occurrences dropped" if self.cancelled else "")
        ]
        if self.kept:
            lines.append(
                f"  kept {self.kept} earlier occurrences of the skipped events as they were"
            )
        lines += [f"  note: {note}" for note in self.notes]
        for label, issues in (("flagged", self.flagged), ("skipped", self.skipped)):
            if issues:
                lines.append(f"  {label}: {len(issues)}")
                lines += [f"    - {_issue_line(issue)}" for issue in issues]
        return lines

    def as_json(self) -> str:
        return json.dumps(
            {
                "taken": self.taken,
                "inserted": self.inserted,
                "updated": self.updated,
                "deleted": self.deleted,
                "kept": self.kept,
                "cancelled": self.cancelled,
                "flagged_count": len(self.flagged),
                "skipped_count": len(self.skipped),
                "flagged": [i.as_json() for i in self.flagged[:REPORT_LIMIT]],
                "skipped": [i.as_json() for i in self.skipped[:REPORT_LIMIT]],
                "notes": self.notes,
            },
            ensure_ascii=False,
            sort_keys=True,
        )


def _issue_line(issue: Issue) -> str:
    who = f"UID {issue.uid}" if issue.uid else "(no UID)"
    summary = f" 「{issue.summary}」" if issue.summary else ""
    return f"{who}{summary}: {issue.reason}"


# --- sources ---------------------------------------------------------------------------------


def _check_location(location: str) -> tuple[str, str] | None:
    """Why ``location`` cannot be a feed source (refusal code, English), or None if it can."""
    if not location:
        return "location_required", "give an http(s) URL or the absolute path of a file"
    if len(location) > LOCATION_MAX:
        return "location_too_long", f"at most {LOCATION_MAX} characters"
    parts = urllib.parse.urlsplit(location)
    if parts.scheme.lower() in ("http", "https"):
        return None if parts.hostname else ("location_no_host", f"{location!r} has no host name")
    if "://" in location:
        return (
            "location_scheme",
            f"only http:// and https:// URLs are fetched, not {parts.scheme}://",
        )
    if not os.path.isabs(location):
        return (
            "location_not_absolute",
            f"{location!r} is neither an http(s) URL nor an absolute file path",
        )
    if not os.path.isfile(location):
        return "location_no_file", f"there is no file {location}"
    return None


def add_source(
    session: Session, actor: Person, column: Column, name: str, location: str, now: datetime
) -> FeedSource:
    """Register a county column's own feed (an http(s) URL or a file) for import."""
    require_scheduler(session, actor, column)
    name, location = name.strip(), location.strip()
    errors = FieldErrors()
    if not name:
        errors.add(
            "name", "source_name_required", "a feed source needs a name (e.g. 某某县党建栏目日历)"
        )
    elif len(name) > NAME_MAX:
        errors.add("name", "source_name_too_long", f"at most {NAME_MAX} characters", most=NAME_MAX)
    if (problem := _check_location(location)) is not None:
        code, english = problem
        errors.add("location", code, english, most_location=LOCATION_MAX)
    if errors:
        raise InvalidInput(
            "the feed source cannot be registered: "
            + "; ".join(f"{k}: {v}" for k, v in errors.fields.items()),
            errors,
            code="invalid_source",
        )
    same_name = session.scalar(select(FeedSource).where(FeedSource.name == name))
    if same_name is not None:
        raise InvalidInput(
            f"there is already a feed source named {name!r} (source {same_name.id}); "
            "choose another name",
            {"name": "already taken"},
            code="source_name_taken",
            name=name,
        )
    same_place = session.scalar(select(FeedSource).where(FeedSource.location == location))
    if same_place is not None:
        raise InvalidInput(
            f"{location} is already registered as feed source {same_place.name!r} "
            f"(source {same_place.id}) of column {same_place.column.slug}",
            {"location": "already registered"},
            code="source_location_taken",
            name=same_place.name,
        )
    source = FeedSource(
        column=column, name=name, location=location, active=True, last_error="", created_at=now
    )
    session.add(source)
    session.flush()
    return source


def set_source_active(
    session: Session, actor: Person, source: FeedSource, active: bool, now: datetime
) -> FeedSource:
    """Enable or disable a source; a disabled one is left out of the hourly import."""
    require_scheduler(session, actor, source.column)
    if source.active is active:
        state = "already enabled" if active else "already disabled"
        raise InvalidInput(
            f"feed source {source.name!r} is {state}",
            {"active": state},
            code="source_enabled_already" if active else "source_disabled_already",
        )
    source.active = active
    session.flush()
    return source


def get_source(session: Session, id_or_name: int | str) -> FeedSource:
    """A source by its id or its name."""
    key = str(id_or_name).strip()
    if key.isdigit():
        found = session.get(FeedSource, int(key))
    else:
        found = session.scalar(select(FeedSource).where(FeedSource.name == key))
    if found is None:
        raise NotFound(f"no feed source {key!r} (see `tvcolumn feeds sources list`)")
    return found


def list_sources(session: Session, column: Column | None = None) -> list[FeedSource]:
    query = select(FeedSource).order_by(FeedSource.column_id, FeedSource.id)
    if column is not None:
        query = query.where(FeedSource.column_id == column.id)
    return list(session.scalars(query))


# --- fetching --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    """What a fetch needs of a source, so fetches can run in threads without the session."""

    location: str
    etag: str | None
    last_modified: str | None


def _request_for(source: FeedSource, conditional: bool) -> _Request:
    if not conditional:
        return _Request(source.location, None, None)
    return _Request(source.location, source.etag, source.http_last_modified)


def fetch(
    source: FeedSource, settings: FeedSettings = DEFAULT_SETTINGS, *, conditional: bool = True
) -> Fetched | NotModified:
    """Fetch the source's bytes; raises ``FeedError`` when that is not possible.

    A URL is fetched with a conditional GET (the validators of the last good
    import) unless ``conditional`` is False; a body or file larger than
    ``settings.import_max_bytes`` is refused without being read whole.
    """
    return _fetch(_request_for(source, conditional), settings)


def _fetch(request: _Request, settings: FeedSettings) -> Fetched | NotModified:
    if urllib.parse.urlsplit(request.location).scheme.lower() in ("http", "https"):
        return _fetch_url(request, settings)
    return read_file(request.location, settings)


def _too_large(settings: FeedSettings) -> FeedError:
    mib = settings.import_max_bytes / (1024 * 1024)
    return FeedError(f"the feed is larger than the limit of {mib:g} MiB; nothing was imported")


def _read_limited(stream: Any, settings: FeedSettings, deadline: float | None) -> bytes:
    chunks: list[bytes] = []
    size = 0
    read = getattr(stream, "read1", stream.read)  # what has arrived, not a whole chunk
    while True:
        chunk = read(CHUNK)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > settings.import_max_bytes:
            raise _too_large(settings)
        if deadline is not None and time.monotonic() > deadline:
            seconds = TRANSFER_TIMEOUTS * settings.import_timeout_s
            raise FeedError(f"the feed did not arrive whole within {seconds:g} s")
        chunks.append(chunk)


def _fetch_url(request: _Request, settings: FeedSettings) -> Fetched | NotModified:
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, */*;q=0.5"}
    if request.etag:
        headers["If-None-Match"] = request.etag
    if request.last_modified:
        headers["If-Modified-Since"] = request.last_modified
    where = request.location
    deadline = time.monotonic() + TRANSFER_TIMEOUTS * settings.import_timeout_s
    try:
        with urllib.request.urlopen(
            urllib.request.Request(where, headers=headers), timeout=settings.import_timeout_s
        ) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > settings.import_max_bytes:
                raise _too_large(settings)
            body = _read_limited(response, settings, deadline)
            return Fetched(
                body,
                response.headers.get_content_charset(),
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
            )
    except urllib.error.HTTPError as error:
        with error:
            if error.code == 304:
                return NotModified()
            raise FeedError(
                f"{where} answered HTTP {error.code} {error.reason}; nothing was imported"
            ) from None
    except urllib.error.URLError as error:
        if isinstance(error.reason, TimeoutError):
            raise _timed_out(where, settings) from None
        raise FeedError(f"cannot reach {where}: {error.reason}") from None
    except TimeoutError:
        raise _timed_out(where, settings) from None
    except OSError as error:
        raise FeedError(f"cannot read {where}: {error}") from None


def _timed_out(where: str, settings: FeedSettings) -> FeedError:
    return FeedError(f"{where} did not answer within {settings.import_timeout_s:g} s")


def read_file(path: str, settings: FeedSettings) -> Fetched:
    """A file's bytes, refused past the size limit; raises ``FeedError``."""
    try:
        with open(path, "rb") as file:
            if os.fstat(file.fileno()).st_size > settings.import_max_bytes:
                raise _too_large(settings)
            return Fetched(_read_limited(file, settings, None), None)
    except FileNotFoundError:
        raise FeedError(f"there is no file {path}") from None
    except IsADirectoryError:
        raise FeedError(f"{path} is a directory, not an iCalendar file") from None
    except PermissionError:
        raise FeedError(f"{path} cannot be read (permission denied)") from None
    except OSError as error:
        raise FeedError(f"cannot read {path}: {error}") from None


# --- decoding --------------------------------------------------------------------------------


def decode(body: bytes, charset: str | None) -> str:
    """The feed's text: UTF-8 unless a charset was declared; raises ``FeedError``."""
    if charset:
        label = charset.strip().strip('"').lower()
        # As browsers do: servers label GBK and GB18030 text "gb2312"; GB18030 reads all three.
        label = "gb18030" if label in ("gb2312", "gbk", "x-gbk", "cp936") else label
        try:
            codec = codecs.lookup(label)
        except LookupError:
            raise FeedError(
                f"the feed declares the unknown character set {charset!r}; nothing was imported"
            ) from None
        try:
            text = body.decode(codec.name)
        except UnicodeDecodeError as error:
            raise FeedError(
                f"the feed declares charset={charset} but its bytes are not {charset} "
                f"(byte {error.start}); nothing was imported"
            ) from None
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.end == len(body) and error.reason == "unexpected end of data":
                raise FeedError(
                    "the feed ends in the middle of a character (cut off in transfer?); "
                    "nothing was imported"
                ) from None
            raise FeedError(_not_utf8(body, error)) from None
    return text.removeprefix("\ufeff").replace("\x00", "")


def _not_utf8(body: bytes, error: UnicodeDecodeError) -> str:
    message = (
        f"the feed is not UTF-8 (byte {error.start} is not valid) and declares no character set"
    )
    for guess, label in (("gb18030", "GB18030 (GBK)"), ("big5", "Big5")):
        try:
            text = body.decode(guess)
        except UnicodeDecodeError:
            continue
        if any("\u4e00" <= ch <= "\u9fff" for ch in text):
            return (
                f"{message}; it looks like {label}: serve it as "
                f"'Content-Type: text/calendar; charset={guess.upper()}' or convert it to UTF-8"
            )
    return message + ": serve it with its charset in Content-Type or convert it to UTF-8"


# --- reading ---------------------------------------------------------------------------------

# Unfolded on the bytes, before decoding: a careless writer folds inside a multi-byte character.
_UNFOLD = re.compile(rb"\r?\n[ \t]|\r[ \t]")
_LINE_END = re.compile(r"\r\n|\r|\n")
_PARAM = re.compile(r';([A-Za-z0-9-]+)=((?:"[^"]*"|[^";:])*)')
_CONTENT_LINE = re.compile(
    r'([A-Za-z0-9-]+)((?:;[A-Za-z0-9-]+=(?:"[^"]*"|[^";:])*)*):(.*)', re.DOTALL
)
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DATE_TIME = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)", re.IGNORECASE)
_DURATION = re.compile(
    r"([+-]?)P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", re.IGNORECASE
)
_ESCAPED = re.compile(r"\\([\\;,nN])")
_RECURRENCE = frozenset({"RRULE", "RDATE", "EXDATE", "RECURRENCE-ID"})
_FREQ_SECONDS = {
    "SECONDLY": 1,
    "MINUTELY": 60,
    "HOURLY": 3600,
    "DAILY": 86400,
    "WEEKLY": 7 * 86400,
    "MONTHLY": 28 * 86400,
    "YEARLY": 365 * 86400,
}
_BY_PARTS = ("BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO")

Params = dict[str, str]


@dataclass
class _RawEvent:
    """A VEVENT as written: its unfolded lines and its own (not its alarms') properties."""

    index: int
    lines: list[str]
    props: dict[str, tuple[Params, str]] = field(default_factory=dict)
    recurring: bool = False
    rules: list[str] = field(default_factory=list)

    @property
    def uid(self) -> str | None:
        found = self.props.get("UID")
        return (_text(found[1]).strip() or None) if found else None

    @property
    def summary(self) -> str:
        found = self.props.get("SUMMARY")
        return _text(found[1]) if found else ""


@dataclass
class _Calendar:
    events: list[_RawEvent]
    timezones: dict[str, list[str]]  # TZID → the VTIMEZONE's lines
    x_wr_timezone: str | None


class _Unreadable(Exception):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class _NeedsVtimezone(Exception):
    """The TZID exists only as a VTIMEZONE of the file: icalendar reads the event."""


def _text(value: str) -> str:
    if "\\" not in value:
        return value
    if "\\\\" not in value:  # no escaped backslash: plain replacements cannot go wrong
        return (
            value.replace("\\n", "\n").replace("\\N", "\n").replace("\\,", ",").replace("\\;", ";")
        )
    return _ESCAPED.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _content_line(line: str) -> tuple[str, Params, str] | None:
    found = _CONTENT_LINE.match(line)
    if found is None:
        return None
    name, raw_params, value = found.groups()
    params = {k.upper(): v for k, v in _PARAM.findall(raw_params)} if raw_params else {}
    return name.upper(), params, value


def _looks_like(text: str) -> str:
    head = text[:2048].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")) or "<html" in head or "<body" in head:
        return "HTML"
    if head.startswith("<"):
        return "XML or HTML"
    if head.startswith(("{", "[")):
        return "JSON"
    return ""


def _read_calendar(text: str) -> _Calendar:
    """Split the (unfolded) text into its events and time zones; raises ``FeedError`` if it
    is no calendar."""
    lines = [line for line in _LINE_END.split(text) if line.strip()]
    if not lines:
        raise FeedError("the feed is empty: not an iCalendar file")
    if lines[0].strip().upper() != "BEGIN:VCALENDAR":
        kind = _looks_like(text)
        looks = f" (looks like {kind})" if kind else " (it does not begin with BEGIN:VCALENDAR)"
        raise FeedError(f"not an iCalendar file{looks}; nothing was imported")
    events: list[_RawEvent] = []
    timezones: dict[str, list[str]] = {}
    x_wr: str | None = None
    stack: list[str] = []
    event: _RawEvent | None = None
    zone: list[str] | None = None
    closed = False
    for line in lines:
        parsed = _content_line(line)
        if parsed is None:
            continue  # a malformed line: ignored, as calendar apps do
        name, params, value = parsed
        if name == "BEGIN":
            stack.append(value.strip().upper())
            if stack == ["VCALENDAR", "VEVENT"]:
                event = _RawEvent(len(events), [line])
            elif stack == ["VCALENDAR", "VTIMEZONE"]:
                zone = [line]
            elif event is not None:
                event.lines.append(line)
            elif zone is not None:
                zone.append(line)
            continue
        if name == "END":
            ending = value.strip().upper()
            if ending not in stack:
                continue
            while stack:
                top = stack.pop()
                if event is not None:
                    event.lines.append(f"END:{top}")
                    if len(stack) == 1:
                        events.append(event)
                        event = None
                elif zone is not None:
                    zone.append(f"END:{top}")
                    if len(stack) == 1:
                        tzid = _zone_id(zone)
                        if tzid:
                            timezones.setdefault(tzid, zone)
                        zone = None
                if top == ending:
                    break
            closed = closed or not stack
            continue
        if event is not None:
            event.lines.append(line)
            if len(stack) == 2:
                event.props.setdefault(name, (params, value))
                if name in _RECURRENCE:
                    event.recurring = True
                if name == "RRULE":
                    event.rules.append(value)
        elif zone is not None:
            zone.append(line)
        elif stack == ["VCALENDAR"] and name == "X-WR-TIMEZONE":
            x_wr = value.strip() or None
    if not closed or stack:
        raise FeedError(
            "the feed ends before END:VCALENDAR (cut off in transfer?); nothing was imported"
        )
    return _Calendar(events, timezones, x_wr)


def _zone_id(lines: list[str]) -> str | None:
    for line in lines:
        parsed = _content_line(line)
        if parsed is not None and parsed[0] == "TZID":
            return parsed[2].strip()
    return None


@lru_cache(maxsize=256)
def resolve_zone(tzid: str) -> tzinfo | None:
    """An IANA zone for a TZID (also a Windows name or a ``/vendor/Area/City`` id), or None."""
    cleaned = tzid.strip().strip('"').strip("/")
    candidates = [cleaned]
    if cleaned in WINDOWS_TO_OLSON:
        candidates.append(WINDOWS_TO_OLSON[cleaned])
    if tzid.strip().startswith("/"):  # a "globally unique" id: /vendor/…/Area/City
        parts = cleaned.split("/")
        candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for name in candidates:
        if not name or name.startswith(".") or ".." in name:
            continue
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


@dataclass(frozen=True)
class _Context:
    floating: tzinfo  # the zone of floating times and dates
    timezones: frozenset[str]  # TZIDs the file defines with a VTIMEZONE
    window_start: datetime
    window_end: datetime


def _moment(params: Params, value: str, ctx: _Context, what: str) -> tuple[datetime, bool]:
    """A DTSTART/DTEND value as an aware datetime, and whether it is a date."""
    value = value.strip()
    try:
        if _DATE.fullmatch(value):
            day = date(int(value[:4]), int(value[4:6]), int(value[6:8]))
            return datetime.combine(day, clock_time(), ctx.floating), True
        found = _DATE_TIME.fullmatch(value)
        if found is None or params.get("VALUE", "").upper() == "DATE":
            raise ValueError
        y, mo, d, h, mi, s = (int(part) for part in found.groups()[:6])
        naive = datetime(y, mo, d, h, mi, s)
    except ValueError:
        shown = value if len(value) <= 40 else value[:40] + "…"
        raise _Unreadable(
            f"{what.lower()}_unreadable", f"{what} {shown!r} is not a date or a date-time"
        ) from None
    if found.group(7):
        return naive.replace(tzinfo=UTC), False
    tzid = params.get("TZID", "").strip('"')
    if not tzid:
        return naive.replace(tzinfo=ctx.floating), False
    zone = resolve_zone(tzid)
    if zone is not None:
        return naive.replace(tzinfo=zone), False
    if tzid in ctx.timezones:
        raise _NeedsVtimezone
    raise _Unreadable(
        "unknown_tzid",
        f"{what} has TZID={tzid}, which is no known time zone, and the feed has no "
        "VTIMEZONE for it",
    )


def _duration(value: str) -> timedelta | None:
    found = _DURATION.fullmatch(value.strip())
    if found is None or not any(found.groups()[1:]):
        return None
    w, d, h, m, s = (int(part or 0) for part in found.groups()[1:])
    if found.group(1) == "-":
        return None
    return timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s)


def _identity(uid: str | None, starts_at: datetime, summary: str) -> str:
    start = starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if uid is None:
        digest = hashlib.sha256(f"{start}\n{summary}".encode()).hexdigest()[:40]
        return f"no-uid:{digest}"
    if len(uid) > 250:
        uid = "sha256:" + hashlib.sha256(uid.encode()).hexdigest()
    return f"{uid}|{start}"


class _Collector:
    """Gathers the occurrences and issues of one feed."""

    def __init__(self, ctx: _Context) -> None:
        self.ctx = ctx
        self.parsed = Parsed()
        self._identities: set[str] = set()
        self._issued: set[tuple[str, int]] = set()

    def flag(self, index: int, code: str, uid: str | None, summary: str, reason: str) -> None:
        if (code, index) not in self._issued:
            self._issued.add((code, index))
            self.parsed.flagged.append(Issue(code, uid, summary, reason))

    def skip(self, index: int, code: str, uid: str | None, summary: str, reason: str) -> None:
        if (code, index) not in self._issued:
            self._issued.add((code, index))
            self.parsed.skipped.append(Issue(code, uid, summary, reason))

    def take(
        self,
        index: int,
        uid: str | None,
        start: datetime,
        end: datetime | None,
        all_day: bool,
        texts: tuple[str, str, str],
        cancelled: bool,
    ) -> None:
        """One occurrence, times aware; ``end`` None when the event gave none that fits."""
        summary = texts[0]
        if _nonexistent(start):
            if end is not None and end.tzinfo is start.tzinfo:  # keep its nominal length
                end = start.astimezone(UTC) + (
                    end.replace(tzinfo=None) - start.replace(tzinfo=None)
                )
            self.flag(
                index,
                "nonexistent_time",
                uid,
                summary,
                f"{start:%Y-%m-%d %H:%M} does not exist in {start.tzinfo} (the clocks go "
                f"forward): taken at {start.astimezone(UTC).astimezone(start.tzinfo):%H:%M}, "
                "read with the offset before the gap (RFC 5545, 3.3.5)",
            )
        # Compared in UTC: aware times of one zone compare by their wall clock.
        start = start.astimezone(UTC)
        end = None if end is None else end.astimezone(UTC)
        endless = end is None or end <= start
        if end is None or endless:
            end = start + (ALL_DAY_DEFAULT if all_day else TIMED_DEFAULT)
        if not (start < self.ctx.window_end and end > self.ctx.window_start):
            return
        if cancelled:
            self.parsed.cancelled += 1
            return
        if endless and not all_day:
            self.flag(
                index,
                "no_end",
                uid,
                summary,
                "no DTEND or DURATION that ends after DTSTART: taken to last one minute",
            )
        if uid is not None and len(uid) > UID_MAX:
            self.skip(index, "uid_too_long", None, summary, f"its UID is over {UID_MAX} characters")
            return
        identity = _identity(uid, start, summary)
        if identity in self._identities:
            self.skip(
                index,
                "duplicate",
                uid,
                summary,
                "another event has the same UID and start"
                if uid
                else "another event without UID has the same start and summary",
            )
            return
        self._identities.add(identity)
        if uid is None:
            self.flag(
                index,
                "uid_missing",
                None,
                summary,
                "the event has no UID: imported under a digest of its start and summary, "
                "so a change of either makes it a new event",
            )
        self.parsed.occurrences.append(
            Occurrence(identity, uid, start, end, all_day, summary, texts[1], texts[2])
        )


def _nonexistent(moment: datetime) -> bool:
    """A local time the clocks skipped (a daylight-saving gap): the zone does not give it
    back. ``zoneinfo`` reads it with the offset before the gap, as RFC 5545 asks."""
    if moment.tzinfo is None or moment.tzinfo is UTC:
        return False
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None) != moment.replace(tzinfo=None)


def _texts(props: dict[str, tuple[Params, str]]) -> tuple[str, str, str]:
    def text(name: str) -> str:
        return _text(props[name][1]) if name in props else ""

    return text("SUMMARY"), text("LOCATION"), text("DESCRIPTION")


def _read_single(event: _RawEvent, out: _Collector) -> None:
    """A single (not recurring) event, read without icalendar."""
    props, ctx = event.props, out.ctx
    if "DTSTART" not in props:
        raise _Unreadable("dtstart_missing", "the event has no DTSTART")
    start, all_day = _moment(*props["DTSTART"], ctx, "DTSTART")
    end: datetime | None = None
    if "DTEND" in props:
        try:
            end, end_is_day = _moment(*props["DTEND"], ctx, "DTEND")
        except _Unreadable:
            end = None
        else:
            end = end if end_is_day is all_day else None
    elif "DURATION" in props:
        length = _duration(props["DURATION"][1])
        end = None if length is None else start + length
    cancelled = props.get("STATUS", ({}, ""))[1].strip().upper() == "CANCELLED"
    out.take(event.index, event.uid, start, end, all_day, _texts(props), cancelled)


def _rule_steps(event: _RawEvent, start: datetime, ctx: _Context) -> float:
    """How many instants dateutil would step through to expand the event's rules."""
    span = (ctx.window_end - min(start.astimezone(UTC), ctx.window_start)).total_seconds()
    steps = 0.0
    for rule in event.rules:
        parts = dict(part.split("=", 1) for part in rule.upper().split(";") if part.count("=") == 1)
        freq = _FREQ_SECONDS.get(parts.get("FREQ", ""))
        if freq is None:
            continue  # recurring_ical_events reports the rule as broken
        interval = int(parts["INTERVAL"]) if parts.get("INTERVAL", "").isdigit() else 1
        many = math.prod(len(parts[p].split(",")) for p in _BY_PARTS if p in parts)
        count = parts.get("COUNT", "")
        rule_steps = math.ceil(span / (freq * max(interval, 1)) + 1) * many
        steps += min(rule_steps, int(count) * many) if count.isdigit() else rule_steps
    return steps


def parse(
    body: bytes,
    charset: str | None,
    source_tz: tzinfo,
    window_start: datetime,
    window_end: datetime,
) -> Parsed:
    """Read a feed's bytes into the occurrences that overlap the window (pure: no database).

    Raises ``FeedError`` when the feed fails as a whole. ``source_tz`` is the
    zone of floating times and dates when the feed names none (X-WR-TIMEZONE);
    ``charset`` the one declared by the server, if any.
    """
    return _parse(body, charset, source_tz, window_start, window_end)


def _parse(
    body: bytes,
    charset: str | None,
    source_tz: tzinfo,
    window_start: datetime,
    window_end: datetime,
    *,
    all_through_icalendar: bool = False,
) -> Parsed:
    calendar = _read_calendar(decode(_UNFOLD.sub(b"", body), charset))
    floating = source_tz
    notes: list[str] = []
    if calendar.x_wr_timezone:
        zone = resolve_zone(calendar.x_wr_timezone)
        if zone is None:
            notes.append(
                f"X-WR-TIMEZONE {calendar.x_wr_timezone!r} is no known time zone: "
                f"floating times were read in {source_tz}"
            )
        else:
            floating = zone
    ctx = _Context(
        floating,
        frozenset(calendar.timezones),
        window_start,
        window_end,
    )
    out = _Collector(ctx)
    out.parsed.notes = notes
    recurring_uids = {e.uid for e in calendar.events if e.recurring and e.uid is not None}
    slow: list[_RawEvent] = []
    for event in calendar.events:
        uid = event.uid
        if all_through_icalendar or event.recurring or (uid is not None and uid in recurring_uids):
            slow.append(event)
            continue
        try:
            _read_single(event, out)
        except _NeedsVtimezone:
            slow.append(event)
        except _Unreadable as error:
            out.skip(event.index, error.code, uid, event.summary, error.reason)
    if slow:
        _read_through_icalendar(calendar, slow, out)
    return out.parsed


# --- recurring events: icalendar and recurring_ical_events -----------------------------------


def _placeholder_uid(event: _RawEvent) -> str:
    return f"{UID_PLACEHOLDER}{event.index}"


def _checked(events: Sequence[_RawEvent], out: _Collector) -> list[_RawEvent]:
    """The events whose DTSTART can be read and whose rules can be expanded in reason."""
    kept: list[_RawEvent] = []
    for event in events:
        try:
            if "DTSTART" not in event.props:
                raise _Unreadable("dtstart_missing", "the event has no DTSTART")
            try:
                start, _ = _moment(*event.props["DTSTART"], out.ctx, "DTSTART")
            except _NeedsVtimezone:
                start = out.ctx.window_start
            if _rule_steps(event, start, out.ctx) > MAX_RULE_STEPS:
                raise _Unreadable(
                    "rule_too_dense",
                    "its RRULE repeats too often to expand over the import window "
                    f"(more than {MAX_RULE_STEPS} instants)",
                )
        except _Unreadable as error:
            out.skip(event.index, error.code, event.uid, event.summary, error.reason)
            continue
        kept.append(event)
    return kept


def _calendar_text(calendar: _Calendar, events: Iterable[_RawEvent]) -> str:
    # Without X-WR-TIMEZONE: floating times are placed in the zone by _aware, and times
    # in UTC stay in UTC, as the single-event reader does.
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//tvcolumn//feed import//EN"]
    for zone in calendar.timezones.values():
        lines += zone
    for event in events:
        if event.uid is not None:
            lines += event.lines
        else:  # an empty UID line goes too: the placeholder is the only one
            lines += [line for line in event.lines[:-1] if line[:4].upper() not in ("UID:", "UID;")]
            lines += [f"UID:{_placeholder_uid(event)}", event.lines[-1]]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines) + "\r\n"


def _series_groups(events: Sequence[_RawEvent]) -> list[list[_RawEvent]]:
    groups: dict[str, list[_RawEvent]] = {}
    for event in events:
        groups.setdefault(event.uid or _placeholder_uid(event), []).append(event)
    return list(groups.values())


def _read_through_icalendar(
    calendar: _Calendar, events: Sequence[_RawEvent], out: _Collector
) -> None:
    events = _checked(events, out)
    by_uid: dict[str, _RawEvent] = {}
    for event in events:  # a series is named after its master, not an overridden instance
        key = event.uid or _placeholder_uid(event)
        if key not in by_uid or "RECURRENCE-ID" not in event.props:
            by_uid[key] = event
    try:
        _expand(calendar, events, by_uid, out)
        return
    except Exception as error:  # icalendar and recurring_ical_events raise many kinds
        if len(_series_groups(events)) == 1:
            first = events[0]
            out.skip(
                first.index, "bad_recurrence", first.uid, first.summary, _expansion_failed(error)
            )
            return
    for group in _series_groups(events):  # find the series that break the whole
        try:
            _expand(calendar, group, by_uid, out)
        except Exception as error:
            first = group[0]
            out.skip(
                first.index, "bad_recurrence", first.uid, first.summary, _expansion_failed(error)
            )


def _expansion_failed(error: Exception) -> str:
    return f"its recurrence cannot be expanded ({type(error).__name__}: {error})"


def _expand(
    calendar: _Calendar,
    events: Sequence[_RawEvent],
    by_uid: dict[str, _RawEvent],
    out: _Collector,
) -> None:
    """Expand the events over the window; raises if icalendar or the expansion fail."""
    if not events:
        return
    ctx = out.ctx
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # icalendar warns on guessed time zone ids
        parsed = icalendar.Calendar.from_ical(_calendar_text(calendar, events))
        query = recurring_ical_events.of(parsed)
        # Naive bounds are read in each event's own zone; a day's margin, cut exactly below.
        margin = timedelta(days=1)
        span_start = (ctx.window_start - margin).astimezone(ctx.floating).replace(tzinfo=None)
        span_end = (ctx.window_end + margin).astimezone(ctx.floating).replace(tzinfo=None)
        # A series of one VEVENT takes its texts from our reading of it; one with modified
        # instances from each occurrence's component (a copy: slower).
        alone = {
            uid
            for uid, n in Counter(e.uid or _placeholder_uid(e) for e in events).items()
            if n == 1
        }
        taken: list[tuple[_RawEvent, Any]] = []
        for series in query.series:
            for count, occurrence in enumerate(series.between(span_start, span_end)):
                uid = str(occurrence.uid)
                event = by_uid.get(uid, events[0])
                if count >= MAX_OCCURRENCES:
                    out.flag(
                        event.index,
                        "too_many",
                        event.uid,
                        event.summary,
                        f"more than {MAX_OCCURRENCES} occurrences in the import window: "
                        f"only the first {MAX_OCCURRENCES} were taken",
                    )
                    break
                taken.append(
                    (event, occurrence if uid in alone else occurrence.as_component(False))
                )
    for event, found in taken:
        if isinstance(found, icalendar.Component):
            _take_component(event, found, out)
        else:
            _take_occurrence(event, found, out)


def _aware(value: date | datetime, floating: tzinfo) -> tuple[datetime, bool]:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=floating)), False
    return datetime.combine(value, clock_time(), floating), True


def _take_occurrence(event: _RawEvent, occurrence: Any, out: _Collector) -> None:
    """An occurrence of a series without modified instances: its texts are the event's."""
    floating, props = out.ctx.floating, event.props
    start, all_day = _aware(occurrence.start, floating)
    end: datetime | None = None
    if "DTEND" in props or "DURATION" in props:
        end, end_is_day = _aware(occurrence.end, floating)
        if end_is_day is not all_day:
            end = None
    cancelled = props.get("STATUS", ({}, ""))[1].strip().upper() == "CANCELLED"
    out.take(event.index, event.uid, start, end, all_day, _texts(props), cancelled)


def _take_component(event: _RawEvent, component: Any, out: _Collector) -> None:
    floating = out.ctx.floating
    start, all_day = _aware(component.start, floating)
    end: datetime | None = None
    if "DTEND" in component or "DURATION" in component:
        end, end_is_day = _aware(component.end, floating)
        if end_is_day is not all_day:
            end = None
    texts = (
        str(component.get("SUMMARY", "")),
        str(component.get("LOCATION", "")),
        str(component.get("DESCRIPTION", "")),
    )
    cancelled = str(component.get("STATUS", "")).upper() == "CANCELLED"
    out.take(event.index, event.uid, start, end, all_day, texts, cancelled)


# --- importing -------------------------------------------------------------------------------


def import_window(now: datetime, settings: FeedSettings) -> tuple[datetime, datetime]:
    """From the start of the day ``import_days_back`` ago to the end of the day
    ``import_days_ahead`` on, in Asia/Shanghai, as UTC."""
    today = local_date(now)
    first = today - timedelta(days=settings.import_days_back)
    last = today + timedelta(days=settings.import_days_ahead + 1)
    return (
        datetime.combine(first, clock_time(), SHANGHAI).astimezone(UTC),
        datetime.combine(last, clock_time(), SHANGHAI).astimezone(UTC),
    )


def _conditional(source: FeedSource, now: datetime) -> bool:
    """Ask with validators only while the last good import's window still holds:
    the window moves on each day, and an unchanged feed may then give more."""
    last = source.last_success_at
    return last is not None and local_date(last) == local_date(now)


def import_source(
    session: Session,
    source: FeedSource,
    now: datetime,
    settings: FeedSettings = DEFAULT_SETTINGS,
    body: bytes | None = None,
    *,
    charset: str | None = None,
) -> ImportReport:
    """Fetch (unless ``body`` is given), read and store one source; never raises for a
    source that fails as a whole: the report and ``source.last_error`` say why."""
    got: Fetched | NotModified | FeedError
    if body is not None:
        got = Fetched(body, charset)
    else:
        try:
            got = fetch(source, settings, conditional=_conditional(source, now))
        except FeedError as error:
            got = error
    return _import(session, source, now, settings, got)


def _import(
    session: Session,
    source: FeedSource,
    now: datetime,
    settings: FeedSettings,
    got: Fetched | NotModified | FeedError,
) -> ImportReport:
    source.last_attempt_at = now
    report = ImportReport(source.id, source.name, Outcome.IMPORTED)
    if isinstance(got, NotModified):
        # The feed is what the last good import read: an error since then is over.
        report.outcome = Outcome.NOT_MODIFIED
        source.last_error, source.last_error_at = "", None
        session.flush()
        return report
    try:
        if isinstance(got, FeedError):
            raise got
        window_start, window_end = import_window(now, settings)
        parsed = parse(got.body, got.charset, SHANGHAI, window_start, window_end)
    except FeedError as error:
        source.last_error, source.last_error_at = error.message, now
        report.outcome, report.error = Outcome.FAILED, error.message
        session.flush()
        log.warning("feed source %s (%d) failed: %s", source.name, source.id, error.message)
        return report
    # An event skipped this time keeps what the last good import took of it.
    keep = {i.uid for i in parsed.skipped if i.uid is not None and i.code in UNREADABLE}
    report.inserted, report.updated, report.deleted, report.kept = _store(
        session, source, parsed.occurrences, keep, now
    )
    report.taken, report.cancelled = len(parsed.occurrences), parsed.cancelled
    report.flagged, report.skipped, report.notes = parsed.flagged, parsed.skipped, parsed.notes
    source.etag, source.http_last_modified = got.etag, got.last_modified
    source.last_success_at = now
    source.last_error, source.last_error_at = "", None
    source.last_report = report.as_json()
    session.flush()
    return report


_FIELDS = ("source_uid", "starts_at", "ends_at", "all_day", "summary", "location", "description")


def _row(o: Occurrence) -> tuple[Any, ...]:
    return (o.uid, o.starts_at, o.ends_at, o.all_day, o.summary, o.location, o.description)


def _chunks(items: Sequence[int], size: int = 1000) -> Iterator[Sequence[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _store(
    session: Session,
    source: FeedSource,
    occurrences: Sequence[Occurrence],
    keep_uids: set[str],
    now: datetime,
) -> tuple[int, int, int, int]:
    """Make the source's rows what the feed says: an unchanged occurrence keeps its row
    and id, a changed one is updated in place, and the rows of ``keep_uids`` stay.
    Returns (inserted, updated, deleted, kept)."""
    t = ExternalAiring
    old = {
        row[1]: (row[0], tuple(row[2:]))
        for row in session.execute(
            select(
                t.id,
                t.identity,
                t.source_uid,
                t.starts_at,
                t.ends_at,
                t.all_day,
                t.summary,
                t.location,
                t.description,
            ).where(t.source_id == source.id)
        )
    }
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for o in occurrences:
        values = _row(o)
        known = old.pop(o.identity, None)
        if known is None:
            inserts.append(
                {"source_id": source.id, "identity": o.identity, "imported_at": now}
                | dict(zip(_FIELDS, values, strict=True))
            )
        elif known[1] != values:
            updates.append(
                {"id": known[0], "imported_at": now} | dict(zip(_FIELDS, values, strict=True))
            )
    kept = [row_id for row_id, values in old.values() if values[0] in keep_uids]
    gone = sorted(row_id for row_id, values in old.values() if values[0] not in keep_uids)
    for chunk in _chunks(gone):
        session.execute(
            delete(t).where(t.id.in_(chunk)), execution_options={"synchronize_session": False}
        )
    if updates:
        session.execute(update(t), updates)
    if inserts:
        table = ExternalAiring.__table__
        assert isinstance(table, Table)
        session.execute(insert(table), inserts)  # Core: one executemany, not ORM batches
    _forget_loaded(session, source.id, set(gone))
    return len(inserts), len(updates), len(gone), len(kept)


def _forget_loaded(session: Session, source_id: int, gone: set[int]) -> None:
    """Rows of the source already loaded in the session are stale after the bulk writes."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, ExternalAiring) and obj.source_id == source_id:
            if obj.id in gone:
                session.expunge(obj)
            else:
                session.expire(obj)


def import_all(session: Session, now: datetime, settings: FeedSettings = DEFAULT_SETTINGS) -> int:
    """Import every active source; returns how many sources' airings changed.

    ``plan_fetches``, ``fetch_all`` and ``store_fetched`` in one go; the
    scheduler's hourly job runs the fetches outside its transaction instead.
    """
    return store_fetched(session, now, fetch_all(plan_fetches(session, now), settings), settings)


@dataclass(frozen=True)
class PlannedFetch:
    source_id: int
    request: _Request


def plan_fetches(session: Session, now: datetime) -> list[PlannedFetch]:
    """What to fetch for every active source (with its validators where they still hold)."""
    sources = session.scalars(
        select(FeedSource).where(FeedSource.active.is_(True)).order_by(FeedSource.id)
    )
    return [PlannedFetch(s.id, _request_for(s, _conditional(s, now))) for s in sources]


def fetch_all(
    planned: Sequence[PlannedFetch], settings: FeedSettings = DEFAULT_SETTINGS
) -> dict[int, Fetched | NotModified | FeedError]:
    """Fetch every planned source at the same time; no database, so no lock is held while
    the slowest source answers. Every failure comes back as a ``FeedError``."""
    if not planned:
        return {}
    with ThreadPoolExecutor(max_workers=min(FETCH_THREADS, len(planned))) as pool:
        results = list(pool.map(lambda p: _fetch_or_error(p.request, settings), planned))
    return {p.source_id: got for p, got in zip(planned, results, strict=True)}


def store_fetched(
    session: Session,
    now: datetime,
    fetched: dict[int, Fetched | NotModified | FeedError],
    settings: FeedSettings = DEFAULT_SETTINGS,
) -> int:
    """Import what was fetched, each source in a savepoint; returns how many sources' airings
    changed. A source that fails is recorded and the others go on; an unexpected error in
    one source's import is rolled back to its savepoint and recorded as that source's error.
    A source disabled since its fetch is left alone.
    """
    changed = 0
    for source_id, got in sorted(fetched.items()):
        source = session.get(FeedSource, source_id)
        if source is None or not source.active:
            continue
        try:
            with session.begin_nested():
                report = _import(session, source, now, settings, got)
        except Exception as error:
            log.exception("feed source %s (%d): import failed", source.name, source.id)
            source.last_attempt_at = now
            source.last_error = f"the import failed unexpectedly ({type(error).__name__}: {error})"
            source.last_error_at = now
            session.flush()
            continue
        changed += report.changed
    return changed


def _fetch_or_error(request: _Request, settings: FeedSettings) -> Fetched | NotModified | FeedError:
    try:
        return _fetch(request, settings)
    except FeedError as error:
        return error
    except Exception as error:  # a thread must hand back every failure
        return FeedError(f"cannot fetch {request.location}: {type(error).__name__}: {error}")


__all__ = [
    "FeedError",
    "Fetched",
    "ImportReport",
    "Issue",
    "NotModified",
    "Occurrence",
    "Outcome",
    "Parsed",
    "add_source",
    "decode",
    "fetch",
    "fetch_all",
    "get_source",
    "import_all",
    "import_source",
    "import_window",
    "list_sources",
    "parse",
    "plan_fetches",
    "read_file",
    "resolve_zone",
    "set_source_active",
    "store_fetched",
]
