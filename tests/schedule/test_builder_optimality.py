"""The planning core against exhaustive search on small instances.

The plan must equal the optimum exactly: fewest missed air-by dates, then
fewest unscheduled episodes, over every way to run or leave out each series
and to place the single episodes (the comparison the benchmark makes against
an exact CP-SAT model).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from schedule.builder_plan import Candidate, ColumnInput, Context, SeriesInfo, SlotOcc, plan_column
from schedule.builder_settings import BuildSettings, PriorityWindow

DAY0 = date(2026, 3, 2)
APPROVED = datetime(2026, 1, 1, tzinfo=UTC)
DURATIONS = (900, 1200, 1500, 1800, 2000)
SETTINGS = BuildSettings()


@dataclass(frozen=True)
class Instance:
    slots: tuple[tuple[int, int], ...]  # (weekday offset 0-6, duration)
    singles: tuple[tuple[int, int | None], ...]  # (duration, air-by day offset)
    series: tuple[tuple[tuple[tuple[int, int | None], ...], int], ...]  # (parts, start-by)
    weeks: int


def _occ(slot_id: int, seq: int, day: date, duration: int) -> SlotOcc:
    start = datetime(day.year, day.month, day.day, 12, slot_id, tzinfo=UTC)
    return SlotOcc(slot_id, 1, seq, start, start + timedelta(seconds=duration), day, duration)


def build_input(inst: Instance) -> ColumnInput:
    sequences = {
        slot_id: [
            _occ(slot_id, w, DAY0 + timedelta(days=7 * w + offset), duration)
            for w in range(inst.weeks)
        ]
        for slot_id, (offset, duration) in enumerate(inst.slots, start=1)
    }
    ids = itertools.count(1)
    candidates = [
        Candidate(next(ids), 1, "单集", d, _day(by), APPROVED + timedelta(minutes=n))
        for n, (d, by) in enumerate(inst.singles)
    ]
    series = []
    for number, (parts, start_by) in enumerate(inst.series, start=1):
        series.append(SeriesInfo(number, 1, f"系列{number}", len(parts), _day(start_by) or DAY0))
        candidates += [
            Candidate(next(ids), 1, "分集", d, _day(by), APPROVED, series_id=number, part=k)
            for k, (d, by) in enumerate(parts, start=1)
        ]
    keys = frozenset(o.key for seq in sequences.values() for o in seq)
    return ColumnInput(1, "栏目", sequences, keys, candidates, series)


def _day(offset: int | None) -> date | None:
    return None if offset is None else DAY0 + timedelta(days=offset)


CTX = Context(
    SETTINGS,
    datetime(2026, 3, 1, tzinfo=UTC),
    datetime(2026, 6, 1, tzinfo=UTC),
    date(2026, 5, 31),
)


def score(col: ColumnInput, placed: dict[int, SlotOcc]) -> tuple[int, int]:
    """(missed air-by dates, unscheduled episodes) of a placement."""
    missed = unscheduled = 0
    for c in col.candidates:
        occ = placed.get(c.episode_id)
        unscheduled += occ is None
        if c.air_by is not None and (occ is None or occ.day > c.air_by):
            missed += 1
    return missed, unscheduled


def optimum(col: ColumnInput) -> tuple[int, int]:
    """The best (missed, unscheduled) over every schedule obeying the rules."""
    occs = sorted((o for seq in col.sequences.values() for o in seq), key=lambda o: o.starts_at)
    singles = [c for c in col.candidates if c.series_id is None]
    options = [[None, *_runs(col, info)] for info in col.series]
    best = (len(col.candidates) + 1, len(col.candidates) + 1)
    for choice in itertools.product(*options):
        used = [o for run in choice if run for _, o in run]
        if len(set(used)) != len(used):
            continue
        free = tuple(o for o in occs if o not in used)
        placed = {c.episode_id: o for run in choice if run for c, o in run}
        placed.update(_best_singles(tuple(singles), free))
        best = min(best, score(col, placed))
    return best


def _runs(col: ColumnInput, info: SeriesInfo) -> list[list[tuple[Candidate, SlotOcc]]]:
    parts = sorted((c for c in col.candidates if c.series_id == info.series_id), key=_part)
    runs = []
    for seq in col.sequences.values():
        for i in range(len(seq) - len(parts) + 1):
            window = seq[i : i + len(parts)]
            fits = all(
                SETTINGS.fits(c.duration_s, o.duration_s)
                for c, o in zip(parts, window, strict=True)
            )
            if fits and window[0].day <= info.start_by:
                runs.append(list(zip(parts, window, strict=True)))
    return runs


def _part(c: Candidate) -> int:
    return c.part or 0


@functools.cache
def _best_singles(singles: tuple[Candidate, ...], free: tuple[SlotOcc, ...]) -> dict[int, SlotOcc]:
    """Exhaustive: the placement with most air-by dates met, then most episodes placed."""

    @functools.cache
    def go(i: int, mask: int) -> tuple[tuple[int, int], tuple[tuple[int, int], ...]]:
        if i == len(singles):
            return (0, 0), ()
        c = singles[i]
        best = go(i + 1, mask)
        for j, o in enumerate(free):
            if mask & (1 << j) or not SETTINGS.fits(c.duration_s, o.duration_s):
                continue
            if c.air_by is not None and o.day > c.air_by:
                continue
            (met, total), rest = go(i + 1, mask | (1 << j))
            value = (met + (c.air_by is not None), total + 1)
            if value > best[0]:
                best = (value, ((c.episode_id, j), *rest))
        return best

    return {episode_id: free[j] for episode_id, j in go(0, 0)[1]}


def planned(col: ColumnInput, ctx: Context = CTX) -> tuple[int, int]:
    plan = plan_column(col, ctx)
    occs = {o.key: o for seq in col.sequences.values() for o in seq}
    placed = {a.episode_id: occs[k] for k, a in plan.assignments.items()}
    return score(col, placed)


episode = st.tuples(st.sampled_from(DURATIONS), st.one_of(st.none(), st.integers(0, 27)))
slot = st.tuples(st.integers(0, 6), st.sampled_from(DURATIONS[:4]))


@st.composite
def instances(draw: st.DrawFn, series_count: int) -> Instance:
    slots = draw(st.lists(slot, min_size=1, max_size=2, unique_by=lambda s: s[0]))
    singles = draw(st.lists(episode, min_size=0, max_size=7))
    series = draw(
        st.lists(
            st.tuples(st.lists(episode, min_size=2, max_size=3).map(tuple), st.integers(0, 20)),
            max_size=series_count,
        )
    )
    return Instance(tuple(slots), tuple(singles), tuple(series), draw(st.integers(2, 4)))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(inst=instances(series_count=0))
def test_single_episodes_are_placed_optimally(inst: Instance) -> None:
    col = build_input(inst)
    assert planned(col) == optimum(col)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(inst=instances(series_count=2))
def test_series_and_episodes_are_placed_optimally(inst: Instance) -> None:
    col = build_input(inst)
    assert planned(col) == optimum(col)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(inst=instances(series_count=1), window=st.tuples(st.integers(0, 20), st.integers(0, 10)))
def test_priority_windows_move_episodes_but_lose_nothing(
    inst: Instance, window: tuple[int, int]
) -> None:
    col = build_input(inst)
    col.candidates = [
        c._replace(tags=frozenset({"重点"})) if c.episode_id % 2 else c for c in col.candidates
    ]
    first = DAY0 + timedelta(days=window[0])
    ctx = Context(
        BuildSettings(priorities=(PriorityWindow("重点", first, first + timedelta(window[1])),)),
        CTX.plan_from,
        CTX.plan_to,
        CTX.last_day,
    )
    assert planned(col, ctx) == planned(col)


def test_the_greedy_trap_is_solved_exactly() -> None:
    """Tuesday 30 minutes then Wednesday 25: EDF would give Tuesday to the shorter one."""
    inst = Instance(((1, 1800), (2, 1500)), ((1500, 2), (1800, 3)), (), 1)
    col = build_input(inst)
    assert planned(col) == optimum(col) == (0, 0)
