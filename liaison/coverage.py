"""How the air schedule covers the quarter's reporting priorities (季度宣传报道重点).

For each priority whose window overlaps the days asked about (the schedule
report's horizon), per column, how many episodes carrying its tag have a live
premiere (draft, published or aired) on a day of the window, in Asia/Shanghai,
counted for the column whose slot airs it; beside the column's target from the
liaison office, if it set one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from editorial.models import Column, PriorityTag
from editorial.workdays import SHANGHAI, local_date
from liaison.models import Priority, Target
from schedule.models import Airing, AiringStatus, Slot, SlotKind


@dataclass(frozen=True)
class ColumnCoverage:
    """One column on one priority: tagged episodes placed inside the window, its target."""

    column: Column
    placed: int
    target: int | None  # None: the liaison office set this column no target

    @property
    def short(self) -> bool:
        return self.target is not None and self.placed < self.target


@dataclass(frozen=True)
class PriorityCoverage:
    priority: Priority
    columns: tuple[ColumnCoverage, ...]

    @property
    def placed(self) -> int:
        return sum(c.placed for c in self.columns)

    @property
    def target(self) -> int:
        return sum(c.target or 0 for c in self.columns)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def priority_coverage(
    session: Session, first: date, last: date, *, column_ids: Sequence[int] | None = None
) -> tuple[PriorityCoverage, ...]:
    """Per priority whose window overlaps ``first``..``last``, per column (those with a
    target and those with a tagged premiere in the window): placed and target. Four queries."""
    priorities = list(
        session.scalars(
            select(Priority)
            .where(Priority.window_start <= last, Priority.window_end >= first)
            .options(joinedload(Priority.quarter))
            .order_by(Priority.window_start, Priority.id)
        )
    )
    if not priorities:
        return ()
    targets: dict[tuple[int, int], int] = {
        (t.priority_id, t.column_id): t.episodes
        for t in session.scalars(
            select(Target).where(Target.priority_id.in_([p.id for p in priorities]))
        )
    }
    since = _day_start(min(p.window_start for p in priorities))
    until = _day_start(max(p.window_end for p in priorities) + timedelta(days=1))
    premieres = session.execute(
        select(PriorityTag.tag, Airing.episode_id, Slot.column_id, Airing.starts_at)
        .join(PriorityTag, PriorityTag.episode_id == Airing.episode_id)
        .join(Slot, Slot.id == Airing.slot_id)
        .where(
            Airing.kind == SlotKind.PREMIERE,
            Airing.status != AiringStatus.CANCELLED,
            Airing.starts_at >= since,
            Airing.starts_at < until,
            PriorityTag.tag.in_({p.tag for p in priorities}),
        )
    ).all()
    placed: dict[tuple[int, int], set[int]] = {}
    for priority in priorities:
        for tag, episode_id, column_id, starts_at in premieres:
            if tag == priority.tag and (
                priority.window_start <= local_date(starts_at) <= priority.window_end
            ):
                placed.setdefault((priority.id, column_id), set()).add(episode_id)
    wanted = set(column_ids) if column_ids is not None else None
    shown = {c for _, c in [*targets, *placed] if wanted is None or c in wanted}
    columns = (
        {c.id: c for c in session.scalars(select(Column).where(Column.id.in_(sorted(shown))))}
        if shown
        else {}
    )
    result = []
    for priority in priorities:
        rows = tuple(
            ColumnCoverage(
                columns[column_id],
                len(placed.get((priority.id, column_id), ())),
                targets.get((priority.id, column_id)),
            )
            for column_id in sorted(columns)
            if (priority.id, column_id) in targets or (priority.id, column_id) in placed
        )
        result.append(PriorityCoverage(priority, rows))
    return tuple(result)
