"""What the schedule builder takes from the liaison office: the priorities' windows.

A real build (the scheduler service's rebuilds, ``tvcolumn schedule build``)
gets its ``BuildSettings`` from ``build_settings``: the defaults, with one
``PriorityWindow`` (tag, window, weight) for every priority whose window is not
over when the build's horizon begins. Those overlapping the horizon make the
builder prefer their tagged episodes inside the window; one lying wholly after
the horizon makes a tagged episode wait for it rather than air now and miss it
(``schedule.builder_plan``: it sits at the end of this build, and a later
build moves it into the window).

``fingerprint`` is what the rebuild-on-change job adds to its inputs, so a
priority added or changed (its tag, window or weight) brings a rebuild.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.workdays import local_date
from liaison.models import Priority
from schedule.builder_settings import BuildSettings, PriorityWindow


def priority_windows(session: Session, first: date) -> tuple[PriorityWindow, ...]:
    """The priorities whose window ends on or after ``first``, earliest window first."""
    rows = session.execute(
        select(Priority.tag, Priority.window_start, Priority.window_end, Priority.weight)
        .where(Priority.window_end >= first)
        .order_by(Priority.window_start, Priority.id)
    )
    return tuple(PriorityWindow(tag, start, end, weight) for tag, start, end, weight in rows)


def build_settings(
    session: Session,
    now: datetime,
    start: date | None = None,
    base: BuildSettings | None = None,
) -> BuildSettings:
    """``base`` (the defaults) with the priorities of a build whose horizon starts on
    ``start`` (by default the day of ``now``, as the builder's)."""
    base = base or BuildSettings()
    first = start or local_date(now)
    return replace(base, priorities=priority_windows(session, first))


def fingerprint(session: Session) -> tuple[tuple[object, ...], ...]:
    """What of the priorities a build depends on, for ``schedule.builder.inputs_fingerprint``."""
    rows = session.execute(
        select(
            Priority.id, Priority.tag, Priority.window_start, Priority.window_end, Priority.weight
        ).order_by(Priority.id)
    )
    return tuple(tuple(row) for row in rows)
