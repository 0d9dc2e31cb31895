"""The history is append-only and hash-chained: changes are refused, tampering is found."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Row, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial import history, workflow
from editorial.models import Episode, HistoryEntry, Person, Role
from tests.conftest import NOW, Crew, walk_to_approved

APPEND_ONLY = ("episode_history", "comments", "sign_offs")
# A column each append-only table has that an UPDATE could try to rewrite.
EDITABLE = {"episode_history": "reason", "comments": "body", "sign_offs": "note"}


def row_of(session: Session, table: str, row_id: int) -> Row[tuple[object, ...]]:
    return session.execute(text(f"SELECT * FROM {table} WHERE id = :id"), {"id": row_id}).one()


def first_id(session: Session, table: str) -> int:
    row_id = session.scalar(text(f"SELECT min(id) FROM {table}"))
    assert isinstance(row_id, int)
    return row_id


def lift_append_only(session: Session, table: str) -> None:
    """What a tamperer with DDL rights would do first; undone by the rollback."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        session.execute(text(f"DROP TRIGGER {table}_no_update"))
        session.execute(text(f"DROP TRIGGER {table}_no_delete"))


def entry_at(session: Session, episode: Episode, seq: int) -> HistoryEntry:
    return session.scalars(
        select(HistoryEntry).where(HistoryEntry.episode_id == episode.id, HistoryEntry.seq == seq)
    ).one()


@pytest.fixture
def approved(session: Session, crew: Crew, propose: Callable[..., Episode]) -> Episode:
    """An approved episode with a comment: rows in every append-only table."""
    episode = walk_to_approved(session, crew, propose())
    workflow.add_comment(session, crew.reviewer, episode, NOW, "片头字幕已核对")
    return episode


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("operation", ["UPDATE", "DELETE"])
def test_append_only_tables_refuse_update_and_delete(
    session: Session, approved: Episode, table: str, operation: str
) -> None:
    row_id = first_id(session, table)
    before = row_of(session, table, row_id)
    sql = (
        f"UPDATE {table} SET {EDITABLE[table]} = 'rewritten' WHERE id = :id"
        if operation == "UPDATE"
        else f"DELETE FROM {table} WHERE id = :id"
    )
    refused = f"{table} is append-only: {operation} refused"
    with pytest.raises(IntegrityError, match=refused), session.begin_nested():
        session.execute(text(sql), {"id": row_id})
    assert row_of(session, table, row_id) == before


def test_a_clean_chain_verifies(
    session: Session,
    crew: Crew,
    propose: Callable[..., Episode],
    make_person: Callable[..., Person],
) -> None:
    successor = make_person(crew.column, Role.PRODUCER)
    walk_to_approved(session, crew, propose())
    rejected = propose(title="重复选题")
    workflow.hand_over(session, crew.producer, rejected, 1, NOW, to=successor, reason="调岗")
    workflow.reject_topic(session, successor, rejected, 2, NOW, reason="与上期重复")
    assert list(history.verify(session)) == []


def test_an_altered_entry_is_named(
    session: Session, crew: Crew, approved: Episode, propose: Callable[..., Episode]
) -> None:
    untouched = walk_to_approved(session, crew, propose(title="另一期"))
    target = entry_at(session, approved, 4)
    savepoint = session.begin_nested()
    lift_append_only(session, "episode_history")
    session.execute(
        text("UPDATE episode_history SET reason = :reason WHERE id = :id"),
        {"reason": "事后补记", "id": target.id},
    )
    # No expire_all(): verify must read the altered row, not this session's loaded copy.
    broken = list(history.verify(session))
    assert broken == [
        history.BrokenLink(
            target.id, approved.id, 4, "content does not match its hash (the entry was altered)"
        )
    ]
    assert f"history entry {target.id} (episode {approved.id}, seq 4)" in str(broken[0])
    assert untouched.id not in {link.episode_id for link in broken}
    savepoint.rollback()

    # The DDL rolled back with the savepoint: the trigger refuses again, the chain is whole.
    with pytest.raises(IntegrityError, match="append-only"), session.begin_nested():
        session.execute(
            text("UPDATE episode_history SET reason = 'x' WHERE id = :id"), {"id": target.id}
        )
    session.expire_all()
    assert list(history.verify(session)) == []


def test_an_altered_entry_with_a_recomputed_hash_breaks_the_next_link(
    session: Session, approved: Episode
) -> None:
    target = entry_at(session, approved, 3)
    forged = history.compute_hash(
        target.prev_hash, history.content_of(target) | {"reason": "事后补记"}
    )
    savepoint = session.begin_nested()
    lift_append_only(session, "episode_history")
    session.execute(
        text("UPDATE episode_history SET reason = '事后补记', hash = :hash WHERE id = :id"),
        {"hash": forged, "id": target.id},
    )
    session.expire_all()
    (link,) = history.verify(session)
    assert (link.episode_id, link.seq) == (approved.id, 4)
    assert link.problem == "prev_hash does not match the previous entry's hash"
    savepoint.rollback()


def test_a_deleted_middle_entry_is_a_missing_seq(session: Session, approved: Episode) -> None:
    middle, after = entry_at(session, approved, 3), entry_at(session, approved, 4)
    savepoint = session.begin_nested()
    lift_append_only(session, "episode_history")
    session.execute(text("DELETE FROM episode_history WHERE id = :id"), {"id": middle.id})
    session.expire_all()
    assert list(history.verify(session)) == [
        history.BrokenLink(
            after.id, approved.id, 4, "expected seq 3, found 4 (an entry is missing)"
        )
    ]
    savepoint.rollback()
    session.expire_all()
    assert list(history.verify(session)) == []
