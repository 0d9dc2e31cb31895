"""In a real browser, the episode form's reporting priorities: the editor-director ticks one
of the quarter's priorities and mistypes another; the form comes back asking about the
mistyped tag, in view, and saves it only after 「仍然保存」. The screenshots go with the
test output."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.browser.conftest import screenshot, sign_in

DIRECTOR = "wang.fang"


def fill_proposal(page: Page, title: str) -> None:
    page.goto("/episodes/new")
    page.fill("#title", title)
    page.fill("#target_minutes", "15")


def test_a_known_priority_saves_and_an_unknown_one_is_asked_about_first(
    page: Page, phone_page: Page
) -> None:
    sign_in(page, DIRECTOR)
    fill_proposal(page, "浏览器里的重点标签：直接保存")
    page.get_by_label("抓基层强基础：基层党建工作成效").check()
    page.click("form.stack button[type=submit] >> text=提交申报")
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text("选题已申报")
    expect(page.locator("span.tag")).to_have_text(["基层党建"])

    sign_in(phone_page, DIRECTOR)
    fill_proposal(phone_page, "浏览器里的重点标签：先问一声")
    phone_page.get_by_label("抓基层强基础：基层党建工作成效").check()
    phone_page.fill("#priority_tags", "先锋工成")
    phone_page.click("form.stack button[type=submit] >> text=提交申报")
    phone_page.wait_for_load_state()
    warning = phone_page.locator(".field-warning")
    expect(warning).to_contain_text("“先锋工成”不在本季度的宣传报道重点中")
    expect(warning).to_be_in_viewport()
    save_anyway = warning.get_by_role("button", name="仍然保存")
    expect(save_anyway).to_be_focused()
    expect(phone_page.get_by_label("抓基层强基础：基层党建工作成效")).to_be_checked()
    screenshot(phone_page, "tags-01-unknown-tag-phone")
    save_anyway.click()
    phone_page.wait_for_load_state()
    expect(phone_page.locator(".flash")).to_contain_text("选题已申报")
    expect(phone_page.locator("span.tag")).to_have_text(["先锋工成", "基层党建"])
    screenshot(phone_page, "tags-02-saved-anyway-phone")

    page.goto("/episodes/new")
    screenshot(page, "tags-03-form-desktop")
