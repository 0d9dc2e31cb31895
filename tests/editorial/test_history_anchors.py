"""Anchors and covered sign-offs and comments: the chain cannot be quietly shortened,
and data written before migration c7d4e1a9b2f3 stays verifiable after it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import migrations
from editorial import history, workflow
from editorial.db import make_engine
from editorial.models import Comment, Episode, HistoryAnchor
from tests.conftest import NOW, Crew, scratch_database, walk_to_approved

BEFORE_ANCHORS = "a41c7e2b9d63"  # 0010: the sign-in, anchor and producer migrations follow


def test_every_append_moves_the_anchor(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = walk_to_approved(session, crew, propose())
    workflow.add_comment(session, crew.reviewer, episode, NOW, "已核对")
    anchor = session.get(HistoryAnchor, episode.id)
    assert anchor is not None
    last = session.scalars(
        text("SELECT hash FROM episode_history WHERE episode_id = :e ORDER BY seq DESC LIMIT 1"),
        {"e": episode.id},
    ).one()
    assert (anchor.entries, anchor.head_hash) == (9, last)
    assert list(history.verify(session)) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE history_anchors SET entries = entries - 1",
        "UPDATE history_anchors SET entries = entries + 2",
        "DELETE FROM history_anchors",
    ],
)
def test_the_anchor_only_moves_forward_by_one(
    session: Session, crew: Crew, propose: Callable[..., Episode], statement: str
) -> None:
    walk_to_approved(session, crew, propose())
    with (
        pytest.raises(IntegrityError, match="history_anchors only move forward"),
        session.begin_nested(),
    ):
        session.execute(text(statement))


def test_a_comment_inserted_underneath_is_named(
    session: Session, crew: Crew, propose: Callable[..., Episode]
) -> None:
    episode = propose()
    session.add(Comment(episode_id=episode.id, author_id=crew.reviewer.id, at=NOW, body="补写"))
    session.flush()
    (link,) = history.verify(session)
    assert link.episode_id == episode.id
    assert "is recorded by no history entry (added underneath)" in link.problem


def insert_pre_anchor_data(session: Session) -> None:
    """An episode as the migration before the anchors left it: two chained entries, a
    sign-off, a comment."""
    at = "2026-03-02 01:00:00.000000"
    statements = [
        "INSERT INTO columns (id, slug, name, level, station, channel, has_fixed_slot, "
        "review_days_first, review_days_second, review_days_final, created_at) "
        f"VALUES (1, 'city', '时代风采', 'city', '市台', '综合', true, 2, 3, 2, '{at}')",
        "INSERT INTO people (id, username, display_name, failed_sign_ins, active, created_at) "
        f"VALUES (1, 'pr', '制片', 0, true, '{at}'), (2, 'ed', '编导', 0, true, '{at}')",
        "INSERT INTO episodes (id, column_id, title, topic, synopsis, genre, target_duration_s, "
        "director_id, responsible_producer_id, state, version, review_round, state_entered_at, "
        "review_due_estimated, offered_for_exchange, created_at) VALUES (1, 1, '科技富民', '', "
        f"'', '', 900, 2, 1, 'second_review', 2, 1, '{at}', false, false, '{at}')",
        "INSERT INTO stage_signers (episode_id, person_id, stage) VALUES (1, 1, 'first')",
        "INSERT INTO sign_offs (id, episode_id, review_round, stage, person_id, role, signed_at, "
        "political_accuracy, facts, watchability, timeliness, technical_quality, note) "
        f"VALUES (1, 1, 1, 'first', 1, 'producer', '{at}', true, true, true, true, true, '')",
        "INSERT INTO comments (id, episode_id, author_id, at, body) "
        f"VALUES (1, 1, 1, '{at}', '好')",
    ]
    for statement in statements:
        session.execute(text(statement))
    prev = history.GENESIS
    for seq, act in ((1, "propose"), (2, "first_review")):
        content = {
            "episode_id": 1, "seq": seq, "act": act, "actor_id": 1, "actor_role": "producer",
            "at": "2026-03-02T01:00:00.000000+00:00", "from_state": None,
            "to_state": "second_review", "reason": None, "checklist": None,
            "media_version": None, "details": None,
        }  # fmt: skip
        digest = history.compute_hash(prev, content)
        session.execute(
            text(
                "INSERT INTO episode_history (episode_id, seq, act, actor_id, actor_role, at, "
                "to_state, prev_hash, hash) VALUES (1, :seq, :act, 1, 'producer', :at, "
                "'second_review', :prev, :hash)"
            ),
            {"seq": seq, "act": act, "at": at, "prev": prev, "hash": digest},
        )
        prev = digest


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_migration_anchors_and_seals_existing_chains(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path, "anchors") as url:
        engine = make_engine(url)
        migrations.upgrade(engine, BEFORE_ANCHORS)
        with Session(engine) as session, session.begin():
            insert_pre_anchor_data(session)
        migrations.upgrade(engine)
        with Session(engine) as session:
            assert list(history.verify(session)) == []
            seal = session.execute(
                text("SELECT seq, act FROM episode_history WHERE episode_id = 1 ORDER BY seq")
            ).all()[-1]
            assert tuple(seal) == (3, history.SEAL)
            anchor = session.get(HistoryAnchor, 1)
            assert anchor is not None and anchor.entries == 3
            # The sealed sign-off is now guarded like a new one.
            if backend == "postgresql":
                session.execute(text("ALTER TABLE sign_offs DISABLE TRIGGER USER"))
            else:
                session.execute(text("DROP TRIGGER sign_offs_no_update"))
            session.execute(text("UPDATE sign_offs SET note = '补签'"))
            (link,) = history.verify(session)
            assert link.seq == 3 and "sign-off 1 does not match" in link.problem
            session.rollback()
        engine.dispose()
