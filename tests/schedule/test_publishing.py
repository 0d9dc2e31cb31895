"""Publishing the frozen horizon and marking airings aired, as time passes. Each is
idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from editorial.models import Episode
from schedule import publishing
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.conftest import NOW, Crew, walk_to_approved


@pytest.fixture
def make_airing(
    session: Session, crew: Crew, propose: Callable[..., Episode], make_slot: Callable[..., Slot]
) -> Callable[..., Airing]:
    """An airing of a fresh approved episode in one slot, starting at ``starts_at``."""
    slot = make_slot()

    def make(starts_at: datetime, status: AiringStatus = AiringStatus.DRAFT) -> Airing:
        episode = walk_to_approved(session, crew, propose())
        airing = Airing(
            slot_id=slot.id,
            episode_id=episode.id,
            kind=SlotKind.PREMIERE,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=30),
            status=status,
            published_at=NOW - timedelta(days=1) if status is AiringStatus.PUBLISHED else None,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(airing)
        session.flush()
        return airing

    return make


def test_publishing_freezes_the_drafts_of_the_next_seven_days_once(
    session: Session, make_airing: Callable[..., Airing]
) -> None:
    soon = make_airing(NOW + timedelta(days=2))
    missed = make_airing(NOW - timedelta(days=1))  # the service was down when it aired
    boundary = make_airing(NOW + timedelta(days=7))
    later = make_airing(NOW + timedelta(days=9))
    already = make_airing(NOW + timedelta(days=1), AiringStatus.PUBLISHED)

    assert publishing.publish_frozen(session, NOW) == 2
    assert (soon.status, soon.published_at) == (AiringStatus.PUBLISHED, NOW)
    assert missed.status is AiringStatus.PUBLISHED
    assert boundary.status is AiringStatus.DRAFT and later.status is AiringStatus.DRAFT
    assert already.published_at == NOW - timedelta(days=1)
    assert soon.revision == 0  # publishing is the first version the feeds see, not a change

    assert publishing.publish_frozen(session, NOW) == 0
    assert publishing.publish_frozen(session, NOW + timedelta(days=3)) == 2


def test_published_airings_that_have_ended_are_marked_aired_once(
    session: Session, make_airing: Callable[..., Airing]
) -> None:
    ended = make_airing(NOW - timedelta(hours=1), AiringStatus.PUBLISHED)  # ends 30 min ago
    on_air = make_airing(NOW - timedelta(minutes=10), AiringStatus.PUBLISHED)
    draft = make_airing(NOW - timedelta(hours=2))

    assert publishing.mark_aired(session, NOW) == 1
    assert ended.status is AiringStatus.AIRED
    assert on_air.status is AiringStatus.PUBLISHED
    assert draft.status is AiringStatus.DRAFT  # publish_frozen publishes it first
    assert publishing.mark_aired(session, NOW) == 0
    assert publishing.mark_aired(session, NOW + timedelta(minutes=20)) == 1
