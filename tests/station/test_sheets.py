"""The broadcast order sheet (播出单): its rows, issuing versions, outdated sheets and 变更."""

from __future__ import annotations

import threading
import time as time_module
import uuid
from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import migrations
from editorial import people
from editorial.db import make_engine
from editorial.errors import Conflict, Forbidden, InvalidInput
from editorial.models import Episode, Level, Person, Role, State
from media.models import MediaVersion
from schedule import airings, builder, slots
from schedule.channels import channel_of
from schedule.models import BroadcastChannel, SlotKind
from station import sheets
from station.models import IssuedSheet
from station.sheets import QC, Kind, Remark, Week
from tests.conftest import NOW, PG_URL, Crew
from tests.schedule.test_builder import run_build
from tests.station.conftest import WEEK, World

LATER = NOW + timedelta(hours=1)


def test_the_rows_are_the_weeks_live_airings_in_time_order_with_planned_lengths(
    world: World,
) -> None:
    rows = sheets.build_sheet(world.session, world.channel, WEEK).rows
    assert [(r.day, r.start, r.title, r.kind) for r in rows] == [
        (date(2026, 3, 6), time(20, 0), "党建引领乡村振兴", Kind.PREMIERE),
        (date(2026, 3, 8), time(10, 0), "党建引领乡村振兴", Kind.RERUN),
    ]
    assert [r.duration for r in rows] == ["00:30:00:00", "00:30:00:00"]
    assert not any(r.measured for r in rows)
    assert rows[0].qc is QC.UNCHECKED and rows[0].file_name == ""
    assert [n.code for n in rows[0].remarks] == [Remark.NO_MASTER]


def test_a_packaged_master_gives_the_frame_accurate_duration_file_name_and_qc(
    world: World, packaged: Callable[..., MediaVersion], media_root: Path
) -> None:
    packaged(world.first, qc_passed=False)
    rows = sheets.build_sheet(world.session, world.channel, WEEK, media_root=media_root).rows
    first = rows[0]
    assert first.measured and first.frames == 50 and first.duration == "00:00:02:00"
    ident = f"{world.first.column.slug}-{world.first.id:06d}"
    assert first.content_id == ident
    assert first.file_name == f"{ident}-v1.mp4"
    assert first.qc is QC.FAILED and first.qc_words == "未通过"
    assert Remark.NO_MASTER not in [n.code for n in first.remarks]


def test_a_master_without_its_packaged_file_is_not_packaged(
    world: World, packaged: Callable[..., MediaVersion], media_root: Path
) -> None:
    packaged(world.first)
    for made in (media_root / "packaged").rglob("*.mp4"):
        made.unlink()
    first = sheets.build_sheet(world.session, world.channel, WEEK, media_root=media_root).rows[0]
    assert first.file_name == "" and not first.measured
    assert [n.code for n in first.remarks] == [Remark.NOT_PACKAGED]
    assert first.qc is QC.PASSED


def test_series_parts_fills_exchanges_and_stop_dates_are_said_on_the_sheet(
    world: World, crew: Crew
) -> None:
    series = world.desk.series(3, date(2026, 3, 31), title="先锋工程")
    part = world.first
    part.series, part.part_number = series, 3
    slots.add_exception(
        world.session, world.scheduler, world.rerun_slot, date(2026, 3, 8), "两会直播", NOW
    )
    world.airings[1].fill = True
    world.session.flush()
    rows = sheets.build_sheet(world.session, world.channel, WEEK).rows
    assert rows[0].part == "连续报道（三）《先锋工程》"
    assert rows[1].kind is Kind.FILL and rows[1].kind_words == "补播"
    stop = [n for n in rows[1].remarks if n.code is Remark.STOP]
    assert [n.words() for n in stop] == ["3月8日停播（两会直播）"]


def test_a_column_sheet_has_only_that_columns_airings(
    world: World, make_column: Callable[..., object]
) -> None:
    other = people.create_column(
        world.session,
        NOW,
        slug="other",
        name="其他栏目",
        level=world.first.column.level,
        station=world.channel.station,
        channel=world.channel.name,
    )
    people.grant_role(world.session, world.scheduler, other, Role.SCHEDULER, NOW)
    world.desk.slot(
        other, name="周三首播", rrule="FREQ=WEEKLY;BYDAY=WE", first_date=date(2026, 3, 4)
    )
    world.desk.episode(other, title="其他节目")
    run_build(world.session, end=WEEK.sunday)
    whole = sheets.build_sheet(world.session, world.channel, WEEK).rows
    mine = sheets.build_sheet(world.session, world.channel, WEEK, world.first.column).rows
    assert "其他节目" in [r.title for r in whole]
    assert [r.title for r in mine] == ["党建引领乡村振兴", "党建引领乡村振兴"]


@pytest.mark.parametrize("text", ["2026-W60", "next", "2026-W00", "2026W10", "", "2026-W1"])
def test_a_week_that_is_not_an_iso_week_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="not an ISO week") as refused:
        sheets.parse_week(text)
    assert refused.value.code == "week_malformed"


def test_a_week_is_monday_to_sunday_in_shanghai() -> None:
    week = sheets.parse_week("2026-W50")
    assert (week.monday, week.sunday) == (date(2026, 12, 7), date(2026, 12, 13))
    assert week.bounds()[0].isoformat() == "2026-12-06T16:00:00+00:00"
    assert sheets.parse_week("2020-W53") == Week(2020, 53)


# --- issuing ---------------------------------------------------------------------------------


def test_issuing_numbers_the_versions_and_keeps_the_rows_issued(world: World) -> None:
    first = sheets.issue(world.session, world.scheduler, world.channel, WEEK, None, NOW)
    assert (first.number, first.week, first.scope, first.issued_by_id) == (
        1,
        "2026-W10",
        0,
        world.scheduler.id,
    )
    assert [r.title for r in sheets.rows_of(first)] == ["党建引领乡村振兴"] * 2
    sheet = sheets.build_sheet(world.session, world.channel, WEEK)
    assert not sheet.outdated and sheet.changes == []
    with pytest.raises(InvalidInput, match="is current") as unchanged:
        sheets.issue(world.session, world.scheduler, world.channel, WEEK, None, LATER)
    assert unchanged.value.code == "sheet_unchanged"
    column = sheets.issue(
        world.session, world.scheduler, world.channel, WEEK, world.first.column, NOW
    )
    assert (column.number, column.scope) == (1, world.first.column.id)


def test_a_changed_airing_makes_the_sheet_outdated_and_the_next_version_shows_the_changes(
    world: World, crew: Crew
) -> None:
    sheets.issue(world.session, world.scheduler, world.channel, WEEK, None, NOW)
    premiere, rerun = world.airings
    airings.pull(world.session, world.scheduler, rerun, LATER, reason="体育赛事转播")
    airings.assign(
        world.session,
        world.scheduler,
        world.premiere_slot,
        premiere.starts_at,
        world.second,
        LATER,
    )
    sheet = sheets.build_sheet(world.session, world.channel, WEEK)
    assert sheet.outdated
    found = [(c.what, c.row.day, c.fields) for c in sheet.changes]
    assert found == [
        ("changed", date(2026, 3, 6), ("title", "remarks")),
        ("removed", date(2026, 3, 8), ()),
    ]
    changed = sheet.changes[0]
    assert changed.before and changed.after
    assert (changed.before.title, changed.after.title) == ("党建引领乡村振兴", "红色印记")
    second = sheets.issue(world.session, world.scheduler, world.channel, WEEK, None, LATER)
    assert second.number == 2
    assert [c.what for c in sheets.version_changes(world.session, second)] == [
        "changed",
        "removed",
    ]
    assert not sheets.build_sheet(world.session, world.channel, WEEK).outdated


def test_a_week_without_airings_is_not_issued(world: World) -> None:
    empty = WEEK.next(8)
    with pytest.raises(InvalidInput, match="no airings") as refused:
        sheets.issue(world.session, world.scheduler, world.channel, empty, None, NOW)
    assert refused.value.code == "sheet_empty"
    assert world.session.scalar(select(IssuedSheet.id)) is None


def test_only_a_scheduler_of_the_column_or_an_admin_issues(world: World, crew: Crew) -> None:
    with pytest.raises(Forbidden, match="not a scheduler of") as refused:
        sheets.issue(world.session, crew.producer, world.channel, WEEK, None, NOW)
    assert refused.value.code == "not_sheet_scheduler"
    assert refused.value.params["lacking"] == world.first.column.name
    assert sheets.issue(world.session, crew.admin, world.channel, WEEK, None, NOW).number == 1


def test_a_channel_sheet_needs_a_scheduler_of_every_column_on_it(
    world: World, make_person: Callable[..., object]
) -> None:
    other = people.create_column(
        world.session,
        NOW,
        slug="other",
        name="其他栏目",
        level=world.first.column.level,
        station=world.channel.station,
        channel=world.channel.name,
    )
    people.grant_role(world.session, world.scheduler, other, Role.SCHEDULER, NOW)
    world.desk.slot(
        other, name="周三首播", rrule="FREQ=WEEKLY;BYDAY=WE", first_date=date(2026, 3, 4)
    )
    world.desk.episode(other, title="其他节目")
    run_build(world.session, end=WEEK.sunday)
    theirs = people.create_person(world.session, NOW, username="qita", display_name="其他编排")
    people.grant_role(world.session, theirs, other, Role.SCHEDULER, NOW)
    with pytest.raises(Forbidden) as refused:
        sheets.issue(world.session, theirs, world.channel, WEEK, None, NOW)
    assert refused.value.params["lacking"] == world.first.column.name
    assert sheets.issue(world.session, theirs, world.channel, WEEK, other, NOW).number == 1


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A PostgreSQL schema of its own (these tests commit), dropped afterwards."""
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
    schema = f"sheet_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    migrations.upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def test_of_two_people_issuing_at_once_the_second_gets_a_conflict(pg_engine: Engine) -> None:
    """The first issues version 1 and holds its transaction open; the second, who saw no
    version, issues too: the unique version number makes it wait, then refuses it."""
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    with factory.begin() as s:
        column = people.create_column(
            s, NOW, slug="race", name="竞争", level=Level.COUNTY, station="台", channel="频道"
        )
        person = people.create_person(s, NOW, username="bp", display_name="编排")
        people.grant_role(s, person, column, Role.SCHEDULER, NOW)
        producer = people.create_person(s, NOW, username="zp", display_name="制片")
        spec = slots.SlotSpec(
            name="周五首播",
            kind=SlotKind.PREMIERE,
            local_start=time(20, 0),
            duration_s=1800,
            rrule="FREQ=WEEKLY;BYDAY=FR",
            first_date=date(2026, 3, 6),
        )
        slot = slots.create_slot(s, person, column, NOW, spec)
        s.add(
            Episode(
                column=column,
                title="并发签发",
                target_duration_s=1800,
                director_id=person.id,
                responsible_producer_id=producer.id,
                state=State.APPROVED,
                review_round=1,
                state_entered_at=NOW - timedelta(days=1),
                created_at=NOW - timedelta(days=2),
            )
        )
        s.flush()
        builder.build(s, NOW, end=WEEK.sunday)
        channel_id, person_id = channel_of(s, slot).id, person.id
    issued, waiting = threading.Event(), threading.Event()
    outcomes: dict[str, object] = {}

    def act(name: str) -> None:
        with factory() as s:
            channel = s.get_one(BroadcastChannel, channel_id)
            actor = s.get_one(Person, person_id)
            if name == "second":
                issued.wait(10)
                waiting.set()
            try:
                made = sheets.issue(s, actor, channel, WEEK, None, NOW)
                if name == "first":
                    issued.set()
                    waiting.wait(10)
                    time_module.sleep(0.5)  # the second is blocked on the version number now
                s.commit()
                outcomes[name] = made.number
            except Conflict as error:
                s.rollback()
                outcomes[name] = error.code

    threads = [threading.Thread(target=act, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {"first": 1, "second": "sheet_issued_meanwhile"}
    with factory() as s:
        assert s.scalars(select(IssuedSheet.number)).all() == [1]


def test_the_version_number_is_unique_per_channel_week_and_scope(
    world: World, session: Session
) -> None:
    first = sheets.issue(session, world.scheduler, world.channel, WEEK, None, NOW)
    twin = IssuedSheet(
        channel_id=first.channel_id,
        week=first.week,
        column_id=None,
        scope=0,
        number=1,
        issued_by_id=first.issued_by_id,
        issued_at=NOW,
        rows=[],
        digest="",
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(twin)
        session.flush()
