"""Text no database can store is refused at the door, whatever the route.

NUL and the other C0 control characters (tab, line feed and carriage return
aside) and lone UTF-16 surrogates (a JSON ``"\\ud800"``) cannot be stored in
PostgreSQL text, nor encoded as UTF-8; nobody types them. A request carrying
one in its path, query, form or JSON body is refused before any view runs:
the API with 422 ``invalid_input`` naming each field, a page with 422 naming
each field in Chinese; nothing is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from flask import Flask, request
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from web import labels
from web.api import access
from web.api.errors import error
from web.errors import error_page

UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
API_PREFIX = "/api/"
FIELD_MESSAGE = "contains a control character (such as NUL) that cannot be stored"


def unstorable(text: str) -> bool:
    return UNSTORABLE.search(text) is not None


def _strings(value: Any, name: str) -> Iterator[tuple[str, str]]:
    """(field name, string) for every string in a JSON value; nested names are dotted."""
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(str(key), f"{name}.{key}" if name else str(key))
            yield from _strings(item, f"{name}.{key}" if name else str(key))
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, name)


def refused_fields() -> list[str]:
    """The request's fields that carry unstorable text, in the order they came."""
    found: list[str] = []
    sources: list[tuple[str, str]] = []
    for key, value in request.args.items(multi=True):
        sources += [(key, key), (key, value)]
    if request.mimetype in FORM_TYPES:
        for key, value in request.form.items(multi=True):
            sources += [(key, key), (key, value)]
    length = request.content_length
    if request.is_json and length is not None and length <= access.MAX_BODY:  # larger: 413 later
        sources += list(_strings(request.get_json(silent=True), ""))
    for name, text in sources:  # (a form part werkzeug could not read has no text)
        if isinstance(text, str) and unstorable(text) and name not in found:
            found.append(name)
    return found


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_unstorable() -> Response | None:
        if unstorable(request.path):
            if request.path.startswith(API_PREFIX):
                return error(404, "nothing here: the path holds a control character")
            raise NotFound()
        fields = refused_fields()
        if not fields:
            return None
        if request.path.startswith(API_PREFIX):
            return error(
                422,
                f"{', '.join(fields)}: {FIELD_MESSAGE}",
                fields=dict.fromkeys(fields, FIELD_MESSAGE),
            )
        named = "、".join(str(labels.FIELD.get(name, name)) for name in fields)
        message = _l(
            "填写的内容含有无法保存的控制字符（如 NUL），请删除后重新提交：%(fields)s", fields=named
        )
        return error_page(422, str(message))
