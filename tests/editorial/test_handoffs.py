"""Every hand-off tells whoever the episode passes to, in the act's transaction, and
never the actor (editorial.handoffs)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import handoffs, notifications, people, workflow
from editorial.errors import Forbidden
from editorial.models import Episode, HistoryEntry, Notification, Person, Role, Stage
from tests.conftest import NOW, Crew, walk_to_approved, walk_to_review

OK = workflow.Checklist.all_confirmed()


def told(session: Session, episode: Episode, kind: str) -> dict[int, Notification]:
    rows = session.scalars(
        select(Notification).where(Notification.episode_id == episode.id, Notification.kind == kind)
    )
    return {n.person_id: n for n in rows}


def last_entry(session: Session, episode: Episode) -> HistoryEntry:
    return session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
        .limit(1)
    ).one()


def test_a_proposed_topic_tells_the_columns_producers_but_not_the_proposer(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    second = make_person(crew.column, Role.PRODUCER)
    both = make_person(crew.column, Role.PRODUCER, Role.EDITOR_DIRECTOR)
    episode = workflow.propose(
        session,
        both,
        crew.column,
        NOW,
        workflow.Proposal(title="红色印记", target_duration_s=900, responsible_producer=second),
    )
    notes = told(session, episode, "topic_proposed")
    assert set(notes) == {crew.producer.id, second.id}  # the proposer, a producer too, is not
    note = notes[second.id]
    assert note.actor_id == both.id and note.created_at == NOW
    assert note.message == f"{both.display_name}申报了选题《红色印记》，请您审核"
    assert note.event_key == f"history:{last_entry(session, episode).id}"
    assert note.dismissed_at is None and note.routed_at is None  # the outbox's to route


def test_an_approved_or_rejected_topic_tells_the_editor_director(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    approved = propose(title="甲")
    workflow.approve_topic(session, crew.producer, approved, approved.version, NOW)
    assert set(told(session, approved, "topic_approved")) == {crew.director.id}
    rejected = propose(title="乙")
    workflow.reject_topic(
        session, crew.producer, rejected, rejected.version, NOW, reason="与上期重复"
    )
    [note] = told(session, rejected, "topic_rejected").values()
    assert note.person_id == crew.director.id and note.reason == "与上期重复"
    assert note.message.endswith("：与上期重复")


def test_a_submission_tells_the_responsible_producer_who_signs_the_first_review(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose(title="丙"))
    [note] = told(session, episode, "submitted").values()
    assert note.person_id == crew.producer.id
    assert note.message == f"{crew.director.display_name}已将《丙》送审，请您初审"


def test_each_signed_stage_tells_exactly_who_may_sign_the_next_four_eyes_included(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    second_reviewer = make_person(crew.column, Role.REVIEWER)
    # The producer also reviews: having signed the first stage, four eyes keep them out.
    people.grant_role(session, crew.producer, crew.column, Role.REVIEWER, NOW)
    episode = walk_to_review(session, crew, propose(title="丁"))
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    notes = told(session, episode, "stage_signed")
    assert set(notes) == {crew.reviewer.id, second_reviewer.id}
    assert notes[crew.reviewer.id].message == (
        f"{crew.producer.display_name}已初审通过《丁》，请您复审"
    )
    workflow.sign_off(
        session, crew.reviewer, episode, episode.version, NOW, stage=Stage.SECOND, checklist=OK
    )
    final = {
        n.person_id
        for n in told(session, episode, "stage_signed").values()
        if n.params.get("stage") == "second"
    }
    assert final == {crew.final_approver.id}


def test_an_approval_tells_the_columns_schedulers(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    scheduler = make_person(crew.column, Role.SCHEDULER)
    episode = walk_to_approved(session, crew, propose(title="戊"))
    assert set(told(session, episode, "approved")) == {scheduler.id}


def test_a_return_tells_the_director_and_the_producer_with_the_reason(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose(title="己"))
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    workflow.return_for_changes(
        session, crew.reviewer, episode, episode.version, NOW, reason="第3分钟字幕有误"
    )
    notes = told(session, episode, "returned")
    assert set(notes) == {crew.director.id, crew.producer.id}
    assert notes[crew.producer.id].message == (
        f"{crew.reviewer.display_name}在复审退回了《己》：第3分钟字幕有误"
    )
    assert notes[crew.producer.id].reason == "第3分钟字幕有误"


def test_a_first_stage_return_does_not_tell_the_producer_who_returned_it(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose())
    workflow.return_for_changes(
        session, crew.producer, episode, episode.version, NOW, reason="重剪"
    )
    assert set(told(session, episode, "returned")) == {crew.director.id}


def test_a_hand_over_tells_the_new_producer_and_a_pull_the_producer_and_schedulers(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    scheduler = make_person(crew.column, Role.SCHEDULER)
    new = make_person(crew.column, Role.PRODUCER)
    episode = walk_to_approved(session, crew, propose(title="庚"))
    workflow.hand_over(session, crew.producer, episode, episode.version, NOW, to=new, reason="休假")
    assert set(told(session, episode, "handed_over")) == {new.id}
    workflow.pull_from_air(
        session, crew.final_approver, episode, episode.version, NOW, reason="内容调整"
    )
    notes = told(session, episode, "pulled")
    assert set(notes) == {new.id, scheduler.id}
    assert notes[scheduler.id].message.endswith("撤播了《庚》：内容调整")


def test_a_deactivated_person_is_not_told(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    crew.director.active = False
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    assert told(session, episode, "topic_approved") == {}


def test_acts_without_a_hand_off_tell_nobody(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    before = session.scalars(select(Notification.id)).all()
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    workflow.edit(session, crew.director, episode, episode.version, NOW, workflow.Edit(title="新"))
    assert session.scalars(select(Notification.id)).all() == before


def test_a_refused_act_leaves_no_notification(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    before = session.scalars(select(Notification.id)).all()
    with pytest.raises(Forbidden):
        workflow.approve_topic(session, crew.director, episode, episode.version, NOW)
    assert session.scalars(select(Notification.id)).all() == before


def test_reading_marks_one_or_all_read_and_the_count_follows(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    for title in ("一", "二", "三"):
        propose(title=title)
    assert notifications.unread_count(session, crew.producer) == 3
    first = notifications.notifications_of(session, crew.producer)[-1]
    notifications.dismiss(session, crew.producer, first.id, NOW)
    assert notifications.unread_count(session, crew.producer) == 2
    assert notifications.mark_all_read(session, crew.producer, NOW) == 2
    assert notifications.unread_count(session, crew.producer) == 0


@pytest.mark.parametrize("kind", sorted(set(handoffs.KIND.values())))
def test_every_kind_renders_a_chinese_message_without_codes(kind: str) -> None:
    params = {"title": "标题", "actor": "张伟", "stage": "second", "next_stage": "final"}
    message = handoffs.render(kind, params, "理由")
    assert "《标题》" in message and kind not in message
    assert not any("a" <= ch.lower() <= "z" for ch in message)
