"""The rerun fill (补播): premiere occurrences inside the frozen horizon that the plans
and the exchange left empty get a rerun of an aired episode of their column.

It runs last, on what is still empty, so it never takes an occurrence a premiere
could take; a draft fill is an open occurrence to the next build like any draft.
Per occurrence, in time order, the pick is the column's episode that

* is approved (可播) and aired: its live premiere ended before ``now``;
* fits the occurrence (``BuildSettings.fits``) and was not pulled from it by hand;
* has not aired in that slot for the longest time (never aired there first), then
  the earliest premiere, then the lowest id.

A column whose scheduler switched the fill off (``schedule.fill``), and an occurrence
marked to stay empty (留空), get none. Only when something is left to fill: one
query each for the switches, the marks, the aired episodes and their airings in
those slots.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.models import Episode, State
from schedule.builder_load import World, chunks
from schedule.builder_plan import Context, OccKey, SlotOcc
from schedule.builder_settings import DURATION_FIELDS
from schedule.models import Airing, AiringStatus, FillSwitch, KeepEmpty, SlotKind
from schedule.reasons import reason

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Aired:
    """An aired, approved episode a fill may replay."""

    episode_id: int
    column_id: int
    duration_s: int
    premiere_id: int
    premiere_at: datetime


@dataclass(frozen=True)
class Fill:
    occ: SlotOcc
    episode_id: int
    premiere_id: int
    reason: str

    @property
    def key(self) -> OccKey:
        return self.occ.key


def fill_off(session: Session, column_ids: Iterable[int]) -> set[int]:
    """The columns whose latest switch turned the fill off."""
    wanted = set(column_ids)
    latest: dict[int, bool] = {}
    for column_id, on in session.execute(
        select(FillSwitch.column_id, FillSwitch.fill).order_by(FillSwitch.id)
    ):
        if column_id in wanted:
            latest[column_id] = on
    return {c for c, on in latest.items() if not on}


def empty_occurrences(world: World, taken: Iterable[OccKey], ctx: Context) -> list[SlotOcc]:
    """Premiere occurrences of the plan region inside the frozen horizon that nothing
    takes, of the columns whose fill is on, in time order."""
    frozen_end = min(world.window.frozen_end, ctx.plan_to)
    if frozen_end <= ctx.plan_from:
        return []
    taken = set(taken)
    found = []
    for seq in world.sequences.values():  # each in time order: look at its frozen part only
        first = bisect.bisect_left(seq, ctx.plan_from, key=_start)
        last = bisect.bisect_left(seq, frozen_end, first, key=_start)
        found += [o for o in seq[first:last] if o.key not in taken and o.key not in world.fixed]
    return sorted(found, key=lambda o: (o.starts_at, o.slot_id))


def _start(occ: SlotOcc) -> datetime:
    return occ.starts_at


def plan_fills(
    session: Session, world: World, taken: Iterable[OccKey], ctx: Context
) -> dict[OccKey, Fill]:
    """The fills of this build: load what they need, then pick (``pick_fills``)."""
    empty = empty_occurrences(world, taken, ctx)
    if not empty:
        return {}
    off = fill_off(session, {o.column_id for o in empty})
    empty = [o for o in empty if o.column_id not in off]
    kept = kept_days(session, {o.slot_id for o in empty})
    empty = [o for o in empty if (o.slot_id, o.day) not in kept]
    if not empty:
        return {}
    aired = _aired(session, sorted({o.column_id for o in empty}), world.window.now)
    last = _last_in_slot(session, world, sorted({o.slot_id for o in empty}))
    return pick_fills(empty, aired, last, ctx)


def pick_fills(
    empty: list[SlotOcc],
    aired: dict[int, list[Aired]],
    last: dict[tuple[int, int], datetime],
    ctx: Context,
) -> dict[OccKey, Fill]:
    """Per empty occurrence, in time order, the fitting aired episode of its column
    longest off the air in that slot; what it picks counts as aired there."""
    fits = ctx.settings.fits
    result: dict[OccKey, Fill] = {}
    for occ in empty:
        best: tuple[datetime, datetime, int] | None = None
        pick: Aired | None = None
        for e in aired.get(occ.column_id, ()):
            if e.premiere_at >= occ.starts_at or not fits(e.duration_s, occ.duration_s):
                continue
            if ctx.pulled(occ, e.episode_id):
                continue
            key = (last.get((occ.slot_id, e.episode_id), NEVER), e.premiere_at, e.episode_id)
            if best is None or key < best:
                best, pick = key, e
        if pick is None:
            continue
        last[(occ.slot_id, pick.episode_id)] = occ.starts_at
        text = reason("fill", premiere=pick.premiere_at).text
        result[occ.key] = Fill(occ, pick.episode_id, pick.premiere_id, text)
    return result


def _aired(session: Session, column_ids: list[int], now: datetime) -> dict[int, list[Aired]]:
    """The approved episodes of these columns whose live premiere has ended, by column."""
    found: dict[int, list[Aired]] = {}
    for part in chunks(column_ids):
        rows = session.execute(
            select(
                Airing.id,
                Airing.starts_at,
                Episode.id,
                Episode.column_id,
                *[getattr(Episode, name) for name in DURATION_FIELDS],
            )
            .join(Episode, Episode.id == Airing.episode_id)
            .where(
                Episode.column_id.in_(part),
                Episode.state == State.APPROVED,
                Airing.kind == SlotKind.PREMIERE,
                Airing.status != AiringStatus.CANCELLED,
                Airing.ends_at <= now,
            )
            .order_by(Episode.id)
        )
        for premiere_id, premiere_at, episode_id, column_id, target, media in rows:
            duration = media if media is not None else target  # as ``episode_duration``
            found.setdefault(column_id, []).append(
                Aired(episode_id, column_id, duration, premiere_id, premiere_at)
            )
    return found


def _last_in_slot(
    session: Session, world: World, slot_ids: list[int]
) -> dict[tuple[int, int], datetime]:
    """When each episode last aired in each of these slots: before the plan region, or
    in an airing this build keeps (a draft it may replace does not count)."""
    plan_from = world.window.plan_from
    last: dict[tuple[int, int], datetime] = {}
    for part in chunks(slot_ids):
        rows = session.execute(
            select(Airing.slot_id, Airing.episode_id, func.max(Airing.starts_at))
            .where(
                Airing.slot_id.in_(part),
                Airing.status != AiringStatus.CANCELLED,
                Airing.starts_at < plan_from,
            )
            .group_by(Airing.slot_id, Airing.episode_id)
        )
        last.update({(s, e): at for s, e, at in rows})
    wanted = set(slot_ids)
    for row in world.fixed.values():
        if row.slot_id in wanted and row.starts_at >= plan_from:
            pair = (row.slot_id, row.episode_id)
            last[pair] = max(last.get(pair, NEVER), row.starts_at)
    return last


def kept_days(session: Session, slot_ids: Iterable[int]) -> set[tuple[int, date]]:
    """The live keep-empty marks (slot, local day) of these slots."""
    ids = sorted(set(slot_ids))
    return {
        (slot_id, day)
        for part in chunks(ids)
        for slot_id, day in session.execute(
            select(KeepEmpty.slot_id, KeepEmpty.day).where(
                KeepEmpty.slot_id.in_(part), KeepEmpty.removed_at.is_(None)
            )
        )
    }
