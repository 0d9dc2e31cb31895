"""In a real browser at phone width (390 px): the header folds its menu behind one button,
so a page's own content starts on the first screen; on an episode in review, the sign and
return forms come before the episode's long details. On a desktop the menu stays open.
The screenshots go with the test output."""

from __future__ import annotations

from flask import Flask
from playwright.sync_api import Locator, Page, expect

from tests.web.browser.conftest import PHONE, in_second_review, screenshot, sign_in

DIRECTOR, PRODUCER, REVIEWER = "wang.fang", "huang.li", "chen.hong"


def top(locator: Locator) -> float:
    box = locator.bounding_box()
    assert box is not None, locator
    return box["y"]


def test_at_phone_width_the_menu_folds_and_the_page_starts_on_the_first_screen(
    phone_page: Page,
) -> None:
    sign_in(phone_page, REVIEWER)
    phone_page.goto("/")
    menu = phone_page.locator("nav.menu")
    button = phone_page.locator(".menu-button")
    expect(button).to_be_visible()
    expect(menu).to_be_hidden()
    header = phone_page.locator("header.top").bounding_box()
    assert header is not None and header["height"] < 80, header
    assert top(phone_page.locator("main h1")) < 120
    expect(phone_page.locator("#queue")).to_be_in_viewport()
    screenshot(phone_page, "phone-01-home-menu-folded")
    button.click()
    expect(menu.get_by_role("link", name="播出编排")).to_be_visible()
    expect(menu.get_by_role("button", name="退出")).to_be_visible()
    screenshot(phone_page, "phone-02-home-menu-open")
    button.click()
    expect(menu).to_be_hidden()


def test_on_a_desktop_the_menu_stays_open(page: Page) -> None:
    sign_in(page, REVIEWER)
    page.goto("/")
    expect(page.locator(".menu-button")).to_be_hidden()
    expect(page.locator("nav.menu").get_by_role("link", name="播出编排")).to_be_visible()


def test_at_phone_width_a_reviewer_finds_the_sign_and_return_forms_before_the_details(
    phone_page: Page, page: Page, live_app: Flask
) -> None:
    episode_url = f"/episodes/{in_second_review(live_app, '手机上先看到签审：村里的新党员')}"
    sign_in(phone_page, REVIEWER)
    phone_page.goto(episode_url)
    sign = phone_page.locator("form.act-second_review")
    give_back = phone_page.locator("form.act-return_for_changes")
    details = phone_page.locator("section.fields")
    assert top(sign) < top(details) and top(give_back) < top(details)
    assert top(sign) < PHONE["height"], "the sign-off form starts on the first screen"
    screenshot(phone_page, "phone-03-episode-acts-first")

    sign_in(page, REVIEWER)
    page.goto(episode_url)
    acts, fields = (
        page.locator("#acts").bounding_box(),
        page.locator("section.fields").bounding_box(),
    )
    assert acts is not None and fields is not None
    assert acts["x"] > fields["x"] + fields["width"] - 1  # beside the details, on the right
    screenshot(page, "phone-04-episode-desktop")
