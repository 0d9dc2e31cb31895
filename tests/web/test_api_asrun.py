"""``GET /api/v1/channels/<code>/asrun`` and the airing JSON's ``asrun`` field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask

from editorial import people
from tests.station.asrun_rows import AFTER_FRIDAY
from tests.web.test_api import Api
from tests.web.test_asrun_report_pages import channel
from tests.web.test_openapi import Conformance
from web.api import access
from web.db import unit_of_work

__all__ = ["channel"]  # the fixture: the city channel's as-run week


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: AFTER_FRIDAY)


@pytest.fixture
def api(app: Flask, channel: str) -> dict[str, Api]:
    with app.app_context(), unit_of_work(app) as s:
        tokens = {
            name: people.issue_token(s, people.get_person(s, name), "tests", AFTER_FRIDAY)
            for name in ("bp", "out")
        }
    return {name: Api(app.test_client(), token) for name, token in tokens.items()}


@pytest.fixture
def doc(app: Flask) -> dict[str, Any]:
    body: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").json  # type: ignore[assignment]
    return body


PATH = "/api/v1/channels/{code}/asrun"


def test_the_week_report_gives_each_airing_its_state(
    api: dict[str, Api], channel: str, doc: dict[str, Any]
) -> None:
    answer = Conformance(doc)(
        "get", PATH, api["bp"].get(f"/channels/{channel}/asrun", week="2026-W09")
    )
    body = answer.json
    assert answer.status_code == 200 and body is not None
    assert [p["asrun"]["state"] for p in body["planned"]] == [
        "confirmed",
        "late",
        "short",
        "missing",
        "unconfirmed",
        "to_come",
    ]
    assert body["planned"][1]["asrun"]["late_s"] == 125
    assert body["planned"][4]["asrun"]["label"] == "已播出（未确认）"
    assert [e["title"] for e in body["unplanned"]] == ["体育新闻"]
    assert body["counts"]["missing"] == 1 and body["counts"]["unplanned"] == 1
    assert len(body["logs"]) == 2


def test_without_a_week_the_report_is_of_the_previous_week(
    api: dict[str, Api], channel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "now", lambda: AFTER_FRIDAY + timedelta(days=7))
    body = api["bp"].get(f"/channels/{channel}/asrun").json
    assert body is not None and body["week"] == "2026-W09"


def test_a_malformed_week_is_refused_as_the_document_says(
    api: dict[str, Api], channel: str, doc: dict[str, Any]
) -> None:
    answer = Conformance(doc)("get", PATH, api["bp"].get(f"/channels/{channel}/asrun", week="49"))
    assert answer.status_code == 422
    assert answer.json is not None and answer.json["error"] == "invalid_input"
    assert "week" in answer.json["fields"]


def test_a_week_its_year_has_not_is_refused_naming_it(
    api: dict[str, Api], channel: str, doc: dict[str, Any]
) -> None:
    answer = Conformance(doc)(
        "get", PATH, api["bp"].get(f"/channels/{channel}/asrun", week="2027-W53")
    )
    assert answer.status_code == 422
    assert answer.json is not None and answer.json["reason"] == "asrun_week_malformed"
    assert "2027-W53" in answer.json["message"]


def test_an_unknown_channel_is_a_404(
    api: dict[str, Api], channel: str, doc: dict[str, Any]
) -> None:
    answer = Conformance(doc)("get", PATH, api["bp"].get("/channels/nowhere/asrun"))
    assert answer.status_code == 404


def test_an_outsider_is_refused_the_channel(
    api: dict[str, Api], channel: str, doc: dict[str, Any]
) -> None:
    answer = Conformance(doc)("get", PATH, api["out"].get(f"/channels/{channel}/asrun"))
    assert answer.status_code == 403


def test_the_schedule_says_each_airing_as_run_state(
    api: dict[str, Api], channel: str, doc: dict[str, Any]
) -> None:
    answer = Conformance(doc)(
        "get",
        "/api/v1/schedule",
        api["bp"].get("/schedule", **{"from": "2026-02-23", "to": "2026-03-01"}),
    )
    body = answer.json
    assert body is not None
    assert [(a["episode"]["title"], a["asrun"]["state"]) for a in body["airings"]][3:5] == [
        ("周四节目", "missing"),
        ("周五节目", "unconfirmed"),
    ]
