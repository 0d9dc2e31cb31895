"""The XMLTV guide of a province channel over a year: 10,000 published airings.

A province station's channel (省电视台 公共频道) carries 14 columns, each with a daily
premiere slot and a daily rerun slot (made by ``slots.create_slot``, as a scheduler
would); over 366 days from 1 January 2027 they air 10,000 times (28 a day), every
airing published. Episodes have a Chinese title and synopsis, a genre, a fifth a
priority tag, a tenth are parts of four-part series and half a master duration;
they and the airings are inserted directly, as the builder would leave them.

The guide is rendered as ``web.feeds`` does on a cache miss (``calendars.xmltv.render``
in a new session) for a window of the year (0 days back, 365 ahead, ``now`` on its
first day). Figures:

* ``xmltv_10000_airings_seconds`` (median of ``TVCOLUMN_BENCH_XMLTV_REPEATS`` runs,
  default 5) and ``..._cpu_seconds`` (this process's CPU time, same runs);
  ``xmltv_query_seconds``: the query alone (``calendars.xmltv.programmes``);
* ``xmltv_10000_airings_peak_python_mib``: the most Python memory the render held
  at once (``tracemalloc``, a separate run: tracing slows it); ``xmltv_peak_rss_mib``
  this process's peak resident size (``python -m bench`` runs each benchmark in a
  child process, so it is this benchmark's);
* the guide's size, and ``xmltv_programmes`` (must be 10,000).

``python -m bench bench.xmltv`` runs it alone.
"""

from __future__ import annotations

import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

import migrations
from bench import Figure, format_figure, repeats_from_env
from calendars import feeds, xmltv
from editorial import people
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Episode, Level, PriorityTag, Role, Series, State
from editorial.workdays import SHANGHAI
from schedule import slots
from schedule.models import Airing, AiringStatus, BroadcastChannel, SlotKind

START = date(2027, 1, 1)
NOW = datetime.combine(START, clock(0, 5), SHANGHAI).astimezone(UTC)
DAYS = 366
AIRINGS = 10_000
COLUMNS = 14
STATION, CHANNEL = "省电视台", "公共频道"
DURATION = timedelta(minutes=25)
REPEATS_ENV = "TVCOLUMN_BENCH_XMLTV_REPEATS"
MIB = 1024 * 1024
SYNOPSIS = (
    "本期节目走进{n}号村党支部，记录党员干部带领群众发展特色产业、"
    "推进乡村振兴的生动实践，展现基层党组织的战斗堡垒作用和共产党员的先锋模范作用。"
)
GENRES = ("专题", "访谈", "纪实", "新闻", "党课")


def log(message: str) -> None:
    print(f"bench.xmltv: {message}", file=sys.stderr, flush=True)


def populate(session: Session) -> None:
    """The channel's 14 columns with their slots, 5,000 episodes and 10,000 airings."""
    slot_ids: list[tuple[int, int]] = []
    column_ids: list[int] = []
    director_id = producer_id = 0
    for c in range(COLUMNS):
        column = people.create_column(
            session,
            NOW,
            slug=f"province-{c + 1}",
            name=f"党建栏目{c + 1}",
            level=Level.COUNTY,
            station=STATION,
            channel=CHANNEL,
        )
        scheduler = people.create_person(
            session, NOW, username=f"bench.scheduler{c}", display_name=f"编排{c}"
        )
        people.grant_role(session, scheduler, column, Role.SCHEDULER, NOW)
        if c == 1:
            director_id = scheduler.id
        elif c == 0:
            producer_id = scheduler.id
        premiere = _slot(session, scheduler, column, f"首播{c}", clock(6 + c // 2, 30 * (c % 2)))
        rerun = _slot(
            session,
            scheduler,
            column,
            f"重播{c}",
            clock(13 + c // 2, 30 * (c % 2)),
            rerun_of=premiere,
        )
        slot_ids.append((premiere.id, rerun.id))
        column_ids.append(column.id)
    series_ids = _series(session, column_ids[0])
    episodes: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    premieres: list[dict[str, Any]] = []
    reruns: list[dict[str, Any]] = []
    for i in range(AIRINGS // 2):
        day, c = divmod(i, COLUMNS)
        on = START + timedelta(days=day)
        n = i + 1
        # A tenth are parts of series: the 10th, 20th, 30th and 40th episode one series.
        part = (n // 10 - 1) % 4 + 1 if n % 10 == 0 else None
        episodes.append(
            {
                "id": n,
                "column_id": column_ids[c],
                "title": f"党旗飘扬·基层党建纪实 第{n}期",
                "synopsis": SYNOPSIS.format(n=n),
                "genre": GENRES[n % len(GENRES)],
                "series_id": series_ids[(n // 10 - 1) // 4] if part else None,
                "part_number": part,
                "target_duration_s": int(DURATION.total_seconds()),
                "media_duration_s": 1490 if n % 2 else None,
                "director_id": director_id,
                "responsible_producer_id": producer_id,
                "state": State.APPROVED,
                "version": 8,
                "state_entered_at": NOW - timedelta(days=40),
                "created_at": NOW - timedelta(days=60),
            }
        )
        if n % 5 == 0:
            tags.append({"episode_id": n, "tag": "先锋工程"})
        for rows, slot_id, kind, hour in (
            (premieres, slot_ids[c][0], SlotKind.PREMIERE, 6),
            (reruns, slot_ids[c][1], SlotKind.RERUN, 13),
        ):
            local = clock(hour + c // 2, 30 * (c % 2))
            starts = datetime.combine(on, local, SHANGHAI).astimezone(UTC)
            rows.append(
                {
                    "id": n if kind is SlotKind.PREMIERE else 100_000 + n,
                    "slot_id": slot_id,
                    "episode_id": n,
                    "kind": kind,
                    "premiere_id": n if kind is SlotKind.RERUN else None,
                    "starts_at": starts,
                    "ends_at": starts + DURATION,
                    "status": AiringStatus.PUBLISHED,
                    "published_at": NOW - timedelta(days=1),
                    "created_at": NOW - timedelta(days=2),
                    "updated_at": NOW - timedelta(days=1),
                }
            )
    session.execute(insert(Episode), episodes)
    session.execute(insert(PriorityTag), tags)
    session.execute(insert(Airing), premieres)
    session.execute(insert(Airing), reruns)
    session.flush()


def _slot(
    session: Session, scheduler: Any, column: Any, name: str, at: clock, rerun_of: Any = None
) -> Any:
    spec = slots.SlotSpec(
        name=name,
        kind=SlotKind.RERUN if rerun_of else SlotKind.PREMIERE,
        local_start=at,
        duration_s=int(DURATION.total_seconds()),
        rrule="FREQ=DAILY",
        first_date=START,
        rerun_of=rerun_of,
    )
    return slots.create_slot(session, scheduler, column, NOW, spec)


def _series(session: Session, column_id: int) -> list[int]:
    made = [
        Series(
            column_id=column_id,
            title=f"乡村振兴连续报道（{k + 1}）",
            parts=4,
            start_by=START + timedelta(days=300),
            created_at=NOW,
        )
        for k in range(AIRINGS // 2 // 40)
    ]
    session.add_all(made)
    session.flush()
    return [s.id for s in made]


def render_once(url: str) -> tuple[float, float, float, xmltv.Guide]:
    """(wall seconds, CPU seconds, query seconds, the guide) of a cache miss."""
    engine = make_engine(url)
    try:
        span = feeds.window(NOW, back=0, ahead=DAYS - 1)
        with make_sessionmaker(engine)() as session:
            wall, cpu = time.perf_counter(), time.process_time()
            channel = session.scalars(
                select(BroadcastChannel).where(BroadcastChannel.name == CHANNEL)
            ).one()
            guide = xmltv.render(session, channel, span)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with make_sessionmaker(engine)() as session:
            channel = session.scalars(select(BroadcastChannel)).one()
            started = time.perf_counter()
            xmltv.programmes(session, channel, span)
            query = time.perf_counter() - started
    finally:
        engine.dispose()
    return wall, cpu, query, guide


def peak_python_mib(url: str) -> float:
    tracemalloc.start()
    try:
        render_once(url)
        return tracemalloc.get_traced_memory()[1] / MIB
    finally:
        tracemalloc.stop()


def peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def run() -> list[Figure]:
    repeats = repeats_from_env(REPEATS_ENV, 5)
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-xmltv-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'xmltv.sqlite3'}"
        log(f"building a province channel with {AIRINGS} published airings over {DAYS} days")
        engine = make_engine(url)
        try:
            migrations.upgrade(engine)
            with make_sessionmaker(engine)() as session, session.begin():
                populate(session)
        finally:
            engine.dispose()
        log(f"rendering its XMLTV guide {repeats} times, then once under tracemalloc")
        runs = [render_once(url) for _ in range(repeats)]
        peak = peak_python_mib(url)
    guide = runs[0][3]
    if guide.programmes != AIRINGS:
        raise AssertionError(f"the guide has {guide.programmes} programmes, not {AIRINGS}")
    return [
        ("xmltv_programmes", guide.programmes, "programmes"),
        ("xmltv_10000_airings_seconds", round(statistics.median(r[0] for r in runs), 3), "s"),
        ("xmltv_10000_airings_cpu_seconds", round(statistics.median(r[1] for r in runs), 3), "s"),
        ("xmltv_query_seconds", round(statistics.median(r[2] for r in runs), 3), "s"),
        ("xmltv_10000_airings_peak_python_mib", round(peak, 1), "MiB"),
        ("xmltv_peak_rss_mib", round(peak_rss_mib(), 1), "MiB"),
        ("xmltv_guide_mib", round(len(guide.body) / MIB, 2), "MiB"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(format_figure(figure))
