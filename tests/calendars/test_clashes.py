"""The clash report: an exchanged episode aired twice within days, and a county airing
over a part of a series it should relay."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from calendars import importer
from calendars.clashes import ClashKind, clashes, normalize
from calendars.models import FeedSource
from calendars.settings import FeedSettings
from editorial import people, workflow
from editorial.models import Column, Episode, Level, Person, Role, Series
from schedule import slots
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.calendars.test_importer import event, ics
from tests.conftest import NOW, Crew, walk_to_approved

FRIDAY = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)  # Friday 6 March 2026, 20:00 in Shanghai
TITLE = "先锋工程纪实：第一书记"


def stamp(moment: datetime) -> str:
    return f"DTSTART:{moment:%Y%m%dT%H%M%SZ}"


def until(moment: datetime) -> str:
    return f"DTEND:{moment:%Y%m%dT%H%M%SZ}"


@dataclass
class World:
    session: Session
    city: Crew
    county: Column
    slot: Slot
    source: FeedSource
    propose: Callable[..., Episode]

    def episode(self, title: str = TITLE, offered: bool = True, **kw: object) -> Episode:
        e = self.propose(self.city, title=title, **kw)
        walk_to_approved(self.session, self.city, e)
        if offered:
            workflow.offer_for_exchange(
                self.session, self.city.producer, e, e.version, NOW, offered=True
            )
        return e

    def air(self, episode: Episode, starts_at: datetime = FRIDAY, minutes: int = 30) -> Airing:
        airing = Airing(
            slot=self.slot,
            episode=episode,
            kind=SlotKind.PREMIERE,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            status=AiringStatus.PUBLISHED,
            created_at=NOW,
            updated_at=NOW,
        )
        self.session.add(airing)
        self.session.flush()
        return airing

    def county_feed(self, *events: list[str]) -> None:
        report = importer.import_source(self.session, self.source, NOW, body=ics(*events))
        assert report.outcome is importer.Outcome.IMPORTED, report.lines()


@pytest.fixture
def world(
    session: Session,
    make_crew: Callable[..., Crew],
    crew: Crew,
    make_person: Callable[..., Person],
    propose: Callable[..., Episode],
) -> World:
    city = make_crew(level=Level.CITY, name="时代风采")
    city_scheduler = make_person(city.column, Role.SCHEDULER)
    slot = slots.create_slot(
        session,
        city_scheduler,
        city.column,
        NOW,
        slots.SlotSpec(
            name="周五首播",
            kind=SlotKind.PREMIERE,
            local_start=time(20, 0),
            duration_s=1800,
            rrule="FREQ=WEEKLY;BYDAY=FR",
            first_date=date(2026, 3, 6),
        ),
    )
    county = crew.column
    source = importer.add_source(
        session,
        make_person(county, Role.SCHEDULER),
        county,
        "某县党建栏目日历",
        "https://county.example.cn/feed.ics",
        NOW,
    )
    return World(session, city, county, slot, source, propose)


def test_an_exchanged_episode_aired_by_a_county_within_days_is_a_clash(world: World) -> None:
    e = world.episode()
    ours = world.air(e)
    later = FRIDAY + timedelta(days=2, minutes=-30)
    world.county_feed(event("x1", stamp(later), None, f"《{TITLE}》（交流播出）"))
    (clash,) = clashes(world.session, NOW)
    assert clash.kind is ClashKind.EXCHANGE and clash.episode_id == e.id
    assert (clash.first.airing_id, clash.first.column_id) == (ours.id, world.city.column.id)
    assert clash.second.external and clash.second.column_id == world.county.id
    assert clash.second.starts_at == later
    assert clash.message == (
        f"交流节目《{TITLE}》在 7 天内被两个栏目播出：时代风采 3月6日 周五 20:00，"
        f"{world.county.name}（外部日历“某县党建栏目日历”） 3月8日 周日 19:30，相隔 2 天。"
    )


def test_an_airing_further_apart_than_the_days_is_no_clash(world: World) -> None:
    world.air(world.episode())
    world.county_feed(event("x1", stamp(FRIDAY + timedelta(days=8)), None, TITLE))
    assert clashes(world.session, NOW) == []
    assert len(clashes(world.session, NOW, FeedSettings(clash_days=8))) == 1


def test_the_closest_two_airings_of_a_pair_of_columns_make_one_clash(world: World) -> None:
    world.air(world.episode())
    world.county_feed(
        event("x1", stamp(FRIDAY + timedelta(days=5)), None, TITLE),
        event("x2", stamp(FRIDAY + timedelta(days=1)), None, TITLE),
    )
    (clash,) = clashes(world.session, NOW)
    assert clash.second.starts_at == FRIDAY + timedelta(days=1)


def test_two_county_feeds_airing_the_same_exchanged_episode_clash(
    world: World, make_column: Callable[..., Column], make_person: Callable[..., Person]
) -> None:
    world.episode()
    other = make_column()
    second = importer.add_source(
        world.session,
        make_person(other, Role.SCHEDULER),
        other,
        "另一县日历",
        "https://other.example.cn/feed.ics",
        NOW,
    )
    world.county_feed(event("x1", stamp(FRIDAY), None, TITLE))
    importer.import_source(
        world.session,
        second,
        NOW,
        body=ics(event("y1", stamp(FRIDAY + timedelta(days=3)), None, TITLE)),
    )
    (clash,) = clashes(world.session, NOW)
    assert {clash.first.column_id, clash.second.column_id} == {world.county.id, other.id}


@pytest.mark.parametrize(
    ("title", "summary"),
    [
        ("先锋工程纪实：第一书记", "先锋工程纪实 —— 第一书记（重播）"),
        ("ＡＩ赋能基层党建", "《AI 赋能基层党建》"),
        ("《红色印记》", "红色 印记·特别节目"),
    ],
)
def test_titles_match_without_width_case_spaces_and_punctuation(
    world: World, title: str, summary: str
) -> None:
    world.air(world.episode(title))
    world.county_feed(event("x1", stamp(FRIDAY + timedelta(days=1)), None, summary))
    assert [c.kind for c in clashes(world.session, NOW)] == [ClashKind.EXCHANGE]


def test_a_title_shorter_than_four_characters_never_matches(world: World) -> None:
    world.air(world.episode("《初心》"))
    world.county_feed(event("x1", stamp(FRIDAY + timedelta(days=1)), None, "初心"))
    assert normalize("《初心》") == "初心"
    assert clashes(world.session, NOW) == []


def test_an_episode_not_offered_for_exchange_makes_no_exchange_clash(world: World) -> None:
    world.air(world.episode(offered=False))
    world.county_feed(event("x1", stamp(FRIDAY + timedelta(days=1)), None, TITLE))
    assert clashes(world.session, NOW) == []


def test_a_cancelled_airing_and_a_disabled_source_make_no_clash(world: World) -> None:
    ours = world.air(world.episode())
    world.county_feed(event("x1", stamp(FRIDAY + timedelta(days=1)), None, TITLE))
    ours.status = AiringStatus.CANCELLED
    assert clashes(world.session, NOW) == []
    ours.status = AiringStatus.PUBLISHED
    world.source.active = False
    assert clashes(world.session, NOW) == []


def test_a_clash_already_over_is_not_reported(world: World) -> None:
    world.air(world.episode())
    world.county_feed(event("x1", stamp(FRIDAY + timedelta(days=1)), None, TITLE))
    assert clashes(world.session, FRIDAY + timedelta(days=2)) == []


@pytest.fixture
def relayed(world: World) -> tuple[Series, Airing]:
    series = people.create_series(
        world.session, world.city.column, NOW, title="初心如磐", parts=3, start_by=date(2026, 3, 6)
    )
    series.relay = True
    part = world.episode("初心如磐（上）", offered=False, series=series, part_number=1)
    return series, world.air(part)


def test_a_county_airing_over_a_relay_series_part_is_a_clash(
    world: World, relayed: tuple[Series, Airing]
) -> None:
    series, ours = relayed
    world.county_feed(
        event(
            "news",
            stamp(FRIDAY + timedelta(minutes=15)),
            until(FRIDAY + timedelta(minutes=45)),
            "县新闻联播",
        )
    )
    (clash,) = clashes(world.session, NOW)
    assert clash.kind is ClashKind.RELAY
    assert (clash.series_id, clash.first.airing_id) == (series.id, ours.id)
    assert clash.second.summary == "县新闻联播"
    assert clash.message == (
        f"{world.county.name}（外部日历“某县党建栏目日历”） 3月6日 周五 20:15–20:45 "
        "播出“县新闻联播”，与应转播的连续报道《初心如磐》第 1/3 集"
        "（时代风采 3月6日 周五 20:00–20:30）时间重叠。"
    )


def test_the_relay_itself_and_an_airing_beside_it_are_no_clash(
    world: World, relayed: tuple[Series, Airing]
) -> None:
    world.county_feed(
        event("relay", stamp(FRIDAY), until(FRIDAY + timedelta(minutes=30)), "转播：初心如磐"),
        event(
            "after",
            stamp(FRIDAY + timedelta(minutes=30)),
            until(FRIDAY + timedelta(hours=1)),
            "县新闻联播",
        ),
        event("allday", "DTSTART;VALUE=DATE:20260306", None, "集中播放周"),
    )
    assert clashes(world.session, NOW) == []


def test_a_series_not_to_be_relayed_makes_no_relay_clash(
    world: World, relayed: tuple[Series, Airing]
) -> None:
    series, _ = relayed
    series.relay = False
    world.county_feed(event("news", stamp(FRIDAY), None, "县新闻联播"))
    assert clashes(world.session, NOW) == []


@contextmanager
def counting(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    session.flush()
    connection = session.connection()
    sa_event.listen(connection, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa_event.remove(connection, "before_cursor_execute", count)


def test_the_report_costs_the_same_few_queries_however_many_airings(
    world: World, relayed: tuple[Series, Airing]
) -> None:
    world.air(world.episode(), FRIDAY + timedelta(days=7))
    world.county_feed(event("x1", stamp(FRIDAY), None, TITLE))
    with counting(world.session) as few:
        assert len(clashes(world.session, NOW)) == 2
    many = [
        event(f"x{i}", stamp(FRIDAY + timedelta(minutes=i)), None, f"{TITLE} 第{i}次")
        for i in range(200)
    ]
    world.county_feed(*many)
    with counting(world.session) as more:
        assert len(clashes(world.session, NOW)) == 1 + 30  # one exchange, 30 over the relay
    assert len(few) == len(more) == 5
