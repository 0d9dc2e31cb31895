"""In a real browser, whose turn it is: a reviewer finds 「待 … 复审」 at the top of an
episode in the second review and returns it; the producer then finds the return (stage,
who, when, reason) at the top of the page, on a desktop and at phone width. The
screenshots go with the test output."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import in_second_review, screenshot, sign_in

TITLE = "浏览器里看轮到谁：老党员的新课堂"
DIRECTOR, PRODUCER, REVIEWER = "wang.fang", "huang.li", "chen.hong"
REASON = "第3分钟的字幕把村名写错了，请核对后重新送审"


def test_a_reviewer_sees_whose_turn_and_the_producer_sees_the_return_at_the_top(
    page: Page, phone_page: Page, live_app: Flask
) -> None:
    episode_url = f"/episodes/{in_second_review(live_app, TITLE)}"

    sign_in(page, REVIEWER)
    page.goto(episode_url)
    turn = page.locator("p.turn")
    expect(turn).to_have_text(re.compile(r"^待 .*陈红.* 复审$"))
    expect(turn).to_contain_text("李建国")  # every reviewer of the column who may sign it
    assert turn.bounding_box()["y"] < page.locator("#acts").bounding_box()["y"]  # type: ignore[index]
    screenshot(page, "turns-01-reviewer-second-review")
    form = page.locator("form.act-return_for_changes")
    form.locator("textarea").fill(REASON)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text("已完成")

    sign_in(phone_page, PRODUCER)
    phone_page.goto(episode_url)
    box = phone_page.locator("section.returned")
    expect(box).to_be_visible()
    expect(box).to_contain_text("复审")
    expect(box).to_contain_text("陈红")
    expect(box).to_contain_text(REASON)
    expect(phone_page.locator("p.turn")).to_have_text("等待 王芳 修改后重新送审")
    # At the top: in view without scrolling, above the episode's fields.
    top = box.bounding_box()
    assert top is not None and top["y"] < 844
    assert top["x"] >= 0 and top["x"] + top["width"] <= 390  # no sideways scrolling
    screenshot(phone_page, "turns-02-producer-return-phone")

    sign_in(page, PRODUCER)
    page.goto(episode_url)
    expect(page.locator("section.returned")).to_contain_text(REASON)
    screenshot(page, "turns-03-producer-return-desktop")
    page.goto("/")
    card = page.locator("article.card", has_text=TITLE)
    expect(card.locator(".turn")).to_have_text("等待 王芳 修改后重新送审")
    screenshot(page, "turns-04-board")
    page.goto("/lang/en")
    page.goto(episode_url)
    expect(page.locator("section.returned")).to_contain_text("Returned for changes")
    expect(page.locator("p.turn")).to_have_text("Waiting for 王芳 to revise and resubmit")
    screenshot(page, "turns-05-producer-return-english")
