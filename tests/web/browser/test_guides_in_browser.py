"""In a real browser, the 日历订阅 page lists each channel's XMLTV guide with a copy
button, in Chinese and English, and the address answers with the guide. The screenshots
go with the test output."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import screenshot, sign_in

SCHEDULER = "he.jing"


def test_the_feeds_page_lists_the_channels_guides(page: Page) -> None:
    sign_in(page, SCHEDULER)
    page.goto("/me/feeds")
    heading = page.locator("h2#xmltv")
    expect(heading).to_have_text("节目指南（XMLTV）")
    guides = page.locator("section.guide input[type=text]")
    assert guides.count() >= 2
    address = guides.first.input_value()
    assert "/feeds/xmltv/" in address and address.endswith(".xml")
    heading.scroll_into_view_if_needed()
    screenshot(page, "guides-01-feeds-page")
    answer = page.request.get(address)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/xml; charset=utf-8"
    assert answer.body().startswith(b'<?xml version="1.0" encoding="utf-8"?>')

    page.goto("/lang/en")
    page.goto("/me/feeds")
    expect(page.locator("h2#xmltv")).to_have_text("Programme guide (XMLTV)")
    screenshot(page, "guides-02-feeds-page-in-english")
