"""The scheduler service's domain functions: publish the frozen horizon, mark
airings aired, remind reviewers of due dates. Each is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import people, workflow
from editorial.models import Column, Episode, Person, Role, Stage
from scheduler import publishing
from scheduler.models import Airing, AiringStatus, Notification, Slot, SlotKind
from tests.conftest import NOW, Crew, walk_to_approved, walk_to_review

OK = workflow.Checklist.all_confirmed()
# Entering a review on Monday 2 March 2026 makes the first review due Wednesday 4 March.
DUE_DAY = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def make_airing(
    session: Session, crew: Crew, propose: Callable[..., Episode], make_slot: Callable[..., Slot]
) -> Callable[..., Airing]:
    """An airing of a fresh approved episode in one slot, starting at ``starts_at``."""
    slot = make_slot()

    def make(starts_at: datetime, status: AiringStatus = AiringStatus.DRAFT) -> Airing:
        episode = walk_to_approved(session, crew, propose())
        airing = Airing(
            slot_id=slot.id,
            episode_id=episode.id,
            kind=SlotKind.PREMIERE,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            status=status,
            published_at=NOW - timedelta(days=1) if status is AiringStatus.PUBLISHED else None,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(airing)
        session.flush()
        return airing

    return make


def test_publishing_freezes_the_drafts_of_the_next_seven_days_once(
    session: Session, make_airing: Callable[..., Airing]
) -> None:
    soon = make_airing(NOW + timedelta(days=2))
    missed = make_airing(NOW - timedelta(days=1))  # the service was down when it aired
    boundary = make_airing(NOW + timedelta(days=7))
    later = make_airing(NOW + timedelta(days=9))
    already = make_airing(NOW + timedelta(days=1), AiringStatus.PUBLISHED)

    assert publishing.publish_frozen(session, NOW) == 2
    assert (soon.status, soon.published_at) == (AiringStatus.PUBLISHED, NOW)
    assert missed.status is AiringStatus.PUBLISHED
    assert boundary.status is AiringStatus.DRAFT and later.status is AiringStatus.DRAFT
    assert already.published_at == NOW - timedelta(days=1)
    assert soon.revision == 0  # publishing is the first version the feeds see, not a change

    assert publishing.publish_frozen(session, NOW) == 0
    assert publishing.publish_frozen(session, NOW + timedelta(days=3)) == 2


def test_published_airings_that_have_ended_are_marked_aired_once(
    session: Session, make_airing: Callable[..., Airing]
) -> None:
    ended = make_airing(NOW - timedelta(hours=1), AiringStatus.PUBLISHED)  # ends 30 min ago
    on_air = make_airing(NOW - timedelta(minutes=10), AiringStatus.PUBLISHED)
    draft = make_airing(NOW - timedelta(hours=2))

    assert publishing.mark_aired(session, NOW) == 1
    assert ended.status is AiringStatus.AIRED
    assert on_air.status is AiringStatus.PUBLISHED
    assert draft.status is AiringStatus.DRAFT  # publish_frozen publishes it first
    assert publishing.mark_aired(session, NOW) == 0
    assert publishing.mark_aired(session, NOW + timedelta(minutes=20)) == 1


def notifications(session: Session) -> list[tuple[int, str]]:
    rows = session.scalars(select(Notification).order_by(Notification.id))
    return [(n.person_id, n.message) for n in rows]


def recipients(session: Session) -> set[int]:
    return set(session.scalars(select(Notification.person_id)))


def test_a_first_review_due_today_reminds_the_responsible_producer_once(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose(title="红色印记"))
    assert episode.review_due is not None and episode.review_due.isoformat() == "2026-03-04"

    assert publishing.review_reminders(session, DUE_DAY - timedelta(days=1)) == 0
    assert publishing.review_reminders(session, DUE_DAY) == 1
    assert publishing.review_reminders(session, DUE_DAY + timedelta(hours=5)) == 0
    assert publishing.review_reminders(session, DUE_DAY + timedelta(days=3)) == 0  # not daily
    [note] = session.scalars(select(Notification)).all()
    assert note.person_id == crew.producer.id and note.episode_id == episode.id
    assert note.kind == "review_due" and note.created_at == DUE_DAY
    assert note.message == "《红色印记》初审将于 2026-03-04（今天）到期"
    assert note.dedupe_key == f"review-due:{episode.id}:1:first:{crew.producer.id}:2026-03-04"


def test_the_due_day_is_the_day_in_shanghai(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    walk_to_review(session, crew, propose())
    late_tuesday_utc = datetime(2026, 3, 3, 16, 30, tzinfo=UTC)  # 00:30 Wednesday in Shanghai
    assert publishing.review_reminders(session, late_tuesday_utc - timedelta(hours=1)) == 0
    assert publishing.review_reminders(session, late_tuesday_utc) == 1


def test_a_review_first_seen_after_its_due_date_is_reported_overdue(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    walk_to_review(session, crew, propose(title="红色印记"))
    assert publishing.review_reminders(session, DUE_DAY + timedelta(days=2)) == 1
    assert notifications(session) == [
        (crew.producer.id, "《红色印记》初审已逾期（应于 2026-03-04 完成）")
    ]


def test_a_second_review_reminds_every_reviewer_who_may_sign_it(
    session: Session,
    crew: Crew,
    propose: Callable[..., Episode],
    make_person: Callable[..., Person],
    make_column: Callable[..., Column],
) -> None:
    other_reviewer = make_person(crew.column, Role.REVIEWER)
    outsider = make_person(make_column(), Role.REVIEWER)
    # The producer also reviews, but signs the first review: four eyes bar the second.
    people.grant_role(session, crew.producer, crew.column, Role.REVIEWER, NOW)
    people.grant_role(session, crew.director, crew.column, Role.REVIEWER, NOW)
    episode = walk_to_review(session, crew, propose())
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    assert publishing.review_reminders(session, DUE_DAY + timedelta(days=3)) == 2
    assert recipients(session) == {crew.reviewer.id, other_reviewer.id}  # not the outsider
    assert outsider.id not in recipients(session)
    assert all("复审" in message for _, message in notifications(session))


def test_a_final_review_skips_the_director_and_anyone_bound_to_another_stage(
    session: Session,
    crew: Crew,
    propose: Callable[..., Episode],
    make_person: Callable[..., Person],
) -> None:
    second_approver = make_person(crew.column, Role.FINAL_APPROVER)
    people.grant_role(session, crew.director, crew.column, Role.FINAL_APPROVER, NOW)
    people.grant_role(session, crew.reviewer, crew.column, Role.FINAL_APPROVER, NOW)
    episode = walk_to_review(session, crew, propose())
    for person, stage in ((crew.producer, Stage.FIRST), (crew.reviewer, Stage.SECOND)):
        workflow.sign_off(session, person, episode, episode.version, NOW, stage=stage, checklist=OK)
    assert publishing.review_reminders(session, DUE_DAY + timedelta(days=5)) == 2
    assert recipients(session) == {crew.final_approver.id, second_approver.id}


def test_a_new_review_round_reminds_again(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose())
    assert publishing.review_reminders(session, DUE_DAY) == 1
    workflow.return_for_changes(
        session, crew.producer, episode, episode.version, DUE_DAY, reason="字幕有误"
    )
    workflow.submit(session, crew.director, episode, episode.version, DUE_DAY)
    assert episode.review_round == 2
    assert publishing.review_reminders(session, DUE_DAY + timedelta(days=7)) == 1
    assert [person for person, _ in notifications(session)] == [crew.producer.id] * 2


def test_no_reminder_outside_review(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    walk_to_approved(session, crew, propose())
    propose()
    assert publishing.review_reminders(session, DUE_DAY + timedelta(days=30)) == 0
