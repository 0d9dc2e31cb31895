"""The dashboard as an XLSX workbook for the liaison meeting (openpyxl).

Sheet 总览: one row per column and priority (the five counts, the target, behind or not,
the weighted score), then each column's weighted total; then one sheet per priority
with its columns. Headers in Chinese (the interface's language), counts as numbers,
column widths set for Chinese text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from io import BytesIO

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from liaison.campaigns import CampaignCount
from liaison.dashboard import Dashboard, PriorityFigures, Row
from liaison.progress import STAGES

HEADER = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F3E5E5")
BEHIND = Font(color="B71C1C", bold=True)
SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
# After the counts: the target and the figures of ``Row``, then of the aired, those the
# station's as-run log confirms and those it does not yet, and the premieres it says missed.
TAIL = (_l("目标"), _l("今日应播"), _l("落后"), _l("加权得分"), _l("加权满分"))
ASRUN = (_l("其中已确认"), _l("其中未确认"), _l("漏播"))


def _width(value: object) -> int:
    """Display width: a CJK character is about two Latin ones."""
    text = str(value if value is not None else "")
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _fit(sheet: Worksheet, minimum: int = 6, maximum: int = 50) -> None:
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is not None:
                widths[cell.column] = max(widths.get(cell.column, 0), _width(cell.value))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(width + 2, minimum), maximum
        )


def _header(sheet: Worksheet, names: Sequence[str]) -> None:
    sheet.append(list(names))
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = HEADER, HEADER_FILL
        cell.alignment = Alignment(horizontal="center")


def _counts(stage_labels: Mapping[str, str]) -> list[str]:
    return [stage_labels[s.value] for s in STAGES]


def _row_values(row: Row) -> list[object]:
    return [
        *(row.count(s) for s in STAGES),
        row.target,
        round(row.expected, 1),
        _("是") if row.behind else _("否"),
        row.earned,
        row.possible,
        row.aired_confirmed,
        row.aired_unconfirmed,
        row.missing,
    ]


def _mark_behind(sheet: Worksheet, behind: bool, column: int) -> None:
    if behind:
        sheet.cell(sheet.max_row, column).font = BEHIND


def workbook(
    board: Dashboard,
    names: Mapping[int, str],
    stage_labels: Mapping[str, str],
    title: str,
    campaigns: Sequence[CampaignCount] = (),
) -> bytes:
    """The workbook's bytes; ``names`` maps column ids to names, ``stage_labels`` stage
    values to their headers; a sheet 集中播放 when there are ``campaigns``."""
    book = Workbook()
    overview = book.active
    assert overview is not None
    overview.title = _("总览")
    tail = [str(t) for t in (*TAIL, *ASRUN)]
    _header(overview, [_("栏目"), _("报道重点"), _("权重"), *_counts(stage_labels), *tail])
    behind_at = 3 + len(STAGES) + 3
    for column_id in board.column_ids:
        for figures in board.priorities:
            row = figures.row(column_id)
            if row is None:
                continue
            priority = figures.priority
            overview.append(
                [
                    names.get(column_id, str(column_id)),
                    priority.theme,
                    priority.weight,
                    *_row_values(row),
                ]
            )
            _mark_behind(overview, row.behind, behind_at)
    overview.append([])
    overview.append([title])
    overview.cell(overview.max_row, 1).font = HEADER
    _header(overview, [_("栏目"), _("加权得分"), _("加权满分"), _("完成率"), _("落后项数")])
    for score in board.scores:
        overview.append(
            [
                names.get(score.column_id, str(score.column_id)),
                score.earned,
                score.possible,
                score.share,
                score.behind,
            ]
        )
        overview.cell(overview.max_row, 4).number_format = "0.0%"
    overview.freeze_panes = "A2"
    _fit(overview)
    used: set[str] = {overview.title}
    for figures in board.priorities:
        _priority_sheet(book, figures, names, stage_labels, used)
    if campaigns:
        _campaign_sheet(book, campaigns, used)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_name(theme: str, used: set[str]) -> str:
    """At most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = SHEET_NAME_BAD.sub("_", theme).strip("' ") or "_"
    name, n = base[:31], 2
    while name in used:
        suffix = f"({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def _priority_sheet(
    book: Workbook,
    figures: PriorityFigures,
    names: Mapping[int, str],
    stage_labels: Mapping[str, str],
    used: set[str],
) -> None:
    priority = figures.priority
    sheet = book.create_sheet(_sheet_name(priority.theme, used))
    sheet.append([priority.theme])
    sheet.cell(1, 1).font = Font(bold=True, size=13)
    sheet.append(
        [
            _("标签"),
            priority.tag,
            _("时间窗"),
            f"{priority.window_start:%Y-%m-%d} — {priority.window_end:%Y-%m-%d}",
            _("权重"),
            priority.weight,
            _("报送截止"),
            f"{priority.submit_by:%Y-%m-%d}" if priority.submit_by else "—",
        ]
    )
    sheet.append([])
    tail = [str(t) for t in (*TAIL, *ASRUN)]
    _header(sheet, [_("栏目"), *_counts(stage_labels), *tail])
    for row in figures.rows:
        sheet.append([names.get(row.column_id, str(row.column_id)), *_row_values(row)])
        _mark_behind(sheet, row.behind, 1 + len(STAGES) + 3)
    sheet.append(
        [
            _("合计"),
            *(sum(r.count(s) for r in figures.rows) for s in STAGES),
            figures.target,
            round(figures.expected, 1),
            "",
            sum(r.earned for r in figures.rows),
            sum(r.possible for r in figures.rows),
            sum(r.aired_confirmed for r in figures.rows),
            sum(r.aired_unconfirmed for r in figures.rows),
            sum(r.missing for r in figures.rows),
        ]
    )
    for cell in sheet[sheet.max_row]:
        cell.font = HEADER
    sheet.freeze_panes = "A5"
    _fit(sheet)


def _campaign_sheet(book: Workbook, counts: Sequence[CampaignCount], used: set[str]) -> None:
    """Per county without a fixed column, its concentrated broadcasts (集中播放) of the
    quarter: confirmed by the station's as-run log, aired unconfirmed, missed, to come."""
    sheet = book.create_sheet(_sheet_name(_("集中播放"), used))
    _header(
        sheet,
        [_("栏目"), _("已确认播出"), _("已播出（未确认）"), _("漏播"), _("待播出"), _("合计")],
    )
    for c in counts:
        sheet.append([c.column_name, c.confirmed, c.unconfirmed, c.missing, c.planned, c.total])
        if c.missing:
            sheet.cell(sheet.max_row, 4).font = BEHIND
    sheet.freeze_panes = "A2"
    _fit(sheet)
