"""``reviews.may_sign_now`` says in SQL exactly what ``workflow.authorize`` says one by one."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import reviews, workflow
from editorial.errors import Forbidden, IllegalAct
from editorial.models import Column, Episode, Person, Role, State
from editorial.workdays import REVIEW_STAGE
from tests.conftest import NOW, Crew, attach_master, walk_to_review

OK = workflow.Checklist.all_confirmed()


def authorized(session: Session, person: Person, episode: Episode) -> bool:
    if episode.state not in REVIEW_STAGE:
        return False
    act = workflow.SIGN_ACT[REVIEW_STAGE[episode.state]]
    try:
        workflow.authorize(session, person, episode, act)
    except (Forbidden, IllegalAct):
        return False
    return True


def to_review(session: Session, crew: Crew, episode: Episode, producer: Person) -> Episode:
    workflow.approve_topic(session, producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    attach_master(session, crew, episode)
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    return episode


def test_the_sql_rule_agrees_with_authorize_for_every_person_and_episode(
    session: Session,
    crew: Crew,
    propose: Callable[..., Episode],
    make_person: Callable[..., Person],
    make_column: Callable[..., Column],
) -> None:
    column = crew.column
    both = make_person(column, Role.PRODUCER, Role.REVIEWER)  # may be bound to one stage only
    final_producer = make_person(column, Role.FINAL_APPROVER, Role.PRODUCER)
    directing_reviewer = make_person(column, Role.EDITOR_DIRECTOR, Role.REVIEWER)
    elsewhere = make_person(make_column(), Role.REVIEWER, Role.FINAL_APPROVER, Role.PRODUCER)
    gone = make_person(column, Role.REVIEWER)
    gone.active = False

    first = walk_to_review(session, crew, propose())
    own = to_review(session, crew, propose(responsible_producer=both), both)  # theirs to sign
    second = walk_to_review(session, crew, propose())
    workflow.sign_off(
        session,
        crew.producer,
        second,
        second.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=OK,
    )  # at the second review: `both` may sign it (not bound to this episode)
    bound = to_review(session, crew, propose(responsible_producer=both), both)
    workflow.sign_off(
        session, both, bound, bound.version, NOW, stage=workflow.Stage.FIRST, checklist=OK
    )  # `both` is now bound to the first stage: not the second
    final = walk_to_review(session, crew, propose())
    for person, stage in (
        (crew.producer, workflow.Stage.FIRST),
        (crew.reviewer, workflow.Stage.SECOND),
    ):
        workflow.sign_off(session, person, final, final.version, NOW, stage=stage, checklist=OK)
    directed = workflow.propose(
        session,
        directing_reviewer,
        column,
        NOW,
        workflow.Proposal("自导", 600, responsible_producer=crew.producer),
    )
    workflow.approve_topic(session, crew.producer, directed, directed.version, NOW)
    workflow.start_production(session, directing_reviewer, directed, directed.version, NOW)
    workflow.new_media_version(
        session, directing_reviewer, directed, directed.version, NOW, number=1
    )
    workflow.submit(session, directing_reviewer, directed, directed.version, NOW)
    workflow.sign_off(
        session,
        crew.producer,
        directed,
        directed.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=OK,
    )  # at the second review now, which its own director may not sign
    propose()  # not in review at all

    assert {e.state for e in (first, second, bound, final, directed)} >= {
        State.FIRST_REVIEW,
        State.SECOND_REVIEW,
        State.FINAL_REVIEW,
    }
    everyone = [
        crew.director, crew.producer, crew.reviewer, crew.final_approver, crew.admin,
        both, final_producer, directing_reviewer, elsewhere, gone,
    ]  # fmt: skip
    episodes = session.scalars(select(Episode)).all()
    for person in everyone:
        in_sql = set(session.scalars(select(Episode.id).where(reviews.may_sign_now(person))).all())
        one_by_one = {e.id for e in episodes if authorized(session, person, e)}
        assert in_sql == one_by_one, person.username
    theirs = set(session.scalars(select(Episode.id).where(reviews.may_sign_now(both))))
    assert own.id in theirs and second.id in theirs  # their first review; a second review
    assert bound.id not in theirs  # four eyes: bound to the first stage of it
