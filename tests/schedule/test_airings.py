"""Hand acts on the schedule: pin, unpin, assign and pull, and what a rebuild makes of them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.errors import Conflict, Forbidden, InvalidInput, NotFound
from editorial.models import Person, State
from editorial.workdays import local_date
from schedule import airings, slots
from schedule.builder_report import schedule_report
from schedule.models import Airing, AiringStatus, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import (
    FRIDAYS,
    Desk,
    live,
    local,
    premieres,
    publish,
    run_build,
)


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Airing)) or 0


def state(session: Session) -> list[tuple[int, int, AiringStatus, bool, int]]:
    rows = session.scalars(select(Airing).order_by(Airing.id))
    return [(a.id, a.episode_id, a.status, a.pinned, a.revision) for a in rows]


# --- pin and unpin -------------------------------------------------------------------------------


def test_a_pinned_airing_stays_put_and_unpinning_frees_it(session: Session, desk: Desk) -> None:
    desk.slot()
    old = desk.episode()
    run_build(session)
    (airing,) = live(session)
    airings.pin(session, desk.scheduler, airing, NOW)
    urgent = desk.episode(air_by=date(2026, 3, 6))
    run_build(session)
    assert premieres(session)[old.id] == local(FRIDAYS[0])
    airings.unpin(session, desk.scheduler, airing, NOW)
    run_build(session)
    assert premieres(session) == {urgent.id: local(FRIDAYS[0]), old.id: local(FRIDAYS[1])}


def test_only_a_scheduler_of_the_column_pins(session: Session, desk: Desk, crew: Crew) -> None:
    desk.slot()
    desk.episode()
    run_build(session)
    (airing,) = live(session)
    with pytest.raises(Forbidden, match="is not a scheduler of column"):
        airings.pin(session, crew.producer, airing, NOW)
    assert not airing.pinned


def test_pinning_twice_or_unpinning_an_unpinned_airing_is_refused(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    desk.episode()
    run_build(session)
    (airing,) = live(session)
    with pytest.raises(InvalidInput, match="is not pinned"):
        airings.unpin(session, desk.scheduler, airing, NOW)
    airings.pin(session, desk.scheduler, airing, NOW)
    with pytest.raises(InvalidInput, match="already pinned"):
        airings.pin(session, desk.scheduler, airing, NOW)


def test_an_unknown_airing_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="no airing 404"):
        airings.get_airing(session, 404)


# --- assign --------------------------------------------------------------------------------------


def test_assign_pins_an_episode_to_an_occurrence(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    desk.rerun(slot)
    first, chosen = desk.episode(), desk.episode()
    airing = airings.assign(session, desk.scheduler, slot, local(FRIDAYS[0]), chosen, NOW)
    assert airing.pinned and airing.kind is SlotKind.PREMIERE
    assert airing.reason == f"手动固定（{desk.scheduler.display_name}）"
    run_build(session)
    assert premieres(session) == {chosen.id: local(FRIDAYS[0]), first.id: local(FRIDAYS[1])}
    sunday = next(a for a in live(session, SlotKind.RERUN))
    assert sunday.episode_id == chosen.id and sunday.premiere_id == airing.id


def test_assign_replaces_the_premiere_there_and_its_reruns_follow(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    desk.rerun(slot)
    was = desk.episode()
    run_build(session, end=date(2026, 3, 8))
    premiere, rerun = live(session)
    publish(premiere)
    publish(rerun)
    instead = desk.episode()
    airing = airings.assign(session, desk.scheduler, slot, local(FRIDAYS[0]), instead, NOW)
    assert airing.id == premiere.id
    assert (premiere.episode_id, premiere.revision) == (instead.id, 1)
    assert (rerun.episode_id, rerun.revision) == (instead.id, 1)
    assert was.id not in premieres(session)


def test_assign_moves_the_episodes_draft_premiere(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    desk.rerun(slot)
    desk.episode()
    moving = desk.episode()
    run_build(session)
    assert premieres(session)[moving.id] == local(FRIDAYS[1])
    airings.assign(session, desk.scheduler, slot, local(FRIDAYS[3]), moving, NOW)
    assert premieres(session)[moving.id] == local(FRIDAYS[3])
    assert moving.id not in {a.episode_id for a in live(session, SlotKind.RERUN)}


def test_assign_refuses_an_episode_fixed_elsewhere(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    fixed = desk.episode()
    run_build(session)
    (airing,) = live(session)
    publish(airing)
    before = state(session)
    with pytest.raises(InvalidInput, match=r"already premieres at 2026-03-06 20:00 .*published"):
        airings.assign(session, desk.scheduler, slot, local(FRIDAYS[1]), fixed, NOW)
    assert state(session) == before


@pytest.mark.parametrize("bad", [State.FINAL_REVIEW, State.PULLED])
def test_assign_refuses_an_episode_not_approved(session: Session, desk: Desk, bad: State) -> None:
    slot = desk.slot()
    episode = desk.episode(state=bad)
    with pytest.raises(InvalidInput, match=f"is not approved to air \\(it is {bad.value}\\)"):
        airings.assign(session, desk.scheduler, slot, local(FRIDAYS[0]), episode, NOW)
    assert count(session) == 0


def test_assign_refuses_a_moment_that_is_not_an_occurrence(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    episode = desk.episode()
    with pytest.raises(InvalidInput, match=r"not an occurrence .*nearest: 2026-03-06 20:00"):
        airings.assign(session, desk.scheduler, slot, local(date(2026, 3, 7)), episode, NOW)
    with pytest.raises(InvalidInput, match="has begun"):
        airings.assign(session, desk.scheduler, slot, NOW - timedelta(days=3), episode, NOW)
    assert count(session) == 0


def test_assign_refuses_a_rerun_slot_a_long_episode_and_another_columns(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    rerun = desk.rerun(slot)
    sunday = local(date(2026, 3, 8), 10)
    with pytest.raises(InvalidInput, match="is a rerun slot"):
        airings.assign(session, desk.scheduler, rerun, sunday, desk.episode(), NOW)
    with pytest.raises(InvalidInput, match="takes at most 1830 s"):
        airings.assign(
            session, desk.scheduler, slot, local(FRIDAYS[0]), desk.episode(duration=1900), NOW
        )
    other = desk.episode(desk.column())
    with pytest.raises(InvalidInput, match="not offered for exchange"):
        airings.assign(session, desk.scheduler, slot, local(FRIDAYS[0]), other, NOW)
    assert count(session) == 0


def test_assign_takes_another_columns_offered_episode_as_exchange(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    offered = desk.episode(desk.column(), offered=True)
    airing = airings.assign(session, desk.scheduler, slot, local(FRIDAYS[0]), offered, NOW)
    assert airing.exchange


def test_assign_refuses_an_occurrence_after_the_air_by_date(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    urgent = desk.episode(air_by=FRIDAYS[1] + timedelta(days=1))
    with pytest.raises(InvalidInput, match="must air by 2026-03-14; 2026-03-20 20:00 is after"):
        airings.assign(session, desk.scheduler, slot, local(FRIDAYS[2]), urgent, NOW)
    assert count(session) == 0
    airings.assign(session, desk.scheduler, slot, local(FRIDAYS[1]), urgent, NOW)  # in time


def test_assign_names_the_stop_date_of_an_occurrence(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    slots.add_exception(session, desk.scheduler, slot, FRIDAYS[1], "全会直播", NOW)
    with pytest.raises(InvalidInput, match=r"does not air on 2026-03-13: stop date \(全会直播\)"):
        airings.assign(session, desk.scheduler, slot, local(FRIDAYS[1]), desk.episode(), NOW)
    assert count(session) == 0


# --- place into an empty occurrence (空档) ---------------------------------------------------


def test_place_fills_an_empty_occurrence_and_the_report_counts_it_no_more(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    desk.episode()
    run_build(session)
    empty = schedule_report(session, NOW).empty
    assert [local_date(e.starts_at) for e in empty] == FRIDAYS[1:]  # one episode for four
    fresh = desk.episode()
    airing = airings.place(session, desk.scheduler, slot, local(FRIDAYS[2]), fresh, NOW)
    assert airing.pinned and airing.episode_id == fresh.id
    empty = schedule_report(session, NOW).empty
    assert [local_date(e.starts_at) for e in empty] == [FRIDAYS[1], FRIDAYS[3]]


def test_place_refuses_a_taken_occurrence_and_replaces_nothing(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    desk.episode()
    run_build(session)
    before = state(session)
    with pytest.raises(Conflict, match="is taken") as refused:
        airings.place(session, desk.scheduler, slot, local(FRIDAYS[0]), desk.episode(), NOW)
    assert refused.value.code == "occurrence_taken"
    assert state(session) == before


def test_place_refuses_an_episode_that_already_premieres(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    placed = desk.episode()
    run_build(session, end=FRIDAYS[0])
    with pytest.raises(Conflict, match="already premieres at 2026-03-06 20:00"):
        airings.place(session, desk.scheduler, slot, local(FRIDAYS[1]), placed, NOW)
    assert premieres(session) == {placed.id: local(FRIDAYS[0])}


def test_place_keeps_assigns_refusals(session: Session, desk: Desk, crew: Crew) -> None:
    slot = desk.slot()
    with pytest.raises(Forbidden):
        airings.place(session, crew.producer, slot, local(FRIDAYS[0]), desk.episode(), NOW)
    with pytest.raises(InvalidInput, match="takes at most 1830 s"):
        long = desk.episode(duration=1900)
        airings.place(session, desk.scheduler, slot, local(FRIDAYS[0]), long, NOW)
    with pytest.raises(InvalidInput, match="is not approved"):
        waiting = desk.episode(state=State.FINAL_REVIEW)
        airings.place(session, desk.scheduler, slot, local(FRIDAYS[0]), waiting, NOW)
    assert count(session) == 0


# --- pull ----------------------------------------------------------------------------------------


def test_pull_cancels_an_airing_and_its_reruns_and_a_rebuild_respects_it(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    desk.rerun(slot)
    pulled_one = desk.episode()
    other = desk.episode()
    run_build(session)
    premiere, rerun = live(session)[:2]
    publish(premiere)
    cancelled = airings.pull(session, desk.scheduler, premiere, NOW, reason="临时插播重大新闻")
    assert cancelled == [premiere, rerun]
    assert (premiere.status, premiere.revision, premiere.pinned) == (
        AiringStatus.CANCELLED,
        1,
        True,
    )
    assert (rerun.status, rerun.revision) == (AiringStatus.CANCELLED, 0)
    assert premiere.reason == f"撤下（{desk.scheduler.display_name}）：临时插播重大新闻"
    run_build(session)
    at = premieres(session)
    assert at[other.id] == local(FRIDAYS[0])  # the occurrence is filled again ...
    assert at[pulled_one.id] == local(FRIDAYS[1])  # ... but not with the pulled episode


def test_pull_needs_a_reason_and_an_open_airing(session: Session, desk: Desk) -> None:
    desk.slot()
    desk.episode()
    run_build(session)
    (airing,) = live(session)
    before = state(session)
    with pytest.raises(InvalidInput, match="needs a reason"):
        airings.pull(session, desk.scheduler, airing, NOW, reason="  ")
    with pytest.raises(InvalidInput, match="needs a reason"):
        airings.pull(session, desk.scheduler, airing, NOW, reason="\ufeff\u2060\u00a0")
    assert state(session) == before
    airings.pull(session, desk.scheduler, airing, NOW, reason="改期")
    with pytest.raises(InvalidInput, match="was cancelled"):
        airings.pull(session, desk.scheduler, airing, NOW, reason="改期")
    with pytest.raises(InvalidInput, match="was cancelled"):
        airings.pin(session, desk.scheduler, airing, NOW)
