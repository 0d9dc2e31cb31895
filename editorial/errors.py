"""Errors raised by domain code.

Every error carries a message a person can act on. The web layer maps them to
HTTP statuses (``NotFound`` 404, ``Forbidden`` 403, ``Conflict`` 409,
``InvalidInput`` 422) and the CLI prints them to stderr with a non-zero exit.

``message`` is English, for the CLI, the logs and the API's ``message``. ``code``
names the refusal (``"needs_master"``) and ``params`` its particulars (names,
dates, stages as domain values), so the web can say it in the reader's language
from a catalog of its own (``web.refusals``) instead of showing the English.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every refusal made by domain code."""

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.params: dict[str, object] = params


class NotFound(DomainError):
    """An episode, person, column or series that does not exist."""


class Forbidden(DomainError):
    """The acting person may not do this (role, four eyes, column)."""


class IllegalAct(DomainError):
    """The act is not allowed in the episode's current state."""


class Conflict(DomainError):
    """Someone else changed the episode first (stale version)."""


class InvalidInput(DomainError):
    """Input that fails validation; ``fields`` maps field names to messages."""

    def __init__(
        self,
        message: str,
        fields: dict[str, str] | None = None,
        *,
        code: str | None = None,
        **params: object,
    ) -> None:
        super().__init__(message, code=code, **params)
        self.fields = fields or {}
