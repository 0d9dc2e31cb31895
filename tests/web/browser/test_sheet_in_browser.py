"""The broadcast order sheet (播出单) in a browser: the city's scheduler (he.jing) opens this
week's sheet of the city channel from the week grid, issues it, and opens the A4 print page;
in Chinese and in English. Screenshots in ``test-output/screenshots/sheet-*.png``."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import screenshot, sign_in


def test_the_scheduler_issues_this_weeks_sheet_and_prints_it(page: Page) -> None:
    sign_in(page, "he.jing")
    page.goto("/schedule/week")
    page.locator(".sheet-links a").first.click()
    expect(page.locator("h1")).to_contain_text("播出单")
    expect(page.locator(".sheet-state")).to_contain_text("尚未签发")
    rows = page.locator("table.sheet-rows tbody tr")
    expect(rows.first).to_be_visible()
    screenshot(page, "sheet-zh")
    page.get_by_role("button", name="签发第 1 版").click()
    expect(page.locator(".flash")).to_contain_text("已签发播出单第 1 版")
    expect(page.locator(".sheet-state")).to_contain_text("最新：第 1 版，何静")
    screenshot(page, "sheet-issued-zh")
    page.get_by_role("link", name="打印页").first.click()
    expect(page.locator("h1")).to_contain_text("播出单")
    expect(page.locator(".sheet-header")).to_contain_text("第 1 版")
    expect(page.get_by_role("button", name="打印")).to_be_visible()
    screenshot(page, "sheet-print-zh")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    page.emulate_media(media="screen")
    sheet = page.url.removesuffix("/print")

    page.goto("/lang/en")
    page.goto(sheet)
    expect(page.locator("h1")).to_contain_text("Order sheet")
    expect(page.locator(".sheet-state")).to_contain_text("Latest: version 1, issued by 何静")
    screenshot(page, "sheet-en")
    page.goto(sheet + "/print")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    screenshot(page, "sheet-print-en")
