"""A scheduler's hand acts on the air schedule: pin (固定), unpin, assign an episode
to an occurrence, place an unscheduled episode into an empty one (空档), and pull
(撤下) an airing.

Each takes the session, the acting scheduler, its arguments and ``now``; it
checks that the actor is a scheduler (编排) or admin of the slot's column,
changes the rows and flushes. The caller commits.

What the builder makes of them: a pinned airing is never changed by a rebuild.
A pulled airing stays as a CANCELLED, pinned row (a published one with its
``revision`` bumped, so the feeds show the cancellation; a draft one was never
public). It is the memory of the decision: the builder never puts that episode
back into that occurrence, though it may fill the occurrence with another
episode and air the pulled one elsewhere. To keep an episode off the air
altogether, pull it from air in the workflow (撤播).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial.db import Failure, classify
from editorial.errors import Conflict, InvalidInput, NotFound
from editorial.models import Episode, Person, State
from editorial.text import visible_text
from editorial.workdays import SHANGHAI, local_date
from schedule import reasons
from schedule.builder_settings import BuildSettings, episode_duration
from schedule.models import Airing, AiringStatus, Slot, SlotDateKind, SlotKind
from schedule.recurrence import zone
from schedule.slots import require_scheduler, slot_occurrences

NEAREST_SPAN = timedelta(days=21)


def _local(moment: datetime) -> str:
    return f"{moment.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def premieres_of(session: Session, episode_ids: Collection[int]) -> dict[int, datetime]:
    """Each episode's first premiere (首播) still on the schedule, by episode id: one
    statement; episodes with none are left out."""
    if not episode_ids:
        return {}
    rows = session.execute(
        select(Airing.episode_id, func.min(Airing.starts_at))
        .where(
            Airing.episode_id.in_(sorted(episode_ids)),
            Airing.kind == SlotKind.PREMIERE,
            Airing.status != AiringStatus.CANCELLED,
        )
        .group_by(Airing.episode_id)
    ).all()
    return {episode_id: _aware(at) for episode_id, at in rows}


def _aware(moment: datetime) -> datetime:
    """min() over a UTCDateTime column comes back as the stored naive UTC value."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def get_airing(session: Session, airing_id: int) -> Airing:
    airing = session.get(Airing, airing_id)
    if airing is None:
        raise NotFound(f"no airing {airing_id}")
    return airing


def _require_open(airing: Airing) -> None:
    if airing.status is AiringStatus.CANCELLED:
        raise InvalidInput(
            f"airing {airing.id} was cancelled; assign the episode to an occurrence instead",
            {"airing": "cancelled"},
            code="airing_cancelled",
        )
    if airing.status is AiringStatus.AIRED:
        raise InvalidInput(
            f"airing {airing.id} has already aired", {"airing": "aired"}, code="airing_aired"
        )


def pin(session: Session, actor: Person, airing: Airing, now: datetime) -> Airing:
    """Pin an airing (固定): no rebuild will move or replace it."""
    require_scheduler(session, actor, airing.slot.column)
    _require_open(airing)
    if airing.pinned:
        raise InvalidInput(
            f"airing {airing.id} is already pinned", {"airing": "pinned"}, code="airing_pinned"
        )
    airing.pinned = True
    airing.updated_at = now
    session.flush()
    return airing


def unpin(session: Session, actor: Person, airing: Airing, now: datetime) -> Airing:
    """Unpin an airing: the next rebuild may move or replace it again."""
    require_scheduler(session, actor, airing.slot.column)
    _require_open(airing)
    if not airing.pinned:
        raise InvalidInput(
            f"airing {airing.id} is not pinned", {"airing": "not pinned"}, code="airing_not_pinned"
        )
    airing.pinned = False
    airing.updated_at = now
    session.flush()
    return airing


def _reruns_of(session: Session, airing: Airing) -> list[Airing]:
    return list(
        session.scalars(
            select(Airing)
            .where(Airing.premiere_id == airing.id, Airing.status != AiringStatus.CANCELLED)
            .order_by(Airing.starts_at)
        )
    )


def _cancel(airing: Airing, now: datetime, reason: str) -> None:
    if airing.status is AiringStatus.PUBLISHED:
        airing.revision += 1
    airing.status = AiringStatus.CANCELLED
    airing.pinned = True
    airing.reason = reason
    airing.updated_at = now


def pull(
    session: Session, actor: Person, airing: Airing, now: datetime, *, reason: str
) -> list[Airing]:
    """Pull an airing (撤下) and, for a premiere, its reruns; a reason is required.

    Returns the airings cancelled, the given one first.
    """
    require_scheduler(session, actor, airing.slot.column)
    why = visible_text(reason)
    if not why:
        raise InvalidInput(
            "pulling an airing needs a reason",
            {"reason": "a reason is required"},
            code="pull_reason_required",
        )
    _require_open(airing)
    pulled = [airing]
    if airing.kind is SlotKind.PREMIERE:
        pulled += [r for r in _reruns_of(session, airing) if r.status is not AiringStatus.AIRED]
    text = reasons.reason("pulled_by", name=actor.display_name, why=why).text
    for item in pulled:
        _cancel(item, now, text)
    session.flush()
    return pulled


def _check_occurrence(slot: Slot, starts_at: datetime, now: datetime) -> datetime:
    """The occurrence's end, or a refusal naming the nearest real occurrences."""
    if starts_at < now:
        raise InvalidInput(
            f"the occurrence at {_local(starts_at)} has begun",
            {"at": "past"},
            code="occurrence_begun",
            at=starts_at,
        )
    around = slot_occurrences(slot, starts_at - NEAREST_SPAN, starts_at + NEAREST_SPAN)
    for occ in around:
        if occ.starts_at == starts_at:
            return occ.ends_at
    day = starts_at.astimezone(zone(slot.timezone)).date()
    for stop in slot.dates:
        if stop.kind is SlotDateKind.EXCEPTION and stop.removed_at is None and stop.day == day:
            raise InvalidInput(
                f"slot {slot.id} ({slot.name}) does not air on {day}: stop date ({stop.reason})",
                {"at": "stop date"},
                code="occurrence_stopped",
                day=day,
                slot=slot.name,
                why=stop.reason,
            )
    nearest = sorted(around, key=lambda o: abs(o.starts_at - starts_at))[:2]
    hint = "; nearest: " + ", ".join(_local(o.starts_at) for o in nearest) if nearest else ""
    raise InvalidInput(
        f"{_local(starts_at)} is not an occurrence of slot {slot.id} ({slot.name}){hint}",
        {"at": "not an occurrence"},
        code="not_an_occurrence",
        at=starts_at,
        slot=slot.name,
    )


def _check_episode(
    slot: Slot, episode: Episode, starts_at: datetime, settings: BuildSettings
) -> None:
    if episode.state is not State.APPROVED:
        raise InvalidInput(
            f"episode {episode.id} is not approved to air (it is {episode.state.value})",
            {"episode": "not approved"},
            code="episode_not_approved",
            state=episode.state,
        )
    if episode.column_id != slot.column_id and not episode.offered_for_exchange:
        raise InvalidInput(
            f"episode {episode.id} belongs to column {episode.column.slug} "
            "and is not offered for exchange",
            {"episode": "other column"},
            code="episode_of_other_column",
        )
    duration = episode_duration(episode)
    if settings.too_long(duration, slot.duration_s):
        raise InvalidInput(
            f"episode {episode.id} runs {duration} s; slot {slot.id} takes at most "
            f"{slot.duration_s + settings.over_tolerance_s} s",
            {"episode": "too long"},
            code="episode_too_long",
            minutes=round(duration / 60, 1),
            most=round((slot.duration_s + settings.over_tolerance_s) / 60, 1),
        )
    if episode.air_by is not None and local_date(starts_at) > episode.air_by:
        raise InvalidInput(
            f"episode {episode.id} must air by {episode.air_by}; {_local(starts_at)} is after that",
            {"at": "after air-by"},
            code="after_air_by",
            air_by=episode.air_by,
            day=local_date(starts_at),
        )


def _move_away(session: Session, episode: Episode, keep: Airing | None, now: datetime) -> None:
    """Free the episode's draft premiere elsewhere, or refuse if it is fixed there."""
    current = session.scalar(
        select(Airing).where(
            Airing.episode_id == episode.id,
            Airing.kind == SlotKind.PREMIERE,
            Airing.status != AiringStatus.CANCELLED,
        )
    )
    if current is None or current is keep:
        return
    if current.status is not AiringStatus.DRAFT or current.pinned:
        state = "pinned" if current.pinned else current.status.value
        raise InvalidInput(
            f"episode {episode.id} already premieres at {_local(current.starts_at)} "
            f"(airing {current.id}, {state}); pull that airing first",
            {"episode": "premieres elsewhere"},
            code="premieres_elsewhere",
            at=current.starts_at,
        )
    for rerun in _reruns_of(session, current):
        if rerun.status is AiringStatus.DRAFT and not rerun.pinned:
            session.delete(rerun)
        else:
            _cancel(rerun, now, reasons.reason("premiere_moved").text)
    session.flush()
    if session.scalar(select(Airing.id).where(Airing.premiere_id == current.id).limit(1)):
        current.status = AiringStatus.CANCELLED
        current.reason = reasons.reason("premiere_moved").text
        current.updated_at = now
    else:
        session.delete(current)
    session.flush()


def assign(
    session: Session,
    actor: Person,
    slot: Slot,
    starts_at: datetime,
    episode: Episode,
    now: datetime,
    *,
    settings: BuildSettings | None = None,
    empty_only: bool = False,
) -> Airing:
    """Pin ``episode`` as the premiere at the occurrence of ``slot`` starting ``starts_at``.

    Replaces whatever premiered there (its reruns follow the new episode); an
    episode already premiering elsewhere is moved if that airing is a draft and
    not pinned, and refused otherwise. A shorter episode is allowed (the person
    decides); one longer than the slot's tolerance is not. With ``empty_only`` an
    occupied occurrence is refused instead (``occurrence_taken``).
    """
    require_scheduler(session, actor, slot.column)
    if starts_at.tzinfo is None:
        raise ValueError("assign needs an aware `starts_at`")
    if slot.kind is not SlotKind.PREMIERE:
        raise InvalidInput(
            f"slot {slot.id} ({slot.name}) is a rerun slot: reruns follow their premiere",
            {"slot": "rerun"},
            code="rerun_slot",
        )
    _check_episode(slot, episode, starts_at, settings or BuildSettings())
    ends_at = _check_occurrence(slot, starts_at, now)
    occupant = session.scalar(
        select(Airing).where(
            Airing.slot_id == slot.id,
            Airing.starts_at == starts_at,
            Airing.status != AiringStatus.CANCELLED,
        )
    )
    if occupant is not None and empty_only:
        raise _taken(slot, starts_at)
    if occupant is not None and occupant.status is AiringStatus.AIRED:
        raise InvalidInput(
            f"airing {occupant.id} has already aired", {"at": "aired"}, code="occurrence_aired"
        )
    _move_away(session, episode, occupant, now)
    why = reasons.reason("pinned_by", name=actor.display_name).text
    exchange = episode.column_id != slot.column_id
    if occupant is None:
        occupant = Airing(
            slot=slot,
            episode=episode,
            kind=SlotKind.PREMIERE,
            starts_at=starts_at,
            ends_at=ends_at,
            status=AiringStatus.DRAFT,
            revision=0,
            created_at=now,
        )
        session.add(occupant)
    elif occupant.fill:  # a rerun in the empty occurrence (补播) gives way to the premiere
        occupant.kind, occupant.fill, occupant.premiere = SlotKind.PREMIERE, False, None
        occupant.episode = episode
        if occupant.status is AiringStatus.PUBLISHED:
            occupant.revision += 1
    elif occupant.episode_id != episode.id:
        _follow(session, occupant, episode, now)
    occupant.pinned, occupant.exchange, occupant.reason = True, exchange, why
    occupant.updated_at = now
    session.flush()
    return occupant


def _follow(session: Session, premiere: Airing, episode: Episode, now: datetime) -> None:
    """Put ``episode`` in place of the premiere's, and its reruns after it."""
    for item in [premiere, *_reruns_of(session, premiere)]:
        if item.status is AiringStatus.AIRED:
            continue
        if item.status is AiringStatus.PUBLISHED:
            item.revision += 1
        item.episode = episode
        item.exchange = episode.column_id != premiere.slot.column_id
        item.updated_at = now


def place(
    session: Session,
    actor: Person,
    slot: Slot,
    starts_at: datetime,
    episode: Episode,
    now: datetime,
    *,
    settings: BuildSettings | None = None,
) -> Airing:
    """Place an approved episode without a premiere into an empty occurrence (空档) of
    ``slot``: ``assign``'s rules, and neither the occurrence nor the episode taken.

    Of two schedulers placing into one occurrence at once, the second is refused
    (``occurrence_taken``, a Conflict), however close the two are: ``assign`` looks for
    an occupant in the statement before it inserts, and where both look before either
    has committed, the unique index of live airings per occurrence decides.
    """
    require_scheduler(session, actor, slot.column)
    episode_id = episode.id
    _refuse_scheduled(session, episode_id)
    try:
        with session.begin_nested():
            return assign(
                session, actor, slot, starts_at, episode, now, settings=settings, empty_only=True
            )
    except IntegrityError as error:
        if classify(error) is not Failure.CONFLICT:
            raise
        # Someone else won meanwhile: the episode's premiere or the occurrence.
        _refuse_scheduled(session, episode_id)
        raise _taken(slot, starts_at) from None


def _refuse_scheduled(session: Session, episode_id: int) -> None:
    premiere = premieres_of(session, [episode_id]).get(episode_id)
    if premiere is not None:
        raise Conflict(
            f"episode {episode_id} already premieres at {_local(premiere)}",
            code="episode_scheduled",
            at=premiere,
        )


def _taken(slot: Slot, starts_at: datetime) -> Conflict:
    return Conflict(
        f"the occurrence at {_local(starts_at)} of slot {slot.id} ({slot.name}) is taken",
        code="occurrence_taken",
        at=starts_at,
        slot=slot.name,
    )
