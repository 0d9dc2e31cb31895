"""Hostile input is refused, never a 500: every route of the URL map (pages, API,
feeds) walked with out-of-range ids, NUL and other control characters, invalid
UTF-8, 10,000-character strings and SQL-like strings, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from editorial import accounts, people
from editorial.models import Level, Role
from tests.web.test_api import NOW, propose, world
from web.db import unit_of_work

HOSTILE_TEXT = {
    "nul": "先锋\x00工程",
    "control": "\x01\x02\x1b[31m\x7f",
    "long": "长" * 10_000,
    "sql": "'; DROP TABLE episodes; --",
}
RULE_PART = re.compile(r"<(?:(?P<conv>[a-zA-Z_]+)(?:\((?P<args>[^)]*)\))?:)?(?P<var>\w+)>")
HOSTILE_IDS = ("2147483648", "99999999999999999999", "-1", "0")
# Field names the pages' forms and the API's bodies take: each gets the hostile value.
FIELDS = [
    "title",
    "topic",
    "synopsis",
    "genre",
    "reason",
    "body",
    "target_minutes",
    "target_duration_s",
    "air_by",
    "priority_tags",
    "version",
    "to",
    "username",
    "password",
    "display_name",
    "name",
    "slug",
    "station",
    "channel",
    "minutes",
    "year",
    "number",
    "theme",
    "tag",
    "description",
    "start",
    "end",
    "weight",
    "deadline",
    "at",
    "day",
    "starts",
    "rrule",
    "time",
    "duration_s",
    "kind",
    "stage",
    "act",
    "offered",
    "column",
    "state",
    "q",
    "page",
    "per_page",
    "from",
    "week",
    "month",
    "back",
    "ahead",
    "next",
    "level",
    "role",
    "person",
    "url",
]
# Routes that end the session or stream media: walked, but last (sign-out) or not at all.
SKIP_ENDPOINTS = {"static", "auth.sign_out"}


def path_variants(rule: Rule) -> Iterator[str]:
    """The rule's path with each argument made hostile in turn (the others plausible)."""
    plain = {name: "1" if _is_int(rule, name) else "city" for name in rule.arguments}
    yield _build(rule, plain)
    for name in rule.arguments:
        values = (
            HOSTILE_IDS
            if _is_int(rule, name)
            else ("a%00b", "%ff%fe", "x" * 2000, "%27%20OR%201%3D1--")
        )
        for value in values:
            yield _build(rule, {**plain, name: value})


def _is_int(rule: Rule, name: str) -> bool:
    return type(rule._converters[name]).__name__ in {"IdConverter", "IntegerConverter"}


def _build(rule: Rule, values: dict[str, str]) -> str:
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<{_spec(rule, name)}>", value)
    return path


def _spec(rule: Rule, name: str) -> str:
    for converter, _args, variable in _parts(rule):
        if variable == name:
            return f"{converter}:{name}" if converter else name
    raise AssertionError(name)


def _parts(rule: Rule) -> Iterator[tuple[str | None, str | None, str]]:
    import re

    for found in re.finditer(
        r"<(?:(?P<conv>[a-zA-Z_]+)(?:\((?P<args>[^)]*)\))?:)?(?P<var>\w+)>", rule.rule
    ):
        yield found.group("conv"), found.group("args"), found.group("var")


@pytest.fixture
def hostile_app(app: Flask) -> Flask:
    app.config["WTF_CSRF_ENABLED"] = False  # let the hostile values reach the views
    return app


def signed_in(app: Flask) -> tuple[FlaskClient, dict[str, str]]:
    """A person holding every role in the city column: a page client and API headers."""
    api = world(app)
    propose(api)
    with unit_of_work(app) as s:
        person = people.create_person(s, NOW, username="everyone", display_name="全能")
        city = people.get_column(s, "city")
        assert city.level is Level.CITY
        for role in Role:
            people.grant_role(s, person, city, role, NOW)
        accounts.set_password(s, person, "correct-horse", NOW)
        token = people.issue_token(s, person, "hostile", NOW)
    client = app.test_client()
    answer = client.post("/sign-in", data={"username": "everyone", "password": "correct-horse"})
    assert answer.status_code == 302
    return client, {"Authorization": f"Bearer {token}"}


def bodies() -> Iterator[tuple[str, dict[str, Any]]]:
    for label, value in HOSTILE_TEXT.items():
        yield label, dict.fromkeys(FIELDS, value)


def test_every_route_answers_hostile_input_without_a_server_error(hostile_app: Flask) -> None:
    client, headers = signed_in(hostile_app)
    failures: list[str] = []
    sent = 0

    def check(method: str, path: str, **kwargs: Any) -> None:
        nonlocal sent
        sent += 1
        response = client.open(path, method=method, headers=headers, **kwargs)
        if response.status_code >= 500:
            failures.append(f"{method} {path[:80]} {kwargs.get('query_string', '')!s:.60}")

    rules = sorted(hostile_app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        plain, *hostile_paths = path_variants(rule)
        for method in methods:
            for path in hostile_paths:
                check(method, path)
            for _label, body in bodies():
                query = {k: v for k, v in body.items() if k in ("q", "page", "next", "week")}
                check(method, plain, query_string=query)
                if method == "GET":
                    continue
                if plain.startswith("/api/"):
                    check(method, plain, json=body)
                else:
                    check(method, plain, data=body)
            check(method, plain + "?q=%ff%fe%00&page=%ff&week=%ff")
            if method != "GET":
                raw = b'{"title": "\\u0000", "body": "\\udc00"}'
                check(method, plain, data=b"title=%ff%fe&reason=%00", content_type=FORM)
                check(method, plain, data=raw, content_type="application/json")

    print(f"{sent} hostile requests, {len(failures)} server errors")
    assert failures == [], "\n".join(failures[:40])


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize("eid", ["2147483648", "99999999999999999999"])
def test_ids_past_what_a_column_holds_are_404_on_pages_and_api(
    hostile_app: Flask, eid: str
) -> None:
    client, headers = signed_in(hostile_app)
    for path in (f"/episodes/{eid}", f"/episodes/{eid}/edit", f"/api/v1/episodes/{eid}"):
        assert client.get(path, headers=headers).status_code == 404, path
    posted = client.post(f"/episodes/{eid}/comments", data={"body": "意见"})
    assert posted.status_code == 404


def test_a_nul_in_a_field_is_refused_naming_the_field_and_nothing_is_stored(
    hostile_app: Flask,
) -> None:
    client, headers = signed_in(hostile_app)
    refused = client.post("/api/v1/episodes/1/comments", json={"body": "好\x00的"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json["error"] == "invalid_input"  # type: ignore[index]
    assert set(refused.json["fields"]) == {"body"}  # type: ignore[index]

    page = client.post("/episodes/1/comments", data={"body": "好\x00的"})
    assert page.status_code == 422
    assert "控制字符" in page.get_data(as_text=True)
    assert client.get("/api/v1/episodes/1/comments", headers=headers).json["items"] == []  # type: ignore[index]

    query = client.get("/api/v1/episodes", query_string={"q": "\x00"}, headers=headers)
    assert query.status_code == 422
