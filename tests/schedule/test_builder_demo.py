"""The demo's slots and first air schedule (``tvcolumn demo load``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import demo as editorial_demo
from editorial.models import Episode, State
from schedule import demo
from schedule.models import Airing, AiringStatus, ScheduleBuild, Slot, SlotKind, Unscheduled


def test_the_demo_gets_slots_and_a_schedule_once(session: Session, now: datetime) -> None:
    editorial_demo.load(session, now)
    assert demo.load(session, now) == len(demo.SLOTS)
    build = session.scalars(select(ScheduleBuild)).one()
    live = list(session.scalars(select(Airing).where(Airing.status != AiringStatus.CANCELLED)))
    premiered = {a.episode_id for a in live if a.kind is SlotKind.PREMIERE}
    reasons = set(session.scalars(select(Unscheduled.episode_id)))
    approved = set(session.scalars(select(Episode.id).where(Episode.state == State.APPROVED)))
    assert approved == premiered | reasons and not premiered & reasons
    assert build.airings == len(live) and build.unscheduled == len(reasons)
    assert any(a.kind is SlotKind.RERUN for a in live)
    campaign = [a for a in live if a.slot.campaign]
    own = [a for a in campaign if a.episode.column.slug == demo.CAMPAIGN_COLUMN]
    assert any(a.kind is SlotKind.PREMIERE for a in own)
    # The rest relays what premiered before (集中播放 of the city's material) or exchanges.
    assert all(a.kind is SlotKind.RERUN or a.exchange for a in campaign if a not in own)
    assert len(campaign) == demo.CAMPAIGN_DAYS * 2  # every airtime of the campaign is filled
    assert demo.load(session, now) == 0
    assert session.scalar(select(func.count()).select_from(Slot)) == len(demo.SLOTS)


def test_without_the_editorial_demo_nothing_is_added(session: Session, now: datetime) -> None:
    assert demo.load(session, now) == 0
