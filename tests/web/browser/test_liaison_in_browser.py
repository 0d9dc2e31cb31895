"""In a real browser: the demo's liaison officer opens this quarter's goal-management
dashboard, with its charts drawn, a column behind its target labelled 落后, and a number
that drills down to its episodes. Screenshots go with the test output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from editorial.models import Column, Level, Person
from editorial.workdays import local_date
from liaison import service
from liaison.models import Quarter
from tests.web.browser.conftest import screenshot, sign_in
from web.db import unit_of_work

OFFICER = "zhou.min"  # the demo's liaison officer, of every column


def this_quarter(app: Flask) -> Quarter:
    """This quarter as the demo loads it (liaison/demo.py); made here through the service,
    with a priority that some columns are behind on, where the demo has none."""
    today = local_date(datetime.now(UTC))
    year, number = today.year, (today.month - 1) // 3 + 1
    with unit_of_work(app) as s:
        found = s.scalar(select(Quarter).where(Quarter.year == year, Quarter.number == number))
        if found is None:
            officer = s.scalars(select(Person).where(Person.username == OFFICER)).one()
            found = service.create_quarter(s, officer, datetime.now(UTC), year=year, number=number)
            columns = list(s.scalars(select(Column).order_by(Column.level, Column.id)))
            start = max(found.start, today - timedelta(days=20))
            service.add_priority(
                s,
                officer,
                found,
                service.PrioritySpec(
                    theme="基层党建",
                    tag="基层党建",
                    window_start=start,
                    window_end=min(found.end, max(today, start) + timedelta(days=10)),
                    weight=2,
                    targets={c.id: 3 if c.level is Level.CITY else 2 for c in columns},
                ),
                datetime.now(UTC),
            )
        s.expunge(found)
        return found


def test_the_liaison_officer_reads_the_dashboard(
    page: Page, live_server: str, live_app: Flask
) -> None:
    quarter = this_quarter(live_app)
    sign_in(page, OFFICER)
    page.click("header.top >> text=通联")
    expect(page.locator("h1")).to_have_text("通联工作：季度")
    page.click(f"a[href='/liaison/{quarter.year}/{quarter.number}/']")
    expect(page.locator("h2").first).to_have_text("通联会议")
    screenshot(page, "liaison-quarter")

    # A window before the quarter: refused beside the field, what was typed kept.
    form = page.locator("form.priority-form").last
    form.locator("#new-theme").fill("浏览器里写错的报道重点")
    form.locator("#new-tag").fill("写错")
    form.locator("#new-window_start").fill(f"{quarter.year - 1}-12-01")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#new-window_start-error")).to_contain_text("时间窗须在")
    expect(page.locator("#new-theme")).to_have_value("浏览器里写错的报道重点")
    page.locator("#new-window_start").scroll_into_view_if_needed()
    screenshot(page, "liaison-priority-refused")

    page.goto(f"/liaison/{quarter.year}/{quarter.number}/dashboard")
    expect(page.locator("h1")).to_contain_text("目标管理")
    charts = page.locator("svg.chart")
    expect(charts.first).to_be_visible()
    box = charts.first.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 60
    if page.locator(".behind-label").count():
        expect(page.locator("tr.behind .behind-label").first).to_have_text("落后")
        colour = page.locator("tr.behind td").first.evaluate("e => getComputedStyle(e).color")
        assert colour == "rgb(183, 28, 28)"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the dashboard scrolls sideways: {width}px"
    screenshot(page, "liaison-dashboard")

    page.locator("table.figures td.num a").first.click()
    expect(page.locator("h1")).to_contain_text("《")
    screenshot(page, "liaison-drill-down")

    page.goto(f"/liaison/{quarter.year}/{quarter.number}/dashboard/print")
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_have_count(0)
    expect(page.locator(".no-print")).to_be_hidden()
    screenshot(page, "liaison-dashboard-print")
    pdf = page.pdf(prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
