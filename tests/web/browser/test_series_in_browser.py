"""In a real browser, a producer plans a series (连续报道) from the header's 连续报道, lands
on its page, and an editor-director proposes its first part from that page; the demo's
series page shows each part's state and planned airing. The screenshots go with the test
output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from playwright.sync_api import Page, expect

from editorial.workdays import local_date
from tests.web.browser.conftest import screenshot, sign_in

PRODUCER = "huang.li"
DIRECTOR = "wang.fang"


def test_a_producer_creates_a_series_and_sees_its_page(page: Page, phone_page: Page) -> None:
    start_by = local_date(datetime.now(UTC)) + timedelta(days=30)
    sign_in(page, PRODUCER)
    page.get_by_role("navigation", name="主菜单").get_by_role("link", name="连续报道").click()
    expect(page.locator("h1")).to_have_text("连续报道")
    expect(page.get_by_role("link", name="先锋工程连续报道")).to_be_visible()  # the demo's
    page.get_by_role("link", name="新建连续报道").click()
    page.fill("#title", "浏览器里的连续报道：乡村振兴")
    page.fill("#parts", "4")
    page.fill("#start_by", start_by.isoformat())
    page.get_by_label("县级栏目转播").check()
    screenshot(page, "series-01-create-form")
    page.get_by_role("button", name="建立连续报道").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text("连续报道已建立")
    expect(page.locator("h1")).to_contain_text("浏览器里的连续报道：乡村振兴")
    fields = page.locator("dl.fields")
    expect(fields).to_contain_text("4 集")
    expect(fields).to_contain_text(start_by.isoformat())
    expect(fields).to_contain_text("转播")
    expect(page.locator("table.series-parts tbody tr")).to_have_count(4)
    expect(page.locator("#part-1")).to_contain_text("尚未申报")
    screenshot(page, "series-02-new-series-page")
    address = page.url

    sign_in(phone_page, DIRECTOR)
    phone_page.goto(address)
    phone_page.locator("#part-1").get_by_role("link", name="申报这一集").click()
    expect(phone_page.locator("#part_number")).to_have_value("1")
    phone_page.fill("#title", "乡村振兴之一：村里来了新书记")
    phone_page.fill("#target_minutes", "15")
    phone_page.click("form.stack button[type=submit] >> text=提交申报")
    phone_page.wait_for_load_state()
    expect(phone_page.locator(".flash")).to_contain_text("选题已申报")
    phone_page.get_by_role("link", name="浏览器里的连续报道：乡村振兴").click()
    expect(phone_page.locator("#part-1")).to_contain_text("乡村振兴之一：村里来了新书记")
    expect(phone_page.locator("#part-1")).to_contain_text("选题申报")
    screenshot(phone_page, "series-03-first-part-phone")

    page.goto("/series/")
    page.get_by_role("link", name="先锋工程连续报道").click()
    expect(page.locator("#part-1")).to_contain_text("可播")
    screenshot(page, "series-04-demo-series-page")
