"""Concentrated broadcasts (集中播放) on the liaison dashboard: per county, how many
campaign airings of a quarter are planned and how many have aired.

A campaign airing is a live airing in a campaign slot (``Slot.campaign``). Once its
time has passed (or it is marked ``AIRED``) it has aired: confirmed when the station's
as-run log says so (on time, late or short: ``AsRunResult``), unconfirmed while no log
speaks of it (已播出（未确认）); missing (漏播) when the log says it did not air, and then
not counted as aired. It is planned while it is still ahead. One statement, whatever the
size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from editorial.models import Column
from editorial.workdays import SHANGHAI
from schedule.models import Airing, AiringStatus, AsRunOutcome, AsRunResult, Slot

# The outcomes that say an airing aired (迟播 and 时长不足 aired too).
CONFIRMING = (AsRunOutcome.CONFIRMED, AsRunOutcome.LATE, AsRunOutcome.SHORT)


@dataclass(frozen=True)
class CampaignCount:
    """One county's campaign airings in the period."""

    column_id: int
    column_name: str
    planned: int  # still ahead
    confirmed: int  # aired, as the station's as-run log says (on time, late or short)
    unconfirmed: int  # their time has passed and no as-run log speaks of them
    missing: int = 0  # the as-run log says they did not air (漏播)

    @property
    def aired(self) -> int:
        return self.confirmed + self.unconfirmed

    @property
    def total(self) -> int:
        return self.planned + self.aired + self.missing


def campaign_counts(
    session: Session, first: date, last: date, now: datetime
) -> list[CampaignCount]:
    """Per column with campaign airings on the local days ``first``..``last``, by name."""
    since = datetime.combine(first, time(), SHANGHAI)
    until = datetime.combine(last + timedelta(days=1), time(), SHANGHAI)
    passed = or_(Airing.status == AiringStatus.AIRED, Airing.starts_at < now)
    outcome = AsRunResult.outcome
    rows = session.execute(
        select(
            Slot.column_id,
            Column.name,
            func.count(),
            _sum(outcome.in_(CONFIRMING)),
            _sum(and_(outcome.is_(None), passed)),
            _sum(outcome == AsRunOutcome.MISSING),
        )
        .select_from(Airing)
        .join(Slot, Slot.id == Airing.slot_id)
        .join(Column, Column.id == Slot.column_id)
        .outerjoin(AsRunResult, AsRunResult.airing_id == Airing.id)
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
        CampaignCount(
            column_id,
            name,
            planned=int(total) - int(confirmed) - int(unconfirmed) - int(missing),
            confirmed=int(confirmed),
            unconfirmed=int(unconfirmed),
            missing=int(missing),
        )
        for column_id, name, total, confirmed, unconfirmed, missing in rows
    ]


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
