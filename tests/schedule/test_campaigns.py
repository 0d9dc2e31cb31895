"""Concentrated broadcasts (集中播放): planning a campaign, and the builder filling its
airtimes from the county's own episodes, exchange offers and the city's material.

``NOW`` is Monday 2 March 2026, 09:00 in Shanghai. The city column premieres on
Fridays at 20:00; the county 柳河 has no fixed column and plans a campaign.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendars import clashes
from editorial import people
from editorial.errors import Forbidden, InvalidInput
from editorial.models import Column, Level, Person, Role, State
from schedule import airings, builder_report, campaigns, slots
from schedule.campaigns import Airtime, CampaignSpec
from schedule.models import Airing, Slot, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import Desk, live, local, run_build


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


FIRST, LAST = date(2026, 3, 16), date(2026, 3, 20)  # Monday to Friday
CITY_FRIDAYS = [date(2026, 3, 6), date(2026, 3, 13)]


def city_column(desk: Desk) -> Column:
    column = people.create_column(
        desk.session,
        NOW,
        slug="city",
        name="时代风采",
        level=Level.CITY,
        station="市广播电视台",
        channel="新闻综合频道",
    )
    people.grant_role(desk.session, desk.scheduler, column, Role.SCHEDULER, NOW)
    return column


def county(desk: Desk) -> Column:
    return desk.column("柳河县集中播放", has_fixed_slot=False)


def plan(
    desk: Desk,
    column: Column,
    *airtimes: tuple[int, int, int],  # (hour, minute, minutes)
    first: date = FIRST,
    last: date = LAST,
) -> campaigns.Campaign:
    spec = CampaignSpec(
        first,
        last,
        tuple(Airtime(time(h, m), minutes * 60) for h, m, minutes in airtimes or ((19, 0, 30),)),
    )
    return campaigns.plan_campaign(desk.session, desk.scheduler, column, NOW, spec)


def campaign_airings(session: Session, campaign: campaigns.Campaign) -> list[Airing]:
    ids = {s.id for s in campaign.slots}
    return [a for a in live(session) if a.slot_id in ids]


def city_with_premieres(desk: Desk, count: int = 2) -> tuple[Column, list[int]]:
    """The city column and ``count`` approved episodes premiering on its Fridays."""
    city = city_column(desk)
    desk.slot(city)
    episodes = [desk.episode(city).id for _ in range(count)]
    return city, episodes


# --- planning ------------------------------------------------------------------------------------


def test_planning_a_campaign_makes_one_daily_slot_per_airtime(session: Session, desk: Desk) -> None:
    column = county(desk)
    made = plan(desk, column, (19, 30, 20), (19, 0, 30))
    assert [(s.local_start, s.duration_s, s.rrule) for s in made.slots] == [
        (time(19, 0), 1800, "FREQ=DAILY"),
        (time(19, 30), 1200, "FREQ=DAILY"),
    ]
    assert all(s.campaign and (s.first_date, s.last_date) == (FIRST, LAST) for s in made.slots)
    assert [s.name for s in made.slots] == ["集中播放（19:00）", "集中播放（19:30）"]
    listed = campaigns.campaigns(session, column_ids=[column.id])
    assert [(c.first_date, c.last_date, len(c.slots)) for c in listed] == [(FIRST, LAST, 2)]


@pytest.mark.parametrize(
    ("first", "last", "airtimes", "code"),
    [
        (LAST, FIRST, ((19, 0, 30),), "campaign_ends_before_start"),
        (date(2026, 2, 1), date(2026, 2, 10), ((19, 0, 30),), "campaign_range_past"),
        (FIRST, LAST, (), "campaign_no_airtimes"),
        (FIRST, LAST, ((19, 0, 30), (19, 20, 20)), "campaign_airtimes_overlap"),
        (FIRST, LAST, ((19, 0, 30), (19, 0, 30)), "campaign_airtimes_overlap"),
        (FIRST, LAST, ((23, 50, 30), (0, 10, 10)), "campaign_airtimes_overlap"),
        (FIRST, date(2027, 6, 1), ((19, 0, 30),), "campaign_range_too_long"),
        (date(9999, 12, 30), date(9999, 12, 31), ((19, 0, 30),), "campaign_too_far"),
    ],
)
def test_a_bad_campaign_is_refused_and_makes_no_slot(
    session: Session,
    desk: Desk,
    first: date,
    last: date,
    airtimes: tuple[tuple[int, int, int], ...],
    code: str,
) -> None:
    column = county(desk)
    spec = CampaignSpec(first, last, tuple(Airtime(time(h, m), n * 60) for h, m, n in airtimes))
    with pytest.raises(InvalidInput) as refused:
        campaigns.plan_campaign(session, desk.scheduler, column, NOW, spec)
    assert refused.value.code == code
    assert session.scalars(select(Slot).where(Slot.column_id == column.id)).all() == []


def test_an_airtime_overlapping_another_slot_on_the_channel_is_refused(
    session: Session, desk: Desk
) -> None:
    column = county(desk)
    plan(desk, column, (19, 0, 30))
    with pytest.raises(InvalidInput) as refused:
        plan(desk, column, (19, 15, 30), first=LAST, last=LAST + timedelta(days=3))
    assert refused.value.code == "slot_overlaps"


def test_only_the_countys_scheduler_plans_its_campaign(session: Session, desk: Desk) -> None:
    column = county(desk)
    outsider = people.create_person(session, NOW, username="outsider", display_name="外人")
    spec = CampaignSpec(FIRST, LAST, (Airtime(time(19, 0), 1800),))
    with pytest.raises(Forbidden):
        campaigns.plan_campaign(session, outsider, column, NOW, spec)


# --- the builder ---------------------------------------------------------------------------------


def test_a_campaign_relays_the_citys_episodes_after_their_premiere(
    session: Session, desk: Desk
) -> None:
    _, city_episodes = city_with_premieres(desk)
    campaign = plan(desk, county(desk))
    run_build(session)
    premiere = {
        a.episode_id: a for a in live(session, SlotKind.PREMIERE) if a.episode_id in city_episodes
    }
    assert [premiere[e].starts_at for e in city_episodes] == [local(d) for d in CITY_FRIDAYS]
    relays = campaign_airings(session, campaign)
    assert [a.starts_at for a in relays] == [local(FIRST + timedelta(days=n), 19) for n in range(5)]
    for a in relays:
        assert a.kind is SlotKind.RERUN and a.exchange
        assert a.premiere_id == premiere[a.episode_id].id
        assert premiere[a.episode_id].starts_at < a.starts_at
        assert a.reason.startswith("集中播放：转播《时代风采》")


def test_no_episode_airs_twice_in_a_campaign_while_another_is_left(
    session: Session, desk: Desk
) -> None:
    city = city_column(desk)
    desk.slot(city, rrule="FREQ=DAILY", first_date=date(2026, 3, 3))  # a premiere every day
    episodes = [desk.episode(city).id for _ in range(5)]
    campaign = plan(desk, county(desk))
    run_build(session)
    assert sorted(a.episode_id for a in campaign_airings(session, campaign)) == episodes


def test_with_more_airtimes_than_episodes_the_least_recently_aired_repeats(
    session: Session, desk: Desk
) -> None:
    _, (first, second) = city_with_premieres(desk)
    campaign = plan(desk, county(desk))
    run_build(session)
    # Oldest approval first, then each repeats in turn.
    aired = [a.episode_id for a in campaign_airings(session, campaign)]
    assert aired == [first, second, first, second, first]


def test_the_countys_own_episodes_premiere_first_then_offers_then_the_city(
    session: Session, desk: Desk
) -> None:
    city, (city_episode, _) = city_with_premieres(desk)
    liuhe = county(desk)
    own = desk.episode(liuhe, title="柳河县科技富民")
    other = desk.column("临江先锋")
    offered = desk.episode(other, offered=True, title="临江交流片")
    kept_home = desk.episode(other, title="临江未交流")  # not offered: never taken
    campaign = plan(desk, liuhe)
    run_build(session)
    airings = campaign_airings(session, campaign)
    by_episode = {a.episode_id: a for a in airings}
    assert airings[0].episode_id == own.id and airings[0].kind is SlotKind.PREMIERE
    assert not airings[0].exchange
    assert by_episode[offered.id].kind is SlotKind.PREMIERE and by_episode[offered.id].exchange
    assert kept_home.id not in by_episode
    assert len(airings) == 5  # the rest relays the city's, and repeats the own one
    assert city_episode in by_episode
    assert city.id != liuhe.id


def test_an_offered_episode_that_premiered_at_home_is_relayed(session: Session, desk: Desk) -> None:
    other = desk.column("临江先锋")
    desk.slot(other, local_start=time(20, 0))
    offered = desk.episode(other, offered=True)
    campaign = plan(desk, county(desk))
    run_build(session)
    airings = campaign_airings(session, campaign)
    home = next(a for a in live(session, SlotKind.PREMIERE) if a.episode_id == offered.id)
    assert home.slot.column_id == other.id  # its own column premieres it, no exchange
    assert [a.episode_id for a in airings] == [offered.id] * 5
    assert all(a.kind is SlotKind.RERUN and a.premiere_id == home.id for a in airings)


def test_relaying_an_offered_episode_in_a_campaign_is_no_exchange_clash(
    session: Session, desk: Desk
) -> None:
    other = desk.column("临江先锋")
    desk.slot(other, first_date=date(2026, 3, 13))
    desk.episode(other, offered=True, title="临江交流专题片")
    plan(desk, county(desk))
    run_build(session)
    assert len(campaign_airings(session, campaigns.campaigns(session)[0])) == 5
    assert clashes.clashes(session, NOW) == []


def test_nothing_airs_outside_the_range_or_on_a_stop_date(session: Session, desk: Desk) -> None:
    city_with_premieres(desk)
    campaign = plan(desk, county(desk))
    slots.add_exception(session, desk.scheduler, campaign.slots[0], date(2026, 3, 18), "会议", NOW)
    run_build(session)
    days = [a.starts_at for a in campaign_airings(session, campaign)]
    assert days == [local(d, 19) for d in (FIRST, date(2026, 3, 17), date(2026, 3, 19), LAST)]


def test_an_episode_pulled_by_hand_is_not_relayed_there_again(session: Session, desk: Desk) -> None:
    _, (first, second) = city_with_premieres(desk)
    campaign = plan(desk, county(desk), first=FIRST, last=FIRST)
    run_build(session)
    (airing,) = campaign_airings(session, campaign)
    airings.pull(session, desk.scheduler, airing, NOW, reason="不合适")
    run_build(session)
    (again,) = campaign_airings(session, campaign)
    assert again.episode_id == (second if airing.episode_id == first else first)


def test_a_rebuild_changes_nothing_and_a_new_own_episode_replaces_a_relay(
    session: Session, desk: Desk
) -> None:
    city_with_premieres(desk)
    liuhe = county(desk)
    campaign = plan(desk, liuhe)
    run_build(session)
    before = [(a.id, a.episode_id) for a in campaign_airings(session, campaign)]
    run_build(session)
    assert [(a.id, a.episode_id) for a in campaign_airings(session, campaign)] == before
    own = desk.episode(liuhe)
    run_build(session)
    after = campaign_airings(session, campaign)
    assert after[0].episode_id == own.id and after[0].kind is SlotKind.PREMIERE
    assert len(after) == 5
    own.state = State.PULLED
    session.flush()
    run_build(session)
    again = campaign_airings(session, campaign)
    assert own.id not in {a.episode_id for a in again} and len(again) == 5
    assert all(a.kind is SlotKind.RERUN for a in again)


def test_the_fill_counts_filled_and_lists_empty_airtimes(session: Session, desk: Desk) -> None:
    city = city_column(desk)
    desk.slot(city, duration_s=1200)
    desk.episode(city, duration=1200)  # fits the 20-minute airtime only
    campaign = plan(desk, county(desk), (19, 0, 30), (19, 30, 20))
    run_build(session)
    (found,) = campaigns.campaigns(session)
    filled = campaigns.fill(session, found)
    assert (filled.filled, filled.total) == (5, 10)
    assert [o.starts_at for o in filled.empty] == [
        local(FIRST + timedelta(days=n), 19) for n in range(5)
    ]
    assert {o.slot.id for o in filled.empty} == {campaign.slots[0].id}
    report = builder_report.schedule_report(session, NOW)
    assert report is not None
