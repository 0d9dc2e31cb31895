"""Concurrency never surfaces as a server error: every act raced on one version has
one winner and the rest answer 409, through the API, the pages and the CLI, on
SQLite and PostgreSQL; concurrent comments all land.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from editorial import accounts, people
from editorial.models import Comment, Episode, HistoryEntry
from tests.web.conftest import MASTER_SECONDS, csrf_token, sign_in
from tests.web.test_api import ALL_CONFIRMED, NOW, Api, propose, world
from web.api import access
from web.db import unit_of_work

RACERS = 20


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    return world(app)


def race(n: int, request: Callable[[int], TestResponse]) -> list[TestResponse]:
    """Send ``n`` requests as nearly at once as threads allow."""
    start = threading.Barrier(n)

    def one(i: int) -> TestResponse:
        start.wait()
        return request(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def statuses(responses: list[TestResponse]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def history_length(app: Flask, episode_id: int) -> int:
    with unit_of_work(app) as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.episode_id == episode_id)
            )
            or 0
        )


# (act, who, fields, the acts that bring a proposed episode to where it may be taken)
SIGN = {"checklist": ALL_CONFIRMED}
# "upload": the master, through the API's upload (nothing is submitted without one).
TO_REVIEW = [
    ("approve_topic", "pr"),
    ("start_production", "ed"),
    ("upload", "ed"),
    ("submit", "ed"),
]
TO_APPROVED = [
    *TO_REVIEW,
    ("first_review", "pr", SIGN),
    ("second_review", "rv", SIGN),
    ("final_review", "fa", SIGN),
]
ACTS: list[tuple[str, str, dict[str, Any], list[tuple[Any, ...]]]] = [
    ("approve_topic", "pr", {}, []),
    ("reject_topic", "pr", {"reason": "选题重复"}, []),
    ("withdraw", "ed", {"reason": "不再需要"}, []),
    ("start_production", "ed", {}, TO_REVIEW[:1]),
    ("submit", "ed", {}, TO_REVIEW[:3]),
    ("first_review", "pr", SIGN, TO_REVIEW),
    ("return_for_changes", "pr", {"reason": "字幕有误"}, TO_REVIEW),
    ("second_review", "rv", SIGN, TO_APPROVED[:5]),
    ("final_review", "fa", SIGN, TO_APPROVED[:6]),
    ("pull_from_air", "fa", {"reason": "内容需要更新"}, TO_APPROVED),
    ("offer_exchange", "pr", {"offered": True}, TO_APPROVED),
    ("hand_over", "pr", {"to": "pr2"}, []),
    ("set_priority_tags", "pr", {"priority_tags": ["基层党建"]}, []),
]


@pytest.mark.parametrize(("act", "who", "fields", "before"), ACTS, ids=[a[0] for a in ACTS])
def test_an_act_raced_on_one_version_has_one_winner_and_the_rest_conflict(
    app: Flask,
    api: dict[str, Api],
    master_file: Path,
    act: str,
    who: str,
    fields: dict[str, Any],
    before: list[tuple[Any, ...]],
) -> None:
    eid = propose(api, target_duration_s=MASTER_SECONDS)["id"]
    for step in before:
        if step[0] == "upload":
            assert api[step[1]].upload(eid, master_file).status_code == 201
            continue
        done = api[step[1]].act(eid, step[0], **(step[2] if len(step) > 2 else {}))
        assert done.status_code == 200, done.json
    version = api[who].get(f"/episodes/{eid}").json["version"]  # type: ignore[index]
    entries = history_length(app, eid)
    racers = [Api(app.test_client(), api[who].headers["Authorization"][7:]) for _ in range(RACERS)]

    answers = race(RACERS, lambda i: racers[i].act(eid, act, version=version, **fields))

    assert statuses(answers) == {200: 1, 409: RACERS - 1}, [r.json for r in answers]
    assert all(r.json["error"] == "conflict" for r in answers if r.status_code == 409)  # type: ignore[index]
    assert history_length(app, eid) == entries + 1  # one act recorded, no half of another


def test_an_edit_raced_through_the_api_has_one_winner(app: Flask, api: dict[str, Api]) -> None:
    eid = propose(api)["id"]
    token = api["ed"].headers["Authorization"][7:]
    racers = [Api(app.test_client(), token) for _ in range(RACERS)]

    answers = race(
        RACERS, lambda i: racers[i].patch(f"/episodes/{eid}", {"version": 1, "title": f"标题{i}"})
    )

    assert statuses(answers) == {200: 1, 409: RACERS - 1}, [r.json for r in answers]
    [winner] = [r for r in answers if r.status_code == 200]
    with unit_of_work(app) as s:
        assert s.get_one(Episode, eid).title == winner.json["title"]  # type: ignore[index]


def test_the_edit_form_raced_has_one_winner_and_the_others_keep_what_they_typed(
    app: Flask, api: dict[str, Api]
) -> None:
    eid = propose(api)["id"]
    with unit_of_work(app) as s:
        accounts.set_password(s, people.get_person(s, "ed"), "correct-horse", NOW)
    clients = []
    for _ in range(RACERS):
        client = app.test_client()
        sign_in(client, "ed")
        clients.append((client, csrf_token(client, f"/episodes/{eid}/edit")))

    def submit(i: int) -> TestResponse:
        client, token = clients[i]
        form = {
            "csrf_token": token,
            "version": "1",
            "title": f"第{i}版标题",
            "target_minutes": "20",
        }
        return client.post(f"/episodes/{eid}/edit", data=form)

    answers = race(RACERS, submit)

    assert statuses(answers) == {303: 1, 409: RACERS - 1}
    for i, answer in enumerate(answers):
        if answer.status_code == 409:
            assert f"第{i}版标题" in answer.get_data(as_text=True)  # what was typed is kept


def test_concurrent_comments_all_land(app: Flask, api: dict[str, Api]) -> None:
    eid = propose(api)["id"]
    token = api["rv"].headers["Authorization"][7:]
    racers = [Api(app.test_client(), token) for _ in range(RACERS)]

    answers = race(RACERS, lambda i: racers[i].post(f"/episodes/{eid}/comments", {"body": f"{i}"}))

    assert statuses(answers) == {201: RACERS}
    with unit_of_work(app) as s:
        assert s.scalar(select(func.count()).select_from(Comment)) == RACERS


def test_an_act_raced_through_the_cli_has_one_winner(
    app: Flask, api: dict[str, Api], tmp_path: Path
) -> None:
    eid = propose(api)["id"]
    env = {
        **os.environ,
        "TVCOLUMN_DATABASE_URL": app.config["DATABASE_URL"],
        "TVCOLUMN_INSTANCE_PATH": str(tmp_path),
    }
    command = [
        str(Path(sys.executable).with_name("tvcolumn")),
        *("episode", "approve-topic", str(eid), "--as", "pr", "--expect-version", "1"),
    ]

    def one(_i: int) -> tuple[int, str, str]:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        return done.returncode, done.stdout, done.stderr

    with ThreadPoolExecutor(RACERS) as pool:
        results = list(pool.map(one, range(RACERS)))

    assert Counter(code for code, _out, _err in results) == {0: 1, 1: RACERS - 1}, results
    for code, _out, err in results:
        if code == 1:
            assert "Traceback" not in err
            assert len(err.strip().splitlines()) == 1, err  # one line
            assert "changed" in err
    assert history_length(app, eid) == 2
