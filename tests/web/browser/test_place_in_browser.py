"""In a real browser, the scheduler 何静 sees the empty occurrences (空档) of the city
column's week on its channel's time axis, drags one approved episode without a premiere
onto an empty premiere with the mouse, and carries another there by keyboard only (Space
picks it up, the arrow keys choose, Escape puts it down, Enter drops), each announced in
the live region. The screenshots go with the test output."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import delete, select

from editorial import people
from editorial.demo import CITY_SLUG
from editorial.models import Episode, State
from editorial.workdays import local_date
from schedule.gaps import EmptyOccurrence, empty_occurrences, slots_of
from schedule.models import Airing, AiringStatus, SlotKind
from tests.web.browser.conftest import screenshot, sign_in
from web.db import unit_of_work

SCHEDULER = "he.jing"
TITLES = ("浏览器安排：拖放的一期", "浏览器安排：键盘的一期")


def _gaps(app: Flask) -> dict[date, list[EmptyOccurrence]]:
    """The city column's empty premiere occurrences from tomorrow, by the Monday of their week."""
    since = datetime.now(UTC) + timedelta(days=1)
    with unit_of_work(app) as s:
        premieres = slots_of(s, [people.get_column(s, CITY_SLUG).id], kind=SlotKind.PREMIERE)
        by_week: dict[date, list[EmptyOccurrence]] = defaultdict(list)
        for gap in empty_occurrences(s, premieres, since, since + timedelta(days=84)):
            day = local_date(gap.starts_at)
            by_week[day - timedelta(days=day.weekday())].append(gap)
        return by_week


def a_week_with_two_empty_premieres(app: Flask) -> date:
    """The Monday of a week with two empty premieres ahead: one the demo left, or made by
    taking the builder's unpinned drafts out of a week some weeks ahead."""
    found = [monday for monday, gaps in sorted(_gaps(app).items()) if len(gaps) >= 2]
    if found:
        return found[0]
    monday = local_date(datetime.now(UTC)) + timedelta(days=21)
    monday -= timedelta(days=monday.weekday())
    since = datetime.combine(monday, datetime.min.time(), UTC)
    with unit_of_work(app) as s:
        city = people.get_column(s, CITY_SLUG)
        premieres = slots_of(s, [city.id], kind=SlotKind.PREMIERE)
        drafts = list(
            s.scalars(
                select(Airing.id).where(
                    Airing.slot_id.in_([p.id for p in premieres]),
                    Airing.status == AiringStatus.DRAFT,
                    Airing.pinned.is_(False),
                    Airing.starts_at >= since,
                    Airing.starts_at < since + timedelta(days=7),
                )
            )
        )
        s.execute(delete(Airing).where(Airing.premiere_id.in_(drafts)))
        s.execute(delete(Airing).where(Airing.id.in_(drafts)))
    assert len(_gaps(app).get(monday, [])) >= 2, "no week with two empty premieres"
    return monday


def approved_without_premiere(app: Flask, monday: date) -> None:
    """Two approved episodes of the city column that fit each empty premiere of that week."""
    duration = min(gap.slot.duration_s for gap in _gaps(app)[monday])  # fits each of them
    with unit_of_work(app) as s:
        city = people.get_column(s, CITY_SLUG)
        for title in TITLES:
            s.add(
                Episode(
                    column=city,
                    title=title,
                    target_duration_s=duration,
                    director_id=people.get_person(s, "wang.fang").id,
                    responsible_producer_id=people.get_person(s, "huang.li").id,
                    state=State.APPROVED,
                    review_round=1,
                    state_entered_at=datetime.now(UTC),
                    created_at=datetime.now(UTC),
                )
            )


def premiere_of(app: Flask, title: str) -> Airing | None:
    with unit_of_work(app) as s:
        found = s.scalar(
            select(Airing)
            .join(Episode, Episode.id == Airing.episode_id)
            .where(Episode.title == title, Airing.status != AiringStatus.CANCELLED)
        )
        if found is not None:
            s.expunge(found)
        return found


def drag(page: Page, source: Locator, target: Locator) -> None:
    """Drag with the mouse as a person does: press, move in steps, release."""
    source.scroll_into_view_if_needed()
    start, end = source.bounding_box(), target.bounding_box()
    assert start is not None and end is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    page.mouse.move(x - 10, y)
    page.mouse.move(x, y, steps=3)
    page.mouse.down()
    page.mouse.move(x + 10, y + 10, steps=3)
    target.scroll_into_view_if_needed()
    end = target.bounding_box()
    assert end is not None
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=12)
    page.mouse.up()


def test_a_scheduler_places_episodes_on_the_grid_by_mouse_and_by_keyboard(
    page: Page, phone_page: Page, live_app: Flask
) -> None:
    monday = a_week_with_two_empty_premieres(live_app)
    approved_without_premiere(live_app, monday)
    sign_in(page, SCHEDULER)
    page.goto(f"/schedule/week?column={CITY_SLUG}&start={monday.isoformat()}")
    targets = page.locator(".drop-target")
    expect(targets.first).to_contain_text("空档")
    empty_before = targets.count()
    assert empty_before >= 2
    expect(page.locator("h2.lane-name").first).to_contain_text(" · ")
    screenshot(page, "place-01-week-with-empty-occurrences")

    # By mouse: drag the first card onto the first empty premiere.
    card = page.locator(".episode-card", has_text=TITLES[0])
    first = targets.first
    where = first.get_attribute("data-occurrence")
    with page.expect_navigation():
        drag(page, card, first)
    expect(page.locator(".flash")).to_contain_text(f"已把《{TITLES[0]}》安排在")
    placed = premiere_of(live_app, TITLES[0])
    assert placed is not None and placed.pinned
    assert where is not None and where.endswith(placed.starts_at.isoformat())
    expect(page.locator(".drop-target")).to_have_count(empty_before - 1)
    expect(page.locator(".airing.premiere", has_text=TITLES[0])).to_be_visible()
    screenshot(page, "place-02-dropped-by-mouse")

    # By keyboard: Space picks the card up, Escape puts it down again, nothing placed.
    live = page.locator("#place-live")
    card = page.locator(".episode-card", has_text=TITLES[1])
    card.focus()
    page.keyboard.press("Space")
    expect(live).to_contain_text(f"已拿起“{TITLES[1]}”")
    expect(page.locator(".drop-target").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(live).to_contain_text("已放下，未作安排")
    expect(card).to_be_focused()
    assert premiere_of(live_app, TITLES[1]) is None

    # Pick it up again, choose the next empty premiere with the arrow keys, drop with Enter.
    page.keyboard.press("Enter")
    remaining = page.locator(".drop-target")
    expect(remaining.first).to_be_focused()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(remaining.first).to_be_focused()
    expect(live).to_contain_text("空档：")
    screenshot(page, "place-03-carried-by-keyboard")
    chosen = remaining.first.get_attribute("data-occurrence")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text(f"已把《{TITLES[1]}》安排在")
    placed = premiere_of(live_app, TITLES[1])
    assert placed is not None and chosen is not None
    assert chosen.endswith(placed.starts_at.isoformat())
    expect(page.locator(".drop-target")).to_have_count(empty_before - 2)
    screenshot(page, "place-04-dropped-by-keyboard")

    page.goto(f"/schedule/report?column={CITY_SLUG}")
    expect(page.locator("#empty")).to_contain_text("未来四周的首播空档")
    screenshot(page, "place-05-report")
    page.goto(f"/schedule/month?column={CITY_SLUG}&month={monday:%Y-%m}")
    expect(page.locator(".airing.gap").first).to_contain_text("空档")
    screenshot(page, "place-06-month")
    page.goto("/lang/en")
    page.goto(f"/schedule/week?column={CITY_SLUG}&start={monday.isoformat()}")
    expect(page.locator(".airing.gap").first).to_contain_text("Empty")
    screenshot(page, "place-07-week-in-english")

    sign_in(phone_page, SCHEDULER)
    phone_page.goto(f"/schedule/week?column={CITY_SLUG}&start={monday.isoformat()}")
    expect(phone_page.locator(".airing.gap").first).to_contain_text("空档")
    screenshot(phone_page, "place-08-week-phone")
