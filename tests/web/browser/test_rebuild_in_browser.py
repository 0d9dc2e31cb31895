"""In a real browser, the city's scheduler opens 「立即编排」 from the report after a stop date,
a pull from air and a new approval: the preview lists the new, moved and cancelled airings
as the builder would make them, then applying it saves exactly that; a slot is edited from
the slot page. The screenshots go with the test output."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select

from editorial import people, workflow
from editorial.demo import CITY_SLUG
from editorial.models import Episode, State
from schedule import slots
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.web.browser.conftest import screenshot, sign_in
from web.db import unit_of_work

SCHEDULER = "he.jing"


def changes_waiting(app: Flask) -> tuple[str, str]:
    """A stop date on the next occurrence of the city premiere slot with the most drafts
    ahead, the latest draft's episode (not of a series) pulled from air, and a new approved
    episode; returns the pulled and the new episode's titles."""
    now = datetime.now(UTC)
    with app.app_context(), unit_of_work(app) as s:
        column = people.get_column(s, CITY_SLUG)
        by_slot: dict[int, list[Airing]] = {}
        for airing in s.scalars(
            select(Airing)
            .join(Slot, Slot.id == Airing.slot_id)
            .join(Episode, Episode.id == Airing.episode_id)
            .where(
                Slot.column_id == column.id,
                Slot.kind == SlotKind.PREMIERE,
                Airing.status == AiringStatus.DRAFT,
                Airing.starts_at > now + timedelta(days=1),
                Episode.series_id.is_(None),
            )
            .order_by(Airing.starts_at)
        ):
            by_slot.setdefault(airing.slot_id, []).append(airing)
        live = max(by_slot.values(), key=len)
        assert len(live) >= 3, "the demo schedules the city column's premieres"
        slot = live[0].slot
        scheduler = people.get_person(s, SCHEDULER)
        day = live[0].starts_at.astimezone(slots.zone(slot.timezone)).date()
        slots.add_exception(s, scheduler, slot, day, "转播全市党员大会", now)
        pulled = live[-1].episode
        workflow.pull_from_air(
            s, pulled.responsible_producer, pulled, pulled.version, now, reason="内容需更新"
        )
        fresh = Episode(
            column=column,
            title="浏览器里新通过的节目",
            target_duration_s=live[0].episode.target_duration_s,
            director_id=people.get_person(s, "zhang.wei").id,
            responsible_producer_id=people.get_person(s, "liu.yang").id,
            state=State.APPROVED,
            review_round=1,
            state_entered_at=now,
            created_at=now - timedelta(days=20),
        )
        s.add(fresh)
        return pulled.title, fresh.title


def test_a_scheduler_previews_a_rebuild_then_applies_it(page: Page, live_app: Flask) -> None:
    pulled, fresh = changes_waiting(live_app)
    sign_in(page, SCHEDULER)
    page.goto("/schedule/report")
    page.get_by_role("link", name="立即编排").click()
    expect(page.locator("h1")).to_have_text("立即编排")
    expect(page.locator("table.rebuild-new")).to_contain_text(fresh)
    expect(page.locator("table.rebuild-moved tbody tr").first).to_be_visible()
    expect(page.locator("table.rebuild-cancelled")).to_contain_text(pulled)
    summary = page.locator(".rebuild-summary").inner_text()
    screenshot(page, "rebuild-01-preview")
    page.get_by_role("button", name="按预览编排").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text("已按预览重新编排")
    assert summary.startswith("新排") and "改期" in summary
    screenshot(page, "rebuild-02-applied")
    page.goto("/schedule/rebuild/")
    expect(page.locator(".rebuild-summary")).to_contain_text("新排 0 次，改期 0 次，取消 0 次")


def test_a_scheduler_edits_a_slot(page: Page) -> None:
    sign_in(page, SCHEDULER)
    page.goto(f"/admin/columns/{CITY_SLUG}/slots")
    page.get_by_role("link", name="修改时段").first.click()
    expect(page.locator("h1")).to_contain_text("修改时段")
    page.fill("#duration", "0")
    screenshot(page, "rebuild-03-slot-edit")
    page.get_by_role("button", name="保存修改").click()
    expect(page.locator("p.error")).to_contain_text("时段没有修改")
    name = page.locator("#name").input_value()
    page.fill("#name", name + "（改）")
    page.fill("#duration", "30")
    screenshot(page, "rebuild-04-slot-edit-refused")
    page.get_by_role("button", name="保存修改").click()
    page.wait_for_load_state()
    expect(page.locator(".flash")).to_contain_text("已修改时段")
