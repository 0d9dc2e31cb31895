"""The schedule builder's planning core: pure computation, no database, no clock.

``schedule.builder`` loads the rows, calls these functions and writes the
result; tests and the benchmark may call them directly.

What a column's plan optimises, in this order (lexicographic), the issue's:

1. the fewest missed air-by dates: a single episode is only ever placed on or
   before its air-by date (otherwise it stays unscheduled); a series part
   airing after its own air-by date, or not at all, counts as missed;
2. the fewest unscheduled episodes;
3. then, among equals: series placed rather than left out, the earliest
   series starts, and every occurrence filled as early as possible,
   preferring a priority-tagged episode inside its window (of two, the one
   whose priority weighs more), then the earliest air-by date, then the
   oldest approval.

A series runs all its parts, in order, in consecutive occurrences of one
premiere slot, the first on or before its start-by date, or not at all; one
already under way (a part aired, published or pinned) continues in the
occurrences that follow, or is reported.

How:

* Single episodes are a bipartite matching between episodes and the
  occurrences each may take (it fits, it is on or before its air-by date, it
  was not pulled from that occurrence by hand). The sets of episodes that can
  all be placed form a transversal matroid, so adding episodes one by one in
  priority order (air-by dates first, earliest first; then priority-tagged;
  then oldest approval) and keeping each one for which an augmenting path
  exists (Kuhn's algorithm) gives a largest set that also holds the most
  air-by episodes: goals 1 and 2 exactly, not a greedy approximation. (Plain
  earliest-deadline-first per occurrence is optimal only without the fit
  constraint.)
* Positions are then settled occurrence by occurrence in time order: the best
  candidate by goal 3 takes the occurrence if the episode it displaces can be
  re-routed to a later occurrence along an augmenting path; so every chosen
  episode keeps a place and no air-by date is lost. An episode tagged with a
  priority whose window is still ahead waits: it is not brought forward, and
  is moved on towards its window (whose occurrences it tries first) whenever
  a path allows. So it airs inside its window if the window has room, even
  when that is beyond this build (then it sits at the end, and a later build
  with the window in reach moves it there).
* Series: branch and bound over each series' runs (earliest first) and
  leaving it out, scoring every choice with the singles' exact matching
  (``_Search``); a column has a few series, and the first choice, every series
  at its earliest run, is usually already at the lower bound, so one
  evaluation per series suffices. Past ``BuildSettings.search_budget``
  evaluations the best choice found stands.
* Exchange (交流) runs after every column has placed its own episodes, as the
  same matching over all occurrences still empty and every approved episode
  offered for exchange that is still without a premiere.

A matching only needs the first n eligible occurrences of each of n episodes
(any other neighbour can be swapped for a free one among those n), so
adjacency lists are cut there, except a priority-tagged episode's, which may
need to wait; that keeps the province-scale build fast.

Guarantee, checked by ``tests/schedule/test_builder_optimality.py`` against
exhaustive search: a column's own plan is optimal for goals 1 and 2 (within
the search budget), whatever its series and single episodes.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from editorial.workdays import local_date
from schedule.builder_settings import BuildSettings, PriorityWindow
from schedule.reasons import reason

OccKey = tuple[int, datetime]  # (slot id, UTC start): one occurrence of a slot
WAITING = 2  # place_key rank of an episode whose priority window is still ahead


class SlotOcc(NamedTuple):
    """One occurrence of a slot; ``seq`` is its position in the slot's sequence.

    A named tuple: a province-scale build makes tens of thousands.
    """

    slot_id: int
    column_id: int
    seq: int
    starts_at: datetime
    ends_at: datetime
    day: date
    duration_s: int

    @property
    def key(self) -> OccKey:
        return (self.slot_id, self.starts_at)


class Candidate(NamedTuple):
    """An approved episode without a premiere the build may not change."""

    episode_id: int
    column_id: int
    title: str
    duration_s: int
    air_by: date | None
    approved_at: datetime
    tags: frozenset[str] = frozenset()
    offered: bool = False
    series_id: int | None = None
    part: int | None = None


@dataclass(frozen=True)
class SeriesInfo:
    """A series with at least one candidate part.

    ``holdup`` is the first part that is neither approved nor already airing,
    with its state (``"missing"`` when it was never proposed). ``anchors`` are
    the parts whose premiere the build may not change, with its occurrence.
    """

    series_id: int
    column_id: int
    title: str
    parts: int
    start_by: date
    holdup: tuple[int, str] | None = None
    anchors: tuple[tuple[int, OccKey], ...] = ()


@dataclass
class ColumnInput:
    """One column to plan.

    ``sequences``: each premiere slot's occurrences in time order, from far
    enough back to locate series anchors, to the end of the window.
    ``open_keys``: the occurrences of the plan region no fixed airing holds.
    """

    column_id: int
    name: str
    sequences: dict[int, list[SlotOcc]]
    open_keys: frozenset[OccKey]
    candidates: list[Candidate]
    series: list[SeriesInfo] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What every column's plan shares: the settings, the plan region (occurrences
    starting in ``plan_from``..``plan_to``), the pairs pulled by hand (slot,
    start, episode), the column names reasons quote, and the premieres pinned by hand
    (their episodes' titles) a reason names when one holds what an episode needed."""

    settings: BuildSettings
    plan_from: datetime
    plan_to: datetime
    last_day: date
    forbidden: frozenset[tuple[int, datetime, int]] = frozenset()
    column_names: dict[int, str] = field(default_factory=dict)
    pinned: dict[OccKey, str] = field(default_factory=dict)  # premieres pinned: their titles

    @property
    def first_day(self) -> date:
        return local_date(self.plan_from)

    def in_region(self, occ: SlotOcc) -> bool:
        return self.plan_from <= occ.starts_at < self.plan_to

    def pulled(self, occ: SlotOcc, episode_id: int) -> bool:
        return (occ.slot_id, occ.starts_at, episode_id) in self.forbidden

    def windows(self, tags: frozenset[str]) -> list[PriorityWindow]:
        return [w for w in self.settings.priorities if w.tag in tags]


@dataclass(frozen=True)
class Assignment:
    occ: SlotOcc
    episode_id: int
    reason: str
    exchange: bool = False

    @property
    def key(self) -> OccKey:
        return self.occ.key


@dataclass(frozen=True)
class Miss:
    episode_id: int
    code: str
    detail: str


@dataclass
class ColumnPlan:
    assignments: dict[OccKey, Assignment] = field(default_factory=dict)
    misses: dict[int, Miss] = field(default_factory=dict)  # final (series parts)
    unplaced: list[Candidate] = field(default_factory=list)  # singles, diagnosed later
    free: list[SlotOcc] = field(default_factory=list)  # open occurrences left empty


# --- matching ------------------------------------------------------------------------------------


class Matching:
    """Episodes (left, by index) matched to occurrences (right, by time-ordered index).

    Which augmenting path is taken never changes which sets of episodes can be
    placed, only where the unsettled ones sit meanwhile; so the search takes a
    free occurrence as soon as one is in reach (much shorter paths than a plain
    depth-first search through the packed early occurrences).
    """

    def __init__(self, adjacency: list[list[int]], unordered: frozenset[int] = frozenset()) -> None:
        self.adj = adjacency
        self.unordered = unordered  # episodes whose list is not in time order
        self.match = [-1] * len(adjacency)
        self.holder: dict[int, int] = {}

    def _after(self, episode: int, floor: int) -> Iterable[int]:
        occs = self.adj[episode]
        if floor < 0:
            return occs
        if episode in self.unordered:
            return (o for o in occs if o > floor)
        return itertools.islice(occs, bisect.bisect_right(occs, floor), None)

    def _free(self, episode: int, floor: int) -> int | None:
        holder = self.holder
        return next((o for o in self._after(episode, floor) if o not in holder), None)

    def augment(self, root: int, floor: int = -1) -> bool:
        """Find an occurrence after ``floor`` for the unmatched ``root``, moving others.

        Iterative depth-first search for an augmenting path; applied only if found.
        """
        path: list[tuple[int, int]] = []
        free = self._free(root, floor)
        if free is None:
            visited: set[int] = set()
            stack = [iter(self._after(root, floor))]
            owners = [root]
            while stack:
                step = next((o for o in stack[-1] if o not in visited), None)
                if step is None:
                    stack.pop()
                    owners.pop()
                    if path:
                        path.pop()
                    continue
                visited.add(step)
                path.append((owners[-1], step))
                holder = self.holder[step]
                free = self._free(holder, floor)
                if free is not None:
                    root = holder
                    break
                stack.append(iter(self._after(holder, floor)))
                owners.append(holder)
            else:
                return False
        path.append((root, free))
        for episode, occ in path:
            self.match[episode] = occ
            self.holder[occ] = episode
        return True

    def select(self, order: Iterable[int]) -> list[int]:
        """Greedy over the transversal matroid: keep each episode that can still be added."""
        return [episode for episode in order if self.augment(episode)]

    def settle(
        self,
        chosen: Sequence[int],
        key: Callable[[int, int], tuple[object, ...]],
        waits: Callable[[int, int], bool] | None = None,
    ) -> None:
        """Fix positions in time order, best candidate first, keeping everyone placed.

        An episode that ``waits`` at an occurrence (its priority window is still
        ahead) is not brought there, and is moved on from there if it can be.
        """
        pending = set(chosen)
        by_occ: dict[int, list[int]] = {}
        for episode in chosen:
            for occ in self.adj[episode]:
                by_occ.setdefault(occ, []).append(episode)
        for occ in sorted(by_occ):
            if waits is not None:
                self._defer(occ, pending, waits)
            candidates = [
                e
                for e in by_occ[occ]
                if e in pending and (waits is None or self.match[e] == occ or not waits(e, occ))
            ]
            for episode in sorted(candidates, key=lambda e: key(e, occ)):
                if self._take(episode, occ):
                    pending.discard(episode)
                    break

    def _defer(self, occ: int, pending: set[int], waits: Callable[[int, int], bool]) -> None:
        holder = self.holder.get(occ)
        if holder is None or holder not in pending or not waits(holder, occ):
            return
        del self.holder[occ]
        self.match[holder] = -1
        if not self.augment(holder, floor=occ):
            self.match[holder], self.holder[occ] = occ, holder

    def _take(self, episode: int, occ: int) -> bool:
        current = self.match[episode]
        if current == occ:
            return True
        displaced = self.holder.get(occ)
        del self.holder[current]
        self.match[episode], self.holder[occ] = occ, episode
        if displaced is None:
            return True
        self.match[displaced] = -1
        if self.augment(displaced, floor=occ):
            return True
        self.match[displaced], self.holder[occ] = occ, displaced
        self.match[episode], self.holder[current] = current, episode
        return False


def adjacency(
    candidates: Sequence[Candidate],
    occs: Sequence[SlotOcc],
    ctx: Context,
    limit: int | None = None,
    other_column: bool = False,
) -> list[list[int]]:
    """For each candidate, the occurrences it may take, in time order (the first ``limit``,
    which must be at least the number of candidates competing for them).

    Hot at province scale, hence the plain loops: occurrences are grouped by
    duration (fit depends on nothing else) and cut at the air-by date by bisection.
    """
    groups: dict[int, list[int]] = {}
    for index, occ in enumerate(occs):
        groups.setdefault(occ.duration_s, []).append(index)
    days = [o.day for o in occs]
    cap = len(occs) if limit is None else limit
    result = []
    for c in candidates:
        lists = [idx for d, idx in groups.items() if ctx.settings.fits(c.duration_s, d)]
        source: Iterable[int] = lists[0] if len(lists) == 1 else heapq.merge(*lists)
        if c.air_by is not None:
            last = bisect.bisect_right(days, c.air_by)
            source = itertools.takewhile(lambda i: i < last, source)  # noqa: B023
        if other_column or ctx.forbidden:
            source = (i for i in source if _allowed(occs[i], c, ctx, other_column))
        windows = ctx.windows(c.tags)
        if not windows:
            result.append(list(itertools.islice(source, cap)))
            continue
        # A priority-tagged episode may wait for its window, however far: no cap, and
        # the window's occurrences first, so the matching tries them first.
        found = list(source)
        inside = [i for i in found if any(w.contains(days[i]) for w in windows)]
        chosen = set(inside)
        result.append(inside + [i for i in found if i not in chosen])
    return result


def _allowed(occ: SlotOcc, c: Candidate, ctx: Context, other_column: bool) -> bool:
    return not (other_column and occ.column_id == c.column_id) and not ctx.pulled(occ, c.episode_id)


# --- preferences and reasons ---------------------------------------------------------------------


Key = tuple[int, int, date, datetime, int]


def selection_key(c: Candidate, ctx: Context) -> Key:
    """The order episodes are offered to the matroid greedy: air-by dates, priorities (the
    heaviest first), age."""
    weight = 0
    if c.air_by is not None:
        group = 0
    else:
        current = [
            w.weight
            for w in ctx.windows(c.tags)
            if w.end >= ctx.first_day and w.start <= ctx.last_day
        ]
        group, weight = (1, max(current)) if current else (2, 0)
    return (group, -weight, c.air_by or date.max, c.approved_at, c.episode_id)


def place_key(c: Candidate, day: date, ctx: Context) -> Key:
    """Who is best for an occurrence on ``day``: in-window priority (the heaviest first),
    not waiting for its window, earliest air-by date, oldest approval."""
    windows = ctx.windows(c.tags)
    inside = [w.weight for w in windows if w.contains(day)]
    weight = 0
    if inside:
        rank, weight = 0, max(inside)
    elif any(w.start > day for w in windows):
        rank = WAITING
    else:
        rank = 1
    return (rank, -weight, c.air_by or date.max, c.approved_at, c.episode_id)


def placement_reason(c: Candidate, day: date, ctx: Context, *, waiting: bool = True) -> str:
    """Why the episode airs on ``day``; ``waiting`` False for a tagged episode that could
    not wait for its window (out of reach, or taken by others) and airs as early as it can."""
    windows = ctx.windows(c.tags)
    inside = [w for w in windows if w.contains(day)]
    if inside:
        w = max(inside, key=lambda w: w.weight)  # the first of the heaviest
        return reason("priority", tag=w.tag, start=w.start, end=w.end).text
    if waiting:
        for w in windows:
            if w.start > day:
                return reason("priority_waiting", tag=w.tag, start=w.start, end=w.end).text
    if c.air_by is not None:
        return reason("earliest_before_air_by", air_by=c.air_by).text
    full = [w for w in windows if w.end >= ctx.first_day]
    if full:
        w = full[0]
        return reason("priority_full", tag=w.tag, start=w.start, end=w.end).text
    return reason("approval_order", approved=local_date(c.approved_at)).text


def series_reason(info: SeriesInfo, part: int) -> str:
    return reason("series_part", title=info.title, part=part, parts=info.parts).text


def exchange_reason(ctx: Context, column_id: int) -> str:
    return reason("exchange", column=ctx.column_names.get(column_id, str(column_id))).text


def rerun_reason(premiere_start: datetime) -> str:
    return reason("rerun", premiere=premiere_start).text


def holdup_text(info: SeriesInfo) -> str:
    assert info.holdup is not None
    part, state = info.holdup
    return reason("series_holdup", title=info.title, part=part, holdup=state).text


# --- one column ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Where a series' remaining parts would air: one occurrence per part, in order."""

    info: SeriesInfo
    parts: tuple[Candidate, ...]
    occs: tuple[SlotOcc, ...]
    indices: frozenset[int]
    late: int


@dataclass
class _Singles:
    """The single episodes of a column and their full adjacency over its open occurrences."""

    candidates: list[Candidate]
    adjacency: list[list[int]]
    order: list[int]
    deadlines: int
    caps: list[int | None]  # see ``adjacency``: None for a priority-tagged episode
    tagged: frozenset[int]  # priority-tagged: their lists put their window first

    def evaluate(self, occupied: frozenset[int]) -> tuple[tuple[int, int], Matching, list[int]]:

        def trimmed(a: list[int], cap: int | None) -> list[int]:
            # The lists are only read: share them while nothing of theirs is occupied.
            head = a if cap is None else a[:cap]
            if not occupied or occupied.isdisjoint(head):
                return head
            if cap is None:
                return [o for o in a if o not in occupied]
            # At most len(occupied) of them go: the first cap others are among these.
            return [o for o in a[: cap + len(occupied)] if o not in occupied][:cap]

        adj = [trimmed(a, cap) for a, cap in zip(self.adjacency, self.caps, strict=True)]
        matching = Matching(adj, self.tagged)
        chosen = matching.select(self.order)
        met = sum(1 for e in chosen if self.candidates[e].air_by is not None)
        return (met, len(chosen)), matching, chosen


def plan_column(col: ColumnInput, ctx: Context) -> ColumnPlan:
    """Place a column's series, then its single episodes, in its open occurrences."""
    plan = ColumnPlan()
    occs = sorted(
        (o for seq in col.sequences.values() for o in seq if o.key in col.open_keys),
        key=lambda o: (o.starts_at, o.slot_id),
    )
    singles = [c for c in col.candidates if c.series_id is None]
    pool = _Singles(
        singles,
        # Series take at most one occurrence per part, so this many eligible occurrences
        # per episode still leave every single episode the first n the matching needs.
        adjacency(singles, occs, ctx, limit=len(col.candidates)),
        sorted(range(len(singles)), key=lambda e: selection_key(singles[e], ctx)),
        sum(1 for c in singles if c.air_by is not None),
        [None if ctx.windows(c.tags) else len(singles) for c in singles],
        frozenset(e for e, c in enumerate(singles) if ctx.windows(c.tags)),
    )
    occupied = _place_series(col, ctx, plan, {o.key: i for i, o in enumerate(occs)}, pool)
    _place_singles(plan, pool, occs, occupied, ctx)
    plan.free = [o for o in occs if o.key not in plan.assignments]
    return plan


def _place_series(
    col: ColumnInput, ctx: Context, plan: ColumnPlan, index: dict[OccKey, int], pool: _Singles
) -> frozenset[int]:
    """Series under way continue; the others start where they cost the singles least."""
    parts: dict[int, dict[int, Candidate]] = {}
    for c in col.candidates:
        if c.series_id is not None and c.part is not None:
            parts.setdefault(c.series_id, {})[c.part] = c
    forced, options = _series_runs(col, ctx, parts, index, plan)
    occupied: frozenset[int] = frozenset()
    for run in forced:
        if run.indices & occupied:
            _miss_run(plan, run, "series_cannot_continue", "series_conflict")
            continue
        occupied |= run.indices
        _place_run(plan, run)
    chosen = _choose_runs(options, occupied, pool, ctx)
    for info, runs in options:
        picked = chosen.get(info.series_id)
        if picked is None:
            detail = reason("series_displaced", title=info.title, start_by=info.start_by).text
            for c in runs[0].parts:
                plan.misses[c.episode_id] = Miss(c.episode_id, "series_displaced", detail)
            continue
        occupied |= picked.indices
        _place_run(plan, picked)
    return occupied


def _place_singles(
    plan: ColumnPlan, pool: _Singles, occs: list[SlotOcc], occupied: frozenset[int], ctx: Context
) -> None:
    singles = pool.candidates
    _, matching, chosen = pool.evaluate(occupied)
    # Only a priority-tagged episode's rank depends on the day; the rest is computed once.
    plain = [(1, 0, c.air_by or date.max, c.approved_at, c.episode_id) for c in singles]
    tagged = pool.tagged

    def key(e: int, o: int) -> Key:
        if e not in tagged:
            return plain[e]
        found = place_key(singles[e], occs[o].day, ctx)
        return found if found[0] != WAITING or e in waiting else plain[e]

    def waits(e: int, o: int) -> bool:
        return e in waiting and key(e, o)[0] == WAITING

    # Timeliness: an episode waits for its priority window only while it can still air
    # inside it. One whose windows are out of reach (its air-by date comes first) or,
    # within this build, taken by others is placed like any other: as early as it can.
    waiting = {e for e in tagged if _reachable(singles[e], ctx)}
    start = (list(matching.match), dict(matching.holder))
    while True:
        matching.settle(chosen, key, waits if waiting else None)
        missed = {
            e
            for e in waiting
            if matching.match[e] >= 0
            and _missed_window(singles[e], occs[matching.match[e]].day, ctx)
        }
        if not missed:
            break
        waiting -= missed
        matching.match, matching.holder = list(start[0]), dict(start[1])
    for e in chosen:
        occ, c = occs[matching.match[e]], singles[e]
        why = placement_reason(c, occ.day, ctx, waiting=e in waiting)
        plan.assignments[occ.key] = Assignment(occ, c.episode_id, why)
    placed = set(chosen)
    plan.unplaced = [c for e, c in enumerate(singles) if e not in placed]


def _reachable(c: Candidate, ctx: Context) -> bool:
    """Whether one of the episode's priority windows is still ahead of its air-by date."""
    return any(
        w.end >= ctx.first_day and (c.air_by is None or w.start <= c.air_by)
        for w in ctx.windows(c.tags)
    )


def _missed_window(c: Candidate, day: date, ctx: Context) -> bool:
    """Placed on ``day`` outside every window of its, each of which this build covers to
    its end: waiting bought it nothing."""
    windows = [
        w
        for w in ctx.windows(c.tags)
        if w.end >= ctx.first_day and (c.air_by is None or w.start <= c.air_by)
    ]
    return not any(w.contains(day) for w in windows) and all(w.end <= ctx.last_day for w in windows)


def _place_run(plan: ColumnPlan, run: Run) -> None:
    for c, occ in zip(run.parts, run.occs, strict=True):
        assert c.part is not None
        plan.assignments[occ.key] = Assignment(occ, c.episode_id, series_reason(run.info, c.part))


def _miss_run(plan: ColumnPlan, run: Run, code: str, why: str) -> None:
    detail = reason(why, title=run.info.title).text
    for c in run.parts:
        plan.misses[c.episode_id] = Miss(c.episode_id, code, detail)


def _too_late(info: SeriesInfo) -> str:
    return reason(
        "series_too_late", title=info.title, start_by=info.start_by, parts=info.parts
    ).text


# --- series --------------------------------------------------------------------------------------


def _series_runs(
    col: ColumnInput,
    ctx: Context,
    parts: dict[int, dict[int, Candidate]],
    index: dict[OccKey, int],
    plan: ColumnPlan,
) -> tuple[list[Run], list[tuple[SeriesInfo, list[Run]]]]:
    """Forced runs (series already under way) and the options of series yet to start.

    Series that cannot run at all get their misses here.
    """
    forced: list[Run] = []
    options: list[tuple[SeriesInfo, list[Run]]] = []
    for info in sorted(col.series, key=lambda s: (s.start_by, s.series_id)):
        mine = [parts[info.series_id][k] for k in sorted(parts.get(info.series_id, {}))]
        if not mine:
            continue
        if info.holdup is not None:
            for c in mine:
                plan.misses[c.episode_id] = Miss(
                    c.episode_id, "series_incomplete", holdup_text(info)
                )
            continue
        if info.anchors:
            run_or_why = _continuation(col, ctx, info, mine, index)
            if isinstance(run_or_why, Run):
                forced.append(run_or_why)
            else:
                for c in mine:
                    plan.misses[c.episode_id] = Miss(
                        c.episode_id, "series_cannot_continue", run_or_why
                    )
            continue
        runs = _fresh_runs(col, ctx, info, mine, index)
        if runs:
            options.append((info, runs))
        else:
            code, detail = _why_no_run(col, ctx, info, mine)
            for c in mine:
                plan.misses[c.episode_id] = Miss(c.episode_id, code, detail)
    return forced, options


def _usable(occ: SlotOcc, c: Candidate, ctx: Context, index: dict[OccKey, int]) -> bool:
    return (
        occ.key in index
        and ctx.settings.fits(c.duration_s, occ.duration_s)
        and not ctx.pulled(occ, c.episode_id)
    )


def _make_run(
    info: SeriesInfo, mine: Sequence[Candidate], occs: Sequence[SlotOcc], index: dict[OccKey, int]
) -> Run:
    late = sum(
        1 for c, o in zip(mine, occs, strict=True) if c.air_by is not None and o.day > c.air_by
    )
    return Run(info, tuple(mine), tuple(occs), frozenset(index[o.key] for o in occs), late)


def _fresh_runs(
    col: ColumnInput,
    ctx: Context,
    info: SeriesInfo,
    mine: list[Candidate],
    index: dict[OccKey, int],
) -> list[Run]:
    """Every run of consecutive open occurrences of one slot starting by the start-by date."""
    n = info.parts
    runs = []
    for slot_id in sorted(col.sequences):
        seq = col.sequences[slot_id]
        if not seq or not all(ctx.settings.fits(c.duration_s, seq[0].duration_s) for c in mine):
            continue
        streak = 0  # open occurrences (in the plan region, not held) in a row ending at i
        for i, occ in enumerate(seq):
            streak = streak + 1 if occ.key in index else 0
            start = i - n + 1
            if start >= 0 and seq[start].day > info.start_by:
                break
            if streak < n:
                continue
            window = seq[start : i + 1]
            if ctx.forbidden and any(
                ctx.pulled(o, c.episode_id) for o, c in zip(window, mine, strict=True)
            ):
                continue
            runs.append(_make_run(info, mine, window, index))
    runs.sort(key=lambda r: (r.occs[0].starts_at, r.occs[0].slot_id))
    return runs


def _continuation(
    col: ColumnInput,
    ctx: Context,
    info: SeriesInfo,
    mine: list[Candidate],
    index: dict[OccKey, int],
) -> Run | str:
    """The run that continues a series some of whose parts are already fixed, or why not."""
    bases = set()
    for part, (slot_id, starts_at) in info.anchors:
        seq = col.sequences.get(slot_id, [])
        found = [o.seq for o in seq if o.starts_at == starts_at]
        if not found:
            return reason("series_off_slot").text
        bases.add((slot_id, found[0] - part))
    if len(bases) != 1:
        return reason("series_not_consecutive").text
    ((slot_id, base),) = bases
    seq = col.sequences[slot_id]
    occs = []
    for c in mine:
        assert c.part is not None
        at = base + c.part
        if not 0 <= at < len(seq):
            return reason("series_beyond_window", part=c.part, last=ctx.last_day).text
        occ = seq[at]
        if occ.key not in index:
            if occ.key in ctx.pinned:
                title = ctx.pinned[occ.key]
                return reason("series_next_pinned", part=c.part, at=occ.starts_at, title=title).text
            return reason("series_next_taken", part=c.part, at=occ.starts_at).text
        if not _usable(occ, c, ctx, index):
            return reason("series_next_unusable", part=c.part, at=occ.starts_at).text
        occs.append(occ)
    return _make_run(info, mine, occs, index)


def _why_no_run(
    col: ColumnInput, ctx: Context, info: SeriesInfo, mine: list[Candidate]
) -> tuple[str, str]:
    slots = {
        slot_id: seq[0].duration_s
        for slot_id, seq in col.sequences.items()
        if any(ctx.in_region(o) for o in seq)
    }
    if not slots:
        return "no_slot", reason("no_slot", first=ctx.first_day, last=ctx.last_day).text
    fitting = [s for s, d in slots.items() if all(ctx.settings.fits(c.duration_s, d) for c in mine)]
    if not fitting:
        best = max(
            sorted(slots),
            key=lambda s: sum(1 for c in mine if ctx.settings.fits(c.duration_s, slots[s])),
        )
        bad = next(c for c in mine if not ctx.settings.fits(c.duration_s, slots[best]))
        why = reason(
            "series_does_not_fit",
            title=info.title,
            part=bad.part,
            duration=bad.duration_s,
            slot=slots[best],
        )
        return "series_does_not_fit", why.text
    if info.start_by < ctx.first_day:
        why = reason("series_start_passed", title=info.title, start_by=info.start_by)
        return "series_too_late", why.text
    return "series_too_late", _too_late(info)


Cost = tuple[int, int]  # (missed air-by dates, unscheduled episodes)


def _add(*costs: Cost) -> Cost:
    return (sum(c[0] for c in costs), sum(c[1] for c in costs))


def _choose_runs(
    options: list[tuple[SeriesInfo, list[Run]]],
    occupied: frozenset[int],
    pool: _Singles,
    ctx: Context,
) -> dict[int, Run]:
    """A run per series, or none: the fewest missed air-by dates, then unscheduled episodes."""
    if not options:
        return {}
    search = _Search(options, pool, ctx.settings.search_budget)
    return search.run(occupied)


class _Search:
    """Branch and bound over the series' runs, each series also tried left out.

    The single episodes' cost under a choice is exact (the matching), and only
    grows as series take occurrences, so cost so far + singles now + each
    remaining series' own best is a lower bound; lexicographic order survives
    addition, so the bound prunes soundly. Runs are tried earliest first and
    leaving a series out last, and only a strictly better schedule replaces
    the best: among equals, series are placed, and as early as they can be.
    Past ``budget`` singles evaluations the best schedule found so far stands.
    """

    def __init__(
        self, options: list[tuple[SeriesInfo, list[Run]]], pool: _Singles, budget: int
    ) -> None:
        self.options = options
        self.pool = pool
        self.budget = budget
        self.best: tuple[Cost, list[Run | None]] | None = None
        self.cache: dict[frozenset[int], Cost] = {}
        self.left_out = [_left_out(runs[0].parts) for _, runs in options]
        own_best = [
            min([*((r.late, 0) for r in runs), left])
            for (_, runs), left in zip(options, self.left_out, strict=True)
        ]
        self.floor = [_add(*own_best[i:]) for i in range(len(options) + 1)]

    def singles(self, occupied: frozenset[int]) -> Cost:
        if occupied not in self.cache:
            (met, total), _, _ = self.pool.evaluate(occupied)
            self.budget -= 1
            self.cache[occupied] = (self.pool.deadlines - met, len(self.pool.candidates) - total)
        return self.cache[occupied]

    def run(self, occupied: frozenset[int]) -> dict[int, Run]:
        self._visit(0, occupied, (0, 0), self.singles(occupied), [])
        assert self.best is not None
        return {run.info.series_id: run for run in self.best[1] if run is not None}

    def _visit(
        self, i: int, occupied: frozenset[int], spent: Cost, singles: Cost, chosen: list[Run | None]
    ) -> None:
        if i == len(self.options):
            total = _add(spent, singles)
            if self.best is None or total < self.best[0]:
                self.best = (total, chosen)
            return
        for run in [*self.options[i][1], None]:
            if run is not None and run.indices & occupied:
                continue
            cost = self.left_out[i] if run is None else (run.late, 0)
            if self.best is not None:
                bound = _add(spent, cost, singles, self.floor[i + 1])
                if bound >= self.best[0] or self.budget <= 0:
                    continue
            taken = occupied if run is None else occupied | run.indices
            now = singles if run is None else self.singles(taken)
            self._visit(i + 1, taken, _add(spent, cost), now, [*chosen, run])


def _left_out(parts: Sequence[Candidate]) -> Cost:
    return (sum(1 for c in parts if c.air_by is not None), len(parts))


# --- exchange, reruns and reasons ----------------------------------------------------------------


def plan_exchange(
    free: Sequence[SlotOcc], offered: Sequence[Candidate], ctx: Context
) -> dict[OccKey, Assignment]:
    """Fill occurrences their columns left empty with other columns' offered episodes."""
    if not free or not offered:
        return {}
    occs = sorted(free, key=lambda o: (o.starts_at, o.slot_id))
    adj = adjacency(offered, occs, ctx, limit=len(offered), other_column=True)
    # A priority-tagged episode's list puts its window first (``adjacency``).
    matching = Matching(adj, frozenset(e for e, c in enumerate(offered) if ctx.windows(c.tags)))

    def order(e: int) -> tuple[date, datetime, int]:
        c = offered[e]
        return (c.air_by or date.max, c.approved_at, c.episode_id)

    def key(e: int, o: int) -> tuple[object, ...]:
        # Inside its priority window first (the heaviest first), then the order above.
        inside = [w.weight for w in ctx.windows(offered[e].tags) if w.contains(occs[o].day)]
        return (0, -max(inside), *order(e)) if inside else (1, 0, *order(e))

    chosen = matching.select(sorted(range(len(offered)), key=order))
    matching.settle(chosen, key)
    result = {}
    for e in chosen:
        occ = occs[matching.match[e]]
        c = offered[e]
        result[occ.key] = Assignment(
            occ, c.episode_id, exchange_reason(ctx, c.column_id), exchange=True
        )
    return result


@dataclass(frozen=True)
class RerunSlot:
    slot_id: int
    rerun_of: int
    back: int
    occs: tuple[SlotOcc, ...]  # the rerun's occurrences the build plans


@dataclass(frozen=True)
class RerunPlan:
    occ: SlotOcc
    episode_id: int
    premiere_key: OccKey
    exchange: bool
    reason: str


def derive_reruns(
    reruns: Iterable[RerunSlot],
    sequences: dict[int, list[SlotOcc]],
    premiere_at: Callable[[OccKey], tuple[int, bool] | None],
    ctx: Context,
) -> dict[OccKey, RerunPlan]:
    """Each rerun airs what the premiere ``back`` occurrences before it aired, if anything.

    ``premiere_at`` answers (episode id, exchange) for a premiere occurrence
    whose episode may air, or None.
    """
    result: dict[OccKey, RerunPlan] = {}
    for slot in reruns:
        seq = sequences.get(slot.rerun_of, [])
        starts = [o.starts_at for o in seq]
        for occ in slot.occs:
            at = bisect.bisect_left(starts, occ.starts_at) - slot.back
            if at < 0:
                continue
            source = seq[at]
            found = premiere_at(source.key)
            if found is None or ctx.pulled(occ, found[0]):
                continue
            result[occ.key] = RerunPlan(
                occ, found[0], source.key, found[1], rerun_reason(source.starts_at)
            )
    return result


def diagnose(c: Candidate, region: Sequence[SlotOcc], ctx: Context) -> Miss:
    """Why a single episode stayed without a premiere, given its column's premiere
    occurrences in the plan region."""
    if not region:
        why = reason("no_slot", first=ctx.first_day, last=ctx.last_day)
        return Miss(c.episode_id, "no_slot", why.text)
    durations = sorted({o.duration_s for o in region})
    fitting = {d for d in durations if ctx.settings.fits(c.duration_s, d)}
    if not fitting:
        return _no_fit(c, durations, ctx)
    usable = [o for o in region if o.duration_s in fitting]
    if c.air_by is not None:
        if c.air_by < ctx.first_day:
            why = reason("air_by_passed", air_by=c.air_by)
            return Miss(c.episode_id, "no_slot_before_deadline", why.text)
        before = [o for o in usable if o.day <= c.air_by]
        pins = [o for o in before if o.key in ctx.pinned]
        if not before:
            why = reason("no_fitting_slot_before", air_by=c.air_by)
        elif pins:
            why = reason(
                "full_before_pinned",
                air_by=c.air_by,
                count=len(before),
                pins=len(pins),
                **_earliest(pins, ctx),
            )
        else:
            why = reason("full_before", air_by=c.air_by, count=len(before))
        return Miss(c.episode_id, "no_slot_before_deadline", why.text)
    pins = [o for o in usable if o.key in ctx.pinned]
    if pins:
        why = reason(
            "full_pinned",
            first=ctx.first_day,
            last=ctx.last_day,
            count=len(usable),
            pins=len(pins),
            **_earliest(pins, ctx),
        )
    else:
        why = reason("full", first=ctx.first_day, last=ctx.last_day, count=len(usable))
    return Miss(c.episode_id, "no_free_occurrence", why.text)


def _earliest(pins: Sequence[SlotOcc], ctx: Context) -> dict[str, object]:
    first = min(pins, key=lambda o: (o.starts_at, o.slot_id))
    return {"at": first.starts_at, "title": ctx.pinned[first.key]}


def _no_fit(c: Candidate, durations: list[int], ctx: Context) -> Miss:
    s, given = ctx.settings, c.duration_s
    if all(s.too_long(given, d) for d in durations):
        why = reason(
            "longer_than_slot", duration=given, longest=durations[-1], over=s.over_tolerance_s
        )
        return Miss(c.episode_id, "longer_than_slot", why.text)
    if all(s.too_short(given, d) for d in durations):
        why = reason(
            "shorter_than_slot",
            duration=given,
            shortest=durations[0],
            percent=round(s.min_fill * 100),
        )
        return Miss(c.episode_id, "shorter_than_slot", why.text)
    why = reason("no_fitting_slot", duration=given, slots=durations)
    return Miss(c.episode_id, "no_fitting_slot", why.text)
