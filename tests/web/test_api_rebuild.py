"""「立即编排」 and slot edits through the API: a preview writes nothing, apply applies it or
refuses a stale one (409, Retry-After while the service builds); PATCH /slots/<id> edits a
slot, refusing bad input (422) and a stale ``updated_at`` (409) with the slot unchanged."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import people
from editorial.models import Episode, State
from schedule import builder, rebuild
from schedule.models import Airing, ScheduleBuild
from tests.web.test_api import NOW, Api, world
from tests.web.test_api_slots import SLOT
from web.api import access
from web.db import session_factory, unit_of_work


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    return world(app)


@pytest.fixture
def slot(api: dict[str, Api]) -> dict[str, Any]:
    made: Any = api["sch"].post("/columns/city/slots", SLOT).json
    return made  # type: ignore[no-any-return]


def approve(app: Flask, title: str) -> int:
    with unit_of_work(app) as s:
        episode = Episode(
            column=people.get_column(s, "city"),
            title=title,
            target_duration_s=1800,
            director_id=people.get_person(s, "ed").id,
            responsible_producer_id=people.get_person(s, "pr").id,
            state=State.APPROVED,
            review_round=1,
            state_entered_at=NOW - timedelta(days=1),
            created_at=NOW - timedelta(days=9),
        )
        s.add(episode)
        s.flush()
        return episode.id


def counts(app: Flask) -> tuple[int, int]:
    with unit_of_work(app) as s:
        return (
            s.scalar(select(func.count()).select_from(Airing)) or 0,
            s.scalar(select(func.count()).select_from(ScheduleBuild)) or 0,
        )


def test_a_preview_lists_the_changes_and_writes_nothing(
    app: Flask, api: dict[str, Api], slot: dict[str, Any]
) -> None:
    episode = approve(app, "初心如磐")
    shown = api["sch"].post("/schedule/preview", None)
    assert shown.status_code == 200, shown.json
    body: Any = shown.json
    assert [(c["change"], c["episode"]["id"], c["to"]["starts_at"]) for c in body["changes"]] == [
        ("new", episode, "2026-03-06T12:00:00+00:00")
    ]
    assert body["build"] is None and body["unscheduled"] == []
    assert counts(app) == (0, 0)


def test_apply_applies_the_preview_once_and_refuses_it_stale(
    app: Flask, api: dict[str, Api], slot: dict[str, Any]
) -> None:
    approve(app, "初心如磐")
    shown: Any = api["sch"].post("/schedule/preview", None).json
    tokens = {"fingerprint": shown["fingerprint"], "digest": shown["digest"]}
    done = api["sch"].post("/schedule/apply", tokens)
    assert done.status_code == 200, done.json
    body: Any = done.json
    assert body["build"] and body["digest"] == shown["digest"]
    assert [c["change"] for c in body["changes"]] == [c["change"] for c in shown["changes"]]
    assert counts(app) == (1, 1)
    again = api["sch"].post("/schedule/apply", tokens)  # the same preview, already applied
    assert again.status_code == 409
    assert again.json["reason"] == "rebuild_preview_stale"  # type: ignore[index]
    assert counts(app) == (1, 1)


def test_apply_refuses_a_preview_whose_inputs_changed(
    app: Flask, api: dict[str, Api], slot: dict[str, Any]
) -> None:
    approve(app, "初心如磐")
    shown: Any = api["sch"].post("/schedule/preview", None).json
    approve(app, "使命在肩")
    refused = api["sch"].post(
        "/schedule/apply", {"fingerprint": shown["fingerprint"], "digest": shown["digest"]}
    )
    assert refused.status_code == 409
    assert refused.json["reason"] == "rebuild_inputs_changed"  # type: ignore[index]
    assert counts(app) == (0, 0)


def test_only_schedulers_rebuild(api: dict[str, Api]) -> None:
    refused = api["pr"].post("/schedule/preview", None)
    assert refused.status_code == 403
    assert refused.json["reason"] == "not_a_scheduler"  # type: ignore[index]


def test_a_scheduler_edits_a_slot(api: dict[str, Api], slot: dict[str, Any]) -> None:
    edited = api["sch"].patch(
        f"/slots/{slot['id']}",
        {
            "updated_at": slot["updated_at"],
            "local_start": "21:30",
            "timezone": "Asia/Urumqi",
            "last_date": "2026-12-25",
        },
    )
    assert edited.status_code == 200, edited.json
    body: Any = edited.json
    assert (body["local_start"], body["timezone"], body["last_date"]) == (
        "21:30",
        "Asia/Urumqi",
        "2026-12-25",
    )
    assert body["name"] == "周五首播" and body["updated_at"] != slot["updated_at"]
    stale = api["sch"].patch(
        f"/slots/{slot['id']}", {"updated_at": slot["updated_at"], "name": "x"}
    )
    assert stale.status_code == 409
    assert stale.json["reason"] == "slot_changed_meanwhile"  # type: ignore[index]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"last_date": "2026-03-01"}, "last_date"),
        ({"rrule": "FREQ=SOMETIMES"}, "rrule"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_a_bad_edit_is_refused_and_the_slot_unchanged(
    api: dict[str, Api], slot: dict[str, Any], changes: dict[str, str], field: str
) -> None:
    refused = api["sch"].patch(
        f"/slots/{slot['id']}", {"updated_at": slot["updated_at"], **changes}
    )
    assert refused.status_code == 422
    assert field in refused.json["fields"]  # type: ignore[index]
    assert api["sch"].get(f"/slots/{slot['id']}").json == slot


def test_a_rerun_slot_cannot_replay_itself(api: dict[str, Api], slot: dict[str, Any]) -> None:
    rerun: Any = api["sch"].post(
        "/columns/city/slots",
        {**SLOT, "name": "周日重播", "kind": "rerun", "rrule": "FREQ=WEEKLY;BYDAY=SU",
         "rerun_of": slot["id"]},
    ).json  # fmt: skip
    refused = api["sch"].patch(
        f"/slots/{rerun['id']}", {"updated_at": rerun["updated_at"], "rerun_of": rerun["id"]}
    )
    assert refused.status_code == 422
    assert refused.json["fields"]["rerun_of"]  # type: ignore[index]


def test_a_producer_cannot_edit_a_slot(api: dict[str, Api], slot: dict[str, Any]) -> None:
    assert (
        api["pr"].patch(f"/slots/{slot['id']}", {"updated_at": slot["updated_at"]}).status_code
        == 403
    )


def test_the_service_building_first_is_seen_by_apply(
    app: Flask, api: dict[str, Api], slot: dict[str, Any]
) -> None:
    approve(app, "初心如磐")
    shown: Any = api["sch"].post("/schedule/preview", None).json
    with unit_of_work(app) as s:
        builder.build(s, NOW)
    refused = api["sch"].post(
        "/schedule/apply", {"fingerprint": shown["fingerprint"], "digest": shown["digest"]}
    )
    assert refused.status_code == 409 and counts(app) == (1, 1)


# PostgreSQL only: on SQLite the database has one writer, and a second one gets 503 busy
# with Retry-After (tests/web/test_busy_sqlite.py), so there is no build lock to test.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_apply_while_the_service_builds_is_told_to_retry(
    app: Flask, api: dict[str, Api], slot: dict[str, Any]
) -> None:
    engine = session_factory(app).kw["bind"]
    approve(app, "初心如磐")
    shown: Any = api["sch"].post("/schedule/preview", None).json
    with Session(engine) as service, service.begin():
        rebuild.hold_build_lock(service, wait=True)
        refused = api["sch"].post(
            "/schedule/apply", {"fingerprint": shown["fingerprint"], "digest": shown["digest"]}
        )
    assert refused.status_code == 409
    assert refused.json["reason"] == "rebuild_running"  # type: ignore[index]
    assert refused.headers["Retry-After"] == str(rebuild.RETRY_AFTER_S)
    assert counts(app) == (0, 0)
