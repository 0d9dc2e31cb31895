"""``/api/v1/series``: producers and admins plan series through the API with the rules of
the pages; every refusal is JSON and changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask

from editorial import people
from editorial.models import Series
from schedule import slots
from schedule.models import Airing, AiringStatus, SlotKind
from tests.web.test_api import NOW, Api, assert_error, propose, stored, world
from tests.web.test_openapi import Conformance
from web.api import access
from web.db import unit_of_work

LIST, ONE, ORDER = (
    "/api/v1/series",
    "/api/v1/series/{series_id}",
    "/api/v1/series/{series_id}/order",
)
BODY = {"column": "city", "title": "先锋工程连续报道", "parts": 3, "start_by": "2026-04-01"}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    return world(app)


@pytest.fixture
def check(app: Flask) -> Conformance:
    return Conformance(app.test_client().get("/api/v1/openapi.json").json)  # type: ignore[arg-type]


def create(api: dict[str, Api], who: str = "pr", **fields: Any) -> dict[str, Any]:
    response = api[who].post("/series", {**BODY, **fields})
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[return-value]


def test_a_producer_creates_a_series_and_reads_it_back(
    app: Flask, api: dict[str, Api], check: Conformance
) -> None:
    response = check("post", LIST, api["pr"].post("/series", {**BODY, "relay": True}))
    assert response.status_code == 201
    made = response.json
    assert made is not None
    assert response.headers["Location"].endswith(f"/api/v1/series/{made['id']}")
    assert (made["title"], made["parts"], made["start_by"], made["relay"]) == (
        "先锋工程连续报道",
        3,
        "2026-04-01",
        True,
    )
    assert made["created_by"]["username"] == "pr" and made["version"] == 1
    assert [p["part"] for p in made["part_list"]] == [1, 2, 3]
    assert all(p["episode"] is None for p in made["part_list"])
    listed = check("get", LIST, api["rv"].get("/series")).json
    check("get", ONE, api["rv"].get(f"/series/{made['id']}"))
    assert listed is not None and [s["id"] for s in listed["items"]] == [made["id"]]
    assert api["ced"].get("/series").json == {"items": []}  # another column's


@pytest.mark.parametrize(
    ("fields", "status", "error", "reason"),
    [
        ({"title": "   "}, 422, "invalid_input", "invalid_shape"),
        ({"title": "长" * 201}, 422, "invalid_input", "invalid_shape"),
        ({"parts": 1}, 422, "invalid_input", "invalid_shape"),
        ({"parts": 101}, 422, "invalid_input", "invalid_shape"),
        ({"start_by": "2026-03-01"}, 422, "refused_value", "invalid_series"),
        ({"start_by": "2026-02-30"}, 422, "invalid_input", "invalid_shape"),
        ({"column": "nowhere"}, 422, "unknown_reference", "unknown_column"),
        ({"column": "yunxi"}, 422, "unknown_reference", "unknown_column"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(
    app: Flask,
    api: dict[str, Api],
    fields: dict[str, Any],
    status: int,
    error: str,
    reason: str | None,
    check: Conformance,
) -> None:
    response = check("post", LIST, api["pr"].post("/series", {**BODY, **fields}))
    body = assert_error(response, status, error)
    assert body.get("reason") == reason
    assert stored(app, Series) == 0


def test_only_producers_and_admins_of_the_column_plan_series(
    app: Flask, api: dict[str, Api]
) -> None:
    body = assert_error(api["ed"].post("/series", BODY), 403, "forbidden")
    assert body["reason"] == "not_series_planner"
    assert stored(app, Series) == 0


def test_a_producer_edits_with_the_version_seen_and_a_stale_one_is_refused(
    app: Flask, api: dict[str, Api], check: Conformance
) -> None:
    made = create(api)
    path = f"/series/{made['id']}"
    edited = check("patch", ONE, api["pr2"].patch(path, {"version": 1, "parts": 5, "relay": True}))
    assert edited.status_code == 200
    assert edited.json is not None
    assert (edited.json["parts"], edited.json["relay"], edited.json["title"]) == (
        5,
        True,
        BODY["title"],
    )
    assert edited.json["updated_by"]["username"] == "pr2"
    stale = assert_error(
        api["pr"].patch(path, {"version": 1, "title": "旧版本的修改"}), 409, "conflict"
    )
    assert stale["reason"] == "series_changed"
    assert api["pr"].get(path).json["title"] == BODY["title"]  # type: ignore[index]


def test_the_parts_never_go_below_the_highest_part_proposed(
    app: Flask, api: dict[str, Api]
) -> None:
    made = create(api)
    propose(api, series=made["id"], part_number=3)
    body = assert_error(
        api["pr"].patch(f"/series/{made['id']}", {"version": 1, "parts": 2}), 422, "refused_value"
    )
    assert body["fields"]["parts"]
    shown = api["pr"].get(f"/series/{made['id']}").json
    assert shown is not None and shown["parts"] == 3
    assert shown["part_list"][2]["episode"]["state"] == "proposed"
    assert shown["part_list"][2]["episode"]["state_label"] == "选题申报"


def test_another_columns_series_does_not_exist(app: Flask, api: dict[str, Api]) -> None:
    made = create(api)
    assert_error(api["cpr"].get(f"/series/{made['id']}"), 404, "not_found")
    assert_error(
        api["cpr"].patch(f"/series/{made['id']}", {"version": 1, "parts": 4}), 404, "not_found"
    )


def test_reordering_renumbers_the_parts_until_one_has_aired(
    app: Flask, api: dict[str, Api], check: Conformance
) -> None:
    made = create(api)
    one = propose(api, title="甲", series=made["id"], part_number=1)["id"]
    two = propose(api, title="乙", series=made["id"], part_number=2)["id"]
    path = f"/series/{made['id']}/order"
    swapped = check(
        "post",
        ORDER,
        api["pr"].post(
            path,
            {"version": 1, "parts": [{"episode": one, "part": 2}, {"episode": two, "part": 1}]},
        ),
    )
    assert swapped.status_code == 200, swapped.json
    assert swapped.json is not None
    assert [p["episode"]["id"] for p in swapped.json["part_list"][:2]] == [two, one]
    assert api["ed"].get(f"/episodes/{one}").json["part_number"] == 2  # type: ignore[index]
    twice = api["pr"].post(
        path, {"version": 2, "parts": [{"episode": one, "part": 1}, {"episode": one, "part": 2}]}
    )
    assert assert_error(twice, 422, "refused_value")["reason"] == "series_order_incomplete"
    air(app, two)
    refused = api["pr"].post(
        path, {"version": 2, "parts": [{"episode": one, "part": 1}, {"episode": two, "part": 2}]}
    )
    check("post", ORDER, refused)
    assert assert_error(refused, 409, "illegal_act")["reason"] == "series_part_aired"
    shown = check("get", ONE, api["pr"].get(f"/series/{made['id']}")).json
    assert shown is not None
    assert [p["episode"]["id"] for p in shown["part_list"][:2]] == [two, one]
    assert shown["part_list"][0]["aired_at"] is not None


def air(app: Flask, episode_id: int) -> None:
    """An as-run airing of the episode last Friday."""
    with app.app_context(), unit_of_work(app) as s:
        scheduler = people.get_person(s, "sch")
        slot = slots.create_slot(
            s,
            scheduler,
            people.get_column(s, "city"),
            NOW,
            slots.SlotSpec(
                "周五首播",
                SlotKind.PREMIERE,
                time(20),
                1800,
                "FREQ=WEEKLY;BYDAY=FR",
                date(2026, 2, 27),
            ),
        )
        start = datetime(2026, 2, 27, 12, tzinfo=UTC)  # Friday 20:00 in Shanghai
        s.add(
            Airing(
                slot=slot,
                episode_id=episode_id,
                kind=SlotKind.PREMIERE,
                starts_at=start,
                ends_at=start + timedelta(minutes=30),
                status=AiringStatus.AIRED,
                created_at=NOW,
                updated_at=NOW,
            )
        )


def test_the_openapi_document_describes_the_series_operations(
    app: Flask, api: dict[str, Api]
) -> None:
    document = api["pr"].get("/openapi.json").json
    assert document is not None
    paths = document["paths"]
    assert set(paths["/api/v1/series"]) == {"get", "post"}
    assert set(paths["/api/v1/series/{series_id}"]) == {"get", "patch"}
    assert set(paths["/api/v1/series/{series_id}/order"]) == {"post"}
    assert "SeriesDetail" in document["components"]["schemas"]
