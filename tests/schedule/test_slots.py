"""Slots: what schedulers may enter, and what is refused with nothing stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.errors import Conflict, Forbidden, InvalidInput
from editorial.models import Person
from schedule import slots
from schedule.models import Slot, SlotKind
from tests.conftest import NOW, Crew


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Slot)) or 0


def test_a_slot_takes_the_columns_channel_and_lists_its_occurrences(
    session: Session, crew: Crew, make_slot: Callable[..., Slot]
) -> None:
    slot = make_slot(exceptions={date(2026, 3, 13): "全国两会特别报道"})
    assert (slot.station, slot.channel) == (crew.column.station, crew.column.channel)
    found = slots.slot_occurrences(
        slot, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    )
    assert [o.local_day.day for o in found] == [6, 20, 27]


def test_a_rerun_slot_replays_a_premiere_of_its_column(
    make_slot: Callable[..., Slot],
) -> None:
    premiere = make_slot()
    rerun = make_slot(
        name="周日重播",
        kind=SlotKind.RERUN,
        rrule="FREQ=WEEKLY;BYDAY=SU",
        local_start=time(10, 0),
        rerun_of=premiere,
    )
    assert rerun.rerun_of is premiere and rerun.rerun_back == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"duration_s": 0}, "duration_s"),
        ({"duration_s": -600}, "duration_s"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"last_date": date(2026, 3, 1)}, "last_date"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"kind": SlotKind.RERUN}, "rerun_of"),
        ({"campaign": True, "rrule": "FREQ=DAILY"}, "last_date"),
        ({"exceptions": {date(2026, 3, 13): " "}}, "exceptions"),
    ],
)
def test_bad_slot_input_names_the_field_and_stores_nothing(
    session: Session, make_slot: Callable[..., Slot], fields: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        make_slot(**fields)
    assert field in error.value.fields, error.value.message
    assert error.value.fields[field] in error.value.message  # the message says what is wrong
    assert count(session) == 0


def test_two_slots_overlapping_on_one_channel_are_refused(
    session: Session, make_slot: Callable[..., Slot]
) -> None:
    make_slot()
    with pytest.raises(InvalidInput, match=r"overlaps another on the same channel.*周五首播"):
        make_slot(
            name="月末特别节目",
            rrule="FREQ=MONTHLY;BYDAY=-1FR",
            local_start=time(20, 15),
            duration_s=900,
        )
    assert count(session) == 1
    # The same time on another channel is fine, and so is the next half hour here.
    make_slot(name="二套首播", channel="二套")
    make_slot(name="周五第二档", local_start=time(20, 30))
    assert count(session) == 3


def test_only_a_scheduler_of_the_column_creates_slots(session: Session, crew: Crew) -> None:
    spec = slots.SlotSpec(
        "周五首播", SlotKind.PREMIERE, time(20, 0), 1800, "FREQ=WEEKLY;BYDAY=FR", date(2026, 3, 6)
    )
    with pytest.raises(Forbidden, match="not a scheduler"):
        slots.create_slot(session, crew.producer, crew.column, NOW, spec)
    assert count(session) == 0


def test_an_exception_removes_one_occurrence_and_needs_a_reason(
    session: Session, make_slot: Callable[..., Slot], scheduler_person: object
) -> None:
    slot = make_slot()
    with pytest.raises(InvalidInput, match="needs a reason"):
        slots.add_exception(session, scheduler_person, slot, date(2026, 3, 20), "", NOW)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="needs a reason"):
        slots.add_exception(session, scheduler_person, slot, date(2026, 3, 20), "\u200b\u3000", NOW)  # type: ignore[arg-type]
    slots.add_exception(session, scheduler_person, slot, date(2026, 3, 20), "转播重大会议", NOW)  # type: ignore[arg-type]
    found = slots.slot_occurrences(
        slot, datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    )
    assert [o.local_day.day for o in found] == [6, 13, 27]


def stops_of(session: Session, slot: Slot) -> list[tuple[date, str, str]]:
    return [(d.day, d.reason, d.removal_reason) for d in slots.stop_dates_of(session, slot)]


def test_a_stop_date_on_a_day_the_slot_does_not_air_is_refused_naming_the_day(
    session: Session, make_slot: Callable[..., Slot], scheduler_person: Person
) -> None:
    slot = make_slot()  # Fridays 20:00 in Shanghai
    with pytest.raises(InvalidInput, match="does not air on 2026-03-19") as refused:
        slots.add_exception(session, scheduler_person, slot, date(2026, 3, 19), "国庆直播", NOW)
    assert refused.value.code == "stop_day_not_aired"
    assert refused.value.params == {"day": date(2026, 3, 19), "slot": "周五首播"}
    assert stops_of(session, slot) == []


def test_the_stop_day_is_the_local_day_of_the_slots_time_zone(
    session: Session, make_slot: Callable[..., Slot], scheduler_person: Person
) -> None:
    # Fridays 07:00 in Shanghai are Thursdays 23:00 in UTC: the Friday is the stop day.
    slot = make_slot(local_start=time(7, 0))
    with pytest.raises(InvalidInput, match="does not air"):
        slots.add_exception(session, scheduler_person, slot, date(2026, 3, 19), "停播", NOW)
    slots.add_exception(session, scheduler_person, slot, date(2026, 3, 20), "停播", NOW)
    found = slots.slot_occurrences(
        slot, datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 28, tzinfo=UTC)
    )
    assert [o.local_day for o in found] == [date(2026, 3, 27)]


def test_a_new_slots_stop_dates_must_be_days_it_airs(
    session: Session, make_slot: Callable[..., Slot]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        make_slot(exceptions={date(2026, 3, 13): "两会", date(2026, 3, 14): "周六"})
    assert refused.value.field_codes["exceptions"] == "stop_days_not_aired"
    assert refused.value.params["days"] == [date(2026, 3, 14)]
    assert count(session) == 0


def test_a_removed_stop_date_lets_the_occurrence_air_and_keeps_the_record(
    session: Session, make_slot: Callable[..., Slot], scheduler_person: Person
) -> None:
    slot = make_slot()
    day = date(2026, 3, 20)
    slots.add_exception(session, scheduler_person, slot, day, "转播重大会议", NOW)
    later = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)
    removed = slots.remove_exception(session, scheduler_person, slot, day, "会议改期", later)
    assert (removed.removed_at, removed.removed_by, removed.created_by) == (
        later,
        scheduler_person,
        scheduler_person,
    )
    session.expire(slot)
    found = slots.slot_occurrences(
        slot, datetime(2026, 3, 16, tzinfo=UTC), datetime(2026, 3, 23, tzinfo=UTC)
    )
    assert [o.local_day for o in found] == [day]
    # Added again and removed again: the record keeps each.
    slots.add_exception(session, scheduler_person, slot, day, "又要转播", later)
    assert stops_of(session, slot) == [(day, "转播重大会议", "会议改期"), (day, "又要转播", "")]


def test_removing_a_stop_date_needs_a_reason_and_one_to_remove(
    session: Session, make_slot: Callable[..., Slot], scheduler_person: Person
) -> None:
    slot = make_slot()
    day = date(2026, 3, 20)
    slots.add_exception(session, scheduler_person, slot, day, "转播重大会议", NOW)
    for blank in ("", " \u3000\u200b"):
        with pytest.raises(InvalidInput) as refused:
            slots.remove_exception(session, scheduler_person, slot, day, blank, NOW)
        assert refused.value.code == "stop_removal_reason_required"
    with pytest.raises(InvalidInput) as refused:
        slots.remove_exception(session, scheduler_person, slot, date(2026, 3, 27), "改期", NOW)
    assert refused.value.code == "no_stop_date"
    assert stops_of(session, slot) == [(day, "转播重大会议", "")]
    slots.remove_exception(session, scheduler_person, slot, day, "会议改期", NOW)
    with pytest.raises(Conflict) as conflict:
        slots.remove_exception(session, scheduler_person, slot, day, "再撤一次", NOW)
    assert conflict.value.code == "stop_date_removed_already"
    assert conflict.value.params["person"] == scheduler_person.display_name
    assert stops_of(session, slot) == [(day, "转播重大会议", "会议改期")]


def test_only_a_scheduler_of_the_column_removes_stop_dates(
    session: Session,
    crew: Crew,
    make_slot: Callable[..., Slot],
    scheduler_person: Person,
) -> None:
    slot = make_slot()
    slots.add_exception(session, scheduler_person, slot, date(2026, 3, 20), "转播", NOW)
    with pytest.raises(Forbidden):
        slots.remove_exception(session, crew.producer, slot, date(2026, 3, 20), "改期", NOW)
    assert stops_of(session, slot) == [(date(2026, 3, 20), "转播", "")]
