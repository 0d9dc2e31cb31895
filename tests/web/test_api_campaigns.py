"""A county's concentrated broadcasts (集中播放) through the API: planned and read by its
schedulers, refused with a code that loses nothing, their fill after a build."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from editorial import people
from editorial.models import Role
from schedule import builder
from schedule.models import Slot
from tests.web.test_api import NOW, Api, assert_error, world
from web.api import access
from web.db import unit_of_work

CAMPAIGN = {
    "first_date": "2026-03-16",
    "last_date": "2026-03-20",
    "airtimes": [
        {"local_start": "19:30", "duration_s": 1200},
        {"local_start": "19:00", "duration_s": 1800},
    ],
}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    clients = world(app)
    with unit_of_work(app) as s:
        person = people.create_person(s, NOW, username="csch", display_name="县编排")
        people.grant_role(s, person, people.get_column(s, "yunxi"), Role.SCHEDULER, NOW)
        token = people.issue_token(s, person, "tests", NOW)
    clients["csch"] = Api(app.test_client(), token)
    return clients


def slot_count(app: Flask) -> int:
    with unit_of_work(app) as s:
        return s.scalar(select(func.count()).select_from(Slot)) or 0


def test_a_county_scheduler_plans_a_campaign_and_reads_its_fill(
    app: Flask, api: dict[str, Api]
) -> None:
    made = api["csch"].post("/columns/yunxi/campaigns", CAMPAIGN)
    assert made.status_code == 201, made.json
    body: Any = made.json
    assert [s["local_start"] for s in body["slots"]] == ["19:00", "19:30"]
    assert all(s["campaign"] and s["rrule"] == "FREQ=DAILY" for s in body["slots"])
    assert (body["filled"], body["total"], len(body["empty"])) == (0, 10, 10)
    with unit_of_work(app) as s:
        builder.build(s, NOW)
    listed: Any = api["csch"].get("/columns/yunxi/campaigns").json
    (campaign,) = listed["items"]
    assert (campaign["first_date"], campaign["last_date"]) == ("2026-03-16", "2026-03-20")
    assert campaign["total"] == 10 and campaign["filled"] + len(campaign["empty"]) == 10


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"last_date": "2026-03-10"}, "campaign_ends_before_start"),
        ({"first_date": "2026-01-05", "last_date": "2026-01-09"}, "campaign_range_past"),
        ({"airtimes": []}, "campaign_no_airtimes"),
        (
            {"airtimes": [{"local_start": "19:00", "duration_s": 1800}] * 2},
            "campaign_airtimes_overlap",
        ),
    ],
)
def test_a_bad_campaign_is_refused_with_its_code_and_nothing_stored(
    app: Flask, api: dict[str, Api], change: dict[str, Any], code: str
) -> None:
    refused = api["csch"].post("/columns/yunxi/campaigns", {**CAMPAIGN, **change})
    body = assert_error(refused, 422, "refused_value")
    assert body["reason"] == code
    assert slot_count(app) == 0


def test_only_the_countys_schedulers_plan_its_campaigns(app: Flask, api: dict[str, Api]) -> None:
    assert api["cpr"].post("/columns/yunxi/campaigns", CAMPAIGN).status_code == 403
    assert api["sch"].post("/columns/yunxi/campaigns", CAMPAIGN).status_code == 404
    assert api["cpr"].get("/columns/yunxi/campaigns").status_code == 403
    assert slot_count(app) == 0
