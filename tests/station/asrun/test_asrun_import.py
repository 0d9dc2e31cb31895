"""Importing an as-run log: matching its rows to the planned airings, storing the results
once, telling the column's people of missing, late and short airings, and storing nothing
of a file refused."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import people
from editorial.errors import Forbidden, InvalidInput
from editorial.models import Notification, Person, Role
from schedule import channels, slots
from schedule.models import (
    Airing,
    AiringStatus,
    AsRunEntry,
    AsRunLog,
    AsRunOutcome,
    AsRunResult,
    BroadcastChannel,
    SlotKind,
)
from station import asrun
from station.asrun import Tolerance, import_log
from station.content import content_id
from tests.conftest import NOW, Crew
from tests.station.asrun.conftest import FIRST_DAY, as_aired, csv_bytes


def outcomes(session: Session, airings: list[Airing]) -> list[str]:
    found = dict(
        session.execute(
            select(AsRunResult.airing_id, AsRunResult.outcome).where(
                AsRunResult.airing_id.in_([a.id for a in airings])
            )
        ).all()
    )
    return [str(found[a.id]) if a.id in found else "-" for a in airings]


def stored(session: Session) -> tuple[int, int, int, int]:
    return tuple(  # type: ignore[return-value]
        session.scalar(select(func.count()).select_from(model)) or 0
        for model in (AsRunLog, AsRunEntry, AsRunResult, Notification)
    )


def test_rows_as_planned_confirm_their_airings_and_mark_them_aired(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    summary = import_log(session, scheduler, channel, "log.csv", csv_bytes(as_aired(week)), NOW)
    assert (summary.confirmed, summary.late, summary.short, summary.missing) == (7, 0, 0, 0)
    assert summary.unplanned == 0 and not summary.problems and not summary.already_imported
    assert outcomes(session, week) == ["confirmed"] * 7
    assert {a.status for a in week} == {AiringStatus.AIRED}
    entry = session.scalars(select(AsRunEntry).where(AsRunEntry.airing_id == week[0].id)).one()
    assert (entry.row, entry.duration_ms) == (2, 1_200_000)


def test_late_short_missing_and_unplanned_rows_are_told_apart(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    rows = as_aired(week, **{"1": ("20:09:30", "00:20:00:00"), "2": ("20:00:00", "00:12:00:00")})
    del rows[3]
    rows.append([FIRST_DAY.isoformat(), "21:00:00", "00:05:00", "公益广告", "", "已播"])
    summary = import_log(session, scheduler, channel, "log.csv", csv_bytes(rows), NOW)
    assert (summary.confirmed, summary.late, summary.short, summary.missing) == (4, 1, 1, 1)
    assert summary.unplanned == 1 and summary.unplanned_rows[0].title == "公益广告"
    assert outcomes(session, week) == ["confirmed", "late", "short", "missing"] + ["confirmed"] * 3
    late = session.scalars(select(AsRunResult).where(AsRunResult.airing_id == week[1].id)).one()
    short = session.scalars(select(AsRunResult).where(AsRunResult.airing_id == week[2].id)).one()
    missing = session.scalars(select(AsRunResult).where(AsRunResult.airing_id == week[3].id)).one()
    assert (late.late_s, late.short_s) == (570, 0)
    assert (short.late_s, short.short_s) == (0, 480)
    assert (missing.entry_id, missing.late_s) == (None, None)
    assert week[3].status is AiringStatus.PUBLISHED  # nothing says it aired
    assert [p.outcome for p in summary.problems] == [
        AsRunOutcome.LATE,
        AsRunOutcome.SHORT,
        AsRunOutcome.MISSING,
    ]


def test_the_start_tolerance_decides_late(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    rows = as_aired(week, **{"0": ("20:04:00", "00:20:00:00")})
    summary = import_log(
        session, scheduler, channel, "log.csv", csv_bytes(rows), NOW, tolerance=Tolerance(180)
    )
    assert outcomes(session, week)[0] == "late" and summary.late == 1
    rows = as_aired(week, **{"0": ("20:04:00", "00:19:50:00")})
    import_log(session, scheduler, channel, "log2.csv", csv_bytes(rows), NOW)
    assert outcomes(session, week)[0] == "confirmed"  # ±5 minutes, 30 s short by default


def test_rows_match_by_house_id_or_by_a_title_written_differently(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    rows = as_aired(week)
    rows[0][3], rows[0][4] = "另一个名字", content_id(week[0].slot.column.slug, week[0].episode_id)
    rows[1][3] = "《 节目２ 》"  # full-width digit, spaces and 《》
    rows[2][3] = f"{week[2].slot.column.name}：节目3"
    summary = import_log(session, scheduler, channel, "log.csv", csv_bytes(rows), NOW)
    assert summary.confirmed == 7 and summary.unplanned == 0


def test_a_row_the_playout_did_not_air_leaves_its_airing_missing(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    rows = as_aired(week)
    rows[0][5] = "未播"
    summary = import_log(session, scheduler, channel, "log.csv", csv_bytes(rows), NOW)
    assert (summary.missing, summary.not_aired, summary.unplanned) == (1, 1, 0)


def test_the_same_file_again_changes_nothing_and_says_so(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    rows = as_aired(week, **{"1": ("20:09:30", "00:20:00:00")})
    rows[2][5] = "未播"
    rows.append([FIRST_DAY.isoformat(), "21:00:00", "00:05:00", "公益广告", "", "已播"])
    data = csv_bytes(rows)
    first = import_log(session, scheduler, channel, "log.csv", data, NOW)
    before = stored(session)
    again = import_log(session, scheduler, channel, "copy.csv", data, NOW + timedelta(hours=1))
    assert again.already_imported and again.log.id == first.log.id

    def counts(s: asrun.Summary) -> tuple[object, ...]:
        return (s.confirmed, s.late, s.short, s.missing, s.unplanned, s.not_aired, s.rows)

    assert counts(again) == counts(first) == (5, 1, 0, 1, 1, 1, 8)
    assert [p.airing_id for p in again.problems] == [p.airing_id for p in first.problems]
    assert [e.row for e in again.unplanned_rows] == [e.row for e in first.unplanned_rows]
    assert stored(session) == before


def test_a_later_log_replaces_the_result_of_an_earlier_one(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    rows = as_aired(week)
    import_log(session, scheduler, channel, "first.csv", csv_bytes(rows[:3] + rows[4:]), NOW)
    assert outcomes(session, week)[3] == "missing"
    import_log(session, scheduler, channel, "second.csv", csv_bytes(rows), NOW)
    assert outcomes(session, week) == ["confirmed"] * 7
    assert session.scalar(select(func.count()).select_from(AsRunResult)) == 7


def test_an_airing_not_yet_on_air_is_not_missing(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    rows = as_aired(week)[:6]
    early = week[6].starts_at - timedelta(hours=1)
    summary = import_log(session, scheduler, channel, "log.csv", csv_bytes(rows), early)
    assert summary.missing == 0 and outcomes(session, week)[6] == "-"


def test_missing_late_and_short_airings_are_told_once_per_person(
    session: Session,
    crew: Crew,
    scheduler: Person,
    make_person: Callable[..., Person],
    channel: BroadcastChannel,
    week: list[Airing],
) -> None:
    other = make_person(crew.column, Role.SCHEDULER)
    rows = as_aired(week, **{"1": ("20:09:30", "00:20:00:00"), "2": ("20:00:00", "00:12:00:00")})
    del rows[3]
    summary = import_log(session, scheduler, channel, "log.csv", csv_bytes(rows), NOW)
    told = session.scalars(select(Notification).where(Notification.kind == asrun.KIND)).all()
    assert sorted(n.person_id for n in told) == sorted([crew.producer.id, other.id])
    assert summary.notified == 2
    note = next(n for n in told if n.person_id == crew.producer.id)
    assert [a["outcome"] for a in note.params["airings"]] == ["late", "short", "missing"]
    assert "《节目4》2026-02-26 20:00 漏播" in note.message
    assert "《节目2》2026-02-24 20:00 迟播 570 秒" in note.message
    assert note.actor_id == scheduler.id


def test_another_channels_column_is_refused_naming_the_row(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    header = ("频道", "日期", "开始时间", "时长", "节目名称")
    rows = [[channel.name, *r[:4]] for r in as_aired(week)]
    rows[2][0] = "新闻频道"
    before = stored(session)
    with pytest.raises(InvalidInput) as caught:
        import_log(session, scheduler, channel, "log.csv", csv_bytes(rows, header=header), NOW)
    assert caught.value.code == "asrun_other_channel"
    assert (caught.value.params["row"], caught.value.params["named"]) == (4, "新闻频道")
    assert stored(session) == before


def test_a_log_planned_on_another_channel_only_is_refused(
    session: Session,
    crew: Crew,
    scheduler: Person,
    channel: BroadcastChannel,
    week: list[Airing],
) -> None:
    news = slots.create_slot(
        session,
        scheduler,
        crew.column,
        NOW - timedelta(days=30),
        slots.SlotSpec(
            name="新闻频道重播",
            kind=SlotKind.PREMIERE,
            local_start=time(7, 0),
            duration_s=1800,
            rrule="FREQ=DAILY",
            first_date=date(2026, 4, 1),
            channel="新闻频道",
        ),
    )
    news_channel = channels.channel_of(session, news)
    with pytest.raises(InvalidInput) as caught:
        import_log(session, scheduler, news_channel, "log.csv", csv_bytes(as_aired(week)), NOW)
    assert caught.value.code == "asrun_other_channel"
    assert caught.value.params["named"] == channel.name


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["日期", "开始时间", "时长", "节目名称", "节目编号", "状态"])
    for day, start, duration, title, house, status in rows:
        hours, minutes, seconds = map(int, start.split(":"))
        sheet.append(
            [date.fromisoformat(day), time(hours, minutes, seconds), duration, title, house, status]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS: dict[str, Callable[[list[list[str]]], tuple[str, bytes, str | None]]] = {
    "csv utf-8": lambda rows: ("log.csv", csv_bytes(rows), None),
    "csv utf-8 with bom": lambda rows: ("log.csv", csv_bytes(rows, bom=True), None),
    "csv gb18030 declared": lambda rows: ("log.csv", csv_bytes(rows, encoding="gb18030"), "gbk"),
    "csv seconds": lambda rows: (
        "log.csv",
        csv_bytes([[*r[:2], "1200", *r[3:]] for r in rows]),
        None,
    ),
    "xlsx": lambda rows: ("log.xlsx", xlsx_bytes(rows), None),
}


@pytest.mark.parametrize("form", sorted(FORMATS))
def test_every_format_confirms_the_week(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing], form: str
) -> None:
    name, data, encoding = FORMATS[form](as_aired(week))  # durations HH:MM:SS:FF
    summary = import_log(session, scheduler, channel, name, data, NOW, encoding=encoding)
    assert (summary.confirmed, summary.unplanned, summary.log.file_format) == (
        7,
        0,
        name.rsplit(".", 1)[1],
    )


def _truncated(rows: list[list[str]]) -> bytes:
    whole = xlsx_bytes(rows)
    return whole[: len(whole) // 2]


BAD: dict[str, Callable[[list[list[str]]], tuple[str, bytes]]] = {
    "duplicated": lambda rows: ("log.csv", csv_bytes([*rows, rows[0]])),
    "overlapping": lambda rows: (
        "log.csv",
        csv_bytes([*rows, [rows[0][0], "20:10:00", "60", "插播", "", ""]]),
    ),
    "unreadable": lambda rows: (
        "log.csv",
        csv_bytes([*rows, [rows[0][0], "25:99", "60", "x", "", ""]]),
    ),
    "missing columns": lambda rows: (
        "log.csv",
        csv_bytes([r[:3] for r in rows], header=("日期", "开始时间", "时长")),
    ),
    "gbk undeclared": lambda rows: ("log.csv", csv_bytes(rows, encoding="gbk")),
    "truncated xlsx": lambda rows: ("log.xlsx", _truncated(rows)),
    "empty": lambda rows: ("log.csv", b""),
    "too large": lambda rows: ("log.csv", csv_bytes(rows * 40)),
}


@pytest.mark.parametrize("bad", sorted(BAD))
def test_a_refused_file_stores_nothing(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing], bad: str
) -> None:
    before = stored(session)
    name, data = BAD[bad](as_aired(week))
    with pytest.raises(InvalidInput):
        import_log(session, scheduler, channel, name, data, NOW, max_bytes=10_000)
    assert stored(session) == before
    assert {a.status for a in week} == {AiringStatus.PUBLISHED}


def test_a_gbk_file_imports_when_declared_and_is_refused_without(
    session: Session, scheduler: Person, channel: BroadcastChannel, week: list[Airing]
) -> None:
    data = csv_bytes(as_aired(week), encoding="gbk")
    before = stored(session)
    with pytest.raises(InvalidInput) as caught:
        import_log(session, scheduler, channel, "log.csv", data, NOW)
    assert caught.value.code == "asrun_encoding_undeclared"
    assert stored(session) == before
    summary = import_log(session, scheduler, channel, "log.csv", data, NOW, encoding="gbk")
    assert summary.confirmed == 7 and summary.log.encoding == "gb18030"


def test_only_a_scheduler_of_the_channel_or_an_admin_may_import(
    session: Session,
    crew: Crew,
    channel: BroadcastChannel,
    week: list[Airing],
    make_crew: Callable[..., Crew],
) -> None:
    data = csv_bytes(as_aired(week))
    elsewhere = people.create_person(session, NOW, username="elsewhere", display_name="别处编排")
    people.grant_role(session, elsewhere, make_crew().column, Role.SCHEDULER, NOW)
    for person in (crew.producer, elsewhere):
        with pytest.raises(Forbidden):
            import_log(session, person, channel, "log.csv", data, NOW)
    assert import_log(session, crew.admin, channel, "log.csv", data, NOW).confirmed == 7
