"""A new media version: recorded before review; after a sign-off it reopens the review,
since sign-offs are bound to the version they reviewed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Forbidden, IllegalAct, InvalidInput
from editorial.models import Episode, SignOff, State
from tests.conftest import NOW, Crew, walk_to_approved, walk_to_review

OK = workflow.Checklist.all_confirmed()


def upload(session: Session, crew: Crew, episode: Episode, number: int) -> Episode:
    return workflow.new_media_version(
        session, crew.director, episode, episode.version, NOW, number=number
    )


def test_before_review_a_new_version_is_recorded_and_the_state_stays(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    workflow.approve_topic(session, crew.producer, episode, episode.version, NOW)
    workflow.start_production(session, crew.director, episode, episode.version, NOW)
    upload(session, crew, episode, 1)
    assert (episode.state, episode.media_version, episode.review_round) == (
        State.IN_PRODUCTION,
        1,
        0,
    )
    workflow.submit(session, crew.director, episode, episode.version, NOW)
    workflow.sign_off(
        session,
        crew.producer,
        episode,
        episode.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=OK,
    )
    signed = session.scalars(select(SignOff).where(SignOff.episode_id == episode.id)).one()
    assert signed.media_version == 1


def test_after_a_sign_off_a_new_version_reopens_the_first_review_in_a_new_round(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose())
    workflow.sign_off(
        session,
        crew.producer,
        episode,
        episode.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=OK,
    )
    assert episode.state is State.SECOND_REVIEW
    round_before = episode.review_round
    upload(session, crew, episode, 2)
    assert (episode.state, episode.review_round, episode.media_version) == (
        State.FIRST_REVIEW,
        round_before + 1,
        2,
    )
    assert episode.review_due is not None


def test_an_approved_episode_goes_back_to_review_with_a_new_version(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_approved(session, crew, propose())
    upload(session, crew, episode, 2)
    assert episode.state is State.FIRST_REVIEW


def test_an_older_version_or_the_wrong_person_is_refused(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_review(session, crew, propose())
    upload(session, crew, episode, 3)
    with pytest.raises(InvalidInput, match="not newer"):
        upload(session, crew, episode, 3)
    with pytest.raises(Forbidden):
        workflow.new_media_version(session, crew.reviewer, episode, episode.version, NOW, number=4)
    proposed = propose(title="尚未制作")
    with pytest.raises(IllegalAct):
        upload(session, crew, proposed, 1)
    assert (episode.media_version, proposed.media_version) == (3, None)
