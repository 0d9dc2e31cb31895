"""What each API view takes and answers, declared once beside the view.

``@operation(...)`` records a view's summary, query parameters, request body
schema and responses. The view's wrapper parses the query string and the JSON
body with those very declarations, and ``web.api.openapi`` builds the OpenAPI
document from them and the registered routes: the document cannot describe a
parameter the code does not read, nor miss one it does.

Schemas are a small subset of JSON Schema (2020-12, as OpenAPI 3.1 uses):
``type`` (one or a list, ``"null"`` for optional values), ``properties``,
``required``, ``additionalProperties: false``, ``items``, ``maxItems``,
``minLength``, ``maxLength``, ``pattern``, ``minimum``, ``maximum``, ``enum``,
``const``, ``format: date`` and ``oneOf`` of objects told apart by a property
that is a ``const`` in each (``web.api.acts``: ``act``). As in JSON Schema, an integer may be
written ``540.0``: any number without a fraction. Checking them is shape only
(types, lengths, patterns, dates that exist); every rule of the domain stays in
the domain, and its refusals are ``InvalidInput`` of other codes (``errors``).

The document is exactly as strict as this checking: a request that fits the
document is never refused for its shape, and one that does not fit is refused
with 422 ``invalid_input`` (``InvalidShape``).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from editorial.errors import InvalidInput

Schema = dict[str, Any]
F = TypeVar("F", bound=Callable[..., Any])

DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
WHOLE = re.compile(r"^-?[0-9]{1,18}(\.0+)?\Z")  # 540 or 540.0, as a JSON Schema integer
BOOLEANS = {"true": True, "false": False, "1": True, "0": False}
MAX_QUERY_VALUE = 400  # characters of any one query value

# Patterns of text fields. No C0 control character but tab, newline and carriage return:
CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f"
TEXT = f"^[^{CONTROL}]*$"
# ... and, besides, one character at least that is not white space:
NON_BLANK = f"^[^{CONTROL}]*[^\\s{CONTROL}][^{CONTROL}]*$"
SLUG = "^[a-z][a-z0-9-]{1,39}$"  # a column's (editorial.people.SLUG)
USERNAME = "^[a-z][a-z0-9_.-]{1,59}$"  # a person's (editorial.people.USERNAME)
PATTERN_TEXT = {
    TEXT: "must not contain control characters (but tab and line breaks)",
    NON_BLANK: "must contain more than white space, and no control characters "
    "(but tab and line breaks)",
    SLUG: "must be a column slug: a-z, then a-z, 0-9 or -, 2 to 40 characters",
    USERNAME: "must be a username: a-z, then a-z, 0-9, _, . or -, 2 to 60 characters",
}


class InvalidShape(InvalidInput):
    """A request that does not fit its declarations (and so not the OpenAPI document):
    422 ``invalid_input``."""


class UnknownReference(InvalidInput):
    """A well-formed name or id that names nothing the caller may use (a column slug, a
    username, a series): 422 ``unknown_reference``. No schema can know these."""


# The 422 codes of input that fits the document but is refused: the document cannot say.
REFUSED_CODES = ("unknown_reference", "refused_value")


@dataclass(frozen=True)
class Param:
    """A query parameter: one value, or repeated (``?state=a&state=b``)."""

    name: str
    schema: Schema  # of one value
    description: str
    repeat: bool = False
    default: Any = None
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One method of one route: what it takes and what it answers."""

    summary: str
    tag: str
    description: str = ""
    query: tuple[Param, ...] = ()
    body: Schema | None = None
    # A file as the raw body instead of JSON: the media types taken ("video/*" and the like).
    # The view reads the body itself, streamed (``web.uploads``), up to the media limit.
    upload: tuple[str, ...] = ()
    ok: int = 200
    result: Schema | None = None  # the success body
    errors: tuple[int, ...] = ()  # refusals besides those the declarations imply
    texts: tuple[tuple[int, str], ...] = ()  # what a status means here, where it differs
    public: bool = False  # no Bearer token needed

    @property
    def statuses(self) -> list[int]:
        """Every status the operation may answer with."""
        # 422: an undeclared query parameter, at least; 503: the database is busy.
        implied = set(self.errors) | {422, 500, 503}
        if not self.public:
            implied.add(401)
        if self.body is not None:
            implied |= {400, 413, 415}
        if self.upload:
            implied |= {413, 415}
        return [self.ok, *sorted(implied)]


def operation(op: Operation) -> Callable[[F], F]:
    """Describe a view; its wrapper passes ``query=`` and ``body=`` already checked."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            errors: dict[str, str] = {}
            query = parse_query(op.query, errors)
            if op.query:
                kwargs["query"] = query
            if op.body is not None:
                kwargs["body"] = parse_body(op.body, errors)
            if errors:
                raise InvalidShape(_summary(errors), errors, code="invalid_shape")
            return view(*args, **kwargs)

        wrapper.api_operation = op  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _summary(errors: Mapping[str, str]) -> str:
    return "the request has errors: " + "; ".join(
        f"{name} {message}" if name else message for name, message in errors.items()
    )


# --- the query string -------------------------------------------------------------------------


def parse_query(params: tuple[Param, ...], errors: dict[str, str]) -> dict[str, Any]:
    """The declared parameters, converted and checked; anything undeclared is an error."""
    known = {p.name for p in params}
    for name in request.args:
        if name not in known:
            errors[name] = "is not a parameter of this request"
    values: dict[str, Any] = {}
    for param in params:
        raw = request.args.getlist(param.name)
        if not raw and param.required:
            errors[param.name] = "is required"
        elif not raw:
            values[param.name] = [] if param.repeat else param.default
        elif param.repeat:
            values[param.name] = [
                _query_value(param, text, f"{param.name}[{i}]", errors)
                for i, text in enumerate(raw)
            ]
        elif len(raw) > 1:
            errors[param.name] = "is given more than once"
        else:
            values[param.name] = _query_value(param, raw[0], param.name, errors)
    return values


def _query_value(param: Param, text: str, where: str, errors: dict[str, str]) -> Any:
    if len(text) > MAX_QUERY_VALUE:
        errors[where] = f"has more than {MAX_QUERY_VALUE} characters"
        return None
    value: Any = text
    match param.schema.get("type"):
        case "integer":
            if not WHOLE.match(text):
                errors[where] = f"must be a whole number, not {text!r}"
                return None
            value = int(text.partition(".")[0])
        case "boolean":
            if text.lower() not in BOOLEANS:
                errors[where] = f"must be true or false, not {text!r}"
                return None
            value = BOOLEANS[text.lower()]
    return check(param.schema, value, where, errors)


# --- the JSON body ----------------------------------------------------------------------------


def parse_body(schema: Schema, errors: dict[str, str]) -> Any:
    """The request's JSON body, checked against ``schema`` (dates become ``date``)."""
    if not request.is_json:
        raise UnsupportedMediaType("send a JSON body with Content-Type: application/json")
    try:
        body = request.get_json()
    except BadRequest:
        raise BadRequest("the body is not valid JSON") from None
    return check(schema, body, "", errors)


JSON_NAMES = {
    "null": "null",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "string": "a string",
    "array": "a list",
    "object": "an object",
}


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def check(schema: Schema, value: Any, where: str, errors: dict[str, str]) -> Any:
    """``value`` checked against ``schema``; problems go to ``errors`` under ``where``.

    Returns the value with ``format: date`` strings turned into ``date``.
    """
    key = where or "body"
    declared = schema.get("type")
    allowed = [declared] if isinstance(declared, str) else list(declared or [])
    actual = json_type(value)
    if allowed and actual not in allowed:
        wanted = " or ".join(JSON_NAMES[t] for t in allowed)
        errors[key] = f"must be {wanted}, not {JSON_NAMES[actual]}"
        return value
    if actual == "integer" and isinstance(value, float):
        value = int(value)  # 540.0 is the integer 540
    if value is None:
        return None
    if "enum" in schema and value not in schema["enum"]:
        errors[key] = "must be one of " + ", ".join(map(str, schema["enum"]))
        return value
    if "const" in schema and value != schema["const"]:
        errors[key] = f"must be {json.dumps(schema['const'])}"
        return value
    if "oneOf" in schema:
        return _check_branch(schema, value, where, errors)
    match actual:
        case "string":
            return _check_string(schema, value, key, errors)
        case "integer":
            return _check_number(schema, value, key, errors)
        case "array":
            return _check_array(schema, value, where, errors)
        case "object":
            return _check_object(schema, value, where, errors)
    return value


def _check_branch(schema: Schema, value: Any, where: str, errors: dict[str, str]) -> Any:
    """``oneOf`` objects told apart by a property that is a ``const`` in each."""
    name = _discriminator(schema["oneOf"])
    key = f"{where}.{name}" if where else name
    if not isinstance(value, dict):
        errors[where or "body"] = "must be an object"
        return value
    branches = {b["properties"][name]["const"]: b for b in schema["oneOf"]}
    if name not in value:
        errors[key] = "is required"
        return value
    if value[name] not in branches:
        errors[key] = "must be one of " + ", ".join(map(str, branches))
        return value
    return check(branches[value[name]], value, where, errors)


def _discriminator(branches: list[Schema]) -> str:
    first, *others = branches
    return next(
        name
        for name, property_ in first["properties"].items()
        if "const" in property_ and all("const" in b["properties"].get(name, {}) for b in others)
    )


def _matches(pattern: str, value: str) -> bool:
    """``value`` matches a JSON Schema pattern (``$`` ends the text, not a last newline)."""
    if pattern == NON_BLANK:  # the same test, in linear time
        return _matches(TEXT, value) and re.search(r"\S", value) is not None
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.search(pattern, value) is not None


def _check_string(schema: Schema, value: str, key: str, errors: dict[str, str]) -> Any:
    if len(value) > schema.get("maxLength", len(value)):
        errors[key] = f"has at most {schema['maxLength']} characters (this one has {len(value)})"
    elif len(value) < schema.get("minLength", 0):
        errors[key] = f"has at least {schema['minLength']} characters"
    elif "pattern" in schema and not _matches(schema["pattern"], value):
        errors[key] = PATTERN_TEXT.get(schema["pattern"], f"must match {schema['pattern']}")
    elif schema.get("format") == "date":
        return _day(value, key, errors)
    return value


def _day(value: str, key: str, errors: dict[str, str]) -> date | str:
    if not DAY.match(value):
        errors[key] = f"must be a date like 2026-07-01, not {value!r}"
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[key] = f"{value} is not a date that exists"
        return value


def _check_number(schema: Schema, value: int, key: str, errors: dict[str, str]) -> int:
    if "minimum" in schema and value < schema["minimum"]:
        errors[key] = f"must be at least {schema['minimum']}"
    elif "maximum" in schema and value > schema["maximum"]:
        errors[key] = f"must be at most {schema['maximum']}"
    return value


def _check_array(schema: Schema, value: list[Any], where: str, errors: dict[str, str]) -> Any:
    if len(value) > schema.get("maxItems", len(value)):
        errors[where or "body"] = f"has at most {schema['maxItems']} items"
        return value
    items = schema.get("items", {})
    return [check(items, item, f"{where}[{i}]", errors) for i, item in enumerate(value)]


def _check_object(
    schema: Schema, value: dict[str, Any], where: str, errors: dict[str, str]
) -> dict[str, Any]:
    properties: dict[str, Schema] = schema.get("properties", {})
    prefix = f"{where}." if where else ""
    of = f" by {schema['title']}" if "title" in schema else ""  # an act's branch
    if schema.get("additionalProperties") is False:
        for name in value:
            if name not in properties:
                errors[prefix + name] = (
                    f"is not used{of}" if of else "is not a field of this request"
                )
    for name in schema.get("required", ()):
        if name not in value:
            errors[prefix + name] = f"is required{of}"
    return {
        name: check(properties[name], item, prefix + name, errors) if name in properties else item
        for name, item in value.items()
    }
