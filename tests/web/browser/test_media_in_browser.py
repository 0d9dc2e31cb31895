"""In a real browser: an editor-director uploads a master through the episode page's file
input and sees its QC report rule by rule; the page follows the review material's progress
by itself and shows the contact sheet and the proxy player when the worker is done."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from editorial import people, workflow
from editorial.demo import CITY_SLUG
from media import jobs
from media.models import JobKind, MediaJob, MediaVersion
from media.service import request_job
from tests.media.conftest import make_clip
from tests.web.browser.conftest import screenshot, sign_in
from web.config import media_settings
from web.db import session_factory, unit_of_work

DIRECTOR, PRODUCER = "wang.fang", "huang.li"  # the demo's editor-director and producer
TITLE = "浏览器里上传的成片：党员志愿服务队"


def episode_in_production(app: Flask) -> int:
    now = datetime.now(UTC)
    with app.app_context(), unit_of_work(app) as s:
        director = people.get_person(s, DIRECTOR)
        producer = people.get_person(s, PRODUCER)
        column = people.get_column(s, CITY_SLUG)
        episode = workflow.propose(
            s, director, column, now, workflow.Proposal(TITLE, 1200, producer)
        )
        workflow.approve_topic(s, producer, episode, episode.version, now)
        workflow.start_production(s, director, episode, episode.version, now)
        return episode.id


def review_job(app: Flask, episode_id: int) -> int:
    with app.app_context(), unit_of_work(app) as s:
        job_id: int = s.scalars(
            select(MediaJob.id)
            .join(MediaVersion)
            .where(MediaVersion.episode_id == episode_id, MediaJob.kind == JobKind.REVIEW)
        ).one()
        return job_id


def test_an_editor_director_uploads_a_master_and_sees_its_qc_and_review_material(
    page: Page, phone_page: Page, live_app: Flask, tmp_path: Path
) -> None:
    master = make_clip(tmp_path / "党员志愿服务队（成片）.mp4", seconds=1.0)
    episode_id = episode_in_production(live_app)
    sign_in(page, DIRECTOR)
    page.goto(f"/episodes/{episode_id}")
    expect(page.locator("#media")).to_contain_text("还没有上传成片")

    page.set_input_files("#media-file", str(master))
    with page.expect_navigation(url=re.compile(rf"/episodes/{episode_id}#media$")):
        page.click("form.media-upload button[type=submit]")
    expect(page.locator(".flash").first).to_contain_text("媒体版本 1 已上传")
    qc = page.locator("table.qc")
    expect(qc).to_be_visible()
    expect(qc.locator("tbody tr")).to_have_count(6)
    expect(qc.locator('tr[data-rule="resolution"] td.ok')).to_have_text("✓ 通过")
    expect(qc.locator('tr[data-rule="duration"] td.fail')).to_have_text("✗ 未通过")
    expect(page.locator("table.versions")).to_contain_text("党员志愿服务队（成片）.mp4")
    expect(page.locator(".media-jobs progress")).to_be_visible()
    assert not any(media_settings(live_app.config).incoming.iterdir())
    screenshot(page, "episode-media-queued")

    # The scheduler service's worker does this; here the test does, while the page polls.
    job_id = review_job(live_app, episode_id)
    outcome = jobs.run(
        session_factory(live_app),
        job_id,
        media_settings(live_app.config).root,
        lambda: datetime.now(UTC),
    )
    assert outcome is not None and outcome.error is None, outcome
    expect(page.locator("video.proxy")).to_be_visible(timeout=20_000)  # the page reloaded
    expect(page.locator(".contact-sheet img")).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('.contact-sheet img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    page.wait_for_function(
        "() => { const v = document.querySelector('video.proxy'); return v && v.readyState >= 1; }"
    )
    duration = page.evaluate("document.querySelector('video.proxy').duration")
    assert 0.5 < duration < 2.0, duration
    poster = page.locator("video.proxy").get_attribute("poster")
    assert poster is not None and poster.endswith(f"/jobs/{job_id}/poster"), poster
    size = page.evaluate(
        "async (url) => { const i = new Image(); i.src = url; await i.decode();"
        " return [i.naturalWidth, i.naturalHeight]; }",
        poster,
    )
    assert size == [640, 360]  # a frame of the proxy
    page.locator("#media").scroll_into_view_if_needed()
    screenshot(page, "episode-media")

    sign_in(phone_page, DIRECTOR)
    phone_page.goto(f"/episodes/{episode_id}#media")
    expect(phone_page.locator("video.proxy")).to_have_attribute("poster", poster)
    phone_page.locator("video.proxy").scroll_into_view_if_needed()
    screenshot(phone_page, "episode-media-phone")


def test_the_packaging_jobs_log_says_how_the_broadcast_master_was_made(
    page: Page, live_app: Flask
) -> None:
    # The demo's master meets the delivery specification: the worker packages it by
    # stream copy, and the page shows its log under 处理记录 as the worker wrote it.
    with live_app.app_context(), unit_of_work(live_app) as s:
        version = s.scalars(select(MediaVersion).order_by(MediaVersion.id)).first()
        assert version is not None
        episode_id = version.episode_id
        director = version.episode.director
        job_id = request_job(
            s,
            director,
            version,
            JobKind.PACKAGE,
            datetime.now(UTC),
            media_settings(live_app.config),
        ).id
        username = director.username
    outcome = jobs.run(
        session_factory(live_app),
        job_id,
        media_settings(live_app.config).root,
        lambda: datetime.now(UTC),
    )
    assert outcome is not None and outcome.error is None, outcome
    sign_in(page, username)
    page.goto(f"/episodes/{episode_id}#media")
    log = page.locator(".job-log")
    expect(log.locator("h4")).to_have_text("处理记录")
    expect(log.locator("li").first).to_contain_text(
        "stream copy: the master meets the delivery specification"
    )
    expect(log.locator("li").nth(1)).to_contain_text("checked: duration")
    log.scroll_into_view_if_needed()
    screenshot(page, "episode-media-packaging-log")
    page.goto("/lang/en")
    page.goto(f"/episodes/{episode_id}#media")
    expect(page.locator(".job-log h4")).to_have_text("Processing log")
    page.locator(".job-log").scroll_into_view_if_needed()
    screenshot(page, "episode-media-packaging-log-en")
