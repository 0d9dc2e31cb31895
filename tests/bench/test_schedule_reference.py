"""The CP-SAT reference finds the known optimum of hand-made instances, and the
scorer applies the builder's rules; the instance generator is deterministic."""

from __future__ import annotations

import importlib.util
import os
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from bench import schedule_instances as instances
from bench.schedule import shrink
from bench.schedule_reference import Ep, Occ, Problem, Ser, evaluate, load_problem, solve
from schedule.models import SlotKind

IN_CI = os.environ.get("CI", "").lower() == "true"
HAVE_ORTOOLS = importlib.util.find_spec("ortools") is not None
DAY = date(2027, 3, 1)
COLUMN = 1


@pytest.fixture
def cp_sat() -> None:
    """Solver tests need OR-Tools: skipped locally without it, a failure under CI."""
    if not HAVE_ORTOOLS:
        if IN_CI:
            pytest.fail("CI=true but ortools is not installed: make installs '.[dev,bench]'")
        pytest.skip("ortools is not installed: pip install -e '.[dev,bench]'")


solver = pytest.mark.usefixtures("cp_sat")


def occ(slot_id: int, index: int, day_offset: int, duration_s: int = 1200) -> Occ:
    day = DAY + timedelta(days=day_offset)
    starts = datetime.combine(day, time(12, 0), tzinfo=UTC)
    return Occ(slot_id, COLUMN, starts, day, duration_s, index)


def weekly(slot_id: int, count: int, duration_s: int = 1200, first_day: int = 0) -> list[Occ]:
    return [occ(slot_id, i, first_day + 7 * i, duration_s) for i in range(count)]


def ep(id_: int, duration_s: int = 1200, air_by: int | None = None, **kw: int) -> Ep:
    deadline = None if air_by is None else DAY + timedelta(days=air_by)
    return Ep(id_, COLUMN, duration_s, deadline, kw.get("series"), kw.get("part"))


@solver
def test_an_episode_that_fits_two_slot_lengths_leaves_the_short_slot_to_one_that_fits_only_it() -> (
    None
):
    # 1210 s fits a 1200 s slot (960..1230) and a 1500 s slot (1200..1530); 1000 s fits only 1200.
    problem = Problem((occ(1, 0, 0, 1200), occ(2, 0, 1, 1500)), (ep(1, 1210), ep(2, 1000)))
    result = solve(problem)
    assert result.optimal
    assert (result.score.missed_deadlines, result.score.unscheduled) == (0, 0)
    assert result.assignment == {1: occ(2, 0, 1, 1500).key, 2: occ(1, 0, 0, 1200).key}


@solver
def test_two_episodes_due_the_first_day_miss_one_deadline_between_them() -> None:
    problem = Problem(tuple(weekly(1, 2)), (ep(1, air_by=0), ep(2, air_by=0), ep(3)))
    result = solve(problem)
    assert result.optimal
    assert (result.score.missed_deadlines, result.score.unscheduled) == (1, 1)


@solver
def test_meeting_a_deadline_outweighs_placing_a_whole_series() -> None:
    # Parts 1-3 must take the first three weeks (start by day 0); episode 9 is due in week 2.
    series = Ser(50, COLUMN, 3, DAY)
    parts = tuple(ep(10 + k, series=50, part=k) for k in (1, 2, 3))
    problem = Problem(tuple(weekly(1, 4)), (*parts, ep(9, air_by=7)), (series,))
    result = solve(problem)
    assert result.optimal
    assert (result.score.missed_deadlines, result.score.unscheduled) == (0, 3)
    assert set(result.assignment) == {9}


@solver
def test_with_series_first_the_series_airs_and_the_deadline_is_missed() -> None:
    series = Ser(50, COLUMN, 3, DAY)
    parts = tuple(ep(10 + k, series=50, part=k) for k in (1, 2, 3))
    problem = Problem(tuple(weekly(1, 4)), (*parts, ep(9, air_by=7)), (series,), late=False)
    result = solve(problem, series_first=True)
    assert result.optimal
    assert (result.score.series_placed, result.score.missed_deadlines) == (1, 1)
    assert result.score.unscheduled == 1


@solver
def test_a_series_airs_in_consecutive_occurrences_of_one_slot_in_part_order() -> None:
    series = Ser(50, COLUMN, 2, DAY + timedelta(days=7))
    parts = (ep(11, series=50, part=1), ep(12, series=50, part=2))
    occs = (*weekly(1, 3), *weekly(2, 3, first_day=1))
    problem = Problem(occs, (*parts, ep(1, air_by=0)), (series,))
    result = solve(problem)
    assert result.optimal
    assert (result.score.missed_deadlines, result.score.unscheduled) == (0, 0)
    assert result.score.violations == ()
    first, second = result.assignment[11], result.assignment[12]
    assert first[0] == second[0] and second[1] - first[1] == timedelta(days=7)


@solver
def test_a_series_with_a_part_not_approved_does_not_air() -> None:
    series = Ser(50, COLUMN, 3, DAY + timedelta(days=30))
    parts = (ep(11, series=50, part=1), ep(13, series=50, part=3))
    result = solve(Problem(tuple(weekly(1, 5)), parts, (series,)))
    assert result.assignment == {}
    assert result.score.unscheduled == 2


@solver
def test_a_late_premiere_counts_as_missed_and_is_refused_when_late_is_off() -> None:
    occs = (occ(1, 0, 3),)
    late = solve(Problem(occs, (ep(1, air_by=2),)))
    assert (late.score.missed_deadlines, late.score.unscheduled) == (1, 0)
    refused = solve(Problem(occs, (ep(1, air_by=2),), late=False))
    assert (refused.score.missed_deadlines, refused.score.unscheduled) == (1, 1)


def test_the_scorer_lists_a_shared_occurrence_a_misfit_and_a_broken_series() -> None:
    series = Ser(50, COLUMN, 2, DAY + timedelta(days=30))
    occs = tuple(weekly(1, 4))
    episodes = (ep(1), ep(2), ep(3, 2000), ep(11, series=50, part=1), ep(12, series=50, part=2))
    assignment = {
        1: occs[0].key,
        2: occs[0].key,
        3: occs[1].key,
        11: occs[3].key,
        12: occs[2].key,  # part 2 before part 1
    }
    score = evaluate(Problem(occs, episodes, (series,)), assignment)
    assert len(score.violations) == 3
    assert any("share" in v for v in score.violations)
    assert any("does not fit" in v for v in score.violations)
    assert any("consecutive" in v for v in score.violations)


def test_the_generator_gives_the_same_plan_for_the_same_seed() -> None:
    assert instances.small_plan(7) == instances.small_plan(7)
    assert instances.small_plan(7) != instances.small_plan(8)


def test_the_province_plan_has_the_scale_the_issue_asks_for() -> None:
    plan = instances.province_plan()
    episodes = [e for c in plan.columns for e in c.episodes]
    assert len(plan.columns) == 100
    assert plan.approved_episodes == 5000
    assert sum(len(c.series) for c in plan.columns) == 200
    assert sum(e.air_by is not None for e in episodes if e.approved) == 1500
    assert plan.days == 366
    for column in plan.columns:
        weekly_premieres = sum(len(s.weekdays) for s in column.slots if s.kind is SlotKind.PREMIERE)
        assert 2 <= weekly_premieres <= 4
        assert any(s.kind is SlotKind.RERUN for s in column.slots)


def test_shrinking_keeps_the_property_and_drops_everything_else() -> None:
    def has_a_series_part_and_an_air_by_date(plan: instances.InstancePlan) -> bool:
        episodes = [e for c in plan.columns for e in c.episodes]
        return any(e.series is not None for e in episodes) and any(e.air_by for e in episodes)

    plan = next(
        p
        for p in map(instances.small_plan, range(20))
        if has_a_series_part_and_an_air_by_date(p) and len(p.columns) > 1
    )
    minimal = shrink(plan, has_a_series_part_and_an_air_by_date)
    assert len(minimal.columns) == 1
    assert len(minimal.columns[0].episodes) == 2
    assert has_a_series_part_and_an_air_by_date(minimal)


def test_a_written_small_instance_loads_back_as_the_planned_problem(session: Session) -> None:
    plan = instances.small_plan(3)
    instance = instances.write(session, plan)
    problem = load_problem(session, instance.column_ids, instance.start_at, instance.end_at)
    assert len(problem.episodes) == plan.approved_episodes
    assert len(problem.series) == sum(len(c.series) for c in plan.columns)
    assert 30 <= len(problem.occurrences) <= 50
    assert all(instance.start <= o.local_day < instance.end for o in problem.occurrences)
