"""Each person's choices of channel (e-mail) for every kind and per kind; unchosen, e-mail
is on; marking all read (editorial.notifications)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from editorial import handoffs, notifications
from editorial.errors import InvalidInput
from editorial.models import Channel, Column, Person, Role
from tests.conftest import NOW
from tests.editorial.test_notifications import notify

EMAIL = Channel.EMAIL


@pytest.fixture
def me(make_column: Callable[..., Column], make_person: Callable[..., Person]) -> Person:
    return make_person(make_column(), Role.PRODUCER)


def test_without_a_choice_email_is_on_for_every_kind(session: Session, me: Person) -> None:
    choices = notifications.choices_of(session, me)
    assert choices == {}
    assert all(notifications.wants(choices, EMAIL, kind) for kind in notifications.KINDS)


def test_a_kind_turned_off_stays_off_and_the_others_on(session: Session, me: Person) -> None:
    notifications.set_choice(session, me, EMAIL, "review_due", False, NOW)
    choices = notifications.choices_of(session, me)
    assert choices == {(EMAIL, "review_due"): False}
    assert not notifications.wants(choices, EMAIL, "review_due")
    assert notifications.wants(choices, EMAIL, "returned")


def test_the_main_switch_off_stops_every_kind_and_on_lets_each_choose(
    session: Session, me: Person
) -> None:
    notifications.set_choice(session, me, EMAIL, "returned", True, NOW)
    notifications.set_choice(session, me, EMAIL, "pulled", False, NOW)
    notifications.set_choice(session, me, EMAIL, notifications.EVERY_KIND, False, NOW)
    off = notifications.choices_of(session, me)
    assert not any(notifications.wants(off, EMAIL, kind) for kind in notifications.KINDS)
    notifications.set_choice(session, me, EMAIL, notifications.EVERY_KIND, True, NOW)
    on = notifications.choices_of(session, me)
    assert notifications.wants(on, EMAIL, "returned") and not notifications.wants(
        on, EMAIL, "pulled"
    )


def test_setting_a_choice_again_changes_the_one_row(session: Session, me: Person) -> None:
    first = notifications.set_choice(session, me, EMAIL, "returned", False, NOW)
    second = notifications.set_choice(session, me, EMAIL, "returned", True, NOW)
    assert first is second
    assert notifications.choices_of(session, me) == {(EMAIL, "returned"): True}


def test_choices_are_each_persons_own(
    session: Session, me: Person, make_person: Callable[..., Person]
) -> None:
    other = make_person()
    notifications.set_choice(session, me, EMAIL, "returned", False, NOW)
    assert notifications.choices_of(session, other) == {}


@pytest.mark.parametrize(
    ("channel", "kind", "fields"),
    [
        (EMAIL, "no_such_kind", {"kind": "unknown"}),
        (EMAIL, "", {"kind": "unknown"}),
        (Channel.WECOM, "returned", {"channel": "not_personal"}),
        (Channel.DINGTALK, "*", {"channel": "not_personal"}),
    ],
)
def test_an_unknown_kind_or_a_robot_channel_is_refused_and_nothing_stored(
    session: Session, me: Person, channel: Channel, kind: str, fields: dict[str, str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        notifications.set_choice(session, me, channel, kind, False, NOW)
    assert refused.value.fields == fields
    assert notifications.choices_of(session, me) == {}


def test_every_kind_a_hand_off_writes_can_be_chosen() -> None:
    assert set(handoffs.KIND.values()) <= set(notifications.KINDS)
    assert {"review_due", "liaison_meeting", "liaison_behind"} <= set(notifications.KINDS)


def test_the_read_and_unread_are_counted_and_paged(session: Session, me: Person) -> None:
    items = [notify(session, me, f"k{n}", minutes=n) for n in range(5)]
    notifications.dismiss(session, me, items[0].id, NOW)
    assert notifications.count_of(session, me) == notifications.unread_count(session, me) == 4
    assert notifications.count_of(session, me, include_dismissed=True) == 5
    page = notifications.notifications_of(session, me, include_dismissed=True, limit=2, offset=3)
    assert page == [items[1], items[0]]
    assert notifications.mark_all_read(session, me, NOW) == 4
    assert notifications.unread_count(session, me) == 0
