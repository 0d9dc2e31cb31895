"""The builder's bulk insert stores rows exactly as the ORM would, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial.models import Person
from schedule.builder_write import bulk_insert
from schedule.models import Airing, AiringStatus, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import Desk


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


def test_bulk_inserted_airings_read_back_and_compare_like_orm_ones(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    episodes = [desk.episode(), desk.episode()]
    # An aware time in another zone, with microseconds: stored naive in UTC either way.
    at = datetime(2026, 3, 6, 20, 0, 0, 123456, tzinfo=timezone(timedelta(hours=8)))
    by_orm = Airing(
        slot_id=slot.id,
        episode_id=episodes[0].id,
        kind=SlotKind.PREMIERE,
        starts_at=at,
        ends_at=at + timedelta(minutes=30),
        status=AiringStatus.DRAFT,
        pinned=False,
        exchange=True,
        reason="按终审通过先后排播",
        revision=0,
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(by_orm)
    session.flush()
    later = at + timedelta(days=7)
    bulk_insert(
        session,
        Airing,
        [
            {
                "slot_id": slot.id,
                "episode_id": episodes[1].id,
                "kind": SlotKind.PREMIERE,
                "premiere_id": None,
                "starts_at": later,
                "ends_at": later + timedelta(minutes=30),
                "status": AiringStatus.DRAFT,
                "pinned": False,
                "exchange": True,
                "reason": "按终审通过先后排播",
                "revision": 0,
                "published_at": None,
                "created_at": NOW,
                "updated_at": NOW,
            }
        ],
    )
    stored = session.execute(
        text("SELECT starts_at, created_at, kind, pinned, exchange FROM airings ORDER BY id")
    ).all()
    first, second = (tuple(map(type, r)) for r in stored)
    assert first == second  # the same stored types (text, integer) either way
    assert stored[0][1] == stored[1][1] and stored[0][2:] == stored[1][2:]
    found = session.scalar(
        select(Airing).where(Airing.starts_at == datetime(2026, 3, 13, 12, 0, 0, 123456, UTC))
    )
    assert found is not None and found.episode_id == episodes[1].id
    assert found.starts_at == later and found.exchange is True and found.kind is SlotKind.PREMIERE
    in_range = session.scalars(
        select(Airing.episode_id).where(Airing.starts_at > at).order_by(Airing.starts_at)
    ).all()
    assert in_range == [episodes[1].id]


def test_a_bulk_insert_the_database_refuses_raises_sqlalchemys_error(
    session: Session, desk: Desk
) -> None:
    """A refused COPY (PostgreSQL) or executemany (SQLite) raises SQLAlchemy's IntegrityError,
    which the web answers with 409 like any lost race, never the driver's bare error (a 500)."""
    slot, episode = desk.slot(), desk.episode()
    at = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    row = {
        "slot_id": slot.id,
        "episode_id": episode.id,
        "kind": SlotKind.PREMIERE,
        "premiere_id": None,
        "starts_at": at,
        "ends_at": at + timedelta(minutes=30),
        "status": AiringStatus.DRAFT,
        "pinned": False,
        "exchange": False,
        "reason": "",
        "revision": 0,
        "published_at": None,
        "created_at": NOW,
        "updated_at": NOW,
    }
    # The same slot occurrence twice: the one-live-airing-per-occurrence index refuses it.
    with pytest.raises(IntegrityError), session.begin_nested():
        bulk_insert(session, Airing, [row, {**row, "episode_id": desk.episode().id}])
    assert session.scalar(select(func.count()).select_from(Airing)) == 0
