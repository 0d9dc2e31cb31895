"""The API's media: a master as the raw body, streamed to the incoming folder and checked
before anything is stored; refusals in JSON with the refusal's code; the versions listed
with their QC and jobs; every answer as the OpenAPI document describes it."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from media.models import JobState, MediaJob, MediaVersion
from tests.media.conftest import make_clip
from tests.web.test_api import NOW, Api, assert_error, propose, world
from tests.web.test_openapi import Conformance
from web.api import access
from web.config import media_settings
from web.db import unit_of_work

ONE = "/api/v1/episodes/{episode_id}/media"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(access, "now", lambda: NOW)


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    clip = make_clip(tmp_path_factory.mktemp("api-master") / "m.mp4", size="720x576", seconds=1.0)
    return clip.read_bytes()


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    return world(app)


@pytest.fixture
def check(app: Flask) -> Conformance:
    return Conformance(app.test_client().get("/api/v1/openapi.json").json)  # type: ignore[arg-type]


def in_production(api: dict[str, Api]) -> int:
    eid: int = propose(api)["id"]
    assert api["pr"].act(eid, "approve_topic").status_code == 200
    assert api["ed"].act(eid, "start_production").status_code == 200
    return eid


def version_of(api: dict[str, Api], eid: int) -> int:
    return api["ed"].get(f"/episodes/{eid}").json["version"]  # type: ignore[index]


def send(
    who: Api,
    eid: int,
    body: bytes | io.BytesIO,
    *,
    version: int | None,
    filename: str | None = "成片.mp4",
    content_type: str = "video/mp4",
    headers: dict[str, str] | None = None,
    **environ: Any,
) -> TestResponse:
    query: dict[str, Any] = {}
    if version is not None:
        query["version"] = version
    if filename is not None:
        query["filename"] = filename
    options: dict[str, Any] = {"data": body} if isinstance(body, bytes) else {"input_stream": body}
    return who.client.post(
        f"/api/v1/episodes/{eid}/media",
        query_string=query,
        headers={**who.headers, "Content-Type": content_type, **(headers or {})},
        environ_overrides=environ or None,
        **options,
    )


def nothing_kept(app: Flask) -> bool:
    root = media_settings(app.config).root
    files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
    with app.app_context(), unit_of_work(app) as s:
        rows = s.scalar(select(func.count()).select_from(MediaVersion))
    return files == [] and rows == 0


def test_a_master_is_uploaded_as_the_body_and_answered_with_its_qc(
    app: Flask, api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = in_production(api)
    seen = version_of(api, eid)
    response = check("post", ONE, send(api["ed"], eid, master, version=seen))
    assert response.status_code == 201, response.json
    assert response.headers["Location"].endswith(f"/api/v1/episodes/{eid}/media")
    body: dict[str, Any] = response.json  # type: ignore[assignment]
    media = body["media"]
    assert media["number"] == 1 and media["current"] is True
    assert media["original_name"] == "成片.mp4" and media["uploaded_by"]["username"] == "ed"
    assert media["sha256"] == hashlib.sha256(master).hexdigest()
    assert media["size_bytes"] == len(master)
    assert media["probe"]["width"] == 720 and media["probe"]["has_audio"] is True
    rules = {rule["code"]: rule["passed"] for rule in media["qc"]["rules"]}
    assert rules["resolution"] is True and rules["duration"] is False
    assert media["qc_passed"] is False
    [job] = media["jobs"]
    assert job["kind"] == "review" and job["state"] == "queued" and job["state_label"] == "排队中"
    assert body["episode"]["version"] == version_of(api, eid) > seen
    assert body["episode"]["media_version"] == 1
    assert not any(media_settings(app.config).incoming.iterdir())

    listed = check("get", ONE, api["rv"].get(f"/episodes/{eid}/media"))
    assert listed.json == {"current": 1, "versions": [media]}


def test_the_name_may_come_as_content_disposition(
    app: Flask, api: dict[str, Api], master: bytes
) -> None:
    eid = in_production(api)
    disposition = "attachment; filename*=UTF-8''%E4%B8%83%E4%B8%80%E7%89%B9%E5%88%AB.mov"
    response = send(
        api["ed"],
        eid,
        master,
        version=version_of(api, eid),
        filename=None,
        headers={"Content-Disposition": disposition},
    )
    assert response.status_code == 201, response.json
    assert response.json["media"]["original_name"] == "七一特别.mov"  # type: ignore[index]
    with app.app_context(), unit_of_work(app) as s:
        assert s.scalars(select(MediaVersion.stored_as)).one().endswith(".mov")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"This is not a video.\n", "not_video"),
        (b"", "empty"),
    ],
)
def test_a_refused_file_is_a_422_with_its_code_and_leaves_nothing(
    app: Flask, api: dict[str, Api], check: Conformance, body: bytes, code: str
) -> None:
    eid = in_production(api)
    before = version_of(api, eid)
    response = check("post", ONE, send(api["ed"], eid, body, version=before))
    answer = assert_error(response, 422, code)
    assert "成片.mp4" in answer["message"]
    assert str(media_settings(app.config).root) not in answer["message"]
    assert nothing_kept(app) and version_of(api, eid) == before


def test_a_cut_off_master_is_refused_as_incomplete(
    app: Flask, api: dict[str, Api], master: bytes
) -> None:
    eid = in_production(api)
    cut = send(api["ed"], eid, master[: len(master) // 2], version=version_of(api, eid))
    assert_error(cut, 422, "incomplete")
    assert nothing_kept(app)


def test_a_body_over_the_limit_is_a_413_declared_or_streamed(
    app: Flask, api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    app.config["MEDIA_MAX_GIB"] = 4096 / 2**30
    eid = in_production(api)
    seen = version_of(api, eid)
    declared = check("post", ONE, send(api["ed"], eid, master, version=seen))
    assert "4 KB" in assert_error(declared, 413, "payload_too_large")["message"]
    # No length declared (chunked): cut off once past the limit, the partial file removed.
    streamed = send(
        api["ed"], eid, io.BytesIO(master), version=seen, **{"wsgi.input_terminated": True}
    )
    assert_error(streamed, 413, "payload_too_large")
    assert nothing_kept(app)
    assert not any(media_settings(app.config).incoming.iterdir())


def test_a_master_may_be_larger_than_the_apis_usual_body_limit(
    app: Flask, api: dict[str, Api], master: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(access, "MAX_BODY", len(master) // 2)
    eid = in_production(api)
    response = send(api["ed"], eid, master, version=version_of(api, eid))
    assert response.status_code == 201, response.json
    big_json = {"body": "x" * len(master)}  # the usual limit stays for everything else
    assert_error(api["ed"].post(f"/episodes/{eid}/comments", big_json), 413, "payload_too_large")


def test_who_may_upload_and_the_version_are_checked_before_the_body_is_read(
    app: Flask, api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = in_production(api)
    seen = version_of(api, eid)
    check("post", ONE, send(api["rv"], eid, master, version=seen))
    assert_error(send(api["rv"], eid, master, version=seen), 403, "forbidden")
    assert_error(send(api["ced"], eid, master, version=seen), 404, "not_found")
    assert_error(send(Api(app.test_client(), None), eid, master, version=seen), 401, "unauthorized")
    stale = check("post", ONE, send(api["ed"], eid, master, version=seen - 1))
    assert "version" in assert_error(stale, 409, "conflict")["message"]
    assert nothing_kept(app)


def test_bad_requests_are_refused_with_what_to_send(
    app: Flask, api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = in_production(api)
    seen = version_of(api, eid)
    json_body = send(api["ed"], eid, master, version=seen, content_type="application/json")
    assert (
        "video/"
        in assert_error(check("post", ONE, json_body), 415, "unsupported_media_type")["message"]
    )
    no_version = assert_error(send(api["ed"], eid, master, version=None), 422, "invalid_input")
    assert no_version["fields"] == {"version": "is required"}
    assert nothing_kept(app)


def test_a_master_sent_without_a_name_is_named_after_its_episode(
    api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = in_production(api)
    unnamed = send(api["ed"], eid, master, version=version_of(api, eid), filename=None)
    assert check("post", ONE, unnamed).status_code == 201, unnamed.json
    assert unnamed.json["media"]["original_name"] == f"episode-{eid}"  # type: ignore[index]


def test_the_files_a_job_made_are_fetched_with_the_same_token(
    app: Flask, api: dict[str, Api], master: bytes
) -> None:
    eid = in_production(api)
    send(api["ed"], eid, master, version=version_of(api, eid))
    root = media_settings(app.config).root
    sheet = root / "review" / "test" / "contact.jpg"
    sheet.parent.mkdir(parents=True)
    sheet.write_bytes(b"\xff\xd8 a contact sheet")  # written by the test: the route serves it
    with app.app_context(), unit_of_work(app) as s:
        job = s.scalars(select(MediaJob)).one()
        job.state, job.outputs = JobState.DONE, {"contact_sheet": "review/test/contact.jpg"}
    listed = api["rv"].get(f"/episodes/{eid}/media").json
    assert listed is not None
    assert listed["versions"][0]["jobs"][0]["log"] is None  # the worker wrote none
    url = listed["versions"][0]["jobs"][0]["outputs"]["contact_sheet"]
    got = api["rv"].client.get(url, headers=api["rv"].headers)
    assert got.status_code == 200 and got.data == sheet.read_bytes()
    got.close()
    assert api["ced"].client.get(url, headers=api["ced"].headers).status_code == 404


def test_a_jobs_log_is_served_a_line_each(
    app: Flask, api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = in_production(api)
    send(api["ed"], eid, master, version=version_of(api, eid))
    with app.app_context(), unit_of_work(app) as s:
        job = s.scalars(select(MediaJob)).one()
        job.state, job.log = JobState.DONE, "re-encoded: the master is 30 fps\nchecked: duration"
    listed = check("get", ONE, api["rv"].get(f"/episodes/{eid}/media"))
    assert listed.json is not None
    assert listed.json["versions"][0]["jobs"][0]["log"] == [
        "re-encoded: the master is 30 fps",
        "checked: duration",
    ]


def test_the_document_describes_the_upload(check: Conformance) -> None:
    upload = check.doc["paths"][ONE]["post"]
    assert set(upload["requestBody"]["content"]) == {
        "application/octet-stream",
        "video/*",
        "application/mxf",
    }
    params = {p["name"]: p["required"] for p in upload["parameters"]}
    assert params == {"episode_id": True, "version": True, "filename": False}
    assert "TVCOLUMN_MEDIA_MAX_GIB" in upload["responses"]["413"]["description"]
