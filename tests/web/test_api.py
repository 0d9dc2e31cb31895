"""The JSON API: Bearer tokens only, JSON for every answer, the workflow's rules
through it, filters and pages, and bad input refused field by field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from calendars.models import ExternalAiring, FeedSource
from editorial import accounts, people, workflow
from editorial.models import Comment, Episode, HistoryEntry, Level, Role, Stage
from editorial.workdays import SHANGHAI
from schedule import airings, slots
from schedule.models import SlotKind
from tests.web.conftest import MASTER_SECONDS, sign_in
from web.api import access, acts
from web.db import unit_of_work

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Shanghai
ALL_CONFIRMED = {
    "political_accuracy": True,
    "facts": True,
    "watchability": True,
    "timeliness": True,
    "technical_quality": True,
}
CITY = ("city", "时代风采", Level.CITY)
COUNTY = ("yunxi", "云溪风采", Level.COUNTY)
PEOPLE = {
    "ed": ("city", Role.EDITOR_DIRECTOR, "编导甲"),
    "pr": ("city", Role.PRODUCER, "制片乙"),
    "pr2": ("city", Role.PRODUCER, "制片丙"),
    "rv": ("city", Role.REVIEWER, "审片丁"),
    "fa": ("city", Role.FINAL_APPROVER, "终审戊"),
    "sch": ("city", Role.SCHEDULER, "编排己"),
    "ced": ("yunxi", Role.EDITOR_DIRECTOR, "县编导"),
    "cpr": ("yunxi", Role.PRODUCER, "县制片"),
}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


class Api:
    """A test client speaking to the API with one person's token."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, **query: Any) -> TestResponse:
        return self.client.get("/api/v1" + path, query_string=query, headers=self.headers)

    def post(self, path: str, body: Any) -> TestResponse:
        return self.client.post("/api/v1" + path, json=body, headers=self.headers)

    def patch(self, path: str, body: Any) -> TestResponse:
        return self.client.patch("/api/v1" + path, json=body, headers=self.headers)

    def put(self, path: str, body: Any) -> TestResponse:
        return self.client.put("/api/v1" + path, json=body, headers=self.headers)

    def delete(self, path: str) -> TestResponse:
        return self.client.delete("/api/v1" + path, headers=self.headers)

    def upload(self, episode_id: int, master: Path) -> TestResponse:
        """Upload ``master`` as the episode's next master (the file is the body)."""
        version = self.get(f"/episodes/{episode_id}").json["version"]  # type: ignore[index]
        return self.client.post(
            f"/api/v1/episodes/{episode_id}/media",
            query_string={"version": version, "filename": master.name},
            headers={**self.headers, "Content-Type": "video/mp4"},
            data=master.read_bytes(),
        )

    def act(self, episode_id: int, act: str, **fields: Any) -> TestResponse:
        version = fields.pop("version", None)
        if version is None:
            version = self.get(f"/episodes/{episode_id}").json["version"]  # type: ignore[index]
        return self.post(f"/episodes/{episode_id}/acts", {"act": act, "version": version, **fields})


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    return world(app)


def world(app: Flask) -> dict[str, Api]:
    """A city column and a county column, one person per role, an API client per person."""
    tokens = {}
    with app.app_context(), unit_of_work(app) as s:
        columns = {
            slug: people.create_column(
                s, NOW, slug=slug, name=name, level=level, station="电视台", channel="综合频道"
            )
            for slug, name, level in (CITY, COUNTY)
        }
        for username, (slug, role, name) in PEOPLE.items():
            person = people.create_person(s, NOW, username=username, display_name=name)
            people.grant_role(s, person, columns[slug], role, NOW)
            tokens[username] = people.issue_token(s, person, "tests", NOW)
    return {username: Api(app.test_client(), token) for username, token in tokens.items()}


def proposal(**fields: Any) -> dict[str, Any]:
    body = {
        "column": "city",
        "title": "先锋工程纪实",
        "target_duration_s": 1200,
        "responsible_producer": "pr",
    }
    body.update(fields)
    return body


def propose(api: dict[str, Api], who: str = "ed", **fields: Any) -> dict[str, Any]:
    response = api[who].post("/episodes", proposal(**fields))
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[return-value]


def stored(app: Flask, model: type[Any] = Episode) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def assert_error(response: TestResponse, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    assert body["status"] == status and body["error"] == error and body["message"]
    return body


# --- authentication ------------------------------------------------------------------------------


def test_without_a_bearer_token_the_answer_is_a_json_401(app: Flask, api: dict[str, Api]) -> None:
    anonymous = Api(app.test_client(), None)
    body = assert_error(anonymous.get("/episodes"), 401, "unauthorized")
    assert "Bearer" in body["message"]
    assert anonymous.get("/episodes").headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(Api(app.test_client(), "tvc_not-a-token").get("/episodes"), 401, "unauthorized")
    assert_error(anonymous.post("/episodes", proposal()), 401, "unauthorized")
    assert stored(app) == 0


def test_a_session_cookie_alone_does_not_authenticate(app: Flask, api: dict[str, Api]) -> None:
    with app.app_context(), unit_of_work(app) as s:
        accounts.set_password(s, people.get_person(s, "ed"), "correct-horse", NOW)
    client = app.test_client()
    sign_in(client, "ed")
    assert client.get("/").status_code == 200  # the cookie signs the pages in
    assert_error(client.get("/api/v1/episodes"), 401, "unauthorized")
    assert_error(client.post("/api/v1/episodes", json=proposal()), 401, "unauthorized")
    assert stored(app) == 0


def test_a_revoked_token_or_a_deactivated_person_is_refused(
    app: Flask, api: dict[str, Api]
) -> None:
    assert api["ed"].get("/episodes").status_code == 200
    with app.app_context(), unit_of_work(app) as s:
        people.get_person(s, "ed").active = False
    assert_error(api["ed"].get("/episodes"), 401, "unauthorized")


# --- JSON for every answer -----------------------------------------------------------------------


def test_unknown_paths_and_methods_answer_json(api: dict[str, Api]) -> None:
    ed = api["ed"]
    assert_error(ed.get("/nothing-here"), 404, "not_found")
    assert_error(ed.get("/episodes/not-a-number"), 404, "not_found")
    response = ed.client.delete("/api/v1/episodes", headers=ed.headers)
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_answers_are_kept_by_no_shared_cache(api: dict[str, Api]) -> None:
    assert api["ed"].get("/episodes").headers["Cache-Control"] == "no-store"


def test_chinese_text_is_sent_as_utf8_not_escaped(api: dict[str, Api]) -> None:
    propose(api, title="七一特别节目")
    response = api["ed"].get("/episodes")
    raw = response.get_data()
    assert "七一特别节目".encode() in raw and b"\\u4e03" not in raw
    assert response.json["items"][0]["state_label"] == "选题申报"  # type: ignore[index]


def test_an_unexpected_failure_is_a_json_500_that_reveals_nothing(
    app: Flask, api: dict[str, Api], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> list[workflow.Act]:
        raise RuntimeError("sqlalchemy secret /srv/tvcolumn/internal.py")

    monkeypatch.setattr(workflow, "available_acts", broken)
    response = api["ed"].post("/episodes", proposal())
    body = assert_error(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert "changed nothing" in body["message"]
    assert stored(app) == 0  # the proposal was rolled back


def test_a_body_that_is_not_json_is_refused(app: Flask, api: dict[str, Api]) -> None:
    ed = api["ed"]
    not_json = ed.client.post(
        "/api/v1/episodes", data="title=x", headers=ed.headers, content_type="text/plain"
    )
    assert_error(not_json, 415, "unsupported_media_type")
    broken = ed.client.post(
        "/api/v1/episodes", data="{", headers=ed.headers, content_type="application/json"
    )
    assert "not valid JSON" in assert_error(broken, 400, "bad_request")["message"]
    huge = ed.post("/episodes", proposal(synopsis="长" * 300_000))
    assert_error(huge, 413, "payload_too_large")
    assert stored(app) == 0


# --- the workflow through the API ----------------------------------------------------------------


def test_propose_to_approved_through_the_api_with_four_peoples_tokens(
    api: dict[str, Api], master_file: Path
) -> None:
    episode = propose(
        api,
        title="七一特别节目",
        air_by="2026-07-01",
        priority_tags=["七一"],
        target_duration_s=MASTER_SECONDS,
    )
    eid = episode["id"]
    assert episode["state"] == "proposed" and episode["director"]["username"] == "ed"
    assert episode["acts"] == ["withdraw", "edit"]
    assert api["pr"].get(f"/episodes/{eid}").json["acts"] == [  # type: ignore[index]
        "approve_topic",
        "reject_topic",
        "withdraw",
        "hand_over",
        "edit",
        "set_priority_tags",
    ]
    steps = [
        ("pr", "approve_topic", {}, "topic_approved"),
        ("ed", "start_production", {}, "in_production"),
        ("ed", "upload", {}, "in_production"),
        ("ed", "submit", {}, "first_review"),
        ("pr", "first_review", {"checklist": ALL_CONFIRMED, "stage": "first"}, "second_review"),
        ("rv", "second_review", {"checklist": ALL_CONFIRMED}, "final_review"),
        ("fa", "final_review", {"checklist": ALL_CONFIRMED}, "approved"),
    ]
    for who, act, fields, state in steps:
        if act == "upload":
            assert api[who].upload(eid, master_file).status_code == 201
            assert api[who].get(f"/episodes/{eid}").json["state"] == state  # type: ignore[index]
            continue
        response = api[who].act(eid, act, **fields)
        assert response.status_code == 200, response.json
        assert response.json["state"] == state  # type: ignore[index]
    history = api["rv"].get(f"/episodes/{eid}/history").json["items"]  # type: ignore[index]
    assert [(h["act"], h["actor"]["username"], h["role"]) for h in history] == [
        ("propose", "ed", "editor_director"),
        ("approve_topic", "pr", "producer"),
        ("start_production", "ed", "editor_director"),
        ("new_media", "ed", "editor_director"),
        ("submit", "ed", "editor_director"),
        ("first_review", "pr", "producer"),
        ("second_review", "rv", "reviewer"),
        ("final_review", "fa", "final_approver"),
    ]
    assert history[-1]["checklist"] == ALL_CONFIRMED and history[-1]["to_state"] == "approved"
    assert history[0]["at"] == "2026-03-02T01:00:00+00:00"
    assert history[0]["at_local"] == "2026-03-02T09:00:00+08:00"
    assert history[6]["role_label"] == "审片人"

    # A priority deployed after approval: the producer tags the approved episode.
    tagged = api["pr"].act(eid, "set_priority_tags", priority_tags=["七一", "党史学习"])
    assert tagged.status_code == 200, tagged.json
    assert tagged.json["state"] == "approved"  # type: ignore[index]
    assert sorted(tagged.json["priority_tags"]) == ["七一", "党史学习"]  # type: ignore[index]
    refused = api["ed"].act(eid, "set_priority_tags", priority_tags=["x"])
    assert refused.status_code == 403


def test_a_reviewer_cannot_approve_a_topic(app: Flask, api: dict[str, Api]) -> None:
    episode = propose(api)
    body = assert_error(api["rv"].act(episode["id"], "approve_topic"), 403, "forbidden")
    assert "rv" in body["message"]
    assert api["rv"].get(f"/episodes/{episode['id']}").json["state"] == "proposed"  # type: ignore[index]
    assert stored(app, HistoryEntry) == 1


def test_the_editor_director_signs_no_review(api: dict[str, Api], master_file: Path) -> None:
    eid = propose(api, target_duration_s=MASTER_SECONDS)["id"]
    for who, act, fields in (
        ("pr", "approve_topic", {}),
        ("ed", "start_production", {}),
    ):
        assert api[who].act(eid, act, **fields).status_code == 200
    assert api["ed"].upload(eid, master_file).status_code == 201
    for who, act, fields in (
        ("ed", "submit", {}),
        ("pr", "first_review", {"checklist": ALL_CONFIRMED}),
    ):
        assert api[who].act(eid, act, **fields).status_code == 200
    assert_error(api["ed"].act(eid, "second_review", checklist=ALL_CONFIRMED), 403, "forbidden")
    assert api["rv"].act(eid, "second_review", checklist=ALL_CONFIRMED).status_code == 200


def test_another_countys_episode_is_not_found_for_every_route(
    app: Flask, api: dict[str, Api]
) -> None:
    county = propose(api, "ced", column="yunxi", responsible_producer="cpr")["id"]
    missing = 999_999
    ed = api["ed"]
    for eid in (county, missing):
        for response in (
            ed.get(f"/episodes/{eid}"),
            ed.get(f"/episodes/{eid}/history"),
            ed.get(f"/episodes/{eid}/comments"),
            ed.post(f"/episodes/{eid}/comments", {"body": "看看"}),
            ed.post(f"/episodes/{eid}/acts", {"act": "withdraw", "version": 1, "reason": "x"}),
            ed.patch(f"/episodes/{eid}", {"version": 1, "title": "改"}),
        ):
            body = assert_error(response, 404, "not_found")
            assert body["message"] == f"no episode {eid}" and "reason" not in body
    assert [e["id"] for e in ed.get("/episodes").json["items"]] == []  # type: ignore[index]
    assert_error(ed.get("/episodes", column="yunxi"), 422, "unknown_reference")
    assert stored(app, Comment) == 0


def test_a_stale_version_is_a_409_that_names_who_acted_last(
    app: Flask, api: dict[str, Api]
) -> None:
    eid = propose(api)["id"]
    assert api["pr"].act(eid, "approve_topic", version=1).status_code == 200
    body = assert_error(
        api["pr"].act(eid, "reject_topic", version=1, reason="重复"), 409, "conflict"
    )
    assert "you saw version 1" in body["message"] and "approve_topic by pr" in body["message"]
    assert body["reason"] == "stale_version"  # the refusal's own code, to say in any language
    assert api["pr"].get(f"/episodes/{eid}").json["state"] == "topic_approved"  # type: ignore[index]
    assert stored(app, HistoryEntry) == 2


def test_an_act_the_state_does_not_allow_is_a_409_illegal_act(api: dict[str, Api]) -> None:
    eid = propose(api)["id"]
    body = assert_error(api["ed"].act(eid, "submit"), 409, "illegal_act")
    assert "proposed" in body["message"] and body["reason"] == "not_in_this_state"


def test_a_sign_off_without_the_whole_checklist_stores_nothing(
    app: Flask, api: dict[str, Api], master_file: Path
) -> None:
    eid = propose(api, target_duration_s=MASTER_SECONDS)["id"]
    for who, act in (("pr", "approve_topic"), ("ed", "start_production")):
        assert api[who].act(eid, act).status_code == 200
    assert api["ed"].upload(eid, master_file).status_code == 201
    assert api["ed"].act(eid, "submit").status_code == 200
    partial = {**ALL_CONFIRMED, "facts": False}
    body = assert_error(api["pr"].act(eid, "first_review", checklist=partial), 422, "invalid_input")
    assert body["fields"] == {"checklist.facts": "must be true"}
    body = assert_error(api["pr"].act(eid, "first_review"), 422, "invalid_input")
    assert body["fields"] == {"checklist": "is required by first_review"}
    wrong_stage = api["pr"].act(eid, "first_review", checklist=ALL_CONFIRMED, stage="second")
    assert "stage" in assert_error(wrong_stage, 422, "invalid_input")["fields"]
    assert api["pr"].get(f"/episodes/{eid}").json["state"] == "first_review"  # type: ignore[index]
    assert stored(app, HistoryEntry) == 5


def test_submitting_without_a_master_is_a_409_that_says_to_upload_it_first(
    app: Flask, api: dict[str, Api]
) -> None:
    eid = propose(api)["id"]
    for who, act in (("pr", "approve_topic"), ("ed", "start_production")):
        assert api[who].act(eid, act).status_code == 200
    shown = api["ed"].get(f"/episodes/{eid}").json
    assert "submit" not in shown["acts"] and "new_media" in shown["acts"]  # type: ignore[index]
    body = assert_error(api["ed"].act(eid, "submit"), 409, "illegal_act")
    assert "no master yet; upload the master first" in body["message"]
    assert api["ed"].get(f"/episodes/{eid}").json["state"] == "in_production"  # type: ignore[index]
    assert stored(app, HistoryEntry) == 3


def test_signing_over_a_failed_qc_takes_a_reason_that_the_history_keeps(
    app: Flask, api: dict[str, Api], master_file: Path
) -> None:
    eid = propose(api)["id"]  # 1,200 s: the 2 s master fails QC on its duration
    for who, act in (("pr", "approve_topic"), ("ed", "start_production")):
        assert api[who].act(eid, act).status_code == 200
    assert api["ed"].upload(eid, master_file).status_code == 201
    assert api["ed"].act(eid, "submit").status_code == 200
    assert api["pr"].get(f"/episodes/{eid}").json["media_qc_passed"] is False  # type: ignore[index]
    entries = stored(app, HistoryEntry)
    sign = {"checklist": ALL_CONFIRMED}
    bare = assert_error(api["pr"].act(eid, "first_review", **sign), 422, "refused_value")
    assert bare["fields"] == {"qc_override": "a reason is required: the master failed QC"}
    blank = api["pr"].act(eid, "first_review", **sign, qc_override="  ")
    assert "qc_override" in assert_error(blank, 422, "invalid_input")["fields"]
    long = api["pr"].act(eid, "first_review", **sign, qc_override="长" * 1001)
    assert "qc_override" in assert_error(long, 422, "invalid_input")["fields"]
    assert stored(app, HistoryEntry) == entries
    signed = api["pr"].act(eid, "first_review", **sign, qc_override=" 时长按栏目安排剪辑 ")
    assert signed.status_code == 200 and signed.json["state"] == "second_review"  # type: ignore[index]
    history = api["rv"].get(f"/episodes/{eid}/history").json["items"]  # type: ignore[index]
    assert history[-1]["act"] == "first_review"
    assert history[-1]["details"] == {"qc_passed": False, "qc_override": "时长按栏目安排剪辑"}
    assert_error(api["rv"].act(eid, "second_review", **sign), 422, "refused_value")


def test_a_reason_for_a_master_that_passed_qc_is_refused(
    api: dict[str, Api], master_file: Path
) -> None:
    eid = propose(api, target_duration_s=MASTER_SECONDS)["id"]
    for who, act in (("pr", "approve_topic"), ("ed", "start_production")):
        assert api[who].act(eid, act).status_code == 200
    assert api["ed"].upload(eid, master_file).status_code == 201
    assert api["ed"].act(eid, "submit").status_code == 200
    assert api["pr"].get(f"/episodes/{eid}").json["media_qc_passed"] is True  # type: ignore[index]
    refused = api["pr"].act(eid, "first_review", checklist=ALL_CONFIRMED, qc_override="无")
    assert assert_error(refused, 422, "refused_value")["fields"] == {
        "qc_override": "not needed: the master did not fail QC"
    }
    assert api["pr"].act(eid, "first_review", checklist=ALL_CONFIRMED).status_code == 200


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"reason": "  "}, "reason", "must contain more than white space"),
        ({}, "reason", "is required by reject_topic"),
        ({"reason": 3}, "reason", "must be a string, not a whole number"),
        ({"reason": "重复", "version": 1.0}, "", ""),
        ({"reason": "重复", "checklist": ALL_CONFIRMED}, "checklist", "not used by reject_topic"),
        ({"reason": "重复", "version": "1"}, "version", "must be a whole number, not a string"),
        ({"reason": "重复", "act": "approve"}, "act", "must be one of"),
    ],
)
def test_bad_act_input_is_refused_field_by_field(
    app: Flask, api: dict[str, Api], fields: dict[str, Any], field: str, words: str
) -> None:
    eid = propose(api)["id"]
    body = {"act": "reject_topic", "version": 1, **fields}
    response = api["pr"].post(f"/episodes/{eid}/acts", body)
    if not field:  # 1.0 is the integer 1, in JSON Schema as here
        assert response.status_code == 200, response.json
        return
    assert words in assert_error(response, 422, "invalid_input")["fields"][field]
    assert stored(app, HistoryEntry) == 1


def test_every_act_but_propose_and_edit_is_posted_to_acts() -> None:
    assert (
        {branch["title"] for branch in acts.ACT["oneOf"]}
        == set(acts.POSTED)
        == set(workflow.Act)
        - {
            workflow.Act.PROPOSE,
            workflow.Act.EDIT,
            workflow.Act.NEW_MEDIA,
        }
    )


def test_an_approved_episode_is_offered_for_exchange_and_pulled_from_air(
    app: Flask, api: dict[str, Api]
) -> None:
    eid = air_one(app, api)
    offered = api["pr"].act(eid, "offer_exchange", offered=True)
    assert offered.json["offered_for_exchange"] is True  # type: ignore[index]
    again = api["pr"].act(eid, "offer_exchange", offered=True)
    assert assert_error(again, 422, "refused_value")["fields"] == {"offered": "already offered"}
    assert_error(api["fa"].act(eid, "pull_from_air"), 422, "invalid_input")
    pulled = api["fa"].act(eid, "pull_from_air", reason="内容需更新")
    assert pulled.json["state"] == "pulled" and pulled.json["acts"] == []  # type: ignore[index]


def test_hand_over_needs_a_known_producer(api: dict[str, Api]) -> None:
    eid = propose(api)["id"]
    nobody = assert_error(api["pr"].act(eid, "hand_over"), 422, "invalid_input")
    assert nobody["fields"] == {"to": "is required by hand_over"}
    unknown = api["pr"].act(eid, "hand_over", to="nobody")
    assert assert_error(unknown, 422, "unknown_reference")["fields"] == {
        "to": "no person with username 'nobody'"
    }
    handed = api["pr"].act(eid, "hand_over", to="pr2", reason="出差")
    assert handed.json["responsible_producer"]["username"] == "pr2"  # type: ignore[index]


# --- proposing and editing -----------------------------------------------------------------------


UNKNOWN, REFUSED = "unknown_reference", "refused_value"  # well-formed, but refused


@pytest.mark.parametrize(
    ("fields", "field", "words", "code"),
    [
        ({"title": 42}, "title", "must be a string, not a whole number", "invalid_input"),
        (
            {"target_duration_s": "1200"},
            "target_duration_s",
            "must be a whole number",
            "invalid_input",
        ),
        ({"target_duration_s": 12.5}, "target_duration_s", "not a number", "invalid_input"),
        ({"target_duration_s": True}, "target_duration_s", "not true or false", "invalid_input"),
        ({"title": "长" * 201}, "title", "at most 200 characters", "invalid_input"),
        ({"genre": "类" * 41}, "genre", "at most 40 characters", "invalid_input"),
        ({"title": "  "}, "title", "more than white space", "invalid_input"),
        ({"responsible_producer": "nobody"}, "responsible_producer", "no person", UNKNOWN),
        ({"responsible_producer": "rv"}, "responsible_producer", "not an active producer", REFUSED),
        ({"column": "nowhere"}, "column", "no column", UNKNOWN),
        (
            {"air_by": "2026-02-30"},
            "air_by",
            "2026-02-30 is not a date that exists",
            "invalid_input",
        ),
        ({"air_by": "1 July"}, "air_by", "must be a date like", "invalid_input"),
        ({"air_by": "2026-03-01"}, "air_by", "already past", REFUSED),
        ({"series": 77, "part_number": 1}, "series", "no series 77", UNKNOWN),
        ({"priority_tags": "七一"}, "priority_tags", "must be a list", "invalid_input"),
        ({"priority_tags": [1]}, "priority_tags[0]", "must be a string", "invalid_input"),
        ({"colour": "red"}, "colour", "not a field", "invalid_input"),
        ({"target_duration_s": 0}, "target_duration_s", "at least 1", "invalid_input"),
    ],
)
def test_a_bad_proposal_says_what_is_wrong_and_stores_nothing(
    app: Flask, api: dict[str, Api], fields: dict[str, Any], field: str, words: str, code: str
) -> None:
    response = api["ed"].post("/episodes", proposal(**fields))
    body = assert_error(response, 422, code)
    assert words in body["fields"][field], body
    assert stored(app) == 0


def test_a_whole_number_may_be_written_with_a_zero_fraction_as_json_schema_allows(
    api: dict[str, Api],
) -> None:
    created = propose(api, target_duration_s=540.0)
    assert created["target_duration_s"] == 540
    page = api["ed"].get("/episodes", limit="5.0")
    assert page.status_code == 200 and page.json["limit"] == 5  # type: ignore[index]
    assert_error(
        api["ed"].post("/episodes", proposal(target_duration_s=540.5)), 422, "invalid_input"
    )


def test_missing_fields_are_each_named(app: Flask, api: dict[str, Api]) -> None:
    body = assert_error(api["ed"].post("/episodes", {"title": "x"}), 422, "invalid_input")
    assert body["fields"] == {
        "column": "is required",
        "target_duration_s": "is required",
        "responsible_producer": "is required",
    }
    assert "column is required" in body["message"]
    body = assert_error(api["ed"].post("/episodes", ["x"]), 422, "invalid_input")
    assert body["fields"] == {"body": "must be an object, not a list"}
    assert stored(app) == 0


def test_only_an_editor_director_of_the_column_proposes(app: Flask, api: dict[str, Api]) -> None:
    assert_error(api["pr"].post("/episodes", proposal()), 403, "forbidden")
    assert_error(
        api["ed"].post("/episodes", proposal(column="yunxi", responsible_producer="cpr")),
        403,
        "forbidden",
    )
    assert stored(app) == 0


def test_an_editor_director_may_not_name_themselves_responsible_producer(
    app: Flask, api: dict[str, Api]
) -> None:
    with app.app_context(), unit_of_work(app) as s:
        people.grant_role(
            s, people.get_person(s, "ed"), people.get_column(s, "city"), Role.PRODUCER, NOW
        )
    body = assert_error(
        api["ed"].post("/episodes", proposal(responsible_producer="ed")), 422, "refused_value"
    )
    assert "four eyes" in body["fields"]["responsible_producer"], body
    assert stored(app) == 0


def test_a_proposal_answers_201_with_its_location_and_every_field(api: dict[str, Api]) -> None:
    response = api["ed"].post(
        "/episodes",
        proposal(topic="基层党建", synopsis="纪实", genre="专题", air_by=None, priority_tags=[]),
    )
    assert response.status_code == 201
    episode = response.json
    assert response.headers["Location"].endswith(f"/api/v1/episodes/{episode['id']}")  # type: ignore[index]
    assert api["ed"].get(f"/episodes/{episode['id']}").json == episode  # type: ignore[index]
    assert episode["column"] == {"id": 1, "slug": "city", "name": "时代风采", "level": "city"}  # type: ignore[index]
    assert episode["version"] == 1 and episode["created_at"] == "2026-03-02T01:00:00+00:00"  # type: ignore[index]


def test_edit_changes_the_fields_sent_and_keeps_old_and_new_in_the_history(
    app: Flask, api: dict[str, Api]
) -> None:
    eid = propose(api, air_by="2026-07-01")["id"]
    response = api["ed"].patch(
        f"/episodes/{eid}", {"version": 1, "title": "新标题", "air_by": None}
    )
    assert response.status_code == 200, response.json
    edited = response.json
    assert edited["title"] == "新标题" and edited["air_by"] is None and edited["version"] == 2  # type: ignore[index]
    history = api["ed"].get(f"/episodes/{eid}/history").json["items"]  # type: ignore[index]
    assert history[-1]["details"]["title"] == ["先锋工程纪实", "新标题"]
    stale = api["pr"].patch(f"/episodes/{eid}", {"version": 1, "genre": "专题"})
    assert "edit by ed" in assert_error(stale, 409, "conflict")["message"]
    assert_error(
        api["rv"].patch(f"/episodes/{eid}", {"version": 2, "genre": "x"}), 403, "forbidden"
    )
    same = api["ed"].patch(f"/episodes/{eid}", {"version": 2, "title": "新标题"})
    assert "nothing to change" in assert_error(same, 422, "refused_value")["message"]
    missing = api["ed"].patch(f"/episodes/{eid}", {"title": "x"})
    assert assert_error(missing, 422, "invalid_input")["fields"] == {"version": "is required"}
    assert stored(app, HistoryEntry) == 2


# --- listing -------------------------------------------------------------------------------------


@pytest.fixture
def listed(app: Flask, api: dict[str, Api]) -> dict[str, int]:
    """Five city episodes (one overdue at the first review) and a county one."""
    ids = {}
    for title in ("党员先锋", "乡村振兴", "七一特别节目", "红色记忆", "基层治理"):
        ids[title] = propose(api, title=title, topic=f"{title}的选题")["id"]
    propose(api, "ced", column="yunxi", responsible_producer="cpr", title="县里的节目")
    with app.app_context(), unit_of_work(app) as s:
        e = s.get(Episode, ids["红色记忆"])
        assert e is not None
        producer, director = e.responsible_producer, e.director
        then = NOW - timedelta(days=30)
        workflow.approve_topic(s, producer, e, e.version, then)
        workflow.start_production(s, director, e, e.version, then)
        workflow.new_media_version(s, director, e, e.version, then, number=1)
        workflow.submit(s, director, e, e.version, then)
    return ids


def ids_of(response: TestResponse) -> list[int]:
    assert response.status_code == 200, response.json
    return [e["id"] for e in response.json["items"]]  # type: ignore[index]


def test_the_list_shows_the_callers_columns_newest_first_in_pages(
    api: dict[str, Api], listed: dict[str, int]
) -> None:
    city = sorted(listed.values(), reverse=True)
    assert ids_of(api["rv"].get("/episodes")) == city
    page = api["rv"].get("/episodes", limit=2, offset=2).json
    assert page["items"][0]["id"] == city[2] and len(page["items"]) == 2  # type: ignore[index]
    assert (page["total"], page["limit"], page["offset"]) == (5, 2, 2)  # type: ignore[index]
    assert ids_of(api["rv"].get("/episodes", offset=10)) == []
    assert len(ids_of(api["ced"].get("/episodes"))) == 1


def test_the_list_filters_by_state_column_text_and_overdue(
    api: dict[str, Api], listed: dict[str, int]
) -> None:
    late = listed["红色记忆"]
    rv = api["rv"]
    assert ids_of(rv.get("/episodes", state="first_review")) == [late]
    both = rv.client.get(
        "/api/v1/episodes?state=first_review&state=proposed&column=city", headers=rv.headers
    )
    assert len(ids_of(both)) == 5
    assert ids_of(rv.get("/episodes", q="七一")) == [listed["七一特别节目"]]
    assert ids_of(rv.get("/episodes", q="振兴的选")) == [listed["乡村振兴"]]
    assert ids_of(rv.get("/episodes", q="100%")) == []
    assert ids_of(rv.get("/episodes", overdue="true")) == [late]
    assert late not in ids_of(rv.get("/episodes", overdue="false"))
    assert len(ids_of(rv.get("/episodes", overdue="false"))) == 4


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"limit": 0}, "limit", "at least 1"),
        ({"limit": 201}, "limit", "at most 200"),
        ({"limit": "ten"}, "limit", "whole number"),
        ({"offset": -1}, "offset", "at least 0"),
        ({"state": "done"}, "state[0]", "must be one of"),
        ({"overdue": "maybe"}, "overdue", "true or false"),
        ({"column": "yunxi"}, "column", "not one of your columns"),
        ({"column": "nowhere"}, "column", "not one of your columns"),
        ({"q": "长" * 101}, "q", "at most 100"),
        ({"sort": "title"}, "sort", "not a parameter"),
    ],
)
def test_bad_list_parameters_are_refused(
    api: dict[str, Api], query: dict[str, Any], field: str, words: str
) -> None:
    code = UNKNOWN if words == "not one of your columns" else "invalid_input"
    body = assert_error(api["ed"].get("/episodes", **query), 422, code)
    assert words in body["fields"][field]


def test_a_list_parameter_given_twice_is_refused(api: dict[str, Api]) -> None:
    ed = api["ed"]
    response = ed.client.get("/api/v1/episodes?limit=1&limit=2", headers=ed.headers)
    assert assert_error(response, 422, "invalid_input")["fields"] == {
        "limit": "is given more than once"
    }


# --- comments ------------------------------------------------------------------------------------


def test_comments_are_added_and_listed_oldest_first(app: Flask, api: dict[str, Api]) -> None:
    eid = propose(api)["id"]
    first = api["rv"].post(f"/episodes/{eid}/comments", {"body": "  请补充采访  "})
    assert first.status_code == 201
    assert first.json["body"] == "请补充采访" and first.json["author"]["username"] == "rv"  # type: ignore[index]
    api["ed"].post(f"/episodes/{eid}/comments", {"body": "已补充"})
    listed = api["pr"].get(f"/episodes/{eid}/comments").json["items"]  # type: ignore[index]
    assert [c["body"] for c in listed] == ["请补充采访", "已补充"]
    empty = api["ed"].post(f"/episodes/{eid}/comments", {"body": " "})
    assert "more than white space" in assert_error(empty, 422, "invalid_input")["fields"]["body"]
    wrong = api["ed"].post(f"/episodes/{eid}/comments", {"text": "x"})
    assert set(assert_error(wrong, 422, "invalid_input")["fields"]) == {"text", "body"}
    assert stored(app, Comment) == 2


# --- schedule and feeds --------------------------------------------------------------------------


@pytest.fixture
def aired(app: Flask, api: dict[str, Api]) -> int:
    return air_one(app, api)


def air_one(app: Flask, api: dict[str, Api]) -> int:
    """An approved city episode pinned to Friday 6 March 20:00, and a county feed's airing."""
    eid = propose(api, title="七一特别节目")["id"]
    with app.app_context(), unit_of_work(app) as s:
        e = s.get(Episode, eid)
        assert e is not None
        ok = workflow.Checklist.all_confirmed()
        get = people.get_person
        workflow.approve_topic(s, get(s, "pr"), e, e.version, NOW)
        workflow.start_production(s, get(s, "ed"), e, e.version, NOW)
        workflow.new_media_version(s, get(s, "ed"), e, e.version, NOW, number=1)
        workflow.submit(s, get(s, "ed"), e, e.version, NOW)
        for who, stage in (("pr", Stage.FIRST), ("rv", Stage.SECOND), ("fa", Stage.FINAL)):
            workflow.sign_off(s, get(s, who), e, e.version, NOW, stage=stage, checklist=ok)
        spec = slots.SlotSpec(
            "周五首播",
            SlotKind.PREMIERE,
            time(20, 0),
            1800,
            "FREQ=WEEKLY;BYDAY=FR",
            date(2026, 3, 6),
        )
        scheduler = get(s, "sch")
        slot = slots.create_slot(s, scheduler, people.get_column(s, "city"), NOW, spec)
        friday = datetime(2026, 3, 6, 20, 0, tzinfo=SHANGHAI).astimezone(UTC)
        airings.assign(s, scheduler, slot, friday, e, NOW)
        source = FeedSource(
            column=people.get_column(s, "yunxi"),
            name="云溪台播出系统",
            location="https://yunxi.example/feed.ics",
            created_at=NOW,
        )
        s.add(source)
        s.add(
            ExternalAiring(
                source=source,
                identity="a@yunxi",
                source_uid="a@yunxi",
                starts_at=datetime(2026, 3, 5, 11, 0, tzinfo=UTC),
                ends_at=datetime(2026, 3, 5, 11, 30, tzinfo=UTC),
                summary="云溪风采：乡村振兴",
                imported_at=NOW,
            )
        )
    return eid


def test_the_schedule_lists_airings_in_local_time_with_external_ones_marked(
    api: dict[str, Api], aired: int
) -> None:
    schedule = api["ced"].get("/schedule", **{"from": "2026-03-02", "to": "2026-03-08"}).json
    assert schedule["timezone"] == "Asia/Shanghai"  # type: ignore[index]
    external, ours = schedule["airings"]  # type: ignore[index]
    assert external["external"] is True and external["summary"] == "云溪风采：乡村振兴"
    assert external["starts_at_local"] == "2026-03-05T19:00:00+08:00"
    assert external["column"]["slug"] == "yunxi"
    assert ours["external"] is False and ours["episode"] == {"id": aired, "title": "七一特别节目"}
    assert ours["starts_at"] == "2026-03-06T12:00:00+00:00"
    assert ours["starts_at_local"] == "2026-03-06T20:00:00+08:00"
    assert (ours["kind"], ours["status"], ours["pinned"], ours["exchange"]) == (
        "premiere",
        "draft",
        True,
        False,
    )
    assert ours["series_part"] is None
    only_city = api["ed"].get("/schedule", column="city", **{"from": "2026-03-02"}).json
    assert [a["external"] for a in only_city["airings"]] == [False]  # type: ignore[index]
    assert only_city["to"] == "2026-03-15"  # type: ignore[index]
    default = api["ed"].get("/schedule").json
    assert (default["from"], len(default["airings"])) == ("2026-03-02", 2)  # type: ignore[index]


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"from": "2026-02-30"}, "from", "not a date that exists"),
        ({"to": "next week"}, "to", "must be a date like"),
        ({"from": "2026-03-10", "to": "2026-03-01"}, "to", "must not be before 2026-03-10"),
        ({"from": "2026-01-01", "to": "2026-04-03"}, "to", "at most 92 days"),
        ({"column": "nowhere"}, "column", "no such column"),
    ],
)
def test_bad_schedule_ranges_are_refused(
    api: dict[str, Api], query: dict[str, Any], field: str, words: str
) -> None:
    # A day that does not exist does not fit the document; the rest only the server knows.
    code = {"from": "invalid_input", "column": UNKNOWN}.get(field, REFUSED)
    if words == "must be a date like":
        code = "invalid_input"
    body = assert_error(api["ed"].get("/schedule", **query), 422, code)
    assert words in body["fields"][field]


def test_a_quarter_of_schedule_is_allowed(api: dict[str, Api]) -> None:
    response = api["ed"].get("/schedule", **{"from": "2026-01-01", "to": "2026-04-02"})
    assert response.status_code == 200


def test_feeds_list_public_links_and_never_the_personal_one(api: dict[str, Api]) -> None:
    feeds = api["ed"].get("/feeds").json
    kinds = [(f["kind"], f["column"]) for f in feeds["feeds"]]  # type: ignore[index]
    assert kinds == [("all", None), ("column", "city"), ("column", "yunxi"), ("liaison", None)]
    city = feeds["feeds"][1]  # type: ignore[index]
    assert city["https"] == "http://localhost/feeds/columns/city.ics"
    assert city["webcal"] == "webcal://localhost/feeds/columns/city.ics"
    assert "people/" not in str(feeds) and "只在生成或更换时显示一次" in feeds["personal"]  # type: ignore[index]
