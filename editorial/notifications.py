"""Notifications (通知): messages for a person about a hand-off, a reminder or a
deadline; adding them, reading them, marking them read (a read one is "dismissed").

Each function takes the session, the person and ``now``; it flushes, the
caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, joinedload

from editorial.errors import InvalidInput, NotFound
from editorial.models import Channel, Episode, Notification, NotificationChoice, Person

# Every kind of notification, in the order a person's choices list them: the hand-offs
# (``editorial.handoffs.KIND``), then the reminders of the service.
KINDS = (
    "topic_proposed",
    "topic_approved",
    "topic_rejected",
    "submitted",
    "stage_signed",
    "approved",
    "returned",
    "handed_over",
    "pulled",
    "review_due",  # editorial.reminders
    "liaison_meeting",  # liaison.reminders
    "liaison_behind",
    "airing_cancelled",  # schedule.cancellations
    "asrun_problems",  # station.asrun
)
EVERY_KIND = "*"
# The channels a person chooses for themself; the group robots are the column's.
PERSONAL_CHANNELS = (Channel.EMAIL,)
Choices = Mapping[tuple[Channel, str], bool]


def notifications_of(
    session: Session,
    person: Person,
    *,
    include_dismissed: bool = False,
    limit: int = 200,
    offset: int = 0,
) -> list[Notification]:
    """The person's notifications, newest first, with who acted and the episode."""
    query = (
        select(Notification)
        .where(Notification.person_id == person.id)
        .options(joinedload(Notification.actor), joinedload(Notification.episode))
    )
    if not include_dismissed:
        query = query.where(Notification.dismissed_at.is_(None))
    query = query.order_by(Notification.created_at.desc(), Notification.id.desc())
    return list(session.scalars(query.limit(limit).offset(offset)))


def count_of(session: Session, person: Person, *, include_dismissed: bool = False) -> int:
    """How many notifications ``notifications_of`` would list without a limit."""
    if not include_dismissed:
        return session.scalar(unread_query(person.id)) or 0
    query = select(func.count()).select_from(Notification)
    return session.scalar(query.where(Notification.person_id == person.id)) or 0


def unread_query(person_id: int) -> Select[int]:
    """The statement counting a person's unread notifications (the header's count, which
    the web reads as a subquery of the statement it reads the person's roles with)."""
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.person_id == person_id, Notification.dismissed_at.is_(None))
    )


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
    return count_of(session, person)


def mark_all_read(session: Session, person: Person, now: datetime) -> int:
    """Mark every unread notification of the person read; how many were."""
    result = session.execute(
        update(Notification)
        .where(Notification.person_id == person.id, Notification.dismissed_at.is_(None))
        .values(dismissed_at=now),
        execution_options={"synchronize_session": "fetch"},
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- each person's channels -----------------------------------------------------------------


def set_choice(
    session: Session, person: Person, channel: Channel, kind: str, enabled: bool, now: datetime
) -> NotificationChoice:
    """The person turns a channel on or off for one kind, or for every kind (``'*'``,
    the channel's main switch: off, no kind goes that way; on, each kind's own choice
    decides, ``wants``). Only the person themself calls this: their choices are theirs.
    """
    errors = {}
    if channel not in PERSONAL_CHANNELS:
        errors["channel"] = "not_personal"
    if kind != EVERY_KIND and kind not in KINDS:
        errors["kind"] = "unknown"
    if errors:
        raise InvalidInput(
            f"no personal choice of {channel} for {kind!r}", errors, code="no_such_choice"
        )
    choice = session.get(NotificationChoice, (person.id, channel, kind))
    if choice is None:
        choice = NotificationChoice(person_id=person.id, channel=channel, kind=kind)
        session.add(choice)
    choice.enabled = enabled
    session.flush()
    return choice


def choices_of(session: Session, person: Person) -> dict[tuple[Channel, str], bool]:
    """The person's stored choices by (channel, kind); what is missing is the default."""
    return {
        (choice.channel, choice.kind): choice.enabled
        for choice in session.scalars(
            select(NotificationChoice).where(NotificationChoice.person_id == person.id)
        )
    }


def wants(choices: Choices, channel: Channel, kind: str) -> bool:
    """Whether the person wants ``kind`` by ``channel`` (``choices``: ``choices_of``): not
    when the channel's main switch (``'*'``) is off, else as chosen for the kind, and yes
    without a choice (e-mail is on by default; the sender still needs the person's
    address and a configured SMTP server)."""
    if not choices.get((channel, EVERY_KIND), True):
        return False
    return choices.get((channel, kind), True)
