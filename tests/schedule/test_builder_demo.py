"""The demo's slots and first air schedule (``tvcolumn demo load``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import demo as editorial_demo
from editorial.models import Episode, State
from editorial.workdays import SHANGHAI, local_date
from liaison import demo as liaison_demo
from liaison import planning
from schedule import builder, demo, publishing
from schedule.builder_settings import BuildSettings, episode_duration
from schedule.models import Airing, AiringStatus, ScheduleBuild, Slot, SlotKind, Unscheduled
from schedule.slots import slot_occurrences


def test_the_demo_gets_slots_and_a_schedule_once(session: Session, now: datetime) -> None:
    editorial_demo.load(session, now)
    assert demo.load(session, now) == len(demo.SLOTS)
    last_week, build = session.scalars(select(ScheduleBuild).order_by(ScheduleBuild.id)).all()
    live = list(session.scalars(select(Airing).where(Airing.status != AiringStatus.CANCELLED)))
    aired = [a for a in live if a.status is AiringStatus.AIRED]
    # Last week of the city column was built then, published and aired (the as-run demo's).
    assert last_week.airings == len(aired) > 0 and all(a.ends_at <= now for a in aired)
    premiered = {a.episode_id for a in live if a.kind is SlotKind.PREMIERE}
    reasons = set(session.scalars(select(Unscheduled.episode_id)))
    approved = set(session.scalars(select(Episode.id).where(Episode.state == State.APPROVED)))
    assert approved == premiered | reasons and not premiered & reasons
    assert build.airings == len(live) - len(aired) and build.unscheduled == len(reasons)
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


def test_in_the_demo_every_episode_airs_as_early_as_its_priority_allows(session: Session) -> None:
    """Timeliness, the way ``make run`` meets it on 4 December: the demo's first build, the
    first week published, the quarter's priorities (先锋工程 from 25 to 31 December), the
    service's rebuild. No single episode sits after a free occurrence of its column that
    fits it (on or before its air-by date) unless it is inside its priority window, and no
    occurrence inside a window stays free while an episode tagged for it airs outside."""
    now = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    editorial_demo.load(session, now)
    demo.load(session, now)
    publishing.publish_frozen(session, now)
    liaison_demo.load(session, now)
    settings = planning.build_settings(session, now)
    assert any(w.tag == "先锋工程" for w in settings.priorities)
    build = builder.build(session, now, settings=settings)
    end = datetime.combine(build.horizon_to + timedelta(days=1), time(), SHANGHAI)
    live = list(session.scalars(select(Airing).where(Airing.status != AiringStatus.CANCELLED)))
    taken = {(a.slot_id, a.starts_at) for a in live}
    free: dict[int, list[tuple[Slot, datetime, date]]] = {}
    for slot in session.scalars(select(Slot).where(Slot.kind == SlotKind.PREMIERE)):
        for o in slot_occurrences(slot, now, end.astimezone(UTC)):
            if (slot.id, o.starts_at) not in taken:
                free.setdefault(slot.column_id, []).append((slot, o.starts_at, o.local_day))
    fit = BuildSettings()
    checked = 0
    for a in live:
        e = a.episode
        if a.kind is not SlotKind.PREMIERE or a.status is not AiringStatus.DRAFT or a.exchange:
            continue
        if e.series_id is not None:
            continue
        windows = [w for w in settings.priorities if w.tag in {t.tag for t in e.tags}]
        day = local_date(a.starts_at)
        inside = any(w.contains(day) for w in windows)
        for slot, starts_at, local_day in free.get(a.slot.column_id, []):
            if not fit.fits(episode_duration(e), slot.duration_s):
                continue
            if e.air_by is not None and local_day > e.air_by:
                continue
            in_window = any(w.contains(local_day) for w in windows)
            assert not (starts_at < a.starts_at and (in_window or not inside)), (
                f"{e.title} airs {day} while {local_day} ({slot.name}) is free"
            )
            assert inside or not in_window, (
                f"{e.title} airs {day}, outside its window, while {local_day} inside is free"
            )
        checked += 1
    assert checked >= 5
    tagged = [
        a for a in live if a.kind is SlotKind.PREMIERE and a.episode.title.startswith("访市委")
    ]
    assert tagged and all(
        date(2026, 12, 25) <= local_date(a.starts_at) <= date(2026, 12, 31) for a in tagged
    )
