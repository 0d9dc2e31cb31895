"""Security headers on every response: pages, the API, feeds, static files and errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

import web
from web.security import HEADERS


def assert_secured(headers: object, where: str) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, f"{name} on {where}"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path",
    [
        "/sign-in",
        "/",  # the redirect to the sign-in page
        "/api/v1/openapi.json",
        "/api/v1/episodes",  # 401 without a token
        "/feeds/all.ics",
        "/static/app.css",
        "/no-such-page",
    ],
)
def test_every_kind_of_response_carries_the_security_headers(app: Flask, path: str) -> None:
    response = app.test_client().get(path)
    response.close()  # a static file is sent from an open file
    assert_secured(response.headers, f"{path} ({response.status_code})")


def test_a_server_error_carries_them_too(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_secured(response.headers, "/boom (500)")


def test_the_policy_allows_no_inline_script_or_style_and_no_framing() -> None:
    policy = dict(
        directive.split(" ", 1) for directive in HEADERS["Content-Security-Policy"].split("; ")
    )
    assert policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and HEADERS["X-Frame-Options"] == "DENY"
    assert "'unsafe-inline'" not in HEADERS["Content-Security-Policy"]
    assert policy["object-src"] == "'none'"


def test_no_template_has_an_inline_script_handler_or_style() -> None:
    """What the policy would refuse in a browser, found in the templates themselves."""
    inline = re.compile(r"<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)
    templates = Path(web.__file__).parent / "templates"
    found = [
        f"{path.relative_to(templates)}: {match.group(0)!r}"
        for path in sorted(templates.rglob("*.html"))
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
