"""Personal feed tokens: the secret part of ``/feeds/people/<token>.ics``.

A token is 256 random bits, shown once; only its SHA-256 is stored. A person
has at most one live token (a partial unique index): issuing a new one
rotates it, so a leaked link stops working; revoking leaves none.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from calendars.models import FeedToken
from editorial.errors import Forbidden
from editorial.models import Membership, Person, Role

PREFIX = "tvf_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _require_self_or_admin(session: Session, actor: Person, person: Person) -> None:
    if actor.id == person.id:
        return
    admin = session.scalar(
        select(Membership.id).where(Membership.person_id == actor.id, Membership.role == Role.ADMIN)
    )
    if admin is None:
        raise Forbidden(
            "only the person themself or an administrator manages a feed link",
            code="feed_link_own_only",
        )


def rotate_feed_token(session: Session, actor: Person, person: Person, now: datetime) -> str:
    """Issue the person's feed token, revoking the one before; the plain token is returned once."""
    _require_self_or_admin(session, actor, person)
    _revoke(session, person, now)
    token = PREFIX + secrets.token_urlsafe(32)
    session.add(FeedToken(person_id=person.id, token_hash=token_hash(token), created_at=now))
    session.flush()
    return token


def revoke_feed_token(session: Session, actor: Person, person: Person, now: datetime) -> int:
    """Revoke the person's feed token; return how many were live (0 or 1)."""
    _require_self_or_admin(session, actor, person)
    return _revoke(session, person, now)


def _revoke(session: Session, person: Person, now: datetime) -> int:
    live = list(
        session.scalars(
            select(FeedToken).where(
                FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None)
            )
        )
    )
    for token in live:
        token.revoked_at = now
    session.flush()
    return len(live)


def person_for_feed_token(session: Session, token: str) -> Person | None:
    """The active person whose live feed token this is, or None (also for any malformed token)."""
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    return session.scalar(
        select(Person)
        .join(FeedToken, FeedToken.person_id == Person.id)
        .where(
            FeedToken.token_hash == token_hash(token),
            FeedToken.revoked_at.is_(None),
            Person.active.is_(True),
        )
    )
