"""The OpenAPI document matches the code: every route described, every described
route routed, a valid OpenAPI 3.1 document, and the API's answers fit it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import openapi_spec_validator
import pytest
from flask import Blueprint, Flask
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import TestResponse

from tests.web.test_api import ALL_CONFIRMED, NOW, Api, air_one, proposal, world
from web.api import access
from web.api.openapi import Undescribed, document

ARGUMENT = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def doc(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    return body


def test_every_api_route_is_described_and_every_described_route_is_routed(
    app: Flask, doc: dict[str, Any]
) -> None:
    routed = {
        (ARGUMENT.sub(r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    described = {
        (path, method.upper()) for path, operations in doc["paths"].items() for method in operations
    }
    assert routed == described
    adapter = app.url_map.bind("localhost")
    for path, method in described:
        endpoint, _ = adapter.match(re.sub(r"\{\w+\}", "7", path), method=method)
        assert endpoint.startswith("api."), (path, method)
    for path, method in (("/api/v1/episodes/7", "DELETE"), ("/api/v1/episodes/7/votes", "GET")):
        with pytest.raises((MethodNotAllowed, NotFound)):
            adapter.match(path, method=method)


def test_the_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    openapi_spec_validator.validate(doc)


def test_the_document_needs_no_token_but_everything_else_does(doc: dict[str, Any]) -> None:
    public = [
        (path, method)
        for path, operations in doc["paths"].items()
        for method, op in operations.items()
        if op.get("security") == []
    ]
    assert public == [("/api/v1/openapi.json", "get")]
    assert doc["security"] == [{"bearer": []}]


def test_a_route_without_a_description_makes_the_document_fail() -> None:
    app = Flask("undescribed")
    bp = Blueprint("api", __name__, url_prefix="/api/v1")

    @bp.get("/secret")
    def secret() -> str:
        return "{}"

    app.register_blueprint(bp)
    with pytest.raises(Undescribed, match="/api/v1/secret"):
        document(app)


def test_a_sign_off_declares_the_qc_override_and_an_episode_its_qc_verdict(
    doc: dict[str, Any],
) -> None:
    schemas = doc["components"]["schemas"]
    acts = doc["paths"]["/api/v1/episodes/{episode_id}/acts"]["post"]
    body = acts["requestBody"]["content"]["application/json"]["schema"]
    by_act = {s["title"]: s for s in body["oneOf"]}
    for act in ("first_review", "second_review", "final_review"):
        override = by_act[act]["properties"]["qc_override"]
        assert (override["type"], override["maxLength"]) == ("string", 1000)
        assert "qc_override" not in by_act[act]["required"]
    assert "qc_override" not in by_act["submit"]["properties"]
    assert schemas["Episode"]["properties"]["media_qc_passed"]["type"] == ["boolean", "null"]


def test_query_parameters_are_the_ones_the_views_read(app: Flask, doc: dict[str, Any]) -> None:
    episodes = doc["paths"]["/api/v1/episodes"]["get"]
    assert [p["name"] for p in episodes["parameters"]] == [
        "column",
        "state",
        "overdue",
        "q",
        "limit",
        "offset",
    ]
    schedule = doc["paths"]["/api/v1/schedule"]["get"]
    assert [p["name"] for p in schedule["parameters"]] == ["column", "from", "to", "cancelled"]


class Conformance:
    """Checks each answer against the document: status described, body fits its schema."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.validator = jsonschema.Draft202012Validator
        self.seen: set[tuple[str, str, int]] = set()

    def __call__(self, method: str, path: str, response: TestResponse) -> TestResponse:
        op = self.doc["paths"][path][method]
        status = str(response.status_code)
        assert status in op["responses"], (method, path, status, response.json)
        schema = op["responses"][status]["content"]["application/json"]["schema"]
        root = {**schema, "components": self.doc["components"]}
        errors = list(self.validator(root).iter_errors(response.json))
        assert not errors, (method, path, status, [e.message for e in errors])
        self.seen.add((method, path, response.status_code))
        return response


def test_the_answers_fit_their_documented_schemas(
    app: Flask, doc: dict[str, Any], master_file: Path
) -> None:
    check = Conformance(doc)
    api = world(app)
    ed, pr, rv = api["ed"], api["pr"], api["rv"]
    one = "/api/v1/episodes/{episode_id}"
    created = check("post", "/api/v1/episodes", ed.post("/episodes", proposal(air_by="2026-07-01")))
    eid = created.json["id"]  # type: ignore[index]
    check("post", "/api/v1/episodes", ed.post("/episodes", proposal(title=3)))
    check("post", "/api/v1/episodes", pr.post("/episodes", proposal()))
    check("get", "/api/v1/episodes", rv.get("/episodes", limit=5))
    check("get", "/api/v1/episodes", rv.get("/episodes", limit=0))
    check("get", one, rv.get(f"/episodes/{eid}"))
    check("get", one, rv.get("/episodes/999"))
    check("patch", one, ed.patch(f"/episodes/{eid}", {"version": 1, "genre": "专题"}))
    check("patch", one, ed.patch(f"/episodes/{eid}", {"version": 1, "genre": "纪实"}))
    acts = one + "/acts"
    check("post", acts, rv.act(eid, "approve_topic"))
    check("post", acts, ed.act(eid, "submit"))
    check("post", acts, pr.act(eid, "approve_topic"))
    check("post", acts, ed.act(eid, "start_production"))
    check("post", acts, ed.act(eid, "submit"))  # no master yet: 409
    check("post", one + "/media", ed.upload(eid, master_file))  # fails QC: 1,200 s expected
    check("post", acts, ed.act(eid, "submit"))
    check("post", acts, pr.act(eid, "first_review", checklist=ALL_CONFIRMED))  # no reason: 422
    reason = "时长按栏目安排剪辑"
    check("post", acts, pr.act(eid, "first_review", checklist=ALL_CONFIRMED, qc_override=reason))
    check("post", acts, rv.act(eid, "return_for_changes", reason=""))
    check("post", acts, rv.act(eid, "return_for_changes", reason="画面需调整"))
    check("get", one + "/history", rv.get(f"/episodes/{eid}/history"))
    check("post", one + "/comments", rv.post(f"/episodes/{eid}/comments", {"body": "请调整"}))
    check("get", one + "/comments", ed.get(f"/episodes/{eid}/comments"))
    air_one(app, api)
    check("get", "/api/v1/schedule", ed.get("/schedule", **{"from": "2026-03-02"}))
    check("get", "/api/v1/schedule", ed.get("/schedule", **{"from": "2026-02-30"}))
    check("get", "/api/v1/feeds", ed.get("/feeds"))
    check("get", "/api/v1/feeds", Api(app.test_client(), None).get("/feeds"))
    statuses = {status for _, _, status in check.seen}
    assert statuses == {200, 201, 401, 403, 404, 409, 422}
