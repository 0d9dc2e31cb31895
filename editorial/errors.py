"""Errors raised by domain code.

Every error carries a message a person can act on. The web layer maps them to
HTTP statuses (``NotFound`` 404, ``Forbidden`` 403, ``Conflict`` 409,
``InvalidInput`` 422) and the CLI prints them to stderr with a non-zero exit.

``message`` is English, for the CLI, the logs and the API's ``message``. ``code``
names the refusal (``"needs_master"``) and ``params`` its particulars (names,
dates, stages as domain values), so the web can say it in the reader's language
from a catalog of its own (``web.refusals``) instead of showing the English. Every
refusal raised has a code, but a ``NotFound`` needs none: its page says one sentence
whatever was missing, so that it never tells whether something exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field


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
    """Input that fails validation.

    ``fields`` maps field names to English messages (the API's ``fields``); ``field_codes``
    maps a field to the code of its own refusal, where it has one other than ``code``. A
    validator collects both with ``FieldErrors`` and passes that as ``fields``.
    """

    def __init__(
        self,
        message: str,
        fields: Mapping[str, str] | FieldErrors | None = None,
        *,
        code: str | None = None,
        field_codes: Mapping[str, str] | None = None,
        **params: object,
    ) -> None:
        codes = dict(field_codes or {})
        if isinstance(fields, FieldErrors):
            codes = {**fields.codes, **codes}
            params = {**fields.params, **params}
            fields = fields.fields
        super().__init__(message, code=code, **params)
        self.fields: dict[str, str] = dict(fields or {})
        self.field_codes: dict[str, str] = codes

    def code_of(self, field: str) -> str | None:
        """The code of ``field``'s refusal: its own, else the whole refusal's."""
        return self.field_codes.get(field, self.code)


@dataclass
class FieldErrors:
    """What a validator finds, field by field: the English text (``InvalidInput.fields``),
    the refusal code of each field, and the particulars the codes' sentences name.

    A second problem of the same field adds its English to the first; the first code stays.
    """

    fields: dict[str, str] = dataclass_field(default_factory=dict)
    codes: dict[str, str] = dataclass_field(default_factory=dict)
    params: dict[str, object] = dataclass_field(default_factory=dict)

    def add(self, name: str, code: str, english: str, **params: object) -> None:
        for key, value in params.items():
            if key in self.params and self.params[key] != value:
                raise ValueError(f"two values for the refusal parameter {key!r}")
        self.params.update(params)
        self.codes.setdefault(name, code)
        self.fields[name] = f"{self.fields[name]}; {english}" if name in self.fields else english

    def take(self, error: InvalidInput, default: str) -> None:
        """Add another refusal (a rule's, say) as the problem of its fields, or of ``default``."""
        for name in error.fields or [default]:
            self.add(name, error.code_of(name) or "", error.message, **error.params)

    def discard(self, name: str) -> None:
        self.fields.pop(name, None)
        self.codes.pop(name, None)

    def english(self) -> str:
        return "; ".join(self.fields.values())

    def __bool__(self) -> bool:
        return bool(self.fields)
