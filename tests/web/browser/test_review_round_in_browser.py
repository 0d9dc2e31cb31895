"""In a real browser, one review round end to end, as the people of the demo's city column
would walk it:

1. the second reviewer steps the proxy to a frame, notes it and returns the episode with
   the open notes as the reason;
2. the scheduler service's delivery job mails the producer (a real SMTP server in the
   test) and posts to the column's WeCom robot (a local stand-in), and the producer's
   header counts one more unread notification;
3. the producer reads the return at the top of the episode page and marks the note
   resolved;
4. the editor-director uploads the second master through the page and submits it again
   (送审 is theirs); the producer signs the first review;
5. the second reviewer compares version 1 with version 2 (synced players, QC side by
   side) and signs.

Every step is saved as a screenshot (``test-output/screenshots/review-round-*.png``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from editorial import notifications, people, workflow
from editorial import robots as column_robots
from editorial.demo import CITY_SLUG, DEMO_MAIL_DOMAIN, holders
from editorial.models import Channel, Episode, Notification, Role, Stage
from editorial.outbox import Settings
from media import jobs as media_jobs
from media.models import JobKind, MediaJob, MediaVersion
from media.service import add_media
from scheduler import jobs
from tests.delivery_servers import (  # noqa: F401  (the fixtures)
    Inbox,
    Robots,
    robots_fixture,
    smtp_inbox_fixture,
)
from tests.media.conftest import make_clip
from tests.web.browser.conftest import screenshot, sign_in
from web.config import media_settings
from web.db import session_factory, unit_of_work

TITLE = "浏览器里的一轮审看：老党员的新课堂"
DIRECTOR, PRODUCER, REVIEWER = "wang.fang", "huang.li", "chen.hong"
NOTE = "第 5 帧台标位置偏低，请上移"
TARGET_S = 60  # the QC duration rule: the master within 30 s of the target
OK = workflow.Checklist.all_confirmed()


def clock() -> datetime:
    return datetime.now(UTC)  # the live server's own clock: the acts below are its "now"


def review_job(app: Flask, episode_id: int, number: int) -> None:
    """Make the review material (proxy) of master ``number``, as the service's worker does."""
    with app.app_context(), unit_of_work(app) as s:
        job_id = s.scalars(
            select(MediaJob.id)
            .join(MediaVersion)
            .where(
                MediaVersion.episode_id == episode_id,
                MediaVersion.number == number,
                MediaJob.kind == JobKind.REVIEW,
            )
        ).one()
    outcome = media_jobs.run(session_factory(app), job_id, media_settings(app.config).root, clock)
    assert outcome is not None and outcome.error is None, outcome


def in_second_review(app: Flask, master: Path) -> int:
    """An episode of the city column with master 1 and its proxy, signed at the first
    review by its producer: the second review (复审) is next."""
    now = clock()
    with app.app_context(), unit_of_work(app) as s:
        director, producer = people.get_person(s, DIRECTOR), people.get_person(s, PRODUCER)
        column = people.get_column(s, CITY_SLUG)
        e = workflow.propose(s, director, column, now, workflow.Proposal(TITLE, TARGET_S, producer))
        workflow.approve_topic(s, producer, e, e.version, now)
        workflow.start_production(s, director, e, e.version, now)
        add_media(
            s,
            director,
            e,
            master,
            now,
            media_settings(app.config),
            expected_version=e.version,
            allowed=[master.parent],
        )
        workflow.submit(s, director, e, e.version, now)
        workflow.sign_off(s, producer, e, e.version, now, stage=Stage.FIRST, checklist=OK)
        episode_id = e.id
    review_job(app, episode_id, 1)
    return episode_id


@pytest.fixture
def city_robot(live_app: Flask, robots: Robots) -> Iterator[str]:
    """The city column's WeCom group robot is the local stand-in, removed again afterwards:
    the live app is shared."""
    url = robots.url("/ok/wecom", key="round")
    now = clock()
    with live_app.app_context(), unit_of_work(live_app) as s:
        admin = people.get_person(s, holders(CITY_SLUG, Role.ADMIN)[0])
        column = people.get_column(s, CITY_SLUG)
        column_robots.set_robot(
            s, admin, column, Channel.WECOM, url, None, True, now, local_stand_in=True
        )
    yield url
    with live_app.app_context(), unit_of_work(live_app) as s:
        admin = people.get_person(s, holders(CITY_SLUG, Role.ADMIN)[0])
        column = people.get_column(s, CITY_SLUG)
        column_robots.remove_robot(s, admin, column, Channel.WECOM, clock())


def delivered_so_far(app: Flask) -> None:
    """What people were told before the return counts as delivered: the mails and robot
    messages the test checks are the return's alone (and the robot's per-minute limit)."""
    with app.app_context(), unit_of_work(app) as s:
        s.execute(
            update(Notification).where(Notification.routed_at.is_(None)).values(routed_at=clock())
        )


def deliver(app: Flask, inbox: Inbox, public_url: str) -> None:
    """One poll of the service's ``deliver-notifications`` job."""
    settings = Settings(
        smtp_url=inbox.url, mail_from="时代风采栏目组 <tv@example.org>", public_url=public_url
    )
    jobs.configure(session_factory(app), delivery=settings)
    try:
        assert jobs.deliver() is not None, "the delivery job failed"
    finally:
        jobs.configure(None)


def unread(app: Flask, username: str) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return notifications.unread_count(s, people.get_person(s, username))


def state_of(app: Flask, episode_id: int) -> str:
    with app.app_context(), unit_of_work(app) as s:
        return s.get_one(Episode, episode_id).state.value


def sign_out(page: Page) -> None:
    page.click("header.top form button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-in"))


def wait_for_proxy(page: Page, selector: str = "video.proxy") -> None:
    page.wait_for_function(
        "s => { const v = document.querySelector(s); return v && v.readyState >= 1; }", arg=selector
    )


def sign(page: Page, act_name: str) -> None:
    form = page.locator(f"form.act-{act_name}")
    for box in form.locator("input[type=checkbox]").all():
        box.check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_a_return_with_notes_reaches_the_producer_who_fixes_it_and_the_reviewer_compares_and_signs(
    page: Page,
    live_app: Flask,
    live_server: str,
    tmp_path: Path,
    smtp_inbox: Inbox,
    robots: Robots,
    city_robot: str,
) -> None:
    v1 = make_clip(tmp_path / "老党员的新课堂（第一版）.mp4", size="720x576", seconds=50.0)
    v2 = make_clip(tmp_path / "老党员的新课堂（第二版）.mp4", size="720x576", seconds=56.0)
    episode_id = in_second_review(live_app, v1)
    delivered_so_far(live_app)
    url = f"/episodes/{episode_id}"
    before = unread(live_app, PRODUCER)

    # 1. The second reviewer notes frame 5 and returns the episode with the open notes.
    sign_in(page, REVIEWER)
    page.goto(url)
    wait_for_proxy(page)
    page.locator("h1").click()  # the keys act when no field has the focus
    for _ in range(5):
        page.keyboard.press(".")
    expect(page.locator(".player-time output.tc")).to_have_text("00:00:00:05")
    expect(page.locator("#note-timecode")).to_have_value("00:00:00:05")
    page.fill("#note-body", NOTE)
    page.click(".note-form button[type=submit]")
    expect(page.locator(".note-list .note")).to_have_count(1)
    screenshot(page, "review-round-1-noted")
    page.click("form.notes-return button[type=submit]")
    page.wait_for_load_state()
    assert state_of(live_app, episode_id) == "returned"
    screenshot(page, "review-round-2-returned")

    # 2. The service delivers: a mail to the producer, a message to the group robot.
    deliver(live_app, smtp_inbox, live_server)
    address = f"{PRODUCER}@{DEMO_MAIL_DOMAIN}"
    mails = [r for r in smtp_inbox.wait_for(2) if address in r.recipients]  # and the director
    assert len(mails) == 1, [r.recipients for r in smtp_inbox.received]
    mail = mails[0].message
    assert TITLE in str(mail["Subject"]) and "退回" in str(mail["Subject"])
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    content = text.get_content()
    assert NOTE in content and "00:00:00:05" in content
    assert f"{live_server}{url}" in content
    posted = [p for p in robots.posted if p.query.get("key") == "round"]
    assert len(posted) == 1 and TITLE in str(posted[0].body)
    sign_out(page)

    # 3. The producer: one more unread, the return on top of the page; resolves the note.
    sign_in(page, PRODUCER)
    assert unread(live_app, PRODUCER) == before + 1
    expect(page.locator("header.top .notices-link .count")).to_have_text(
        str(before + 1) if before + 1 < 100 else "99+"
    )
    page.goto(url)
    returned = page.locator("section#returned")
    expect(returned).to_contain_text(NOTE)
    expect(returned).to_contain_text("复审")
    screenshot(page, "review-round-3-producer-sees-the-return")
    page.locator(".note-list .note form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".note-list .note.resolved")).to_have_count(1)
    sign_out(page)

    # 4. The editor-director uploads master 2 through the page and submits it again (送审
    #    is the editor-director's act); the producer signs the first review again.
    sign_in(page, DIRECTOR)
    page.goto(url)
    page.set_input_files("#media-file", str(v2))
    with page.expect_navigation(url=re.compile(rf"{url}#media$")):
        page.click("form.media-upload button[type=submit]")
    expect(page.locator(".flash").first).to_contain_text("媒体版本 2 已上传")
    # The episode page polls its media jobs and reloads itself when one ends, which would
    # race the goto below: wait on a page without jobs while the job runs.
    page.goto("/me/notifications")
    review_job(live_app, episode_id, 2)
    page.goto(url)
    page.locator("form.act-submit button[type=submit]").click()
    page.wait_for_load_state()
    assert state_of(live_app, episode_id) == "first_review"
    screenshot(page, "review-round-4-resubmitted")
    sign_out(page)
    sign_in(page, PRODUCER)
    page.goto(url)
    sign(page, "first_review")
    assert state_of(live_app, episode_id) == "second_review"
    sign_out(page)

    # 5. The second reviewer compares version 1 with version 2 and signs.
    sign_in(page, REVIEWER)
    page.goto(url)
    compare = page.locator("#compare")
    expect(compare).to_contain_text("第 1 版")
    expect(compare.locator("video.compare-video")).to_have_count(2)
    wait_for_proxy(page, ".compare-video")
    expect(compare.locator('tr[data-rule="duration"]')).to_have_class(re.compile("changed"))
    compare.locator(".compare-play").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('video.compare-video')].every(v => !v.paused)"
    )
    compare.locator(".compare-play").click()
    apart = page.evaluate(
        "() => { const [a, b] = document.querySelectorAll('video.compare-video');"
        " return Math.abs(a.currentTime - b.currentTime); }"
    )
    assert apart < 0.25, f"the players drifted {apart:.2f} s apart"
    compare.scroll_into_view_if_needed()
    screenshot(page, "review-round-5-compare")
    sign(page, "second_review")
    assert state_of(live_app, episode_id) == "final_review"
    screenshot(page, "review-round-6-signed")
