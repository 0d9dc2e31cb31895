"""In a real browser: the demo's city scheduler opens the as-run report (播后核对) of a past
week from the schedule's tabs, reads each airing's state in words and colour, picks the
week and goes to the next one, in Chinese and in English. Screenshots go with the test
output."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from schedule.models import AsRunLog, BroadcastChannel
from station.asrun_report import week_label
from tests.web.browser.conftest import screenshot, sign_in
from web.db import unit_of_work

SCHEDULER = "he.jing"  # the demo's city scheduler


def logged_week(app: Flask) -> tuple[str, str]:
    """The channel and week of the demo's as-run log (``tvcolumn demo load`` imports last
    week's log of the city channel)."""
    with unit_of_work(app) as s:
        log = s.scalars(select(AsRunLog).order_by(AsRunLog.id.desc()).limit(1)).first()
        assert log is not None, "the demo imports an as-run log"
        channel = s.get(BroadcastChannel, log.channel_id)
        assert channel is not None
        monday = log.first_day
        return channel.code, week_label(monday - timedelta(days=monday.weekday()))


def test_the_scheduler_reads_the_as_run_report(
    page: Page, live_server: str, live_app: Flask
) -> None:
    code, week = logged_week(live_app)
    sign_in(page, SCHEDULER)
    page.goto("/schedule/week")
    page.click("nav.tabs >> text=播后核对")
    expect(page.locator("h1")).to_contain_text("播后核对")
    page.select_option("select[name=channel]", code)
    page.fill("input[name=week]", week)
    page.click("form.filters button[type=submit]")
    expect(page.locator("table.asrun").first).to_be_visible()
    # The demo's log (or the one made here) has at least one confirmed, late and missed.
    for word in ("已播出（已确认）", "迟播", "漏播"):
        expect(page.locator(f"table.asrun .badge:text-is('{word}')").first).to_be_visible()
    expect(page.locator("text=计划外播出")).to_be_visible()
    late = page.locator("tr.asrun-late").first
    expect(late).to_contain_text(re.compile(r"[晚早]开播 \d+分\d\d秒"))
    colour = late.locator(".badge").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(230, 81, 0)"  # orange, and said in words too
    screenshot(page, "asrun-report-zh")
    page.click("nav.pager >> text=看这一周的编排")
    expect(page.locator(".lane .badge.b-asrun-missing").first).to_have_text("漏播")
    screenshot(page, "asrun-week-grid-zh")

    page.goto("/lang/en")
    page.goto(f"/schedule/asrun/?channel={code}&week={week}")
    expect(page.locator("h1")).to_contain_text("As-run report")
    expect(page.locator("tr.asrun-missing .badge").first).to_have_text("Missed")
    expect(page.locator("tr.asrun-late").first).to_contain_text(
        re.compile(r"started \d+ min \d\d s (late|early)")
    )
    screenshot(page, "asrun-report-en")
    page.click("nav.pager >> text=Next week")
    assert f"week={week}" not in page.url and "week=" in page.url
    page.goto("/lang/zh")
