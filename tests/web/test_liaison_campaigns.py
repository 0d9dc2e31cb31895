"""The liaison dashboard counts each county's concentrated broadcast (集中播放) airings of
the quarter: aired (confirmed by the as-run log or not yet), missed and still to come."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from io import BytesIO

from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import insert, select

from editorial import people
from editorial.models import Level, Role
from schedule import builder, campaigns
from schedule.channels import channel_of
from schedule.models import Airing, AiringStatus, AsRunOutcome, Slot, SlotKind
from tests.station.asrun_rows import add_entry, add_result, make_log
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
    row = re.search(r"<tr><td>柳河县集中播放</td>" + r"<td>(\d+)</td>" * 5, section)
    # confirmed, aired unconfirmed, missed, to come, in all
    assert row is not None and row.groups() == ("0", "2", "0", "3", "5")
    assert "临江先锋" not in section  # a county with a fixed column runs no campaign


def test_the_as_run_log_splits_the_aired_into_confirmed_and_missed(
    app: Flask,
    office: Office,  # noqa: F811
) -> None:
    test_the_dashboard_counts_each_countys_campaign_airings(app, office)
    with unit_of_work(app) as s:
        liuhe = people.get_column(s, "liuhe")
        aired = list(
            s.scalars(
                select(Airing)
                .join(Slot, Slot.id == Airing.slot_id)
                .where(Slot.column_id == liuhe.id, Airing.starts_at < NOW)
                .order_by(Airing.starts_at)
            )
        )
        channel = channel_of(s, aired[0].slot)
        zm = people.get_person(s, "zm")
        log = make_log(s, channel, zm, date(2026, 7, 13), date(2026, 7, 14), NOW)
        entry = add_entry(s, log, aired[0].starts_at, 1800, "节目", aired[0])
        add_result(s, aired[0], log, AsRunOutcome.CONFIRMED, NOW, entry)
        add_result(s, aired[1], log, AsRunOutcome.MISSING, NOW)
    client = signed_in(app, "zm")
    section = body(client.get(DASHBOARD))
    section = section[section.index('id="campaigns"') :]
    cells = r"<td>(?:<span[^>]*>)?(\d+)(?:</span>)?</td>"
    row = re.search(r"<tr><td>柳河县集中播放</td>" + cells * 5, section)
    assert row is not None and row.groups() == ("1", "0", "1", "3", "5")
    book = load_workbook(BytesIO(client.get(f"{DASHBOARD}.xlsx").data))
    listed = list(book["集中播放"].iter_rows(values_only=True))
    assert listed[0] == ("栏目", "已确认播出", "已播出（未确认）", "漏播", "待播出", "合计")
    assert listed[1] == ("柳河县集中播放", 1, 0, 1, 3, 5)
