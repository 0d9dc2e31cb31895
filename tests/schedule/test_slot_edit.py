"""Editing a slot: its name, time, duration, rule, dates, station, channel and time zone
change; bad input and stale edits are refused leaving it as it was; the next build moves
the airings, cancelling a published one whose occurrence is gone and telling the people
concerned."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import people
from editorial.errors import Conflict, Forbidden, InvalidInput
from editorial.models import Notification, Person, Role
from schedule import builder, slots
from schedule.cancellations import KIND
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import FRIDAYS, Desk, live, local, publish

LATER = NOW + timedelta(hours=1)


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


def edit(session: Session, who: Person, slot: Slot, **changes: Any) -> Slot:
    return slots.edit_slot(session, who, slot.id, changes, slot.updated_at, LATER)


def settings(slot: Slot) -> tuple[object, ...]:
    return (*(getattr(slot, name) for name in sorted(slots.EDITABLE)), slot.updated_at)


def test_a_scheduler_edits_every_setting_of_a_slot(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    edited = edit(
        session,
        desk.scheduler,
        slot,
        name="周六首播",
        local_start=time(21, 30),
        duration_s=1500,
        rrule="RRULE:FREQ=WEEKLY;BYDAY=SA",
        first_date=date(2026, 3, 7),
        last_date=date(2026, 6, 27),
        station="市电视台",
        channel="新闻频道",
        timezone="Asia/Urumqi",
    )
    session.expire_all()
    assert (edited.name, edited.local_start, edited.duration_s, edited.rrule) == (
        "周六首播",
        time(21, 30),
        1500,
        "FREQ=WEEKLY;BYDAY=SA",
    )
    assert (edited.first_date, edited.last_date) == (date(2026, 3, 7), date(2026, 6, 27))
    assert (edited.station, edited.channel, edited.timezone) == (
        "市电视台",
        "新闻频道",
        "Asia/Urumqi",
    )
    assert edited.updated_at == LATER


def test_an_edit_changes_the_inputs_so_the_service_rebuilds(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    before = builder.inputs_fingerprint(session)
    edit(session, desk.scheduler, slot, local_start=time(20, 30))
    assert builder.inputs_fingerprint(session) != before


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"last_date": date(2026, 3, 1)}, "last_date", "last_date_before_first"),
        ({"duration_s": 0}, "duration_s", "slot_duration"),
        ({"duration_s": 86401}, "duration_s", "slot_duration"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule", "rrule_invalid"),
        ({"timezone": "Asia/Atlantis"}, "timezone", "unknown_time_zone"),
        ({"name": "  "}, "name", "slot_name_required"),
    ],
)
def test_bad_input_is_refused_and_the_slot_stays_as_it_was(
    session: Session, desk: Desk, changes: dict[str, Any], field: str, code: str
) -> None:
    slot = desk.slot()
    was = settings(slot)
    with pytest.raises(InvalidInput) as refused:
        edit(session, desk.scheduler, slot, **changes)
    assert refused.value.code_of(field) == code
    session.expire_all()
    assert settings(slot) == was


def test_a_rerun_slot_cannot_replay_itself(session: Session, desk: Desk) -> None:
    rerun = desk.rerun(desk.slot())
    with pytest.raises(InvalidInput) as refused:
        edit(session, desk.scheduler, rerun, rerun_of=rerun)
    assert refused.value.code_of("rerun_of") == "slot_rerun_of_itself"


def test_the_column_and_kind_of_a_slot_are_not_edited(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    with pytest.raises(InvalidInput) as refused:
        edit(session, desk.scheduler, slot, kind=SlotKind.RERUN)
    assert refused.value.code == "slot_field_fixed"


def test_an_edit_onto_another_slots_time_is_refused(session: Session, desk: Desk) -> None:
    desk.slot(name="周六首播", rrule="FREQ=WEEKLY;BYDAY=SA")
    slot = desk.slot()
    was = settings(slot)
    with pytest.raises(InvalidInput) as refused:
        edit(session, desk.scheduler, slot, rrule="FREQ=WEEKLY;BYDAY=SA")
    assert refused.value.code == "slot_overlaps"
    session.expire_all()
    assert settings(slot) == was


def test_a_stale_edit_is_refused(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    seen = slot.updated_at
    edit(session, desk.scheduler, slot, name="第一次修改")
    with pytest.raises(Conflict) as refused:
        slots.edit_slot(session, desk.scheduler, slot.id, {"name": "第二次"}, seen, LATER)
    assert refused.value.code == "slot_changed_meanwhile"
    session.expire_all()
    assert slot.name == "第一次修改"


def test_only_the_columns_schedulers_and_admins_edit_its_slots(
    session: Session, desk: Desk, crew: Crew, make_person: Callable[..., Person]
) -> None:
    slot = desk.slot()
    with pytest.raises(Forbidden):
        edit(session, crew.producer, slot, name="改名")
    admin = make_person(crew.column, Role.ADMIN)
    assert edit(session, admin, slot, name="改名").name == "改名"


def told(session: Session) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for n in session.scalars(select(Notification).where(Notification.kind == KIND)):
        found.setdefault(n.person.username, []).append(n.message)
    return found


def test_a_new_time_cancels_the_published_airing_and_tells_the_people_concerned(
    session: Session, desk: Desk, crew: Crew
) -> None:
    other = people.create_person(session, NOW, username="bianpai2", display_name="编排二")
    people.grant_role(session, other, crew.column, Role.SCHEDULER, NOW)
    slot = desk.slot()
    first, second = desk.episode(title="初心如磐"), desk.episode(title="使命在肩")
    builder.build(session, NOW)
    published = session.scalars(select(Airing).where(Airing.episode_id == first.id)).one()
    publish(published)
    session.flush()
    edit(session, desk.scheduler, slot, local_start=time(21, 0))
    builder.build(session, LATER)
    session.refresh(published)
    assert (published.status, published.revision) == (AiringStatus.CANCELLED, 1)
    assert published.reason == "播出时段已更改，已取消"
    nine: Callable[[date], datetime] = lambda day: local(day, 21)  # noqa: E731
    assert [(a.episode_id, a.starts_at) for a in live(session)] == [
        (first.id, nine(FRIDAYS[0])),
        (second.id, nine(FRIDAYS[1])),
    ]  # the draft simply moved with the slot
    message = "《初心如磐》2026-03-06 20:00（周五首播）的播出已取消：播出时段已更改。"
    assert {name: [m[: len(message)] for m in ms] for name, ms in told(session).items()} == {
        crew.producer.username: [message],
        desk.scheduler.username: [message],
        other.username: [message],
    }
