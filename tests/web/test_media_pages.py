"""The episode page's media panel: a master uploaded through the page is streamed into the
incoming folder, checked, stored and reported rule by rule; a refused file leaves nothing;
review material and packaging show their progress and are served only to those who may
see the episode."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from werkzeug.test import TestResponse

from editorial import people
from editorial.models import Episode, Level, Role, State
from media import jobs as media_jobs
from media.errors import CODES, MediaError
from media.models import ColumnPackaging, JobKind, JobState, MediaJob, MediaVersion
from tests.media.conftest import make_clip
from tests.web.conftest import csrf_token
from tests.web.test_episode_pages import (
    NOW,
    Crew,
    add_person,
    client_for,
    make_crew,
    make_episode,
    state_of,
    text,
    upload,
)
from tests.web.test_page_queries import BUDGET, get_counted
from web import errors, refusals, uploads
from web.config import media_settings
from web.db import session_factory, unit_of_work
from web.episodes import local_time


@dataclass(frozen=True)
class Masters:
    good: Path  # 720×576, 25 fps, sound, 1 s
    text: Path  # a text file named .mp4
    empty: Path
    sound: Path  # sound only
    truncated: Path  # an MP4 cut off before its index


@pytest.fixture(scope="module")
def masters(tmp_path_factory: pytest.TempPathFactory) -> Masters:
    folder = tmp_path_factory.mktemp("masters")
    good = make_clip(folder / "good.mp4", size="720x576", seconds=1.0)
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    text_file = folder / "notes.mp4"
    text_file.write_text("这不是视频。\n", encoding="utf-8")
    empty = folder / "empty.mp4"
    empty.touch()
    sound = make_clip(folder / "sound.m4a", video=False, seconds=1.0)
    return Masters(good, text_file, empty, sound, truncated)


@pytest.fixture
def crew(app: Flask) -> Crew:
    return make_crew(app, "city", Level.CITY)


def media_root(app: Flask) -> Path:
    return media_settings(app.config).root


def stored_files(app: Flask) -> list[Path]:
    """Every file under the media folder (the incoming folder's included)."""
    root = media_root(app)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def incoming_is_empty(app: Flask) -> bool:
    incoming = media_settings(app.config).incoming
    return not incoming.exists() or not any(incoming.iterdir())


def versions(app: Flask) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return int(s.scalar(select(func.count()).select_from(MediaVersion)) or 0)


def fetch(client: FlaskClient, url: str, **options: object) -> TestResponse:
    """GET a file: read it whole and close it (a served file stays open until closed)."""
    response = client.get(url, **options)  # type: ignore[arg-type]
    response.get_data()
    response.close()
    return response


def in_production(app: Flask, crew: Crew) -> int:
    return make_episode(app, crew, State.IN_PRODUCTION)


def jobs_of(app: Flask, episode_id: int) -> list[MediaJob]:
    with app.app_context(), unit_of_work(app) as s:
        return list(
            s.scalars(
                select(MediaJob)
                .join(MediaVersion)
                .where(MediaVersion.episode_id == episode_id)
                .order_by(MediaJob.id)
            )
        )


# --- uploading ---------------------------------------------------------------------------------


def test_the_director_uploads_a_master_and_sees_its_qc_report_and_review_queued(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = in_production(app, crew)
    director = client_for(app, crew.director)
    page = text(director.get(f"/episodes/{episode_id}"))
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "还没有上传成片" in page

    response = upload(director, episode_id, masters.good, name="七一特别节目（终版）.mp4")
    assert response.status_code == 303, text(response)
    assert response.headers["Location"].endswith(f"/episodes/{episode_id}#media")
    with app.app_context(), unit_of_work(app) as s:
        version = s.scalars(select(MediaVersion)).one()
        episode = s.get(Episode, episode_id)
        assert episode is not None and episode.media_version == 1
        assert version.original_name == "七一特别节目（终版）.mp4"
        assert version.probe and version.probe["width"] == 720
    [job] = jobs_of(app, episode_id)
    assert job.kind is JobKind.REVIEW and job.state is JobState.QUEUED
    assert incoming_is_empty(app)
    assert [p.name for p in stored_files(app)] == [Path(version.stored_as).name]

    page = text(director.get(f"/episodes/{episode_id}"))
    assert "媒体版本 1 已上传" in page  # the flash
    panel = page[page.index('id="media"') :]
    for code in ("duration", "resolution", "frame_rate", "audio", "loudness", "true_peak"):
        assert f'data-rule="{code}"' in panel
    duration = re.search(r'data-rule="duration">(.*?)</tr>', panel, re.DOTALL)
    assert duration is not None and "✗ 未通过" in duration.group(1)  # 1 s, not 20 min
    assert "1.00 s" in duration.group(1) and "1200 s ±" in duration.group(1)
    resolution = re.search(r'data-rule="resolution">(.*?)</tr>', panel, re.DOTALL)
    assert resolution is not None and "✓ 通过" in resolution.group(1)
    assert "✗ 技术质检未通过：1 项不符合要求（共 6 项）" in panel
    assert "排队中" in panel and "<progress" in panel and "data-poll=" in panel
    assert "七一特别节目（终版）.mp4" in panel and "当前" in panel
    assert local_time(version.uploaded_at) in panel  # Asia/Shanghai
    assert "媒体版本 1" in page[page.index('id="history"') :]


def test_a_new_master_after_a_sign_off_sends_the_episode_back_to_first_review(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)  # the producer signed
    director = client_for(app, crew.director)
    assert upload(director, episode_id, masters.good).status_code == 303
    assert state_of(app, episode_id)[0] is State.FIRST_REVIEW
    page = text(director.get(f"/episodes/{episode_id}"))
    assert "审看从初审重新开始" in page
    assert '<span class="state state-first_review">待初审</span>' in page

    assert upload(director, episode_id, masters.good, name="第二版.mp4").status_code == 303
    page = text(director.get(f"/episodes/{episode_id}"))
    rows = re.findall(r"<tr( class=\"current-version\")?>\s*<td>(\d)", page)
    # Version 1 is the master make_episode submitted it on, recorded without a file.
    assert rows == [(' class="current-version"', "3"), ("", "2")]
    assert "第二版.mp4" in page and versions(app) == 2


@pytest.mark.parametrize(
    ("which", "code", "chinese"),
    [
        ("text", "not_video", "这不是可读取的视频文件，请上传成片（如 MP4、MOV、MXF、TS）"),
        ("empty", "empty", "文件是空的（0 字节）"),
        ("sound", "audio_only", "文件只有声音、没有画面"),
        ("truncated", "incomplete", "文件不完整（复制或导出被中断），请重新导出后上传"),
    ],
)
def test_a_refused_file_is_told_in_chinese_and_leaves_nothing(
    app: Flask, crew: Crew, masters: Masters, which: str, code: str, chinese: str
) -> None:
    episode_id = in_production(app, crew)
    before = state_of(app, episode_id)
    director = client_for(app, crew.director)
    response = upload(director, episode_id, getattr(masters, which))
    assert response.status_code == 422
    page = text(response)
    alert = re.search(r'id="media">.*?<p class="error" role="alert">(.*?)</p>', page, re.DOTALL)
    assert alert is not None and chinese in alert.group(1)
    assert not re.search("[A-Za-z]", alert.group(1).replace("MP4、MOV、MXF、TS", ""))
    assert str(media_root(app)) not in page  # and names no folder of the server
    assert versions(app) == 0 and jobs_of(app, episode_id) == []
    assert state_of(app, episode_id) == before
    assert stored_files(app) == [] and incoming_is_empty(app)
    assert 'class="media-upload"' in page  # the form again, to try another file


def test_a_master_over_the_limit_is_refused_with_413_and_leaves_nothing(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    app.config["MEDIA_MAX_GIB"] = 4096 / 2**30  # 4 KB
    episode_id = in_production(app, crew)
    director = client_for(app, crew.director)
    response = upload(director, episode_id, masters.good)
    assert response.status_code == 413
    page = text(response)
    assert "文件超过了上传大小上限（4 KB），没有保存任何内容" in page
    assert 'id="media"' in page  # the episode page again
    assert versions(app) == 0 and stored_files(app) == [] and incoming_is_empty(app)
    assert text(director.get("/episodes/new")).count("<form") >= 1  # other forms unaffected


def test_only_the_upload_route_takes_large_bodies(app: Flask, crew: Crew) -> None:
    episode_id = in_production(app, crew)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    director = client_for(app, crew.director)
    big = {"csrf_token": csrf_token(director, f"/episodes/{episode_id}"), "body": "评" * 2000}
    assert director.post(f"/episodes/{episode_id}/comments", data=big).status_code == 413


def test_a_file_must_be_chosen(app: Flask, crew: Crew) -> None:
    episode_id = in_production(app, crew)
    response = upload(client_for(app, crew.director), episode_id, None)
    assert response.status_code == 422
    assert "请选择要上传的成片文件" in text(response)
    assert incoming_is_empty(app)


def test_an_upload_without_its_csrf_token_is_refused_and_removed(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = in_production(app, crew)
    response = upload(client_for(app, crew.director), episode_id, masters.good, token=False)
    assert response.status_code == 400
    assert versions(app) == 0 and stored_files(app) == []


def test_an_upload_without_signing_in_is_refused_before_a_byte_is_kept(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = in_production(app, crew)
    response = upload(app.test_client(), episode_id, masters.good, token=False, version=2)
    assert response.status_code == 401
    assert versions(app) == 0 and stored_files(app) == []


def test_a_reviewer_sees_no_upload_form_and_may_not_post_one(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = in_production(app, crew)
    reviewer = client_for(app, crew.reviewer)
    page = text(reviewer.get(f"/episodes/{episode_id}"))
    assert "media-upload" not in page and 'type="file"' not in page
    response = upload(reviewer, episode_id, masters.good, version=state_of(app, episode_id)[1])
    assert response.status_code == 403
    assert "只有本期节目的负责制片人" in text(response)
    assert versions(app) == 0 and stored_files(app) == [] and incoming_is_empty(app)


def test_the_director_is_offered_the_upload_and_not_a_dead_act_button(
    app: Flask, crew: Crew
) -> None:
    episode_id = in_production(app, crew)
    page = text(client_for(app, crew.director).get(f"/episodes/{episode_id}"))
    assert "/act/new_media" not in page
    assert 'href="#media-file">上传新的媒体版本</a>' in page


def test_another_countys_person_gets_404_for_every_media_route(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = in_production(app, crew)
    assert upload(client_for(app, crew.director), episode_id, masters.good).status_code == 303
    [job] = jobs_of(app, episode_id)
    other = make_crew(app, "yunxi")
    outsider = client_for(app, other.director)
    assert upload(outsider, episode_id, masters.good, version=3).status_code == 404
    assert outsider.get(f"/episodes/{episode_id}/media/jobs.json").status_code == 404
    sheet = f"/episodes/{episode_id}/media/jobs/{job.id}/contact_sheet"
    assert outsider.get(sheet).status_code == 404
    assert versions(app) == 1 and incoming_is_empty(app)


def test_a_stale_version_is_a_409_that_says_who_acted_and_keeps_nothing(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = in_production(app, crew)
    director = client_for(app, crew.director)
    seen = state_of(app, episode_id)[1]
    assert upload(director, episode_id, masters.good).status_code == 303
    stored_before = stored_files(app)
    response = upload(director, episode_id, masters.good, name="again.mp4", version=seen)
    assert response.status_code == 409
    assert "其他人已先一步操作" in text(response) and "上传新的媒体版本" in text(response)
    assert versions(app) == 1 and stored_files(app) == stored_before and incoming_is_empty(app)


def test_every_media_refusal_has_a_chinese_sentence() -> None:
    assert set(CODES) <= set(refusals.REFUSAL)
    refusal = MediaError("x.mp4 is empty (0 bytes)", code="empty")
    assert errors.status_of(refusal) == 422
    assert errors.describe(refusal) == "文件是空的（0 字节），请重新导出或复制成片后上传"


def test_an_uploaded_name_is_kept_readable_and_harmless() -> None:
    assert uploads.safe_name("C:\\成片\\七一 特别节目.MP4") == "七一 特别节目.MP4"
    assert uploads.safe_name("../../etc/passwd") == "passwd"
    assert uploads.safe_name("..") == "upload" and uploads.safe_name("") == "upload"
    assert uploads.safe_name("a\x00b\nc.mp4") == "abc.mp4"
    long = uploads.safe_name("长" * 300 + ".mxf")
    assert long.endswith(".mxf") and len(long.encode()) <= uploads.MAX_NAME_BYTES


# --- progress, review material, packaging --------------------------------------------------


def uploaded(app: Flask, crew: Crew, masters: Masters) -> tuple[int, FlaskClient]:
    episode_id = in_production(app, crew)
    director = client_for(app, crew.director)
    assert upload(director, episode_id, masters.good).status_code == 303
    return episode_id, director


def set_job(app: Flask, job_id: int, **values: object) -> None:
    with app.app_context(), unit_of_work(app) as s:
        s.execute(update(MediaJob).where(MediaJob.id == job_id).values(**values))


def fake_outputs(app: Flask, job: MediaJob) -> dict[str, str]:
    """Files for a job's outputs, written by the test: a legitimate fixture for the routes
    that serve them, whatever makes them (media.jobs.run is tested with the renderer)."""
    root = media_root(app)
    outputs = {
        "contact_sheet": f"review/test/{job.id}/contact.jpg",
        "proxy": f"review/test/{job.id}/proxy.mp4",
        "poster": f"review/test/{job.id}/poster.jpg",
    }
    for name, relative in outputs.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(name.encode() + bytes(range(256)) * 4)
    return outputs


def test_the_progress_of_the_review_material_is_served_as_json(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    progress = director.get(f"/episodes/{episode_id}/media/jobs.json")
    assert progress.status_code == 200 and progress.headers["Cache-Control"] == "no-store"
    assert progress.json == {
        "media_version": 1,
        "active": True,
        "jobs": [
            {
                "id": job.id,
                "kind": "review",
                "kind_label": "审看材料",
                "state": "queued",
                "state_label": "排队中",
                "step": "",
                "step_label": "",
                "progress": 0.0,
                "percent": 0,
                "error": None,
                "outputs": {},
            }
        ],
    }
    set_job(app, job.id, state=JobState.RUNNING, step="proxy", progress=0.55)
    running = director.get(f"/episodes/{episode_id}/media/jobs.json").json
    assert running is not None
    assert running["jobs"][0]["step_label"] == "审看样片" and running["jobs"][0]["percent"] == 55
    page = text(director.get(f"/episodes/{episode_id}"))
    assert 'value="55"' in page and "审看样片" in page and "处理中" in page
    assert "/static/media.js" in page


def test_done_review_material_shows_the_contact_sheet_and_the_proxy_player(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    set_job(app, job.id, state=JobState.DONE, progress=1.0, outputs=fake_outputs(app, job))
    page = text(director.get(f"/episodes/{episode_id}"))
    base = f"/episodes/{episode_id}/media/jobs/{job.id}"
    assert f'<video class="proxy" controls preload="metadata" src="{base}/proxy"' in page
    assert f'<img src="{base}/contact_sheet"' in page
    assert "data-poll=" not in page  # nothing left to follow
    reviewer = client_for(app, crew.reviewer)
    sheet = fetch(reviewer, f"{base}/contact_sheet")
    assert sheet.status_code == 200 and sheet.mimetype == "image/jpeg"
    assert sheet.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in sheet.headers["Cache-Control"]


def test_the_proxy_is_served_in_ranges_so_the_player_can_seek(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    outputs = fake_outputs(app, job)
    set_job(app, job.id, state=JobState.DONE, progress=1.0, outputs=outputs)
    whole = (media_root(app) / outputs["proxy"]).read_bytes()
    url = f"/episodes/{episode_id}/media/jobs/{job.id}/proxy"
    part = fetch(director, url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.mimetype == "video/mp4"
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert part.data == whole[100:200]
    assert fetch(director, url).headers["Accept-Ranges"] == "bytes"


def test_media_files_are_served_by_output_name_only(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    other_id = in_production(app, crew)
    outside = media_root(app).parent / "secret.txt"
    outside.write_text("secret")
    set_job(app, job.id, state=JobState.DONE, outputs={"proxy": "../secret.txt"})
    base = f"/episodes/{episode_id}/media/jobs/{job.id}"
    assert director.get(f"{base}/proxy").status_code == 404  # outside the media folder
    assert director.get(f"{base}/contact_sheet").status_code == 404  # not made
    assert director.get(f"{base}/..%2F..%2Fsecret.txt").status_code == 404
    assert director.get(f"{base}/stored").status_code == 404
    assert director.get(f"/episodes/{other_id}/media/jobs/{job.id}/proxy").status_code == 404
    assert director.get(f"/episodes/{episode_id}/media/jobs/999/proxy").status_code == 404


def test_the_review_material_made_by_the_worker_is_shown(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    outcome = media_jobs.run(
        session_factory(app), job.id, media_root(app), lambda: datetime.now(UTC)
    )
    assert outcome is not None and outcome.state is JobState.DONE, outcome
    page = text(director.get(f"/episodes/{episode_id}"))
    assert "<video" in page and "联系表" in page
    base = f"/episodes/{episode_id}/media/jobs/{job.id}"
    assert f'src="{base}/proxy" poster="{base}/poster">' in page
    proxy = fetch(director, f"{base}/proxy", headers={"Range": "bytes=0-99"})
    assert proxy.status_code == 206 and len(proxy.data) == 100
    assert fetch(director, f"{base}/contact_sheet").mimetype == "image/jpeg"
    poster = fetch(director, f"{base}/poster")
    assert poster.mimetype == "image/jpeg" and poster.data.startswith(b"\xff\xd8")


def package_form(client: FlaskClient, episode_id: int, media_version: int = 1) -> TestResponse:
    data = {
        "csrf_token": csrf_token(client, f"/episodes/{episode_id}"),
        "media_version": str(media_version),
    }
    return client.post(f"/episodes/{episode_id}/media/package", data=data)


def add_packaging(app: Flask, crew: Crew) -> None:
    with app.app_context(), unit_of_work(app) as s:
        admin = people.get_person(s, crew.producer)
        s.add(
            ColumnPackaging(
                column_id=crew.column_id,
                opening_stored_as="aa/opening.mp4",
                opening_sha256="a" * 64,
                closing_stored_as="bb/closing.mp4",
                closing_sha256="b" * 64,
                updated_by_id=admin.id,
                updated_at=NOW,
            )
        )


def test_packaging_needs_the_columns_clips_and_then_is_queued(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    page = text(director.get(f"/episodes/{episode_id}"))
    assert "本栏目还没有片头片尾" in page and "media-package" not in page
    refused = package_form(director, episode_id)
    assert refused.status_code == 422 and "本栏目还没有片头片尾，请栏目管理员先添加" in text(
        refused
    )

    add_packaging(app, crew)
    assert 'class="media-package"' in text(director.get(f"/episodes/{episode_id}"))
    assert package_form(director, episode_id).status_code == 303
    kinds = [(j.kind, j.state) for j in jobs_of(app, episode_id)]
    assert kinds == [(JobKind.REVIEW, JobState.QUEUED), (JobKind.PACKAGE, JobState.QUEUED)]
    assert package_form(director, episode_id, media_version=2).status_code == 409

    reviewer = client_for(app, crew.reviewer)
    assert "media-package" not in text(reviewer.get(f"/episodes/{episode_id}"))
    assert package_form(reviewer, episode_id).status_code == 403


def test_a_packaged_master_is_downloaded_under_the_episodes_title(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    add_packaging(app, crew)
    assert package_form(director, episode_id).status_code == 303
    job = jobs_of(app, episode_id)[-1]
    relative = f"packaged/test/{job.id}.mp4"
    (media_root(app) / relative).parent.mkdir(parents=True)
    (media_root(app) / relative).write_bytes(b"packaged master")
    set_job(app, job.id, state=JobState.DONE, progress=1.0, outputs={"packaged": relative})
    scheduler = add_person(app, crew, "scheduler", Role.SCHEDULER)
    client = client_for(app, scheduler)
    page = text(client.get(f"/episodes/{episode_id}"))
    url = f"/episodes/{episode_id}/media/jobs/{job.id}/packaged"
    assert f'href="{url}" download>下载播出版（栏目包装）</a>' in page
    got = fetch(client, url)
    assert got.status_code == 200 and got.data == b"packaged master"
    assert "attachment" in got.headers["Content-Disposition"]
    assert "%E5%85%88%E9%94%8B" in got.headers["Content-Disposition"]  # 先锋…, the title


def test_the_packaging_jobs_log_is_shown_under_its_heading_as_the_worker_wrote_it(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    add_packaging(app, crew)
    assert package_form(director, episode_id).status_code == 303
    job = jobs_of(app, episode_id)[-1]
    log = (
        "re-encoded: the master is 30 fps; the delivery specification is 25 fps\nchecked: duration"
    )
    set_job(app, job.id, state=JobState.DONE, progress=1.0, log=log)
    page = text(director.get(f"/episodes/{episode_id}"))
    block = page[page.index('<div class="job-log"') :]
    block = block[: block.index("</div>")]
    assert "<h4>处理记录</h4>" in block and '<ol lang="en">' in block
    assert (
        "<li>re-encoded: the master is 30 fps; the delivery specification is 25 fps</li>" in block
    )
    assert "<li>checked: duration</li>" in block
    assert "整条重新编码；原因见下方技术记录。" in block  # the route said in Chinese
    assert "原码流直接拼接" not in block and "重新排队" not in block
    director.get("/lang/en")
    english = text(director.get(f"/episodes/{episode_id}"))
    assert "<h4>Processing log</h4>" in english
    assert "so the whole package was re-encoded" in english


def test_a_copied_package_lost_by_a_worker_says_both_in_the_readers_language(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    add_packaging(app, crew)
    assert package_form(director, episode_id).status_code == 303
    job = jobs_of(app, episode_id)[-1]
    log = (
        "2026-12-04 21:00:00 UTC: the worker render-1:4711 was silent for 60 s: queued again\n"
        "stream copy: the master meets the delivery specification\nchecked: duration"
    )
    set_job(app, job.id, state=JobState.DONE, progress=1.0, log=log, attempt=2)
    page = text(director.get(f"/episodes/{episode_id}"))
    block = page[page.index('<div class="job-log"') :]
    block = block[: block.index("</div>")]
    assert "与成片原码流直接拼接：成片画面没有重新编码。" in block
    assert "这项工作已重新排队并从头处理。" in block
    director.get("/lang/en")
    english = text(director.get(f"/episodes/{episode_id}"))
    assert "the master's picture was not re-encoded." in english
    assert "the job was queued again and done from the start." in english


def test_the_episode_page_with_media_stays_within_its_statement_budget(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    assert upload(client_for(app, crew.director), episode_id, masters.good).status_code == 303
    add_packaging(app, crew)
    for name in ("director", "producer", "reviewer"):
        body, statements = get_counted(
            app, client_for(app, getattr(crew, name)), f"/episodes/{episode_id}"
        )
        assert "质检报告" in body
        # The media panel's two: its versions with their jobs, and the review notes.
        assert len(statements) <= BUDGET + 2, (name, statements)


def test_the_media_panel_is_in_english_on_request(app: Flask, crew: Crew, masters: Masters) -> None:
    episode_id, director = uploaded(app, crew, masters)
    director.get("/lang/en")
    page = text(director.get(f"/episodes/{episode_id}"))
    panel = page[page.index('id="media"') : page.index('id="history"')]
    assert "QC report" in panel and "Loudness" in panel and "✓ passed" in panel
    assert "Technical QC failed: 1 of 6 checks not met" in panel
    assert "Queued" in panel and "Upload a master (a new media version)" in panel
    refused = upload(director, episode_id, masters.text)
    assert "This is not a readable video file" in text(refused)


def test_a_failed_review_job_is_tried_again_from_the_page(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    set_job(app, job.id, state=JobState.FAILED, error="ffmpeg exited 1")
    page = text(director.get(f"/episodes/{episode_id}"))
    retry = f"/episodes/{episode_id}/media/jobs/{job.id}/retry"
    assert f'action="{retry}"' in page and "重试" in page
    reviewer = client_for(app, crew.reviewer)
    assert f'action="{retry}"' not in text(reviewer.get(f"/episodes/{episode_id}"))
    token = {"csrf_token": csrf_token(reviewer, f"/episodes/{episode_id}")}
    assert reviewer.post(retry, data=token).status_code == 403
    token = {"csrf_token": csrf_token(director, f"/episodes/{episode_id}")}
    answer = director.post(retry, data=token)
    assert answer.status_code == 303
    assert "已重新安排：审看材料" in text(director.get(f"/episodes/{episode_id}"))
    states = [(j.id == job.id, j.state) for j in jobs_of(app, episode_id)]
    assert states == [(True, JobState.FAILED), (False, JobState.QUEUED)]
    again = director.post(retry, data=token)
    assert again.status_code == 422 and "已经重试过了" in text(again)


def test_a_second_version_is_compared_with_the_first_in_step_and_by_qc(
    app: Flask, crew: Crew, masters: Masters, tmp_path: Path
) -> None:
    episode_id, director = uploaded(app, crew, masters)  # version 1: 720×576
    hd = make_clip(tmp_path / "第二版.mp4", size="1920x1080", seconds=1.0)
    assert upload(director, episode_id, hd).status_code == 303
    first, second = jobs_of(app, episode_id)
    page = text(director.get(f"/episodes/{episode_id}"))
    compare = page[page.index('id="compare"') :]
    assert "版本对比：第 1 版与第 2 版" in compare
    assert "两版的审看样片都生成后" in compare  # no proxies yet
    assert 'data-rule="resolution"' in compare
    changed = re.search(r'<tr class="changed" data-rule="(\w+)"', compare)
    assert changed is not None and changed[1] == "resolution"
    assert re.search(r'<tr class="" data-rule="frame_rate"', compare)  # 25 fps both
    for job in (first, second):
        set_job(app, job.id, state=JobState.DONE, progress=1.0, outputs=fake_outputs(app, job))
    compare = text(director.get(f"/episodes/{episode_id}"))
    compare = compare[compare.index('id="compare"') :]
    players = re.findall(r'class="compare-video"[^>]*src="([^"]+)"', compare)
    assert players == [
        f"/episodes/{episode_id}/media/jobs/{first.id}/proxy",
        f"/episodes/{episode_id}/media/jobs/{second.id}/proxy",
    ]
    director.get("/lang/en")
    english = text(director.get(f"/episodes/{episode_id}"))
    assert "Versions side by side: 1 and 2" in english


def test_the_proxys_poster_frame_is_served_like_the_proxy_to_those_who_may_see_it(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, _director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    set_job(app, job.id, state=JobState.DONE, progress=1.0, outputs=fake_outputs(app, job))
    base = f"/episodes/{episode_id}/media/jobs/{job.id}"
    page = text(client_for(app, crew.reviewer).get(f"/episodes/{episode_id}"))
    assert f'src="{base}/proxy" poster="{base}/poster"></video>' in page
    poster = fetch(client_for(app, crew.reviewer), f"{base}/poster")
    assert poster.status_code == 200 and poster.mimetype == "image/jpeg"
    assert poster.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in poster.headers["Cache-Control"]
    outsider = client_for(app, make_crew(app, "yunxi").director)
    assert outsider.get(f"{base}/poster").status_code == 404
    signed_out = app.test_client().get(f"{base}/poster")
    assert signed_out.status_code == 302 and "/sign-in" in signed_out.headers["Location"]


def test_review_material_made_before_poster_frames_shows_the_player_without_one(
    app: Flask, crew: Crew, masters: Masters
) -> None:
    episode_id, director = uploaded(app, crew, masters)
    [job] = jobs_of(app, episode_id)
    outputs = fake_outputs(app, job)
    del outputs["poster"]
    set_job(app, job.id, state=JobState.DONE, progress=1.0, outputs=outputs)
    base = f"/episodes/{episode_id}/media/jobs/{job.id}"
    page = text(director.get(f"/episodes/{episode_id}"))
    assert f'<video class="proxy" controls preload="metadata" src="{base}/proxy">' in page
    assert director.get(f"{base}/poster").status_code == 404
