"""Deterministic instances of the schedule-building problem, for the schedule benchmark.

An instance is planned as plain data first (``province_plan``, ``small_plan``:
the same seed gives the same plan, byte for byte) and then written into a
session (``write``): columns (``people.create_column``), a director, a
producer and a scheduler per column, slots through ``slots.create_slot`` (so
every slot passes the same checks a scheduler's does; each column airs on its
own station, so slots of different columns never share a channel), series
rows, and the episodes.

Approved episodes are inserted directly in the approved state with one bulk
insert instead of being walked through the seven workflow acts: the builder
reads only ``Episode.state`` and the fields, so the history rows such a walk
writes (seven per episode) are left out. Nothing in the schedule reads them.

Province scale (``province_plan``): 100 columns, each with 2 to 4 premiere
occurrences a week (one premiere slot, or two of different lengths) and one or
two rerun slots, over one year from 1 January 2027; 5,000 approved episodes,
200 series of 2 to 5 parts, 30% of the episodes with an air-by date. Some
series cannot air (a part still in production, or a part too long for the
slot); some episodes fit no slot (too long or too short); a few are offered
for exchange.

Small scale (``small_plan``): 1 to 3 columns with about 40 premiere
occurrences in all and about 50 episodes, so not everything fits; up to two
series; about a third of the standalone episodes with an air-by date; no
exchange offers. These are the instances the exact CP-SAT reference solves.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from editorial import people
from editorial.models import Episode, Level, Person, Role, Series, State
from schedule import slots
from schedule.models import Slot, SlotKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
MIN_FILL = 0.8  # the builder's defaults: what "fits" means when planning durations
OVER_TOLERANCE_S = 30

PROVINCE_SEED = 2027
PROVINCE_START = date(2027, 1, 1)
PROVINCE_DAYS = 366
PROVINCE_COLUMNS = 100
PROVINCE_EPISODES = 5_000
PROVINCE_SERIES = 200
PROVINCE_AIR_BY_SHARE = 0.30
PROVINCE_SLOT_LENGTHS = (900, 1200, 1500, 1800, 2400)
SPRING_FESTIVAL_2027 = tuple(date(2027, 2, 6) + timedelta(days=i) for i in range(7))
PARTY_DAY_2027 = date(2027, 7, 1)

SMALL_START = date(2027, 3, 1)  # a Monday
SMALL_OCCURRENCES = 40
SMALL_EPISODES = 50
SMALL_SLOT_LENGTHS = (1200, 1500, 1800)
SMALL_MISFIT_SHARE = 0.15
SMALL_AIR_BY_SHARE = 0.3


@dataclass(frozen=True)
class SlotPlan:
    name: str
    kind: SlotKind
    weekdays: tuple[int, ...]  # 0 = Monday
    local_start: time
    duration_s: int
    rerun_of: int | None = None  # index of the premiere slot in the column's slots
    exceptions: tuple[date, ...] = ()
    extra_dates: tuple[date, ...] = ()

    @property
    def rrule(self) -> str:
        return "FREQ=WEEKLY;BYDAY=" + ",".join(WEEKDAYS[d] for d in sorted(self.weekdays))


@dataclass(frozen=True)
class SeriesPlan:
    title: str
    parts: int
    start_by: date
    slot: int  # the premiere slot the parts were cut for


@dataclass(frozen=True)
class EpisodePlan:
    title: str
    duration_s: int
    air_by: date | None = None
    series: int | None = None  # index in the column's series
    part: int | None = None
    approved: bool = True
    offered_for_exchange: bool = False


@dataclass(frozen=True)
class ColumnPlan:
    slug: str
    name: str
    level: Level
    station: str
    slots: tuple[SlotPlan, ...]
    series: tuple[SeriesPlan, ...]
    episodes: tuple[EpisodePlan, ...]


@dataclass(frozen=True)
class InstancePlan:
    name: str
    now: datetime
    start: date  # first day of the horizon (local)
    days: int  # the horizon is [start, start + days)
    columns: tuple[ColumnPlan, ...]

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days)

    @property
    def approved_episodes(self) -> int:
        return sum(e.approved for c in self.columns for e in c.episodes)


@dataclass(frozen=True)
class Instance:
    """What ``write`` stored: the ids to build for and the horizon."""

    name: str
    now: datetime
    start: date
    end: date  # exclusive
    column_ids: tuple[int, ...]
    slot_ids: tuple[int, ...]
    approved_episodes: int
    other_episodes: int
    series: int

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_at(self) -> datetime:
        """Local midnight at the start of the horizon, in UTC."""
        return local_midnight(self.start)

    @property
    def end_at(self) -> datetime:
        return local_midnight(self.end)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SHANGHAI).astimezone(UTC)


def fits(duration_s: int, slot_duration_s: int) -> bool:
    return slot_duration_s * MIN_FILL <= duration_s <= slot_duration_s + OVER_TOLERANCE_S


def _round5(seconds: float) -> int:
    return max(5, 5 * round(seconds / 5))


def fitting_duration(rng: random.Random, slot_duration_s: int) -> int:
    low = 5 * math.ceil(slot_duration_s * MIN_FILL / 5)
    high = 5 * ((slot_duration_s + OVER_TOLERANCE_S) // 5)
    return 5 * rng.randint(low // 5, high // 5)


def misfit_duration(rng: random.Random, slot_duration_s: int) -> int:
    """A duration that fits no slot of this length: too long or too short."""
    if rng.random() < 0.5:
        return _round5(slot_duration_s + OVER_TOLERANCE_S + rng.randint(30, 600))
    return _round5(slot_duration_s * rng.uniform(0.3, MIN_FILL - 0.05))


def episode_duration(rng: random.Random, slot_duration_s: int, misfit_share: float) -> int:
    if rng.random() < misfit_share:
        return misfit_duration(rng, slot_duration_s)
    return fitting_duration(rng, slot_duration_s)


def split(total: int, weights: list[float], rng: random.Random) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainders, ties by chance)."""
    whole = sum(weights)
    raw = [total * w / whole for w in weights]
    counts = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (raw[i] - counts[i], rng.random()), reverse=True)
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _premiere_slots(
    rng: random.Random, weekly: int, lengths: tuple[int, ...], split_share: float
) -> list[SlotPlan]:
    """One premiere slot airing ``weekly`` days, or two of different lengths sharing them."""
    days = sorted(rng.sample(range(7), weekly))
    if weekly >= 2 and rng.random() < split_share:
        first_len, second_len = rng.sample(lengths, 2)
        cut = rng.randint(1, weekly - 1)
        return [
            SlotPlan("首播", SlotKind.PREMIERE, tuple(days[:cut]), time(20, 0), first_len),
            SlotPlan("晚间首播", SlotKind.PREMIERE, tuple(days[cut:]), time(21, 0), second_len),
        ]
    return [SlotPlan("首播", SlotKind.PREMIERE, tuple(days), time(20, 0), rng.choice(lengths))]


def _reruns(rng: random.Random, premieres: list[SlotPlan], count: int) -> list[SlotPlan]:
    reruns = []
    for i in range(count):
        source = rng.randrange(len(premieres))
        days = tuple(sorted({(d + 1) % 7 for d in premieres[source].weekdays}))
        reruns.append(
            SlotPlan(
                "重播" if i == 0 else "午间重播",
                SlotKind.RERUN,
                days,
                time(10, 0) if i == 0 else time(13, 0),
                premieres[source].duration_s,
                rerun_of=source,
            )
        )
    return reruns


def _weekly_premieres(slot_plans: list[SlotPlan]) -> int:
    return sum(len(s.weekdays) for s in slot_plans if s.kind is SlotKind.PREMIERE)


def _premiere_indexes(slot_plans: list[SlotPlan]) -> list[int]:
    return [i for i, s in enumerate(slot_plans) if s.kind is SlotKind.PREMIERE]


def _days_on(weekdays: tuple[int, ...], candidates: tuple[date, ...]) -> tuple[date, ...]:
    return tuple(d for d in candidates if d.weekday() in weekdays)


# --- province scale ---------------------------------------------------------------------------


def province_plan(seed: int = PROVINCE_SEED) -> InstancePlan:
    rng = random.Random(seed)
    start, days = PROVINCE_START, PROVINCE_DAYS
    horizon = tuple(start + timedelta(days=i) for i in range(days))

    column_slots: list[list[SlotPlan]] = []
    for _ in range(PROVINCE_COLUMNS):
        premieres = _premiere_slots(rng, rng.randint(2, 4), PROVINCE_SLOT_LENGTHS, 0.4)
        premieres = [
            SlotPlan(
                p.name,
                p.kind,
                p.weekdays,
                p.local_start,
                p.duration_s,
                exceptions=_days_on(p.weekdays, SPRING_FESTIVAL_2027)
                + ((rng.choice(_days_on(p.weekdays, horizon)),) if rng.random() < 0.3 else ()),
                extra_dates=(PARTY_DAY_2027,)
                if rng.random() < 0.1 and PARTY_DAY_2027.weekday() not in p.weekdays
                else (),
            )
            for p in premieres
        ]
        column_slots.append(premieres + _reruns(rng, premieres, rng.randint(1, 2)))

    weekly = [_weekly_premieres(cs) for cs in column_slots]
    per_column = split(PROVINCE_EPISODES, [w * rng.uniform(0.8, 1.2) for w in weekly], rng)

    series_columns = [rng.choices(range(PROVINCE_COLUMNS), weights=weekly)[0] for _ in range(200)]
    series_of: list[list[SeriesPlan]] = [[] for _ in range(PROVINCE_COLUMNS)]
    series_episodes: list[list[EpisodePlan]] = [[] for _ in range(PROVINCE_COLUMNS)]
    for n, c in enumerate(series_columns, start=1):
        slot = rng.choice(_premiere_indexes(column_slots[c]))
        length = column_slots[c][slot].duration_s
        parts = rng.randint(2, 5)
        index = len(series_of[c])
        series_of[c].append(
            SeriesPlan(
                f"重大题材连续报道{n}",
                parts,
                start + timedelta(days=rng.randint(14, 300)),
                slot,
            )
        )
        missing = rng.randint(1, parts) if rng.random() < 0.05 else None
        too_long = rng.randint(1, parts) if rng.random() < 0.05 else None
        for part in range(1, parts + 1):
            duration = fitting_duration(rng, length)
            if part == too_long:
                duration = _round5(length + OVER_TOLERANCE_S + rng.randint(60, 300))
            series_episodes[c].append(
                EpisodePlan(
                    f"重大题材连续报道{n}（{part}）",
                    duration,
                    series=index,
                    part=part,
                    approved=part != missing,
                )
            )

    approved_series_parts = sum(e.approved for eps in series_episodes for e in eps)
    standalone_total = PROVINCE_EPISODES - approved_series_parts
    standalone = split(
        standalone_total,
        [max(0, per_column[c] - len(series_episodes[c])) + 0.01 for c in range(PROVINCE_COLUMNS)],
        rng,
    )
    air_by_left = round(PROVINCE_EPISODES * PROVINCE_AIR_BY_SHARE)
    columns = []
    number = 0
    for c in range(PROVINCE_COLUMNS):
        lengths = [s.duration_s for s in column_slots[c] if s.kind is SlotKind.PREMIERE]
        episodes = list(series_episodes[c])
        for _ in range(standalone[c]):
            number += 1
            air_by = None
            if rng.random() < air_by_left / max(1, standalone_total - number + 1):
                air_by = start + timedelta(days=rng.randint(3, days - 1))
                air_by_left -= 1
            episodes.append(
                EpisodePlan(
                    f"基层党建纪实 第{number}集",
                    episode_duration(rng, rng.choice(lengths), 0.12),
                    air_by=air_by,
                    offered_for_exchange=rng.random() < 0.02,
                )
            )
        level = Level.CITY if c == 0 else Level.COUNTY
        columns.append(
            ColumnPlan(
                slug=f"p-col-{c + 1:03d}",
                name="时代风采" if c == 0 else f"县级党建栏目{c}",
                level=level,
                station="市电视台" if c == 0 else f"县电视台{c}",
                slots=tuple(column_slots[c]),
                series=tuple(series_of[c]),
                episodes=tuple(episodes),
            )
        )
    now = datetime(2026, 12, 31, 1, 0, tzinfo=UTC)  # 09:00 the day before the horizon
    return InstancePlan("province", now, start, days, tuple(columns))


# --- small scale ------------------------------------------------------------------------------


def small_plan(seed: int) -> InstancePlan:
    rng = random.Random(seed)
    start = SMALL_START
    n_columns = rng.randint(1, 3)
    column_slots = []
    for _ in range(n_columns):
        premieres = _premiere_slots(rng, rng.randint(1, 3), SMALL_SLOT_LENGTHS, 0.6)
        reruns = _reruns(rng, premieres, 1) if rng.random() < 0.5 else []
        column_slots.append(premieres + reruns)
    weekly = [_weekly_premieres(cs) for cs in column_slots]
    weeks = max(2, round(SMALL_OCCURRENCES / sum(weekly)))
    days = 7 * weeks
    horizon = tuple(start + timedelta(days=i) for i in range(days))
    # An occasional preemption.
    for cs in column_slots:
        for i, s in enumerate(cs):
            if s.kind is SlotKind.PREMIERE and rng.random() < 0.2:
                cs[i] = SlotPlan(
                    s.name,
                    s.kind,
                    s.weekdays,
                    s.local_start,
                    s.duration_s,
                    exceptions=(rng.choice(_days_on(s.weekdays, horizon)),),
                )
    per_column = split(
        rng.randint(SMALL_EPISODES - 5, SMALL_EPISODES + 5), [float(w) for w in weekly], rng
    )
    series_count = rng.choices((0, 1, 2), weights=(0.3, 0.5, 0.2))[0]
    columns = []
    number = 0
    series_left = series_count
    for c in range(n_columns):
        premiere_indexes = _premiere_indexes(column_slots[c])
        series: list[SeriesPlan] = []
        episodes: list[EpisodePlan] = []
        while series_left and (c == n_columns - 1 or rng.random() < 0.5):
            series_left -= 1
            slot = rng.choice(premiere_indexes)
            length = column_slots[c][slot].duration_s
            parts = rng.randint(2, 3)
            series.append(
                SeriesPlan(
                    f"连续报道{len(series) + 1}",
                    parts,
                    start + timedelta(days=rng.randint(0, days // 2)),
                    slot,
                )
            )
            for part in range(1, parts + 1):
                episodes.append(
                    EpisodePlan(
                        f"连续报道{len(series)}（{part}）",
                        fitting_duration(rng, length),
                        series=len(series) - 1,
                        part=part,
                    )
                )
        for _ in range(max(0, per_column[c] - len(episodes))):
            number += 1
            length = column_slots[c][rng.choice(premiere_indexes)].duration_s
            duration = episode_duration(rng, length, SMALL_MISFIT_SHARE)
            air_by = None
            if fits(duration, length) and rng.random() < SMALL_AIR_BY_SHARE:
                air_by = start + timedelta(days=rng.randint(7, days - 1))
            episodes.append(EpisodePlan(f"纪实 第{number}集", duration, air_by))
        columns.append(
            ColumnPlan(
                slug=f"s{seed:03d}-col-{c + 1}",
                name=f"小栏目{c + 1}",
                level=Level.COUNTY,
                station=f"测试台{seed}-{c + 1}",
                slots=tuple(column_slots[c]),
                series=tuple(series),
                episodes=tuple(episodes),
            )
        )
    now = local_midnight(start) - timedelta(hours=15)  # 09:00 the day before
    return InstancePlan(f"small-{seed}", now, start, days, tuple(columns))


# --- writing ----------------------------------------------------------------------------------


def _person(session: Session, plan: ColumnPlan, column: Any, role: Role, tag: str) -> Person:
    person = people.create_person(
        session, column.created_at, username=f"{plan.slug}-{tag}", display_name=f"{plan.name}{tag}"
    )
    people.grant_role(session, person, column, role, column.created_at)
    return person


def write(session: Session, plan: InstancePlan) -> Instance:
    """Store the planned instance; flushes, never commits."""
    now = plan.now
    column_ids: list[int] = []
    slot_ids: list[int] = []
    rows: list[dict[str, Any]] = []
    series_total = 0
    for cp in plan.columns:
        column = people.create_column(
            session,
            now,
            slug=cp.slug,
            name=cp.name,
            level=cp.level,
            station=cp.station,
            channel="综合频道",
        )
        column_ids.append(column.id)
        director = _person(session, cp, column, Role.EDITOR_DIRECTOR, "director")
        producer = _person(session, cp, column, Role.PRODUCER, "producer")
        scheduler = _person(session, cp, column, Role.SCHEDULER, "scheduler")
        made: list[Slot] = []
        for sp in cp.slots:
            spec = slots.SlotSpec(
                name=sp.name,
                kind=sp.kind,
                local_start=sp.local_start,
                duration_s=sp.duration_s,
                rrule=sp.rrule,
                first_date=plan.start,
                rerun_of=None if sp.rerun_of is None else made[sp.rerun_of],
                exceptions=dict.fromkeys(sp.exceptions, "重大活动直播，停播"),
                extra_dates=sp.extra_dates,
            )
            made.append(slots.create_slot(session, scheduler, column, now, spec))
        slot_ids.extend(s.id for s in made)
        series_rows = [
            Series(
                column_id=column.id,
                title=s.title,
                parts=s.parts,
                start_by=s.start_by,
                created_at=now,
            )
            for s in cp.series
        ]
        session.add_all(series_rows)
        session.flush()
        series_total += len(series_rows)
        for ep in cp.episodes:
            rows.append(
                {
                    "column_id": column.id,
                    "title": ep.title,
                    "topic": "基层党建",
                    "synopsis": "",
                    "genre": "纪实",
                    "target_duration_s": ep.duration_s,
                    "director_id": director.id,
                    "responsible_producer_id": producer.id,
                    "air_by": ep.air_by,
                    "series_id": None if ep.series is None else series_rows[ep.series].id,
                    "part_number": ep.part,
                    "state": State.APPROVED if ep.approved else State.IN_PRODUCTION,
                    "version": 1,
                    "review_round": 1 if ep.approved else 0,
                    "state_entered_at": now,
                    "review_due": None,
                    "review_due_estimated": False,
                    "media_version": 1 if ep.approved else None,
                    "offered_for_exchange": ep.offered_for_exchange,
                    "created_at": now,
                }
            )
    if rows:
        session.execute(insert(Episode), rows)
    session.flush()
    approved = plan.approved_episodes
    return Instance(
        name=plan.name,
        now=now,
        start=plan.start,
        end=plan.end,
        column_ids=tuple(column_ids),
        slot_ids=tuple(slot_ids),
        approved_episodes=approved,
        other_episodes=len(rows) - approved,
        series=series_total,
    )
