"""Empty occurrences (空档): slot occurrences no live airing fills, dead air for the station.

The occurrences are the slots' own (``schedule.slots.slot_occurrences``: the rule, stop
dates removed, extra dates added); an occurrence is empty when no airing other than a
cancelled one starts there. Reading them takes two statements for the slots (with their
dates) and one for the airings, however many slots and days.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from schedule.models import Airing, AiringStatus, Slot, SlotKind
from schedule.slots import slot_occurrences


@dataclass(frozen=True)
class EmptyOccurrence:
    """An occurrence of ``slot`` without a live airing."""

    slot: Slot
    starts_at: datetime  # UTC
    ends_at: datetime
    local_day: date  # in the slot's time zone


def slots_of(
    session: Session, column_ids: Collection[int], *, kind: SlotKind | None = None
) -> list[Slot]:
    """The columns' slots with their dates (two statements), by column, channel and time."""
    if not column_ids:
        return []
    query = (
        select(Slot)
        .where(Slot.column_id.in_(sorted(column_ids)))
        .options(selectinload(Slot.dates), joinedload(Slot.column))
        .order_by(Slot.column_id, Slot.station, Slot.channel, Slot.local_start, Slot.id)
    )
    if kind is not None:
        query = query.where(Slot.kind == kind)
    return list(session.scalars(query))


def empty_occurrences(
    session: Session, slots: Sequence[Slot], since: datetime, until: datetime
) -> list[EmptyOccurrence]:
    """The slots' occurrences starting in ``[since, until)`` that no live airing fills,
    in time order."""
    if not slots:
        return []
    rows = session.execute(
        select(Airing.slot_id, Airing.starts_at).where(
            Airing.slot_id.in_([s.id for s in slots]),
            Airing.status != AiringStatus.CANCELLED,
            Airing.starts_at >= since,
            Airing.starts_at < until,
        )
    )
    taken = {(slot_id, starts_at) for slot_id, starts_at in rows}
    found = [
        EmptyOccurrence(slot, o.starts_at, o.ends_at, o.local_day)
        for slot in slots
        for o in slot_occurrences(slot, since, until)
        if (slot.id, o.starts_at) not in taken
    ]
    found.sort(key=lambda e: (e.starts_at, e.slot.column_id, e.slot.id))
    return found
