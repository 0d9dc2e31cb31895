"""Editing an episode's description (修改节目信息): who, when, and what the history keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.errors import Conflict, Forbidden, IllegalAct, InvalidInput
from editorial.models import Episode, HistoryEntry
from tests.conftest import NOW, Crew, walk_to_approved, walk_to_review


def test_the_director_edits_and_the_history_keeps_old_and_new(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose(title="旧标题")
    workflow.edit(
        session,
        crew.director,
        episode,
        episode.version,
        NOW,
        workflow.Edit(title="新标题", air_by=date(2026, 4, 1), priority_tags=("七一",)),
    )
    assert (episode.title, episode.air_by, episode.priority_tags) == (
        "新标题",
        date(2026, 4, 1),
        ["七一"],
    )
    entry = session.query(HistoryEntry).filter_by(episode_id=episode.id, act="edit").one()
    assert entry.details["title"] == ["旧标题", "新标题"]
    assert entry.details["air_by"] == [None, "2026-04-01"]


def test_the_responsible_producer_may_edit_a_reviewer_may_not(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    workflow.edit(
        session, crew.producer, episode, episode.version, NOW, workflow.Edit(genre="专题")
    )
    with pytest.raises(Forbidden):
        workflow.edit(
            session, crew.reviewer, episode, episode.version, NOW, workflow.Edit(genre="访谈")
        )
    assert episode.genre == "专题"


def test_no_edit_under_review_or_once_approved(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    reviewed = walk_to_review(session, crew, propose())
    with pytest.raises(IllegalAct):
        workflow.edit(
            session, crew.director, reviewed, reviewed.version, NOW, workflow.Edit(title="改")
        )
    approved = walk_to_approved(session, crew, propose(title="已通过"))
    with pytest.raises(IllegalAct):
        workflow.edit(
            session, crew.producer, approved, approved.version, NOW, workflow.Edit(title="改")
        )
    assert approved.title == "已通过"


def test_bad_edits_are_refused_with_the_field_and_nothing_changes(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose(title="原标题")
    version = episode.version
    for changes, field in (
        (workflow.Edit(title="长" * 201), "title"),
        (workflow.Edit(title="  "), "title"),
        (workflow.Edit(target_duration_s=-5), "target_duration_s"),
        (workflow.Edit(air_by=date(2020, 1, 1)), "air_by"),
        (workflow.Edit(title="原标题"), None),
    ):
        with pytest.raises(InvalidInput) as error:
            workflow.edit(session, crew.director, episode, version, NOW, changes)
        if field:
            assert field in error.value.fields
    assert (episode.title, episode.version) == ("原标题", version)
    with pytest.raises(Conflict):
        workflow.edit(session, crew.director, episode, version - 1, NOW, workflow.Edit(title="x"))
