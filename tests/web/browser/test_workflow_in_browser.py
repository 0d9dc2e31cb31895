"""In a real browser, the whole way of an episode: an editor-director proposes a topic; the
producer approves it; production, the master's upload and submission; the producer signs the
first review (the test master, a light 25-minute clip, fails QC: the producer says why it is
signed anyway, and the later stages read that), two other people the second and final; the
scheduler finds it on the schedule grid. Every page visited is saved as a screenshot with
the test output."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import imageio_ffmpeg
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from editorial.models import Episode, State
from editorial.workdays import SHANGHAI
from schedule import builder
from schedule.models import Airing, AiringStatus
from tests.web.browser.conftest import screenshot, sign_in
from web.db import unit_of_work

TITLE = "浏览器里走完的节目：红色物业暖民心"
DIRECTOR, PRODUCER, REVIEWER, FINAL, SCHEDULER = (
    "wang.fang",
    "huang.li",
    "chen.hong",
    "zhao.guoqiang",
    "he.jing",
)
ACTED = re.compile(r"已完成")
QC_REASON = "内容已审；画面规格按播出要求由台里转码"


def light_master(out: Path, seconds: int) -> Path:
    """A master long enough to fill the column's 30-minute slot (the schedule plans with the
    master's measured length), cheap to make and to measure: 64×64 at 1 fps, an 8 kHz tone.
    It fails QC (size, frame rate, duration), which the reviewers sign over with a reason."""
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-v", "error", "-nostdin", "-y"),
            *("-f", "lavfi", "-i", f"color=c=gray:size=64x64:rate=1:duration={seconds}"),
            *("-f", "lavfi", "-i", f"sine=frequency=1000:sample_rate=8000:duration={seconds}"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"),
            *("-c:a", "aac", "-b:a", "16k", "-shortest", str(out)),
        ],
        check=True,
        timeout=120,
    )
    return out


def sign_out(page: Page) -> None:
    page.click("header.top form button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-in"))


def act(
    page: Page,
    episode_url: str,
    act_name: str,
    shot: str,
    *,
    checklist: bool = False,
    qc_override: str | None = None,
) -> None:
    """Open the episode page, take one act through its form, see it done."""
    page.goto(episode_url)
    form = page.locator(f"form.act-{act_name}")
    expect(form).to_be_visible()
    if checklist:
        for box in form.locator("input[type=checkbox]").all():
            box.check()
    if qc_override is not None:
        form.locator("textarea[name=qc_override]").fill(qc_override)
    screenshot(page, f"{shot}-before")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text(ACTED)
    screenshot(page, shot)


def test_an_episode_goes_from_topic_to_the_schedule_grid(
    page: Page, live_server: str, live_app: Flask, tmp_path: Path
) -> None:
    master = light_master(tmp_path / "红色物业（成片）.mp4", seconds=25 * 60)
    sign_in(page, DIRECTOR)
    page.goto("/episodes/new")
    page.select_option("#column", label="时代风采")
    page.fill("#title", TITLE)
    page.fill("#synopsis", "社区党组织牵头，物业服务进楼入户。")
    page.fill("#target_minutes", "30")
    page.select_option("#responsible_producer", label="黄莉")
    screenshot(page, "01-propose")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r"/episodes/\d+$"))
    episode_url = page.url
    expect(page.locator("h1")).to_contain_text(TITLE)
    screenshot(page, "02-proposed")
    sign_out(page)

    sign_in(page, PRODUCER)
    act(page, episode_url, "approve_topic", "03-topic-approved")
    sign_out(page)

    sign_in(page, DIRECTOR)
    act(page, episode_url, "start_production", "04-in-production")
    expect(page.locator("form.act-submit")).to_have_count(0)  # no master yet
    expect(page.locator("p.turn")).to_contain_text("上传成片")
    page.set_input_files("#media-file", str(master))
    with page.expect_navigation(url=re.compile(r"#media$")):
        page.click("form.media-upload button[type=submit]")
    expect(page.locator(".flash").first).to_contain_text("已上传")
    screenshot(page, "05-master-uploaded")
    act(page, episode_url, "submit", "05-submitted")
    sign_out(page)

    sign_in(page, PRODUCER)
    act(
        page,
        episode_url,
        "first_review",
        "06-first-review",
        checklist=True,
        qc_override=QC_REASON,
    )
    sign_out(page)
    sign_in(page, REVIEWER)
    page.goto(episode_url)
    expect(page.locator("#qc-overrides")).to_contain_text(QC_REASON)
    act(
        page,
        episode_url,
        "second_review",
        "07-second-review",
        checklist=True,
        qc_override="同意初审意见",
    )
    sign_out(page)
    sign_in(page, FINAL)
    act(
        page,
        episode_url,
        "final_review",
        "08-final-review",
        checklist=True,
        qc_override="同意，播出前转码",
    )
    expect(page.locator("body")).to_contain_text("可播")
    sign_out(page)

    # The scheduler service rebuilds soon after an approval; here the test does it.
    with live_app.app_context(), unit_of_work(live_app) as session:
        episode = session.scalars(select(Episode).where(Episode.title == TITLE)).one()
        assert episode.state is State.APPROVED
        builder.build(session, datetime.now(UTC))
        airing = session.scalars(
            select(Airing).where(
                Airing.episode_id == episode.id, Airing.status != AiringStatus.CANCELLED
            )
        ).first()
        assert airing is not None, "the approved episode got no airing"
        day = airing.starts_at.astimezone(SHANGHAI).date()

    sign_in(page, SCHEDULER)
    page.goto(f"/schedule/week?start={day.isoformat()}")
    expect(page.locator("main")).to_contain_text(TITLE)
    screenshot(page, "09-schedule-week")
