"""Channels (频道): one row per station and channel a slot airs on, its code from the
column's slug, and the administrators' code changes with their refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from editorial.errors import Conflict, Forbidden, InvalidInput, NotFound
from editorial.models import Column, Person, Role
from schedule import channels
from schedule.models import Slot
from tests.conftest import NOW, Crew


def test_a_slot_makes_its_channel_with_the_columns_slug(
    session: Session, crew: Crew, make_slot: Callable[..., Slot]
) -> None:
    slot = make_slot()
    channel = channels.channel_of(session, slot)
    assert (channel.station, channel.name, channel.code) == (
        "县电视台",
        "综合频道",
        crew.column.slug,
    )
    again = make_slot(name="周六首播", rrule="FREQ=WEEKLY;BYDAY=SA")
    assert channels.channel_of(session, again).id == channel.id
    assert [s.id for s in channels.slots_on(session, channel)] == [slot.id, again.id]


def test_a_second_channel_of_the_same_column_gets_a_numbered_code(
    session: Session, crew: Crew, make_slot: Callable[..., Slot]
) -> None:
    make_slot()
    other = make_slot(name="公共频道首播", channel="公共频道")
    third = channels.ensure_channel(session, "县电视台", "新闻频道", crew.column, NOW)
    slug = crew.column.slug
    assert channels.channel_of(session, other).code == f"{slug}-2"
    assert third.code == f"{slug}-3"
    assert [c.name for c in channels.list_channels(session)] == ["公共频道", "新闻频道", "综合频道"]


def test_a_long_slug_gives_a_code_within_the_limit(
    session: Session, make_column: Callable[..., Column]
) -> None:
    column = make_column(slug="a" * 35 + "-bbbb")
    first = channels.ensure_channel(session, "台", "一套", column, NOW)
    second = channels.ensure_channel(session, "台", "二套", column, NOW)
    for channel in (first, second):
        assert len(channel.code) <= channels.CODE_LENGTH
        assert channels.CODE.fullmatch(channel.code), channel.code


def test_an_unknown_code_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound, match="no channel 'nowhere'"):
        channels.get_channel(session, "nowhere")


@pytest.fixture
def two(session: Session, crew: Crew) -> tuple[channels.BroadcastChannel, ...]:
    return (
        channels.ensure_channel(session, "市台", "一套", crew.column, NOW),
        channels.ensure_channel(session, "市台", "二套", crew.column, NOW),
    )


def test_an_admin_sets_a_code(
    session: Session, crew: Crew, two: tuple[channels.BroadcastChannel, ...]
) -> None:
    channels.set_code(session, crew.admin, two[0], "  sdtv-1 ")
    assert channels.get_channel(session, "sdtv-1").id == two[0].id
    channels.set_code(session, crew.admin, two[0], "sdtv-1")  # its own code again: no refusal


@pytest.mark.parametrize("code", ["", "-abc", "abc-", "ABC", "a b", "新闻", "a_b", "a" * 41, "a.b"])
def test_a_malformed_code_is_refused(
    session: Session, crew: Crew, two: tuple[channels.BroadcastChannel, ...], code: str
) -> None:
    before = two[0].code
    with pytest.raises(InvalidInput) as refused:
        channels.set_code(session, crew.admin, two[0], code)
    assert refused.value.code == "channel_code_malformed"
    assert two[0].code == before


def test_a_taken_code_is_refused(
    session: Session, crew: Crew, two: tuple[channels.BroadcastChannel, ...]
) -> None:
    with pytest.raises(Conflict) as refused:
        channels.set_code(session, crew.admin, two[1], two[0].code)
    assert refused.value.code == "channel_code_taken"
    assert two[1].code != two[0].code


def test_only_an_active_admin_may_set_a_code(
    session: Session,
    crew: Crew,
    two: tuple[channels.BroadcastChannel, ...],
    make_person: Callable[..., Person],
) -> None:
    for person in (crew.producer, crew.director, make_person(crew.column, Role.SCHEDULER)):
        with pytest.raises(Forbidden) as refused:
            channels.set_code(session, person, two[0], "other")
        assert refused.value.code == "not_admin"
    crew.admin.active = False
    with pytest.raises(Forbidden):
        channels.set_code(session, crew.admin, two[0], "other")
    assert two[0].code != "other"
