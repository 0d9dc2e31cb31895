"""The schedule report: what is not on the air schedule and what is at risk.

Read from the current rows, not from one build: a build may have covered only
some columns, so each approved episode without a live premiere shows the
reason of the latest build that considered it (or that no build has yet).

It also lists the empty premiere occurrences (空档) of the next four weeks from now:
dead air unless someone fills them.

The report names the horizon it looks at (the latest build's, or before any
build the default horizon from today); how that horizon covers the quarter's
reporting priorities is the liaison office's measure (``liaison.coverage``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from editorial.models import Episode, State
from editorial.workdays import local_date
from schedule.builder_load import chunks
from schedule.builder_settings import BuildSettings, episode_duration
from schedule.gaps import EmptyOccurrence, empty_occurrences, slots_of
from schedule.models import Airing, AiringStatus, ScheduleBuild, Slot, SlotKind, Unscheduled
from schedule.reasons import Reason, parse, reason

RISK_DAYS = 7
EMPTY_DAYS = 28  # how far ahead the report lists empty premiere occurrences
NOT_BUILT = "not_built"


@dataclass(frozen=True)
class UnscheduledItem:
    episode: Episode
    reason: str  # a code of schedule.builder, or NOT_BUILT
    detail: str  # in Chinese (schedule.reasons.parse reads its code and particulars)
    build_id: int | None


@dataclass(frozen=True)
class AtRiskItem:
    episode: Episode
    premiere_at: datetime | None
    why: Reason


@dataclass(frozen=True)
class StaleAiring:
    """A kept airing (pinned, published or aired) of an episode no longer approved."""

    airing: Airing
    why: Reason


@dataclass(frozen=True)
class Replacement:
    """An approved episode that could fill a freed occurrence: one not yet on the
    schedule (``rerun`` False) or an aired one as a rerun (补播)."""

    episode: Episode
    rerun: bool
    last_aired: datetime | None = None


@dataclass(frozen=True)
class CancelledAiring:
    """A published or pinned airing ahead cancelled by a stop date or a pull
    (``schedule.cancellations``), and what could fill its occurrence if it still airs."""

    airing: Airing
    why: Reason
    occurrence_free: bool  # the occurrence still airs (a pull) and nothing fills it yet
    candidates: list[Replacement]


@dataclass(frozen=True)
class ScheduleReport:
    latest_build: ScheduleBuild | None
    unscheduled: list[UnscheduledItem]
    at_risk: list[AtRiskItem]
    stale: list[StaleAiring]
    horizon: tuple[date, date]  # the latest build's days, or the default horizon from today
    cancelled: list[CancelledAiring] = field(default_factory=list)
    fills: list[Airing] = field(default_factory=list)  # reruns in empty occurrences (补播)
    empty: list[EmptyOccurrence] = field(default_factory=list)  # premieres, next 4 weeks


def _live_premiere() -> tuple[type[Airing], ColumnElement[bool]]:
    premiere = aliased(Airing)
    condition = and_(
        premiere.episode_id == Episode.id,
        premiere.kind == SlotKind.PREMIERE,
        premiere.status != AiringStatus.CANCELLED,
    )
    return premiere, condition


def schedule_report(
    session: Session,
    now: datetime,
    *,
    column_ids: Sequence[int] | None = None,
    risk_days: int = RISK_DAYS,
) -> ScheduleReport:
    """Unscheduled approved episodes, air-by dates at risk and kept airings gone stale,
    over the latest build's horizon."""
    latest = session.scalar(select(ScheduleBuild).order_by(ScheduleBuild.id.desc()).limit(1))
    if latest is not None:
        horizon = (latest.horizon_from, latest.horizon_to)
    else:
        today = local_date(now)
        horizon = (today, today + timedelta(days=BuildSettings().horizon_days))
    unscheduled = _unscheduled(session, column_ids)
    return ScheduleReport(
        latest,
        unscheduled,
        _at_risk(session, now, column_ids, risk_days, unscheduled),
        _stale(session, now, column_ids),
        horizon,
        _cancelled(session, now, column_ids),
        _fills(session, now, column_ids),
        _empty_premieres(session, now, column_ids),
    )


def _empty_premieres(
    session: Session, now: datetime, column_ids: Sequence[int] | None
) -> list[EmptyOccurrence]:
    """Premiere occurrences (首播) from ``now`` to ``EMPTY_DAYS`` ahead that nothing fills."""
    if column_ids is None:
        column_ids = list(session.scalars(select(Slot.column_id).distinct()))
    premieres = slots_of(session, column_ids, kind=SlotKind.PREMIERE)
    return empty_occurrences(session, premieres, now, now + timedelta(days=EMPTY_DAYS))


def _approved(column_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Episode.state == State.APPROVED]
    if column_ids is not None:
        where.append(Episode.column_id.in_(column_ids))
    return where


def without_premiere(session: Session, column_ids: Sequence[int] | None) -> list[Episode]:
    """The columns' approved episodes without a live premiere (one statement): those a
    scheduler may place into an empty occurrence."""
    _, condition = _live_premiere()
    return list(
        session.scalars(
            select(Episode)
            .where(*_approved(column_ids), ~exists().where(condition))
            .options(joinedload(Episode.column))
            .order_by(Episode.column_id, Episode.id)
        )
    )


def _unscheduled(session: Session, column_ids: Sequence[int] | None) -> list[UnscheduledItem]:
    episodes = without_premiere(session, column_ids)
    latest: dict[int, Unscheduled] = {}
    for part in chunks([e.id for e in episodes]):
        rows = session.scalars(
            select(Unscheduled)
            .where(Unscheduled.episode_id.in_(part))
            .order_by(Unscheduled.build_id.desc())
        )
        for row in rows:
            latest.setdefault(row.episode_id, row)
    items = []
    for e in episodes:
        found = latest.get(e.id)
        if found is None:
            items.append(UnscheduledItem(e, NOT_BUILT, reason(NOT_BUILT).text, None))
        else:
            items.append(UnscheduledItem(e, found.reason, found.detail, found.build_id))
    return items


def _at_risk(
    session: Session,
    now: datetime,
    column_ids: Sequence[int] | None,
    days: int,
    unscheduled: Sequence[UnscheduledItem],
) -> list[AtRiskItem]:
    """Every episode that may miss its air-by date: without a premiere, its air-by date
    passed, or a build could not place it (with the build's reason), or its air-by date
    within ``days``; or a premiere after the air-by date."""
    left_out = {u.episode.id: u for u in unscheduled if u.reason != NOT_BUILT}
    today = local_date(now)
    premiere, condition = _live_premiere()
    rows = session.execute(
        select(Episode, premiere)
        .outerjoin(premiere, condition)
        .where(*_approved(column_ids), Episode.air_by.is_not(None))
        .options(joinedload(Episode.column))
        .order_by(Episode.air_by, Episode.id)
    )
    items = []
    for episode, found in rows:
        airing: Airing | None = found
        assert episode.air_by is not None
        if airing is None:
            left = left_out.get(episode.id)
            said = parse(left.detail) if left is not None else None
            if episode.air_by < today:
                items.append(
                    AtRiskItem(episode, None, reason("air_by_passed", air_by=episode.air_by))
                )
            elif said is not None:
                items.append(AtRiskItem(episode, None, said))
            elif left is not None or episode.air_by <= today + timedelta(days=days):
                items.append(
                    AtRiskItem(episode, None, reason("air_by_near", air_by=episode.air_by))
                )
        elif airing.status is not AiringStatus.AIRED and airing.starts_at >= now:
            day = local_date(airing.starts_at)
            if day > episode.air_by:
                why = reason("premiere_after_air_by", day=day, air_by=episode.air_by)
                items.append(AtRiskItem(episode, airing.starts_at, why))
    return items


def _stale(session: Session, now: datetime, column_ids: Sequence[int] | None) -> list[StaleAiring]:
    query = (
        select(Airing)
        .join(Episode, Episode.id == Airing.episode_id)
        .where(
            Airing.status != AiringStatus.CANCELLED,
            Airing.starts_at >= now,
            Episode.state != State.APPROVED,
        )
        .options(joinedload(Airing.episode), joinedload(Airing.slot))
        .order_by(Airing.starts_at, Airing.id)
    )
    if column_ids is not None:
        query = query.join(Slot, Slot.id == Airing.slot_id).where(Slot.column_id.in_(column_ids))
    return [
        StaleAiring(airing, reason("not_approved", state=airing.episode.state.value))
        for airing in session.scalars(query)
    ]


def _fills(session: Session, now: datetime, column_ids: Sequence[int] | None) -> list[Airing]:
    """The live fills (补播) ahead: reruns the builder put into empty premiere occurrences."""
    query = (
        select(Airing)
        .where(Airing.fill.is_(True), Airing.status != AiringStatus.CANCELLED)
        .where(Airing.ends_at > now)
        .options(
            joinedload(Airing.episode),
            joinedload(Airing.slot).joinedload(Slot.column),
            joinedload(Airing.premiere),
        )
        .order_by(Airing.starts_at, Airing.id)
    )
    if column_ids is not None:
        query = query.join(Slot, Slot.id == Airing.slot_id).where(Slot.column_id.in_(column_ids))
    return list(session.scalars(query))


CANCEL_CODES = frozenset({"stopped", "episode_pulled", "slot_changed"})
REPLACEMENTS = 5


def _cancelled(
    session: Session, now: datetime, column_ids: Sequence[int] | None
) -> list[CancelledAiring]:
    """Airings ahead the build cancelled for a stop date or a pull, with candidates to
    fill each occurrence still free."""
    query = (
        select(Airing)
        .where(Airing.status == AiringStatus.CANCELLED, Airing.starts_at >= now)
        .options(joinedload(Airing.episode), joinedload(Airing.slot))
        .order_by(Airing.starts_at, Airing.id)
    )
    if column_ids is not None:
        query = query.join(Slot, Slot.id == Airing.slot_id).where(Slot.column_id.in_(column_ids))
    found: list[tuple[Airing, Reason]] = []
    for airing in session.scalars(query):
        why = parse(airing.reason)
        if why is not None and why.code in CANCEL_CODES:
            found.append((airing, why))
    if not found:
        return []
    rows = session.execute(
        select(Airing.slot_id, Airing.starts_at).where(
            Airing.status != AiringStatus.CANCELLED,
            Airing.slot_id.in_({a.slot_id for a, _ in found}),
            Airing.starts_at >= now,
        )
    )
    taken = {(slot_id, starts_at) for slot_id, starts_at in rows}
    items = []
    for airing, why in found:
        free = why.code == "episode_pulled" and (airing.slot_id, airing.starts_at) not in taken
        candidates = _replacements(session, airing.slot) if free else []
        items.append(CancelledAiring(airing, why, free, candidates))
    return items


def _replacements(session: Session, slot: Slot) -> list[Replacement]:
    """Approved episodes of the slot's column that fit it: first those without a premiere
    (oldest approval first), then aired ones as reruns (补播), longest off the air first."""
    settings = BuildSettings()
    _, condition = _live_premiere()
    fresh = [
        Replacement(e, rerun=False)
        for e in session.scalars(
            select(Episode)
            .where(
                Episode.state == State.APPROVED,
                Episode.column_id == slot.column_id,
                ~exists().where(condition),
            )
            .order_by(Episode.state_entered_at, Episode.id)
        )
    ]
    aired = aliased(Airing)
    rows = session.execute(
        select(Episode, func.max(aired.starts_at))
        .join(aired, aired.episode_id == Episode.id)
        .where(
            Episode.state == State.APPROVED,
            Episode.column_id == slot.column_id,
            aired.status == AiringStatus.AIRED,
        )
        .group_by(Episode.id)
        .order_by(func.max(aired.starts_at), Episode.id)
    ).all()
    reruns = [Replacement(e, rerun=True, last_aired=last) for e, last in rows]
    fitting = [
        r for r in fresh + reruns if settings.fits(episode_duration(r.episode), slot.duration_s)
    ]
    return fitting[:REPLACEMENTS]
