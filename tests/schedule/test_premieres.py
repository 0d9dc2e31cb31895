"""``airings.premieres_of``: each episode's first premiere still on the schedule, which
whose-turn lines show once an approved episode is scheduled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from editorial.models import Episode
from schedule import airings
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.conftest import NOW, Crew, walk_to_approved


def airing(slot: Slot, episode: Episode, at: datetime, status: AiringStatus) -> Airing:
    return Airing(
        slot_id=slot.id,
        episode_id=episode.id,
        kind=SlotKind.PREMIERE,
        starts_at=at,
        ends_at=at + timedelta(minutes=30),
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )


def test_the_first_premiere_not_cancelled_counts_cancelled_ones_do_not(
    session: Session,
    crew: Crew,
    propose: Callable[..., Episode],
    make_slot: Callable[..., Slot],
) -> None:
    slot = make_slot()
    scheduled = walk_to_approved(session, crew, propose(title="甲"))
    unscheduled = walk_to_approved(session, crew, propose(title="乙"))
    first = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    session.add_all(
        [
            airing(slot, scheduled, first - timedelta(days=7), AiringStatus.CANCELLED),
            airing(slot, scheduled, first, AiringStatus.PUBLISHED),
            airing(slot, unscheduled, first, AiringStatus.CANCELLED),
        ]
    )
    session.flush()
    found = airings.premieres_of(session, [scheduled.id, unscheduled.id])
    assert found == {scheduled.id: first}
    assert airings.premieres_of(session, []) == {}
