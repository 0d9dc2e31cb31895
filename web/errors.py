"""Error pages that reveal nothing internal."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

from editorial.errors import Conflict, DomainError, Forbidden, IllegalAct, InvalidInput, NotFound

STATUS = {NotFound: 404, Forbidden: 403, Conflict: 409, IllegalAct: 409, InvalidInput: 422}


def status_of(error: DomainError) -> int:
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return 400


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> tuple[str, int]:
        status = status_of(error)
        return render_template("error.html", status=status, message=error.message), status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int]:
        status = error.code or 500
        return render_template("error.html", status=status, message=error.name), status
