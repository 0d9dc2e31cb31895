"""The scheduler service's messages to people (reminders, deadlines): reading and dismissing.

Each function takes the session, the person and ``now``; it flushes, the
caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import NotFound
from editorial.models import Notification, Person


def notifications_of(
    session: Session, person: Person, *, include_dismissed: bool = False, limit: int = 200
) -> list[Notification]:
    """The person's notifications, newest first."""
    query = select(Notification).where(Notification.person_id == person.id)
    if not include_dismissed:
        query = query.where(Notification.dismissed_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    return list(session.scalars(query))


def dismiss(session: Session, person: Person, notification_id: int, now: datetime) -> Notification:
    """Dismiss one of the person's own notifications; another's answers as not found."""
    found = session.get(Notification, notification_id)
    if found is None or found.person_id != person.id:
        raise NotFound(f"no notification {notification_id}")
    if found.dismissed_at is None:
        found.dismissed_at = now
        session.flush()
    return found
