"""In a real browser, administration: removing a role asks first. The administrator
clicks the role's ×, is asked on a page of its own (no script needed), cancels, and only
the second time, confirmed, is the role gone. The screenshots go with the test output."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from playwright.sync_api import Page, expect

from editorial import people
from editorial.demo import CITY_SLUG
from editorial.models import Membership, Role
from tests.web.browser.conftest import screenshot, sign_in
from web.db import unit_of_work

ADMIN, PERSON = "ma.lin", "wang.fang"


def scheduler_role(live_app: Flask) -> int:
    with live_app.app_context(), unit_of_work(live_app) as s:
        person, column = people.get_person(s, PERSON), people.get_column(s, CITY_SLUG)
        return people.grant_role(s, person, column, Role.SCHEDULER, datetime.now(UTC)).id


def still_there(live_app: Flask, membership_id: int) -> bool:
    with live_app.app_context(), unit_of_work(live_app) as s:
        return s.get(Membership, membership_id) is not None


def test_removing_a_role_happens_only_after_confirming(
    page: Page, phone_page: Page, live_app: Flask
) -> None:
    membership_id = scheduler_role(live_app)
    remove = f"a.revoke[href='/admin/roles/{membership_id}/revoke']"
    sign_in(page, ADMIN)
    page.goto("/admin/people")
    page.locator(remove).click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_have_text("撤销角色")
    expect(page.locator(".question")).to_contain_text("王芳（wang.fang）在《时代风采》的编排角色")
    screenshot(page, "admin-01-confirm-revoke")
    assert still_there(live_app, membership_id)
    page.get_by_role("link", name="取消").click()
    page.wait_for_load_state()
    assert page.url.endswith("/admin/people")
    assert still_there(live_app, membership_id)

    page.locator(remove).click()
    page.get_by_role("button", name="确认撤销").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text("已撤销 王芳《时代风采》的编排角色")
    expect(page.locator(remove)).to_have_count(0)
    assert not still_there(live_app, membership_id)
    screenshot(page, "admin-02-revoked")

    membership_id = scheduler_role(live_app)
    sign_in(phone_page, ADMIN)
    phone_page.goto(f"/admin/roles/{membership_id}/revoke")
    button = phone_page.get_by_role("button", name="确认撤销")
    expect(button).to_be_in_viewport()
    screenshot(phone_page, "admin-03-confirm-revoke-phone")
