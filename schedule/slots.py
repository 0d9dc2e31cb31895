"""Slots (播出时段) and their dated exceptions: the schedulers' service functions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NoReturn

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, joinedload

from editorial.errors import Conflict, FieldErrors, Forbidden, InvalidInput, NotFound
from editorial.models import Column, Membership, Person, Role
from editorial.text import visible_text
from schedule.channels import ensure_channel
from schedule.models import Slot, SlotDate, SlotDateKind, SlotKind
from schedule.recurrence import Occurrence, Recurrence, occurrences, parse_rule, zone

# How far ahead two slots are compared for overlap when either is open-ended.
OVERLAP_HORIZON = timedelta(days=2 * 366)
SCHEDULING_ROLES = frozenset({Role.SCHEDULER, Role.ADMIN})
DEFAULT_TIMEZONE = "Asia/Shanghai"
# The IANA time zones offered for a slot's local times (any IANA zone is accepted): China's,
# its neighbours' and those of the stations abroad that relay a column.
TIMEZONES = (
    DEFAULT_TIMEZONE,
    "Asia/Urumqi",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "UTC",
)


def recurrence_of(slot: Slot) -> Recurrence:
    live = [d for d in slot.dates if d.removed_at is None]
    exceptions = frozenset(d.day for d in live if d.kind is SlotDateKind.EXCEPTION)
    extra = frozenset(d.day for d in live if d.kind is SlotDateKind.EXTRA)
    return Recurrence(
        slot.rrule,
        slot.timezone,
        slot.local_start,
        slot.duration_s,
        slot.first_date,
        slot.last_date,
        exceptions,
        extra,
    )


def slot_occurrences(slot: Slot, start: datetime, end: datetime) -> list[Occurrence]:
    return occurrences(recurrence_of(slot), start, end)


def airs_on(recurrence: Recurrence, day: date) -> bool:
    """Whether the recurrence has an occurrence on the local ``day`` (its time zone's)."""
    tz = zone(recurrence.timezone)
    start = datetime.combine(day, time(), tzinfo=tz)
    found = occurrences(recurrence, start - timedelta(days=1), start + timedelta(days=2))
    return any(o.local_day == day for o in found)


def require_scheduler(session: Session, actor: Person, column: Column) -> None:
    """Only a scheduler (编排) or admin of the column changes its slots and schedule."""
    roles = set(
        session.scalars(
            select(Membership.role).where(
                Membership.person_id == actor.id, Membership.column_id == column.id
            )
        )
    )
    if not actor.active or not roles & SCHEDULING_ROLES:
        raise Forbidden(
            f"{actor.username} is not a scheduler of column {column.slug}",
            code="not_column_scheduler",
            column=column.name,
        )


@dataclass(frozen=True)
class SlotSpec:
    """What a scheduler enters for a slot; local times in ``timezone``."""

    name: str
    kind: SlotKind
    local_start: time
    duration_s: int
    rrule: str
    first_date: date
    last_date: date | None = None
    station: str | None = None  # default: the column's
    channel: str | None = None
    timezone: str = DEFAULT_TIMEZONE
    rerun_of: Slot | None = None
    rerun_back: int = 1
    campaign: bool = False
    exceptions: dict[date, str] = field(default_factory=dict)
    extra_dates: tuple[date, ...] = ()


def _validate(spec: SlotSpec, column: Column) -> FieldErrors:
    errors = FieldErrors()
    if not visible_text(spec.name):
        errors.add("name", "slot_name_required", "a slot needs a name (e.g. 周五首播)")
    if not 0 < spec.duration_s <= 86400:
        errors.add("duration_s", "slot_duration", "duration must be 1 second to 24 hours")
    if spec.last_date is not None and spec.last_date < spec.first_date:
        errors.add(
            "last_date",
            "last_date_before_first",
            f"last date {spec.last_date} is before first date {spec.first_date}",
        )
    try:
        zone(spec.timezone)
        parse_rule(spec.rrule, spec.first_date)
    except InvalidInput as error:
        errors.take(error, "rrule")
    else:
        _check_stop_days(spec, errors)
    if spec.kind is SlotKind.RERUN:
        if spec.rerun_of is None:
            errors.add(
                "rerun_of", "rerun_of_required", "a rerun slot names the premiere slot it replays"
            )
        elif spec.rerun_of.column_id != column.id or spec.rerun_of.kind is not SlotKind.PREMIERE:
            errors.add(
                "rerun_of",
                "rerun_of_premiere",
                "a rerun replays a premiere slot of the same column",
            )
        if spec.rerun_back < 1:
            errors.add(
                "rerun_back",
                "rerun_back_too_small",
                "rerun_back counts premieres back from 1 (the most recent)",
            )
    elif spec.rerun_of is not None:
        errors.add("rerun_of", "rerun_of_not_rerun", "only a rerun slot replays another slot")
    if spec.campaign and spec.last_date is None:
        errors.add(
            "last_date",
            "campaign_last_date",
            "a concentrated broadcast (集中播放) window needs a last date",
        )
    for day, reason in spec.exceptions.items():
        if not visible_text(reason):
            errors.add(
                "exceptions", "stop_reasons_required", f"the exception on {day} needs a reason"
            )
    return errors


def _check_stop_days(spec: SlotSpec, errors: FieldErrors) -> None:
    """Each stop date of a new slot falls on a day it airs."""
    recurrence = Recurrence(
        spec.rrule,
        spec.timezone,
        spec.local_start,
        max(spec.duration_s, 1),
        spec.first_date,
        spec.last_date,
        extra_dates=frozenset(spec.extra_dates),
    )
    days = [day for day in sorted(spec.exceptions) if not airs_on(recurrence, day)]
    if days:
        errors.add(
            "exceptions",
            "stop_days_not_aired",
            "the slot does not air on " + ", ".join(map(str, days)),
            days=days,
        )


def _overlapping(session: Session, slot: Slot) -> tuple[Slot, datetime] | None:
    """The first slot on the same channel whose occurrences overlap this one's, and when."""
    others = session.scalars(
        select(Slot).where(
            Slot.station == slot.station, Slot.channel == slot.channel, Slot.id != slot.id
        )
    ).all()
    for other in others:
        start_day = max(slot.first_date, other.first_date)
        ends = [d for d in (slot.last_date, other.last_date) if d is not None]
        end_day = min(ends) if ends else start_day + OVERLAP_HORIZON
        if end_day < start_day:
            continue
        start = datetime.combine(start_day, time(), tzinfo=UTC) - timedelta(days=1)
        end = datetime.combine(end_day, time(), tzinfo=UTC) + timedelta(days=2)
        mine = slot_occurrences(slot, start, end)
        theirs = slot_occurrences(other, start, end)
        clash = _first_overlap(mine, theirs)
        if clash is not None:
            return other, clash
    return None


def _first_overlap(a: list[Occurrence], b: list[Occurrence]) -> datetime | None:
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].starts_at < b[j].ends_at and b[j].starts_at < a[i].ends_at:
            return max(a[i].starts_at, b[j].starts_at)
        if a[i].ends_at <= b[j].ends_at:
            i += 1
        else:
            j += 1
    return None


def create_slot(
    session: Session, actor: Person, column: Column, now: datetime, spec: SlotSpec
) -> Slot:
    """Create a slot after checking its rule, its dates and its channel is free."""
    require_scheduler(session, actor, column)
    errors = _validate(spec, column)
    if errors:
        raise InvalidInput("the slot has errors: " + errors.english(), errors, code="invalid_slot")
    slot = Slot(
        column=column,
        name=visible_text(spec.name),
        kind=spec.kind,
        station=(spec.station or column.station).strip(),
        channel=(spec.channel or column.channel).strip(),
        timezone=spec.timezone,
        local_start=spec.local_start,
        duration_s=spec.duration_s,
        rrule=spec.rrule.strip().removeprefix("RRULE:"),
        first_date=spec.first_date,
        last_date=spec.last_date,
        rerun_of=spec.rerun_of,
        rerun_back=spec.rerun_back,
        campaign=spec.campaign,
        created_at=now,
        updated_at=now,
        dates=[
            SlotDate(day=d, kind=SlotDateKind.EXCEPTION, reason=visible_text(r), created_at=now)
            for d, r in sorted(spec.exceptions.items())
        ]
        + [
            SlotDate(day=d, kind=SlotDateKind.EXTRA, reason="", created_at=now)
            for d in sorted(set(spec.extra_dates))
        ],
    )
    with session.no_autoflush:
        clash = _overlapping(session, slot)
    if clash:
        other, at = clash
        raise InvalidInput(
            f"the slot overlaps another on the same channel: slot {other.name!r} (id {other.id}) "
            f"also airs on {slot.station} {slot.channel} at {at:%Y-%m-%d %H:%M} UTC",
            {"rrule": "overlaps another slot"},
            code="slot_overlaps",
            other=other.name,
            at=at,
        )
    session.add(slot)
    session.flush()
    ensure_channel(session, slot.station, slot.channel, column, now)
    return slot


def add_exception(
    session: Session, actor: Person, slot: Slot, day: date, reason: str, now: datetime
) -> SlotDate:
    """Remove one occurrence (a preemption or blackout, 停播) with a reason.

    ``day`` is a local day of the slot's time zone on which it airs; a published
    or pinned airing of that day is cancelled by the next build
    (``schedule.cancellations``), which tells the people concerned.
    """
    require_scheduler(session, actor, slot.column)
    if not visible_text(reason):
        raise InvalidInput(
            f"the exception on {day} needs a reason",
            {"reason": "required"},
            code="stop_reason_required",
        )
    if _live_stop(session, slot, day) is not None:
        raise InvalidInput(
            f"slot {slot.id} already has an exception on {day}",
            {"day": "taken"},
            code="stop_day_taken",
            day=day,
        )
    if not airs_on(recurrence_of(slot), day):
        raise InvalidInput(
            f"slot {slot.id} ({slot.name}) does not air on {day} ({slot.timezone})",
            {"day": "the slot does not air that day"},
            code="stop_day_not_aired",
            day=day,
            slot=slot.name,
        )
    item = SlotDate(
        slot=slot,
        day=day,
        kind=SlotDateKind.EXCEPTION,
        reason=visible_text(reason),
        created_at=now,
        created_by=actor,
    )
    session.add(item)
    slot.updated_at = now
    session.flush()
    return item


def remove_exception(
    session: Session, actor: Person, slot: Slot, day: date, reason: str, now: datetime
) -> SlotDate:
    """Remove the stop date of ``day`` again, with a reason: the occurrence airs again.

    The row stays, stamped with who removed it, when and why: the record of
    stops added and removed (``stop_dates_of``).
    """
    require_scheduler(session, actor, slot.column)
    why = visible_text(reason)
    if not why:
        raise InvalidInput(
            f"removing the stop date on {day} needs a reason",
            {"reason": "required"},
            code="stop_removal_reason_required",
        )
    item = _live_stop(session, slot, day)
    if item is None:
        _refuse_no_stop(session, slot, day)
    # Only while it is live: of two people removing it at once, the second is refused.
    removed = session.execute(
        update(SlotDate)
        .where(SlotDate.id == item.id, SlotDate.removed_at.is_(None))
        .values(removed_at=now, removed_by_id=actor.id, removal_reason=why),
        execution_options={"synchronize_session": False},
    )
    assert isinstance(removed, CursorResult)
    session.expire(item)
    if removed.rowcount != 1:
        _refuse_no_stop(session, slot, day)
    slot.updated_at = now
    session.flush()
    return item


def _refuse_no_stop(session: Session, slot: Slot, day: date) -> NoReturn:
    """A stop date removed already is a conflict (someone was first); none ever, bad input."""
    removed = session.scalar(
        select(SlotDate)
        .where(
            SlotDate.slot_id == slot.id,
            SlotDate.day == day,
            SlotDate.kind == SlotDateKind.EXCEPTION,
        )
        .order_by(SlotDate.id.desc())
        .limit(1)
    )
    if removed is not None and removed.removed_at is not None:
        who = removed.removed_by.display_name if removed.removed_by else ""
        raise Conflict(
            f"the stop date of slot {slot.id} on {day} was removed already "
            f"({who}, {removed.removed_at:%Y-%m-%d %H:%M} UTC)",
            code="stop_date_removed_already",
            day=day,
            person=who,
            at=removed.removed_at,
        )
    raise InvalidInput(
        f"slot {slot.id} ({slot.name}) has no stop date on {day}",
        {"day": "no stop date that day"},
        code="no_stop_date",
        day=day,
        slot=slot.name,
    )


def _live_stop(session: Session, slot: Slot, day: date) -> SlotDate | None:
    return session.scalar(
        select(SlotDate).where(
            SlotDate.slot_id == slot.id,
            SlotDate.day == day,
            SlotDate.kind == SlotDateKind.EXCEPTION,
            SlotDate.removed_at.is_(None),
        )
    )


def stop_dates_of(session: Session, slot: Slot) -> list[SlotDate]:
    """Every stop date of the slot ever added, removed ones too, by day then when added."""
    return list(
        session.scalars(
            select(SlotDate)
            .where(SlotDate.slot_id == slot.id, SlotDate.kind == SlotDateKind.EXCEPTION)
            .options(joinedload(SlotDate.created_by), joinedload(SlotDate.removed_by))
            .order_by(SlotDate.day, SlotDate.id)
        )
    )


def get_slot(session: Session, slot_id: int) -> Slot:
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound(f"no slot {slot_id}")
    return slot


# What ``edit_slot`` may change; a slot's column and kind stay (make a new slot instead).
EDITABLE = frozenset(
    {
        "name",
        "local_start",
        "duration_s",
        "rrule",
        "first_date",
        "last_date",
        "station",
        "channel",
        "timezone",
        "rerun_of",
        "rerun_back",
    }
)


def edit_slot(
    session: Session,
    actor: Person,
    slot_id: int,
    changes: Mapping[str, Any],
    updated_at: datetime,
    now: datetime,
) -> Slot:
    """Change a slot's name, time, duration, rule, dates, station and channel or time zone.

    ``changes`` maps fields of ``EDITABLE`` to their new values (``rerun_of`` a
    ``Slot``, ``last_date`` None for open-ended); ``updated_at`` is the slot's as the
    editor saw it: an edit of a slot changed since is refused. A refused edit leaves
    the slot as it was. The next build (within one poll of the service: the inputs
    fingerprint moves with ``updated_at``) redoes the draft airings and cancels the
    published or pinned ones whose occurrence is gone, telling the people concerned
    (``schedule.cancellations``).
    """
    slot = get_slot(session, slot_id)
    require_scheduler(session, actor, slot.column)
    unknown = sorted(set(changes) - EDITABLE)
    if unknown:
        raise InvalidInput(
            f"these slot fields cannot be changed: {', '.join(unknown)}",
            {name: "cannot be changed" for name in unknown},
            code="slot_field_fixed",
            names=", ".join(unknown),
        )
    if slot.updated_at != updated_at:
        _refuse_stale(slot)
    spec = _edited_spec(slot, changes)
    errors = _validate(spec, slot.column)
    if spec.rerun_of is not None and spec.rerun_of.id == slot.id:
        errors.discard("rerun_of")
        errors.add("rerun_of", "slot_rerun_of_itself", "a rerun slot cannot replay itself")
    if errors:
        raise InvalidInput("the slot has errors: " + errors.english(), errors, code="invalid_slot")
    values = {
        "name": visible_text(spec.name),
        "local_start": spec.local_start,
        "duration_s": spec.duration_s,
        "rrule": spec.rrule.strip().removeprefix("RRULE:"),
        "first_date": spec.first_date,
        "last_date": spec.last_date,
        "station": (spec.station or slot.station).strip(),
        "channel": (spec.channel or slot.channel).strip(),
        "timezone": spec.timezone,
        "rerun_of": spec.rerun_of,
        "rerun_back": spec.rerun_back,
    }
    with session.no_autoflush:
        for name, value in values.items():
            setattr(slot, name, value)
        clash = _overlapping(session, slot)
        if clash is not None:
            session.expire(slot)  # the slot stays as it was
            other, at = clash
            raise InvalidInput(
                f"the slot would overlap another on the same channel: slot {other.name!r} "
                f"(id {other.id}) also airs on {values['station']} {values['channel']} "
                f"at {at:%Y-%m-%d %H:%M} UTC",
                {"rrule": "overlaps another slot"},
                code="slot_overlaps",
                other=other.name,
                at=at,
            )
        # Only while nobody changed it since it was read: of two editors, the second is
        # refused. The stamp always moves on, so an edit in the same instant is seen too.
        stamp = max(now, updated_at + timedelta(microseconds=1))
        claimed = session.execute(
            update(Slot)
            .where(Slot.id == slot.id, Slot.updated_at == updated_at)
            .values(updated_at=stamp),
            execution_options={"synchronize_session": False},
        )
        assert isinstance(claimed, CursorResult)
        if claimed.rowcount != 1:
            session.expire(slot)
            _refuse_stale(slot)
    slot.updated_at = stamp
    session.flush()
    ensure_channel(session, slot.station, slot.channel, slot.column, now)
    return slot


def _edited_spec(slot: Slot, changes: Mapping[str, Any]) -> SlotSpec:
    current: dict[str, Any] = {name: getattr(slot, name) for name in EDITABLE}
    current.update(changes)
    return SlotSpec(kind=slot.kind, campaign=slot.campaign, **current)


def _refuse_stale(slot: Slot) -> NoReturn:
    raise Conflict(
        f"slot {slot.id} ({slot.name}) was changed by someone else since it was read",
        code="slot_changed_meanwhile",
        slot=slot.name,
    )
