"""The broadcast order sheet (播出单) pages: a channel's sheet for an ISO week (of the whole
channel or one column), its issued versions and 变更, issuing it, the XLSX, the A4 print
page and the delivery package for the station as a ZIP.

Thin: parse the channel, week and column, call ``station.sheets`` (or
``station.delivery``), draw. Any signed-in person may read a sheet (the schedule is
as public as its feeds); issuing is for the columns' schedulers and administrators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from editorial.errors import Conflict, Forbidden, InvalidInput, NotFound
from editorial.models import Column
from editorial.workdays import SHANGHAI, local_date
from media.captions import chinese_number
from schedule.channels import get_channel, list_channels
from schedule.models import BroadcastChannel, Slot
from station import delivery, sheet_xlsx, sheets
from station.models import IssuedSheet
from station.sheets import QC, Change, Kind, Note, Remark, Sheet, SheetRow
from web import errors
from web.auth import current_person
from web.config import media_settings
from web.db import request_session
from web.i18n import select_locale

bp = Blueprint("sheets", __name__, url_prefix="/schedule/sheets")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND = {
    Kind.PREMIERE: _l("首播"),
    Kind.RERUN: _l("重播"),
    Kind.FILL: _l("补播"),
    Kind.EXCHANGE: _l("交流节目"),
    Kind.CAMPAIGN: _l("集中播放"),
}
QC_LABEL = {QC.PASSED: _l("通过"), QC.FAILED: _l("未通过"), QC.UNCHECKED: _l("未检测")}
REMARK = {
    Remark.PINNED: _l("已固定"),
    Remark.DRAFT: _l("草稿，尚未发布"),
    Remark.NO_MASTER: _l("尚无成片"),
    Remark.NOT_PACKAGED: _l("成片尚未包装"),
}
FIELD = {
    "day": _l("播出日期"),
    "start": _l("开始时间"),
    "frames": _l("时长"),
    "title": _l("节目名称"),
    "part": _l("连续报道"),
    "kind": _l("类型"),
    "file_name": _l("文件名"),
    "qc": _l("技审"),
    "remarks": _l("备注"),
}
WHAT = {"added": _l("新增"), "removed": _l("删除"), "changed": _l("修改")}
WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))


def _now() -> datetime:
    return datetime.now(UTC)


def _root() -> Path:
    return media_settings(current_app.config).root


def note_words(note: Note) -> str:
    if note.code is Remark.STOP and note.day is not None:
        return _("%(day)s 停播（%(why)s）", day=note.day.strftime("%m-%d"), why=note.why)
    return str(REMARK[note.code])


def part_words(row: SheetRow) -> str:
    """The series part: 连续报道（三）《先锋工程》."""
    if row.part_number is None:
        return ""
    return _("连续报道（%(n)s）《%(title)s》", n=chinese_part(row.part_number), title=row.series)


def chinese_part(number: int) -> str:
    """The part number as the reader counts: 三 in Chinese, 3 in English."""
    return chinese_number(number) if select_locale() != "en" else str(number)


def remark_words(row: SheetRow) -> str:
    return _("；").join(note_words(n) for n in row.remarks)


def field_words(row: SheetRow | None, name: str) -> str:
    """A field of a row as the page says it, for the 变更 (old → new)."""
    if row is None:
        return ""
    match name:
        case "day":
            return row.day.isoformat()
        case "start":
            return row.start.strftime("%H:%M:%S")
        case "frames":
            return row.duration
        case "part":
            return part_words(row) or "—"
        case "kind":
            return str(KIND[row.kind])
        case "qc":
            return str(QC_LABEL[row.qc])
        case "remarks":
            return remark_words(row) or "—"
    return str(getattr(row, name)) or "—"


def _column(session: Session, slug: str | None) -> Column | None:
    if not slug:
        return None
    column = session.scalar(select(Column).where(Column.slug == slug))
    if column is None:
        raise NotFound(f"no column {slug!r}")
    return column


def channel_columns(session: Session, channel: BroadcastChannel) -> list[Column]:
    """The columns with a slot on the channel, by name."""
    return list(
        session.scalars(
            select(Column)
            .where(
                Column.id.in_(
                    select(Slot.column_id).where(
                        Slot.station == channel.station, Slot.channel == channel.name
                    )
                )
            )
            .order_by(Column.name)
        )
    )


def _sheet(code: str, week: str, params: Mapping[str, str]) -> Sheet:
    session = request_session()
    channel = get_channel(session, code)
    found = sheets.parse_week(week)
    column = _column(session, params.get("column"))
    return sheets.build_sheet(session, channel, found, column, _root())


def _context(sheet: Sheet, *, error: str | None = None) -> dict[str, object]:
    session = request_session()
    person = current_person()
    return {
        "sheet": sheet,
        "week": sheet.week,
        "channel": sheet.channel,
        "column": sheet.column,
        "slug": sheet.column.slug if sheet.column is not None else None,
        "columns": channel_columns(session, sheet.channel),
        "may_issue": bool(sheet.rows) and sheets.may_issue(session, person, sheet),
        # Airings without a packaged master to deliver (or one that failed QC).
        "undeliverable": [r for r in sheet.rows if not r.file_name or r.qc is QC.FAILED],
        "previous": sheet.week.next(-1).label,
        "following": sheet.week.next(1).label,
        "this_week": sheets.week_of(local_date(_now())).label,
        "error": error,
        "here": lambda moment: moment.astimezone(SHANGHAI),
        "KIND": KIND,
        "QC": QC_LABEL,
        "FIELD": FIELD,
        "WHAT": WHAT,
        "WEEKDAYS": WEEKDAYS,
        "remark_words": remark_words,
        "part_words": part_words,
        "field_words": field_words,
    }


@bp.get("/")
@login_required
def index() -> str:
    """Every channel with links to this week's and next week's sheet."""
    session = request_session()
    week = request.args.get("week", "")
    shown = sheets.parse_week(week) if week else sheets.week_of(local_date(_now()))
    return render_template(
        "schedule/sheets.html",
        channels=list_channels(session),
        week=shown,
        following=shown.next(1),
    )


@bp.get("/<code>/<week>")
@login_required
def show(code: str, week: str) -> str:
    """The sheet as the schedule stands now, its issued versions, outdated state and 变更."""
    return render_template("schedule/sheet.html", **_context(_sheet(code, week, request.args)))


@bp.post("/<code>/<week>/issue")
@login_required
def issue(code: str, week: str) -> Response | tuple[str, int]:
    """Issue the sheet (签发): the next version. A refusal re-shows the page, nothing stored."""
    session = request_session()
    sheet = _sheet(code, week, request.form)
    try:
        issued = sheets.issue(
            session,
            current_person(),
            sheet.channel,
            sheet.week,
            sheet.column,
            _now(),
            media_root=_root(),
        )
    except (InvalidInput, Conflict, Forbidden) as refused:
        session.rollback()
        shown = _sheet(code, week, request.form)
        page = render_template(
            "schedule/sheet.html", **_context(shown, error=errors.describe(refused))
        )
        return page, errors.status_of(refused)
    flash(_("已签发播出单第 %(n)d 版。", n=issued.number))
    return redirect(url_for(".show", code=code, week=week, column=request.form.get("column")))


def _version(sheet: Sheet, number: str | None) -> IssuedSheet | None:
    """The version asked for (``version=N``), else the latest; None when not issued."""
    if not number:
        return sheet.latest
    found = next((v for v in sheet.versions if str(v.number) == number), None)
    if found is None:
        raise NotFound(f"no version {number}")
    return found


def _file_name(sheet: Sheet, number: int | None, suffix: str) -> str:
    scope = f"-{sheet.column.slug}" if sheet.column is not None else ""
    version = f"-v{number}" if number else "-draft"
    return f"{sheet.channel.code}{scope}-{sheet.week.label}{version}{suffix}"


@bp.get("/<code>/<week>/sheet.xlsx")
@login_required
def xlsx(code: str, week: str) -> Response:
    """The latest issued version (or ``version=N``) as XLSX; the draft when none is issued."""
    sheet = _sheet(code, week, request.args)
    issued = _version(sheet, request.args.get("version"))
    session = request_session()
    data = (
        sheet_xlsx.version_workbook(session, issued)
        if issued is not None
        else sheet_xlsx.draft_workbook(sheet)
    )
    return send_file(
        BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=_file_name(sheet, issued.number if issued else None, ".xlsx"),
        max_age=0,
    )


@bp.get("/<code>/<week>/print")
@login_required
def print_page(code: str, week: str) -> str:
    """The A4 print page of the latest issued version (or ``version=N``), else the draft."""
    sheet = _sheet(code, week, request.args)
    issued = _version(sheet, request.args.get("version"))
    session = request_session()
    rows: list[SheetRow] = sheets.rows_of(issued) if issued is not None else sheet.rows
    shown: list[Change] = (
        sheets.version_changes(session, issued) if issued is not None else sheet.changes
    )
    return render_template(
        "schedule/sheet_print.html",
        issued=issued,
        rows=rows,
        changes=shown,
        printed=_now().astimezone(SHANGHAI),
        **_context(sheet),
    )


@bp.get("/<code>/<week>/delivery.zip")
@login_required
def delivery_zip(code: str, week: str) -> Response:
    """The delivery package (the packaged masters, the issued sheet's XLSX, MD5SUMS) as a
    stored (not deflated) ZIP, built in a temporary file and streamed from there."""
    session = request_session()
    sheet = _sheet(code, week, request.args)
    package = delivery.plan(session, current_person(), sheet, _root())
    out = delivery.zip_file(session, package)
    delivery.record(session, current_person(), package, _now(), how="zip")
    return send_file(
        out,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{package.name}.zip",
        max_age=0,
    )


def week_links(session: Session, columns: Sequence[Column], day: date) -> list[tuple[str, str]]:
    """(channel, address) of the sheet of the week of ``day`` for each channel the columns'
    slots air on: the week grid links to them. One statement."""
    ids = [c.id for c in columns]
    if not ids:
        return []
    pairs = select(Slot.station, Slot.channel).where(Slot.column_id.in_(ids)).distinct()
    found = session.scalars(
        select(BroadcastChannel)
        .where(tuple_(BroadcastChannel.station, BroadcastChannel.name).in_(pairs))
        .order_by(BroadcastChannel.station, BroadcastChannel.name)
    )
    week = sheets.week_of(day).label
    return [
        (f"{c.station} · {c.name}", url_for("sheets.show", code=c.code, week=week)) for c in found
    ]
