"""Import and matching of a 10,000-row as-run log (播后记录) against 10,000 planned airings.

A fresh, migrated SQLite file holds one column airing on one channel every quarter of an
hour for 10,000 quarters (about 104 days; inserted directly, a slot's rule airs at most
daily), each airing a published premiere of its own
approved episode (8 minutes long). The station's log, as a CSV in UTF-8, has a row per
airing: most as planned, one in 100 six minutes late, one in 100 three minutes short, and
one in 100 missing, its row replaced by a station programme of another name (unplanned).

Figures (each the median of ``TVCOLUMN_BENCH_ASRUN_REPEATS`` runs, default 3):

* ``asrun_read_10000_rows_seconds``: ``station.asrun_read.read_log`` alone (decoding,
  parsing, checking; no database);
* ``asrun_import_10000_rows_seconds``: the whole ``station.asrun.import_log`` (read,
  match, store the log, its rows and the results, mark airings aired, notify) and its
  commit; ``..._cpu_seconds`` the same by ``time.process_time``;
* ``asrun_import_again_seconds``: the same file again (found by its SHA-256; nothing
  changes);
* the log's size and this process's peak resident set size.

``python -m bench bench.asrun`` runs it alone.
"""

from __future__ import annotations

import csv
import io
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

import migrations
from bench import repeats_from_env
from editorial import people
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Episode, Level, Role, State
from editorial.workdays import SHANGHAI
from schedule import channels, slots
from schedule.models import Airing, AiringStatus, BroadcastChannel, SlotKind
from station import asrun, asrun_read

NOW = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)
FIRST = date(2026, 5, 1)
ROWS = 10_000
STEP = timedelta(minutes=15)
LENGTH = timedelta(minutes=8)
REPEATS_ENV = "TVCOLUMN_BENCH_ASRUN_REPEATS"
DEFAULT_REPEATS = 3
MIB = 1024 * 1024
T = TypeVar("T")
Figure = tuple[str, float, str]


def log(message: str) -> None:
    print(f"bench.asrun: {message}", file=sys.stderr, flush=True)


def start_of(i: int) -> datetime:
    return datetime.combine(FIRST, clock(), SHANGHAI) + STEP * i


def make_database(path: Path) -> tuple[sessionmaker[Session], str]:
    """A migrated SQLite file: the column, its scheduler, 10,000 published airings."""
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        column = people.create_column(
            session,
            NOW,
            slug="city",
            name="时代风采",
            level=Level.CITY,
            station="市广播电视台",
            channel="新闻综合频道",
        )
        scheduler = people.create_person(session, NOW, username="bp", display_name="编排")
        people.grant_role(session, scheduler, column, Role.SCHEDULER, NOW)
        producer = people.create_person(session, NOW, username="pr", display_name="制片")
        people.grant_role(session, producer, column, Role.PRODUCER, NOW)
        director = people.create_person(session, NOW, username="ed", display_name="编导")
        people.grant_role(session, director, column, Role.EDITOR_DIRECTOR, NOW)
        slot = slots.create_slot(
            session,
            scheduler,
            column,
            NOW,
            slots.SlotSpec(
                name="全天",
                kind=SlotKind.PREMIERE,
                local_start=clock(0, 0),
                duration_s=int(LENGTH.total_seconds()),
                rrule="FREQ=DAILY",
                first_date=FIRST,
            ),
        )
        session.execute(
            insert(Episode),
            [
                {
                    "column_id": column.id,
                    "title": f"党建纪实 第{i + 1}期",
                    "topic": "基层党建",
                    "synopsis": "",
                    "genre": "纪实",
                    "target_duration_s": int(LENGTH.total_seconds()),
                    "director_id": director.id,
                    "responsible_producer_id": producer.id,
                    "state": State.APPROVED,
                    "version": 1,
                    "review_round": 1,
                    "state_entered_at": NOW,
                    "review_due_estimated": False,
                    "offered_for_exchange": False,
                    "created_at": NOW,
                }
                for i in range(ROWS)
            ],
        )
        episodes = list(session.scalars(select(Episode.id).order_by(Episode.id)))
        session.execute(
            insert(Airing),
            [
                {
                    "slot_id": slot.id,
                    "episode_id": episode_id,
                    "kind": SlotKind.PREMIERE,
                    "starts_at": start_of(i),
                    "ends_at": start_of(i) + LENGTH,
                    "status": AiringStatus.PUBLISHED,
                    "pinned": False,
                    "exchange": False,
                    "fill": False,
                    "reason": "",
                    "revision": 0,
                    "published_at": NOW,
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i, episode_id in enumerate(episodes)
            ],
        )
        code = channels.channel_of(session, slot).code
    return factory, code


def as_run_log() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["播出日期", "开始时间", "时长", "节目名称", "节目编号", "状态"])
    for i in range(ROWS):
        start = start_of(i)
        length, title = LENGTH, f"《时代风采》党建纪实 第{i + 1}期"
        if i % 100 == 10:
            start += timedelta(minutes=6)
        elif i % 100 == 20:
            length -= timedelta(minutes=3)
        elif i % 100 == 30:
            title = "公益广告"
        seconds = int(length.total_seconds())
        writer.writerow(
            [
                f"{start:%Y-%m-%d}",
                f"{start:%H:%M:%S}",
                f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}:00",
                title,
                "",
                "已播",
            ]
        )
    return out.getvalue().encode()


def timed(fn: Callable[[], T], cpu: list[float] | None = None) -> tuple[float, T]:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = fn()
    if cpu is not None:
        cpu.append(time.process_time() - started_cpu)
    return time.perf_counter() - started, result


def import_once(factory: sessionmaker[Session], code: str, data: bytes) -> asrun.Summary:
    with factory.begin() as session:
        channel = session.scalars(
            select(BroadcastChannel).where(BroadcastChannel.code == code)
        ).one()
        actor = people.get_person(session, "bp")
        return asrun.import_log(session, actor, channel, "asrun.csv", data, NOW)


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def run() -> list[Figure]:
    repeats = repeats_from_env(REPEATS_ENV, DEFAULT_REPEATS)
    data = as_run_log()
    log(f"log of {ROWS} rows, {len(data) / MIB:.2f} MiB; {repeats} runs each")
    reads = [timed(lambda: asrun_read.read_log("asrun.csv", data))[0] for _ in range(repeats)]
    imports: list[float] = []
    cpu: list[float] = []
    again: list[float] = []
    summary: Any = None
    for n in range(repeats):
        with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-") as tmp:
            factory, code = make_database(Path(tmp) / f"asrun-{n}.sqlite3")
            once = partial(import_once, factory, code, data)
            seconds, summary = timed(once, cpu)
            imports.append(seconds)
            seconds, repeated = timed(once)
            again.append(seconds)
            if not repeated.already_imported:
                raise RuntimeError("importing the same log again was not recognised")
            factory.kw["bind"].dispose()
    expected = (ROWS - 300, 100, 100, 100, 100)
    got = (summary.confirmed, summary.late, summary.short, summary.missing, summary.unplanned)
    if got != expected:
        raise RuntimeError(f"the benchmark log matched as {got}, not {expected}")
    log(f"confirmed {got[0]}, late {got[1]}, short {got[2]}, missing {got[3]}, unplanned {got[4]}")
    return [
        ("asrun_log_mib", round(len(data) / MIB, 2), "MiB"),
        ("asrun_read_10000_rows_seconds", round(statistics.median(reads), 3), "s"),
        ("asrun_import_10000_rows_seconds", round(statistics.median(imports), 3), "s"),
        ("asrun_import_10000_rows_cpu_seconds", round(statistics.median(cpu), 3), "s"),
        ("asrun_import_again_seconds", round(statistics.median(again), 3), "s"),
        ("asrun_peak_rss_mib", round(peak_rss_mib(), 1), "MiB"),
    ]


if __name__ == "__main__":
    for name, value, unit in run():
        print(f"{name} {value} {unit}")
