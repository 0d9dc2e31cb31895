"""The liaison dashboard counts each county's concentrated broadcast (集中播放) airings of
the quarter: aired and still to come."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from flask import Flask
from sqlalchemy import insert, select

from editorial import people
from editorial.models import Level, Role
from schedule import builder, campaigns
from schedule.models import Airing, AiringStatus, SlotKind
from tests.web.test_liaison_pages import (  # noqa: F401  (the fixtures)
    DASHBOARD,
    NOW,
    Office,
    _local,
    body,
    clock,
    office,
    signed_in,
)
from web.db import unit_of_work


def test_the_dashboard_counts_each_countys_campaign_airings(
    app: Flask,
    office: Office,  # noqa: F811
) -> None:
    with unit_of_work(app) as s:
        liuhe = people.create_column(
            s, NOW, slug="liuhe", name="柳河县集中播放", level=Level.COUNTY,
            station="柳河县台", channel="综合", has_fixed_slot=False,
        )  # fmt: skip
        scheduler = people.create_person(s, NOW, username="lh", display_name="罗斌")
        people.grant_role(s, scheduler, liuhe, Role.SCHEDULER, NOW)
        # 13 to 17 July at 19:00; NOW is 15 July 09:00: two days gone, three ahead.
        made = campaigns.plan_campaign(
            s, scheduler, liuhe, NOW - timedelta(days=5),
            campaigns.CampaignSpec(
                date(2026, 7, 13), date(2026, 7, 17), (campaigns.Airtime(time(19, 0), 1800),)
            ),
        )  # fmt: skip
        slot = made.slots[0]
        premiere = s.scalar(
            select(Airing.id).where(
                Airing.episode_id == office.episodes["both"], Airing.kind == SlotKind.PREMIERE
            )
        )
        for day in (13, 14):  # relayed, and aired by the as-run log
            starts = _local(date(2026, 7, day), 19, 0)
            row = {
                "slot_id": slot.id, "episode_id": office.episodes["both"], "kind": SlotKind.RERUN,
                "premiere_id": premiere, "starts_at": starts,
                "ends_at": starts + timedelta(minutes=30), "status": AiringStatus.AIRED,
                "pinned": False, "exchange": True, "reason": "", "revision": 0,
                "published_at": None, "created_at": NOW, "updated_at": NOW,
            }  # fmt: skip
            s.execute(insert(Airing), [row])
        builder.build(s, NOW, column_ids=[liuhe.id])
    page = body(signed_in(app, "zm").get(DASHBOARD))
    section = page[page.index('id="campaigns"') :]
    row = re.search(
        r"<tr><td>柳河县集中播放</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", section
    )
    assert row is not None and row.groups() == ("2", "3", "5")
    assert "临江先锋" not in section  # a county with a fixed column runs no campaign
