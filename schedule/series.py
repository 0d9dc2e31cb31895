"""A series on the air (连续报道): each part with its planned airing, and the reordering
of parts, which stops once any part has aired.

The parts air in order in consecutive premieres of the column's slot (the builder);
renumbering them before any has aired changes that order. After an airing the order
is history: an aired part is not renumbered, nor are the others around it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, joinedload

from editorial import history
from editorial.errors import FieldErrors, IllegalAct, InvalidInput
from editorial.models import Episode, Person, Series
from editorial.series import flush_series, lock_series, planning_role
from schedule.models import Airing, AiringStatus

# The act that renumbers a part, in each renumbered episode's history.
RENUMBER_ACT = "renumber_part"


@dataclass(frozen=True)
class Part:
    """One part of a series: its number, its episode (None: not proposed yet) and the
    next airing of that episode on the schedule (None: none planned)."""

    number: int
    episode: Episode | None
    next_airing: Airing | None
    aired: Airing | None  # its last airing that has aired (or whose time has passed)


def parts_of(session: Session, series: Series) -> list[Episode]:
    """The series' episodes, by part number (withdrawn and rejected ones too)."""
    return list(
        session.scalars(
            select(Episode)
            .where(Episode.series_id == series.id)
            .order_by(Episode.part_number)
            .options(joinedload(Episode.responsible_producer))
        )
    )


def _aired(now: datetime) -> ColumnElement[bool]:
    """An airing that has aired: confirmed by the as-run log, or its time has passed."""
    return or_(Airing.status == AiringStatus.AIRED, Airing.starts_at <= now.astimezone(UTC))


def series_parts(session: Session, series: Series, now: datetime) -> list[Part]:
    """Every part number of the series, 1 to ``parts``, with what stands in it: two
    statements (the episodes, their live airings)."""
    episodes = {e.part_number: e for e in parts_of(session, series)}
    ids = [e.id for e in episodes.values()]
    airings = (
        list(
            session.scalars(
                select(Airing)
                .where(Airing.episode_id.in_(ids), Airing.status != AiringStatus.CANCELLED)
                .options(joinedload(Airing.slot))
                .order_by(Airing.starts_at)
            )
        )
        if ids
        else []
    )
    later: dict[int, Airing] = {}
    past: dict[int, Airing] = {}
    for airing in airings:
        if airing.status is AiringStatus.AIRED or airing.starts_at <= now:
            past[airing.episode_id] = airing
        else:
            later.setdefault(airing.episode_id, airing)
    numbers = range(1, max([series.parts, *(n for n in episodes if n is not None)]) + 1)
    found = []
    for number in numbers:
        episode = episodes.get(number)
        key = episode.id if episode is not None else -1
        found.append(Part(number, episode, later.get(key), past.get(key)))
    return found


def first_aired_part(session: Session, series: Series, now: datetime) -> int | None:
    """The lowest part number that has aired, or None while none has."""
    return session.scalar(
        select(Episode.part_number)
        .join(Airing, Airing.episode_id == Episode.id)
        .where(
            Episode.series_id == series.id,
            Airing.status != AiringStatus.CANCELLED,
            _aired(now),
        )
        .order_by(Episode.part_number)
        .limit(1)
    )


def _check_order(series: Series, episodes: list[Episode], order: Mapping[int, int]) -> None:
    errors = FieldErrors()
    ids = {e.id for e in episodes}
    if set(order) != ids:
        errors.add(
            "order",
            "series_order_incomplete",
            "give every part of the series its new number, and only those",
        )
    numbers = list(order.values())
    repeated = sorted({n for n in numbers if numbers.count(n) > 1})
    if repeated:
        errors.add(
            "order",
            "series_order_repeated",
            f"part number {repeated[0]} is given twice",
            part=repeated[0],
        )
    if any(not 1 <= n <= series.parts for n in numbers):
        errors.add(
            "order",
            "series_part_out_of_range",
            f"series {series.id} has parts 1 to {series.parts}",
            series=series.title,
            parts=series.parts,
        )
    if errors:
        raise InvalidInput(
            "the new order has errors: " + errors.english(), errors, code="invalid_order"
        )


def reorder_parts(
    session: Session,
    actor: Person,
    series: Series,
    expected_version: int,
    now: datetime,
    order: Mapping[int, int],
) -> Series:
    """Renumber the parts of a series (episode id → new part number), before any has
    aired. Each renumbered episode's history records the act with the old and new
    number; the series keeps who reordered it, and when.

    The numbers move in two steps, first past the series' last part and then to their
    places, so that no statement ever holds one (series, part) twice: the unique
    constraint holds after every row, as PostgreSQL checks it, and not only at the end.
    """
    role = planning_role(session, actor, series.column)
    lock_series(session, series, expected_version)
    aired = first_aired_part(session, series, now)
    if aired is not None:
        raise IllegalAct(
            f"part {aired} of series {series.id} has aired: its parts can no longer be reordered",
            code="series_part_aired",
            series=series.title,
            part=aired,
        )
    episodes = parts_of(session, series)
    _check_order(series, episodes, order)
    moved = [e for e in episodes if order[e.id] != e.part_number]
    if not moved:
        raise InvalidInput(
            "nothing to change: every part keeps its number", code="nothing_to_change"
        )
    old = {e.id: e.part_number for e in moved}
    for step, episode in enumerate(moved, start=1):
        episode.part_number = series.parts + step
    session.flush()
    for episode in moved:
        episode.part_number = order[episode.id]
    session.flush()
    for episode in moved:
        history.record(
            session,
            episode,
            act=RENUMBER_ACT,
            actor=actor,
            role=role.value,
            now=now,
            from_state=episode.state,
            details={"series_id": series.id, "part_number": [old[episode.id], episode.part_number]},
        )
    series.updated_at, series.updated_by_id = now, actor.id
    flush_series(session, series, expected_version)
    return series
