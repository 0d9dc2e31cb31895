"""An exact model of the premiere-placement problem, solved with OR-Tools CP-SAT.

The benchmark compares the schedule builder with this reference on small
instances. The problem, read from the database by ``load_problem`` for a set
of columns and a horizon ``[start, end)``:

- the occurrences of the columns' premiere slots in the horizon, with their
  exceptions and extra dates (``schedule.slots.slot_occurrences``);
- the columns' approved episodes;
- an episode fits an occurrence of its own column iff
  ``slot.duration_s * min_fill <= episode.target_duration_s
  <= slot.duration_s + over_tolerance_s``;
- each episode premieres at most once, each occurrence airs at most one;
- a series airs whole or not at all: all its parts approved, part k in the
  (s + k - 1)-th occurrence of one premiere slot, s the first, each part
  fitting its occurrence, the first on or before ``series.start_by``;
- an episode with an air-by date misses it when it has no premiere on a local
  day on or before that date (unscheduled, or scheduled later). With
  ``late=False`` (the builder's rule) a standalone episode never premieres
  after its air-by date; a series part may (and counts as missed).

The objective is lexicographic: fewest missed air-by dates, then fewest
unscheduled approved episodes. With ``series_first=True`` the most series
placed comes before both (the order ``schedule.builder_plan`` states for the
builder). Exchange (another column's offered episode
filling an empty occurrence) and reruns are outside the model: reruns replay
premieres and change neither count, and the compared instances offer nothing
for exchange.

``evaluate`` scores any assignment of episodes to occurrences (the builder's
airings or the solver's) by the same rules and lists the rules it breaks.
"""

from __future__ import annotations

import dataclasses
import itertools
import time as timer
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from editorial.models import Episode, Series, State
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from schedule.slots import slot_occurrences

DEFAULT_TIME_LIMIT_S = 10.0

OccurrenceKey = tuple[int, datetime]  # (slot id, starts_at in UTC)


@dataclass(frozen=True)
class Occ:
    slot_id: int
    column_id: int
    starts_at: datetime
    local_day: date
    duration_s: int
    index: int  # position among the occurrences of its slot in the horizon

    @property
    def key(self) -> OccurrenceKey:
        return (self.slot_id, self.starts_at)


@dataclass(frozen=True)
class Ep:
    id: int
    column_id: int
    duration_s: int
    air_by: date | None = None
    series_id: int | None = None
    part: int | None = None
    offered: bool = False  # offered for exchange (交流)


@dataclass(frozen=True)
class Ser:
    id: int
    column_id: int
    parts: int
    start_by: date


@dataclass(frozen=True)
class Problem:
    occurrences: tuple[Occ, ...]
    episodes: tuple[Ep, ...]
    series: tuple[Ser, ...] = ()
    over_tolerance_s: int = 30
    min_fill: float = 0.8
    late: bool = True  # may a standalone episode premiere after its air-by date?
    exchange: bool = False  # may an offered standalone episode fill another column's occurrence?

    def fits(self, episode: Ep, occ: Occ) -> bool:
        own = episode.column_id == occ.column_id
        exchanged = self.exchange and episode.offered and episode.series_id is None
        return (
            (own or exchanged)
            and occ.duration_s * self.min_fill
            <= episode.duration_s
            <= occ.duration_s + self.over_tolerance_s
        )

    def allowed(self, episode: Ep, occ: Occ) -> bool:
        """May ``episode`` premiere at ``occ`` (fit, and the air-by rule when late is off)?"""
        if not self.fits(episode, occ):
            return False
        if self.late or episode.series_id is not None or episode.air_by is None:
            return True
        return occ.local_day <= episode.air_by

    def of_column(self, column_id: int) -> Problem:
        """The column's own part of the problem (no exchange): columns are independent then."""
        return dataclasses.replace(
            self,
            occurrences=tuple(o for o in self.occurrences if o.column_id == column_id),
            episodes=tuple(e for e in self.episodes if e.column_id == column_id),
            series=tuple(s for s in self.series if s.column_id == column_id),
            exchange=False,
        )

    def by_slot(self) -> dict[int, list[Occ]]:
        slots: dict[int, list[Occ]] = defaultdict(list)
        for occ in self.occurrences:
            slots[occ.slot_id].append(occ)
        for occs in slots.values():
            occs.sort(key=lambda o: o.index)
        return slots

    def parts(self) -> dict[int, dict[int, Ep]]:
        """Each series' approved parts by part number."""
        parts: dict[int, dict[int, Ep]] = defaultdict(dict)
        for ep in self.episodes:
            if ep.series_id is not None and ep.part is not None:
                parts[ep.series_id][ep.part] = ep
        return parts

    def series_starts(self, series: Ser) -> list[list[Occ]]:
        """Every run of occurrences the whole series may take, first part first."""
        parts = self.parts().get(series.id, {})
        if sorted(parts) != list(range(1, series.parts + 1)):
            return []
        runs = []
        for occs in self.by_slot().values():
            if occs[0].column_id != series.column_id:
                continue
            for first in range(len(occs) - series.parts + 1):
                run = occs[first : first + series.parts]
                if run[0].local_day > series.start_by:
                    break
                if all(self.allowed(parts[k + 1], occ) for k, occ in enumerate(run)):
                    runs.append(run)
        return runs


@dataclass(frozen=True)
class Score:
    missed_deadlines: int
    unscheduled: int
    scheduled: int
    violations: tuple[str, ...] = ()
    series_placed: int = 0


@dataclass(frozen=True)
class Solution:
    status: str  # OPTIMAL, FEASIBLE, ...
    assignment: dict[int, OccurrenceKey]  # episode id -> occurrence
    score: Score
    seconds: float  # model building and solving
    objective_bound: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return self.status == "OPTIMAL"


def evaluate(problem: Problem, assignment: Mapping[int, OccurrenceKey]) -> Score:
    """Score an assignment of episode ids to occurrences and list the rules it breaks."""
    occs = {o.key: o for o in problem.occurrences}
    episodes = {e.id: e for e in problem.episodes}
    violations: list[str] = []
    taken: dict[OccurrenceKey, int] = {}
    for episode_id, key in sorted(assignment.items()):
        ep = episodes.get(episode_id)
        occ = occs.get(key)
        if ep is None:
            violations.append(f"episode {episode_id} is not an approved episode of these columns")
            continue
        if occ is None:
            violations.append(f"episode {episode_id} airs at {key}, not a premiere occurrence")
            continue
        if key in taken:
            violations.append(f"episodes {taken[key]} and {episode_id} share occurrence {key}")
        taken[key] = episode_id
        if not problem.fits(ep, occ):
            violations.append(
                f"episode {episode_id} ({ep.duration_s} s) does not fit slot {occ.slot_id} "
                f"({occ.duration_s} s) on {occ.local_day}"
            )
        if not problem.allowed(ep, occ) and problem.fits(ep, occ):
            violations.append(f"episode {episode_id} airs {occ.local_day}, after {ep.air_by}")
    parts = problem.parts()
    for series in problem.series:
        placed = {
            n: occs[assignment[ep.id]]
            for n, ep in parts.get(series.id, {}).items()
            if assignment.get(ep.id) in occs
        }
        if not placed:
            continue
        if sorted(placed) != list(range(1, series.parts + 1)):
            violations.append(f"series {series.id}: only parts {sorted(placed)} air")
            continue
        run = [placed[n] for n in range(1, series.parts + 1)]
        if len({o.slot_id for o in run}) > 1 or any(
            b.index != a.index + 1 for a, b in itertools.pairwise(run)
        ):
            violations.append(
                f"series {series.id}: parts are not in consecutive occurrences of one slot"
            )
        if run[0].local_day > series.start_by:
            violations.append(
                f"series {series.id}: starts {run[0].local_day}, after {series.start_by}"
            )
    series_placed = sum(
        all(assignment.get(ep.id) in occs for ep in parts.get(series.id, {}).values())
        and len(parts.get(series.id, {})) == series.parts
        for series in problem.series
    )
    missed = 0
    for ep in problem.episodes:
        if ep.air_by is None:
            continue
        when = occs.get(assignment.get(ep.id, (0, datetime.min)))
        if when is None or when.local_day > ep.air_by:
            missed += 1
    scheduled = sum(1 for e in problem.episodes if assignment.get(e.id) in occs)
    return Score(
        missed, len(problem.episodes) - scheduled, scheduled, tuple(violations), series_placed
    )


def solve(
    problem: Problem,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    workers: int = 1,
    *,
    series_first: bool = False,
) -> Solution:
    """Solve exactly with CP-SAT (``workers`` search threads; 1 for a one-core comparison).

    ``series_first``: place the most series before counting air-by dates and episodes.
    """
    from ortools.sat.python import cp_model

    started = timer.perf_counter()
    model = cp_model.CpModel()
    weight = len(problem.episodes) + 1  # one air-by date met outweighs every episode placed
    series_weight = weight * weight + 1 if series_first else 0  # outweighs both
    on_occ: dict[OccurrenceKey, list[cp_model.IntVar]] = defaultdict(list)
    terms: list[cp_model.IntVar] = []
    gains: list[int] = []  # objective coefficient of each term: placed + weight * met
    single: dict[tuple[int, OccurrenceKey], cp_model.IntVar] = {}
    runs: dict[tuple[int, int], tuple[cp_model.IntVar, list[Occ]]] = {}

    for ep in problem.episodes:
        if ep.series_id is not None:
            continue
        mine = []
        for occ in problem.occurrences:
            if problem.allowed(ep, occ):
                var = model.new_bool_var(f"x_{ep.id}_{occ.slot_id}_{occ.index}")
                single[(ep.id, occ.key)] = var
                on_occ[occ.key].append(var)
                mine.append(var)
                terms.append(var)
                gains.append(1 + weight * _meets(ep.air_by, occ))
        if len(mine) > 1:
            model.add_at_most_one(mine)

    parts = problem.parts()
    for series in problem.series:
        options = []
        for n, run in enumerate(problem.series_starts(series)):
            var = model.new_bool_var(f"y_{series.id}_{n}")
            runs[(series.id, n)] = (var, run)
            options.append(var)
            for occ in run:
                on_occ[occ.key].append(var)
            met = sum(_meets(parts[series.id][k + 1].air_by, occ) for k, occ in enumerate(run))
            terms.append(var)
            gains.append(series_weight + series.parts + weight * met)
        if len(options) > 1:
            model.add_at_most_one(options)

    for variables in on_occ.values():
        if len(variables) > 1:
            model.add_at_most_one(variables)
    model.maximize(cp_model.LinearExpr.weighted_sum(terms, gains))

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    seconds = timer.perf_counter() - started
    status_name = solver.status_name(status)

    assignment: dict[int, OccurrenceKey] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for (episode_id, key), var in single.items():
            if solver.boolean_value(var):
                assignment[episode_id] = key
        for (series_id, _n), (var, run) in runs.items():
            if solver.boolean_value(var):
                for k, occ in enumerate(run):
                    assignment[parts[series_id][k + 1].id] = occ.key
    return Solution(
        status=status_name,
        assignment=assignment,
        score=evaluate(problem, assignment),
        seconds=seconds,
        objective_bound=solver.best_objective_bound,
        stats={"wall_time": solver.wall_time, "branches": float(solver.num_branches)},
    )


def _meets(air_by: date | None, occ: Occ) -> int:
    return int(air_by is not None and occ.local_day <= air_by)


# --- reading an instance from the database ----------------------------------------------------


def load_problem(
    session: Session,
    column_ids: Iterable[int],
    start: datetime,
    end: datetime,
    *,
    over_tolerance_s: int = 30,
    min_fill: float = 0.8,
    late: bool = True,
    exchange: bool = False,
) -> Problem:
    """The problem for these columns' premiere occurrences starting in ``[start, end)``."""
    ids = sorted(set(column_ids))
    premieres = session.scalars(
        select(Slot)
        .where(Slot.column_id.in_(ids), Slot.kind == SlotKind.PREMIERE)
        .options(selectinload(Slot.dates))
        .order_by(Slot.id)
    ).all()
    occurrences = [
        Occ(slot.id, slot.column_id, o.starts_at, o.local_day, slot.duration_s, i)
        for slot in premieres
        for i, o in enumerate(slot_occurrences(slot, start, end))
    ]
    episodes = [
        Ep(
            e.id,
            e.column_id,
            e.target_duration_s,
            e.air_by,
            e.series_id,
            e.part_number,
            e.offered_for_exchange,
        )
        for e in session.scalars(
            select(Episode)
            .where(Episode.column_id.in_(ids), Episode.state == State.APPROVED)
            .order_by(Episode.id)
        )
    ]
    series = [
        Ser(s.id, s.column_id, s.parts, s.start_by)
        for s in session.scalars(
            select(Series).where(Series.column_id.in_(ids)).order_by(Series.id)
        )
    ]
    return Problem(
        tuple(occurrences),
        tuple(episodes),
        tuple(series),
        over_tolerance_s,
        min_fill,
        late,
        exchange,
    )


def premieres_of(session: Session, slot_ids: Iterable[int]) -> dict[int, OccurrenceKey]:
    """The live premiere airings on these slots: episode id -> (slot id, starts_at)."""
    rows = session.execute(
        select(Airing.episode_id, Airing.slot_id, Airing.starts_at).where(
            Airing.slot_id.in_(sorted(set(slot_ids))),
            Airing.kind == SlotKind.PREMIERE,
            Airing.status != AiringStatus.CANCELLED,
        )
    ).all()
    return {episode_id: (slot_id, starts_at) for episode_id, slot_id, starts_at in rows}
