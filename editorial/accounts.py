"""Passwords and signing in: argon2 hashes and a limit on failed sign-ins.

After ``MAX_FAILURES`` wrong passwords in a row an account refuses sign-in
for ``LOCK``; a good password resets the count. The count lives in the
database, so every web worker sees it. The messages never say whether the
username exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial.errors import Forbidden, InvalidInput
from editorial.models import Person

MIN_LENGTH = 8
MAX_LENGTH = 200
MAX_FAILURES = 5
LOCK = timedelta(minutes=15)
WRONG = "用户名或密码不正确"

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise InvalidInput(problem, {"password": problem})
    return _hasher.hash(password)


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 个字符"
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 个字符"
    if password.strip() != password:
        return "密码首尾不能是空格"
    return None


def set_password(session: Session, person: Person, password: str) -> None:
    """Set a person's password (the CLI, an administrator, or the person)."""
    person.password_hash = hash_password(password)
    person.failed_sign_ins = 0
    person.locked_until = None
    session.flush()


class SignInRefused(Forbidden):
    """Wrong username or password, an inactive account, or too many failures."""


def sign_in(session: Session, username: str, password: str, now: datetime) -> Person:
    """The person these credentials belong to; counts failures and locks after too many."""
    person = session.scalar(select(Person).where(Person.username == username.strip()))
    if person is None or not person.active or person.password_hash is None:
        _hasher.hash(password or "x")  # the same time as a real check: reveal nothing
        raise SignInRefused(WRONG)
    if person.locked_until is not None and person.locked_until > now:
        minutes = max(1, int((person.locked_until - now).total_seconds() // 60) + 1)
        raise SignInRefused(f"连续输错密码次数过多，请 {minutes} 分钟后再试")
    try:
        _hasher.verify(person.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        person.failed_sign_ins += 1
        if person.failed_sign_ins >= MAX_FAILURES:
            person.locked_until = now + LOCK
            person.failed_sign_ins = 0
        session.flush()
        raise SignInRefused(WRONG) from None
    person.failed_sign_ins = 0
    person.locked_until = None
    if _hasher.check_needs_rehash(person.password_hash):
        person.password_hash = _hasher.hash(password)
    session.flush()
    return person
