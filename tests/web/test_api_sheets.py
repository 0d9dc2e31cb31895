"""The order sheet through the API: GET as JSON, POST to issue; refusals as JSON; every
answer fits the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from editorial import people
from schedule import airings
from schedule.models import Airing, SlotKind
from tests.web.sheet_world import NOW
from tests.web.test_api import Api
from tests.web.test_openapi import Conformance
from web.api import access
from web.api.openapi import document
from web.db import unit_of_work

ONE = "/api/v1/schedule/sheets/{code}/{week}"
ISSUE = ONE + "/issue"
PATH = "/schedule/sheets/yitao/2026-W10"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def api(app: Flask, sheet_city: dict[str, int]) -> dict[str, Api]:
    with unit_of_work(app) as s:
        tokens = {
            name: people.issue_token(s, people.get_person(s, name), "tests", NOW)
            for name in ("bp", "zp")
        }
    return {name: Api(app.test_client(), token) for name, token in tokens.items()}


@pytest.fixture
def check(app: Flask) -> Conformance:
    with app.test_request_context():
        return Conformance(document(app))


def test_the_sheet_is_json_and_issuing_numbers_it(
    app: Flask, api: dict[str, Api], sheet_city: dict[str, int], check: Conformance
) -> None:
    got: Any = check("get", ONE, api["zp"].get(PATH)).json
    assert (got["week"], got["first"], got["last"]) == ("2026-W10", "2026-03-02", "2026-03-08")
    assert got["latest"] is None and not got["outdated"]
    first = got["rows"][0]
    assert (first["date"], first["start"], first["duration"], first["frames"]) == (
        "2026-03-06",
        "20:00:00",
        "00:00:02:00",
        50,
    )
    assert first["kind"] == "premiere" and first["qc"] == "passed"
    assert first["file_name"] == f"city-{sheet_city['first']:06d}-v1.mp4"
    made = check("post", ISSUE, api["bp"].post(PATH + "/issue", None))
    assert made.status_code == 201
    assert made.json["latest"]["number"] == 1  # type: ignore[index]
    assert made.json["latest"]["issued_by"] == {"username": "bp", "name": "何静"}  # type: ignore[index]
    again = check("post", ISSUE, api["bp"].post(PATH + "/issue", None))
    assert again.status_code == 422 and again.json["error"] == "refused_value"  # type: ignore[index]
    with unit_of_work(app) as s:
        rerun = s.scalars(select(Airing).where(Airing.kind == SlotKind.RERUN)).first()
        assert rerun is not None
        airings.pull(s, people.get_person(s, "bp"), rerun, NOW + timedelta(hours=1), reason="转播")
    changed: Any = check("get", ONE, api["zp"].get(PATH)).json
    assert changed["outdated"] and [c["change"] for c in changed["changes"]] == ["removed"]
    second: Any = check("post", ISSUE, api["bp"].post(PATH + "/issue", None)).json
    assert [v["number"] for v in second["versions"]] == [2, 1]


def test_refusals_are_json_with_their_status(api: dict[str, Api], check: Conformance) -> None:
    forbidden = check("post", ISSUE, api["zp"].post(PATH + "/issue", None))
    assert forbidden.status_code == 403
    assert check("get", ONE, api["bp"].get("/schedule/sheets/yitao/2026-W60")).status_code == 422
    assert check("get", ONE, api["bp"].get("/schedule/sheets/yitao/next")).status_code == 422
    assert check("get", ONE, api["bp"].get("/schedule/sheets/nope/2026-W10")).status_code == 404
    assert check("get", ONE, api["bp"].get(PATH, column="nope")).status_code == 404
    empty = check("post", ISSUE, api["bp"].post("/schedule/sheets/yitao/2026-W30/issue", None))
    assert empty.status_code == 422 and "no airings" in empty.json["message"]  # type: ignore[index]
