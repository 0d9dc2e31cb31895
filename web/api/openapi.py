"""``/api/v1/openapi.json``: the OpenAPI 3.1 document of the API.

Built from the application's registered routes and each view's
``@operation`` (``web.api.schema``), whose declarations are also what the
views parse requests with: a route without a description makes building the
document fail, and the document describes no route that is not registered.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app
from flask.wrappers import Response

from web.api import encode
from web.api.access import MAX_ID
from web.api.blueprint import bp
from web.api.schema import Operation, Param, Schema, operation

PATH_ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
CONVERTERS: dict[str, Schema] = {
    "int": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    "default": {"type": "string"},
    "string": {"type": "string"},
}
PATH_ARGUMENTS = {
    "episode_id": "id of an episode of one of the caller's columns",
    "notification_id": "id of one of the caller's notifications",
    "series_id": "id of a series of one of the caller's columns",
    "code": "a channel's code (频道代码, as in its XMLTV guide's address)",
}
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    400: "the body is not valid JSON",
    401: "no Bearer token, or not a live one (`error`: unauthorized)",
    403: "a rule says the caller may not: role, responsible producer, four eyes (`forbidden`)",
    404: "nothing of that id among what the caller may see (`not_found`)",
    409: "someone acted first: stale version (`conflict`, the message says who and when; "
    "also when a concurrent writer won at the same moment); or the episode's state does "
    "not allow the act (`illegal_act`)",
    413: "the body is larger than 256 KB",
    415: "the body is not JSON (Content-Type: application/json)",
    422: "bad input, `fields` says what is wrong with each field. `invalid_input`: the "
    "request does not fit this document. Input that fits it may still be refused for what "
    "only the server knows: `unknown_reference`, a column slug, username or series id that "
    "names nothing you may use; `refused_value`, a value a rule refuses (an air-by date "
    "already past, nothing to change, a producer not of the column, a series part taken, …)",
    500: "an internal error; the request changed nothing (`internal_error`)",
    503: "the database is busy (another writer holds it, or it is restarting): nothing was "
    "changed; try again after the seconds in `Retry-After` (`busy`)",
}
# An upload's statuses where they differ (Operation.upload).
UPLOAD_STATUS_TEXT = {
    413: "the file is larger than the configured limit (TVCOLUMN_MEDIA_MAX_GIB, 20 GiB by "
    "default); nothing was kept",
    415: "the body's Content-Type is not one this operation takes",
    422: "bad input per field (`invalid_input`: the request does not fit this document), "
    "or the file is refused: `error` is the refusal's code (not_video, incomplete, empty, "
    "audio_only, …) and nothing was kept",
}
TAGS = [
    ("episodes", "Episodes (节目) of the caller's columns"),
    ("workflow", "Acts of the editorial workflow (节目统筹管理) and their history"),
    ("comments", "Comments on episodes"),
    ("media", "Masters of episodes (成片), their QC and review material"),
    ("schedule", "The air schedule (播出编排)"),
    ("series", "Series (连续报道) of the caller's columns and the order of their parts"),
    ("feeds", "iCalendar feeds (日历订阅)"),
    ("notifications", "The caller's notifications (通知)"),
    ("meta", "This document"),
]
DESCRIPTION = """\
The editorial workflow and air schedule of 《时代风采》 and its county sister columns.

* Authentication: a personal API token as `Authorization: Bearer <token>`, issued with
  `tvcolumn users token USER --label L` or on the account page. A page's session cookie
  never authenticates an API request.
* Every answer is JSON in UTF-8, refusals and errors too: `{"status", "error", "message"}`,
  and `fields` (per field, what is wrong) with 422. A refusal by a rule also carries
  `reason`, its own code (`four_eyes`, `stale_version`, …), to say it in your own words.
* Moments are ISO 8601 in UTC with their offset; `…_local` twins give the same moment in
  Asia/Shanghai. Days are `YYYY-MM-DD`, local.
* Acts and edits carry the episode `version` the caller saw: when someone acted first the
  answer is 409 and nothing changes.
* An episode of a column the caller holds no role in is answered 404, like one that does
  not exist.
"""


class Undescribed(Exception):
    """A route of the API without an ``@operation``, or two descriptions of one method."""


def document(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    prefix = bp.name + "."
    under = (bp.url_prefix or "") + "/"
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if not (rule.endpoint.startswith(prefix) or rule.rule.startswith(under)):
            continue
        op = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        if not isinstance(op, Operation):
            raise Undescribed(f"{rule.rule} ({rule.endpoint}) has no @operation")
        path, arguments = _path(rule.rule)
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for method in methods:
            described = paths.setdefault(path, {})
            if method.lower() in described:
                raise Undescribed(f"{method} {rule.rule} is routed twice")
            name = rule.endpoint.removeprefix(prefix).replace(".", "_")
            if len(methods) > 1:
                name += "_" + method.lower()
            described[method.lower()] = _operation(op, name, arguments)
    return {
        "openapi": "3.1.0",
        "info": {"title": "tvcolumn API", "version": "1.0.0", "description": DESCRIPTION},
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": encode.COMPONENTS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "a personal API token (`tvcolumn users token`)",
                }
            },
        },
    }


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """A Werkzeug rule as an OpenAPI path, with its path parameters."""
    arguments = [
        {
            "name": found["name"],
            "in": "path",
            "required": True,
            "description": PATH_ARGUMENTS.get(found["name"], found["name"]),
            "schema": CONVERTERS[found["converter"] or "default"],
        }
        for found in PATH_ARGUMENT.finditer(rule)
    ]
    return PATH_ARGUMENT.sub(lambda m: "{" + m["name"] + "}", rule), arguments


def _operation(op: Operation, name: str, arguments: list[dict[str, Any]]) -> dict[str, Any]:
    described: dict[str, Any] = {"operationId": name, "summary": op.summary, "tags": [op.tag]}
    if op.description:
        described["description"] = op.description
    parameters = arguments + [_query(p) for p in op.query]
    if parameters:
        described["parameters"] = parameters
    if op.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    if op.upload:
        described["requestBody"] = {
            "required": True,
            "description": "the file's bytes, as they are",
            "content": {kind: {"schema": {"contentMediaType": kind}} for kind in op.upload},
        }
    if op.public:
        described["security"] = []
    described["responses"] = {str(status): _response(op, status) for status in op.statuses}
    return described


def _query(param: Param) -> dict[str, Any]:
    schema: Schema = {"type": "array", "items": param.schema} if param.repeat else param.schema
    if param.default is not None:
        schema = {**schema, "default": param.default}
    described: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": param.description,
        "schema": schema,
    }
    if param.repeat:
        described |= {"style": "form", "explode": True}
    return described


def _response(op: Operation, status: int) -> dict[str, Any]:
    schema = op.result if status == op.ok else encode.ref("Error")
    texts = UPLOAD_STATUS_TEXT if op.upload else {}
    described: dict[str, Any] = {"description": texts.get(status, STATUS_TEXT[status])}
    if schema is not None:
        described["content"] = {"application/json": {"schema": schema}}
    return described


@bp.get("/openapi.json")
@operation(
    Operation(
        "This document (OpenAPI 3.1)",
        tag="meta",
        description="Public: it needs no token.",
        public=True,
        result={"type": "object"},
    )
)
def openapi() -> Response:
    return encode.respond(document(current_app))
