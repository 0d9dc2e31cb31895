"""Priority tags (宣传报道重点): the responsible producer sets them at any time before the
episode ends, approved included, and the history keeps old and new."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Forbidden, IllegalAct, InvalidInput
from editorial.models import Episode, HistoryEntry
from tests.conftest import NOW, Crew, walk_to_approved


def test_the_producer_tags_an_approved_episode_and_the_history_keeps_both(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_approved(session, crew, propose(priority_tags=("党史",)))
    before = episode.version
    workflow.set_priority_tags(
        session, crew.producer, episode, episode.version, NOW, [" 七一 ", "党史", "七一"]
    )
    assert sorted(episode.priority_tags) == ["七一", "党史"]
    assert episode.version == before + 1
    last = session.scalars(
        select(HistoryEntry)
        .where(HistoryEntry.episode_id == episode.id)
        .order_by(HistoryEntry.seq.desc())
    ).first()
    assert last is not None and last.act == workflow.Act.SET_TAGS.value
    assert last.details == {"priority_tags": [["党史"], ["七一", "党史"]]}


def test_only_the_responsible_producer_sets_tags(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    for someone in (crew.director, crew.reviewer):
        with pytest.raises(Forbidden):
            workflow.set_priority_tags(session, someone, episode, episode.version, NOW, ["七一"])
    assert episode.priority_tags == []


def test_tags_are_refused_when_bad_unchanged_or_the_episode_has_ended(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose(priority_tags=("七一",))
    with pytest.raises(InvalidInput):
        workflow.set_priority_tags(
            session, crew.producer, episode, episode.version, NOW, ["x" * 61]
        )
    with pytest.raises(InvalidInput):
        workflow.set_priority_tags(session, crew.producer, episode, episode.version, NOW, ["七一"])
    workflow.reject_topic(session, crew.producer, episode, episode.version, NOW, reason="重复")
    with pytest.raises(IllegalAct):
        workflow.set_priority_tags(session, crew.producer, episode, episode.version, NOW, ["党史"])
    assert episode.priority_tags == ["七一"]
