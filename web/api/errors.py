"""Every answer of the API is JSON: refusals and failures too, and none reveals
anything internal. Domain refusals keep the statuses the pages give them
(``web.errors.status_of``): 404 not found, 403 a rule of who may act, 409 a
stale version (``conflict``) or an act the episode's state does not allow
(``illegal_act``), 422 bad input with a message per field, or a refused master
(``error`` is the ``MediaError`` code: ``not_video``, ``incomplete``, …). A refusal
by a rule also names its own code as ``reason`` (``four_eyes``, ``stale_version``, …:
the codes of ``web.refusals``), so a client can say it in its reader's language.

Bad input has three codes: ``invalid_input``, a request that does not fit the
OpenAPI document (``schema.InvalidShape``); ``unknown_reference``, a slug,
username or id that names nothing the caller may use; ``refused_value``, a
well-formed value a rule refuses that no schema can express (a past air-by
date, nothing to change, a producer not of the column, …).
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app, request
from flask.wrappers import Response
from sqlalchemy.exc import SQLAlchemyError
from werkzeug import exceptions as http

from editorial.errors import DomainError, IllegalAct, InvalidInput, NotFound
from media.errors import MediaError
from web.api.blueprint import bp
from web.api.encode import respond
from web.api.schema import InvalidShape, UnknownReference
from web.db import rollback_request
from web.errors import database_failure, status_of

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    500: "internal_error",
    503: "busy",
}


def error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    reason: str | None = None,
    fields: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, object] = {
        "status": status,
        "error": code or CODES.get(status, "error"),
        "message": message,
    }
    if reason is not None:
        body["reason"] = reason
    if fields is not None:
        body["fields"] = dict(fields)
    return respond(body, status, headers)


@bp.errorhandler(DomainError)
def _domain(refusal: DomainError) -> Response:
    status = status_of(refusal)
    code = "illegal_act" if isinstance(refusal, IllegalAct) else None
    if isinstance(refusal, InvalidInput) and not isinstance(refusal, InvalidShape):
        code = "unknown_reference" if isinstance(refusal, UnknownReference) else "refused_value"
    if isinstance(refusal, MediaError):
        code = refusal.code  # 422: the file is refused (not_video, incomplete, …)
    fields = refusal.fields if isinstance(refusal, InvalidInput) else None
    reason = None if isinstance(refusal, NotFound) else refusal.code
    retry = refusal.params.get("retry_after")  # busy for a moment (a build running)
    headers = {"Retry-After": str(retry)} if retry is not None else None
    return error(status, refusal.message, code=code, reason=reason, fields=fields, headers=headers)


@bp.errorhandler(SQLAlchemyError)
def _database(failure: SQLAlchemyError) -> Response:
    """503 ``busy`` (with Retry-After), 409 ``conflict`` or 422: nothing was changed."""
    rollback_request()
    known = database_failure(failure)
    if known is None:
        return _unexpected(failure)
    return error(known.status, API_MESSAGE[known.code], code=known.code, headers=known.headers)


API_MESSAGE = {
    "busy": "the database is busy: nothing was changed; try again after Retry-After seconds",
    "conflict": "someone else changed this at the same moment: nothing was changed; "
    "reload and try again",
    "invalid_input": "a value cannot be stored (a control character, or a number out of range)",
}


@bp.errorhandler(http.HTTPException)
def _http(failure: http.HTTPException) -> Response:
    status = failure.code or 500
    headers = {k: v for k, v in failure.get_headers() if k.lower() != "content-type"}
    return error(status, failure.description or failure.name, headers=headers)


@bp.errorhandler(Exception)
def _unexpected(failure: Exception) -> Response:
    current_app.logger.error(
        "API request %s %s failed", request.method, request.path, exc_info=failure
    )
    rollback_request()
    return error(500, "internal error: the request changed nothing; try again or report it")


@bp.before_app_request
def _unrouted() -> Response | None:
    """An unknown path or method under the API's prefix: JSON, not the pages' HTML."""
    failure = request.routing_exception
    prefix = bp.url_prefix or ""
    under = request.path == prefix or request.path.startswith(prefix + "/")
    if under and isinstance(failure, http.NotFound | http.MethodNotAllowed):
        return _http(failure)
    return None
