"""What the builder reads: columns, slots, occurrences, existing airings, candidates.

A handful of queries whatever the size (the province-scale build must stay
under two seconds): no query per episode, slot or airing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple, Protocol, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased, selectinload

from editorial.errors import InvalidInput, NotFound
from editorial.models import Column, Episode, PriorityTag, Series, State
from editorial.workdays import SHANGHAI, local_date
from schedule.builder_plan import Candidate, OccKey, SeriesInfo, SlotOcc
from schedule.builder_settings import (
    DURATION_FIELDS,
    BuildSettings,
    Durations,
    episode_duration,
)
from schedule.models import Airing, AiringStatus, Slot, SlotDateKind, SlotKind
from schedule.recurrence import Occurrence, Recurrence, occurrences
from schedule.slots import recurrence_of

MAX_WINDOW_DAYS = 5 * 366  # a longer window is a typo, not a plan
RERUN_LOOKBACK = timedelta(days=35)  # per rerun_back step, doubled until enough premieres
MAX_LOOKBACK = timedelta(days=3 * 366)
CHUNK = 500  # ids per IN list (SQLite's parameter limit)
CANDIDATE_FIELDS = [
    getattr(Episode, name)
    for name in (
        "id",
        "column_id",
        "title",
        "air_by",
        "state_entered_at",
        "offered_for_exchange",
        "series_id",
        "part_number",
        *DURATION_FIELDS,
    )
]

T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    """The dates a build covers (local days, both inclusive) and its moments in UTC."""

    start: date
    end: date
    now: datetime
    frozen_days: int

    @functools.cached_property  # read in loops over thousands of occurrences
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(), SHANGHAI).astimezone(UTC)

    @functools.cached_property  # read in loops over thousands of occurrences
    def plan_from(self) -> datetime:
        """Nothing that starts before ``now`` is planned: the past is kept as it is."""
        return max(self.now, self.start_at)

    @functools.cached_property  # read in loops over thousands of occurrences
    def plan_to(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)

    @property
    def frozen_end(self) -> datetime:
        return self.now + timedelta(days=self.frozen_days)


def resolve_window(
    now: datetime, start: date | None, end: date | None, settings: BuildSettings
) -> Window:
    if now.tzinfo is None:
        raise ValueError("the builder needs an aware `now` (UTC)")
    first = start or local_date(now)
    last = end or first + timedelta(days=settings.horizon_days)
    if last < first:
        raise InvalidInput(
            f"the date range runs backwards: {last} is before {first}",
            {"end": "before start"},
            code="range_backwards",
            first=first,
            last=last,
        )
    if (last - first).days > MAX_WINDOW_DAYS:
        raise InvalidInput(
            f"the date range {first} to {last} is longer than five years",
            {"end": "too far"},
            code="range_over_five_years",
        )
    return Window(first, last, now, settings.frozen_days)


class Row(NamedTuple):
    """An existing airing, as the builder sees it."""

    id: int
    slot_id: int
    episode_id: int
    kind: SlotKind
    premiere_id: int | None
    starts_at: datetime
    status: AiringStatus
    pinned: bool
    exchange: bool
    fill: bool
    reason: str
    revision: int
    published_at: datetime | None
    episode_state: State

    @property
    def key(self) -> OccKey:
        return (self.slot_id, self.starts_at)

    @property
    def live(self) -> bool:
        return self.status is not AiringStatus.CANCELLED


@dataclass
class World:
    """Everything one build reads."""

    window: Window
    columns: list[Column]
    slots: list[Slot]
    sequences: dict[int, list[SlotOcc]] = field(default_factory=dict)  # premiere slots
    rerun_occs: dict[int, list[SlotOcc]] = field(default_factory=dict)  # in the plan region
    rows: list[Row] = field(default_factory=list)
    changeable: dict[OccKey, Row] = field(default_factory=dict)
    fixed: dict[OccKey, Row] = field(default_factory=dict)  # live rows the build keeps
    retire: dict[OccKey, Row] = field(default_factory=dict)  # live rows it only cancels
    # Why each row the build cancels may not air: a stop date of its day or its episode
    # pulled (``schedule.cancellations``); rows without one are cancelled as dropped.
    causes: dict[int, Cause] = field(default_factory=dict)
    revivable: dict[OccKey, Row] = field(default_factory=dict)
    forbidden: frozenset[tuple[int, datetime, int]] = frozenset()
    candidates: list[Candidate] = field(default_factory=list)
    series: dict[int, list[SeriesInfo]] = field(default_factory=dict)  # by column
    column_names: dict[int, str] = field(default_factory=dict)


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def load(
    session: Session,
    window: Window,
    column_ids: list[int] | None,
    settings: BuildSettings,
) -> World:
    columns = _columns(session, column_ids)
    ids = [c.id for c in columns]
    slots = list(
        session.scalars(
            select(Slot)
            .where(Slot.column_id.in_(ids))
            .options(selectinload(Slot.dates))
            .order_by(Slot.id)
        )
    )
    world = World(window, columns, slots)
    world.column_names = dict(session.execute(select(Column.id, Column.name)).all())
    lookback_from = _occurrences(world)
    _airings(session, world, lookback_from)
    _candidates(session, world, ids, settings)
    _series(session, world, ids)
    return world


def _columns(session: Session, column_ids: list[int] | None) -> list[Column]:
    query = select(Column).order_by(Column.id)
    if column_ids is not None:
        query = query.where(Column.id.in_(column_ids))
    columns = list(session.scalars(query))
    missing = sorted(set(column_ids or ()) - {c.id for c in columns})
    if missing:
        raise NotFound(f"no column with id {', '.join(map(str, missing))}")
    return columns


@functools.lru_cache(maxsize=256)
def _cached_occurrences(recurrence: Recurrence, start: datetime, end: datetime) -> list[Occurrence]:
    """Slots often share a rule (every Friday at 20:00): compute each rule once."""
    return occurrences(recurrence, start, end)


def _to_slot_occs(slot: Slot, start: datetime, end: datetime) -> list[SlotOcc]:
    found = _cached_occurrences(recurrence_of(slot), start, end)
    sid, cid, duration = slot.id, slot.column_id, slot.duration_s
    return [
        SlotOcc(sid, cid, i, o.starts_at, o.ends_at, o.local_day, duration)
        for i, o in enumerate(found)
    ]


def _occurrences(world: World) -> datetime:
    """Each premiere slot's sequence (far enough back for its reruns) and the reruns'
    occurrences in the plan region; returns the earliest moment looked at."""
    w = world.window
    back: dict[int, int] = {}
    for slot in world.slots:
        if slot.kind is SlotKind.RERUN and slot.rerun_of_id is not None:
            back[slot.rerun_of_id] = max(back.get(slot.rerun_of_id, 0), slot.rerun_back)
    earliest = w.plan_from
    for slot in world.slots:
        if slot.kind is SlotKind.RERUN:
            world.rerun_occs[slot.id] = _to_slot_occs(slot, w.plan_from, w.plan_to)
            continue
        need = back.get(slot.id, 0)
        span = RERUN_LOOKBACK * max(1, need)
        while True:
            seq = _to_slot_occs(slot, w.plan_from - span, w.plan_to)
            before = sum(1 for o in seq if o.starts_at < w.plan_from)
            reached_first = (w.plan_from - span).date() <= slot.first_date
            if before >= need or reached_first or span >= MAX_LOOKBACK:
                break
            span *= 2
        world.sequences[slot.id] = seq
        earliest = min(earliest, w.plan_from - span)
    return earliest


def extend_sequence(world: World, slot: Slot, since: datetime) -> None:
    """Recompute a premiere slot's sequence from ``since`` (a series anchor further back)."""
    current = world.sequences.get(slot.id)
    if current and current[0].starts_at <= since:
        return
    world.sequences[slot.id] = _to_slot_occs(
        slot, since - timedelta(seconds=1), world.window.plan_to
    )


def _airings(session: Session, world: World, lookback_from: datetime) -> None:
    w = world.window
    slot_ids = [s.id for s in world.slots]
    result = session.execute(
        select(
            Airing.id,
            Airing.slot_id,
            Airing.episode_id,
            Airing.kind,
            Airing.premiere_id,
            Airing.starts_at,
            Airing.status,
            Airing.pinned,
            Airing.exchange,
            Airing.fill,
            Airing.reason,
            Airing.revision,
            Airing.published_at,
            Episode.state,
        )
        .join(Episode, Episode.id == Airing.episode_id)
        .where(
            Airing.slot_id.in_(slot_ids),
            Airing.starts_at >= lookback_from,
            Airing.starts_at < w.plan_to,
        )
        .order_by(Airing.id)
    )
    world.rows = [Row._make(r) for r in result]
    outside = _reruns_outside(session, slot_ids, w)
    _classify(world, outside)


def _reruns_outside(session: Session, slot_ids: list[int], w: Window) -> set[int]:
    """Premieres of the plan region whose live reruns air after the window."""
    premiere = aliased(Airing)
    return set(
        session.scalars(
            select(Airing.premiere_id)
            .join(premiere, premiere.id == Airing.premiere_id)
            .where(
                Airing.kind == SlotKind.RERUN,
                Airing.status != AiringStatus.CANCELLED,
                Airing.starts_at >= w.plan_to,
                premiere.slot_id.in_(slot_ids),
                premiere.starts_at >= w.plan_from,
                premiere.starts_at < w.plan_to,
            )
        )
    )


def _may_change(row: Row, w: Window) -> bool:
    """Drafts and published airings past the frozen horizon; never pinned or aired ones."""
    if not row.live or row.pinned or not w.plan_from <= row.starts_at < w.plan_to:
        return False
    if row.status is AiringStatus.DRAFT:
        return True
    return row.status is AiringStatus.PUBLISHED and row.starts_at >= w.frozen_end


def _unairable(world: World) -> dict[int, Cause]:
    """Airings ahead the build would keep (pinned, or published inside the frozen
    horizon) that may not air: their episode is no longer approved (pulled, 撤播), or
    their occurrence is gone (a stop date, 停播). A pin does not protect an airing from
    either; the build cancels them."""
    w = world.window
    occurring = {o.key for seq in world.sequences.values() for o in seq}
    occurring |= {o.key for occs in world.rerun_occs.values() for o in occs}
    slots = {s.id: s for s in world.slots}
    found: dict[int, Cause] = {}
    for r in world.rows:
        if not r.live or r.status is AiringStatus.AIRED or not w.plan_from <= r.starts_at:
            continue
        if _may_change(r, w):
            continue  # the build replaces or drops it anyway (in place, if published)
        if r.episode_state is not State.APPROVED:
            found[r.id] = Cause(PULLED, r.episode_state.value)
        elif r.key not in occurring:
            found[r.id] = _stop_of(slots[r.slot_id], r.starts_at)
    return found


def _stop_of(slot: Slot, starts_at: datetime) -> Cause:
    """The live stop date of the occurrence's local day; else the slot was changed (its
    time, days or dates: ``schedule.slots.edit_slot``) and the occurrence is gone."""
    day = starts_at.astimezone(ZoneInfo(slot.timezone)).date()
    for d in slot.dates:
        if d.day == day and d.kind is SlotDateKind.EXCEPTION and d.removed_at is None:
            return Cause(STOPPED, d.reason, d.created_by_id)
    return Cause(SLOT_CHANGED, "")


def _classify(world: World, outside: set[int]) -> None:
    w = world.window
    world.causes = _unairable(world)
    changeable = {r.id: r for r in world.rows if _may_change(r, w) and r.id not in world.causes}
    held = outside | {
        r.premiere_id
        for r in world.rows
        if r.live and r.kind is SlotKind.RERUN and r.id not in changeable and r.premiere_id
    }
    retire: dict[int, Row] = {}
    for premiere_id in sorted(held):
        # A premiere whose rerun the build keeps stays too, so the rerun keeps following
        # it; unless its episode may no longer air: then the row is cancelled (the
        # kept rerun still points at it) and its occurrence is free again.
        row = changeable.pop(premiere_id, None)
        if row is not None and row.episode_state is not State.APPROVED:
            retire[row.id] = row
    retire.update({r.id: r for r in world.rows if r.id in world.causes})
    world.changeable = {r.key: r for r in changeable.values()}
    world.retire = {r.key: r for r in retire.values()}
    world.fixed = {
        r.key: r for r in world.rows if r.live and r.id not in changeable and r.id not in retire
    }
    in_region = [r for r in world.rows if not r.live and w.plan_from <= r.starts_at < w.plan_to]
    world.forbidden = frozenset(
        (r.slot_id, r.starts_at, r.episode_id) for r in in_region if r.pinned
    )
    for r in in_region:
        if not r.pinned and r.published_at is not None:
            world.revivable[r.key] = r  # rows come ordered by id: the latest wins


def _candidates(session: Session, world: World, ids: list[int], settings: BuildSettings) -> None:
    """Approved episodes of the built columns, and offered ones of any column, that have
    no premiere this build must keep (one it cancels, on a stop date, is not kept)."""
    w = world.window
    changeable_ids = {r.id for r in world.changeable.values()} | set(world.causes)
    premiere = aliased(Airing)
    # Plain rows, not Episode objects: thousands of them at province scale.
    rows = session.execute(
        select(*CANDIDATE_FIELDS, premiere.id.label("premiere_id"))
        .outerjoin(
            premiere,
            and_(
                premiere.episode_id == Episode.id,
                premiere.kind == SlotKind.PREMIERE,
                premiere.status != AiringStatus.CANCELLED,
            ),
        )
        .where(
            Episode.state == State.APPROVED,
            or_(Episode.column_id.in_(ids), Episode.offered_for_exchange.is_(True)),
            or_(premiere.id.is_(None), premiere.starts_at >= w.plan_from),
        )
        .order_by(Episode.id)
    )
    episodes = [e for e in rows if e.premiere_id is None or e.premiere_id in changeable_ids]
    world.candidates = to_candidates(session, episodes, settings)


class CandidateRow(Durations, Protocol):
    """A row selected with ``CANDIDATE_FIELDS``."""

    id: int
    column_id: int
    title: str
    air_by: date | None
    state_entered_at: datetime
    offered_for_exchange: bool
    series_id: int | None
    part_number: int | None


def to_candidates(
    session: Session, rows: Sequence[CandidateRow], settings: BuildSettings
) -> list[Candidate]:
    """Candidates of rows selected with ``CANDIDATE_FIELDS``, with their priority tags."""
    tags = _tags(session, [e.id for e in rows], settings)
    return [
        Candidate(
            episode_id=e.id,
            column_id=e.column_id,
            title=e.title,
            duration_s=episode_duration(e),
            air_by=e.air_by,
            approved_at=e.state_entered_at,
            tags=tags.get(e.id, frozenset()),
            offered=e.offered_for_exchange,
            series_id=e.series_id,
            part=e.part_number,
        )
        for e in rows
    ]


def _tags(
    session: Session, episode_ids: list[int], settings: BuildSettings
) -> dict[int, frozenset[str]]:
    wanted = sorted({w.tag for w in settings.priorities})
    if not wanted:
        return {}
    found: dict[int, set[str]] = {}
    for part in chunks(episode_ids):
        for episode_id, tag in session.execute(
            select(PriorityTag.episode_id, PriorityTag.tag).where(
                PriorityTag.episode_id.in_(part), PriorityTag.tag.in_(wanted)
            )
        ):
            found.setdefault(episode_id, set()).add(tag)
    return {k: frozenset(v) for k, v in found.items()}


def _series(session: Session, world: World, ids: list[int]) -> None:
    """Series of the built columns with a candidate part: what holds them, where they run."""
    built = set(ids)
    series_ids = sorted(
        {c.series_id for c in world.candidates if c.series_id and c.column_id in built}
    )
    if not series_ids:
        return
    candidates = {c.episode_id for c in world.candidates}
    changeable_ids = {r.id for r in world.changeable.values()} | set(world.causes)
    premiere = aliased(Airing)
    parts: dict[int, dict[int, Part]] = {}
    rows: list[tuple[int, int | None, int | None, State, int | None, int | None, datetime | None]]
    rows = []
    for chunk in chunks(series_ids):
        rows.extend(
            session.execute(
                select(
                    Episode.id,
                    Episode.series_id,
                    Episode.part_number,
                    Episode.state,
                    premiere.id,
                    premiere.slot_id,
                    premiere.starts_at,
                )
                .outerjoin(
                    premiere,
                    and_(
                        premiere.episode_id == Episode.id,
                        premiere.kind == SlotKind.PREMIERE,
                        premiere.status != AiringStatus.CANCELLED,
                    ),
                )
                .where(Episode.series_id.in_(chunk))
            )
        )
    for episode_id, series_id, part, state, airing_id, slot_id, starts_at in rows:
        assert series_id is not None and part is not None
        fixed_at = None
        if airing_id is not None and airing_id not in changeable_ids:
            assert slot_id is not None and starts_at is not None
            fixed_at = (slot_id, starts_at)
        parts.setdefault(series_id, {})[part] = Part(episode_id, state, fixed_at)
    slots = {s.id: s for s in world.slots}
    for info in session.scalars(
        select(Series).where(Series.id.in_(series_ids)).order_by(Series.id)
    ):
        found = parts.get(info.id, {})
        holdup, anchors = _holdup_and_anchors(info, found, candidates)
        for _, (slot_id, starts_at) in anchors:
            if slot_id in slots and slots[slot_id].kind is SlotKind.PREMIERE:
                extend_sequence(world, slots[slot_id], starts_at)
        world.series.setdefault(info.column_id, []).append(
            SeriesInfo(
                info.id, info.column_id, info.title, info.parts, info.start_by, holdup, anchors
            )
        )


STOPPED, PULLED, DROPPED = "stopped", "pulled", "dropped"
SLOT_CHANGED = "slot_changed"


@dataclass(frozen=True)
class Cause:
    """Why a published or pinned airing is cancelled: ``STOPPED`` (``why``: the stop
    date's reason, ``actor_id``: who added it), ``PULLED`` (``why``: the episode's state),
    ``SLOT_CHANGED`` (its occurrence is gone without a stop date: the slot was edited) or
    ``DROPPED``."""

    kind: str
    why: str
    actor_id: int | None = None


@dataclass(frozen=True)
class Part:
    episode_id: int
    state: State
    fixed_at: OccKey | None  # where its premiere airs, if the build must keep it


def _holdup_and_anchors(
    info: Series, found: dict[int, Part], candidates: set[int]
) -> tuple[tuple[int, str] | None, tuple[tuple[int, OccKey], ...]]:
    """The first part that holds the series, and the parts already fixed in the schedule."""
    holdup: tuple[int, str] | None = None
    anchors: list[tuple[int, OccKey]] = []
    for number in range(1, info.parts + 1):
        part = found.get(number)
        if part is None:
            holdup = holdup or (number, "missing")
        elif part.fixed_at is not None:
            anchors.append((number, part.fixed_at))
        elif part.episode_id not in candidates:
            holdup = holdup or (number, part.state.value)
    return holdup, tuple(anchors)


def in_window(rows: Iterable[Row], start: datetime, end: datetime) -> int:
    return sum(1 for r in rows if r.live and start <= r.starts_at < end)
