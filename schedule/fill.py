"""The schedulers' say over the rerun fill (补播, ``schedule.builder_fill``): switch it
off or on for a column, and mark a premiere occurrence to stay empty (留空) or
unmark it. Each act is recorded (who, when) and changes the builder's inputs
(``schedule.builder.inputs_fingerprint``), so the service rebuilds within one poll.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, joinedload

from editorial.errors import Conflict, InvalidInput
from editorial.models import Column, Person
from schedule.models import FillSwitch, KeepEmpty, Slot, SlotKind
from schedule.slots import airs_on, recurrence_of, require_scheduler


def fill_is_on(session: Session, column: Column) -> bool:
    """Whether the builder fills the column's empty premiere occurrences (on by default)."""
    latest = session.scalar(
        select(FillSwitch.fill)
        .where(FillSwitch.column_id == column.id)
        .order_by(FillSwitch.id.desc())
        .limit(1)
    )
    return True if latest is None else latest


def latest_switch(session: Session, column: Column) -> FillSwitch | None:
    """The column's last switch (who, when), None while the fill was never switched."""
    return session.scalar(
        select(FillSwitch)
        .where(FillSwitch.column_id == column.id)
        .options(joinedload(FillSwitch.switched_by))
        .order_by(FillSwitch.id.desc())
        .limit(1)
    )


def switch_fill(
    session: Session, actor: Person, column: Column, on: bool, now: datetime
) -> FillSwitch:
    """Switch the column's rerun fill on or off; switching it to what it is is refused."""
    require_scheduler(session, actor, column)
    if fill_is_on(session, column) == on:
        raise Conflict(
            f"the rerun fill of column {column.slug} is {'on' if on else 'off'} already",
            code="rerun_fill_on_already" if on else "rerun_fill_off_already",
            column=column.name,
        )
    item = FillSwitch(column_id=column.id, fill=on, switched_by=actor, switched_at=now)
    session.add(item)
    session.flush()
    return item


def keep_empty(session: Session, actor: Person, slot: Slot, day: date, now: datetime) -> KeepEmpty:
    """Mark the slot's occurrence on the local ``day`` to stay empty: the builder puts
    no rerun fill there (a premiere it may still place)."""
    require_scheduler(session, actor, slot.column)
    if slot.kind is not SlotKind.PREMIERE:
        raise InvalidInput(
            f"slot {slot.id} ({slot.name}) is a rerun slot: only premiere occurrences are filled",
            {"slot": "not a premiere slot"},
            code="keep_empty_not_premiere",
            slot=slot.name,
        )
    if not airs_on(recurrence_of(slot), day):
        raise InvalidInput(
            f"slot {slot.id} ({slot.name}) does not air on {day} ({slot.timezone})",
            {"day": "the slot does not air that day"},
            code="keep_empty_day_not_aired",
            day=day,
            slot=slot.name,
        )
    marked = _live_mark(session, slot, day)
    if marked is not None:
        raise Conflict(
            f"slot {slot.id} ({slot.name}) on {day} is marked to stay empty already "
            f"({marked.created_by.display_name}, {marked.created_at:%Y-%m-%d %H:%M} UTC)",
            code="keep_empty_marked_already",
            day=day,
            slot=slot.name,
            person=marked.created_by.display_name,
        )
    item = KeepEmpty(slot=slot, day=day, created_by=actor, created_at=now)
    session.add(item)
    session.flush()
    return item


def unkeep_empty(
    session: Session, actor: Person, slot: Slot, day: date, now: datetime
) -> KeepEmpty:
    """Remove the keep-empty mark of the slot's ``day``: the builder may fill it again.
    The row stays, stamped with who removed it and when."""
    require_scheduler(session, actor, slot.column)
    item = _live_mark(session, slot, day)
    if item is None or not _stamp_removed(session, item, actor, now):
        raise InvalidInput(
            f"slot {slot.id} ({slot.name}) has no keep-empty mark on {day}",
            {"day": "not marked"},
            code="keep_empty_not_marked",
            day=day,
            slot=slot.name,
        )
    session.flush()
    return item


def _stamp_removed(session: Session, item: KeepEmpty, actor: Person, now: datetime) -> bool:
    """Only while it is live: of two people unmarking at once, the second is refused."""
    removed = session.execute(
        update(KeepEmpty)
        .where(KeepEmpty.id == item.id, KeepEmpty.removed_at.is_(None))
        .values(removed_at=now, removed_by_id=actor.id),
        execution_options={"synchronize_session": False},
    )
    assert isinstance(removed, CursorResult)
    session.expire(item)
    return removed.rowcount == 1


def marks_of(session: Session, slot: Slot) -> list[KeepEmpty]:
    """Every keep-empty mark of the slot, removed ones too, by day then when marked."""
    return list(
        session.scalars(
            select(KeepEmpty)
            .where(KeepEmpty.slot_id == slot.id)
            .options(joinedload(KeepEmpty.created_by), joinedload(KeepEmpty.removed_by))
            .order_by(KeepEmpty.day, KeepEmpty.id)
        )
    )


def _live_mark(session: Session, slot: Slot, day: date) -> KeepEmpty | None:
    return session.scalar(
        select(KeepEmpty)
        .where(KeepEmpty.slot_id == slot.id, KeepEmpty.day == day, KeepEmpty.removed_at.is_(None))
        .options(joinedload(KeepEmpty.created_by))
    )
