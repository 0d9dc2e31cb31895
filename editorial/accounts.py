"""Passwords, signing in and out: argon2 hashes, sign-in sessions, throttled failures.

Failures are throttled, never locked: past a few free failures under a key, each
further one doubles the wait before the next attempt under that key is heard (up to
``MAX_WAIT``). Three keys count them:

- the account from one address (``FREE_PAIR``): someone guessing one password;
- the address, whatever the account (``FREE_ADDRESS``): someone trying many accounts;
- the account from any address (``FREE_ACCOUNT``): many addresses guessing one password.

An address the account has signed in from lately (``FAMILIAR``) answers to the first key
only: failures from elsewhere cannot keep a person out at their own desk, and colleagues
behind one office address (one NAT) do not slow each other down with their typos.

The counts live in the database, so every web process sees them. The keys use the
username as typed, so an unknown username is throttled like a real one, and every
answer (wrong, unknown, inactive, throttled) reads the same whoever the name belongs to.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import case, delete, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial.errors import Forbidden, InvalidInput
from editorial.models import Person, SignIn, SignInThrottle

MIN_LENGTH = 8
MAX_LENGTH = 200
# A password's problems: refusal code -> English.
PASSWORD_PROBLEM = {
    "password_too_short": f"a password has at least {MIN_LENGTH} characters",
    "password_too_long": f"a password has at most {MAX_LENGTH} characters",
    "password_edge_spaces": "a password neither starts nor ends with a space",
}
# The particulars their sentences name.
PASSWORD_LIMITS: dict[str, object] = {"least": MIN_LENGTH, "most": MAX_LENGTH}

FREE_PAIR = 3
FREE_ADDRESS = 20
FREE_ACCOUNT = 10
FIRST_WAIT = timedelta(seconds=1)
MAX_WAIT = timedelta(minutes=15)
FORGET = timedelta(hours=24)
FAMILIAR = timedelta(days=90)

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        english = PASSWORD_PROBLEM[problem]
        raise InvalidInput(
            english, {"password": english}, code=problem, least=MIN_LENGTH, most=MAX_LENGTH
        )
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    """The code of what is wrong with a new password (``PASSWORD_PROBLEM``), or None."""
    if len(password) < MIN_LENGTH:
        return "password_too_short"
    if len(password) > MAX_LENGTH:
        return "password_too_long"
    if password.strip() != password:
        return "password_edge_spaces"
    return None


def set_password(session: Session, person: Person, password: str, now: datetime) -> None:
    """Set a person's password (the CLI, an administrator, or the person); every session
    signed in with the old one ends."""
    person.password_hash = hash_password(password)
    end_all_sign_ins(session, person, now)


class SignInRefused(Forbidden):
    """Wrong username or password, or an inactive account."""


class SignInThrottled(SignInRefused):
    """Too many failures lately under one of the keys: wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"too many attempts: try again in {retry_after} seconds",
            code="sign_in_throttled",
            seconds=retry_after,
        )
        self.retry_after = retry_after


def wait_after(failures: int, free: int) -> timedelta:
    """How long the next attempt waits after ``failures`` in a row, ``free`` of them free."""
    if failures < free:
        return timedelta(0)
    doublings: int = min(failures - free, 20)
    return min(MAX_WAIT, FIRST_WAIT * (1 << doublings))


def _keys(session: Session, username: str, address: str, now: datetime) -> dict[str, int]:
    """The throttle keys of this attempt, each with its free failures."""
    keys = {f"account:{username}|address:{address}": FREE_PAIR}
    familiar = session.scalar(
        select(
            exists().where(
                SignIn.person_id == Person.id,
                Person.username == username,
                SignIn.address == address,
                SignIn.started_at > now - FAMILIAR,
            )
        )
    )
    if not familiar:
        keys[f"address:{address}"] = FREE_ADDRESS
        keys[f"account:{username}"] = FREE_ACCOUNT
    return keys


def _retry_after(session: Session, keys: dict[str, int], now: datetime) -> int:
    """Whole seconds until every key hears attempts again (0: now)."""
    rows = session.scalars(select(SignInThrottle).where(SignInThrottle.key.in_(keys))).all()
    waits = [
        row.last_failure_at + wait_after(row.failures, keys[row.key]) - now
        for row in rows
        if now - row.last_failure_at < FORGET
    ]
    longest = max(waits, default=timedelta(0))
    return math.ceil(longest.total_seconds()) if longest > timedelta(0) else 0


def _count_failure(session: Session, key: str, now: datetime) -> None:
    """One more failure under ``key``, atomically across processes (one UPDATE)."""
    stale = SignInThrottle.last_failure_at <= now - FORGET
    bump = (
        update(SignInThrottle)
        .where(SignInThrottle.key == key)
        .values(
            failures=case((stale, 1), else_=SignInThrottle.failures + 1),
            last_failure_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if session.execute(bump).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(SignInThrottle(key=key, failures=1, last_failure_at=now))
    except IntegrityError:  # another process inserted it first
        session.execute(bump)


def sign_in(session: Session, username: str, password: str, address: str, now: datetime) -> Person:
    """The person these credentials belong to, unless the attempt must wait.

    Raises ``SignInThrottled`` (nothing is checked, nothing counted) or ``SignInRefused``
    (counted under every key). The caller commits either way.
    """
    username = username.strip()
    keys = _keys(session, username, address, now)
    retry_after = _retry_after(session, keys, now)
    if retry_after:
        raise SignInThrottled(retry_after)
    person = session.scalar(select(Person).where(Person.username == username))
    if person is None or not person.active or person.password_hash is None:
        _hasher.hash(password or "x")  # the same time as a real check: reveal nothing
        _refuse(session, keys, now)
    try:
        _hasher.verify(person.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        _refuse(session, keys, now)
    session.execute(
        delete(SignInThrottle).where(SignInThrottle.key == f"account:{username}|address:{address}")
    )
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = _hasher.hash(password)
    session.flush()
    return person


def _refuse(session: Session, keys: dict[str, int], now: datetime) -> NoReturn:
    for key in keys:
        _count_failure(session, key, now)
    session.flush()
    raise SignInRefused("wrong username or password", code="sign_in_refused")


def forget_old(session: Session, now: datetime) -> int:
    """Delete throttle counts no longer heard (``FORGET``) and sign-ins started more than
    ``FAMILIAR`` ago: such a sign-in ends (its cookie no longer works) and its address is no
    longer familiar. How many rows went."""
    throttles = session.execute(
        delete(SignInThrottle).where(SignInThrottle.last_failure_at <= now - FORGET)
    )
    sign_ins = session.execute(delete(SignIn).where(SignIn.started_at <= now - FAMILIAR))
    session.flush()
    return int(throttles.rowcount) + int(sign_ins.rowcount)  # type: ignore[attr-defined]


# --- sign-in sessions -----------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start_sign_in(session: Session, person: Person, address: str, now: datetime) -> str:
    """A new sign-in session for ``person``: its key, for the browser's session only."""
    key = secrets.token_urlsafe(32)
    session.add(
        SignIn(person_id=person.id, key_hash=_key_hash(key), address=address, started_at=now)
    )
    session.flush()
    return key


def person_signed_in(session: Session, key: str) -> Person | None:
    """The active person of a sign-in session that has not ended, or None."""
    return session.scalar(
        select(Person)
        .join(SignIn, SignIn.person_id == Person.id)
        .where(SignIn.key_hash == _key_hash(key), SignIn.ended_at.is_(None), Person.active)
    )


def end_sign_in(session: Session, key: str, now: datetime) -> None:
    """Sign out: this session's cookie is refused from now on, even a copy of it."""
    session.execute(
        update(SignIn)
        .where(SignIn.key_hash == _key_hash(key), SignIn.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )


def end_all_sign_ins(session: Session, person: Person, now: datetime) -> int:
    """Sign ``person`` out everywhere; how many sessions ended."""
    result = session.execute(
        update(SignIn)
        .where(SignIn.person_id == person.id, SignIn.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount)  # type: ignore[attr-defined]
