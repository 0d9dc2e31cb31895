"""Import of a 10,000-event county feed (县级栏目自有日历的导入).

The feed is built in memory, as a county system might publish it: 10,000
VEVENTs with a TZID of Asia/Shanghai, spread over the import window (90 days
back to 366 ahead), each with a UID, DTSTAMP, DTEND, a Chinese summary,
location and description (escaped commas and line breaks, folded lines). One
in 50 is a weekly series of eight (RRULE with COUNT), one in 40 has no UID,
one in 200 is cancelled: the import expands, flags and drops them.

Figures (each the median of ``TVCOLUMN_BENCH_FEED_IMPORT_REPEATS`` runs,
default 3):

* ``feeds_import_parse_10000_events_seconds``: ``calendars.importer.parse``
  alone (decoding, reading, expanding; no database);
* ``feeds_import_10000_events_seconds``: the whole ``import_source`` with
  ``body=`` into a fresh, migrated SQLite file holding the column and its
  source, its commit included. Target: at most 3 s. ``..._cpu_seconds`` is
  the same by ``time.process_time``, less sensitive to other load;
* ``feeds_import_unchanged_seconds``: importing the same feed again in a new
  session: every row is compared and none written;
* the feed's size, the occurrences taken, and this process's peak resident
  set size (interpreter, libraries and the feed included).

``python -m bench bench.feeds_import`` runs it alone.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

import migrations
from bench import repeats_from_env
from calendars import importer
from calendars.models import FeedSource
from calendars.settings import FeedSettings
from editorial import people
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Level, Role
from editorial.workdays import SHANGHAI

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Shanghai
EVENTS = 10_000
REPEATS_ENV = "TVCOLUMN_BENCH_FEED_IMPORT_REPEATS"
DEFAULT_REPEATS = 3
MIB = 1024 * 1024
TITLES = (
    "党建引领乡村振兴 第{n}期",
    "村党支部书记的一天（{n}）",
    "“先锋工程”建设纪实之{n}",
    "远程教育进万家：基层党员学习站点巡礼 {n}",
    "茶山上的科技致富路 第{n}集",
)
T = TypeVar("T")

Figure = tuple[str, float, str]


def log(message: str) -> None:
    print(f"bench.feeds_import: {message}", file=sys.stderr, flush=True)


def fold(line: str) -> list[str]:
    """Fold at 75 octets on character boundaries, as RFC 5545 asks."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        width = len(ch.encode())
        if size + width > limit:
            parts.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += width
    return [*parts, current]


def county_feed(events: int = EVENTS) -> bytes:
    """A county column's feed of ``events`` VEVENTs over the import window."""
    start, end = importer.import_window(NOW, FeedSettings())
    step = (end - start - timedelta(days=60)) / events
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//某县融媒体中心//播出编排系统 2.3//ZH",
        "X-WR-CALNAME:某县党建栏目播出表",
    ]
    for i in range(events):
        local = (start + step * i).astimezone(SHANGHAI).replace(second=0, microsecond=0)
        ends = local + timedelta(minutes=25)
        title = TITLES[i % len(TITLES)].format(n=i + 1)
        lines.append("BEGIN:VEVENT")
        if i % 40 != 7:
            lines.append(f"UID:county-{i}@rongmei.example.cn")
        lines += [
            "DTSTAMP:20260301T000000Z",
            f"DTSTART;TZID=Asia/Shanghai:{local:%Y%m%dT%H%M%S}",
            f"DTEND;TZID=Asia/Shanghai:{ends:%Y%m%dT%H%M%S}",
            f"SUMMARY:{title}",
            "LOCATION:县电视台综合频道\\, 县融媒体中心客户端",
        ]
        lines += fold(
            f"DESCRIPTION:{title}。本期节目走进基层党组织\\, 讲述党员干部扎根一线、"
            "服务群众的故事。\\n播出单位：县委组织部 县融媒体中心"
        )
        if i % 50 == 3:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=8")
        if i % 200 == 11:
            lines.append("STATUS:CANCELLED")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def make_database(path: Path) -> tuple[sessionmaker[Session], int]:
    """A migrated SQLite file with a county column, its scheduler and one feed source."""
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        column = people.create_column(
            session,
            NOW,
            slug="county",
            name="某县党建",
            level=Level.COUNTY,
            station="县电视台",
            channel="综合频道",
        )
        scheduler = people.create_person(session, NOW, username="bp", display_name="编排")
        people.grant_role(session, scheduler, column, Role.SCHEDULER, NOW)
        source = importer.add_source(
            session, scheduler, column, "某县党建栏目日历", "https://county.example.cn/a.ics", NOW
        )
        return factory, source.id


def timed(fn: Callable[[], T], cpu: list[float] | None = None) -> tuple[float, T]:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = fn()
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    return time.perf_counter() - started, result


def import_once(
    factory: sessionmaker[Session], source_id: int, body: bytes
) -> importer.ImportReport:
    with factory.begin() as session:
        source = session.get(FeedSource, source_id)
        assert source is not None
        report = importer.import_source(session, source, NOW, body=body)
    if report.failed:
        raise RuntimeError(f"the benchmark feed failed: {report.error}")
    return report


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def run() -> list[Figure]:
    repeats = repeats_from_env(REPEATS_ENV, DEFAULT_REPEATS)
    body = county_feed()
    window = importer.import_window(NOW, FeedSettings())
    log(f"feed of {EVENTS} events, {len(body) / MIB:.1f} MiB; {repeats} runs each")
    parse_times: list[float] = []
    for _ in range(repeats):
        seconds, _ = timed(partial(importer.parse, body, None, SHANGHAI, *window))
        parse_times.append(seconds)
    import_times: list[float] = []
    import_cpu: list[float] = []
    unchanged_times: list[float] = []
    for n in range(repeats):
        with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-") as tmp:
            factory, source_id = make_database(Path(tmp) / f"import-{n}.sqlite3")
            once = partial(import_once, factory, source_id, body)
            seconds, report = timed(once, import_cpu)
            import_times.append(seconds)
            again, unchanged = timed(once)
            unchanged_times.append(again)
            if unchanged.changed:
                raise RuntimeError("importing the same feed again changed rows")
            factory.kw["bind"].dispose()
    log(
        f"taken {report.taken}, flagged {len(report.flagged)}, skipped {len(report.skipped)}, "
        f"cancelled {report.cancelled}"
    )
    return [
        ("feeds_import_body_mib", round(len(body) / MIB, 2), "MiB"),
        ("feeds_import_occurrences", report.taken, "occurrences"),
        ("feeds_import_parse_10000_events_seconds", round(statistics.median(parse_times), 3), "s"),
        ("feeds_import_10000_events_seconds", round(statistics.median(import_times), 3), "s"),
        ("feeds_import_10000_events_cpu_seconds", round(statistics.median(import_cpu), 3), "s"),
        ("feeds_import_unchanged_seconds", round(statistics.median(unchanged_times), 3), "s"),
        ("feeds_import_peak_rss_mib", round(peak_rss_mib(), 1), "MiB"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name} {value} {unit}")
