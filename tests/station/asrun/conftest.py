"""As-run fixtures: a column airing daily at 20:00 on 县电视台 综合频道, the week before
``NOW`` published, and as-run logs written as playout systems export them."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy.orm import Session

from editorial import accounts, people, workflow
from editorial.models import Episode, Level, Person, Role
from editorial.workdays import SHANGHAI
from schedule import channels, slots
from schedule.models import Airing, AiringStatus, BroadcastChannel, Slot, SlotKind
from tests.conftest import NOW, Crew, walk_to_approved
from tests.web.conftest import (  # noqa: F401  (the application's fixtures, for the race)
    app,
    database_url,
    web_postgres,
)

HEADER = ("日期", "开始时间", "时长", "节目名称", "节目编号", "状态")
PASSWORD = "correct-horse"
FIRST_DAY = date(2026, 2, 23)  # Monday of the week before NOW (Monday 2 March)
DAYS = 7


@pytest.fixture
def scheduler(session: Session, crew: Crew) -> Person:
    person = people.create_person(session, NOW, username="bianpai", display_name="编排甲")
    people.grant_role(session, person, crew.column, Role.SCHEDULER, NOW)
    return person


@pytest.fixture
def daily_slot(session: Session, crew: Crew, scheduler: Person) -> Slot:
    spec = slots.SlotSpec(
        name="每日首播",
        kind=SlotKind.PREMIERE,
        local_start=time(20, 0),
        duration_s=1800,
        rrule="FREQ=DAILY",
        first_date=FIRST_DAY,
    )
    return slots.create_slot(session, scheduler, crew.column, NOW - timedelta(days=30), spec)


@pytest.fixture
def channel(session: Session, daily_slot: Slot) -> BroadcastChannel:
    return channels.channel_of(session, daily_slot)


def local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, SHANGHAI)


@pytest.fixture
def week(
    session: Session, crew: Crew, daily_slot: Slot, propose: Callable[..., Episode]
) -> list[Airing]:
    """Seven published airings, 20:00 each day of last week, of episodes 节目1 … 节目7."""
    made = []
    for i in range(DAYS):
        episode = walk_to_approved(session, crew, propose(title=f"节目{i + 1}"))
        starts = local(FIRST_DAY + timedelta(days=i), time(20, 0))
        airing = Airing(
            slot_id=daily_slot.id,
            episode_id=episode.id,
            kind=SlotKind.PREMIERE,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            status=AiringStatus.PUBLISHED,
            published_at=NOW - timedelta(days=14),
            created_at=NOW - timedelta(days=14),
            updated_at=NOW - timedelta(days=14),
        )
        session.add(airing)
        made.append(airing)
    session.flush()
    return made


def csv_bytes(
    rows: Sequence[Sequence[object]],
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8",
    *,
    bom: bool = False,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def as_aired(airings: Sequence[Airing], **changes: tuple[str, str]) -> list[list[str]]:
    """A row per airing as planned (20:00:00, 00:20:00:00, its title); ``changes`` maps
    ``"i"`` (the airing's index) to a (start, duration) that aired instead."""
    rows = []
    for i, airing in enumerate(airings):
        start, duration = changes.get(str(i), ("20:00:00", "00:20:00:00"))
        day = airing.starts_at.astimezone(SHANGHAI).date()
        rows.append([day.isoformat(), start, duration, airing.episode.title, "", "已播"])
    return rows


@dataclass(frozen=True)
class World:
    """What ``make_world`` committed: the channel's code, usernames and the airings' ids."""

    channel: str
    scheduler: str
    producer: str
    director: str
    airings: list[int]
    titles: list[str]


def make_world(session: Session) -> World:
    """The fixtures above without pytest, for the web's and the CLI's databases: a column
    (scheduler ``bp``, producer ``pr``) airing daily at 20:00, last week published."""
    column = people.create_column(
        session,
        NOW,
        slug="city",
        name="时代风采",
        level=Level.CITY,
        station="县电视台",
        channel="综合频道",
    )
    names = {}
    for username, role in (
        ("ed", Role.EDITOR_DIRECTOR),
        ("pr", Role.PRODUCER),
        ("rv", Role.REVIEWER),
        ("fa", Role.FINAL_APPROVER),
        ("ad", Role.ADMIN),
        ("bp", Role.SCHEDULER),
    ):
        person = people.create_person(session, NOW, username=username, display_name=username)
        accounts.set_password(session, person, PASSWORD, NOW)
        people.grant_role(session, person, column, role, NOW)
        names[username] = person
    crew = Crew(column, names["ed"], names["pr"], names["rv"], names["fa"], names["ad"])
    spec = slots.SlotSpec(
        name="每日首播",
        kind=SlotKind.PREMIERE,
        local_start=time(20, 0),
        duration_s=1800,
        rrule="FREQ=DAILY",
        first_date=FIRST_DAY,
    )
    slot = slots.create_slot(session, names["bp"], column, NOW - timedelta(days=30), spec)
    ids, titles = [], []
    for i in range(DAYS):
        episode = workflow.propose(
            session,
            crew.director,
            column,
            NOW,
            workflow.Proposal(
                title=f"节目{i + 1}", target_duration_s=1200, responsible_producer=crew.producer
            ),
        )
        walk_to_approved(session, crew, episode)
        starts = local(FIRST_DAY + timedelta(days=i), time(20, 0))
        airing = Airing(
            slot_id=slot.id,
            episode_id=episode.id,
            kind=SlotKind.PREMIERE,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=30),
            status=AiringStatus.PUBLISHED,
            published_at=NOW - timedelta(days=14),
            created_at=NOW - timedelta(days=14),
            updated_at=NOW - timedelta(days=14),
        )
        session.add(airing)
        session.flush()
        ids.append(airing.id)
        titles.append(episode.title)
    code = channels.channel_of(session, slot).code
    return World(code, "bp", "pr", "ed", ids, titles)


def world_rows(world: World) -> list[list[str]]:
    """The world's week as aired, to the second."""
    return [
        [(FIRST_DAY + timedelta(days=i)).isoformat(), "20:00:00", "00:20:00:00", title, "", "已播"]
        for i, title in enumerate(world.titles)
    ]
