"""The demo's XMLTV guides (``tvcolumn demo load``, then what the scheduler service does:
publish the frozen horizon) pass the XMLTV project's validator, channel by channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from calendars import feeds, xmltv
from editorial import demo as editorial_demo
from schedule import channels, publishing
from schedule import demo as schedule_demo
from tests.xmltv_check import checked


def test_every_demo_channel_gives_a_valid_guide(session: Session, now: datetime) -> None:
    editorial_demo.load(session, now)
    schedule_demo.load(session, now)
    assert publishing.publish_frozen(session, now) > 0
    span = feeds.window(now)
    listed = channels.list_channels(session)
    assert len(listed) == len(editorial_demo.COLUMNS)  # each demo column has its own channel
    for channel in listed:
        guide = xmltv.render(session, channel, span)
        assert guide.programmes > 0, channel.code  # the validator refuses an empty guide
        root = checked(guide.body)
        shown = root.findall("programme")
        assert len(shown) == guide.programmes
        assert all(p.get("start", "").endswith(" +0800") for p in shown)
        assert all(
            p.find("new") is not None or p.find("previously-shown") is not None for p in shown
        )
