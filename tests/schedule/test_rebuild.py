"""「立即编排」: the preview of a rebuild writes nothing and says what the real builder
would add, move and cancel; applying it applies exactly that, or refuses."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Conflict, Forbidden
from editorial.models import Episode, Notification, Person
from schedule import airings, builder, rebuild, slots
from schedule.cancellations import KIND
from schedule.models import Airing, ScheduleBuild, Unscheduled
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import FRIDAYS, Desk, live, local, publish

APRIL_3 = local(FRIDAYS[3]).replace(day=3, month=4)
APRIL_10 = local(FRIDAYS[3]).replace(day=10, month=4)


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


def fingerprint(session: Session) -> str:
    return builder.inputs_fingerprint(session)


def state(session: Session) -> tuple[object, ...]:
    """Every row a build could write."""
    session.expire_all()
    rows = session.execute(
        select(
            Airing.id,
            Airing.episode_id,
            Airing.slot_id,
            Airing.starts_at,
            Airing.status,
            Airing.revision,
            Airing.reason,
        ).order_by(Airing.id)
    ).all()
    counts = tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (ScheduleBuild, Unscheduled, Notification)
    )
    return tuple(rows), counts


def where(session: Session) -> set[tuple[int, datetime]]:
    return {(a.episode_id, a.starts_at) for a in live(session)}


def published_first(session: Session, desk: Desk, *titles: str) -> list[Episode]:
    """A Friday slot, the episodes built into it from the first Friday, the first published."""
    desk.slot()
    episodes = [desk.episode(title=t) for t in titles]
    builder.build(session, NOW)
    publish(session.scalars(select(Airing).where(Airing.episode_id == episodes[0].id)).one())
    session.flush()
    return episodes


def with_a_stop(session: Session, desk: Desk) -> tuple[Episode, ...]:
    """甲 published on the first Friday, 乙 and 丙 drafts on the next two, 丁 pinned on the
    fourth; then the first Friday gets a stop date and 戊 is approved."""
    a, b, c = published_first(session, desk, "甲", "乙", "丙")
    slot = session.get(Airing, live(session)[0].id).slot  # type: ignore[union-attr]
    d = desk.episode(title="丁")
    airings.assign(session, desk.scheduler, slot, local(FRIDAYS[3]), d, NOW)
    slots.add_exception(session, desk.scheduler, slot, FRIDAYS[0], "转播重大会议", NOW)
    session.expire(slot)
    return a, b, c, d, desk.episode(title="戊")


def test_a_preview_writes_nothing(session: Session, desk: Desk) -> None:
    with_a_stop(session, desk)
    desk.episode(title="超长", duration=3600)
    before = state(session)
    shown = rebuild.preview(session, desk.scheduler, NOW, fingerprint(session))
    assert shown.changes and shown.unscheduled
    assert state(session) == before


def test_a_preview_shows_moved_and_new_airings_and_never_moves_a_pinned_one(
    session: Session, desk: Desk
) -> None:
    a, b, c, d, e = with_a_stop(session, desk)
    shown = rebuild.preview(session, desk.scheduler, NOW, fingerprint(session))
    moved = {
        (m.episode_id, m.before.starts_at, m.after.starts_at, m.published)  # type: ignore[union-attr]
        for m in shown.moved
    }
    assert moved == {
        (a.id, local(FRIDAYS[0]), local(FRIDAYS[1]), True),  # subscribers see it cancelled
        (b.id, local(FRIDAYS[1]), local(FRIDAYS[2]), False),
        (c.id, local(FRIDAYS[2]), APRIL_3, False),  # the pinned 丁 keeps the fourth Friday
    }
    assert [(n.episode_id, n.after.starts_at) for n in shown.new] == [(e.id, APRIL_10)]  # type: ignore[union-attr]
    assert d.id not in {x.episode_id for x in shown.changes}
    assert shown.cancelled == []


def test_a_preview_shows_a_published_airing_cancelled_by_a_pull(
    session: Session, desk: Desk, crew: Crew
) -> None:
    a, b = published_first(session, desk, "甲", "乙")
    workflow.pull_from_air(session, crew.producer, a, a.version, NOW, reason="内容需更新")
    shown = rebuild.preview(session, desk.scheduler, NOW, fingerprint(session))
    assert [(x.episode_id, x.before.starts_at, x.published) for x in shown.cancelled] == [  # type: ignore[union-attr]
        (a.id, local(FRIDAYS[0]), True)
    ]
    # The occurrence is free again: the draft of the next Friday moves up into it.
    assert [(x.episode_id, x.after.starts_at) for x in shown.moved] == [(b.id, local(FRIDAYS[0]))]  # type: ignore[union-attr]


def test_a_preview_lists_the_episodes_that_would_stay_unscheduled(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    too_long = desk.episode(title="超长", duration=3600)
    shown = rebuild.preview(session, desk.scheduler, NOW, fingerprint(session))
    assert [(x.episode_id, x.code) for x in shown.unscheduled] == [
        (too_long.id, "longer_than_slot")
    ]


def test_applying_a_preview_does_what_it_showed_and_records_the_build(
    session: Session, desk: Desk, crew: Crew
) -> None:
    a, b, c, d, e = with_a_stop(session, desk)
    print_ = fingerprint(session)
    shown = rebuild.preview(session, desk.scheduler, NOW, print_)
    done = rebuild.apply(session, desk.scheduler, NOW, print_, (shown.fingerprint, shown.digest))
    assert done.digest == shown.digest
    assert where(session) == {
        (a.id, local(FRIDAYS[1])),
        (b.id, local(FRIDAYS[2])),
        (d.id, local(FRIDAYS[3])),
        (c.id, APRIL_3),
        (e.id, APRIL_10),
    }
    record = session.get(ScheduleBuild, done.build_id)
    assert record is not None and record.fingerprint == print_
    # Told as the service's build tells: the producer, not the scheduler who stopped the day.
    told = session.scalars(select(Notification).where(Notification.kind == KIND)).all()
    assert [n.person_id for n in told] == [crew.producer.id]


def test_a_preview_is_not_applied_once_the_inputs_changed(session: Session, desk: Desk) -> None:
    with_a_stop(session, desk)
    shown = rebuild.preview(session, desk.scheduler, NOW, fingerprint(session))
    desk.episode(title="新通过")
    before = state(session)
    with pytest.raises(Conflict) as refused:
        rebuild.apply(
            session, desk.scheduler, NOW, fingerprint(session), (shown.fingerprint, shown.digest)
        )
    assert refused.value.code == "rebuild_inputs_changed"
    assert state(session) == before


def test_a_preview_is_not_applied_once_another_build_changed_the_schedule(
    session: Session, desk: Desk
) -> None:
    with_a_stop(session, desk)
    print_ = fingerprint(session)
    shown = rebuild.preview(session, desk.scheduler, NOW, print_)
    builder.build(session, NOW)  # the service was first: the inputs are the same
    before = state(session)
    with pytest.raises(Conflict) as refused:
        rebuild.apply(session, desk.scheduler, NOW, print_, (shown.fingerprint, shown.digest))
    assert refused.value.code == "rebuild_preview_stale"
    assert state(session) == before


def test_only_schedulers_and_admins_rebuild(session: Session, desk: Desk, crew: Crew) -> None:
    desk.slot()
    with pytest.raises(Forbidden) as refused:
        rebuild.preview(session, crew.director, NOW, fingerprint(session))
    assert refused.value.code == "not_a_scheduler"


# PostgreSQL only: SQLite has one writer at a time, the database itself serializes builds.
@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_a_person_applying_while_the_service_builds_is_told_to_try_again(
    session: Session, desk: Desk, engine: Engine
) -> None:
    with_a_stop(session, desk)
    print_ = fingerprint(session)
    shown = rebuild.preview(session, desk.scheduler, NOW, print_)
    with engine.connect() as service, service.begin():
        service_session = Session(bind=service)
        rebuild.hold_build_lock(service_session, wait=True)
        before = state(session)
        with pytest.raises(Conflict) as refused:
            rebuild.apply(session, desk.scheduler, NOW, print_, (shown.fingerprint, shown.digest))
        assert refused.value.code == "rebuild_running"
        assert refused.value.params["retry_after"] == rebuild.RETRY_AFTER_S
        assert state(session) == before
