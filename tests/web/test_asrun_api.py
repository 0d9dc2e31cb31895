"""``POST /api/v1/channels/<code>/asrun``: an as-run log as the body or a form's file,
the summary as JSON fitting the OpenAPI document, refusals as 4xx with nothing stored,
and two imports of one file at once: one imports, the other is told, never a 500."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from editorial import people
from schedule.models import AsRunEntry, AsRunLog, AsRunResult
from tests.conftest import NOW
from tests.station.asrun.conftest import World, csv_bytes, make_world, world_rows
from tests.web.test_openapi import Conformance
from web.api import access
from web.db import unit_of_work

CSV = "text/csv"
PATH = "/api/v1/channels/{code}/asrun"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def world(app: Flask) -> World:
    with unit_of_work(app) as session:
        return make_world(session)


@pytest.fixture
def tokens(app: Flask, world: World) -> dict[str, str]:
    with unit_of_work(app) as session:
        return {
            name: people.issue_token(session, people.get_person(session, name), "tests", NOW)
            for name in ("bp", "pr")
        }


@pytest.fixture
def check(app: Flask) -> Conformance:
    return Conformance(app.test_client().get("/api/v1/openapi.json").json)  # type: ignore[arg-type]


Post = Callable[..., TestResponse]


@pytest.fixture
def post(app: Flask, world: World, tokens: dict[str, str], check: Conformance) -> Post:
    def send(
        data: bytes,
        *,
        who: str = "bp",
        code: str | None = None,
        content_type: str = CSV,
        **query: Any,
    ) -> TestResponse:
        response = app.test_client().post(
            f"/api/v1/channels/{code or world.channel}/asrun",
            query_string=query,
            data=data,
            headers={"Authorization": f"Bearer {tokens[who]}", "Content-Type": content_type},
        )
        return check("post", PATH, response)

    return send


def stored(app: Flask) -> tuple[int, int, int]:
    with unit_of_work(app) as session:
        return tuple(  # type: ignore[return-value]
            session.scalar(select(func.count()).select_from(model)) or 0
            for model in (AsRunLog, AsRunEntry, AsRunResult)
        )


def test_a_csv_body_is_imported_and_answered_with_the_summary(
    post: Post, world: World, app: Flask
) -> None:
    rows = world_rows(world)
    rows[2][2] = "00:12:00"
    del rows[4]
    answer = post(csv_bytes(rows), filename="播后记录.csv")
    assert answer.status_code == 200, answer.json
    body = answer.json
    assert body["log"]["file_name"] == "播后记录.csv" and body["log"]["rows"] == 6
    assert (body["confirmed"], body["short"], body["missing"], body["late"]) == (5, 1, 1, 0)
    short, missing = body["problems"]
    assert (short["outcome"], short["short_s"], short["row"]) == ("short", 480, 4)
    assert (missing["outcome"], missing["row"], missing["title"]) == ("missing", None, "节目5")
    assert missing["planned"] == "2026-02-27T20:00:00+08:00"
    assert body["notified"] == 1 and not body["already_imported"]

    again = post(csv_bytes(rows), filename="copy.csv")
    assert again.status_code == 200 and again.json["already_imported"]
    assert again.json["log"]["id"] == body["log"]["id"]
    assert stored(app) == (1, 6, 7)


def test_a_multipart_form_is_taken_too(app: Flask, world: World, tokens: dict[str, str]) -> None:
    response = app.test_client().post(
        f"/api/v1/channels/{world.channel}/asrun",
        data={"file": (io.BytesIO(csv_bytes(world_rows(world))), "log.csv")},
        headers={"Authorization": f"Bearer {tokens['bp']}"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.json
    assert response.json["log"]["file_name"] == "log.csv" and response.json["confirmed"] == 7


def test_a_gbk_body_needs_its_encoding(post: Post, world: World, app: Flask) -> None:
    data = csv_bytes(world_rows(world), encoding="gbk")
    refused = post(data)
    assert refused.status_code == 422
    assert refused.json["reason"] == "asrun_encoding_undeclared"
    assert "--encoding gb18030" in refused.json["message"]
    assert stored(app) == (0, 0, 0)
    assert post(data, encoding="gb18030").json["confirmed"] == 7


@pytest.mark.parametrize(
    ("change", "reason", "said"),
    [
        (lambda rows: [*rows, rows[1]], "asrun_duplicate_rows", "rows 3 and 9"),
        (
            lambda rows: [*rows, [rows[0][0], "20:05", "60", "插播", "", ""]],
            "asrun_overlap",
            "row 9 starts before row 2 ends",
        ),
        (
            lambda rows: [*rows, [rows[0][0], "20:75", "60", "插播", "", ""]],
            "asrun_bad_time",
            "row 9",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_its_row_and_nothing_is_kept(
    post: Post,
    world: World,
    app: Flask,
    change: Callable[[list[list[str]]], list[list[str]]],
    reason: str,
    said: str,
) -> None:
    refused = post(csv_bytes(change(world_rows(world))))
    assert refused.status_code == 422
    assert refused.json["reason"] == reason and said in refused.json["message"]
    assert stored(app) == (0, 0, 0)


def test_a_file_over_the_limit_is_413_unread(post: Post, world: World, app: Flask) -> None:
    app.config["ASRUN_MAX_BYTES"] = 4096
    refused = post(b"x" * 200_000)
    assert refused.status_code == 413
    assert "TVCOLUMN_ASRUN_MAX_MB" in refused.json["message"]
    assert stored(app) == (0, 0, 0)


def test_a_producer_may_not_import_and_an_unknown_channel_is_404(post: Post, world: World) -> None:
    data = csv_bytes(world_rows(world))
    assert post(data, who="pr").status_code == 403
    assert post(data, code="no-such-channel").status_code == 404
    assert post(data, content_type="image/png").status_code == 415


def test_two_imports_of_one_file_at_once_import_it_once(
    app: Flask, world: World, tokens: dict[str, str]
) -> None:
    data = csv_bytes(world_rows(world))
    start = threading.Barrier(4)

    def one(_: int) -> TestResponse:
        start.wait()
        return app.test_client().post(
            f"/api/v1/channels/{world.channel}/asrun",
            data=data,
            headers={"Authorization": f"Bearer {tokens['bp']}", "Content-Type": CSV},
        )

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(one, range(4)))
    assert {a.status_code for a in answers} <= {200, 409, 503}, [a.json for a in answers]
    fresh = [a for a in answers if a.status_code == 200 and not a.json["already_imported"]]
    assert len(fresh) == 1
    assert stored(app) == (1, 7, 7)
