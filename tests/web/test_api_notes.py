"""``/api/v1/episodes/<id>/notes``: review notes at a frame of the master under review,
on a real master probed by ffmpeg."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from tests.media.conftest import make_clip
from tests.web.test_api import ALL_CONFIRMED, Api, assert_error, propose, world
from tests.web.test_api_media import send, version_of
from tests.web.test_openapi import Conformance

NOTES = "/api/v1/episodes/{episode_id}/notes"
RESOLVE = "/api/v1/episodes/{episode_id}/notes/{note_id}/resolve"


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    clip = make_clip(tmp_path_factory.mktemp("notes") / "m.mp4", size="720x576", seconds=2.0)
    return clip.read_bytes()  # 2 s at 25 fps: frames 00:00:00:00 to 00:00:01:24


@pytest.fixture
def api(app: Flask) -> dict[str, Api]:
    return world(app)


@pytest.fixture
def check(app: Flask) -> Conformance:
    return Conformance(app.test_client().get("/api/v1/openapi.json").json)  # type: ignore[arg-type]


def at_second_review(api: dict[str, Api], master: bytes) -> int:
    eid: int = propose(api, target_duration_s=2)["id"]  # the master's length: QC passes
    assert api["pr"].act(eid, "approve_topic").status_code == 200
    assert api["ed"].act(eid, "start_production").status_code == 200
    assert send(api["ed"], eid, master, version=version_of(api, eid)).status_code == 201
    assert api["ed"].act(eid, "submit").status_code == 200
    signed = api["pr"].act(eid, "first_review", checklist=ALL_CONFIRMED)
    assert signed.status_code == 200, signed.json
    return eid


def note(api: Api, eid: int, timecode: str, body: str = "字幕错字", **extra: Any) -> Any:
    return api.post(
        f"/episodes/{eid}/notes",
        {"timecode": timecode, "body": body, "media_version": 1, **extra},
    )


def test_a_reviewer_notes_frames_and_everyone_lists_them_in_picture_order(
    api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = at_second_review(api, master)
    late = check("post", NOTES, note(api["rv"], eid, "00:00:01:24", "最后一帧偏色"))
    assert late.status_code == 201
    assert late.json["frame"] == 49 and late.json["timecode"] == "00:00:01:24"  # type: ignore[index]
    assert late.json["seconds"] == pytest.approx(49.5 / 25)  # type: ignore[index]
    early = note(api["rv"], eid, "00:00:00:10")
    assert early.status_code == 201
    listed = check("get", NOTES, api["pr"].get(f"/episodes/{eid}/notes"))
    assert [n["timecode"] for n in listed.json["items"]] == ["00:00:00:10", "00:00:01:24"]  # type: ignore[index]
    assert listed.json["items"][0]["author"]["username"] == "rv"  # type: ignore[index]
    assert api["pr"].get(f"/episodes/{eid}/notes", media_version=2).json == {"items": []}


def test_a_note_past_the_end_or_malformed_or_by_someone_barred_is_refused(
    api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = at_second_review(api, master)
    past = check("post", NOTES, note(api["rv"], eid, "00:00:02:00"))
    assert "last frame 00:00:01:24" in assert_error(past, 422, "refused_value")["message"]
    assert_error(check("post", NOTES, note(api["rv"], eid, "0:0:1:0")), 422, "invalid_input")
    assert_error(check("post", NOTES, note(api["rv"], eid, "00:00:00:25")), 422, "refused_value")
    assert_error(
        check("post", NOTES, note(api["rv"], eid, "00:00:00:01", " ")), 422, "invalid_input"
    )
    assert_error(check("post", NOTES, note(api["ed"], eid, "00:00:00:01")), 403, "forbidden")
    assert_error(check("post", NOTES, note(api["cpr"], eid, "00:00:00:01")), 404, "not_found")
    stale = note(api["rv"], eid, "00:00:00:01", media_version=2)
    assert "version" in assert_error(stale, 422, "refused_value")["message"]
    assert api["rv"].get(f"/episodes/{eid}/notes").json == {"items": []}


def test_the_producer_resolves_a_note_and_a_reviewer_may_not(
    api: dict[str, Api], master: bytes, check: Conformance
) -> None:
    eid = at_second_review(api, master)
    nid = note(api["rv"], eid, "00:00:01:00").json["id"]  # type: ignore[index]
    path = f"/episodes/{eid}/notes/{nid}/resolve"
    assert_error(check("post", RESOLVE, api["rv"].post(path, None)), 403, "forbidden")
    done = check("post", RESOLVE, api["pr"].post(path, None))
    assert done.status_code == 200 and done.json["resolved_by"]["username"] == "pr"  # type: ignore[index]
    missing = api["pr"].post(f"/episodes/{eid}/notes/{nid + 99}/resolve", None)
    assert_error(check("post", RESOLVE, missing), 404, "not_found")


def test_notes_on_an_episode_without_a_master_are_refused(
    api: dict[str, Api], check: Conformance
) -> None:
    eid: int = propose(api)["id"]
    refused = check("post", NOTES, note(api["rv"], eid, "00:00:00:01"))
    assert_error(refused, 422, "refused_value")
