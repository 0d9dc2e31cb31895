"""The feed ledger: stable UIDs, SEQUENCE on every change a calendar must notice,
cancelled events kept for a while, byte-identical feeds for the same schedule."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendars import feeds, ledger
from calendars.models import EventKind, EventStatus, ExternalAiring, FeedEvent, FeedSource
from calendars.settings import FeedSettings
from editorial import workflow
from editorial.errors import InvalidInput
from editorial.models import Person
from schedule import airings, campaigns, publishing
from schedule.models import Airing, AiringStatus, SlotKind
from tests.conftest import NOW, Crew, walk_to_review
from tests.schedule.test_builder import FRIDAYS, Desk, live, local, run_build


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


def ledger_row(session: Session, uid: str) -> FeedEvent:
    row = session.scalar(
        select(FeedEvent).where(FeedEvent.uid == uid).execution_options(populate_existing=True)
    )
    assert row is not None, uid
    return row


def vevents(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def render_all(session: Session, now: datetime = NOW) -> bytes:
    return feeds.render(session, feeds.all_feed(), feeds.window(now)).body


def test_an_airing_becomes_a_tentative_event_then_confirmed_when_published(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    episode = desk.episode(title="红色引擎")
    run_build(session)
    assert ledger.sync(session, NOW) == 1
    uid = ledger.airing_uid(SlotKind.PREMIERE, episode.id, 0, 1)
    row = ledger_row(session, uid)
    assert (row.status, row.sequence, row.starts_at) == (
        EventStatus.TENTATIVE,
        0,
        local(FRIDAYS[0]),
    )
    assert "红色引擎" in row.summary and "首播" in row.summary
    publishing.publish_frozen(session, NOW)
    assert ledger.sync(session, NOW + timedelta(minutes=1)) == 1
    row = ledger_row(session, uid)
    assert (row.status, row.sequence) == (EventStatus.CONFIRMED, 1)


def test_the_same_schedule_gives_the_same_bytes_and_a_resync_changes_nothing(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    rerun = desk.rerun(desk.slot(name="周三首播", rrule="FREQ=WEEKLY;BYDAY=WE"))
    assert rerun.kind is SlotKind.RERUN
    for _ in range(3):
        desk.episode()
    run_build(session)
    ledger.sync(session, NOW)
    first = render_all(session)
    assert ledger.sync(session, NOW + timedelta(hours=1)) == 0
    assert render_all(session) == first
    assert render_all(session, NOW + timedelta(hours=3)) == first  # same local day
    assert len(vevents(first)) == len(live(session))


def test_moving_an_airing_keeps_its_uid_and_raises_sequence_by_one(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    episode = desk.episode()
    run_build(session)
    ledger.sync(session, NOW)
    uid = ledger.airing_uid(SlotKind.PREMIERE, episode.id, 0, 1)
    before = ledger_row(session, uid)
    assert before.starts_at == local(FRIDAYS[0])
    sequence = before.sequence
    later = NOW + timedelta(hours=2)
    airings.assign(session, desk.scheduler, slot, local(FRIDAYS[2]), episode, later)
    assert ledger.sync(session, later) == 1
    after = ledger_row(session, uid)
    assert after.starts_at == local(FRIDAYS[2])
    assert after.sequence == sequence + 1
    assert after.last_modified == later
    event = vevents(render_all(session, later))[uid]
    assert event["SEQUENCE"] == sequence + 1
    assert event["DTSTART"].dt == local(FRIDAYS[2])


def test_a_removed_airing_stays_cancelled_for_the_window_then_disappears(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    episode = desk.episode()
    run_build(session)
    publishing.publish_frozen(session, NOW, frozen_days=60)
    ledger.sync(session, NOW)
    uid = ledger.airing_uid(SlotKind.PREMIERE, episode.id, 0, 1)
    sequence = ledger_row(session, uid).sequence
    (airing,) = live(session)
    airings.pull(session, desk.scheduler, airing, NOW, reason="临时插播重要会议")
    assert ledger.sync(session, NOW) == 1
    row = ledger_row(session, uid)
    assert (row.status, row.sequence, row.cancelled_at) == (
        EventStatus.CANCELLED,
        sequence + 1,
        NOW,
    )
    event = vevents(render_all(session))[uid]
    assert str(event["STATUS"]) == "CANCELLED"
    assert uid in vevents(render_all(session, NOW + timedelta(days=14)))
    assert uid not in vevents(render_all(session, NOW + timedelta(days=15)))


def test_the_cancelled_window_is_a_setting(session: Session, desk: Desk) -> None:
    desk.slot()
    desk.episode()
    run_build(session)
    ledger.sync(session, NOW)
    (airing,) = live(session)
    airings.pull(session, desk.scheduler, airing, NOW, reason="停播")
    ledger.sync(session, NOW)
    short = FeedSettings(cancelled_days=2)
    span = feeds.window(NOW + timedelta(days=3), settings=short)
    assert feeds.render(session, feeds.all_feed(), span, short).events == 0


def test_an_event_that_comes_back_continues_its_sequence(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    episode = desk.episode()
    run_build(session)
    ledger.sync(session, NOW)
    uid = ledger.airing_uid(SlotKind.PREMIERE, episode.id, 0, 1)
    (airing,) = live(session)
    airings.pull(session, desk.scheduler, airing, NOW, reason="调整")
    ledger.sync(session, NOW)
    cancelled = ledger_row(session, uid).sequence
    airings.assign(session, desk.scheduler, slot, local(FRIDAYS[1]), episode, NOW)
    ledger.sync(session, NOW)
    row = ledger_row(session, uid)
    assert (row.status, row.sequence, row.cancelled_at) == (
        EventStatus.TENTATIVE,
        cancelled + 1,
        None,
    )


def test_a_title_change_raises_sequence_a_location_change_does_not(
    session: Session, desk: Desk
) -> None:
    slot = desk.slot()
    episode = desk.episode(title="老标题")
    run_build(session)
    ledger.sync(session, NOW)
    uid = ledger.airing_uid(SlotKind.PREMIERE, episode.id, 0, 1)
    slot.station = "市融媒体中心"
    session.flush()
    assert ledger.sync(session, NOW + timedelta(minutes=5)) == 1
    row = ledger_row(session, uid)
    assert (row.sequence, "市融媒体中心" in row.location) == (0, True)
    assert row.last_modified == NOW + timedelta(minutes=5)
    episode.title = "新标题"
    session.flush()
    ledger.sync(session, NOW + timedelta(minutes=10))
    row = ledger_row(session, uid)
    assert (row.sequence, "新标题" in row.summary) == (1, True)


def test_an_event_says_what_where_and_premiere_or_rerun(session: Session, desk: Desk) -> None:
    premiere = desk.slot()
    desk.rerun(premiere)
    series = desk.series(2, FRIDAYS[0])
    desk.episode(series=series, part=1, title="初心如磐")
    desk.episode(series=series, part=2, title="使命在肩")
    run_build(session)
    ledger.sync(session, NOW)
    events = list(vevents(render_all(session)).values())
    first = next(
        e for e in events if "初心如磐" in str(e["SUMMARY"]) and "首播" in str(e["SUMMARY"])
    )
    assert "（连续报道 1/2）" in str(first["SUMMARY"])
    assert desk.crew.column.name in str(first["SUMMARY"])
    assert premiere.station in str(first["LOCATION"])
    assert premiere.channel in str(first["DESCRIPTION"])
    assert any("【重播】" in str(e["SUMMARY"]) for e in events)


def test_a_campaign_airing_is_marked_as_such_in_the_feed(session: Session, desk: Desk) -> None:
    county = desk.column("柳河县集中播放", has_fixed_slot=False)
    desk.episode(county, title="柳河县科技富民")
    spec = campaigns.CampaignSpec(
        date(2026, 3, 16), date(2026, 3, 17), (campaigns.Airtime(time(19, 0), 1800),)
    )
    campaigns.plan_campaign(session, desk.scheduler, county, NOW, spec)
    desk.slot()
    desk.episode(title="时代先锋")
    run_build(session)
    ledger.sync(session, NOW)
    events = list(vevents(render_all(session)).values())
    marked = [e for e in events if "集中播放" in e.get("CATEGORIES").to_ical().decode()]
    assert sorted(str(e["SUMMARY"]) for e in marked) == [
        "【集中播放·重播】《柳河县集中播放》柳河县科技富民",
        "【集中播放·首播】《柳河县集中播放》柳河县科技富民",
    ]
    assert all("集中播放" in str(e["DESCRIPTION"]) for e in marked)
    plain = next(e for e in events if "时代先锋" in str(e["SUMMARY"]))
    assert "集中播放" not in str(plain["SUMMARY"])


def test_reruns_of_one_episode_in_one_slot_get_distinct_stable_uids(
    session: Session, desk: Desk
) -> None:
    premiere = desk.slot(rrule="FREQ=MONTHLY;BYMONTHDAY=6", first_date=date(2026, 3, 6))
    desk.rerun(premiere, rrule="FREQ=WEEKLY;BYDAY=SU")
    desk.episode()
    run_build(session)
    ledger.sync(session, NOW)
    reruns = [a for a in live(session) if a.kind is SlotKind.RERUN]
    assert len(reruns) >= 2
    uids = session.scalars(
        select(FeedEvent.uid).where(FeedEvent.uid.like("rerun-%")).order_by(FeedEvent.starts_at)
    ).all()
    assert len(set(uids)) == len(reruns)
    assert ledger.sync(session, NOW) == 0


# --- the window and what each feed shows ---------------------------------------------------------


def test_the_window_is_limited_and_refuses_out_of_range_values() -> None:
    span = feeds.window(NOW)
    assert (span.first, span.last) == (date(2026, 3, 2) - timedelta(30), date(2026, 8, 29))
    assert feeds.window(NOW, back=0, ahead=7).last == date(2026, 3, 9)
    with pytest.raises(InvalidInput) as error:
        feeds.window(NOW, back=91, ahead=-1)
    assert set(error.value.fields) == {"back", "ahead"}


def test_events_outside_the_window_are_left_out(session: Session, desk: Desk) -> None:
    desk.slot()
    for _ in range(4):
        desk.episode()
    run_build(session)
    ledger.sync(session, NOW)
    span = feeds.window(NOW, back=0, ahead=11)  # Monday 2 March to Friday 13 March: two Fridays
    assert feeds.render(session, feeds.all_feed(), span).events == 2


def test_a_column_feed_shows_that_column_only(session: Session, desk: Desk) -> None:
    other = desk.column("河西先锋")
    desk.slot()
    desk.slot(other)
    desk.episode()
    desk.episode(other, title="河西新貌")
    run_build(session)
    ledger.sync(session, NOW)
    span = feeds.window(NOW)
    body = feeds.render(session, feeds.column_feed(other), span).body.decode()
    assert "河西新貌" in body and desk.crew.column.name not in body.replace("ORGANIZER", "")
    assert feeds.render(session, feeds.all_feed(), span).events == 2


def test_nothing_private_in_a_public_feed(
    session: Session, desk: Desk, crew: Crew, propose: object
) -> None:
    episode = propose(title="尚在审看的节目")  # type: ignore[operator]
    walk_to_review(session, crew, episode)
    ledger.sync(session, NOW)
    assert session.scalar(select(FeedEvent.kind).where(FeedEvent.episode_id == episode.id)) is (
        EventKind.REVIEW
    )
    span = feeds.window(NOW)
    for feed in feeds.public_feeds(session):
        assert "尚在审看的节目".encode() not in feeds.render(session, feed, span).body
    mine = feeds.render(session, feeds.person_feed(crew.producer), span).body.decode()
    assert "【初审截止】" in mine and "尚在审看的节目" in mine


def test_a_personal_feed_shows_whom_each_review_waits_for(
    session: Session, crew: Crew, propose: object, make_crew: object
) -> None:
    episode = propose(title="待复审节目")  # type: ignore[operator]
    walk_to_review(session, crew, episode)
    ledger.sync(session, NOW)
    workflow.sign_off(
        session,
        crew.producer,
        episode,
        episode.version,
        NOW,
        stage=workflow.Stage.FIRST,
        checklist=workflow.Checklist.all_confirmed(),
    )
    ledger.sync(session, NOW)
    span = feeds.window(NOW)
    other = make_crew()  # type: ignore[operator]

    def shows(person: Person) -> bool:
        body = feeds.render(session, feeds.person_feed(person), span).body.decode()
        return "【复审截止】" in body

    assert shows(crew.reviewer)
    assert not shows(crew.final_approver)  # the final review is not due yet
    assert not shows(other.reviewer)  # another column's reviewer
    # the first review's event is cancelled for the producer, who signed it
    producer = feeds.render(session, feeds.person_feed(crew.producer), span).body.decode()
    assert "STATUS:CANCELLED" in producer and "【初审截止】" in producer


def test_a_personal_feed_has_the_airings_of_the_persons_episodes(
    session: Session, desk: Desk, make_person: object
) -> None:
    desk.slot()
    desk.episode(title="我的节目")
    run_build(session)
    ledger.sync(session, NOW)
    span = feeds.window(NOW)
    director = feeds.render(session, feeds.person_feed(desk.crew.director), span)
    stranger = make_person(desk.crew.column)  # type: ignore[operator]
    assert "我的节目" in director.body.decode() and director.events == 1
    assert feeds.render(session, feeds.person_feed(stranger), span).events == 0


def test_last_modified_follows_the_data_and_the_day(session: Session, desk: Desk) -> None:
    desk.slot()
    desk.episode()
    run_build(session)
    ledger.sync(session, NOW - timedelta(days=3))
    span = feeds.window(NOW)
    rendering = feeds.render(session, feeds.all_feed(), span)
    day_began = datetime(2026, 3, 1, 16, 0, tzinfo=NOW.tzinfo)  # 2 March 00:00 in Shanghai
    assert rendering.last_modified == day_began
    airing = session.scalars(select(Airing)).one()
    airing.episode.title = "改过的标题"
    session.flush()
    ledger.sync(session, NOW)
    assert feeds.render(session, feeds.all_feed(), span).last_modified == NOW


def test_imported_airings_appear_in_all_and_their_column_marked_external(
    session: Session, desk: Desk
) -> None:
    county = desk.column("石桥红旗")
    source = FeedSource(column_id=county.id, name="县台", location="/srv/x.ics", created_at=NOW)
    session.add(source)
    session.flush()
    session.add(
        ExternalAiring(
            source_id=source.id,
            identity="ep7@county|2026-03-05T12:00:00+00:00",
            source_uid="ep7@county",
            starts_at=local(date(2026, 3, 5)),
            ends_at=local(date(2026, 3, 5), 20, 30),
            summary="石桥村的好支书",
            imported_at=NOW,
        )
    )
    session.flush()
    assert ledger.sync(session, NOW) == 1
    span = feeds.window(NOW)
    (event,) = vevents(feeds.render(session, feeds.column_feed(county), span).body).values()
    assert str(event["SUMMARY"]) == "【外部】《石桥红旗》石桥村的好支书"
    assert "外部" in event["CATEGORIES"].cats
    assert feeds.render(session, feeds.all_feed(), span).events == 1
    assert feeds.render(session, feeds.column_feed(desk.crew.column), span).events == 0


def test_a_feed_over_its_size_keeps_the_events_nearest_today_and_says_so(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    for _ in range(4):
        desk.episode()
    run_build(session)
    ledger.sync(session, NOW)
    span = feeds.window(NOW)
    whole = feeds.render(session, feeds.all_feed(), span)
    assert (whole.events, whole.left_out) == (4, 0)
    event_size = max(len(row.ical.encode()) for row in session.scalars(select(FeedEvent)))
    small = FeedSettings(max_feed_bytes=feeds.HEADER_ALLOWANCE + 2 * event_size + event_size // 2)
    cut = feeds.render(session, feeds.all_feed(), span, small)
    assert (cut.events, cut.left_out) == (2, 2)
    shown = [e["DTSTART"].dt for e in vevents(cut.body).values()]
    assert sorted(shown) == [local(FRIDAYS[0]), local(FRIDAYS[1])]
    description = str(Calendar.from_ical(cut.body)["X-WR-CALDESC"])
    assert "只列出 2026-03-06 至 2026-03-13 的 2 项" in description
    assert len(cut.body) <= small.max_feed_bytes


def test_a_fill_is_marked_as_such_in_the_feed(session: Session, desk: Desk) -> None:
    slot = desk.slot(first_date=date(2026, 1, 2))
    episode = desk.episode(title="初心如磐")
    aired_at = local(date(2026, 2, 27))
    session.add(
        Airing(
            slot=slot,
            episode=episode,
            kind=SlotKind.PREMIERE,
            starts_at=aired_at,
            ends_at=aired_at + timedelta(minutes=30),
            status=AiringStatus.AIRED,
            published_at=aired_at,
            created_at=aired_at,
            updated_at=aired_at,
        )
    )
    run_build(session)
    (filled,) = [a for a in live(session) if a.fill]
    ledger.sync(session, NOW)
    event = vevents(render_all(session))[ledger.airing_uid(SlotKind.RERUN, episode.id, slot.id, 1)]
    assert event.decoded("DTSTART") == filled.starts_at
    assert str(event["SUMMARY"]) == f"【补播】《{desk.crew.column.name}》初心如磐"
    assert "播出：补播" in str(event["DESCRIPTION"])
    assert event["CATEGORIES"].cats == ["补播"]
