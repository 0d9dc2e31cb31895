"""A series on the air: each part's planned airing, and reordering the parts before any
has aired, which the builder then follows. ``NOW`` is Monday 2 March 2026, 09:00 in
Shanghai; the slot is Fridays 20:00 from 6 March."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import series as planning
from editorial.errors import Conflict, Forbidden, IllegalAct, InvalidInput
from editorial.models import Episode, HistoryEntry, Person, Series
from schedule import series
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import FRIDAYS, Desk, local, premieres, run_build


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


@pytest.fixture
def planned(session: Session, crew: Crew) -> Series:
    return planning.create_series(
        session,
        crew.producer,
        crew.column,
        NOW,
        planning.SeriesSpec("先锋工程", 3, date(2026, 3, 31)),
    )


def parts(session: Session, desk: Desk, of: Series, *numbers: int) -> list[Episode]:
    return [desk.episode(series=of, part=n, title=f"第{n}集") for n in numbers]


@pytest.fixture
def slot(desk: Desk) -> Slot:
    return desk.slot()


def air(session: Session, slot: Slot, episode: Episode, day: date, status: AiringStatus) -> Airing:
    airing = Airing(
        slot=slot,
        episode=episode,
        kind=SlotKind.PREMIERE,
        starts_at=local(day),
        ends_at=local(day) + timedelta(minutes=30),
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(airing)
    session.flush()
    return airing


def numbers(session: Session, of: Series) -> dict[str, int | None]:
    return {e.title: e.part_number for e in series.parts_of(session, of)}


# --- what the series page shows -----------------------------------------------------------------


def test_every_part_number_is_listed_with_its_episode_or_none(
    session: Session, desk: Desk, planned: Series
) -> None:
    first, third = parts(session, desk, planned, 1, 3)
    found = series.series_parts(session, planned, NOW)
    assert [(p.number, p.episode) for p in found] == [(1, first), (2, None), (3, third)]


def test_a_parts_planned_airing_is_its_next_live_one(
    session: Session, desk: Desk, planned: Series, slot: Slot
) -> None:
    (first,) = parts(session, desk, planned, 1)
    cancelled = air(session, slot, first, FRIDAYS[0], AiringStatus.CANCELLED)
    nxt = air(session, slot, first, FRIDAYS[1], AiringStatus.PUBLISHED)
    (part, *_rest) = series.series_parts(session, planned, NOW)
    assert part.next_airing == nxt != cancelled
    assert part.aired is None


def test_an_airing_whose_time_has_passed_is_aired_not_planned(
    session: Session, desk: Desk, planned: Series, slot: Slot
) -> None:
    (first,) = parts(session, desk, planned, 1)
    past = air(session, slot, first, FRIDAYS[0], AiringStatus.PUBLISHED)
    later = NOW + timedelta(days=5)  # Saturday 7 March: Friday's airing is past
    (part, *_rest) = series.series_parts(session, planned, later)
    assert (part.next_airing, part.aired) == (None, past)


# --- reordering ---------------------------------------------------------------------------------


def test_reordering_renumbers_the_parts_and_records_it_in_each_episodes_history(
    session: Session, crew: Crew, desk: Desk, planned: Series
) -> None:
    one, two, three = parts(session, desk, planned, 1, 2, 3)
    seen = planned.version
    series.reorder_parts(
        session, crew.producer, planned, seen, NOW, {one.id: 3, two.id: 2, three.id: 1}
    )
    assert numbers(session, planned) == {"第1集": 3, "第2集": 2, "第3集": 1}
    assert planned.version == seen + 1
    assert planned.updated_by_id == crew.producer.id
    entries = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.act == series.RENUMBER_ACT)
        .order_by(HistoryEntry.episode_id)
    ).all()
    assert [(e.episode_id, e.details["part_number"], e.actor_id) for e in entries] == [  # type: ignore[index]
        (one.id, [1, 3], crew.producer.id),
        (three.id, [3, 1], crew.producer.id),
    ]


def test_a_part_may_move_into_a_number_not_yet_proposed(
    session: Session, crew: Crew, desk: Desk, planned: Series
) -> None:
    one, three = parts(session, desk, planned, 1, 3)
    series.reorder_parts(
        session, crew.admin, planned, planned.version, NOW, {one.id: 1, three.id: 2}
    )
    assert numbers(session, planned) == {"第1集": 1, "第3集": 2}


def test_the_builder_airs_the_parts_in_their_new_order(
    session: Session, crew: Crew, desk: Desk, planned: Series, slot: Slot
) -> None:
    one, two, three = parts(session, desk, planned, 1, 2, 3)
    series.reorder_parts(
        session, crew.producer, planned, planned.version, NOW, {one.id: 2, two.id: 3, three.id: 1}
    )
    run_build(session)
    aired = premieres(session)
    assert [aired[e.id] for e in (three, one, two)] == [local(d) for d in FRIDAYS[:3]]


def test_once_a_part_has_aired_the_order_stays(
    session: Session, crew: Crew, desk: Desk, planned: Series, slot: Slot
) -> None:
    one, two = parts(session, desk, planned, 1, 2)
    air(session, slot, one, FRIDAYS[0], AiringStatus.AIRED)
    with pytest.raises(IllegalAct) as refused:
        series.reorder_parts(
            session, crew.producer, planned, planned.version, NOW, {one.id: 2, two.id: 1}
        )
    assert (refused.value.code, refused.value.params["part"]) == ("series_part_aired", 1)
    assert numbers(session, planned) == {"第1集": 1, "第2集": 2}


def test_a_published_airing_whose_time_has_passed_counts_as_aired(
    session: Session, crew: Crew, desk: Desk, planned: Series, slot: Slot
) -> None:
    one, two = parts(session, desk, planned, 1, 2)
    air(session, slot, two, FRIDAYS[0], AiringStatus.PUBLISHED)
    with pytest.raises(IllegalAct):
        series.reorder_parts(
            session,
            crew.producer,
            planned,
            planned.version,
            NOW + timedelta(days=5),
            {one.id: 2, two.id: 1},
        )


def test_a_published_airing_still_ahead_does_not_stop_a_reordering(
    session: Session, crew: Crew, desk: Desk, planned: Series, slot: Slot
) -> None:
    one, two = parts(session, desk, planned, 1, 2)
    air(session, slot, one, FRIDAYS[0], AiringStatus.PUBLISHED)
    series.reorder_parts(
        session, crew.producer, planned, planned.version, NOW, {one.id: 2, two.id: 1}
    )
    assert numbers(session, planned) == {"第1集": 2, "第2集": 1}


@pytest.mark.parametrize(
    ("order", "code"),
    [
        (lambda a, b: {a: 2}, "series_order_incomplete"),
        (lambda a, b: {a: 2, b: 2}, "series_order_repeated"),
        (lambda a, b: {a: 4, b: 1}, "series_part_out_of_range"),
        (lambda a, b: {a: 0, b: 1}, "series_part_out_of_range"),
        (lambda a, b: {a: 1, b: 2}, "nothing_to_change"),
    ],
)
def test_a_bad_order_is_refused_and_every_number_stays(
    session: Session,
    crew: Crew,
    desk: Desk,
    planned: Series,
    order,
    code: str,  # type: ignore[no-untyped-def]
) -> None:
    one, two = parts(session, desk, planned, 1, 2)
    seen = planned.version
    with pytest.raises(InvalidInput) as refused:
        series.reorder_parts(session, crew.producer, planned, seen, NOW, order(one.id, two.id))
    assert code in {refused.value.code, refused.value.code_of("order")}
    assert numbers(session, planned) == {"第1集": 1, "第2集": 2}
    assert planned.version == seen


def test_only_producers_and_admins_reorder(
    session: Session, crew: Crew, desk: Desk, planned: Series, scheduler_person: Person
) -> None:
    one, two = parts(session, desk, planned, 1, 2)
    for who in (crew.director, scheduler_person):
        with pytest.raises(Forbidden):
            series.reorder_parts(
                session, who, planned, planned.version, NOW, {one.id: 2, two.id: 1}
            )
    assert numbers(session, planned) == {"第1集": 1, "第2集": 2}


def test_a_reordering_of_a_version_seen_before_is_a_conflict(
    session: Session, crew: Crew, desk: Desk, planned: Series
) -> None:
    one, two = parts(session, desk, planned, 1, 2)
    seen = planned.version
    series.reorder_parts(session, crew.producer, planned, seen, NOW, {one.id: 2, two.id: 1})
    with pytest.raises(Conflict):
        series.reorder_parts(session, crew.admin, planned, seen, NOW, {one.id: 1, two.id: 2})
    assert numbers(session, planned) == {"第1集": 2, "第2集": 1}
