"""In a real browser: a reviewer returns an episode at the second review with a reason; the
producer signs in, sees the header's unread count one higher, opens the list, finds the
return with who, why and a link to the episode, marks everything read and the count goes.
Every page is saved as a screenshot with the test output."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import Page, expect

from editorial import notifications, people, workflow
from tests.web.browser.conftest import in_second_review, screenshot, sign_in
from web.db import unit_of_work

TITLE = "浏览器里退回的节目：党员先锋岗"
REASON = "第 3 分钟的字幕有错别字，请改正后重新送审"
DIRECTOR, PRODUCER, REVIEWER = "wang.fang", "huang.li", "chen.hong"
OK = workflow.Checklist.all_confirmed()


def unread(app: Flask, username: str) -> int:
    with app.app_context(), unit_of_work(app) as s:
        return notifications.unread_count(s, people.get_person(s, username))


def sign_out(page: Page) -> None:
    page.click("header.top form button[type=submit]")
    page.wait_for_url(re.compile(r"/sign-in"))


def test_the_producer_sees_a_return_counted_in_the_header_and_reads_it(
    page: Page, live_server: str, live_app: Flask
) -> None:
    episode_id = in_second_review(live_app, TITLE)
    before = unread(live_app, PRODUCER)

    sign_in(page, REVIEWER)
    page.goto(f"/episodes/{episode_id}")
    form = page.locator("form.act-return_for_changes")
    form.locator("textarea[name=reason]").fill(REASON)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_be_visible()
    screenshot(page, "notifications-01-returned-by-reviewer")
    sign_out(page)

    sign_in(page, PRODUCER)
    assert unread(live_app, PRODUCER) == before + 1
    badge = page.locator("header.top .notices-link .count")
    expect(badge).to_have_text(str(before + 1) if before + 1 < 100 else "99+")
    screenshot(page, "notifications-02-producer-header-count")

    page.click("header.top .notices-link")
    page.wait_for_url(re.compile(r"/me/notifications$"))
    newest = page.locator("article.notice").first
    expect(newest).to_contain_text(f"陈红 在复审退回了《{TITLE}》。")
    expect(newest).to_contain_text(f"理由：{REASON}")
    expect(newest).to_contain_text("来自 陈红")
    expect(newest.locator(f'a[href="/episodes/{episode_id}"]')).to_be_visible()
    screenshot(page, "notifications-03-list")

    page.click("#mark-all-read")
    page.wait_for_url(re.compile(r"/me/notifications$"))
    expect(page.locator(".flash")).to_contain_text("条通知已标为已读")
    expect(page.locator("header.top .notices-link .count")).to_have_count(0)
    expect(page.locator("article.notice.dismissed").first).to_be_visible()
    assert unread(live_app, PRODUCER) == 0
    screenshot(page, "notifications-04-all-read")

    page.goto("/me/")
    expect(page.locator("#channels")).to_be_visible()
    screenshot(page, "notifications-05-account-channels")


def test_the_columns_admin_sets_the_dingtalk_robot_and_sees_only_that_a_secret_is_set(
    page: Page, live_server: str
) -> None:
    secret = "SEC" + "0123456789abcdef" * 4
    sign_in(page, "ma.lin")
    page.goto("/admin/")
    page.click('a[href="/admin/columns/shidai-fengcai/robots"]')
    page.wait_for_url(re.compile(r"/robots$"))
    section = page.locator("#robot-dingtalk")
    section.locator("input[name=webhook_url]").fill("http://oapi.dingtalk.com/robot/send")
    section.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("#robot-dingtalk .field-error").first).to_contain_text("https://")
    screenshot(page, "notifications-06-robot-refused")
    section = page.locator("#robot-dingtalk")
    section.locator("input[name=webhook_url]").fill(
        "https://oapi.dingtalk.com/robot/send?access_token=demo"
    )
    section.locator("input[name=secret]").fill(secret)
    section.locator("button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/robots$"))
    expect(page.locator("#robot-dingtalk")).to_contain_text("已设置加签密钥（SEC…cdef）")
    assert secret not in page.content()
    screenshot(page, "notifications-07-robots")
