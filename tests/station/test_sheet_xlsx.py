"""The order sheet as XLSX, opened with openpyxl and checked value by value."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from media.models import MediaVersion
from schedule import airings
from station import sheet_xlsx, sheets
from tests.conftest import NOW
from tests.station.conftest import WEEK, World


def _head_row(sheet: Worksheet, first: str) -> int:
    for row in sheet.iter_rows(min_col=1, max_col=1):
        if row[0].value == first:
            return int(row[0].row)
    raise AssertionError(f"no row starting {first!r}")


def _header(sheet: Worksheet) -> dict[str, object]:
    return {
        sheet.cell(row=r, column=1).value: sheet.cell(row=r, column=2).value for r in range(2, 9)
    }


def test_an_issued_version_has_its_header_real_values_and_formats(
    world: World, packaged: Callable[..., MediaVersion], media_root: Path
) -> None:
    packaged(world.first)
    issued = sheets.issue(
        world.session, world.scheduler, world.channel, WEEK, None, NOW, media_root=media_root
    )
    book = load_workbook(io.BytesIO(sheet_xlsx.version_workbook(world.session, issued)))
    assert book.sheetnames == ["播出单", "变更"]
    sheet = book["播出单"]
    assert sheet.cell(row=1, column=1).value == "县电视台 综合频道 播出单"
    assert _header(sheet) == {
        "电视台": "县电视台",
        "频道": "综合频道",
        "周次": "2026-W10（2026-03-02 至 2026-03-08）",
        "栏目": "全部栏目",
        "版本": "第 1 版",
        "签发人": "编排员",
        "签发时间": "2026-03-02 09:00",
    }
    heads = _head_row(sheet, "日期")
    assert [c.value for c in sheet[heads]] == [h for h, _ in sheet_xlsx.HEADS]
    assert sheet.freeze_panes == f"A{heads + 1}"
    first = sheet[heads + 1]
    ident = f"{world.first.column.slug}-{world.first.id:06d}"
    assert [c.value for c in first] == [
        datetime(2026, 3, 6),  # openpyxl reads a date cell back as a datetime at midnight
        "五",
        time(20, 0),
        timedelta(seconds=2),
        "00:00:02:00",
        "党建引领乡村振兴",
        None,
        "首播",
        world.first.column.name,
        f"{ident}-v1.mp4",
        ident,
        "通过",
        None,
    ]
    assert first[0].is_date and first[0].number_format == "yyyy-mm-dd"
    assert first[2].number_format == "hh:mm:ss"
    assert first[3].number_format == "[hh]:mm:ss"
    second = sheet[heads + 2]
    assert second[0].value == datetime(2026, 3, 8) and second[2].value == time(10, 0)
    assert second[7].value == "重播"
    assert sheet.column_dimensions["F"].width == 30
    changes = book["变更"]
    assert changes.cell(row=_head_row(changes, "变更") + 1, column=1).value == "无变更"


def test_the_next_version_lists_its_changes_old_and_new(world: World) -> None:
    sheets.issue(world.session, world.scheduler, world.channel, WEEK, None, NOW)
    premiere, rerun = world.airings
    later = NOW + timedelta(hours=1)
    airings.pull(world.session, world.scheduler, rerun, later, reason="体育赛事转播")
    airings.assign(
        world.session, world.scheduler, world.premiere_slot, premiere.starts_at, world.second, later
    )
    second = sheets.issue(world.session, world.scheduler, world.channel, WEEK, None, later)
    book = load_workbook(io.BytesIO(sheet_xlsx.version_workbook(world.session, second)))
    assert _header(book["播出单"])["版本"] == "第 2 版"
    changes = book["变更"]
    heads = _head_row(changes, "变更")
    found = [
        [c.value for c in row]
        for row in changes.iter_rows(min_row=heads + 1)
        if row[0].value is not None
    ]
    assert found == [
        [
            "修改",
            datetime(2026, 3, 6),
            time(20, 0),
            "红色印记",
            "节目名称",
            "党建引领乡村振兴",
            "红色印记",
        ],
        [
            "修改",
            datetime(2026, 3, 6),
            time(20, 0),
            "红色印记",
            "备注",
            "尚无成片",
            "尚无成片；已固定",
        ],
        [
            "删除",
            datetime(2026, 3, 8),
            time(10, 0),
            "党建引领乡村振兴",
            None,
            "党建引领乡村振兴（00:30:00:00）",
            None,
        ],
    ]


def test_a_draft_says_it_is_not_issued(world: World) -> None:
    sheet = sheets.build_sheet(world.session, world.channel, WEEK, world.first.column)
    book = load_workbook(io.BytesIO(sheet_xlsx.draft_workbook(sheet)))
    header = _header(book["播出单"])
    assert header["版本"] == "未签发（草稿）" and header["栏目"] == world.first.column.name
    assert date(2026, 3, 2) == WEEK.monday
