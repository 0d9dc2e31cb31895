"""The broadcast order sheet (播出单) as an XLSX workbook for the station.

Real spreadsheet values: dates as dates, start times as times (``hh:mm:ss``),
durations as durations (``[hh]:mm:ss``) with the frame-accurate timecode
(HH:MM:SS:FF) beside them as text. A header block names the station, channel,
week, column, version, who issued it and when; the column heads are frozen
under it. The changes (变更) against the version before are a second sheet.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from editorial.workdays import SHANGHAI
from station.models import IssuedSheet
from station.sheets import FPS, Change, Sheet, SheetRow, Week, parse_week, rows_of, version_changes

HEADS = (
    ("日期", 12),
    ("星期", 6),
    ("开始时间", 10),
    ("时长", 10),
    ("时长（帧）", 13),
    ("节目名称", 30),
    ("连续报道", 26),
    ("类型", 10),
    ("栏目", 14),
    ("文件名", 28),
    ("内容编号", 18),
    ("技审", 8),
    ("备注", 30),
)
CHANGE_HEADS = (
    ("变更", 8),
    ("日期", 12),
    ("开始时间", 10),
    ("节目名称", 30),
    ("内容", 16),
    ("原为", 30),
    ("现为", 30),
)
WEEKDAYS = "一二三四五六日"
FIELD_WORDS = {
    "day": "日期",
    "start": "开始时间",
    "frames": "时长",
    "title": "节目名称",
    "part": "连续报道",
    "kind": "类型",
    "file_name": "文件名",
    "qc": "技审",
    "remarks": "备注",
}
WHAT_WORDS = {"added": "新增", "removed": "删除", "changed": "修改"}
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Header:
    """What the header block says of the sheet."""

    station: str
    channel: str
    week: Week
    column: str | None  # None: 全部栏目
    number: int | None  # None: not issued (草稿)
    issued_by: str = ""
    issued_at: datetime | None = None


def header_of_version(issued: IssuedSheet) -> Header:
    return Header(
        station=issued.channel.station,
        channel=issued.channel.name,
        week=parse_week(issued.week),
        column=issued.column.name if issued.column is not None else None,
        number=issued.number,
        issued_by=issued.issued_by.display_name,
        issued_at=issued.issued_at,
    )


def version_workbook(session: Session, issued: IssuedSheet) -> bytes:
    """An issued version as issued, with its 变更 against the version before."""
    return workbook(header_of_version(issued), rows_of(issued), version_changes(session, issued))


def draft_workbook(sheet: Sheet) -> bytes:
    """The sheet as it stands now, not issued (草稿), with its 变更 against the latest version."""
    header = Header(
        station=sheet.channel.station,
        channel=sheet.channel.name,
        week=sheet.week,
        column=sheet.column.name if sheet.column is not None else None,
        number=None,
    )
    return workbook(header, sheet.rows, sheet.changes)


def header_lines(header: Header) -> list[tuple[str, str]]:
    week = header.week
    return [
        ("电视台", header.station),
        ("频道", header.channel),
        ("周次", f"{week.label}（{week.monday:%Y-%m-%d} 至 {week.sunday:%Y-%m-%d}）"),
        ("栏目", header.column or "全部栏目"),
        ("版本", f"第 {header.number} 版" if header.number else "未签发（草稿）"),
        ("签发人", header.issued_by or "—"),
        (
            "签发时间",
            f"{header.issued_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}" if header.issued_at else "—",
        ),
    ]


def duration_of(frames: int) -> timedelta:
    return timedelta(seconds=frames / FPS)


def workbook(header: Header, rows: Sequence[SheetRow], changes: Sequence[Change]) -> bytes:
    """The workbook's bytes (a week's sheet is small: built in memory)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "播出单"
    _rows(sheet, header, rows)
    _changes(book.create_sheet("变更"), changes, header)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet: Worksheet, header: Header, width: int) -> int:
    """Write the title and header block; the next free row."""
    title = f"{header.station} {header.channel} 播出单"
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    line = 2
    for name, value in header_lines(header):
        sheet.cell(row=line, column=1, value=name).font = BOLD
        sheet.cell(row=line, column=2, value=value)
        sheet.merge_cells(start_row=line, start_column=2, end_row=line, end_column=width)
        line += 1
    return line + 1


def _heads(sheet: Worksheet, line: int, heads: Sequence[tuple[str, int]]) -> None:
    for index, (name, width) in enumerate(heads, start=1):
        cell = sheet.cell(row=line, column=index, value=name)
        cell.font, cell.fill, cell.border = BOLD, HEAD_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = sheet.cell(row=line + 1, column=1)
    sheet.print_title_rows = f"{line}:{line}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _rows(sheet: Worksheet, header: Header, rows: Sequence[SheetRow]) -> None:
    line = _header(sheet, header, len(HEADS))
    _heads(sheet, line, HEADS)
    for row in rows:
        line += 1
        values: list[object] = [
            row.day,
            WEEKDAYS[row.day.weekday()],
            row.start,
            duration_of(row.frames),
            row.duration,
            row.title,
            row.part,
            row.kind_words,
            row.column,
            row.file_name,
            row.content_id,
            row.qc_words,
            row.remark_words,
        ]
        for index, value in enumerate(values, start=1):
            cell = sheet.cell(row=line, column=index, value=value)
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=index in (6, 7, 13))
        sheet.cell(row=line, column=1).number_format = "yyyy-mm-dd"
        sheet.cell(row=line, column=3).number_format = "hh:mm:ss"
        sheet.cell(row=line, column=4).number_format = "[hh]:mm:ss"
    sheet.cell(row=line + 2, column=1, value=f"共 {len(rows)} 条").font = BOLD


def _changes(sheet: Worksheet, changes: Sequence[Change], header: Header) -> None:
    line = _header(sheet, header, len(CHANGE_HEADS))
    _heads(sheet, line, CHANGE_HEADS)
    if not changes:
        sheet.cell(row=line + 1, column=1, value="无变更")
        return
    for change in changes:
        row = change.row
        shown = change.fields or ("",)
        for name in shown:
            line += 1
            before = _said(change.before, name) if name else ""
            after = _said(change.after, name) if name else ""
            if change.what == "added":
                after = f"{row.title}（{row.duration}）"
            elif change.what == "removed":
                before = f"{row.title}（{row.duration}）"
            values: list[object] = [
                WHAT_WORDS[change.what],
                row.day,
                row.start,
                row.title,
                FIELD_WORDS.get(name, ""),
                before,
                after,
            ]
            for index, value in enumerate(values, start=1):
                cell = sheet.cell(row=line, column=index, value=value)
                cell.border = BOX
                cell.alignment = Alignment(vertical="top", wrap_text=index >= 4)
            sheet.cell(row=line, column=2).number_format = "yyyy-mm-dd"
            sheet.cell(row=line, column=3).number_format = "hh:mm:ss"


def said(row: SheetRow | None, name: str) -> str:
    """A field of a row as the sheet says it, for the 变更."""
    return _said(row, name)


def _said(row: SheetRow | None, name: str) -> str:
    if row is None:
        return ""
    value = getattr(row, name)
    if name == "frames":
        return row.duration
    if name == "kind":
        return row.kind_words
    if name == "qc":
        return row.qc_words
    if name == "remarks":
        return row.remark_words or "—"
    if name == "start":
        return row.start.strftime("%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value) or "—"
