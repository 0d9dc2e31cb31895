"""``/api/v1/channels/<code>/asrun``: import the station's as-run log (播后记录) of a channel.

The file is the raw body (CSV or XLSX; its name as ``filename`` or in
Content-Disposition) or the ``file`` part of a multipart form, up to
``TVCOLUMN_ASRUN_MAX_MB`` (10 MB by default; larger: 413 before it is read). The
answer is what the import found (``station.asrun``): confirmed, late, short, missing
and unplanned, with the airings in trouble. The same file again changes nothing
(``already_imported``); a file refused (422, ``reason`` names the problem and the
message its row) stores nothing.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask.wrappers import Response
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.http import parse_options_header

from editorial.workdays import SHANGHAI
from schedule import channels
from station import asrun, asrun_read
from station.asrun import Summary
from web import uploads
from web.api import access, encode
from web.api.blueprint import bp
from web.api.schema import TEXT, Operation, Param, operation
from web.db import request_session

TAKES = (
    "text/csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream",
    "multipart/form-data",
)
CODE = "^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$"  # schedule.channels.CODE

PROBLEM = encode.obj(
    {
        "airing": encode.INTEGER,
        "outcome": {"type": "string", "enum": ["late", "short", "missing"]},
        "title": encode.STRING,
        "column": encode.STRING,
        "slot": encode.STRING,
        "planned": {**encode.MOMENT, "description": "the planned start, local time"},
        "late_s": {**encode.OPT_INTEGER, "description": "seconds after (negative: before)"},
        "short_s": {**encode.OPT_INTEGER, "description": "seconds shorter than planned"},
        "row": {**encode.OPT_INTEGER, "description": "the log's row (null: missing)"},
    }
)
UNPLANNED = encode.obj(
    {
        "row": encode.INTEGER,
        "starts_at": {**encode.MOMENT, "description": "local time"},
        "duration_ms": encode.INTEGER,
        "title": encode.STRING,
        "house_id": encode.STRING,
    }
)
SUMMARY = encode.obj(
    {
        "log": encode.obj(
            {
                "id": encode.INTEGER,
                "channel": encode.STRING,
                "file_name": encode.STRING,
                "format": {"type": "string", "enum": ["csv", "xlsx"]},
                "encoding": {"type": "string", "description": "a CSV's; empty for XLSX"},
                "first_day": encode.DAY,
                "last_day": encode.DAY,
                "rows": encode.INTEGER,
                "imported_at": encode.MOMENT,
            }
        ),
        "already_imported": {
            "type": "boolean",
            "description": "true: this very file was imported before; nothing changed",
        },
        "confirmed": encode.INTEGER,
        "late": encode.INTEGER,
        "short": encode.INTEGER,
        "missing": encode.INTEGER,
        "unplanned": encode.INTEGER,
        "not_aired": {**encode.INTEGER, "description": "rows the playout marks as not aired"},
        "problems": encode.array(PROBLEM),
        "unplanned_rows": {
            **encode.array(UNPLANNED),
            "description": "the first 200 rows matching no planned airing",
        },
        "notified": {**encode.INTEGER, "description": "people told of the problems"},
    },
    "What an as-run log (播后记录) says of the planned airings of its days.",
)


@bp.post("/channels/<code>/asrun")
@uploads.limited("ASRUN_MAX_BYTES")
@operation(
    Operation(
        "Import a channel's as-run log (播后记录) and match it to the schedule",
        tag="schedule",
        description="The body is the file (CSV or XLSX as the playout exports it: date, "
        "start, duration HH:MM:SS[:FF] or seconds, title and/or house id, status), or a "
        "multipart form with the file as `file`. A scheduler of a column airing on the "
        "channel, or an administrator, may. A CSV is UTF-8 unless `encoding` says "
        "gb18030 (gbk): an undeclared GBK file is refused. Each planned airing of the "
        "log's days is confirmed, late, short or missing; rows matching nothing are "
        "unplanned. The same file again answers `already_imported` and changes nothing. "
        "A file that cannot be read (missing columns, an unreadable value, duplicated or "
        "overlapping rows, another channel's log, a corrupt XLSX) is refused with 422, "
        "its `reason` the refusal's code and its message naming the row; nothing is kept.",
        query=(
            Param(
                "filename",
                {"type": "string", "maxLength": 255, "pattern": TEXT},
                "the file's name (or Content-Disposition's, or the form part's)",
            ),
            Param(
                "encoding",
                {"type": "string", "enum": ["utf-8", "gb18030", "gbk"]},
                "a CSV's encoding when it is not UTF-8",
            ),
            Param(
                "tolerance",
                {"type": "integer", "minimum": 0, "maximum": 120},
                "minutes a start may differ from the plan before the airing is late",
                default=asrun.Tolerance.start_s // 60,
            ),
        ),
        upload=TAKES,
        result=SUMMARY,
        errors=(403, 404, 409),
        texts=(
            (
                413,
                "the file is larger than the configured limit (TVCOLUMN_ASRUN_MAX_MB, 10 MB "
                "by default); nothing was read",
            ),
            (
                422,
                "bad input per field (`invalid_input`), or the file is refused "
                "(`refused_value`, `reason` the refusal's code: asrun_columns_missing, "
                "asrun_bad_date, asrun_duplicate_rows, asrun_overlap, asrun_other_channel, "
                "asrun_encoding_undeclared, asrun_xlsx_corrupt, …); nothing was kept",
            ),
        ),
    )
)
def import_asrun(code: str, query: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    channel = channels.get_channel(session, code)
    limit = int(current_app.config["ASRUN_MAX_BYTES"])
    name, data = _file(query["filename"], limit)
    summary = asrun.import_log(
        session,
        person,
        channel,
        name,
        data,
        access.now(),
        encoding=query["encoding"],
        tolerance=asrun.Tolerance(start_s=query["tolerance"] * 60),
        max_bytes=limit,
    )
    return encode.respond(summary_json(summary, channel.code))


def _file(name: str | None, limit: int) -> tuple[str, bytes]:
    """The file's name and bytes, from a form's ``file`` part or the raw body."""
    try:
        if request.mimetype == "multipart/form-data":
            upload = request.files.get("file")
            if not isinstance(upload, FileStorage):
                raise BadRequest("send the as-run log as the form's `file` part")
            return name or upload.filename or "asrun", upload.read(limit + 1)
        if request.mimetype not in TAKES:
            raise UnsupportedMediaType(
                "send the file as the body (text/csv, application/vnd.openxmlformats-"
                "officedocument.spreadsheetml.sheet or application/octet-stream) or as the "
                "`file` part of a multipart form"
            )
        return name or _disposition_name() or "asrun", request.get_data(cache=False)
    except RequestEntityTooLarge:
        raise RequestEntityTooLarge(
            f"the file is larger than the limit of {asrun_read.megabytes(limit)} MB "
            "(TVCOLUMN_ASRUN_MAX_MB); nothing was read"
        ) from None


def _disposition_name() -> str | None:
    header = request.headers.get("Content-Disposition")
    if not header:
        return None
    _, options = parse_options_header(header)
    found = options.get("filename")
    return found[:255] if found else None


def summary_json(summary: Summary, channel: str) -> dict[str, Any]:
    log = summary.log
    return {
        "log": {
            "id": log.id,
            "channel": channel,
            "file_name": log.file_name,
            "format": log.file_format,
            "encoding": log.encoding,
            "first_day": log.first_day.isoformat(),
            "last_day": log.last_day.isoformat(),
            "rows": log.rows,
            "imported_at": encode.moment(log.imported_at),
        },
        "already_imported": summary.already_imported,
        "confirmed": summary.confirmed,
        "late": summary.late,
        "short": summary.short,
        "missing": summary.missing,
        "unplanned": summary.unplanned,
        "not_aired": summary.not_aired,
        "problems": [
            {
                "airing": p.airing_id,
                "outcome": p.outcome.value,
                "title": p.title,
                "column": p.column,
                "slot": p.slot,
                "planned": p.planned.astimezone(SHANGHAI).isoformat(),
                "late_s": p.late_s,
                "short_s": p.short_s,
                "row": p.row,
            }
            for p in summary.problems
        ],
        "unplanned_rows": [
            {
                "row": e.row,
                "starts_at": e.starts_at.astimezone(SHANGHAI).isoformat(),
                "duration_ms": e.duration_ms,
                "title": e.title,
                "house_id": e.house_id,
            }
            for e in summary.unplanned_rows
        ],
        "notified": summary.notified,
    }
