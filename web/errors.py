"""Error pages that reveal nothing internal, and domain refusals in the reader's language.

A refusal is said by its code (``web.refusals``): what happened and what to do, with
its particulars; a field of an ``InvalidInput`` by its own code. Where the catalog has
no sentence, the page shows the headline of the refusal's kind, never the domain's
English; a ``NotFound`` always shows its headline (it must not tell whether something
exists).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, current_app, render_template, request
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from editorial.db import Failure, classify
from editorial.errors import Conflict, DomainError, Forbidden, IllegalAct, InvalidInput, NotFound
from media.errors import MediaError
from web import refusals
from web.db import rollback_request
from web.i18n import select_locale

STATUS = {
    NotFound: 404,
    Forbidden: 403,
    Conflict: 409,
    IllegalAct: 409,
    InvalidInput: 422,
    MediaError: 422,
}

HEADLINE = {
    NotFound: _l("未找到：内容不存在，或您无权查看"),
    Forbidden: _l("您无权执行此操作"),
    Conflict: _l("其他人已先一步操作，请刷新后再试"),
    IllegalAct: _l("节目当前的状态不允许此操作"),
    InvalidInput: _l("填写的内容有误，请修改后重新提交"),
    MediaError: _l("处理文件时出错，请重新导出成片后再试"),
}

HTTP_HEADLINE = {
    400: _l("请求无效"),
    401: _l("请先登录"),
    403: _l("您无权访问此页面"),
    404: _l("未找到该页面"),
    405: _l("不支持此请求方法"),
    409: _l("其他人已先一步操作，请刷新后再试"),
    413: _l("提交的内容过大"),
    422: _l("填写的内容有误"),
    429: _l("请求过于频繁，请稍后再试"),
}
SERVER_ERROR = _l("服务器出错了，请稍后再试")
BUSY = _l("系统正忙，您这次的操作没有保存。请稍等几秒后返回上一页重新提交。")
UNSTORABLE = _l("填写的内容有误：含有无法保存的字符，或数值超出范围")
# Seconds a client is asked to wait when the database is busy (503 Retry-After).
RETRY_AFTER_S = 2

CSRF_REFUSED = _l("表单已失效（安全令牌缺失或过期），请刷新页面后重新提交")


def status_of(error: DomainError) -> int:
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return 400


def headline(error: DomainError) -> str:
    """The headline of the refusal's kind, in the reader's language."""
    for cls, text in HEADLINE.items():
        if isinstance(error, cls):
            return str(text)
    return str(HTTP_HEADLINE[400])


def describe(error: DomainError) -> str:
    """One line for a page: the refusal's own sentence (``web.refusals``), or each field's
    of an ``InvalidInput``; the headline of its kind where the catalog has none, and always
    for a ``NotFound``. Never the domain's English."""
    if isinstance(error, NotFound):
        return headline(error)
    if isinstance(error, InvalidInput) and error.fields:
        return "；".join(dict.fromkeys(field_errors(error).values()))
    return refusals.say(error) or headline(error)


def field_errors(error: InvalidInput) -> dict[str, str]:
    """Each field's refusal in the reader's language; the headline where its code has none."""
    return {name: said or headline(error) for name, said in refusals.say_fields(error).items()}


# --- database failures -----------------------------------------------------------------------


@dataclass(frozen=True)
class DatabaseFailure:
    """How a request that failed in the database is answered (pages and API alike)."""

    status: int
    code: str
    message: str
    headers: Mapping[str, str]


def database_failure(error: SQLAlchemyError) -> DatabaseFailure | None:
    """503 when the database is busy, 409 when a concurrent writer won, 422 for a value the
    database cannot hold; None for anything else (a bug: 500)."""
    match classify(error):
        case Failure.BUSY:
            retry = {"Retry-After": str(RETRY_AFTER_S)}
            return DatabaseFailure(503, "busy", str(BUSY), retry)
        case Failure.CONFLICT:
            return DatabaseFailure(409, "conflict", str(HEADLINE[Conflict]), {})
        case Failure.INVALID:
            return DatabaseFailure(422, "invalid_input", str(UNSTORABLE), {})
    return None


# --- handlers --------------------------------------------------------------------------------


def error_page(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """The error page, after the request's work is rolled back.

    When the full page cannot be drawn (its header reads the database, which
    may be down), a page that needs nothing but the message.
    """
    rollback_request()
    html = None
    try:
        html = render_template("error.html", status=status, message=message)
    except Exception:
        current_app.logger.exception("the error page for %s failed", request.path)
        rollback_request()
    if html is None:  # drawn without the context processors: they read the signed-in person
        template = current_app.jinja_env.get_template("error_plain.html")
        html = template.render(status=status, message=message, language=select_locale())
    return Response(html, status, headers=dict(headers or {}), mimetype="text/html")


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        return error_page(status_of(error), describe(error))

    @app.errorhandler(SQLAlchemyError)
    def _database(error: SQLAlchemyError) -> Response:
        failure = database_failure(error)
        if failure is None:
            current_app.logger.error("%s %s failed", request.method, request.path, exc_info=error)
            return error_page(500, str(SERVER_ERROR))
        return error_page(failure.status, failure.message, failure.headers)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        if isinstance(error, CSRFError):
            message = str(CSRF_REFUSED)
        else:
            message = str(HTTP_HEADLINE.get(status, SERVER_ERROR if status >= 500 else error.name))
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        return error_page(status, message, headers)
