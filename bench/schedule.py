"""The schedule builder at province scale, and against an exact CP-SAT reference.

Province (``bench.schedule_instances.province_plan``): 100 columns, one year,
5,000 approved episodes, 200 series. The instance is generated and committed
to a fresh SQLite file by a child process, so this process holds nothing of
the generator. Then the whole year is built here, ``TVCOLUMN_BENCH_BUILD_REPEATS``
times (default 3), each on a fresh copy of that file in a fresh session:
``schedule_province_build_seconds`` is the median of ``time.perf_counter``
around ``build()`` alone (its flush included; the commit is timed apart), and
``..._cpu_seconds`` the same by ``time.process_time``, less sensitive to other
load on the machine. Peak memory is this process's resident high-water mark
during the first build (on Linux the mark is reset just before it through
``/proc/self/clear_refs``), so it includes the interpreter and the loaded
libraries; the growth over the resident size just before the build is
reported too. The whole benchmark runs pinned to one CPU (the idlest).

The province's builder schedule is scored by ``schedule_reference.evaluate``
(rules, missed air-by dates), and each column is solved exactly by CP-SAT
without exchange (columns are independent then) and compared with the
builder's own-column placements; ``TVCOLUMN_BENCH_PROVINCE_OPTIMUM=0`` skips
that (about 90 s).

Reference (``TVCOLUMN_BENCH_SCHEDULE_INSTANCES`` small instances, default 50):
each is written into a SQLite database, built by the builder, and rolled back;
the same problem is solved exactly by ``schedule_reference.solve`` with one
CP-SAT worker and a time limit (``TVCOLUMN_BENCH_CPSAT_SECONDS``, default
10 s). Both schedules are scored by the same rules: missed air-by dates, then
unscheduled approved episodes (the issue's order). "The optimum misses
nothing" means it misses no air-by date (with about 50 episodes for about 40
occurrences some episodes always stay unscheduled). A second exact solve puts
the most series placed first, the order ``schedule.builder_plan`` states;
``schedule_reference_series_first_equal_all`` counts the instances where the
builder matches that optimum on all three counts. The speed ratio is the
CP-SAT time (model and solve, issue's order) over the builder's time (loading,
building and flushing), summed over the instances.

``python -m bench.schedule --explain SEED`` shrinks a small instance on which
the builder and the optimum differ to a minimal one and prints both schedules.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

import migrations
from bench import Figure, format_figure
from bench import schedule_instances as instances
from bench.schedule_reference import (
    DEFAULT_TIME_LIMIT_S,
    OccurrenceKey,
    Problem,
    Score,
    Solution,
    evaluate,
    load_problem,
    premieres_of,
    solve,
)
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Person
from schedule import publishing
from schedule.models import Airing, AiringStatus, FillSwitch, Slot, SlotKind

INSTANCES_ENV = "TVCOLUMN_BENCH_SCHEDULE_INSTANCES"
CPSAT_SECONDS_ENV = "TVCOLUMN_BENCH_CPSAT_SECONDS"
BUILD_REPEATS_ENV = "TVCOLUMN_BENCH_BUILD_REPEATS"
PROVINCE_OPTIMUM_ENV = "TVCOLUMN_BENCH_PROVINCE_OPTIMUM"
DEFAULT_INSTANCES = 50
DEFAULT_BUILD_REPEATS = 3
BOTH = (False, True)
BUILDER = "schedule.builder"
MIB = 1024 * 1024
# The builder never places a standalone episode after its air-by date
# (schedule.builder_plan); the reference follows it. A late series part counts as missed.
LATE_PREMIERES = False


class BuilderMissing(RuntimeError):
    pass


def log(message: str) -> None:
    print(f"bench.schedule: {message}", file=sys.stderr, flush=True)


def env_number(name: str, default: float, kind: Callable[[str], float]) -> float:
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a number") from None
    if value <= 0:
        raise SystemExit(f"{name} must be positive, not {raw}")
    return value


def _idle_ticks() -> dict[int, int]:
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            lines = [line.split() for line in stat if line.startswith("cpu")]
    except OSError:
        return {}
    return {int(f[0][3:]): int(f[4]) + int(f[5]) for f in lines if f[0] != "cpu"}


def pin_to_one_core() -> int | None:
    """Run this process (and its children) on one CPU, the idlest over a short look.

    Returns the CPU, or None where pinning is not supported.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    allowed = os.sched_getaffinity(0)
    first = _idle_ticks()
    time.sleep(0.5)
    last = _idle_ticks()
    cpu = max(sorted(allowed), key=lambda c: last.get(c, 0) - first.get(c, 0))
    os.sched_setaffinity(0, {cpu})
    return cpu


# --- memory -----------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def rss_mib() -> float | None:
    kib = _status_kib("VmRSS")
    return None if kib is None else kib / 1024


def reset_peak_rss() -> bool:
    """Reset the resident high-water mark (Linux ≥ 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
    except OSError:
        return False
    return True


def peak_rss_mib() -> float:
    kib = _status_kib("VmHWM")
    if kib is not None:
        return kib / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


# --- the builder ------------------------------------------------------------------------------


def builder_module() -> ModuleType:
    try:
        module = importlib.import_module(BUILDER)
    except ModuleNotFoundError as error:
        if error.name != BUILDER:
            raise
        raise BuilderMissing(
            f"{BUILDER} does not exist yet: the schedule builder "
            "(build(session, now, *, column_ids, start, end, settings)) is missing"
        ) from None
    if not hasattr(module, "build") or not hasattr(module, "BuildSettings"):
        raise BuilderMissing(f"{BUILDER} has no build() or BuildSettings")
    return module


@dataclass(frozen=True)
class BuildResult:
    seconds: float
    cpu_seconds: float
    airings: int
    unscheduled: int
    assignment: dict[int, OccurrenceKey]


def build(
    builder: ModuleType,
    session: Session,
    instance: instances.Instance,
    frozen_days: int = 0,
    now: datetime | None = None,
) -> BuildResult:
    """Build the instance's columns over its horizon (from ``now``'s day when given);
    timed around build() alone."""
    settings = builder.BuildSettings(horizon_days=instance.days, frozen_days=frozen_days)
    started, cpu_started = time.perf_counter(), time.process_time()
    result = builder.build(
        session,
        now or instance.now,
        column_ids=list(instance.column_ids),
        start=instance.start if now is None else None,
        end=instance.end - timedelta(days=1),  # the builder's end day is inclusive
        settings=settings,
    )
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return BuildResult(
        seconds,
        cpu_seconds,
        int(result.airings),
        int(result.unscheduled),
        premieres_of(session, instance.slot_ids),
    )


# --- province scale ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    instance: instances.Instance
    seconds: float
    peak_rss_mib: float


def generate_province(db_url: str) -> Generated:
    """Migrate a fresh database and commit the province instance (run in a child process)."""
    engine = make_engine(db_url)
    try:
        migrations.upgrade(engine)
        started = time.perf_counter()
        plan = instances.province_plan()
        with make_sessionmaker(engine)() as session, session.begin():
            instance = instances.write(session, plan)
        seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return Generated(instance, seconds, peak_rss_mib())


@contextmanager
def sqlite_engine(path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{path}")
    try:
        yield engine
    finally:
        engine.dispose()


def copy_database(source: Path, target: Path) -> None:
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def province(tmp: Path, builder: ModuleType | None) -> list[Figure]:
    db = tmp / "province.sqlite3"
    log("generating the province instance in a child process")
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        generated = pool.submit(generate_province, f"sqlite:///{db}").result()
    instance = generated.instance
    figures: list[Figure] = [
        ("schedule_province_columns", len(instance.column_ids), "columns"),
        ("schedule_province_approved_episodes", instance.approved_episodes, "episodes"),
        ("schedule_province_series", instance.series, "series"),
        ("schedule_province_generate_seconds", round(generated.seconds, 2), "s"),
        ("schedule_province_generate_peak_rss_mib", round(generated.peak_rss_mib, 1), "MiB"),
    ]
    if builder is None:
        return figures
    repeats = int(env_number(BUILD_REPEATS_ENV, DEFAULT_BUILD_REPEATS, int))
    runs: list[tuple[BuildResult, float, float, float | None]] = []
    for i in range(repeats):
        copy = tmp / f"province-build-{i}.sqlite3"
        copy_database(db, copy)
        log(f"building {instance.days} days for {len(instance.column_ids)} columns ({i + 1})")
        with sqlite_engine(copy) as engine, make_sessionmaker(engine)() as session:
            gc.collect()
            before = rss_mib() if reset_peak_rss() else None
            result = build(builder, session, instance)
            peak = peak_rss_mib()
            started = time.perf_counter()
            session.commit()
            runs.append((result, time.perf_counter() - started, peak, before))
        log(
            f"build {i + 1}: {result.seconds:.3f} s ({result.cpu_seconds:.3f} s CPU), "
            f"peak RSS {peak:.0f} MiB"
        )
    result, commit_seconds, peak, before = runs[0]
    seconds = sorted(r.seconds for r, *_ in runs)
    cpu_seconds = sorted(r.cpu_seconds for r, *_ in runs)
    differing = sum(r.assignment != result.assignment for r, *_ in runs[1:])

    with sqlite_engine(db) as engine, make_sessionmaker(engine)() as session:
        problem = load_problem(
            session,
            instance.column_ids,
            instance.start_at,
            instance.end_at,
            late=LATE_PREMIERES,
            exchange=True,
        )
    with (
        sqlite_engine(tmp / "province-build-0.sqlite3") as engine,
        make_sessionmaker(engine)() as session,
    ):
        kinds = Counter(
            {
                (kind, exchange): n
                for kind, exchange, n in session.execute(
                    select(Airing.kind, Airing.exchange, func.count())
                    .where(Airing.status != AiringStatus.CANCELLED)
                    .group_by(Airing.kind, Airing.exchange)
                )
            }
        )
    score = evaluate(problem, result.assignment)
    for violation in score.violations[:10]:
        log(f"province rule broken: {violation}")
    figures += [
        ("schedule_province_premiere_occurrences", len(problem.occurrences), "occurrences"),
        ("schedule_province_build_repeats", repeats, "builds"),
        ("schedule_province_build_seconds", round(seconds[len(seconds) // 2], 3), "s"),
        ("schedule_province_build_seconds_min", round(seconds[0], 3), "s"),
        ("schedule_province_build_seconds_max", round(seconds[-1], 3), "s"),
        ("schedule_province_build_cpu_seconds", round(cpu_seconds[len(seconds) // 2], 3), "s"),
        ("schedule_province_commit_seconds", round(commit_seconds, 3), "s"),
        ("schedule_province_peak_rss_mib", round(peak, 1), "MiB"),
    ]
    if before is not None:
        figures.append(("schedule_province_build_rss_growth_mib", round(peak - before, 1), "MiB"))
    figures += [
        ("schedule_province_repeat_differences", differing, "builds"),
        ("schedule_province_airings", result.airings, "airings"),
        (
            "schedule_province_premieres",
            sum(kinds[(SlotKind.PREMIERE, x)] for x in BOTH),
            "airings",
        ),
        ("schedule_province_reruns", sum(kinds[(SlotKind.RERUN, x)] for x in BOTH), "airings"),
        ("schedule_province_exchange_premieres", kinds[(SlotKind.PREMIERE, True)], "airings"),
        ("schedule_province_unscheduled", result.unscheduled, "episodes"),
        ("schedule_province_missed_deadlines", score.missed_deadlines, "episodes"),
        ("schedule_province_rule_violations", len(score.violations), "violations"),
    ]
    figures += province_fill(tmp, builder, instance, db, len(problem.occurrences))
    if os.environ.get(PROVINCE_OPTIMUM_ENV, "1") != "0":
        figures += province_optimum(problem, instance, result, seconds[len(seconds) // 2])
    return figures


# The late-year rebuild of the fill figures: this many days before the year ends, when the
# year's premieres so far count as aired and its last weeks run short of new episodes.
LATE_DAYS = 21


def province_fill(
    tmp: Path, builder: ModuleType, instance: instances.Instance, db: Path, occurrences: int
) -> list[Figure]:
    """The rerun fill (补播) on and off: the year built with the default frozen horizon,
    then rebuilt ``LATE_DAYS`` before its end (every premiere so far aired): each build's
    seconds and CPU seconds, its fills, and the premiere occurrences of the year left
    empty."""
    frozen = builder.BuildSettings().frozen_days
    late = instance.now + timedelta(days=instance.days - LATE_DAYS)
    figures: list[Figure] = []
    year = tmp / "province-fill-year.sqlite3"
    for fill in (True, False):
        word = "on" if fill else "off"
        copy = tmp / f"province-fill-{word}.sqlite3"
        copy_database(db, copy)
        with sqlite_engine(copy) as engine, make_sessionmaker(engine)() as session:
            if not fill:
                switch_fill_off(session, instance)
            gc.collect()
            first = build(builder, session, instance, frozen_days=frozen)
            session.commit()
            empty_first, fills_first = empties(session, instance, occurrences)
            publishing.publish_frozen(session, late)  # as the service would have by then
            publishing.mark_aired(session, late)
            session.commit()
            gc.collect()
            second = build(builder, session, instance, frozen_days=frozen, now=late)
            session.commit()
            empty_late, fills_late = empties(session, instance, occurrences)
        if fill:
            copy_database(copy, year)
        log(
            f"fill {word}: year {first.seconds:.3f} s ({first.cpu_seconds:.3f} s CPU), "
            f"{empty_first} empty, {fills_first} fills; late rebuild {second.seconds:.3f} s "
            f"({second.cpu_seconds:.3f} s CPU), {empty_late} empty, {fills_late} fills"
        )
        figures += [
            (f"schedule_province_fill_{word}_build_seconds", round(first.seconds, 3), "s"),
            (f"schedule_province_fill_{word}_build_cpu_seconds", round(first.cpu_seconds, 3), "s"),
            (f"schedule_province_fill_{word}_empty_occurrences", empty_first, "occurrences"),
            (f"schedule_province_fill_{word}_fills", fills_first, "airings"),
            (f"schedule_province_fill_{word}_late_build_seconds", round(second.seconds, 3), "s"),
            (
                f"schedule_province_fill_{word}_late_build_cpu_seconds",
                round(second.cpu_seconds, 3),
                "s",
            ),
            (f"schedule_province_fill_{word}_late_empty_occurrences", empty_late, "occurrences"),
            (f"schedule_province_fill_{word}_late_fills", fills_late, "airings"),
        ]
    return figures


def switch_fill_off(session: Session, instance: instances.Instance) -> None:
    """Every column's fill switched off, by the first person, at the instance's ``now``."""
    by = session.scalar(select(func.min(Person.id)))
    session.add_all(
        FillSwitch(column_id=c, fill=False, switched_by_id=by, switched_at=instance.now)
        for c in instance.column_ids
    )
    session.commit()


def empties(session: Session, instance: instances.Instance, occurrences: int) -> tuple[int, int]:
    """The premiere occurrences of the year no live airing takes, and the live fills."""
    taken, fills = session.execute(
        select(func.count(), func.count().filter(Airing.fill.is_(True)))
        .join(Slot, Slot.id == Airing.slot_id)
        .where(
            Slot.kind == SlotKind.PREMIERE,
            Slot.id.in_(instance.slot_ids),
            Airing.status != AiringStatus.CANCELLED,
            Airing.starts_at >= instance.start_at,
            Airing.starts_at < instance.end_at,
        )
    ).one()
    return occurrences - taken, fills


def province_optimum(
    problem: Problem, instance: instances.Instance, result: BuildResult, build_seconds: float
) -> list[Figure]:
    """Each column's own optimum (without exchange) against the builder's own placements."""
    log(f"solving the {len(instance.column_ids)} province columns exactly (1 worker each)")
    own = {e.id: e.column_id for e in problem.episodes}
    slots = {o.slot_id: o.column_id for o in problem.occurrences}
    mine = {e: k for e, k in result.assignment.items() if slots.get(k[0]) == own.get(e)}
    totals = Counter[str]()
    seconds = 0.0
    for column_id in instance.column_ids:
        part = problem.of_column(column_id)
        solution = solve(part, workers=1)
        seconds += solution.seconds
        b = evaluate(part, mine)
        o = solution.score
        totals["optimal"] += solution.optimal
        totals["builder_missed"] += b.missed_deadlines
        totals["builder_unscheduled"] += b.unscheduled
        totals["optimum_missed"] += o.missed_deadlines
        totals["optimum_unscheduled"] += o.unscheduled
        totals["equal"] += (b.missed_deadlines, b.unscheduled) == (
            o.missed_deadlines,
            o.unscheduled,
        )
        if (b.missed_deadlines, b.unscheduled) != (o.missed_deadlines, o.unscheduled):
            log(
                f"province column {column_id}: builder missed {b.missed_deadlines}, left "
                f"{b.unscheduled}; optimum {o.missed_deadlines} and {o.unscheduled}"
            )
    return [
        ("schedule_province_optimum_columns_optimal", totals["optimal"], "columns"),
        ("schedule_province_optimum_columns_equal", totals["equal"], "columns"),
        ("schedule_province_own_missed_deadlines", totals["builder_missed"], "episodes"),
        ("schedule_province_optimum_missed_deadlines", totals["optimum_missed"], "episodes"),
        ("schedule_province_own_unscheduled", totals["builder_unscheduled"], "episodes"),
        ("schedule_province_optimum_unscheduled", totals["optimum_unscheduled"], "episodes"),
        ("schedule_province_cpsat_seconds", round(seconds, 1), "s"),
        ("schedule_province_speed_ratio", round(seconds / build_seconds, 1), "x"),
    ]


# --- the reference comparison -----------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    seed: int
    problem: Problem
    builder: BuildResult | None
    builder_score: Score | None
    optimum: Solution  # fewest missed air-by dates, then fewest unscheduled (the order)
    series_first: Solution  # most series placed first (the builder's stated order)

    @property
    def differs(self) -> bool:
        b = self.builder_score
        o = self.optimum.score
        return b is not None and (
            (b.missed_deadlines, b.unscheduled) != (o.missed_deadlines, o.unscheduled)
            or bool(b.violations)
        )


def compare(
    session: Session,
    plan: instances.InstancePlan,
    builder: ModuleType | None,
    time_limit_s: float,
    seed: int = -1,
) -> Comparison:
    """Write the plan, build it and read the result back, roll back; solve it exactly."""
    try:
        instance = instances.write(session, plan)
        problem = load_problem(
            session, instance.column_ids, instance.start_at, instance.end_at, late=LATE_PREMIERES
        )
        result = None if builder is None else build(builder, session, instance)
    finally:
        session.rollback()
    optimum = solve(problem, time_limit_s, workers=1)
    series_first = solve(problem, time_limit_s, workers=1, series_first=True)
    score = None if result is None else evaluate(problem, result.assignment)
    return Comparison(seed, problem, result, score, optimum, series_first)


def reference(tmp: Path, builder: ModuleType | None) -> list[Figure]:
    n = int(env_number(INSTANCES_ENV, DEFAULT_INSTANCES, int))
    time_limit_s = env_number(CPSAT_SECONDS_ENV, DEFAULT_TIME_LIMIT_S, float)
    log(f"comparing with CP-SAT on {n} small instances (1 worker, {time_limit_s:g} s limit)")
    comparisons = []
    with sqlite_engine(tmp / "reference.sqlite3") as engine:
        migrations.upgrade(engine)
        factory = make_sessionmaker(engine)
        for seed in range(n):
            with factory() as session:
                comparisons.append(
                    compare(session, instances.small_plan(seed), builder, time_limit_s, seed)
                )
    optima = [c.optimum for c in comparisons]
    figures: list[Figure] = [
        ("schedule_reference_instances", n, "instances"),
        (
            "schedule_reference_mean_occurrences",
            round(sum(len(c.problem.occurrences) for c in comparisons) / n, 1),
            "occurrences",
        ),
        (
            "schedule_reference_mean_episodes",
            round(sum(len(c.problem.episodes) for c in comparisons) / n, 1),
            "episodes",
        ),
        ("schedule_reference_cpsat_workers", 1, "threads"),
        ("schedule_reference_optimal", sum(o.optimal for o in optima), "instances"),
        (
            "schedule_reference_optimum_misses_nothing",
            sum(o.score.missed_deadlines == 0 for o in optima),
            "instances",
        ),
        ("schedule_reference_cpsat_seconds", round(sum(o.seconds for o in optima), 3), "s"),
    ]
    if builder is None:
        return figures
    for c in comparisons:
        if c.differs:
            describe_difference(c)
    pairs = [(c.builder_score, c.optimum.score) for c in comparisons if c.builder_score]
    equal_missed = [b.missed_deadlines == o.missed_deadlines for b, o in pairs]
    equal_unscheduled = [b.unscheduled == o.unscheduled for b, o in pairs]
    nothing_missed = [o.missed_deadlines == 0 for _, o in pairs]
    series_first = [
        (b.series_placed, b.missed_deadlines, b.unscheduled)
        == (
            c.series_first.score.series_placed,
            c.series_first.score.missed_deadlines,
            c.series_first.score.unscheduled,
        )
        for c in comparisons
        if (b := c.builder_score) is not None
    ]
    builder_seconds = sum(c.builder.seconds for c in comparisons if c.builder)
    cpsat_seconds = sum(o.seconds for o in optima)
    figures += [
        ("schedule_reference_equal_missed_deadlines", sum(equal_missed), "instances"),
        ("schedule_reference_equal_unscheduled", sum(equal_unscheduled), "instances"),
        (
            "schedule_reference_equal_both",
            sum(m and u for m, u in zip(equal_missed, equal_unscheduled, strict=True)),
            "instances",
        ),
        (
            "schedule_reference_equal_where_optimum_misses_nothing",
            sum(
                m and u and z
                for m, u, z in zip(equal_missed, equal_unscheduled, nothing_missed, strict=True)
            ),
            "instances",
        ),
        (
            "schedule_reference_builder_extra_missed_deadlines",
            sum(b.missed_deadlines - o.missed_deadlines for b, o in pairs),
            "episodes",
        ),
        (
            "schedule_reference_builder_extra_unscheduled",
            sum(b.unscheduled - o.unscheduled for b, o in pairs),
            "episodes",
        ),
        (
            "schedule_reference_builder_rule_violations",
            sum(len(b.violations) for b, _ in pairs),
            "violations",
        ),
        (
            "schedule_reference_builder_count_mismatches",
            sum(
                c.builder.unscheduled != c.builder_score.unscheduled
                for c in comparisons
                if c.builder and c.builder_score
            ),
            "instances",
        ),
        ("schedule_reference_series_first_equal_all", sum(series_first), "instances"),
        ("schedule_reference_builder_seconds", round(builder_seconds, 3), "s"),
        ("schedule_reference_speed_ratio", round(cpsat_seconds / builder_seconds, 2), "x"),
    ]
    return figures


def describe_difference(c: Comparison) -> None:
    assert c.builder_score is not None
    b, o, f = c.builder_score, c.optimum.score, c.series_first.score
    log(
        f"small-{c.seed}: (series placed, missed deadlines, unscheduled): builder "
        f"{(b.series_placed, b.missed_deadlines, b.unscheduled)}, optimum "
        f"{(o.series_placed, o.missed_deadlines, o.unscheduled)} ({c.optimum.status}), "
        f"series-first optimum {(f.series_placed, f.missed_deadlines, f.unscheduled)}"
        + (f"; {len(b.violations)} rules broken: {b.violations[0]}" if b.violations else "")
    )


# --- shrinking a difference to a minimal instance ---------------------------------------------


def _without_episode(plan: instances.InstancePlan, c: int, e: int) -> instances.InstancePlan:
    column = plan.columns[c]
    episodes = column.episodes[:e] + column.episodes[e + 1 :]
    return _with_column(plan, c, dataclasses.replace(column, episodes=episodes))


def _without_series(plan: instances.InstancePlan, c: int, s: int) -> instances.InstancePlan:
    column = plan.columns[c]
    episodes = tuple(
        ep if ep.series is None or ep.series < s else dataclasses.replace(ep, series=ep.series - 1)
        for ep in column.episodes
        if ep.series != s
    )
    series = column.series[:s] + column.series[s + 1 :]
    return _with_column(plan, c, dataclasses.replace(column, series=series, episodes=episodes))


def _without_slot(plan: instances.InstancePlan, c: int, i: int) -> instances.InstancePlan | None:
    column = plan.columns[c]
    if any(s.rerun_of == i for s in column.slots):
        return None
    if sum(s.kind is SlotKind.PREMIERE for s in column.slots) == 1 and (
        column.slots[i].kind is SlotKind.PREMIERE
    ):
        return None
    slots = tuple(
        s
        if s.rerun_of is None or s.rerun_of < i
        else dataclasses.replace(s, rerun_of=s.rerun_of - 1)
        for k, s in enumerate(column.slots)
        if k != i
    )
    return _with_column(plan, c, dataclasses.replace(column, slots=slots))


def _with_column(
    plan: instances.InstancePlan, c: int, column: instances.ColumnPlan
) -> instances.InstancePlan:
    return dataclasses.replace(plan, columns=(*plan.columns[:c], column, *plan.columns[c + 1 :]))


def _smaller(plan: instances.InstancePlan) -> Iterator[instances.InstancePlan]:
    """Plans one step smaller than ``plan``: biggest steps first."""
    if len(plan.columns) > 1:
        for c in range(len(plan.columns)):
            yield dataclasses.replace(plan, columns=plan.columns[:c] + plan.columns[c + 1 :])
    deadlines = [e.air_by for c in plan.columns for e in c.episodes if e.air_by is not None]
    # Every air-by date stays inside the horizon, so a missed one is missed for good.
    shortest = (max(deadlines) - plan.start).days + 1 if deadlines else 1
    if plan.days - 7 >= shortest:
        yield dataclasses.replace(plan, days=plan.days - 7)
    for c, column in enumerate(plan.columns):
        for s in range(len(column.series)):
            yield _without_series(plan, c, s)
        for i in range(len(column.slots)):
            smaller = _without_slot(plan, c, i)
            if smaller is not None:
                yield smaller
        for i, slot in enumerate(column.slots):
            if slot.exceptions:
                yield _with_column(
                    plan,
                    c,
                    dataclasses.replace(
                        column,
                        slots=(
                            *column.slots[:i],
                            dataclasses.replace(slot, exceptions=()),
                            *column.slots[i + 1 :],
                        ),
                    ),
                )
            for d in slot.weekdays if len(slot.weekdays) > 1 else ():
                fewer = dataclasses.replace(
                    slot, weekdays=tuple(x for x in slot.weekdays if x != d)
                )
                yield _with_column(
                    plan,
                    c,
                    dataclasses.replace(
                        column, slots=(*column.slots[:i], fewer, *column.slots[i + 1 :])
                    ),
                )
        for e in range(len(column.episodes)):
            yield _without_episode(plan, c, e)
    if plan.days - 1 >= shortest:
        yield dataclasses.replace(plan, days=plan.days - 1)


def shrink(
    plan: instances.InstancePlan,
    still_differs: Callable[[instances.InstancePlan], bool],
) -> instances.InstancePlan:
    """The smallest plan reached by single steps on which the difference stays."""
    progress = True
    while progress:
        progress = False
        for smaller in _smaller(plan):
            if still_differs(smaller):
                plan, progress = smaller, True
                break
    return plan


def explain(seed: int, time_limit_s: float) -> int:
    builder = builder_module()
    with (
        tempfile.TemporaryDirectory(prefix="tvcolumn-bench-") as tmp,
        sqlite_engine(Path(tmp) / "explain.sqlite3") as engine,
    ):
        migrations.upgrade(engine)
        factory = make_sessionmaker(engine)

        def run_plan(plan: instances.InstancePlan) -> Comparison:
            with factory() as session:
                return compare(session, plan, builder, time_limit_s, seed)

        first = run_plan(instances.small_plan(seed))
        if not first.differs or first.builder_score is None:
            print(f"small-{seed}: the builder equals the optimum")
            return 0
        shape = difference_shape(first.builder_score, first.optimum.score)

        def same_difference(plan: instances.InstancePlan) -> bool:
            c = run_plan(plan)
            return (
                c.differs
                and c.builder_score is not None
                and difference_shape(c.builder_score, c.optimum.score) == shape
            )

        minimal = shrink(instances.small_plan(seed), same_difference)
        print_comparison(minimal, run_plan(minimal))
    return 0


def difference_shape(builder: Score, optimum: Score) -> tuple[int, int, bool]:
    """How the builder differs: more/fewer missed deadlines, unscheduled, rules broken."""
    return (
        (builder.missed_deadlines > optimum.missed_deadlines)
        - (builder.missed_deadlines < optimum.missed_deadlines),
        (builder.unscheduled > optimum.unscheduled) - (builder.unscheduled < optimum.unscheduled),
        bool(builder.violations),
    )


def print_comparison(plan: instances.InstancePlan, c: Comparison) -> None:
    assert c.builder is not None and c.builder_score is not None
    p = c.problem
    print(f"{plan.name}, shrunk: horizon {plan.start} + {plan.days} days")
    for column in plan.columns:
        for slot in column.slots:
            print(
                f"  {column.slug} {slot.name} {slot.kind.value}: {slot.rrule} "
                f"{slot.local_start:%H:%M}, {slot.duration_s} s"
                + (f", exceptions {[str(d) for d in slot.exceptions]}" if slot.exceptions else "")
            )
    for o in p.occurrences:
        print(f"  occurrence {o.local_day} slot {o.slot_id} ({o.duration_s} s, #{o.index})")
    for s in p.series:
        print(f"  series {s.id}: {s.parts} parts, start by {s.start_by}")
    for e in p.episodes:
        print(
            f"  episode {e.id}: {e.duration_s} s"
            + (f", air by {e.air_by}" if e.air_by else "")
            + (f", series {e.series_id} part {e.part}" if e.series_id is not None else "")
        )
    occs = {o.key: o for o in p.occurrences}
    for name, assignment, score in (
        ("builder", c.builder.assignment, c.builder_score),
        (f"optimum ({c.optimum.status})", c.optimum.assignment, c.optimum.score),
    ):
        print(
            f"{name}: missed {score.missed_deadlines}, unscheduled {score.unscheduled}"
            + (f", breaks {list(score.violations)}" if score.violations else "")
        )
        for episode_id, key in sorted(assignment.items(), key=lambda kv: kv[1][1]):
            where = occs.get(key)
            print(f"  {where.local_day if where else key} slot {key[0]}: episode {episode_id}")


# --- the benchmark ----------------------------------------------------------------------------


def run() -> list[Figure]:
    cpu = pin_to_one_core()
    log(f"pinned to CPU {cpu}" if cpu is not None else "cannot pin to one CPU here")
    try:
        builder: ModuleType | None = builder_module()
    except BuilderMissing as missing:
        builder, why = None, str(missing)
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-") as tmp:
        figures = province(Path(tmp), builder)
        figures += reference(Path(tmp), builder)
    if builder is None:
        # Report what could be measured without the builder, then fail naming it.
        for figure in figures:
            print(format_figure(figure), flush=True)
        raise BuilderMissing(why)
    return figures


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.schedule", description=__doc__)
    parser.add_argument("--explain", type=int, metavar="SEED", required=True)
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S)
    args: Any = parser.parse_args(argv)
    return explain(args.explain, args.time_limit)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
