"""``/api/v1/series``: the series (连续报道) of the caller's columns; create, edit and
reorder them (the column's producers and admins).

Views stay thin: check the request's shape, look up what it names, call one service
(``editorial.series``, ``schedule.series``), answer.
"""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from editorial import series as series_service
from editorial.errors import InvalidInput, NotFound
from editorial.models import Column, Person, Series
from editorial.permissions import roles_in
from schedule import series as series_schedule
from web.api import access, encode
from web.api.blueprint import bp
from web.api.episodes import ID, SLUG_VALUE, _column_ids
from web.api.schema import NON_BLANK, Operation, Param, UnknownReference, operation
from web.db import request_session

FIELDS: dict[str, Any] = {
    "title": {
        "type": "string",
        "minLength": 1,
        "maxLength": series_service.MAX_TITLE,
        "pattern": NON_BLANK,
        "description": "1 to 200 characters, not only white space (trimmed)",
    },
    "parts": {
        "type": "integer",
        "minimum": 2,
        "maximum": series_service.MAX_PARTS,
        "description": "how many parts; never fewer than the highest part proposed (else "
        "422 `refused_value`)",
    },
    "start_by": {
        "type": "string",
        "format": "date",
        "description": "the local day (Asia/Shanghai) its first part airs by; a day already "
        "past is refused with 422 `refused_value` (unless an edit leaves it as it was)",
    },
    "relay": {
        "type": "boolean",
        "description": "county columns relay it (转播): a county airing over one of its parts "
        "is reported as a clash",
    },
}
CREATE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["column", "title", "parts", "start_by"],
    "properties": {
        "column": {
            **SLUG_VALUE,
            "description": "the slug of a column the caller is a producer or admin of; one "
            "the caller holds no role in is refused with 422 `unknown_reference`",
        },
        **FIELDS,
    },
}
EDIT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version"],
    "properties": {"version": {**ID, "description": "the series version you saw"}, **FIELDS},
}
ORDER: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "parts"],
    "properties": {
        "version": {**ID, "description": "the series version you saw"},
        "parts": {
            "type": "array",
            "maxItems": 1000,
            "description": "every episode of the series with its new part number",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["episode", "part"],
                "properties": {
                    "episode": {**ID, "description": "an episode of the series"},
                    "part": {**ID, "description": "its new part number"},
                },
            },
        },
    },
}


def _visible(session: Session, person: Person, series_id: int) -> Series:
    found = session.get(Series, series_id) if 0 < series_id <= access.MAX_ID else None
    if found is None or not roles_in(session, person, found.column_id):
        raise NotFound(f"no series {series_id}")
    return found


def _detail(session: Session, series: Series) -> Response:
    parts = series_schedule.series_parts(session, series, access.now())
    return encode.respond(encode.series_detail(series, parts))


@bp.get("/series")
@operation(
    Operation(
        "List the series (连续报道) of the caller's columns",
        tag="series",
        description="Soonest start-by date first.",
        query=(
            Param(
                "column",
                SLUG_VALUE,
                "a column's slug (repeat for several); default: all the caller's columns. "
                "A column the caller holds no role in: 422 `unknown_reference`",
                repeat=True,
            ),
        ),
        result=encode.ref("SeriesList"),
    )
)
def list_series(query: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    ids = list(session.scalars(_column_ids(session, person, query["column"])))
    found = series_service.column_series(session, ids)
    return encode.respond({"items": [encode.series(s) for s in found]})


@bp.post("/series")
@operation(
    Operation(
        "Plan a series (连续报道)",
        tag="series",
        description="A producer or admin of the column. The parts are proposed as episodes "
        "with `series` and `part_number` (POST /episodes).",
        body=CREATE,
        ok=201,
        result=encode.ref("SeriesDetail"),
        errors=(403,),
    )
)
def create_series(body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    column = session.scalar(
        select(Column).where(
            Column.slug == body["column"], Column.id.in_(access.my_column_ids(person))
        )
    )
    if column is None:
        raise UnknownReference(
            f"no column {body['column']!r} among the columns you hold a role in",
            {"column": "not one of your columns"},
            code="unknown_column",
        )
    created = series_service.create_series(
        session,
        person,
        column,
        access.now(),
        series_service.SeriesSpec(
            title=body["title"],
            parts=body["parts"],
            start_by=body["start_by"],
            relay=body.get("relay", False),
        ),
    )
    response = _detail(session, created)
    response.status_code = 201
    response.headers["Location"] = url_for("api.show_series", series_id=created.id)
    return response


@bp.get("/series/<int:series_id>")
@operation(
    Operation(
        "Show a series: each part's episode, state and next planned airing",
        tag="series",
        result=encode.ref("SeriesDetail"),
        errors=(404,),
    )
)
def show_series(series_id: int) -> Response:
    session = request_session()
    return _detail(session, _visible(session, access.caller(), series_id))


@bp.patch("/series/<int:series_id>")
@operation(
    Operation(
        "Edit a series (title, parts, start-by date, relay)",
        tag="series",
        description="A producer or admin of its column. Send the fields to change with the "
        "version you saw; a stale version is refused with 409.",
        body=EDIT,
        result=encode.ref("SeriesDetail"),
        errors=(403, 404, 409),
    )
)
def edit_series(series_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    found = _visible(session, person, series_id)
    spec = series_service.SeriesSpec(
        title=body.get("title", found.title),
        parts=body.get("parts", found.parts),
        start_by=body.get("start_by", found.start_by),
        relay=body.get("relay", found.relay),
    )
    series_service.edit_series(session, person, found, body["version"], access.now(), spec)
    return _detail(session, found)


@bp.post("/series/<int:series_id>/order")
@operation(
    Operation(
        "Reorder the parts of a series, before any has aired",
        tag="series",
        description="A producer or admin of its column gives every episode of the series its "
        "new part number. Once a part has aired: 409 `illegal_act` (reason "
        "`series_part_aired`). Each renumbered episode's history records it.",
        body=ORDER,
        result=encode.ref("SeriesDetail"),
        errors=(403, 404, 409),
    )
)
def reorder_series(series_id: int, body: dict[str, Any]) -> Response:
    session = request_session()
    person = access.caller()
    found = _visible(session, person, series_id)
    order = {item["episode"]: item["part"] for item in body["parts"]}
    if len(order) != len(body["parts"]):
        raise InvalidInput(
            "name each episode of the series once",
            {"parts": "an episode is named twice"},
            code="series_order_incomplete",
        )
    series_schedule.reorder_parts(session, person, found, body["version"], access.now(), order)
    return _detail(session, found)
