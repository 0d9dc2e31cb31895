"""Goal management (目标管理): each column's progress on each priority against its target.

An episode answers to a priority when it carries the priority's tag. It is
counted once per priority, at the furthest stage it has reached:

* ``aired`` / ``scheduled``: its premiere (首播, never a rerun) falls on a day
  of the window, in Asia/Shanghai, both ends included: aired if that airing
  has aired, scheduled if it is drafted or published. It counts for the
  column whose slot airs it (an exchanged episode counts where it airs).
* otherwise, by its state, for its own column: ``approved`` (可播),
  ``in_production`` (制作中, submitted, in review or returned) or
  ``proposed`` (选题申报 or 选题通过). An episode whose premiere lies outside
  the window, or that was rejected, withdrawn or pulled, is not counted.

An aired premiere is confirmed when the station's as-run log (播后记录) says it aired (on
time, late or short) and unconfirmed while no log speaks of it (已播出（未确认）); both
count as aired. A premiere the log says did not air (漏播) is missing: not aired, not
scheduled, listed apart (``Cell.missing``).

Only ``aired`` meets the target (the target is "episodes aired inside the
window"); ``scheduled`` shows what will meet it if all goes to plan.

Three questions about falling short, each asked where it belongs:
``Cell.short_of_target`` (aired < target: the final verdict),
``liaison.dashboard.is_behind`` (aired below an even pace through the window
by today: the 落后 mark on the dashboard, the export and ``tvcolumn liaison
progress``), and ``behind_with_a_month_left`` (aired + scheduled < target with
at most 30 days of the window left: the reminder, since what is scheduled
will count if it airs).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.models import Episode, PriorityTag, State
from editorial.workdays import local_date
from liaison.models import Priority, Quarter, Target
from schedule.models import Airing, AiringStatus, AsRunOutcome, AsRunResult, Slot, SlotKind


class Stage(enum.StrEnum):
    PROPOSED = "proposed"
    IN_PRODUCTION = "in_production"
    APPROVED = "approved"
    SCHEDULED = "scheduled"
    AIRED = "aired"


STAGES = tuple(Stage)
_BY_STATE = {
    State.PROPOSED: Stage.PROPOSED,
    State.TOPIC_APPROVED: Stage.PROPOSED,
    State.IN_PRODUCTION: Stage.IN_PRODUCTION,
    State.FIRST_REVIEW: Stage.IN_PRODUCTION,
    State.SECOND_REVIEW: Stage.IN_PRODUCTION,
    State.FINAL_REVIEW: Stage.IN_PRODUCTION,
    State.RETURNED: Stage.IN_PRODUCTION,
    State.APPROVED: Stage.APPROVED,
}


@dataclass
class Cell:
    """One column on one priority."""

    priority_id: int
    column_id: int
    target: int
    episodes: dict[Stage, list[int]] = field(default_factory=lambda: {s: [] for s in STAGES})
    confirmed: list[int] = field(default_factory=list)  # of the aired: an as-run log says so
    missing: list[int] = field(default_factory=list)  # premieres the as-run log says did not air

    def count(self, stage: Stage) -> int:
        return len(self.episodes[stage])

    @property
    def aired(self) -> int:
        return self.count(Stage.AIRED)

    @property
    def aired_confirmed(self) -> int:
        return len(self.confirmed)

    @property
    def aired_unconfirmed(self) -> int:
        return self.aired - len(self.confirmed)

    @property
    def short_of_target(self) -> bool:
        """Fewer aired than the target (what counts once the window is over)."""
        return self.aired < self.target

    def expected_by(self, priority: Priority, today: date) -> float:
        """How many should have aired by ``today`` if the target is met evenly."""
        days = (priority.window_end - priority.window_start).days + 1
        gone = min(max((today - priority.window_start).days + 1, 0), days)
        return self.target * gone / days


@dataclass(frozen=True)
class Progress:
    quarter: Quarter
    priorities: tuple[Priority, ...]
    cells: dict[tuple[int, int], Cell]  # (priority id, column id)
    # The local day each episode counted as aired premiered (for the pace chart).
    aired_days: dict[int, date] = field(default_factory=dict)

    def of_priority(self, priority_id: int) -> list[Cell]:
        return [c for (p, _), c in sorted(self.cells.items()) if p == priority_id]

    def of_column(self, column_id: int) -> list[Cell]:
        return [c for (_, col), c in sorted(self.cells.items()) if col == column_id]


def progress(session: Session, quarter: Quarter) -> Progress:
    """Every column's progress on every priority of ``quarter``: four queries in all."""
    priorities = tuple(
        session.scalars(
            select(Priority)
            .where(Priority.quarter_id == quarter.id)
            .order_by(Priority.window_start, Priority.id)
        )
    )
    by_tag = {p.tag: p for p in priorities}
    cells: dict[tuple[int, int], Cell] = {}
    for target in session.scalars(
        select(Target).where(Target.priority_id.in_([p.id for p in priorities]))
    ):
        cells[(target.priority_id, target.column_id)] = Cell(
            target.priority_id, target.column_id, target.episodes
        )
    if not by_tag:
        return Progress(quarter, priorities, cells)
    aired_days: dict[int, date] = {}

    tagged = session.execute(
        select(PriorityTag.tag, Episode.id, Episode.column_id, Episode.state)
        .join(Episode, Episode.id == PriorityTag.episode_id)
        .where(PriorityTag.tag.in_(list(by_tag)))
    ).all()
    premieres: dict[int, tuple[int, datetime, AiringStatus, AsRunOutcome | None]] = {}
    for episode_id, column_id, starts_at, status, outcome in session.execute(
        select(
            Airing.episode_id, Slot.column_id, Airing.starts_at, Airing.status, AsRunResult.outcome
        )
        .join(Slot, Slot.id == Airing.slot_id)
        .outerjoin(AsRunResult, AsRunResult.airing_id == Airing.id)
        .where(
            Airing.kind == SlotKind.PREMIERE,
            Airing.status != AiringStatus.CANCELLED,
            Airing.episode_id.in_({row.id for row in tagged}),
        )
    ):
        premieres[episode_id] = (column_id, starts_at, status, outcome)

    def cell(priority: Priority, column_id: int) -> Cell:
        key = (priority.id, column_id)
        if key not in cells:
            cells[key] = Cell(priority.id, column_id, 0)
        return cells[key]

    for tag, episode_id, column_id, state in tagged:
        priority = by_tag[tag]
        premiere = premieres.get(episode_id)
        if premiere is not None:
            airing_column, starts_at, status, result = premiere
            day = local_date(starts_at)
            if priority.window_start <= day <= priority.window_end:
                counted = cell(priority, airing_column)
                if result is AsRunOutcome.MISSING:
                    counted.missing.append(episode_id)
                    continue
                aired = status is AiringStatus.AIRED or result is not None
                stage = Stage.AIRED if aired else Stage.SCHEDULED
                counted.episodes[stage].append(episode_id)
                if stage is Stage.AIRED:
                    aired_days[episode_id] = day
                    if result is not None:
                        counted.confirmed.append(episode_id)
            continue  # a premiere outside the window cannot count for it
        if state in _BY_STATE:
            cell(priority, column_id).episodes[_BY_STATE[state]].append(episode_id)
    for c in cells.values():
        for ids in (*c.episodes.values(), c.confirmed, c.missing):
            ids.sort()
    return Progress(quarter, priorities, cells, aired_days)


def behind_with_a_month_left(report: Progress, today: date) -> list[tuple[Priority, Cell]]:
    """Columns behind their target on a priority whose window ends within 30 days.

    Behind: fewer aired and scheduled inside the window than the target.
    """
    found = []
    for priority in report.priorities:
        left = (priority.window_end - today).days
        if not 0 <= left <= 30:
            continue
        for c in report.of_priority(priority.id):
            if c.count(Stage.AIRED) + c.count(Stage.SCHEDULED) < c.target:
                found.append((priority, c))
    return found


def group_ids(cells: list[Cell]) -> dict[Stage, int]:
    totals: dict[Stage, int] = defaultdict(int)
    for c in cells:
        for stage in STAGES:
            totals[stage] += c.count(stage)
    return dict(totals)
