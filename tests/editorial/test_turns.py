"""Whose turn it is (editorial.turns): each state's next step and the people who may take
it, exactly as ``permissions.authorize`` lets them; the open return."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from editorial import turns, workflow
from editorial.errors import Forbidden, IllegalAct
from editorial.models import (
    Episode,
    HistoryEntry,
    Membership,
    Person,
    Role,
    Stage,
    StageSigner,
    State,
)
from editorial.permissions import SIGN_ACT, Act
from editorial.turns import Step
from editorial.workdays import REVIEW_STAGE
from tests.conftest import NOW, Crew, attach_master, walk_to_approved, walk_to_review

OK = workflow.Checklist.all_confirmed()


def ids(turn: turns.Turn) -> set[int]:
    return {p.id for p in turn.people}


def may(session: Session, person: Person, episode: Episode, act: Act) -> bool:
    try:
        workflow.authorize(session, person, episode, act)
    except (Forbidden, IllegalAct):
        return False
    return True


def column_people(session: Session, episode: Episode) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.column_id == episode.column_id)
            .distinct()
        )
    )


def test_a_proposed_topic_awaits_its_responsible_producer(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    turn = turns.next_step(session, propose())
    assert turn.step is Step.APPROVE_TOPIC and ids(turn) == {crew.producer.id}


def test_production_and_submission_await_the_episodes_editor_director(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    make_person(crew.column, Role.EDITOR_DIRECTOR)  # another editor-director of the column
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    turn = turns.next_step(session, episode)
    assert turn.step is Step.START_PRODUCTION and ids(turn) == {crew.director.id}
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    attach_master(session, crew, episode)
    turn = turns.next_step(session, episode)
    assert turn.step is Step.SUBMIT and ids(turn) == {crew.director.id}


def test_production_without_a_master_awaits_its_upload_not_the_submission(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    other = make_person(crew.column, Role.EDITOR_DIRECTOR)
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    turn = turns.next_step(session, episode)
    assert turn.step is Step.UPLOAD and ids(turn) == {crew.director.id}
    assert may(session, crew.director, episode, Act.NEW_MEDIA)
    assert not any(may(session, p, episode, Act.SUBMIT) for p in (crew.director, other))


def test_when_the_editor_director_is_deactivated_the_responsible_producer_may_upload(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    other = make_person(crew.column, Role.EDITOR_DIRECTOR)
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    crew.director.active = False
    turn = turns.next_step(session, episode)
    assert turn.step is Step.UPLOAD and ids(turn) == {crew.producer.id}
    assert may(session, crew.producer, episode, Act.NEW_MEDIA)
    assert not may(session, other, episode, Act.NEW_MEDIA)


def test_when_the_editor_director_is_deactivated_any_of_the_columns_may_submit(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    other = make_person(crew.column, Role.EDITOR_DIRECTOR)
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    attach_master(session, crew, episode)
    crew.director.active = False
    turn = turns.next_step(session, episode)
    assert ids(turn) == {other.id}
    assert may(session, other, episode, Act.SUBMIT)


def test_each_review_stage_awaits_exactly_those_authorize_lets_sign(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    make_person(crew.column, Role.REVIEWER)
    make_person(crew.column, Role.FINAL_APPROVER)
    make_person(crew.column, Role.REVIEWER, Role.FINAL_APPROVER)
    make_person(crew.column, Role.PRODUCER)  # not responsible: signs no first review
    episode = walk_to_review(session, crew, propose())
    signer = {Stage.FIRST: crew.producer, Stage.SECOND: crew.reviewer}
    while episode.state in REVIEW_STAGE:
        stage = REVIEW_STAGE[episode.state]
        turn = turns.next_step(session, episode)
        expected = {
            p.id
            for p in column_people(session, episode)
            if may(session, p, episode, SIGN_ACT[stage])
        }
        assert turn.step is Step.SIGN and turn.stage is stage
        assert ids(turn) == expected and expected, stage
        person = signer.get(stage, crew.final_approver)
        workflow.sign_off(session, person, episode, episode.version, NOW, stage=stage, checklist=OK)
    assert turns.next_step(session, episode).step is Step.SCHEDULE


def test_four_eyes_whoever_judged_one_stage_is_not_asked_to_sign_another(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    both = make_person(crew.column, Role.REVIEWER, Role.FINAL_APPROVER)
    episode = walk_to_review(session, crew, propose())
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    assert ids(turns.next_step(session, episode)) == {crew.reviewer.id, both.id}
    workflow.sign_off(
        session, both, episode, episode.version, NOW, stage=Stage.SECOND, checklist=OK
    )
    assert ids(turns.next_step(session, episode)) == {crew.final_approver.id}


def test_the_editor_director_is_never_asked_to_sign(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    for role in (Role.REVIEWER, Role.FINAL_APPROVER):
        session.add(
            Membership(
                person_id=crew.director.id, column_id=crew.column.id, role=role, granted_at=NOW
            )
        )
    episode = walk_to_review(session, crew, propose())
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    assert ids(turns.next_step(session, episode)) == {crew.reviewer.id}


def test_deactivated_people_are_never_named(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    gone = make_person(crew.column, Role.REVIEWER)
    episode = walk_to_review(session, crew, propose())
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    gone.active = False
    assert ids(turns.next_step(session, episode)) == {crew.reviewer.id}
    crew.reviewer.active = False
    turn = turns.next_step(session, episode)
    assert turn.step is Step.SIGN and turn.people == ()  # awaits a reviewer nobody can be


def test_an_approved_episode_awaits_the_columns_active_schedulers(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    scheduler = make_person(crew.column, Role.SCHEDULER)
    make_person(crew.column, Role.SCHEDULER).active = False
    episode = walk_to_approved(session, crew, propose())
    turn = turns.next_step(session, episode)
    assert turn.step is Step.SCHEDULE and ids(turn) == {scheduler.id}


def test_a_returned_episode_awaits_its_editor_director_to_resubmit(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose())
    workflow.return_for_changes(session, crew.producer, episode, episode.version, NOW, reason="补")
    turn = turns.next_step(session, episode)
    assert turn.step is Step.RESUBMIT and ids(turn) == {crew.director.id}
    assert may(session, crew.director, episode, Act.SUBMIT)


def test_ended_episodes_await_nobody(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    rejected = propose(title="甲")
    workflow.reject_topic(session, crew.producer, rejected, rejected.version, NOW, reason="重复")
    withdrawn = propose(title="乙")
    workflow.withdraw(session, crew.producer, withdrawn, withdrawn.version, NOW, reason="取消")
    found = turns.next_steps(session, [rejected, withdrawn])
    assert found == {rejected.id: turns.NO_TURN, withdrawn.id: turns.NO_TURN}


@contextmanager
def counted(session: Session) -> Iterator[list[str]]:
    engine = session.get_bind()
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_board_of_many_episodes_reads_its_turns_in_two_statements(
    session: Session,
    crew: Crew,
    make_crew: Callable[..., Crew],
    propose: Callable[..., Episode],
) -> None:
    other = make_crew()
    episodes = [propose(title=f"甲{n}") for n in range(5)]
    episodes += [walk_to_review(session, crew, propose(title=f"乙{n}")) for n in range(5)]
    episodes += [walk_to_review(session, other, propose(other, title=f"丙{n}")) for n in range(5)]
    session.flush()
    with counted(session) as statements:
        found = turns.next_steps(session, episodes)
    assert len(statements) == 2, statements
    assert {ids(found[e.id]) == {e.responsible_producer_id} for e in episodes} == {True}
    assert [found[e.id].step for e in episodes[:6]] == [Step.APPROVE_TOPIC] * 5 + [Step.SIGN]


def test_the_open_return_says_stage_who_when_and_why(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose())
    assert turns.last_return(session, episode) is None
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    workflow.return_for_changes(
        session, crew.reviewer, episode, episode.version, NOW, reason="第3分钟字幕有误"
    )
    found = turns.last_return(session, episode)
    assert found is not None
    assert (found.stage, found.actor, found.at, found.reason) == (
        Stage.SECOND,
        crew.reviewer,
        NOW,
        "第3分钟字幕有误",
    )
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    assert episode.state is State.FIRST_REVIEW
    assert turns.last_return(session, episode) is None  # resubmitted: no return is open


def test_the_history_binds_the_same_people_to_the_same_stages_as_the_stage_signers(
    session: Session,
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> None:
    both = make_person(crew.column, Role.REVIEWER, Role.FINAL_APPROVER)
    episode = walk_to_review(session, crew, propose())
    workflow.sign_off(
        session, crew.producer, episode, episode.version, NOW, stage=Stage.FIRST, checklist=OK
    )
    workflow.return_for_changes(session, both, episode, episode.version, NOW, reason="补")
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    history = session.scalars(
        select(HistoryEntry).where(HistoryEntry.episode_id == episode.id).order_by(HistoryEntry.seq)
    ).all()
    signers = {
        s.person_id: s.stage
        for s in session.scalars(select(StageSigner).where(StageSigner.episode_id == episode.id))
    }
    assert (
        turns.bound_in(history) == signers == {crew.producer.id: Stage.FIRST, both.id: Stage.SECOND}
    )


def test_a_scheduled_episode_awaits_its_premiere_not_the_schedulers(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_approved(session, crew, propose())
    at = NOW + timedelta(days=4)
    turn = turns.next_step(session, episode, {episode.id: at})
    assert turn == turns.Turn(Step.AIR, premiere_at=at)
    assert turns.next_step(session, episode, {episode.id + 1: at}).step is Step.SCHEDULE
