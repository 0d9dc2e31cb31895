"""Nothing wrong stays published: a stop date (停播) on the day of a published or pinned
airing, or a pull from air (撤播) of its episode, cancels the airing at the next build,
bumps its revision for the feeds and tells the column's schedulers and the responsible
producer, never whoever acted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import people, workflow
from editorial.models import Notification, Person, Role, State
from schedule import airings, fill, slots
from schedule.builder_report import schedule_report
from schedule.cancellations import KIND
from schedule.models import Airing, AiringStatus, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import FRIDAYS, Desk, live, local, publish, run_build


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


@pytest.fixture
def second_scheduler(session: Session, crew: Crew) -> Person:
    person = people.create_person(session, NOW, username="bianpai2", display_name="编排二")
    people.grant_role(session, person, crew.column, Role.SCHEDULER, NOW)
    return person


def told(session: Session) -> dict[str, list[str]]:
    """Who got which airing-cancelled message, by username."""
    found: dict[str, list[str]] = {}
    for n in session.scalars(
        select(Notification).where(Notification.kind == KIND).order_by(Notification.id)
    ):
        found.setdefault(n.person.username, []).append(n.message)
    return found


def airing_on(session: Session, day: date) -> Airing:
    return session.scalars(select(Airing).where(Airing.starts_at == local(day))).one()


def test_a_stop_date_cancels_the_published_airing_of_that_day_and_tells_the_others(
    session: Session, desk: Desk, crew: Crew, second_scheduler: Person
) -> None:
    slot = desk.slot()
    first = desk.episode(title="初心如磐")
    run_build(session)
    airing = airing_on(session, FRIDAYS[0])
    publish(airing)
    session.flush()
    slots.add_exception(session, desk.scheduler, slot, FRIDAYS[0], "转播重大会议", NOW)
    run_build(session)
    session.refresh(airing)
    assert (airing.status, airing.revision) == (AiringStatus.CANCELLED, 1)
    assert airing.reason == "停播：转播重大会议"
    # The episode goes back to be placed: the next Friday.
    assert [(a.episode_id, a.starts_at) for a in live(session)] == [(first.id, local(FRIDAYS[1]))]
    message = "《初心如磐》2026-03-06 20:00（周五首播）的播出已取消：停播（转播重大会议）。"
    assert {name: [m[: len(message)] for m in ms] for name, ms in told(session).items()} == {
        crew.producer.username: [message],
        second_scheduler.username: [message],
    }  # never the scheduler who added the stop date
    run_build(session)
    assert len(told(session)) == 2 and all(len(m) == 1 for m in told(session).values())


def test_a_pin_does_not_protect_an_airing_from_a_stop_date(
    session: Session, desk: Desk, second_scheduler: Person
) -> None:
    slot = desk.slot()
    airing = airings.assign(session, desk.scheduler, slot, local(FRIDAYS[2]), desk.episode(), NOW)
    assert airing.pinned
    run_build(session)
    slots.add_exception(session, second_scheduler, slot, FRIDAYS[2], "国庆直播", NOW)
    run_build(session)
    session.refresh(airing)
    assert (airing.status, airing.revision) == (AiringStatus.CANCELLED, 0)  # never published
    assert set(told(session)) == {desk.crew.producer.username, desk.scheduler.username}


def test_a_removed_stop_date_lets_the_cancelled_airing_air_again(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    episode = desk.episode()
    run_build(session)
    airing = airing_on(session, FRIDAYS[0])
    publish(airing)
    session.flush()
    slots.add_exception(session, desk.scheduler, slot, FRIDAYS[0], "转播", NOW)
    run_build(session)
    slots.remove_exception(session, desk.scheduler, slot, FRIDAYS[0], "会议改期", NOW)
    session.expire(slot)
    run_build(session)
    session.refresh(airing)
    assert (airing.status, airing.episode_id) == (AiringStatus.PUBLISHED, episode.id)
    assert airing.revision == 2  # cancelled, then revived: each change shows in the feeds


def test_a_pull_from_air_cancels_published_airings_and_tells_all_but_who_pulled(
    session: Session, desk: Desk, crew: Crew, second_scheduler: Person
) -> None:
    desk.slot()
    episode = desk.episode(title="使命在肩")
    run_build(session)
    airing = airing_on(session, FRIDAYS[0])
    publish(airing)
    airing.pinned = True
    session.flush()
    workflow.pull_from_air(
        session, crew.producer, episode, episode.version, NOW, reason="内容需更新"
    )
    run_build(session)
    session.refresh(airing)
    assert (airing.status, airing.revision) == (AiringStatus.CANCELLED, 1)
    assert airing.reason == "节目已撤播，已取消"
    assert live(session) == []
    cancelled = told(session)
    assert set(cancelled) == {desk.scheduler.username, second_scheduler.username}
    assert cancelled[desk.scheduler.username][0].startswith(
        "《使命在肩》2026-03-06 20:00（周五首播）的播出已取消：节目已撤播。"
    )


def test_the_report_offers_what_could_fill_a_pulled_airings_occurrence(
    session: Session, desk: Desk, crew: Crew
) -> None:
    slot = desk.slot()
    pulled = desk.episode(title="撤播节目")
    aired = desk.episode(title="已播节目")
    too_long = desk.episode(title="超长节目", duration=3600)
    # (the rerun fill would fill the freed occurrence itself: ``test_fill``)
    fill.switch_fill(session, desk.scheduler, slot.column, False, NOW)
    last_week = local(FRIDAYS[0] - timedelta(days=7))
    session.add(
        Airing(
            slot=slot,
            episode=aired,
            kind=SlotKind.PREMIERE,
            starts_at=last_week,
            ends_at=last_week + timedelta(minutes=30),
            status=AiringStatus.AIRED,
            published_at=last_week - timedelta(days=7),
            created_at=last_week - timedelta(days=7),
            updated_at=last_week,
        )
    )
    run_build(session)
    airing = airing_on(session, FRIDAYS[0])
    assert airing.episode_id == pulled.id
    publish(airing)
    session.flush()
    workflow.pull_from_air(session, crew.final_approver, pulled, pulled.version, NOW, reason="撤")
    run_build(session)
    report = schedule_report(session, NOW)
    (item,) = report.cancelled
    assert item.airing.id == airing.id and item.occurrence_free
    assert [(c.episode.id, c.rerun) for c in item.candidates] == [(aired.id, True)]
    assert too_long.state is State.APPROVED  # approved, but does not fit the slot


def test_a_published_airing_of_an_approved_episode_on_an_airing_day_is_kept(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    desk.episode()
    run_build(session)
    airing = airing_on(session, FRIDAYS[0])
    publish(airing)
    session.flush()
    run_build(session, start=date(2026, 3, 2), end=date(2026, 3, 31))
    session.refresh(airing)
    assert (airing.status, airing.revision) == (AiringStatus.PUBLISHED, 0)
    assert told(session) == {}
