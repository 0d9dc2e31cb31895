"""Errors raised by domain code.

Every error carries a message a person can act on. The web layer maps them to
HTTP statuses (``NotFound`` 404, ``Forbidden`` 403, ``Conflict`` 409,
``InvalidInput`` 422) and the CLI prints them to stderr with a non-zero exit.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base class of every refusal made by domain code."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}
