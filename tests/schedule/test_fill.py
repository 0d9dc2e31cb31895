"""The rerun fill (补播): empty premiere occurrences inside the frozen horizon get a rerun
of an aired episode of the column; schedulers switch it off or keep a day empty.

``NOW`` is Monday 2 March 2026, 09:00 in Shanghai: of the Friday slot's occurrences
only 6 March lies in the frozen horizon (seven days).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Conflict, Forbidden, InvalidInput
from editorial.models import Episode, Person, State
from schedule import airings, fill
from schedule.builder import inputs_fingerprint
from schedule.models import Airing, AiringStatus, FillSwitch, KeepEmpty, Slot, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import FRIDAYS, Desk, live, local, publish, run_build

FIRST = date(2026, 1, 2)  # the slot airs every Friday since


def aired(
    session: Session, slot: Slot, episode: Episode, day: date, *, fill: bool = False
) -> Airing:
    """An airing that aired on ``day`` in ``slot``: a premiere, or a fill of one."""
    premiere = None
    if fill:
        premiere = session.scalars(
            select(Airing).where(Airing.episode_id == episode.id, Airing.kind == SlotKind.PREMIERE)
        ).one()
    at = local(day)
    row = Airing(
        slot=slot,
        episode=episode,
        kind=SlotKind.RERUN if fill else SlotKind.PREMIERE,
        premiere=premiere,
        fill=fill,
        starts_at=at,
        ends_at=at + timedelta(minutes=30),
        status=AiringStatus.AIRED,
        published_at=at - timedelta(days=7),
        created_at=at - timedelta(days=7),
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row


def on(session: Session, day: date) -> list[Airing]:
    return [a for a in live(session) if a.starts_at == local(day)]


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


@pytest.fixture
def slot(desk: Desk) -> Slot:
    return desk.slot(first_date=FIRST)


def test_fill_replays_the_fitting_episode_longest_off_the_air_in_the_slot(
    session: Session, desk: Desk, slot: Slot
) -> None:
    a, b, c = (desk.episode(title=t) for t in ("甲", "乙", "丙"))
    for episode, day in ((a, date(2026, 2, 6)), (b, date(2026, 2, 13)), (c, date(2026, 2, 20))):
        aired(session, slot, episode, day)
    aired(session, slot, a, date(2026, 2, 27), fill=True)  # a aired there last
    run_build(session)
    (airing,) = on(session, FRIDAYS[0])
    assert (airing.episode_id, airing.kind, airing.fill) == (b.id, SlotKind.RERUN, True)
    assert airing.premiere is not None and airing.premiere.starts_at == local(date(2026, 2, 13))
    assert airing.reason == "补播（空档重播）：2026-02-13 20:00 首播"


def test_fill_never_replays_a_pulled_unapproved_unaired_or_unfitting_episode(
    session: Session, desk: Desk, slot: Slot
) -> None:
    pulled = desk.episode(title="撤播")
    too_long = desk.episode(title="超长", duration=3600)
    returned = desk.episode(title="退回")
    later = desk.episode(title="待播")
    fitting = desk.episode(title="可补")
    aired(session, slot, pulled, date(2026, 1, 2))
    aired(session, slot, too_long, date(2026, 1, 9))
    aired(session, slot, returned, date(2026, 1, 16))
    aired(session, slot, fitting, date(2026, 2, 27))
    pulled.state, returned.state = State.PULLED, State.RETURNED
    pinned = local(FRIDAYS[2])  # an approved episode whose premiere is still ahead
    session.add(
        Airing(
            slot=slot,
            episode=later,
            kind=SlotKind.PREMIERE,
            starts_at=pinned,
            ends_at=pinned + timedelta(minutes=30),
            status=AiringStatus.DRAFT,
            pinned=True,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()
    run_build(session)
    assert [a.episode_id for a in on(session, FRIDAYS[0])] == [fitting.id]


def test_fill_stays_inside_the_frozen_horizon(session: Session, desk: Desk, slot: Slot) -> None:
    aired(session, slot, desk.episode(), date(2026, 2, 27))
    run_build(session)
    assert [(a.starts_at, a.fill) for a in live(session) if a.starts_at > NOW] == [
        (local(FRIDAYS[0]), True)
    ]


def test_fill_does_not_take_an_occurrence_a_premiere_can_take(
    session: Session, desk: Desk, slot: Slot
) -> None:
    aired(session, slot, desk.episode(), date(2026, 2, 27))
    fresh = desk.episode()
    run_build(session)
    (airing,) = on(session, FRIDAYS[0])
    assert (airing.episode_id, airing.kind, airing.fill) == (fresh.id, SlotKind.PREMIERE, False)


def test_a_column_switched_off_gets_no_fill(
    session: Session, desk: Desk, slot: Slot, scheduler_person: Person
) -> None:
    aired(session, slot, desk.episode(), date(2026, 2, 27))
    switch = fill.switch_fill(session, scheduler_person, slot.column, False, NOW)
    assert (switch.switched_by, switch.switched_at, switch.fill) == (scheduler_person, NOW, False)
    run_build(session)
    assert on(session, FRIDAYS[0]) == []
    fill.switch_fill(session, scheduler_person, slot.column, True, NOW + timedelta(minutes=1))
    run_build(session)
    assert [a.fill for a in on(session, FRIDAYS[0])] == [True]


def test_an_occurrence_kept_empty_gets_no_fill(
    session: Session, desk: Desk, slot: Slot, scheduler_person: Person
) -> None:
    aired(session, slot, desk.episode(), date(2026, 2, 27))
    run_build(session)
    assert [a.fill for a in on(session, FRIDAYS[0])] == [True]
    mark = fill.keep_empty(session, scheduler_person, slot, FRIDAYS[0], NOW)
    assert (mark.created_by, mark.created_at) == (scheduler_person, NOW)
    run_build(session)
    assert on(session, FRIDAYS[0]) == []  # the draft fill is gone
    fill.unkeep_empty(session, scheduler_person, slot, FRIDAYS[0], NOW)
    run_build(session)
    assert [a.fill for a in on(session, FRIDAYS[0])] == [True]


def test_a_new_approved_episode_replaces_a_draft_fill_on_the_next_build(
    session: Session, desk: Desk, slot: Slot
) -> None:
    old = desk.episode()
    aired(session, slot, old, date(2026, 2, 27))
    run_build(session)
    (filled,) = on(session, FRIDAYS[0])
    fresh = desk.episode()
    run_build(session)
    (airing,) = on(session, FRIDAYS[0])
    assert (airing.episode_id, airing.kind, airing.fill, airing.premiere_id) == (
        fresh.id,
        SlotKind.PREMIERE,
        False,
        None,
    )
    assert airing.id == filled.id  # the occurrence keeps its row


def test_a_published_fill_stays_and_is_cancelled_when_its_episode_is_pulled(
    session: Session, desk: Desk, slot: Slot, crew: Crew
) -> None:
    old = desk.episode()
    aired(session, slot, old, date(2026, 2, 27))
    run_build(session)
    (filled,) = on(session, FRIDAYS[0])
    publish(filled)
    session.flush()
    fresh = desk.episode()
    run_build(session)
    assert [(a.id, a.fill) for a in on(session, FRIDAYS[0])] == [(filled.id, True)]
    assert {a.episode_id: a.starts_at for a in live(session, SlotKind.PREMIERE)}[fresh.id] == local(
        FRIDAYS[1]
    )
    workflow.pull_from_air(session, crew.final_approver, old, old.version, NOW, reason="撤")
    run_build(session)
    session.refresh(filled)
    assert (filled.status, filled.revision) == (AiringStatus.CANCELLED, 1)


def test_switching_and_marking_change_the_builders_inputs(
    session: Session, desk: Desk, slot: Slot, scheduler_person: Person
) -> None:
    seen = [inputs_fingerprint(session)]
    fill.switch_fill(session, scheduler_person, slot.column, False, NOW)
    seen.append(inputs_fingerprint(session))
    fill.keep_empty(session, scheduler_person, slot, FRIDAYS[1], NOW)
    seen.append(inputs_fingerprint(session))
    fill.unkeep_empty(session, scheduler_person, slot, FRIDAYS[1], NOW + timedelta(minutes=1))
    seen.append(inputs_fingerprint(session))
    assert len(set(seen)) == 4


def test_marking_a_day_the_slot_does_not_air_is_refused(
    session: Session, slot: Slot, scheduler_person: Person
) -> None:
    with pytest.raises(InvalidInput) as refused:
        fill.keep_empty(session, scheduler_person, slot, date(2026, 3, 5), NOW)  # a Thursday
    assert refused.value.code == "keep_empty_day_not_aired"
    assert session.scalars(select(KeepEmpty)).all() == []


def test_marking_a_day_twice_is_refused_naming_who_marked_it(
    session: Session, slot: Slot, scheduler_person: Person
) -> None:
    fill.keep_empty(session, scheduler_person, slot, FRIDAYS[0], NOW)
    with pytest.raises(Conflict) as refused:
        fill.keep_empty(session, scheduler_person, slot, FRIDAYS[0], NOW)
    assert refused.value.code == "keep_empty_marked_already"
    assert refused.value.params["person"] == scheduler_person.display_name


def test_a_rerun_slot_cannot_be_kept_empty(
    session: Session, desk: Desk, slot: Slot, scheduler_person: Person
) -> None:
    rerun = desk.rerun(slot)
    with pytest.raises(InvalidInput) as refused:
        fill.keep_empty(session, scheduler_person, rerun, date(2026, 3, 8), NOW)
    assert refused.value.code == "keep_empty_not_premiere"


def test_another_columns_scheduler_cannot_switch_or_mark(
    session: Session, desk: Desk, slot: Slot, crew: Crew
) -> None:
    outsider = crew.director
    with pytest.raises(Forbidden):
        fill.switch_fill(session, outsider, slot.column, False, NOW)
    with pytest.raises(Forbidden):
        fill.keep_empty(session, outsider, slot, FRIDAYS[0], NOW)
    assert session.scalars(select(FillSwitch)).all() == []


def test_switching_to_what_it_is_is_refused(
    session: Session, slot: Slot, scheduler_person: Person
) -> None:
    assert fill.fill_is_on(session, slot.column)
    with pytest.raises(Conflict) as refused:
        fill.switch_fill(session, scheduler_person, slot.column, True, NOW)
    assert refused.value.code == "rerun_fill_on_already"


def test_unmarking_a_day_not_marked_is_refused(
    session: Session, slot: Slot, scheduler_person: Person
) -> None:
    with pytest.raises(InvalidInput) as refused:
        fill.unkeep_empty(session, scheduler_person, slot, FRIDAYS[0], NOW)
    assert refused.value.code == "keep_empty_not_marked"


def test_assigning_an_episode_by_hand_turns_a_fill_into_its_premiere(
    session: Session, desk: Desk, slot: Slot, scheduler_person: Person
) -> None:
    aired(session, slot, desk.episode(), date(2026, 2, 27))
    run_build(session)
    (filled,) = on(session, FRIDAYS[0])
    publish(filled)
    session.flush()
    fresh = desk.episode()
    assigned = airings.assign(session, scheduler_person, slot, local(FRIDAYS[0]), fresh, NOW)
    assert assigned.id == filled.id
    assert (assigned.kind, assigned.fill, assigned.premiere_id) == (SlotKind.PREMIERE, False, None)
    assert (assigned.episode_id, assigned.pinned, assigned.revision) == (fresh.id, True, 1)
