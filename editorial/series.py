"""Series (连续报道): a major topic (重大题材) run in N parts that air in order, starting
by a date. The column's producers and admins plan them: create and edit here; the
reordering of parts, which depends on what has aired, is ``schedule.series``.

Each act checks who may, validates, records who and when on the series, and flushes;
the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from editorial.errors import Conflict, FieldErrors, Forbidden, InvalidInput
from editorial.models import Column, Episode, Person, Role, Series
from editorial.permissions import roles_in
from editorial.text import visible_text
from editorial.workdays import local_date

MAX_TITLE = 200
MAX_PARTS = 100  # a series longer than this is a column, not a series
# Who plans a column's series (制片人负责制: the producers answer for the column's episodes).
PLANNING_ROLES = frozenset({Role.PRODUCER, Role.ADMIN})


@dataclass(frozen=True)
class SeriesSpec:
    """What a producer enters for a series."""

    title: str
    parts: int
    start_by: date
    relay: bool = False  # county columns relay it (转播)


def may_plan(roles: set[Role]) -> bool:
    """Whether holding ``roles`` in a column lets a person plan its series."""
    return bool(roles & PLANNING_ROLES)


def planning_role(session: Session, actor: Person, column: Column) -> Role:
    """The role in which ``actor`` plans ``column``'s series, or Forbidden."""
    roles = roles_in(session, actor, column.id)
    if not actor.active or not may_plan(roles):
        raise Forbidden(
            f"{actor.username} is not a producer or admin of column {column.slug}",
            code="not_series_planner",
            column=column.name,
        )
    return Role.PRODUCER if Role.PRODUCER in roles else Role.ADMIN


def highest_part(session: Session, series: Series) -> int | None:
    """The highest part number proposed in the series (withdrawn ones too: they keep it)."""
    return session.scalar(
        select(func.max(Episode.part_number)).where(Episode.series_id == series.id)
    )


def _validate(
    spec: SeriesSpec, now: datetime, *, was: Series | None, highest: int | None
) -> FieldErrors:
    errors = FieldErrors()
    title = visible_text(spec.title)
    if not title:
        errors.add("title", "series_title_required", "a series needs a title")
    elif len(title) > MAX_TITLE:
        errors.add(
            "title",
            "series_title_too_long",
            f"a series title has at most {MAX_TITLE} characters",
            most=MAX_TITLE,
        )
    if spec.parts < 2:
        errors.add("parts", "series_parts_too_few", "a series has at least two parts")
    elif spec.parts > MAX_PARTS:
        errors.add(
            "parts",
            "series_parts_too_many",
            f"a series has at most {MAX_PARTS} parts",
            most=MAX_PARTS,
        )
    elif highest is not None and spec.parts < highest:
        errors.add(
            "parts",
            "series_parts_below_proposed",
            f"part {highest} is proposed already: the series has at least {highest} parts",
            highest=highest,
        )
    changed_day = was is None or spec.start_by != was.start_by
    if changed_day and spec.start_by < local_date(now):
        errors.add(
            "start_by",
            "series_start_by_past",
            f"start-by date {spec.start_by} is already past",
            day=spec.start_by,
        )
    return errors


def create_series(
    session: Session, actor: Person, column: Column, now: datetime, spec: SeriesSpec
) -> Series:
    """Plan a series (连续报道) of ``column``: its producers and admins."""
    planning_role(session, actor, column)
    errors = _validate(spec, now, was=None, highest=None)
    if errors:
        raise InvalidInput(
            "the series has errors: " + errors.english(), errors, code="invalid_series"
        )
    series = Series(
        column=column,
        title=visible_text(spec.title),
        parts=spec.parts,
        start_by=spec.start_by,
        relay=spec.relay,
        created_at=now,
        created_by_id=actor.id,
    )
    session.add(series)
    session.flush()
    return series


def check_series_version(series: Series, expected_version: int) -> None:
    if series.version != expected_version:
        raise Conflict(
            f"series {series.id} was changed by someone else (you saw version "
            f"{expected_version}, it is now version {series.version}); reload it and try again",
            code="series_changed",
            seen=expected_version,
            current=series.version,
        )


def lock_series(session: Session, series: Series, expected_version: int) -> None:
    """The series as it is now, locked until the commit, at the version the actor saw."""
    session.execute(select(Series.id).where(Series.id == series.id).with_for_update())
    session.refresh(series)
    check_series_version(series, expected_version)


def flush_series(session: Session, series: Series, expected_version: int) -> None:
    """Flush; a concurrent writer makes the versioned UPDATE miss: a Conflict."""
    series_id = series.id
    try:
        session.flush()
    except StaleDataError:
        raise Conflict(
            f"series {series_id} was changed by someone else while you acted "
            f"(you saw version {expected_version}); reload it and try again",
            code="series_changed_meanwhile",
        ) from None


def edit_series(
    session: Session,
    actor: Person,
    series: Series,
    expected_version: int,
    now: datetime,
    spec: SeriesSpec,
) -> Series:
    """Change a series' title, number of parts, start-by date or relay; never below the
    highest part already proposed. The series keeps who changed it last, and when."""
    planning_role(session, actor, series.column)
    lock_series(session, series, expected_version)
    errors = _validate(spec, now, was=series, highest=highest_part(session, series))
    if errors:
        raise InvalidInput(
            "the series has errors: " + errors.english(), errors, code="invalid_series"
        )
    wanted = {
        "title": visible_text(spec.title),
        "parts": spec.parts,
        "start_by": spec.start_by,
        "relay": spec.relay,
    }
    if all(getattr(series, name) == value for name, value in wanted.items()):
        raise InvalidInput("nothing to change: every field is as it was", code="nothing_to_change")
    for name, value in wanted.items():
        setattr(series, name, value)
    series.updated_at, series.updated_by_id = now, actor.id
    flush_series(session, series, expected_version)
    return series


def column_series(session: Session, column_ids: list[int]) -> list[Series]:
    """The series of the columns, soonest start-by first."""
    if not column_ids:
        return []
    return list(
        session.scalars(
            select(Series)
            .where(Series.column_id.in_(column_ids))
            .order_by(Series.start_by, Series.id)
        )
    )
