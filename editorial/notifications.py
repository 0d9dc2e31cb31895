"""Notifications (通知): messages for a person about a hand-off, a reminder or a
deadline; adding them, reading them, marking them read (a read one is "dismissed").

Each function takes the session, the person and ``now``; it flushes, the
caller commits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from editorial.errors import NotFound
from editorial.models import Episode, Notification, Person


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


def add(
    session: Session,
    person: Person,
    kind: str,
    now: datetime,
    *,
    message: str,
    episode: Episode | None = None,
    actor: Person | None = None,
    reason: str = "",
    params: dict[str, Any] | None = None,
    event_key: str,
) -> Notification:
    """Tell ``person`` once per event (``event_key``): the row is also the outbox the
    scheduler service delivers from, in the caller's transaction."""
    notification = Notification(
        person_id=person.id,
        kind=kind,
        episode_id=episode.id if episode is not None else None,
        message=message,
        dedupe_key=f"{event_key}:{person.id}",
        created_at=now,
        actor_id=actor.id if actor is not None else None,
        reason=reason,
        params=dict(params or {}),
        event_key=event_key,
    )
    session.add(notification)
    session.flush()
    return notification


def unread_count(session: Session, person: Person) -> int:
    """How many of the person's notifications are unread (the header's count)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.person_id == person.id, Notification.dismissed_at.is_(None))
        )
        or 0
    )


def mark_all_read(session: Session, person: Person, now: datetime) -> int:
    """Mark every unread notification of the person read; how many were."""
    result = session.execute(
        update(Notification)
        .where(Notification.person_id == person.id, Notification.dismissed_at.is_(None))
        .values(dismissed_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(getattr(result, "rowcount", 0) or 0)
