"""Columns, people, their roles and personal API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import Forbidden, InvalidInput, NotFound
from editorial.models import (
    ApiToken,
    Column,
    Episode,
    Level,
    Membership,
    Person,
    Role,
    Series,
)
from editorial.text import visible_text
from editorial.workdays import refresh_review_dues
from editorial.workflow import OPEN

USERNAME = re.compile(r"^[a-z][a-z0-9_.-]{1,59}$")
SLUG = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def get_person(session: Session, username: str) -> Person:
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None:
        raise NotFound(f"no person with username {username!r}")
    return person


def get_column(session: Session, slug: str) -> Column:
    column = session.scalar(select(Column).where(Column.slug == slug))
    if column is None:
        raise NotFound(f"no column with slug {slug!r}")
    return column


def get_episode(session: Session, episode_id: int) -> Episode:
    episode = session.get(Episode, episode_id)
    if episode is None:
        raise NotFound(f"no episode {episode_id}")
    return episode


def create_column(
    session: Session,
    now: datetime,
    *,
    slug: str,
    name: str,
    level: Level,
    station: str,
    channel: str,
    has_fixed_slot: bool = True,
) -> Column:
    if not SLUG.match(slug):
        raise InvalidInput(
            f"slug {slug!r} must be 2-40 lowercase letters, digits or '-', starting with a letter",
            {"slug": "invalid"},
            code="slug_invalid",
        )
    if session.scalar(select(Column.id).where(Column.slug == slug)):
        raise InvalidInput(
            f"a column with slug {slug!r} exists", {"slug": "taken"}, code="slug_taken"
        )
    if not visible_text(name):
        raise InvalidInput("a column needs a name", {"name": "required"}, code="name_required")
    column = Column(
        slug=slug,
        name=visible_text(name),
        level=level,
        station=station.strip(),
        channel=channel.strip(),
        has_fixed_slot=has_fixed_slot,
        created_at=now,
    )
    session.add(column)
    session.flush()
    return column


def create_person(
    session: Session,
    now: datetime,
    *,
    username: str,
    display_name: str,
    email: str | None = None,
    password_hash: str | None = None,
) -> Person:
    if not USERNAME.match(username):
        raise InvalidInput(
            f"username {username!r} must be 2-60 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter",
            {"username": "invalid"},
            code="username_invalid",
        )
    if session.scalar(select(Person.id).where(Person.username == username)):
        raise InvalidInput(
            f"username {username!r} is taken", {"username": "taken"}, code="username_taken"
        )
    if not visible_text(display_name):
        raise InvalidInput(
            "a person needs a display name",
            {"display_name": "required"},
            code="display_name_required",
        )
    person = Person(
        username=username,
        display_name=visible_text(display_name),
        email=email,
        password_hash=password_hash,
        active=True,
        created_at=now,
    )
    session.add(person)
    session.flush()
    return person


def grant_role(
    session: Session, person: Person, column: Column, role: Role, now: datetime
) -> Membership:
    existing = session.scalar(
        select(Membership).where(
            Membership.person_id == person.id,
            Membership.column_id == column.id,
            Membership.role == role,
        )
    )
    if existing is not None:
        return existing
    membership = Membership(person=person, column=column, role=role, granted_at=now)
    session.add(membership)
    session.flush()
    return membership


def revoke_role(session: Session, person: Person, column: Column, role: Role) -> None:
    """Revoke a role; a producer still responsible for open episodes hands them over first."""
    membership = session.scalar(
        select(Membership).where(
            Membership.person_id == person.id,
            Membership.column_id == column.id,
            Membership.role == role,
        )
    )
    if membership is None:
        raise NotFound(f"{person.username} is not a {role.value} of column {column.slug}")
    if role is Role.PRODUCER:
        held = session.scalars(
            select(Episode.id).where(
                Episode.responsible_producer_id == person.id,
                Episode.column_id == column.id,
                Episode.state.in_(OPEN),
            )
        ).all()
        if held:
            raise Forbidden(
                f"{person.username} is the responsible producer of open episodes "
                f"{', '.join(map(str, held))}; hand them over before revoking the role",
                code="producer_holds_episodes",
                person=person.display_name,
                episodes=len(held),
            )
    session.delete(membership)
    session.flush()


MAX_REVIEW_DAYS = 30


def set_review_days(
    session: Session, actor: Person, column: Column, *, first: int, second: int, final: int
) -> Column:
    """Set how many working days each review stage of the column's episodes may take.

    Open reviews are recounted at once (without bumping episode versions).
    """
    if Role.ADMIN not in {m.role for m in actor.memberships if m.column_id == column.id}:
        raise Forbidden(
            f"{actor.username} is not an admin of column {column.slug}",
            code="not_column_admin",
            column=column.name,
        )
    errors = {
        name: f"must be 1 to {MAX_REVIEW_DAYS} working days"
        for name, value in (("first", first), ("second", second), ("final", final))
        if not 1 <= value <= MAX_REVIEW_DAYS
    }
    if errors:
        raise InvalidInput(
            "review days " + ", ".join(f"{k} {v}" for k, v in errors.items()),
            errors,
            code="review_days_out_of_range",
            most=MAX_REVIEW_DAYS,
        )
    column.review_days_first, column.review_days_second = first, second
    column.review_days_final = final
    session.flush()
    refresh_review_dues(session)
    return column


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue_token(session: Session, person: Person, label: str, now: datetime) -> str:
    """Issue a personal API token; the plain token is returned once and never stored."""
    if not visible_text(label):
        raise InvalidInput(
            "give the token a label saying what it is for",
            {"label": "required"},
            code="token_label_required",
        )
    token = "tvc_" + secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            person_id=person.id,
            token_hash=_token_hash(token),
            label=visible_text(label),
            created_at=now,
        )
    )
    session.flush()
    return token


def person_for_token(session: Session, token: str) -> Person | None:
    """The active person a live token belongs to, or None."""
    if not token.startswith("tvc_"):
        return None
    return session.scalar(
        select(Person)
        .join(ApiToken, ApiToken.person_id == Person.id)
        .where(
            ApiToken.token_hash == _token_hash(token),
            ApiToken.revoked_at.is_(None),
            Person.active.is_(True),
        )
    )


def create_series(
    session: Session, column: Column, now: datetime, *, title: str, parts: int, start_by: date
) -> Series:
    if not visible_text(title):
        raise InvalidInput(
            "a series needs a title", {"title": "required"}, code="series_title_required"
        )
    if parts < 2:
        raise InvalidInput(
            "a series has at least two parts", {"parts": "at least 2"}, code="series_parts_too_few"
        )
    series = Series(
        column=column, title=visible_text(title), parts=parts, start_by=start_by, created_at=now
    )
    session.add(series)
    session.flush()
    return series
