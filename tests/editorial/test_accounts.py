"""Sign-in throttling and sign-in sessions, on an injected clock (no test sleeps)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import accounts
from editorial.models import Person, SignInThrottle
from tests.conftest import NOW

HOME = "203.0.113.5"
ELSEWHERE = "198.51.100.7"
SECOND = timedelta(seconds=1)


@pytest.fixture
def ed(session: Session, make_person: Callable[..., Person]) -> Person:
    person = make_person(username="ed")
    accounts.set_password(session, person, "correct-horse", NOW)
    return person


def outcome(
    session: Session, username: str, password: str, address: str, at: datetime
) -> tuple[str, str, int]:
    """What an attempt gets: the kind of answer, its text and the wait it names."""
    try:
        accounts.sign_in(session, username, password, address, at)
    except accounts.SignInThrottled as throttled:
        return "throttled", throttled.message, throttled.retry_after
    except accounts.SignInRefused as refused:
        return "refused", refused.message, 0
    return "signed in", "", 0


def test_the_wait_doubles_after_the_free_failures_and_stops_at_fifteen_minutes() -> None:
    waits = [accounts.wait_after(n, 3).total_seconds() for n in range(2, 16)]
    assert waits[:6] == [0, 1, 2, 4, 8, 16]
    assert waits[-1] == accounts.MAX_WAIT.total_seconds() == 900


def test_after_three_failures_the_next_attempt_waits_even_with_the_right_password(
    session: Session, ed: Person
) -> None:
    for _ in range(accounts.FREE_PAIR):
        assert outcome(session, "ed", "guess", HOME, NOW)[0] == "refused"
    assert outcome(session, "ed", "correct-horse", HOME, NOW)[:1] == ("throttled",)
    assert outcome(session, "ed", "correct-horse", HOME, NOW + SECOND)[0] == "signed in"


def test_a_throttled_attempt_is_not_counted_and_a_failure_doubles_the_wait(
    session: Session, ed: Person
) -> None:
    for _ in range(accounts.FREE_PAIR):
        outcome(session, "ed", "guess", HOME, NOW)
    for _ in range(5):  # refused unheard: the wait stays one second
        assert outcome(session, "ed", "guess", HOME, NOW)[2] == 1
    assert outcome(session, "ed", "guess", HOME, NOW + SECOND)[0] == "refused"
    assert outcome(session, "ed", "guess", HOME, NOW + SECOND)[2] == 2


def test_failures_from_another_address_never_hold_back_the_person_at_their_own(
    session: Session, ed: Person
) -> None:
    accounts.start_sign_in(session, ed, HOME, NOW - timedelta(days=1))
    at = NOW
    for n in range(40):  # a botnet: each address a few times, never waiting
        at += accounts.MAX_WAIT
        assert outcome(session, "ed", "guess", f"10.0.{n // 3}.{n % 3}", at)[0] == "refused"
    assert outcome(session, "ed", "guess", "10.9.9.9", at)[0] == "throttled"
    assert outcome(session, "ed", "correct-horse", HOME, at)[0] == "signed in"


def test_one_address_guessing_one_account_does_not_slow_the_person_elsewhere(
    session: Session, ed: Person
) -> None:
    for _ in range(accounts.FREE_PAIR + 2):
        outcome(session, "ed", "guess", ELSEWHERE, NOW)
    assert outcome(session, "ed", "guess", ELSEWHERE, NOW)[0] == "throttled"
    assert outcome(session, "ed", "correct-horse", HOME, NOW)[0] == "signed in"


def test_an_address_trying_many_accounts_is_slowed_down(session: Session, ed: Person) -> None:
    for n in range(accounts.FREE_ADDRESS):
        assert outcome(session, f"user{n}", "guess", ELSEWHERE, NOW)[0] == "refused"
    assert outcome(session, "ed", "correct-horse", ELSEWHERE, NOW)[0] == "throttled"
    assert outcome(session, "ed", "correct-horse", HOME, NOW)[0] == "signed in"


def test_an_unknown_username_gets_exactly_the_answers_a_real_one_gets(
    session: Session, ed: Person
) -> None:
    def answers(username: str, address: str) -> list[tuple[str, str, int]]:
        at, seen = NOW, []
        for step in range(12):
            at += SECOND * (step % 4)
            seen.append(outcome(session, username, "guess", address, at))
        return seen

    real, unknown = answers("ed", HOME), answers("nobody", ELSEWHERE)
    assert real == unknown
    assert {kind for kind, _, _ in real} == {"refused", "throttled"}


def test_failures_are_forgotten_a_day_after_the_last(session: Session, ed: Person) -> None:
    for _ in range(accounts.FREE_PAIR + 6):
        outcome(session, "ed", "guess", HOME, NOW)
    assert outcome(session, "ed", "guess", HOME, NOW)[0] == "throttled"
    later = NOW + accounts.FORGET
    for _ in range(accounts.FREE_PAIR):
        assert outcome(session, "ed", "guess", HOME, later)[0] == "refused"


def test_a_good_password_clears_the_count_for_that_address(session: Session, ed: Person) -> None:
    for _ in range(accounts.FREE_PAIR - 1):
        outcome(session, "ed", "guess", HOME, NOW)
    assert outcome(session, "ed", "correct-horse", HOME, NOW)[0] == "signed in"
    for _ in range(accounts.FREE_PAIR):
        assert outcome(session, "ed", "guess", HOME, NOW)[0] == "refused"


def test_an_ended_sign_in_no_longer_names_its_person(session: Session, ed: Person) -> None:
    office = accounts.start_sign_in(session, ed, HOME, NOW)
    phone = accounts.start_sign_in(session, ed, ELSEWHERE, NOW)
    assert accounts.person_signed_in(session, office) is ed
    accounts.end_sign_in(session, office, NOW)
    assert accounts.person_signed_in(session, office) is None
    assert accounts.person_signed_in(session, phone) is ed
    assert accounts.end_all_sign_ins(session, ed, NOW) == 1
    assert accounts.person_signed_in(session, phone) is None


def test_an_inactive_person_is_signed_out_of_every_session(session: Session, ed: Person) -> None:
    key = accounts.start_sign_in(session, ed, HOME, NOW)
    ed.active = False
    session.flush()
    assert accounts.person_signed_in(session, key) is None


def test_old_counts_and_sign_ins_are_forgotten_live_ones_kept(session: Session, ed: Person) -> None:
    outcome(session, "ed", "guess", ELSEWHERE, NOW - accounts.FORGET)
    outcome(session, "ed", "guess", HOME, NOW)
    old = accounts.start_sign_in(session, ed, HOME, NOW - accounts.FAMILIAR)
    live = accounts.start_sign_in(session, ed, HOME, NOW - timedelta(days=1))
    assert accounts.forget_old(session, NOW) == 2 + 1  # its address keys (account: heard since)
    assert accounts.person_signed_in(session, old) is None
    assert accounts.person_signed_in(session, live) is ed
    assert session.scalar(select(func.count()).select_from(SignInThrottle)) == 3


def test_colleagues_behind_one_office_address_do_not_slow_each_other_down(
    session: Session, ed: Person, make_person: Callable[..., Person]
) -> None:
    office = "192.0.2.10"  # the station's NAT: every desk has this address
    accounts.start_sign_in(session, ed, office, NOW - timedelta(days=3))
    for n in range(accounts.FREE_ADDRESS + 10):
        outcome(session, f"colleague{n}", "typo", office, NOW)
    assert outcome(session, "ed", "correct-horse", office, NOW)[0] == "signed in"
    newcomer = make_person(username="newcomer")
    accounts.set_password(session, newcomer, "correct-horse", NOW)
    assert outcome(session, "newcomer", "correct-horse", office, NOW)[0] == "throttled"
