"""The rerun fill (补播) in a browser: the city's scheduler switches it off and on again on
the slots page and keeps one Friday empty; the week grid marks fills. Screenshots in
``test-output/screenshots/fill-*.png``."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from editorial.demo import CITY_SLUG
from tests.web.browser.conftest import screenshot, sign_in


def test_a_scheduler_switches_the_fill_and_keeps_a_friday_empty(page: Page) -> None:
    sign_in(page, "he.jing")
    page.goto(f"/admin/columns/{CITY_SLUG}/slots")
    switch = page.locator("#fill")
    expect(switch).to_contain_text("已开启")
    switch.get_by_role("button", name="关闭补播").click()
    expect(page.locator("#fill")).to_contain_text("已关闭：首播空档保持空档")
    expect(page.locator("#fill")).to_contain_text("何静 于")
    screenshot(page, "fill-switched-off")
    page.locator("#fill").get_by_role("button", name="开启补播").click()
    expect(page.locator("#fill")).to_contain_text("已开启")
    form = page.locator("form[action$='/keep-empty']").first
    day = page.locator(".next").first.inner_text()[:10]  # the first slot's next occurrence
    form.locator("input[type=date]").fill(day)
    form.get_by_role("button", name="标为留空").click()
    expect(page.get_by_text(f"{day} 留空")).to_be_visible()
    screenshot(page, "fill-kept-empty")
    form = page.locator("form[action$='/keep-empty']").first
    form.locator("input[type=date]").fill(day)
    form.get_by_role("button", name="标为留空").click()
    expect(page.get_by_role("alert").first).to_contain_text("已由何静标为留空")
    page.locator("form[action$='/keep-empty/remove']").first.get_by_role(
        "button", name="取消留空"
    ).click()
    expect(page.locator(f"del:has-text('{day} 留空')")).to_be_visible()


def test_the_week_grid_legend_names_the_fill(page: Page) -> None:
    sign_in(page, "he.jing")
    page.goto("/schedule/week")
    expect(page.locator(".legend .b-fill")).to_have_text("补播")
    screenshot(page, "fill-week-grid")
