"""The schedule builder (编排): which approved episode premieres in which occurrence,
and the reruns that follow.

``build`` reads everything in a few queries (``schedule.builder_load``), plans
in memory (``schedule.builder_plan``, where the objective and the algorithm
are set out), and writes only the differences, in bulk
(``schedule.builder_write``). It flushes, never commits and never reads the
clock: the same rows and the same ``now`` give the same schedule.

The window is local days (Asia/Shanghai) ``start``..``end``, both inclusive;
by default from the day of ``now`` for ``BuildSettings.horizon_days``. Only
occurrences starting at or after ``now`` are planned. A rebuild

* keeps airings that are pinned (固定), aired, or published and inside the
  frozen horizon (``now`` .. ``now + frozen_days``), and a premiere whose
  rerun it keeps;
* replaces draft airings;
* updates a published airing past the frozen horizon in place, bumping its
  ``revision``, or marks it CANCELLED (``revision`` bumped) when its
  occurrence gets nothing, so the feeds can show the change;
* never puts an episode back into an occurrence it was pulled from by hand
  (``schedule.airings.pull``);
* cancels a published or pinned airing whose day got a stop date or whose
  episode was pulled from air, and tells the people concerned
  (``schedule.cancellations``): a pin protects an airing from the builder, not
  from those.

Only episodes approved to air (可播) get a premiere; a rerun airs only an
approved episode. Every airing's ``reason`` says why it was chosen, and every
approved episode of the built columns left without a live premiere gets an
``Unscheduled`` row with one of these codes (the detail, in Chinese, is for
the people who read the report):

=========================== ==========================================================
``no_slot``                 the column has no premiere occurrence in the window
``longer_than_slot``        longer than every premiere slot (beyond the tolerance)
``shorter_than_slot``       shorter than ``min_fill`` of every premiere slot
``no_fitting_slot``         too long for some slots, too short for the others
``no_slot_before_deadline`` no fitting occurrence left on or before its air-by date
``no_free_occurrence``      every fitting occurrence of the window is taken
``series_incomplete``       a part of its series is not approved (the detail names it)
``series_does_not_fit``     the parts do not all fit one premiere slot
``series_too_late``         no run of consecutive occurrences starts by the start-by date
``series_displaced``        it could run, but only at the cost of air-by dates or episodes
``series_cannot_continue``  the series is under way and the next occurrences are not free
=========================== ==========================================================
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import CursorResult, case, delete, func, or_, select
from sqlalchemy.orm import Session

from editorial.models import Episode, State
from schedule import builder_campaign, cancellations
from schedule.builder_fill import Fill, plan_fills
from schedule.builder_load import World, chunks, in_window, load, resolve_window
from schedule.builder_plan import (
    Assignment,
    Candidate,
    ColumnInput,
    ColumnPlan,
    Context,
    Miss,
    OccKey,
    RerunSlot,
    derive_reruns,
    diagnose,
    plan_column,
    plan_exchange,
)
from schedule.builder_settings import BuildSettings, PriorityWindow, episode_duration
from schedule.builder_write import Desired, bulk_insert, write
from schedule.models import (
    Airing,
    AiringStatus,
    FillSwitch,
    KeepEmpty,
    ScheduleBuild,
    Slot,
    SlotDate,
    SlotKind,
    Unscheduled,
)

__all__ = [
    "BuildOutcome",
    "BuildSettings",
    "PriorityWindow",
    "build",
    "build_with_changes",
    "episode_duration",
]

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BuildOutcome:
    """The recorded build and how many airing rows it changed."""

    build: ScheduleBuild
    inserted: int
    updated: int
    cancelled: int
    deleted: int


def build(
    session: Session,
    now: datetime,
    *,
    column_ids: list[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    settings: BuildSettings | None = None,
    progress: Progress | None = None,
) -> ScheduleBuild:
    """Build the air schedule of the columns (all by default) for the window; flush only."""
    return build_with_changes(
        session,
        now,
        column_ids=column_ids,
        start=start,
        end=end,
        settings=settings,
        progress=progress,
    ).build


def build_with_changes(
    session: Session,
    now: datetime,
    *,
    column_ids: list[int] | None = None,
    start: date | None = None,
    end: date | None = None,
    settings: BuildSettings | None = None,
    progress: Progress | None = None,
) -> BuildOutcome:
    """``build``, also saying how many airing rows were inserted, updated, cancelled, deleted."""
    settings = settings or BuildSettings()
    window = resolve_window(now, start, end, settings)
    session.flush()
    world = load(session, window, column_ids, settings)
    ctx = Context(
        settings,
        window.plan_from,
        window.plan_to,
        window.end,
        world.forbidden,
        world.column_names,
        _pinned(session, world),
    )
    total = len(world.columns) + 1
    inputs = _column_inputs(world, ctx)
    plans = []
    for done, col in enumerate(inputs, start=1):
        plans.append(plan_column(col, ctx))
        if progress is not None:
            progress(done, total)
    assignments = _with_exchange(world, plans, ctx)
    fills = plan_fills(session, world, assignments, ctx)
    desired = _desired(world, assignments, ctx, fills)
    # A campaign's airtimes the plans left empty get relays (they take precedence over a
    # rerun fill there).
    relays, known = builder_campaign.relays(session, world, assignments, ctx)
    desired.update(relays)
    changes = write(
        session,
        now,
        desired,
        world.changeable,
        world.revivable,
        world.fixed,
        world.retire,
        {row_id: cancellations.reason_text(cause) for row_id, cause in world.causes.items()},
        known,
    )
    cancellations.announce(session, now, world.retire.values(), world.causes)
    misses = _misses(inputs, plans, assignments, ctx)
    record = _record(session, world, now, len(desired), misses)
    if progress is not None:
        progress(total, total)
    return BuildOutcome(
        record, changes.inserted, changes.updated, changes.cancelled, changes.deleted
    )


def _pinned(session: Session, world: World) -> dict[OccKey, str]:
    """The premieres pinned by hand the build keeps, with their episodes' titles."""
    rows = {k: r for k, r in world.fixed.items() if r.pinned and r.kind is SlotKind.PREMIERE}
    if not rows:
        return {}
    ids = sorted({r.episode_id for r in rows.values()})
    rows_found = session.execute(select(Episode.id, Episode.title).where(Episode.id.in_(ids)))
    titles: dict[int, str] = {episode_id: title for episode_id, title in rows_found}
    return {k: titles[r.episode_id] for k, r in rows.items()}


def _column_inputs(world: World, ctx: Context) -> list[ColumnInput]:
    by_column: dict[int, list[Candidate]] = {}
    for c in world.candidates:
        by_column.setdefault(c.column_id, []).append(c)
    slots: dict[int, list[int]] = {}
    for s in world.slots:
        if s.kind is SlotKind.PREMIERE:
            slots.setdefault(s.column_id, []).append(s.id)
    inputs = []
    for column in world.columns:
        sequences = {slot_id: world.sequences[slot_id] for slot_id in slots.get(column.id, [])}
        open_keys = frozenset(
            o.key
            for seq in sequences.values()
            for o in seq
            if ctx.in_region(o) and o.key not in world.fixed
        )
        inputs.append(
            ColumnInput(
                column.id,
                column.name,
                sequences,
                open_keys,
                by_column.get(column.id, []),
                world.series.get(column.id, []),
            )
        )
    return inputs


def _with_exchange(world: World, plans: list[ColumnPlan], ctx: Context) -> dict[OccKey, Assignment]:
    """Own assignments of every column, then exchange (交流) into what is left empty."""
    assignments = {k: a for plan in plans for k, a in plan.assignments.items()}
    placed = {a.episode_id for a in assignments.values()}
    offered = [
        c
        for c in world.candidates
        if c.offered and c.series_id is None and c.episode_id not in placed
    ]
    free = [o for plan in plans for o in plan.free]
    assignments.update(plan_exchange(free, offered, ctx))
    return assignments


def _desired(
    world: World,
    assignments: dict[OccKey, Assignment],
    ctx: Context,
    fills: dict[OccKey, Fill] | None = None,
) -> dict[OccKey, Desired]:
    """Premieres as planned, the reruns derived from them (or from kept premieres), and
    the fills (补播) of premiere occurrences left empty."""

    def premiere_at(key: OccKey) -> tuple[int, bool] | None:
        planned = assignments.get(key)
        if planned is not None:
            return planned.episode_id, planned.exchange
        row = world.fixed.get(key)
        if (
            row is not None
            and row.kind is SlotKind.PREMIERE
            and row.episode_state is State.APPROVED
        ):
            return row.episode_id, row.exchange
        return None

    rerun_slots = [
        RerunSlot(
            s.id,
            s.rerun_of_id,
            s.rerun_back,
            tuple(o for o in world.rerun_occs[s.id] if o.key not in world.fixed),
        )
        for s in world.slots
        if s.kind is SlotKind.RERUN and s.rerun_of_id is not None
    ]
    desired = {
        key: Desired(
            key[0], key[1], a.occ.ends_at, a.episode_id, SlotKind.PREMIERE, a.exchange, a.reason
        )
        for key, a in sorted(assignments.items())
    }
    for key, r in sorted(derive_reruns(rerun_slots, world.sequences, premiere_at, ctx).items()):
        desired[key] = Desired(
            key[0],
            key[1],
            r.occ.ends_at,
            r.episode_id,
            SlotKind.RERUN,
            r.exchange,
            r.reason,
            r.premiere_key,
        )
    for key, f in sorted((fills or {}).items()):
        desired[key] = Desired(
            key[0],
            key[1],
            f.occ.ends_at,
            f.episode_id,
            SlotKind.RERUN,
            False,
            f.reason,
            fill=True,
            premiere_row=f.premiere_id,
        )
    return desired


def _misses(
    inputs: list[ColumnInput],
    plans: list[ColumnPlan],
    assignments: dict[OccKey, Assignment],
    ctx: Context,
) -> list[Miss]:
    """Every candidate of the built columns that got no premiere, with its reason."""
    placed = {a.episode_id for a in assignments.values()}
    misses: dict[int, Miss] = {}
    for col, plan in zip(inputs, plans, strict=True):
        misses.update({k: m for k, m in plan.misses.items() if k not in placed})
        region = [o for seq in col.sequences.values() for o in seq if ctx.in_region(o)]
        for c in plan.unplaced:
            if c.episode_id not in placed:
                misses[c.episode_id] = diagnose(c, region, ctx)
    return [misses[k] for k in sorted(misses)]


def _record(
    session: Session, world: World, now: datetime, planned: int, misses: list[Miss]
) -> ScheduleBuild:
    w = world.window
    kept = in_window(world.fixed.values(), w.start_at, w.plan_to)
    record = ScheduleBuild(
        started_at=now,
        horizon_from=w.start,
        horizon_to=w.end,
        airings=kept + planned,
        unscheduled=len(misses),
        fingerprint="",
    )
    session.add(record)
    session.flush()
    if misses:
        bulk_insert(
            session,
            Unscheduled,
            [
                {
                    "build_id": record.id,
                    "episode_id": m.episode_id,
                    "reason": m.code,
                    "detail": m.detail,
                }
                for m in misses
            ],
        )
    _forget_superseded(session, record, [c.id for c in world.columns], misses)
    return record


def _forget_superseded(
    session: Session, record: ScheduleBuild, column_ids: list[int], misses: list[Miss]
) -> int:
    """Delete the unscheduled rows this build decided again, so the table holds at most
    one row per episode instead of one set per build.

    The report reads each episode's latest row only (``builder_report``): an
    episode of a column the build covered has either a new row or a premiere
    now, and an episode given a new row (an exchange) needs no older one. Rows
    of columns the build left alone stay, as the report still reads them.
    """
    superseded = Unscheduled.episode_id.in_(
        select(Episode.id).where(Episode.column_id.in_(column_ids))
    )
    removed = 0
    for part in list(chunks(sorted({m.episode_id for m in misses}))) or [[]]:
        result = session.execute(
            delete(Unscheduled).where(
                Unscheduled.build_id < record.id, or_(superseded, Unscheduled.episode_id.in_(part))
            ),
            execution_options={"synchronize_session": False},
        )
        assert isinstance(result, CursorResult)
        removed += result.rowcount
    return removed


def inputs_fingerprint(session: Session, priorities: tuple[object, ...] = ()) -> str:
    """A digest of what the schedule is built from, cheap enough to poll.

    It changes when an episode becomes approved or stops being approved (a pull
    from air, 撤播), when any act touches an approved episode (its version moves),
    when a scheduler pins, unpins, assigns or pulls an airing, when a slot or a
    slot's dated exception is added, changed or removed (a stop date's removal is
    stamped on its row), when a scheduler switches a column's rerun fill (补播) or
    marks an occurrence to stay empty or unmarks it, and when
    ``priorities`` (what of the reporting priorities the caller passes to the
    build: tag, window, weight) change. Anything else (series dates) waits for
    the nightly rebuild.
    """
    approved = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Episode.id), 0),
            func.coalesce(func.sum(Episode.version), 0),
            func.max(Episode.state_entered_at),
        ).where(Episode.state == State.APPROVED)
    ).one()
    slots = session.execute(select(func.count(), func.max(Slot.updated_at))).one()
    dates = session.execute(
        select(func.count(), func.max(SlotDate.id), func.max(SlotDate.removed_at))
    ).one()
    # The schedulers' hand acts (pin, unpin, assign, pull an airing: 撤下) change which
    # airings are pinned, or cancel a pinned one; the builder never pins or unpins.
    hand = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Airing.id), 0),
            func.count(case((Airing.status == AiringStatus.CANCELLED, 1))),
        ).where(Airing.pinned.is_(True))
    ).one()
    switches = session.execute(select(func.count(), func.max(FillSwitch.id))).one()
    marks = session.execute(select(func.count(), func.max(KeepEmpty.removed_at))).one()
    inputs: tuple[object, ...] = (tuple(approved), tuple(slots), tuple(dates), tuple(hand))
    if switches[0] or marks[0]:  # (before any, the digest is what it was before the fill)
        inputs += (tuple(switches), tuple(marks))
    if priorities:  # (without any, the digest is what it was before priorities were stored)
        inputs += (priorities,)
    return hashlib.sha256(repr(inputs).encode()).hexdigest()
