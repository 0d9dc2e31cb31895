"""In a real browser, the home page: a reviewer narrows 待我审看 to one review stage, finds
episodes on the board by title and pages through a long lane, on a desktop and at phone
width. The screenshots go with the test output."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Flask
from playwright.sync_api import Page, expect

from editorial import people, workflow
from editorial.demo import CITY_SLUG
from tests.web.browser.conftest import screenshot, sign_in
from web.db import unit_of_work

PREFIX = "浏览器分页选题"
DIRECTOR, PRODUCER, REVIEWER = "wang.fang", "huang.li", "li.jianguo"


def many_proposals(live_app: Flask, count: int) -> None:
    """``count`` topics proposed in the city column, titled 「浏览器分页选题 N」."""
    now = datetime.now(UTC)
    with live_app.app_context(), unit_of_work(live_app) as s:
        director, producer = people.get_person(s, DIRECTOR), people.get_person(s, PRODUCER)
        column = people.get_column(s, CITY_SLUG)
        for n in range(count):
            proposal = workflow.Proposal(f"{PREFIX} {n:02d}", 900, producer)
            workflow.propose(s, director, column, now, proposal)


def test_a_reviewer_narrows_the_queue_to_one_stage(page: Page) -> None:
    sign_in(page, REVIEWER)
    page.goto("/")
    form = page.locator("form.queue-filter")
    form.locator("select[name=stage]").select_option("second")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert re.search(r"[?&]stage=second", page.url) and page.url.endswith("#queue")
    rows = page.locator("#queue tbody tr")
    assert rows.count() > 0, "the demo has second reviews for every reviewer"
    for stage in rows.locator("td:nth-child(3)").all_inner_texts():
        assert stage == "待复审"
    expect(form.locator("select[name=stage]")).to_have_value("second")
    screenshot(page, "board-01-queue-second-review")
    form.locator("input[name=overdue]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "overdue=1" in page.url and "stage=second" in page.url
    if page.locator("#queue tbody tr").count() == 0:
        expect(page.locator("#queue .no-match")).to_contain_text("没有符合筛选条件的待审节目")


def test_the_board_finds_by_title_and_pages_a_long_lane(
    page: Page, phone_page: Page, live_app: Flask
) -> None:
    many_proposals(live_app, 25)
    sign_in(page, DIRECTOR)
    page.goto("/")
    page.fill("#board-q", PREFIX)
    page.locator("form.board-search button[type=submit]").click()
    page.wait_for_load_state()
    lane = page.locator("section.lane-proposed")
    expect(lane.locator("article.card")).to_have_count(20)
    expect(lane.locator(".count")).to_have_text("25")
    expect(page.locator("p.found")).to_contain_text("共 25 期")
    expect(page.locator("section.lane-in_production article.card")).to_have_count(0)
    screenshot(page, "board-02-search-desktop")
    lane.get_by_role("link", name="更多 ›").click()
    page.wait_for_load_state()
    lane = page.locator("section.lane-proposed")
    expect(lane.locator("article.card")).to_have_count(5)
    expect(lane).to_contain_text("第 21–25 期，共 25 期")
    expect(page.locator("#board-q")).to_have_value(PREFIX)
    screenshot(page, "board-03-lane-page-2")

    sign_in(phone_page, DIRECTOR)
    phone_page.goto(f"/?q={PREFIX}")
    expect(phone_page.locator("section.lane-proposed article.card")).to_have_count(20)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the board scrolls sideways at phone width: {width}px"
    screenshot(phone_page, "board-04-search-phone")
