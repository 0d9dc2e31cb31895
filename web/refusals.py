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

from editorial.errors import DomainError
from editorial.models import Role, Stage, State
from editorial.workdays import SHANGHAI
from web import labels

# code -> sentence; every code raised by domain code has an entry (tests/web/test_refusals.py).
REFUSAL: dict[str, LazyString] = {}


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
