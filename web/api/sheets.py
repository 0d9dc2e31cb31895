"""``/api/v1/schedule/sheets/<code>/<week>``: the broadcast order sheet (播出单) of a channel
and ISO week as JSON, and issuing it (``station.sheets``).

Any caller may read a sheet (the schedule is as public as its feeds); issuing is for a
scheduler of the sheet's columns (of every column on a channel's sheet) or an
administrator.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.wrappers import Response
from sqlalchemy import select

from editorial.errors import NotFound
from editorial.models import Column
from schedule.channels import get_channel
from station import sheets
from station.models import IssuedSheet
from station.sheets import Change, Kind, Remark, Sheet, SheetRow
from web.api import access, encode
from web.api.blueprint import bp
from web.api.schema import SLUG, Operation, Param, operation
from web.config import media_settings
from web.db import request_session

ROW = encode.obj(
    {
        "airing": encode.INTEGER,
        "episode": encode.INTEGER,
        "date": encode.DAY,
        "start": {"type": "string", "description": "local start, HH:MM:SS (Asia/Shanghai)"},
        "frames": {"type": "integer", "description": "duration in frames at 25 fps"},
        "duration": {"type": "string", "description": "duration as HH:MM:SS:FF (25 fps)"},
        "measured": {
            "type": "boolean",
            "description": "the duration is the packaged master's (else the planned length)",
        },
        "title": encode.STRING,
        "series": {"type": "string", "description": "the series' title, empty if none"},
        "part_number": encode.OPT_INTEGER,
        "part": {"type": "string", "description": "连续报道（三）《series》, empty if none"},
        "kind": {"type": "string", "enum": [k.value for k in Kind]},
        "column": encode.STRING,
        "content_id": encode.STRING,
        "file_name": {
            "type": "string",
            "description": "the packaged master's name in the delivery; empty when none",
        },
        "qc": {"type": "string", "enum": ["passed", "failed", "unchecked"]},
        "remarks": encode.array(
            encode.obj(
                {
                    "code": {"type": "string", "enum": [r.value for r in Remark]},
                    "day": encode.OPT_DAY,
                    "why": encode.STRING,
                    "text": {"type": "string", "description": "the remark in Chinese"},
                }
            )
        ),
    }
)
VERSION = encode.obj(
    {
        "number": encode.INTEGER,
        "issued_by": encode.obj({"username": encode.STRING, "name": encode.STRING}),
        "issued_at": encode.MOMENT,
        "digest": encode.STRING,
        "rows": encode.INTEGER,
    }
)
CHANGE = encode.obj(
    {
        "change": {"type": "string", "enum": ["added", "removed", "changed"]},
        "airing": encode.INTEGER,
        "fields": encode.array(encode.STRING),
        "before": encode.nullable(ROW),
        "after": encode.nullable(ROW),
    }
)
SHEET = encode.obj(
    {
        "channel": encode.obj(
            {"code": encode.STRING, "station": encode.STRING, "name": encode.STRING}
        ),
        "week": encode.STRING,
        "first": encode.DAY,
        "last": encode.DAY,
        "column": encode.OPT_STRING,
        "digest": encode.STRING,
        "outdated": {
            "type": "boolean",
            "description": "issued, and the airings changed since the latest version",
        },
        "rows": encode.array(ROW),
        "latest": encode.nullable(VERSION),
        "versions": encode.array(VERSION),
        "changes": encode.array(CHANGE),
    },
    "A channel's broadcast order sheet (播出单) for an ISO week as the schedule stands now: "
    "its rows in time order, its issued versions (newest first) and, when outdated, the "
    "changes against the latest version.",
)
COLUMN = Param(
    "column",
    {"type": "string", "maxLength": 40, "pattern": SLUG},
    "only this column's airings (its slug); default: the whole channel. No such column: 404",
)


def _row(row: SheetRow) -> dict[str, Any]:
    data = row.as_json()
    data.update(duration=row.duration, part=row.part)
    for note, shown in zip(row.remarks, data["remarks"], strict=True):
        shown["text"] = note.words()
    return data


def _version(v: IssuedSheet) -> dict[str, Any]:
    return {
        "number": v.number,
        "issued_by": {"username": v.issued_by.username, "name": v.issued_by.display_name},
        "issued_at": encode.moment(v.issued_at),
        "digest": v.digest,
        "rows": len(v.rows),
    }


def _change(c: Change) -> dict[str, Any]:
    return {
        "change": c.what,
        "airing": c.row.airing_id,
        "fields": list(c.fields),
        "before": _row(c.before) if c.before else None,
        "after": _row(c.after) if c.after else None,
    }


def _encode(sheet: Sheet) -> dict[str, Any]:
    return {
        "channel": {
            "code": sheet.channel.code,
            "station": sheet.channel.station,
            "name": sheet.channel.name,
        },
        "week": sheet.week.label,
        "first": sheet.week.monday.isoformat(),
        "last": sheet.week.sunday.isoformat(),
        "column": sheet.column.slug if sheet.column is not None else None,
        "digest": sheet.digest,
        "outdated": sheet.outdated,
        "rows": [_row(r) for r in sheet.rows],
        "latest": _version(sheet.latest) if sheet.latest is not None else None,
        "versions": [_version(v) for v in sheet.versions],
        "changes": [_change(c) for c in sheet.changes],
    }


def _sheet(code: str, week: str, slug: str | None) -> Sheet:
    session = request_session()
    channel = get_channel(session, code)
    found = sheets.parse_week(week)
    column = None
    if slug:
        column = session.scalar(select(Column).where(Column.slug == slug))
        if column is None:
            raise NotFound(f"no column {slug!r}")
    return sheets.build_sheet(
        session, channel, found, column, media_settings(current_app.config).root
    )


@bp.get("/schedule/sheets/<code>/<week>")
@operation(
    Operation(
        "A channel's broadcast order sheet (播出单) for an ISO week",
        tag="schedule",
        description="Rows of the week's live airings (Monday to Sunday, Asia/Shanghai) with "
        "the duration to the frame, kind, packaged master's file name, content id, QC "
        "state and remarks; the issued versions; `outdated` and the `changes` against the "
        "latest version. A week not like 2026-W50: 422 `refused_value`.",
        query=(COLUMN,),
        result=SHEET,
        errors=(404,),
    )
)
def sheet(code: str, week: str, query: dict[str, Any]) -> Response:
    return encode.respond(_encode(_sheet(code, week, query["column"])))


@bp.post("/schedule/sheets/<code>/<week>/issue")
@operation(
    Operation(
        "Issue the order sheet (签发): its next version",
        tag="schedule",
        description="For a scheduler of the sheet's columns (of every column airing on the "
        "channel that week) or an administrator (403 `not_sheet_scheduler`). The answer is "
        "the sheet with the new version as its latest. A week without airings (422 "
        "`sheet_empty`) or a sheet unchanged since its latest version (422 "
        "`sheet_unchanged`) is refused; two callers issuing at once: one wins, the other "
        "gets 409 `sheet_issued_meanwhile`.",
        query=(COLUMN,),
        ok=201,
        result=SHEET,
        errors=(403, 404, 409),
    )
)
def issue_sheet(code: str, week: str, query: dict[str, Any]) -> Response:
    session = request_session()
    found = _sheet(code, week, query["column"])
    sheets.issue(
        session,
        access.caller(),
        found.channel,
        found.week,
        found.column,
        access.now(),
        media_root=media_settings(current_app.config).root,
    )
    return encode.respond(_encode(_sheet(code, week, query["column"])), 201)
