"""A column's slots (播出时段) through the API: read and created by its schedulers and
administrators only, with their time zone (default Asia/Shanghai)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from schedule.models import Slot
from tests.web.test_api import Api, world
from web.db import unit_of_work

SLOT = {
    "name": "周五首播",
    "local_start": "20:00",
    "duration_s": 1800,
    "rrule": "FREQ=WEEKLY;BYDAY=FR",
    "first_date": "2026-03-06",
}


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    return world(app)


def slot_count(app: Flask) -> int:
    with unit_of_work(app) as s:
        return s.scalar(select(func.count()).select_from(Slot)) or 0


def test_a_scheduler_creates_a_slot_in_a_time_zone_and_reads_it_back(
    app: Flask, api: dict[str, Api]
) -> None:
    made = api["sch"].post("/columns/city/slots", {**SLOT, "timezone": "Asia/Urumqi"})
    assert made.status_code == 201, made.json
    body: Any = made.json
    assert body["timezone"] == "Asia/Urumqi" and body["local_start"] == "20:00"
    assert body["column"]["slug"] == "city" and body["station"] == "电视台"
    again: Any = api["sch"].get(f"/slots/{body['id']}").json
    assert again == body
    plain = {**SLOT, "name": "周六首播", "rrule": "FREQ=WEEKLY;BYDAY=SA"}
    assert api["sch"].post("/columns/city/slots", plain).json["timezone"] == "Asia/Shanghai"  # type: ignore[index]
    listed: Any = api["sch"].get("/columns/city/slots").json
    assert [(s["name"], s["timezone"]) for s in listed["items"]] == [
        ("周五首播", "Asia/Urumqi"),
        ("周六首播", "Asia/Shanghai"),
    ]


def test_an_unknown_time_zone_is_refused_and_nothing_stored(
    app: Flask, api: dict[str, Api]
) -> None:
    refused = api["sch"].post("/columns/city/slots", {**SLOT, "timezone": "Mars/Olympus"})
    assert refused.status_code == 422
    body: Any = refused.json
    assert body["error"] == "refused_value" and "timezone" in body["fields"]
    assert "Mars/Olympus" in body["fields"]["timezone"]
    assert slot_count(app) == 0


def test_only_the_columns_schedulers_read_and_create_its_slots(
    app: Flask, api: dict[str, Api]
) -> None:
    made: Any = api["sch"].post("/columns/city/slots", SLOT).json
    producer, outsider = api["pr"], api["ced"]  # of the city; of the county only
    assert producer.get("/columns/city/slots").status_code == 403
    assert producer.get(f"/slots/{made['id']}").status_code == 403
    assert producer.post("/columns/city/slots", {**SLOT, "name": "又一个"}).status_code == 403
    assert outsider.get("/columns/city/slots").status_code == 404
    assert outsider.get(f"/slots/{made['id']}").status_code == 404
    assert outsider.post("/columns/city/slots", {**SLOT, "name": "又一个"}).status_code == 404
    assert api["sch"].post("/columns/yunxi/slots", SLOT).status_code == 404
    assert api["sch"].get("/slots/999").status_code == 404
    assert slot_count(app) == 1


# --- the rerun fill (补播) ---------------------------------------------------------------------


def test_a_scheduler_switches_the_columns_fill_off_recorded_and_not_twice(
    app: Flask, api: dict[str, Api]
) -> None:
    shown: Any = api["sch"].get("/columns/city/fill").json
    assert (shown["fill"], shown["switched_by"], shown["switched_at"]) == (True, None, None)
    off = api["sch"].put("/columns/city/fill", {"fill": False})
    assert off.status_code == 200, off.json
    body: Any = off.json
    assert body["fill"] is False and body["switched_by"]["username"] == "sch"
    assert body["switched_at"] is not None
    again = api["sch"].put("/columns/city/fill", {"fill": False})
    assert again.status_code == 409
    assert again.json["reason"] == "rerun_fill_off_already"  # type: ignore[index]
    assert api["pr"].put("/columns/city/fill", {"fill": True}).status_code == 403
    assert api["ced"].put("/columns/city/fill", {"fill": True}).status_code == 404
    assert api["sch"].get("/columns/city/fill").json["fill"] is False  # type: ignore[index]


def test_a_scheduler_keeps_an_occurrence_empty_and_unmarks_it(
    app: Flask, api: dict[str, Api]
) -> None:
    made: Any = api["sch"].post("/columns/city/slots", SLOT).json
    path = f"/slots/{made['id']}/keep-empty"
    marked = api["sch"].post(path, {"day": "2026-03-13"})
    assert marked.status_code == 201, marked.json
    body: Any = marked.json
    assert (body["day"], body["marked_by"]["username"], body["removed_at"]) == (
        "2026-03-13",
        "sch",
        None,
    )
    twice = api["sch"].post(path, {"day": "2026-03-13"})
    assert twice.status_code == 409
    assert twice.json["reason"] == "keep_empty_marked_already"  # type: ignore[index]
    thursday = api["sch"].post(path, {"day": "2026-03-12"})
    assert thursday.status_code == 422
    assert thursday.json["reason"] == "keep_empty_day_not_aired"  # type: ignore[index]
    assert api["pr"].post(path, {"day": "2026-03-20"}).status_code == 403
    assert api["ced"].post(path, {"day": "2026-03-20"}).status_code == 404
    assert api["sch"].post("/slots/999/keep-empty", {"day": "2026-03-20"}).status_code == 404
    removed = api["sch"].delete(f"{path}/2026-03-13")
    assert removed.status_code == 200, removed.json
    assert removed.json["removed_by"]["username"] == "sch"  # type: ignore[index]
    gone = api["sch"].delete(f"{path}/2026-03-13")
    assert gone.status_code == 422
    assert gone.json["reason"] == "keep_empty_not_marked"  # type: ignore[index]
    listed: Any = api["sch"].get(path).json
    assert [(m["day"], m["removed_by"]["username"]) for m in listed["items"]] == [
        ("2026-03-13", "sch")
    ]
