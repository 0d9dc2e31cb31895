"""In a real browser, a refused form comes back with its first error in view and the cursor
in the field it is about, however far down a long page the field is: proposing a topic and
returning an episode at phone width, creating an account on the long people page on a
desktop. The screenshots go with the test output."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Page, expect

from tests.web.browser.conftest import in_second_review, screenshot, sign_in

DIRECTOR, PRODUCER, REVIEWER, ADMIN = "wang.fang", "huang.li", "chen.hong", "ma.lin"


def submit_refused(page: Page, button: str) -> None:
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click(button)
    assert posted.value.status in (403, 409, 422), posted.value.status
    page.wait_for_load_state()


def assert_first_error_in_view(page: Page, field_id: str) -> None:
    """The page is longer than the screen, the field is focused, and it and its message
    are within the viewport."""
    viewport = page.viewport_size
    assert viewport is not None
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height > viewport["height"], "the page fits the screen: nothing to scroll to"
    expect(page.locator(f"#{field_id}")).to_be_focused()
    for selector in (f"#{field_id}", f"#{field_id}-error"):
        expect(page.locator(selector)).to_be_in_viewport()


def test_a_refused_proposal_shows_its_first_error_at_phone_width(phone_page: Page) -> None:
    sign_in(phone_page, DIRECTOR)
    phone_page.goto("/episodes/new")
    phone_page.fill("#title", "表单错误就在眼前")
    phone_page.fill("#synopsis", "走访三个村的党支部。\n" * 4)
    phone_page.fill("#target_minutes", "15")
    phone_page.fill("#air_by", "2020-07-01")  # already past: the workflow refuses it
    submit_refused(phone_page, "form.stack button[type=submit]")
    expect(phone_page.locator("#air_by-error")).to_contain_text("2020-07-01")
    assert_first_error_in_view(phone_page, "air_by")
    screenshot(phone_page, "form-errors-01-proposal-phone")


def test_a_refused_return_shows_its_reason_field_at_phone_width(
    phone_page: Page, live_app: Flask
) -> None:
    episode_id = in_second_review(live_app, "浏览器里退回：理由只有空格")
    sign_in(phone_page, REVIEWER)
    phone_page.goto(f"/episodes/{episode_id}")
    form = phone_page.locator("form.act-return_for_changes")
    form.locator("textarea").fill("   ")  # passes the browser's `required`, not the workflow
    submit_refused(phone_page, "form.act-return_for_changes button[type=submit]")
    assert_first_error_in_view(phone_page, "return_for_changes-reason")
    screenshot(phone_page, "form-errors-02-return-phone")


def test_a_refused_account_shows_its_first_error_on_the_long_people_page(page: Page) -> None:
    sign_in(page, ADMIN)
    page.goto("/admin/people")
    page.fill("#n-username", "form.error")
    page.fill("#n-display_name", "表单错误")
    page.fill("#n-password", "short")
    submit_refused(page, "form[action='/admin/people'] button[type=submit]")
    assert_first_error_in_view(page, "n-password")
    screenshot(page, "form-errors-03-account-desktop")
