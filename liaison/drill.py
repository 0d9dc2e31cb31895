"""The episodes behind one number of the dashboard (a drill-down), as a viewer may see them.

Titles and states follow ``editorial.sight``: the viewer's own columns (every
column for the liaison office and the city's final approvers); of another
column only the episodes on air in the published schedule (a published or aired
premiere, which the public feeds carry anyway) or premiering in a column the viewer
sees (an exchange, on the viewer's own schedule) are named; the rest are counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from editorial.models import Column, Episode, State
from editorial.sight import TitleSight
from schedule.models import Airing, AiringStatus, AsRunOutcome, AsRunResult, Slot, SlotKind

ON_AIR = frozenset({AiringStatus.PUBLISHED, AiringStatus.AIRED})  # public: in every feed


@dataclass(frozen=True)
class Listed:
    """An episode in a drill-down list."""

    id: int
    title: str
    state: State
    column_id: int
    column_name: str
    premiere: datetime | None
    premiere_status: AiringStatus | None
    # What the station's as-run log says of the premiere (None: nothing yet).
    premiere_asrun: AsRunOutcome | None = None


@dataclass(frozen=True)
class Drill:
    """The episodes named to the viewer, and how many more are only counted."""

    shown: list[Listed]
    withheld: int

    @property
    def total(self) -> int:
        return len(self.shown) + self.withheld


def drill_list(session: Session, sight: TitleSight, ids: list[int]) -> Drill:
    """The episodes ``ids`` with their own column and live premiere: one statement."""
    if not ids:
        return Drill([], 0)
    premiere = and_(
        Airing.episode_id == Episode.id,
        Airing.kind == SlotKind.PREMIERE,
        Airing.status != AiringStatus.CANCELLED,
    )
    rows = session.execute(
        select(
            Episode.id,
            Episode.title,
            Episode.state,
            Column.id,
            Column.name,
            Airing.starts_at,
            Airing.status,
            Slot.column_id,
            AsRunResult.outcome,
        )
        .join(Column, Column.id == Episode.column_id)
        .outerjoin(Airing, premiere)
        .outerjoin(Slot, Slot.id == Airing.slot_id)
        .outerjoin(AsRunResult, AsRunResult.airing_id == Airing.id)
        .where(Episode.id.in_(ids))
        .order_by(Airing.starts_at, Episode.id)
    )
    shown, withheld = [], 0
    for episode_id, title, state, column_id, column_name, starts_at, status, airs_in, asrun in rows:
        listed = Listed(episode_id, title, state, column_id, column_name, starts_at, status, asrun)
        on_our_schedule = airs_in is not None and sight.sees(airs_in)
        if sight.sees(listed.column_id) or listed.premiere_status in ON_AIR or on_our_schedule:
            shown.append(listed)
        else:
            withheld += 1
    return Drill(shown, withheld)
