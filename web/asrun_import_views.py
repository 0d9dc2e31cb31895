"""Importing the station's as-run log (播后记录) on the web: a scheduler (编排) or admin
uploads a channel's log (CSV or XLSX, with its encoding when it is GBK) and sees what
it says of the planned airings (``station.asrun``). Reached from the schedule report.

The request may be as large as ``TVCOLUMN_ASRUN_MAX_MB`` (``web.uploads.limited``);
a larger one is refused (413) before it is read. A refused file is shown with its
row and problem, and nothing of it is stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from flask import Blueprint, current_app, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from editorial.errors import Forbidden, InvalidInput, NotFound
from schedule import channels
from station import asrun, asrun_read
from station.asrun import Summary
from web import errors, refusals, uploads
from web.auth import current_person
from web.db import request_session

bp = Blueprint("asrun_import", __name__, url_prefix="/schedule/asrun/import")

OUTCOME = {
    "confirmed": _l("已确认播出"),
    "late": _l("迟播"),
    "short": _l("时长不足"),
    "missing": _l("漏播"),
}
ENCODINGS = {"": _l("自动（UTF-8）"), "gb18030": _l("GBK/GB18030")}


def _now() -> datetime:
    return datetime.now(UTC)


def _limit_mb() -> str:
    return asrun_read.megabytes(int(current_app.config["ASRUN_MAX_BYTES"]))


def _page(
    summary: Summary | None = None,
    error: str = "",
    status: int = 200,
    form: Mapping[str, str] | None = None,
) -> tuple[str, int]:
    session = request_session()
    form = request.form if form is None else form
    return (
        render_template(
            "schedule/asrun_import.html",
            channels=asrun.importable_channels(session, current_person()),
            chosen=form.get("channel", request.args.get("channel", "")),
            encoding=form.get("encoding", ""),
            tolerance=form.get("tolerance", str(asrun.Tolerance.start_s // 60)),
            ENCODINGS=ENCODINGS,
            OUTCOME=OUTCOME,
            summary=summary,
            error=error,
            limit_mb=_limit_mb(),
        ),
        status,
    )


@bp.get("/")
@login_required
def form() -> tuple[str, int]:
    """The upload form."""
    return _page()


@bp.post("/")
@login_required
@uploads.limited("ASRUN_MAX_BYTES")
def upload() -> tuple[str, int]:
    """Import the uploaded log and show what it says, or why it was refused."""
    session = request_session()
    upload = request.files.get("file")
    limit = int(current_app.config["ASRUN_MAX_BYTES"])
    try:
        channel = channels.get_channel(session, request.form.get("channel", ""))
        tolerance = _tolerance(request.form.get("tolerance", ""))
        if not isinstance(upload, FileStorage) or not upload.filename:
            raise InvalidInput("choose a file", {"file": "required"}, code="asrun_no_file")
        summary = asrun.import_log(
            session,
            current_person(),
            channel,
            upload.filename,
            upload.read(limit + 1),
            _now(),
            encoding=request.form.get("encoding") or None,
            tolerance=tolerance,
            max_bytes=limit,
        )
    except (InvalidInput, Forbidden, NotFound) as refusal:
        session.rollback()
        return _page(error=errors.describe(refusal), status=errors.status_of(refusal))
    return _page(summary)


def _tolerance(text: str) -> asrun.Tolerance:
    try:
        minutes = float(text) if text.strip() else asrun.Tolerance.start_s / 60
    except ValueError:
        minutes = -1
    if not 0 <= minutes <= 120:
        raise InvalidInput(
            f"the tolerance is 0 to 120 minutes, not {text!r}",
            {"tolerance": "out of range"},
            code="asrun_tolerance",
            value=text[:20],
        )
    return asrun.Tolerance(start_s=round(minutes * 60))


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    message = refusals.said("asrun_upload_too_large", limit=_limit_mb())
    return _page(error=message, status=413, form={})  # the form was not read
