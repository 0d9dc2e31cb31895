"""Slots (播出时段) and their dated exceptions: the schedulers' service functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import FieldErrors, Forbidden, InvalidInput, NotFound
from editorial.models import Column, Membership, Person, Role
from editorial.text import visible_text
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
    exceptions = frozenset(d.day for d in slot.dates if d.kind is SlotDateKind.EXCEPTION)
    extra = frozenset(d.day for d in slot.dates if d.kind is SlotDateKind.EXTRA)
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
    return slot


def add_exception(
    session: Session, actor: Person, slot: Slot, day: date, reason: str, now: datetime
) -> SlotDate:
    """Remove one occurrence (a preemption or blackout, 停播) with a reason."""
    require_scheduler(session, actor, slot.column)
    if not visible_text(reason):
        raise InvalidInput(
            f"the exception on {day} needs a reason",
            {"reason": "required"},
            code="stop_reason_required",
        )
    existing = session.scalar(
        select(SlotDate).where(
            SlotDate.slot_id == slot.id,
            SlotDate.day == day,
            SlotDate.kind == SlotDateKind.EXCEPTION,
        )
    )
    if existing is not None:
        raise InvalidInput(
            f"slot {slot.id} already has an exception on {day}",
            {"day": "taken"},
            code="stop_day_taken",
            day=day,
        )
    item = SlotDate(
        slot=slot, day=day, kind=SlotDateKind.EXCEPTION, reason=visible_text(reason), created_at=now
    )
    session.add(item)
    slot.updated_at = now
    session.flush()
    return item


def get_slot(session: Session, slot_id: int) -> Slot:
    slot = session.get(Slot, slot_id)
    if slot is None:
        raise NotFound(f"no slot {slot_id}")
    return slot
