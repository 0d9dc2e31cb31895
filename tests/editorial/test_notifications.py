"""Reading and dismissing the scheduler's notifications: one's own only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from editorial import notifications
from editorial.errors import NotFound
from editorial.models import Column, Notification, Person, Role
from tests.conftest import NOW


def notify(session: Session, person: Person, key: str, minutes: int = 0) -> Notification:
    item = Notification(
        person_id=person.id,
        kind="review_due",
        message=f"《节目》初审将到期 {key}",
        dedupe_key=key,
        created_at=NOW + timedelta(minutes=minutes),
    )
    session.add(item)
    session.flush()
    return item


def test_a_person_dismisses_their_own_and_sees_the_rest_newest_first(
    session: Session,
    make_column: Callable[..., Column],
    make_person: Callable[..., Person],
) -> None:
    column = make_column()
    me, other = make_person(column, Role.PRODUCER), make_person(column, Role.PRODUCER)
    old, new = notify(session, me, "a"), notify(session, me, "b", minutes=5)
    theirs = notify(session, other, "c")
    assert notifications.notifications_of(session, me) == [new, old]
    notifications.dismiss(session, me, old.id, NOW)
    notifications.dismiss(session, me, old.id, NOW + timedelta(hours=1))  # again: no change
    assert old.dismissed_at == NOW
    assert notifications.notifications_of(session, me) == [new]
    assert notifications.notifications_of(session, me, include_dismissed=True) == [new, old]
    with pytest.raises(NotFound):
        notifications.dismiss(session, me, theirs.id, NOW)
    assert theirs.dismissed_at is None
