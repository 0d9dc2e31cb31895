"""In a real browser: the first reviewer steps the proxy frame by frame with the keyboard,
notes the frame shown, sees the note listed and seeks back to it with a click."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from playwright.sync_api import Page, expect

from editorial import people, workflow
from editorial.models import Episode
from media import jobs
from media.service import add_media
from tests.media.conftest import make_clip
from tests.web.browser.conftest import screenshot, sign_in
from tests.web.browser.test_media_in_browser import (
    DIRECTOR,
    PRODUCER,
    episode_in_production,
    review_job,
)
from web.config import media_settings
from web.db import session_factory, unit_of_work


def in_review_with_proxy(app: Flask, master: Path) -> int:
    """An episode at the first review whose review material (proxy) is made, for real."""
    episode_id = episode_in_production(app)
    now = datetime.now(UTC)
    with app.app_context(), unit_of_work(app) as s:
        episode = s.get_one(Episode, episode_id)
        director = people.get_person(s, DIRECTOR)
        add_media(
            s,
            director,
            episode,
            master,
            now,
            media_settings(app.config),
            expected_version=episode.version,
            allowed=[master.parent],
        )
        workflow.submit(s, director, episode, episode.version, now)
    outcome = jobs.run(
        session_factory(app),
        review_job(app, episode_id),
        media_settings(app.config).root,
        lambda: datetime.now(UTC),
    )
    assert outcome is not None and outcome.error is None, outcome
    return episode_id


def test_a_reviewer_steps_frames_notes_one_and_seeks_back_to_it(
    page: Page, live_app: Flask, tmp_path: Path
) -> None:
    episode_id = in_review_with_proxy(live_app, make_clip(tmp_path / "成片.mp4", seconds=1.0))
    sign_in(page, PRODUCER)  # the responsible producer signs the first review
    page.goto(f"/episodes/{episode_id}")
    page.wait_for_function(
        "() => { const v = document.querySelector('video.proxy'); return v && v.readyState >= 1; }"
    )
    shown = page.locator(".player-time output.tc")
    expect(shown).to_have_text("00:00:00:00")
    page.locator("h1").click()  # the keys act when no field has the focus
    for expected in ("00:00:00:01", "00:00:00:02", "00:00:00:03"):
        page.keyboard.press(".")
        expect(shown).to_have_text(expected)
    page.keyboard.press(",")
    expect(shown).to_have_text("00:00:00:02")
    expect(page.locator("#note-timecode")).to_have_value("00:00:00:02")  # paused: filled in

    page.fill("#note-body", "台标位置偏低")
    with page.expect_navigation(url=re.compile(rf"/episodes/{episode_id}#notes$")):
        page.click(".note-form button[type=submit]")
    note = page.locator(".note-list .note")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("台标位置偏低")
    expect(note.locator(".seek")).to_have_text("00:00:00:02")
    expect(page.locator(".notes .badge")).to_have_text("1 条未处理")

    page.wait_for_function(
        "() => { const v = document.querySelector('video.proxy'); return v && v.readyState >= 1; }"
    )
    page.locator(".note-list .seek").click()
    expect(shown).to_have_text("00:00:00:02")
    page.locator("#notes").scroll_into_view_if_needed()
    screenshot(page, "episode-review-notes")
