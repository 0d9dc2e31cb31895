"""The feed ledger and the cost of a feed cache miss, on a fresh SQLite file.

One column with five daily premiere slots and five daily rerun slots airs
2,000 times inside the default feed window (30 days back, 180 ahead): 1,000
approved episodes, each premiered once and rerun the next day. Slots, people
and the column are made by the domain functions; the episodes and airings are
inserted directly, as the builder would leave them (past airings aired, the
rest published).

Figures:

* ``feeds_sync_first_seconds``: the first ``calendars.ledger.sync`` of those
  airings (deriving, rendering 2,000 VEVENTs, inserting, flushing);
  ``feeds_sync_commit_seconds`` the commit after it;
* ``feeds_sync_unchanged_seconds``: a second sync, in a new session, with
  nothing changed (it must change nothing);
* ``feeds_render_ms``: a cache miss of the web process, the median of
  ``TVCOLUMN_BENCH_FEED_RENDERS`` runs (default 7): a new session, the column
  looked up by slug, ``calendars.feeds.render`` of its 2,000-event feed for the
  default window (query, VTIMEZONE, joining the stored VEVENTs). Target: at
  most 400 ms. The query alone is timed too (``feeds_render_query_ms``), and
  the feed's size is given.

``python -m bench bench.feeds`` runs it alone. ``build_database`` is shared
with ``bench.feeds_http``.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

import migrations
from bench import Figure, format_figure
from calendars import feeds, ledger
from calendars.settings import FeedSettings
from editorial import people
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Column, Episode, Level, Person, Role, State
from editorial.workdays import SHANGHAI
from schedule import slots
from schedule.models import Airing, AiringStatus, Slot, SlotKind

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Shanghai
RENDERS_ENV = "TVCOLUMN_BENCH_FEED_RENDERS"
DEFAULT_RENDERS = 7
SLUG = "bench-feed"
# (premiere, rerun the next day) local times; a day airs as many pairs as asked.
PAIRS = (
    (clock(19, 30), clock(8, 0)),
    (clock(20, 0), clock(12, 30)),
    (clock(21, 0), clock(14, 0)),
    (clock(22, 0), clock(16, 30)),
    (clock(22, 45), clock(6, 30)),
)
DURATION = timedelta(minutes=25)
FIRST_DAY_BACK = 25  # the first premiere, in days before today: well inside the window
TITLES = (
    "党员先锋岗：在抗洪一线的第{n}天",
    "茶山上的科技致富路（{n}）",
    "村党支部书记的一天 第{n}期",
    "“先锋工程”建设纪实之{n}",
    "远程教育进万家：基层党员学习站点巡礼 {n}",
)


def log(message: str) -> None:
    print(f"bench.feeds: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class FeedInstance:
    url: str
    slug: str
    airings: int
    now: datetime


def _people(session: Session, column: Column, now: datetime) -> tuple[Person, Person, Person]:
    made = []
    for username, name, role in (
        ("bench.director", "编导甲", Role.EDITOR_DIRECTOR),
        ("bench.producer", "制片人乙", Role.PRODUCER),
        ("bench.scheduler", "编排丙", Role.SCHEDULER),
    ):
        person = people.create_person(session, now, username=username, display_name=name)
        people.grant_role(session, person, column, role, now)
        made.append(person)
    return made[0], made[1], made[2]


def _slots(
    session: Session, column: Column, scheduler: Person, pairs: int, now: datetime
) -> list[tuple[Slot, Slot]]:
    made = []
    first = now.astimezone(SHANGHAI).date() - timedelta(days=FIRST_DAY_BACK)
    for i, (premiere_at, rerun_at) in enumerate(PAIRS[:pairs]):
        spec = slots.SlotSpec(
            name=f"首播{i + 1}",
            kind=SlotKind.PREMIERE,
            local_start=premiere_at,
            duration_s=int(DURATION.total_seconds()),
            rrule="FREQ=DAILY",
            first_date=first,
        )
        premiere = slots.create_slot(session, scheduler, column, now, spec)
        rerun_spec = slots.SlotSpec(
            name=f"重播{i + 1}",
            kind=SlotKind.RERUN,
            local_start=rerun_at,
            duration_s=int(DURATION.total_seconds()),
            rrule="FREQ=DAILY",
            first_date=first + timedelta(days=1),
            rerun_of=premiere,
        )
        made.append((premiere, slots.create_slot(session, scheduler, column, now, rerun_spec)))
    return made


def _at(day: date, local: clock) -> datetime:
    return datetime.combine(day, local, SHANGHAI).astimezone(UTC)


def populate(session: Session, airings: int, now: datetime = NOW) -> Column:
    """A column whose slots air ``airings`` times (an even number) inside the window."""
    days = 200
    pairs, rest = divmod(airings, 2 * days)
    if rest or not 1 <= pairs <= len(PAIRS):
        raise ValueError(f"airings must be 400, 800, … {2 * days * len(PAIRS)}, not {airings}")
    column = people.create_column(
        session,
        now,
        slug=SLUG,
        name="时代风采",
        level=Level.CITY,
        station="市电视台",
        channel="新闻综合频道",
    )
    director, producer, scheduler = _people(session, column, now)
    slot_pairs = _slots(session, column, scheduler, pairs, now)
    first = now.astimezone(SHANGHAI).date() - timedelta(days=FIRST_DAY_BACK)
    episodes: list[dict[str, Any]] = []
    premieres: list[dict[str, Any]] = []
    reruns: list[dict[str, Any]] = []
    for d in range(days):
        day = first + timedelta(days=d)
        for p, (premiere_slot, rerun_slot) in enumerate(slot_pairs):
            n = len(episodes) + 1
            episodes.append(
                {
                    "id": n,
                    "column_id": column.id,
                    "title": TITLES[n % len(TITLES)].format(n=n),
                    "synopsis": "",
                    "target_duration_s": int(DURATION.total_seconds()),
                    "director_id": director.id,
                    "responsible_producer_id": producer.id,
                    "state": State.APPROVED,
                    "version": 8,
                    "state_entered_at": now - timedelta(days=40),
                    "created_at": now - timedelta(days=60),
                }
            )
            for rows, slot, kind, on, premiere_id in (
                (premieres, premiere_slot, SlotKind.PREMIERE, day, None),
                (reruns, rerun_slot, SlotKind.RERUN, day + timedelta(days=1), n),
            ):
                starts = _at(on, PAIRS[p][0] if kind is SlotKind.PREMIERE else PAIRS[p][1])
                rows.append(
                    {
                        "id": n if kind is SlotKind.PREMIERE else 100_000 + n,
                        "slot_id": slot.id,
                        "episode_id": n,
                        "kind": kind,
                        "premiere_id": premiere_id,
                        "starts_at": starts,
                        "ends_at": starts + DURATION,
                        "status": AiringStatus.AIRED if starts < now else AiringStatus.PUBLISHED,
                        "published_at": now - timedelta(days=30),
                        "created_at": now - timedelta(days=30),
                        "updated_at": now - timedelta(days=30),
                    }
                )
    session.execute(insert(Episode), episodes)
    session.execute(insert(Airing), premieres)
    session.execute(insert(Airing), reruns)
    session.flush()
    return column


def build_database(path: Path, airings: int, now: datetime = NOW) -> FeedInstance:
    """A migrated SQLite file at ``path`` with the column, its airings, and no ledger yet."""
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrations.upgrade(engine)
        with make_sessionmaker(engine)() as session, session.begin():
            populate(session, airings, now)
    finally:
        engine.dispose()
    return FeedInstance(f"sqlite:///{path}", SLUG, airings, now)


def sync_ledger(engine: Engine, now: datetime) -> tuple[int, float, float]:
    """The first sync: (events changed, seconds for the sync, seconds for the commit)."""
    with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        changed = ledger.sync(session, now)
        synced = time.perf_counter()
        session.commit()
        return changed, synced - started, time.perf_counter() - synced


@dataclass(frozen=True)
class Miss:
    seconds: float
    query_seconds: float
    events: int
    size: int


# All 2,000 events, as the figure asks: at about 660 bytes each they are over the
# 900 KB a served feed is cut to (FeedSettings.max_feed_bytes), which would keep 1,356.
WHOLE = FeedSettings(max_feed_bytes=10**9)


def cache_miss(engine: Engine, slug: str, now: datetime) -> Miss:
    """What ``web.feeds`` does when its cache misses: a session, the column, the render.

    The query alone (``feeds.events``) is timed again in a second session.
    """
    span = feeds.window(now, settings=WHOLE)
    with make_sessionmaker(engine)() as session:
        started = time.perf_counter()
        column = session.scalars(select(Column).where(Column.slug == slug)).one()
        rendering = feeds.render(session, feeds.column_feed(column), span, WHOLE)
        seconds = time.perf_counter() - started
    with make_sessionmaker(engine)() as session:
        feed = feeds.column_feed(session.scalars(select(Column).where(Column.slug == slug)).one())
        started = time.perf_counter()
        feeds.events(session, feed, span, WHOLE)
        query_seconds = time.perf_counter() - started
    return Miss(seconds, query_seconds, rendering.events, len(rendering.body))


def renders_from_env() -> int:
    raw = os.environ.get(RENDERS_ENV, str(DEFAULT_RENDERS))
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"{RENDERS_ENV}={raw!r} is not a whole number") from None
    if n < 1:
        raise SystemExit(f"{RENDERS_ENV} must be at least 1, not {n}")
    return n


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def run(airings: int = 2000) -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-feeds-") as tmp:
        log(f"building a column with {airings} airings")
        instance = build_database(Path(tmp) / "feeds.sqlite3", airings)
        engine = make_engine(instance.url)
        try:
            changed, sync_s, commit_s = sync_ledger(engine, instance.now)
            if changed != airings:
                raise AssertionError(f"the first sync changed {changed} events, not {airings}")
            with make_sessionmaker(engine)() as session:
                started = time.perf_counter()
                again = ledger.sync(session, instance.now)
                unchanged_s = time.perf_counter() - started
                session.commit()
            if again != 0:
                raise AssertionError(f"a sync with nothing changed changed {again} events")
            repeats = renders_from_env()
            log(f"rendering the {airings}-event feed {repeats} times (cache misses)")
            misses = [cache_miss(engine, instance.slug, instance.now) for _ in range(repeats)]
        finally:
            engine.dispose()
    if {m.events for m in misses} != {airings}:
        raise AssertionError(f"the feed shows {misses[0].events} events, not {airings}")
    seconds = sorted(m.seconds for m in misses)
    return [
        ("feeds_airings", airings, "airings"),
        ("feeds_sync_first_seconds", round(sync_s, 3), "s"),
        ("feeds_sync_commit_seconds", round(commit_s, 3), "s"),
        ("feeds_sync_unchanged_seconds", round(unchanged_s, 3), "s"),
        ("feeds_render_repeats", repeats, "renders"),
        ("feeds_render_ms", _ms(statistics.median(seconds)), "ms"),
        ("feeds_render_ms_min", _ms(seconds[0]), "ms"),
        ("feeds_render_ms_max", _ms(seconds[-1]), "ms"),
        ("feeds_render_query_ms", _ms(statistics.median(m.query_seconds for m in misses)), "ms"),
        ("feeds_render_events", misses[0].events, "events"),
        ("feeds_render_kb", round(misses[0].size / 1024, 1), "KB"),
    ]


if __name__ == "__main__":
    for figure in run():
        print(format_figure(figure))
