"""Concentrated broadcasts (集中播放) on the liaison dashboard: per county, how many
campaign airings of a quarter are planned and how many have aired.

A campaign airing is a live airing in a campaign slot (``Slot.campaign``); it has
aired once its time has passed (the as-run log may confirm it later: ``AIRED``),
and is planned while it is still ahead. One statement, whatever the size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from editorial.models import Column
from editorial.workdays import SHANGHAI
from schedule.models import Airing, AiringStatus, Slot


@dataclass(frozen=True)
class CampaignCount:
    """One county's campaign airings in the period."""

    column_id: int
    column_name: str
    planned: int  # still ahead
    aired: int  # their time has passed (or the as-run log says so)

    @property
    def total(self) -> int:
        return self.planned + self.aired


def campaign_counts(
    session: Session, first: date, last: date, now: datetime
) -> list[CampaignCount]:
    """Per column with campaign airings on the local days ``first``..``last``, by name."""
    since = datetime.combine(first, time(), SHANGHAI)
    until = datetime.combine(last + timedelta(days=1), time(), SHANGHAI)
    aired = or_(Airing.status == AiringStatus.AIRED, Airing.starts_at < now)
    rows = session.execute(
        select(
            Slot.column_id,
            Column.name,
            func.count(),
            func.coalesce(func.sum(case((aired, 1), else_=0)), 0),
        )
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Column, Column.id == Slot.column_id)
        .where(
            Slot.campaign.is_(True),
            Airing.status != AiringStatus.CANCELLED,
            Airing.starts_at >= since,
            Airing.starts_at < until,
        )
        .group_by(Slot.column_id, Column.name)
        .order_by(Column.name, Slot.column_id)
    )
    return [
        CampaignCount(column_id, name, int(total) - int(done), int(done))
        for column_id, name, total, done in rows
    ]
