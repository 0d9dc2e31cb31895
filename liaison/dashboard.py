"""The goal-management dashboard's figures (目标管理看板), built on ``progress``.

Per priority, one row per column with the five counts, the target, how many
should have aired by today and whether the column is behind; per column, a
weighted score across the quarter's priorities. The web pages, the printable
page and the XLSX export all read these figures, so they always agree.

Behind (落后): fewer aired than should have aired by today at an even pace,
counted in whole episodes (``floor(Cell.expected_by)``), so a column is not
behind on the window's first day for an episode nobody could have aired yet;
once the window is over, that is the target itself.

Weighted score: Σ weight × min(aired, target) over Σ weight × target; airing
more than the target on one priority does not make up for another.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from editorial.errors import NotFound
from liaison.models import Priority
from liaison.progress import Cell, Progress, Stage


def expected_whole(cell: Cell, priority: Priority, today: date) -> int:
    """Whole episodes that should have aired by ``today`` at an even pace."""
    return math.floor(cell.expected_by(priority, today))


def is_behind(cell: Cell, priority: Priority, today: date) -> bool:
    return cell.aired < expected_whole(cell, priority, today)


@dataclass(frozen=True)
class Row:
    """One column on one priority."""

    cell: Cell
    weight: int
    expected: float  # Cell.expected_by today
    behind: bool

    @property
    def column_id(self) -> int:
        return self.cell.column_id

    @property
    def target(self) -> int:
        return self.cell.target

    def count(self, stage: Stage) -> int:
        return self.cell.count(stage)

    @property
    def aired_confirmed(self) -> int:
        """Of the aired, those the station's as-run log confirms (已确认播出)."""
        return self.cell.aired_confirmed

    @property
    def aired_unconfirmed(self) -> int:
        """Of the aired, those no as-run log speaks of yet (已播出（未确认）)."""
        return self.cell.aired_unconfirmed

    @property
    def missing(self) -> int:
        """Premieres the as-run log says did not air (漏播): not counted as aired."""
        return len(self.cell.missing)

    @property
    def earned(self) -> int:
        return self.weight * min(self.cell.aired, self.cell.target)

    @property
    def possible(self) -> int:
        return self.weight * self.cell.target


@dataclass(frozen=True)
class PriorityFigures:
    priority: Priority
    rows: tuple[Row, ...]
    aired_days: tuple[date, ...]  # the local premiere day of each aired episode, in order
    today: date

    @property
    def days(self) -> int:
        return (self.priority.window_end - self.priority.window_start).days + 1

    @property
    def elapsed(self) -> int:
        """Days of the window gone by the end of today (0 before it opens)."""
        return min(max((self.today - self.priority.window_start).days + 1, 0), self.days)

    @property
    def target(self) -> int:
        return sum(r.target for r in self.rows)

    @property
    def aired(self) -> int:
        return sum(r.cell.aired for r in self.rows)

    @property
    def expected(self) -> float:
        return sum(r.expected for r in self.rows)

    def row(self, column_id: int) -> Row | None:
        return next((r for r in self.rows if r.column_id == column_id), None)


@dataclass(frozen=True)
class Score:
    """A column's weighted score across the quarter's priorities."""

    column_id: int
    earned: int
    possible: int
    behind: int  # on how many priorities the column is behind

    @property
    def share(self) -> float | None:
        return self.earned / self.possible if self.possible else None


@dataclass(frozen=True)
class Dashboard:
    progress: Progress
    today: date
    priorities: tuple[PriorityFigures, ...]
    scores: tuple[Score, ...]

    def of(self, priority_id: int) -> PriorityFigures:
        for figures in self.priorities:
            if figures.priority.id == priority_id:
                return figures
        raise NotFound(f"no priority {priority_id} in {self.progress.quarter.label}")

    @property
    def column_ids(self) -> list[int]:
        return [s.column_id for s in self.scores]


def dashboard(report: Progress, column_order: Sequence[int], today: date) -> Dashboard:
    """The figures of ``report`` with the columns in ``column_order`` (others after them, by
    id); no query beyond ``progress``'s."""
    rank = {column_id: n for n, column_id in enumerate(column_order)}

    def order(column_id: int) -> tuple[int, int]:
        return rank.get(column_id, len(rank)), column_id

    days = report.aired_days
    figures = []
    for priority in report.priorities:
        cells = sorted(report.of_priority(priority.id), key=lambda c: order(c.column_id))
        rows = tuple(
            Row(
                cell=c,
                weight=priority.weight,
                expected=c.expected_by(priority, today),
                behind=is_behind(c, priority, today),
            )
            for c in cells
        )
        aired_days = sorted(
            days[i] for r in rows for i in r.cell.episodes[Stage.AIRED] if i in days
        )
        figures.append(PriorityFigures(priority, rows, tuple(aired_days), today))
    return Dashboard(report, today, tuple(figures), _scores(figures, order))


def _scores(
    figures: Sequence[PriorityFigures], order: Callable[[int], tuple[int, int]]
) -> tuple[Score, ...]:
    totals: dict[int, list[int]] = {}
    for f in figures:
        for r in f.rows:
            earned, possible, behind = totals.setdefault(r.column_id, [0, 0, 0])
            totals[r.column_id] = [earned + r.earned, possible + r.possible, behind + r.behind]
    return tuple(
        Score(column_id, *values)
        for column_id, values in sorted(totals.items(), key=lambda kv: order(kv[0]))
    )
