"""The quarter's reporting priorities (季度宣传报道重点) as the tags an episode may carry.

The episode form offers the tags of the quarter the day falls in and asks before it saves
a tag that names none of them: a typo (「七一」 for 「建党节」) would otherwise leave the
episode out of the goal management (``liaison.progress``) without anyone noticing. A tag
the episode already carries is not asked about again, and when the quarter has no
priorities yet there is no list to hold a tag against, so nothing is asked.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from liaison.models import Priority, Quarter


def quarter_number(day: date) -> int:
    return (day.month - 1) // 3 + 1


def current_priorities(session: Session, today: date) -> list[Priority]:
    """The priorities of the quarter ``today`` (a local day) falls in, by their window."""
    return list(
        session.scalars(
            select(Priority)
            .join(Quarter, Quarter.id == Priority.quarter_id)
            .where(Quarter.year == today.year, Quarter.number == quarter_number(today))
            .order_by(Priority.window_start, Priority.id)
        )
    )


def unknown_tags(
    tags: Iterable[str], priorities: Sequence[Priority], kept: Iterable[str] = ()
) -> list[str]:
    """The ``tags`` that name none of ``priorities``, leaving out those in ``kept`` (what the
    episode carries already); none at all when there are no priorities to hold them to."""
    if not priorities:
        return []
    known = {p.tag for p in priorities} | set(kept)
    unknown: list[str] = []
    for tag in tags:
        if tag not in known and tag not in unknown:
            unknown.append(tag)
    return unknown
