"""Domain refusals in the reader's language, by code.

Domain code raises ``DomainError(message, code=..., **params)``: ``message`` is
English for the CLI and the API, ``code`` names the refusal. Each code's sentence
lives here, written in Chinese (the message id) with ``%(name)s`` placeholders
for the refusal's params; ``say`` renders it, turning domain values (stages,
states, roles, days) into labels first.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from editorial.errors import DomainError
from editorial.models import Role, Stage, State
from editorial.workdays import SHANGHAI
from web import labels

# code -> sentence; every code raised by domain code has an entry (tests/web/test_refusals.py).
REFUSAL: dict[str, LazyString] = {
    "needs_master": _l("节目还没有成片，不能送审：请先在“媒体”一栏上传成片，再送审"),
    "qc_override_needed": _l(
        "当前成片（媒体版本 %(version)s）技术质检未通过：确认“技术质量”签审，须说明理由；"
        "若不宜播出，请退回修改"
    ),
    "qc_override_unneeded": _l("当前成片技术质检没有未通过，签审无须说明质检理由"),
    "qc_override_too_long": _l("质检未通过的签审理由最多 %(max)s 个字符（您填写了 %(given)s 个）"),
}


def _shown(value: object) -> str:
    if isinstance(value, Stage):
        return str(labels.STAGE[value])
    if isinstance(value, State):
        return str(labels.STATE[value])
    if isinstance(value, Role):
        return str(labels.ROLE[value])
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, list | tuple | set | frozenset):
        return "、".join(_shown(v) for v in value)
    return str(value)


def say(error: DomainError) -> str | None:
    """The refusal's sentence in the reader's language; None when its code has none."""
    if error.code is None:
        return None
    sentence = REFUSAL.get(error.code)
    if sentence is None:
        return None
    if not error.params:
        return str(sentence)
    return str(sentence) % {name: _shown(value) for name, value in error.params.items()}
