"""Review-deadline reminders: whoever must sign a review due today or overdue is told
once per due date (editorial.reminders)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import people, reminders, workflow
from editorial.models import Column, Episode, Notification, Person, Role, Stage
from tests.conftest import NOW, Crew, walk_to_approved, walk_to_review

OK = workflow.Checklist.all_confirmed()
# Entering a review on Monday 2 March 2026 makes the first review due Wednesday 4 March.
DUE_DAY = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


REMINDERS = Notification.kind == reminders.REMINDER_KIND  # not the hand-offs' notifications


def notifications(session: Session) -> list[tuple[int, str]]:
    rows = session.scalars(select(Notification).where(REMINDERS).order_by(Notification.id))
    return [(n.person_id, n.message) for n in rows]


def recipients(session: Session) -> set[int]:
    return set(session.scalars(select(Notification.person_id).where(REMINDERS)))


def test_a_first_review_due_today_reminds_the_responsible_producer_once(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose(title="红色印记"))
    assert episode.review_due is not None and episode.review_due.isoformat() == "2026-03-04"

    assert reminders.review_reminders(session, DUE_DAY - timedelta(days=1)) == 0
    assert reminders.review_reminders(session, DUE_DAY) == 1
    assert reminders.review_reminders(session, DUE_DAY + timedelta(hours=5)) == 0
    assert reminders.review_reminders(session, DUE_DAY + timedelta(days=3)) == 0  # not daily
    [note] = session.scalars(select(Notification).where(REMINDERS)).all()
    assert note.person_id == crew.producer.id and note.episode_id == episode.id
    assert note.kind == "review_due" and note.created_at == DUE_DAY
    assert note.message == "《红色印记》初审将于 2026-03-04（今天）到期"
    assert note.params == {
        "title": "红色印记",
        "stage": "first",
        "due": "2026-03-04",
        "overdue": False,
    }  # what the pages say it from, in the reader's language
    assert note.dedupe_key == f"review-due:{episode.id}:1:first:{crew.producer.id}:2026-03-04"


def test_the_due_day_is_the_day_in_shanghai(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    walk_to_review(session, crew, propose())
    late_tuesday_utc = datetime(2026, 3, 3, 16, 30, tzinfo=UTC)  # 00:30 Wednesday in Shanghai
    assert reminders.review_reminders(session, late_tuesday_utc - timedelta(hours=1)) == 0
    assert reminders.review_reminders(session, late_tuesday_utc) == 1


def test_a_review_first_seen_after_its_due_date_is_reported_overdue(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    walk_to_review(session, crew, propose(title="红色印记"))
    assert reminders.review_reminders(session, DUE_DAY + timedelta(days=2)) == 1
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
    assert reminders.review_reminders(session, DUE_DAY + timedelta(days=3)) == 2
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
    assert reminders.review_reminders(session, DUE_DAY + timedelta(days=5)) == 2
    assert recipients(session) == {crew.final_approver.id, second_approver.id}


def test_a_new_review_round_reminds_again(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose())
    assert reminders.review_reminders(session, DUE_DAY) == 1
    workflow.return_for_changes(
        session, crew.producer, episode, episode.version, DUE_DAY, reason="字幕有误"
    )
    workflow.submit(session, crew.director, episode, episode.version, DUE_DAY)
    assert episode.review_round == 2
    assert reminders.review_reminders(session, DUE_DAY + timedelta(days=7)) == 1
    assert [person for person, _ in notifications(session)] == [crew.producer.id] * 2


def test_no_reminder_outside_review(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    walk_to_approved(session, crew, propose())
    propose()
    assert reminders.review_reminders(session, DUE_DAY + timedelta(days=30)) == 0
