"""The feeds demo: a county column's own feed, imported, in the feeds at once."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendars import demo, feeds
from calendars.models import EventKind, ExternalAiring, FeedEvent, FeedSource
from editorial import demo as editorial_demo
from schedule import demo as scheduler_demo


def test_the_demo_imports_a_county_feed_once_and_the_feeds_show_it(
    session: Session, now: datetime, tmp_path: Path
) -> None:
    editorial_demo.load(session, now)
    scheduler_demo.load(session, now)
    imported = demo.load(session, now, tmp_path)
    assert imported > 50  # a weekly edition over the import horizon, and two specials
    source = session.scalars(select(FeedSource)).one()
    report = json.loads(source.last_report)
    assert (report["flagged_count"], report["skipped_count"], report["cancelled"]) == (1, 0, 1)
    assert session.scalar(select(func.count()).select_from(ExternalAiring)) == imported
    external = select(func.count()).where(FeedEvent.kind == EventKind.EXTERNAL)
    assert session.scalar(external.select_from(FeedEvent)) == imported
    body = feeds.render(session, feeds.all_feed(), feeds.window(now)).body
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT")}
    assert "【外部】《云溪风采》特别节目：茶山党支部的十年" in summaries
    assert demo.load(session, now, tmp_path) == 0
