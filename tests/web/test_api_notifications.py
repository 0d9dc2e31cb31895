"""``/api/v1/notifications``: the caller's own, newest first, unread only on request,
paged; marking one or all read; another's is 404; the answers fit the OpenAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.web.conftest import MASTER_SECONDS
from tests.web.test_api import ALL_CONFIRMED, NOW, Api, assert_error, propose, world
from tests.web.test_openapi import Conformance
from web.api import access

LIST = "/api/v1/notifications"
ONE = "/api/v1/notifications/{notification_id}/read"
ALL = "/api/v1/notifications/read-all"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def doc(app: Flask) -> dict[str, Any]:
    body: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").json  # type: ignore[assignment]
    return body


@pytest.fixture
def returned(app: Flask, master_file: Path) -> dict[str, Api]:
    """An episode the reviewer returned at the second review, through the API: the
    editor-director and the producer are told, each with earlier hand-offs too."""
    api = world(app)
    eid = propose(api, title="红船精神", target_duration_s=MASTER_SECONDS)["id"]
    for who, act, fields in (
        ("pr", "approve_topic", {}),
        ("ed", "start_production", {}),
    ):
        assert api[who].act(eid, act, **fields).status_code == 200, (who, act)
    assert api["ed"].upload(eid, master_file).status_code == 201
    for who, act, fields in (
        ("ed", "submit", {}),
        ("pr", "first_review", {"checklist": ALL_CONFIRMED}),
        ("rv", "return_for_changes", {"reason": "片头字幕有错别字"}),
    ):
        assert api[who].act(eid, act, **fields).status_code == 200, (who, act)
    return api


def items(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.json
    found: list[dict[str, Any]] = response.json["items"]
    return found


def test_the_caller_gets_their_own_newest_first_with_who_and_why(
    returned: dict[str, Api], doc: dict[str, Any]
) -> None:
    check = Conformance(doc)
    answer = check("get", LIST, returned["pr"].get("/notifications"))
    body = answer.json
    assert body is not None
    listed = body["items"]
    assert [n["kind"] for n in listed] == ["returned", "submitted", "topic_proposed"]
    first = listed[0]
    assert first["kind_label"] == "退回修改" and first["reason"] == "片头字幕有错别字"
    assert first["actor"]["username"] == "rv" and first["episode"]["title"] == "红船精神"
    assert first["message"] == "审片丁在复审退回了《红船精神》：片头字幕有错别字"
    assert first["created_at"] == "2026-03-02T01:00:00+00:00"
    assert first["created_at_local"] == "2026-03-02T09:00:00+08:00"
    assert first["read"] is False and first["read_at"] is None
    assert (body["total"], body["unread_count"], body["limit"], body["offset"]) == (3, 3, 50, 0)
    assert items(returned["fa"].get("/notifications")) == []
    assert {n["kind"] for n in items(returned["rv"].get("/notifications"))} == {"stage_signed"}


def test_marking_one_read_then_unread_only_and_pages(
    returned: dict[str, Api], doc: dict[str, Any]
) -> None:
    check = Conformance(doc)
    pr = returned["pr"]
    newest = items(pr.get("/notifications"))[0]["id"]
    marked = check("post", ONE, pr.post(f"/notifications/{newest}/read", None))
    assert marked.json is not None and marked.json["read"] is True
    assert marked.json["read_at"] == "2026-03-02T01:00:00+00:00"
    again = pr.post(f"/notifications/{newest}/read", None)
    assert again.status_code == 200 and again.json == marked.json
    unread = check("get", LIST, pr.get("/notifications", unread=1))
    assert unread.json is not None
    assert [n["kind"] for n in unread.json["items"]] == ["submitted", "topic_proposed"]
    assert unread.json["total"] == unread.json["unread_count"] == 2
    everything = pr.get("/notifications", unread="false", limit=1, offset=2).json
    assert everything is not None
    assert [n["kind"] for n in everything["items"]] == ["topic_proposed"]
    assert (everything["total"], everything["unread_count"]) == (3, 2)


def test_marking_all_read(returned: dict[str, Api], doc: dict[str, Any]) -> None:
    check = Conformance(doc)
    pr = returned["pr"]
    answer = check("post", ALL, pr.post("/notifications/read-all", None))
    assert answer.json == {"marked": 3, "unread_count": 0}
    assert pr.post("/notifications/read-all", None).json == {"marked": 0, "unread_count": 0}
    assert items(pr.get("/notifications", unread="true")) == []
    assert len(items(returned["ed"].get("/notifications", unread="true"))) > 0  # others' stay


def test_anothers_notification_is_404_and_stays_unread(
    returned: dict[str, Api], doc: dict[str, Any]
) -> None:
    check = Conformance(doc)
    theirs = items(returned["ed"].get("/notifications"))[0]["id"]
    refused = check("post", ONE, returned["pr"].post(f"/notifications/{theirs}/read", None))
    assert_error(refused, 404, "not_found")
    assert_error(returned["pr"].post("/notifications/99999/read", None), 404, "not_found")
    assert items(returned["ed"].get("/notifications"))[0]["read"] is False


def test_bad_queries_and_no_token_are_refused(
    returned: dict[str, Api], doc: dict[str, Any]
) -> None:
    check = Conformance(doc)
    pr = returned["pr"]
    assert_error(check("get", LIST, pr.get("/notifications", unread="maybe")), 422, "invalid_input")
    assert_error(check("get", LIST, pr.get("/notifications", limit=0)), 422, "invalid_input")
    assert_error(check("get", LIST, pr.get("/notifications", page=2)), 422, "invalid_input")
    anonymous = Api(pr.client, None)
    assert_error(check("get", LIST, anonymous.get("/notifications")), 401, "unauthorized")
    assert_error(
        check("post", ALL, anonymous.post("/notifications/read-all", None)), 401, "unauthorized"
    )


def test_the_document_describes_the_notifications(doc: dict[str, Any]) -> None:
    paths = doc["paths"]
    assert (
        set(paths[LIST]) == {"get"} and set(paths[ONE]) == {"post"} and set(paths[ALL]) == {"post"}
    )
    query = {p["name"] for p in paths[LIST]["get"]["parameters"]}
    assert query == {"unread", "limit", "offset"}
    assert "404" in paths[ONE]["post"]["responses"]
    assert {"Notification", "NotificationPage"} <= set(doc["components"]["schemas"])
