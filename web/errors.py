"""Error pages that reveal nothing internal, and domain refusals in Chinese.

A refusal's headline is Chinese, chosen by its type; the domain's own English
message follows as the detail where it helps the reader (who, which rule),
never for a ``NotFound`` (it must not tell whether something exists). Field
errors of ``InvalidInput`` are translated field by field for forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Flask, current_app, render_template, request
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from editorial.db import Failure, classify
from editorial.errors import Conflict, DomainError, Forbidden, IllegalAct, InvalidInput, NotFound
from editorial.workflow import MAX_QC_OVERRIDE
from media.errors import MediaError
from web import labels, refusals
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

# A refused master or media job (``MediaError.code``): what happened and what to do, in Chinese.
MEDIA_REFUSAL = {
    "not_found": _l("找不到这个文件，请重新上传"),
    "not_file": _l("所选的不是文件（可能是文件夹），请选择成片文件本身"),
    "empty": _l("文件是空的（0 字节），请重新导出或复制成片后上传"),
    "outside": _l("只能从允许的文件夹添加媒体，请改用页面上传"),
    "too_large": _l("文件超过了允许的大小上限，请按播出技术要求重新导出后上传"),
    "incomplete": _l("文件不完整（复制或导出被中断），请重新导出后上传"),
    "not_video": _l("这不是可读取的视频文件，请上传成片（如 MP4、MOV、MXF、TS）"),
    "audio_only": _l("文件只有声音、没有画面，请上传带画面的成片"),
    "no_audio": _l("成片没有声音，无法测量响度，请导出带声音的成片"),
    "timeout": _l("检查或处理文件用时过长，已经停止。请稍后重试，或确认文件没有损坏"),
    "failed": _l("处理文件时出错，请重新导出成片后再试"),
    "no_font": _l("服务器缺少能显示中文的字体，暂时无法生成，请联系系统管理员"),
    "no_packaging": _l("本栏目还没有片头片尾，请栏目管理员先添加，再做栏目包装"),
    "not_failed": _l("这项工作没有失败，无需重试"),
    "not_current": _l("这项工作针对的是旧的媒体版本，请对当前版本操作"),
    "retried": _l("这项工作已经重试过了，请看最新一次的进度"),
}
CSRF_REFUSED = _l("表单已失效（安全令牌缺失或过期），请刷新页面后重新提交")


def status_of(error: DomainError) -> int:
    for cls, status in STATUS.items():
        if isinstance(error, cls):
            return status
    return 400


def headline(error: DomainError) -> str:
    if isinstance(error, MediaError):
        return str(MEDIA_REFUSAL[error.code])
    for cls, text in HEADLINE.items():
        if isinstance(error, cls):
            return str(text)
    return str(HTTP_HEADLINE[400])


def detail(error: DomainError) -> str | None:
    """The domain's English message, where it helps; never for NotFound."""
    if isinstance(error, NotFound):
        return None
    if isinstance(error, InvalidInput) and error.fields:
        return None  # the form shows each field's message in Chinese
    return error.message


def describe(error: DomainError) -> str:
    """One line for a page: the refusal's own sentence (``web.refusals``) where its code has
    one; else the Chinese headline, then the English detail where useful."""
    sentence = refusals.say(error)
    if sentence is not None:
        return sentence
    if isinstance(error, InvalidInput):
        if error.fields:
            return f"{headline(error)}：{'；'.join(field_errors(error).values())}"
        known = _whole_message(error.message)
        if known:
            return known
    more = detail(error)
    return f"{headline(error)}（{more}）" if more else headline(error)


# --- InvalidInput, field by field ------------------------------------------------------------


def _checklist(english: str) -> str:
    names = [labels.CHECKLIST.get(n.strip()) for n in english.split(",")]
    missing = "、".join(str(n) for n in names if n is not None)
    if not missing:
        return str(_l("签审须逐项确认审看清单的全部五项"))
    return str(_l("签审须逐项确认审看清单的全部五项，未确认：%(items)s", items=missing))


def _title(english: str) -> str:
    if "at most" in english:
        return str(_l("标题最多 200 个字符"))
    return str(_l("请填写标题"))


def _air_by(english: str) -> str:
    found = re.search(r"\d{4}-\d{2}-\d{2}", english)
    day = found.group(0) if found else ""
    return str(_l("最迟播出日期 %(day)s 已经过去", day=day))


def _responsible_producer(english: str) -> str:
    if "four eyes" in english:
        return str(_l("不能指定自己为负责制片人：选题须由另一位制片人审批"))
    return str(_l("所选人员不是该栏目在职的制片人"))


def _to(english: str) -> str:
    if english == "same":
        return str(_l("此人已是负责制片人"))
    if english == "the editor-director":
        return str(_l("此人是本期节目的编导，不能担任负责制片人"))
    return str(_l("此人不是该栏目在职的制片人"))


def _offered(english: str) -> str:
    if english == "already offered":
        return str(_l("节目已提供交流"))
    return str(_l("节目尚未提供交流"))


def _qc_override(english: str) -> str:
    if english.startswith("not needed"):
        return str(_l("当前成片技术质检没有未通过，无须说明质检理由"))
    if english.startswith("at most"):
        return str(_l("质检未通过的签审理由最多 %(max)s 个字符", max=MAX_QC_OVERRIDE))
    return str(_l("当前成片技术质检未通过：确认“技术质量”须说明理由"))


FIELD_MESSAGE: dict[str, Callable[[str], str]] = {
    "title": _title,
    "target_duration_s": lambda _e: str(_l("目标时长须为 1 至 240 分钟")),
    "air_by": _air_by,
    "responsible_producer": _responsible_producer,
    "priority_tags": lambda _e: str(_l("每个宣传报道重点为 1 至 60 个字符")),
    "genre": lambda _e: str(_l("体裁最多 40 个字符")),
    "reason": lambda _e: str(_l("请填写理由")),
    "checklist": _checklist,
    "to": _to,
    "offered": _offered,
    "body": lambda _e: str(_l("评论不能为空")),
    "qc_override": _qc_override,
}


def field_errors(error: InvalidInput) -> dict[str, str]:
    """Each field's message in Chinese (the field's name and the English text if unknown)."""
    result: dict[str, str] = {}
    for name, english in error.fields.items():
        translate = FIELD_MESSAGE.get(name)
        if translate is not None:
            result[name] = translate(english)
        else:
            label = labels.FIELD.get(name, name)
            result[name] = f"{label}：{english}"
    return result


def _whole_message(english: str) -> str | None:
    if english.startswith("nothing to change"):
        return str(_l("没有修改任何内容"))
    return None


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
