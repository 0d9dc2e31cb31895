"""Which columns' episodes a person may see by title (county isolation).

A county producer works on their own column; the drafts, topics and review
states of a sister county are not theirs to read. The rule, used by every
page, export and message that names episodes:

- a person sees the titles (and states) of the episodes of every column they
  hold a role in;
- the liaison office (a liaison officer of a city-level column) and the final
  approvers of a city-level column (the city e-education centre's last
  sign-off) see every column's;
- of any other column, only counts.

What is on air is public: an airing in the published schedule (the public
iCalendar feeds carry it) names its episode to anyone. That exception is the
schedule's to apply (``scheduler`` knows airings); this module knows only people
and columns.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from editorial.models import Column, Level, Membership, Person, Role

SEES_EVERY_COLUMN = frozenset({Role.LIAISON, Role.FINAL_APPROVER})  # in a city-level column


@dataclass(frozen=True)
class TitleSight:
    """The columns whose episode titles a person may see: all, or those listed."""

    every_column: bool
    columns: frozenset[int]

    def sees(self, column_id: int) -> bool:
        return self.every_column or column_id in self.columns

    def where(
        self, column_id: InstrumentedAttribute[int] | ColumnElement[int]
    ) -> ColumnElement[bool]:
        """A SQL condition: the row's column is one whose titles the person sees."""
        if self.every_column:
            return true()
        return column_id.in_(sorted(self.columns))


NOBODY = TitleSight(every_column=False, columns=frozenset())


def title_sight(session: Session, person: Person | None) -> TitleSight:
    """Which columns' episode titles ``person`` may see (one statement)."""
    if person is None or not person.active:
        return NOBODY
    rows = session.execute(
        select(Membership.column_id, Membership.role, Column.level)
        .join(Column, Column.id == Membership.column_id)
        .where(Membership.person_id == person.id)
    ).all()
    every = any(role in SEES_EVERY_COLUMN and level is Level.CITY for _c, role, level in rows)
    return TitleSight(every_column=every, columns=frozenset(c for c, _r, _l in rows))
