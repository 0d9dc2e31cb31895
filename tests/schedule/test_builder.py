"""The schedule builder: one scenario per rule of the air-schedule issue.

Episodes are inserted as rows in the state a test needs (the builder only reads
them); the workflow itself is tested in ``tests/editorial``. ``NOW`` is Monday
2 March 2026, 09:00 in Shanghai.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import people
from editorial.errors import InvalidInput, NotFound
from editorial.models import Column, Episode, Level, Person, PriorityTag, Role, Series, State
from editorial.workdays import SHANGHAI
from schedule import builder, builder_report, slots
from schedule.builder import BuildSettings, PriorityWindow
from schedule.models import Airing, AiringStatus, ScheduleBuild, Slot, SlotKind, Unscheduled
from tests.conftest import NOW, Crew

# --- helpers shared with the other builder and airing tests ---------------------------------------


def local(day: date, hour: int = 20, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), SHANGHAI).astimezone(UTC)


class Desk:
    """A scheduler's desk: columns, slots and episodes made quickly for builder tests."""

    def __init__(self, session: Session, crew: Crew, scheduler: Person) -> None:
        self.session = session
        self.crew = crew
        self.scheduler = scheduler
        self._numbers = itertools.count(1)

    def column(self, name: str | None = None, **kw: object) -> Column:
        n = next(self._numbers)
        column = people.create_column(
            self.session,
            NOW,
            slug=f"desk-{n}",
            name=name or f"栏目{n}",
            level=Level.COUNTY,
            station=f"电视台{n}",
            channel="综合频道",
            **kw,  # type: ignore[arg-type]
        )
        people.grant_role(self.session, self.scheduler, column, Role.SCHEDULER, NOW)
        return column

    def slot(self, column: Column | None = None, **kw: object) -> Slot:
        fields: dict[str, object] = {
            "name": "周五首播",
            "kind": SlotKind.PREMIERE,
            "local_start": time(20, 0),
            "duration_s": 1800,
            "rrule": "FREQ=WEEKLY;BYDAY=FR",
            "first_date": date(2026, 3, 6),
        }
        fields.update(kw)
        return slots.create_slot(
            self.session,
            self.scheduler,
            column or self.crew.column,
            NOW,
            slots.SlotSpec(**fields),  # type: ignore[arg-type]
        )

    def rerun(self, premiere: Slot, **kw: object) -> Slot:
        fields: dict[str, object] = {
            "name": "周日重播",
            "kind": SlotKind.RERUN,
            "local_start": time(10, 0),
            "duration_s": premiere.duration_s,
            "rrule": "FREQ=WEEKLY;BYDAY=SU",
            "first_date": premiere.first_date,
            "rerun_of": premiere,
        }
        fields.update(kw)
        return self.slot(premiere.column, **fields)

    def episode(
        self,
        column: Column | None = None,
        *,
        duration: int = 1800,
        air_by: date | None = None,
        state: State = State.APPROVED,
        approved_at: datetime | None = None,
        series: Series | None = None,
        part: int | None = None,
        offered: bool = False,
        tags: Iterable[str] = (),
        title: str | None = None,
    ) -> Episode:
        n = next(self._numbers)
        episode = Episode(
            column=column or self.crew.column,
            title=title or f"节目{n}",
            target_duration_s=duration,
            director_id=self.crew.director.id,
            responsible_producer_id=self.crew.producer.id,
            air_by=air_by,
            series=series,
            part_number=part,
            state=state,
            review_round=1,
            state_entered_at=approved_at or NOW - timedelta(days=30) + timedelta(minutes=n),
            created_at=NOW - timedelta(days=60),
            offered_for_exchange=offered,
            tags=[PriorityTag(tag=t) for t in tags],
        )
        self.session.add(episode)
        self.session.flush()
        return episode

    def series(
        self, parts: int, start_by: date, column: Column | None = None, title: str = "先锋工程"
    ) -> Series:
        return people.create_series(
            self.session,
            column or self.crew.column,
            NOW,
            title=title,
            parts=parts,
            start_by=start_by,
        )


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


def live(session: Session, kind: SlotKind | None = None) -> list[Airing]:
    query = select(Airing).where(Airing.status != AiringStatus.CANCELLED)
    if kind is not None:
        query = query.where(Airing.kind == kind)
    return list(session.scalars(query.order_by(Airing.starts_at, Airing.slot_id)))


def premieres(session: Session) -> dict[int, datetime]:
    """Episode id -> start of its live premiere."""
    return {a.episode_id: a.starts_at for a in live(session, SlotKind.PREMIERE)}


def unscheduled(session: Session, build: ScheduleBuild) -> dict[int, Unscheduled]:
    rows = session.scalars(select(Unscheduled).where(Unscheduled.build_id == build.id))
    return {u.episode_id: u for u in rows}


def run_build(session: Session, **kw: object) -> ScheduleBuild:
    kw.setdefault("end", date(2026, 3, 31))
    return builder.build(session, NOW, **kw)  # type: ignore[arg-type]


FRIDAYS = [date(2026, 3, 6), date(2026, 3, 13), date(2026, 3, 20), date(2026, 3, 27)]


# --- approved only, one premiere each ------------------------------------------------------------


def test_only_approved_episodes_get_a_premiere(session: Session, desk: Desk) -> None:
    desk.slot()
    ok = desk.episode()
    waiting = desk.episode(state=State.FINAL_REVIEW)
    pulled = desk.episode(state=State.PULLED)
    build = run_build(session)
    assert set(premieres(session)) == {ok.id}
    assert waiting.id not in unscheduled(session, build)
    assert pulled.id not in unscheduled(session, build)


def test_an_episode_premieres_once_however_many_occurrences_are_free(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    only = desk.episode()
    run_build(session)
    run_build(session)
    assert [a.episode_id for a in live(session, SlotKind.PREMIERE)] == [only.id]


def test_the_first_free_occurrence_is_filled_oldest_approval_first(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    newer = desk.episode(approved_at=NOW - timedelta(days=1))
    older = desk.episode(approved_at=NOW - timedelta(days=9))
    run_build(session)
    assert premieres(session) == {older.id: local(FRIDAYS[0]), newer.id: local(FRIDAYS[1])}
    first = live(session)[0]
    assert first.reason == "按终审通过先后排播（2026-02-21 通过终审）"


# --- reruns --------------------------------------------------------------------------------------


def test_a_rerun_airs_the_most_recent_premiere_before_it(session: Session, desk: Desk) -> None:
    premiere = desk.slot()
    desk.rerun(premiere)
    a, b = desk.episode(), desk.episode()
    run_build(session)
    reruns = live(session, SlotKind.RERUN)
    first_sunday = local(date(2026, 3, 8), 10)
    assert [(r.starts_at, r.episode_id) for r in reruns[:2]] == [
        (first_sunday, a.id),
        (first_sunday + timedelta(days=7), b.id),
    ]
    assert all(r.premiere is not None and r.premiere.episode_id == r.episode_id for r in reruns)
    assert reruns[0].reason == "重播 2026-03-06 20:00 首播"
    assert len(reruns) == 2  # no premiere on 20 and 27 March: no rerun either


def test_a_rerun_two_back_skips_the_most_recent_premiere(session: Session, desk: Desk) -> None:
    premiere = desk.slot()
    desk.rerun(premiere, rerun_back=2, rrule="FREQ=WEEKLY;BYDAY=TH", local_start=time(12, 0))
    episodes = [desk.episode() for _ in range(4)]
    run_build(session)
    reruns = live(session, SlotKind.RERUN)
    # Thursday 12 March: premieres before it are 6 March only -> none; 19 March: 6 March.
    assert [(r.starts_at, r.episode_id) for r in reruns] == [
        (local(date(2026, 3, 19), 12), episodes[0].id),
        (local(date(2026, 3, 26), 12), episodes[1].id),
    ]


def test_a_rerun_follows_a_premiere_before_the_window(session: Session, desk: Desk) -> None:
    premiere = desk.slot()
    desk.rerun(premiere)
    published = desk.episode()
    desk.episode()
    session.add(
        Airing(
            slot=premiere,
            episode=published,
            kind=SlotKind.PREMIERE,
            starts_at=local(FRIDAYS[0]),
            ends_at=local(FRIDAYS[0]) + timedelta(minutes=30),
            status=AiringStatus.PUBLISHED,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    run_build(session, start=date(2026, 3, 7), end=date(2026, 3, 8))
    (rerun,) = live(session, SlotKind.RERUN)
    assert (rerun.starts_at, rerun.episode_id) == (local(date(2026, 3, 8), 10), published.id)


# --- fit -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duration", "code"),
    [
        (1800 + 30, None),  # the default tolerance: 30 s over the slot
        (1800 + 31, "longer_than_slot"),
        (1440, None),  # min_fill 0.8 of 30 minutes
        (1439, "shorter_than_slot"),
    ],
)
def test_an_episode_must_fit_the_slot_within_the_tolerance(
    session: Session, desk: Desk, duration: int, code: str | None
) -> None:
    desk.slot()
    episode = desk.episode(duration=duration)
    build = run_build(session)
    missed = unscheduled(session, build)
    if code is None:
        assert episode.id in premieres(session) and not missed
    else:
        assert missed[episode.id].reason == code and not premieres(session)


def test_the_tolerance_is_a_setting(session: Session, desk: Desk) -> None:
    desk.slot()
    long, short = desk.episode(duration=1900), desk.episode(duration=900)
    run_build(session, settings=BuildSettings(over_tolerance_s=100, min_fill=0.5))
    assert set(premieres(session)) == {long.id, short.id}


def test_an_episode_fitting_no_slot_says_which_way(session: Session, desk: Desk) -> None:
    desk.slot()
    desk.slot(name="周三首播", rrule="FREQ=WEEKLY;BYDAY=WE", duration_s=900)
    between = desk.episode(duration=1300)
    build = run_build(session)
    miss = unscheduled(session, build)[between.id]
    assert miss.reason == "no_fitting_slot"
    assert "15分钟、30分钟" in miss.detail


# --- series --------------------------------------------------------------------------------------


def test_series_parts_air_in_order_in_consecutive_occurrences(session: Session, desk: Desk) -> None:
    desk.slot()
    desk.slot(name="周二首播", rrule="FREQ=WEEKLY;BYDAY=TU", first_date=date(2026, 3, 3))
    series = desk.series(3, date(2026, 3, 31))
    # Proposed out of order, and a single episode approved long before them all.
    parts = {n: desk.episode(series=series, part=n) for n in (3, 1, 2)}
    single = desk.episode(approved_at=NOW - timedelta(days=100))
    run_build(session)
    at = premieres(session)
    tuesdays = [local(date(2026, 3, d)) for d in (3, 10, 17)]
    assert [at[parts[n].id] for n in (1, 2, 3)] == tuesdays  # one slot, not Tue/Fri mixed
    assert at[single.id] == local(FRIDAYS[0])
    reasons = {a.episode_id: a.reason for a in live(session)}
    assert reasons[parts[2].id] == "连续报道《先锋工程》第2集（共3集）"


def test_a_series_starts_no_later_than_its_start_by_date(session: Session, desk: Desk) -> None:
    desk.slot()
    series = desk.series(2, date(2026, 3, 6))
    first, second = (desk.episode(series=series, part=n) for n in (1, 2))
    late = desk.series(2, date(2026, 3, 1), title="迟到的系列")
    stale = [desk.episode(series=late, part=n) for n in (1, 2)]
    build = run_build(session)
    at = premieres(session)
    assert (at[first.id], at[second.id]) == (local(FRIDAYS[0]), local(FRIDAYS[1]))
    missed = unscheduled(session, build)
    assert {missed[e.id].reason for e in stale} == {"series_too_late"}
    assert "2026-03-01 已过" in missed[stale[0].id].detail


def test_a_series_that_cannot_start_by_its_date_is_reported(session: Session, desk: Desk) -> None:
    desk.slot()
    series = desk.series(3, date(2026, 3, 13))
    parts = [desk.episode(series=series, part=n) for n in (1, 2, 3)]
    blocker = desk.episode()
    session.add(
        Airing(
            slot=session.scalars(select(Slot)).one(),
            episode=blocker,
            kind=SlotKind.PREMIERE,
            starts_at=local(FRIDAYS[1]),
            ends_at=local(FRIDAYS[1]) + timedelta(minutes=30),
            status=AiringStatus.DRAFT,
            pinned=True,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    build = run_build(session)
    missed = unscheduled(session, build)
    assert {missed[p.id].reason for p in parts} == {"series_too_late"}
    assert "须在 2026-03-13 前开播" in missed[parts[0].id].detail


def test_a_part_not_yet_approved_holds_the_whole_series(session: Session, desk: Desk) -> None:
    desk.slot()
    series = desk.series(4, date(2026, 3, 31))
    approved = [desk.episode(series=series, part=n) for n in (1, 2)]
    desk.episode(series=series, part=3, state=State.SECOND_REVIEW)
    build = run_build(session)
    assert not premieres(session)
    missed = unscheduled(session, build)
    assert {missed[e.id].reason for e in approved} == {"series_incomplete"}
    assert missed[approved[0].id].detail == "连续报道《先锋工程》第3集尚未通过终审"


def test_a_part_never_proposed_holds_the_series_too(session: Session, desk: Desk) -> None:
    desk.slot()
    series = desk.series(3, date(2026, 3, 31))
    first = desk.episode(series=series, part=1)
    desk.episode(series=series, part=3)
    missed = unscheduled(session, run_build(session))
    assert missed[first.id].detail == "连续报道《先锋工程》第2集尚未申报"


def test_parts_that_fit_different_slots_only_do_not_run(session: Session, desk: Desk) -> None:
    desk.slot()
    desk.slot(name="周三首播", rrule="FREQ=WEEKLY;BYDAY=WE", duration_s=900)
    series = desk.series(2, date(2026, 3, 31))
    long = desk.episode(series=series, part=1, duration=1800)
    desk.episode(series=series, part=2, duration=900)
    missed = unscheduled(session, run_build(session))
    assert missed[long.id].reason == "series_does_not_fit"
    assert "第2集时长 15分钟 与时段（30分钟）不符" in missed[long.id].detail


def test_a_series_under_way_continues_in_the_next_occurrences(session: Session, desk: Desk) -> None:
    slot = desk.slot()
    series = desk.series(3, date(2026, 3, 6))
    parts = [desk.episode(series=series, part=n) for n in (1, 2, 3)]
    desk.episode(approved_at=NOW - timedelta(days=300))  # would take 6 March otherwise
    session.add(
        Airing(
            slot=slot,
            episode=parts[0],
            kind=SlotKind.PREMIERE,
            starts_at=local(FRIDAYS[0]),
            ends_at=local(FRIDAYS[0]) + timedelta(minutes=30),
            status=AiringStatus.PUBLISHED,
            created_at=NOW,
            updated_at=NOW,
        )
    )
    run_build(session)
    at = premieres(session)
    assert [at[p.id] for p in parts] == [local(d) for d in FRIDAYS[:3]]


def test_a_series_starts_later_when_that_keeps_an_air_by_date(session: Session, desk: Desk) -> None:
    desk.slot()
    series = desk.series(2, date(2026, 3, 13))
    parts = [desk.episode(series=series, part=n) for n in (1, 2)]
    urgent = desk.episode(air_by=date(2026, 3, 6))
    build = run_build(session)
    at = premieres(session)
    assert at[urgent.id] == local(FRIDAYS[0])
    assert [at[p.id] for p in parts] == [local(FRIDAYS[1]), local(FRIDAYS[2])]
    assert not unscheduled(session, build)


# --- air-by dates --------------------------------------------------------------------------------


def test_air_by_dates_are_met_where_earliest_deadline_first_would_miss_one(
    session: Session, desk: Desk
) -> None:
    """Tuesday's 30-minute slot takes both; Wednesday's 25-minute slot only the shorter.

    Earliest deadline first gives Tuesday to the shorter (due Wednesday) and the
    longer (due Thursday) has nowhere to go; the matching swaps them.
    """
    desk.slot(name="周二", rrule="FREQ=WEEKLY;BYDAY=TU", first_date=date(2026, 3, 3))
    desk.slot(
        name="周三", rrule="FREQ=WEEKLY;BYDAY=WE", duration_s=1500, first_date=date(2026, 3, 3)
    )
    short = desk.episode(duration=1500, air_by=date(2026, 3, 4))
    long = desk.episode(duration=1800, air_by=date(2026, 3, 5))
    build = run_build(session)
    at = premieres(session)
    assert at == {long.id: local(date(2026, 3, 3)), short.id: local(date(2026, 3, 4))}
    assert not unscheduled(session, build)
    reasons = {a.episode_id: a.reason for a in live(session)}
    assert reasons[long.id] == "截止日期 2026-03-05 前最早可播"


def test_earliest_air_by_date_airs_first_among_equals(session: Session, desk: Desk) -> None:
    desk.slot()
    old = desk.episode(approved_at=NOW - timedelta(days=90))
    later = desk.episode(air_by=date(2026, 3, 25))
    sooner = desk.episode(air_by=date(2026, 3, 20))
    run_build(session)
    at = premieres(session)
    assert [at[e.id] for e in (sooner, later, old)] == [local(d) for d in FRIDAYS[:3]]


def test_an_episode_that_cannot_air_by_its_date_is_not_aired_late(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    winner = desk.episode(air_by=date(2026, 3, 6))
    loser = desk.episode(air_by=date(2026, 3, 7))
    nothing_before = desk.episode(air_by=date(2026, 3, 5))
    build = run_build(session)
    assert set(premieres(session)) == {winner.id}
    missed = unscheduled(session, build)
    assert missed[loser.id].reason == "no_slot_before_deadline"
    assert missed[loser.id].detail == "截止日期 2026-03-07 前时长相符的 1 期首播已全部排满"
    assert missed[nothing_before.id].detail == "截止日期 2026-03-05 前没有时长相符的首播时段"


def test_a_miss_caused_by_a_pinned_airing_names_it(session: Session, desk: Desk) -> None:
    desk.slot()
    pinned = desk.episode(title="村支书的一天")
    run_build(session)
    (airing,) = live(session)
    assert airing.starts_at == local(FRIDAYS[0])
    airing.pinned = True
    due = desk.episode(air_by=date(2026, 3, 10))
    free_late = [desk.episode() for _ in range(4)]
    session.flush()
    build = run_build(session)
    missed = unscheduled(session, build)
    assert premieres(session)[pinned.id] == local(FRIDAYS[0])
    assert missed[due.id].reason == "no_slot_before_deadline"
    assert missed[due.id].detail == (
        "截止日期 2026-03-10 前时长相符的 1 期首播已全部排满，其中 1 期为手动固定的播出"
        "（最早 2026-03-06 20:00《村支书的一天》）"
    )
    (left_out,) = [e for e in free_late if e.id in missed]
    assert missed[left_out.id].detail == (
        "2026-03-02至2026-03-31时长相符的 4 期首播已全部排满，其中 1 期为手动固定的播出"
        "（最早 2026-03-06 20:00《村支书的一天》）"
    )


def test_the_report_counts_every_episode_that_cannot_make_its_air_by_date(
    session: Session, desk: Desk
) -> None:
    """可能误期 is every episode that may miss its date, not only those due within a week:
    one the build could not place before a date 12 days ahead (with the build's reason),
    one whose date has passed; not one due in a month and placed, nor one the next build
    has not seen yet with its date far ahead."""
    desk.slot()
    winners = [
        desk.episode(air_by=date(2026, 3, 14), approved_at=NOW - timedelta(days=40 - n))
        for n in range(2)
    ]
    loser = desk.episode(air_by=date(2026, 3, 14))
    passed = desk.episode(air_by=date(2026, 2, 27))
    placed = desk.episode(air_by=date(2026, 3, 31))
    run_build(session)
    unseen = desk.episode(air_by=date(2026, 3, 30))
    report = builder_report.schedule_report(session, NOW)
    risks = {r.episode.id: str(r.why) for r in report.at_risk}
    assert set(premieres(session)) == {winners[0].id, winners[1].id, placed.id}
    assert risks == {
        loser.id: "截止日期 2026-03-14 前时长相符的 2 期首播已全部排满",
        passed.id: "截止日期 2026-02-27 已过",
    }
    assert unseen.id not in risks


# --- priorities ----------------------------------------------------------------------------------


def test_a_priority_tagged_episode_is_preferred_inside_its_window_only(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    untagged = [desk.episode(approved_at=NOW - timedelta(days=50 - n)) for n in range(3)]
    tagged = desk.episode(tags=["七一"], approved_at=NOW - timedelta(days=60))
    window = PriorityWindow("七一", date(2026, 3, 16), date(2026, 3, 22))
    run_build(session, settings=BuildSettings(priorities=(window,)))
    at = premieres(session)
    assert at[tagged.id] == local(FRIDAYS[2])
    assert [at[e.id] for e in untagged] == [local(d) for d in (FRIDAYS[0], FRIDAYS[1], FRIDAYS[3])]
    reasons = {a.episode_id: a.reason for a in live(session)}
    assert reasons[tagged.id] == "季度宣传报道重点“七一”（2026-03-16至2026-03-22）"


def test_a_tagged_episode_waits_for_a_later_window_while_others_can_air(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    tagged = desk.episode(tags=["七一"], approved_at=NOW - timedelta(days=60))
    untagged = desk.episode(approved_at=NOW - timedelta(days=50))
    window = PriorityWindow("七一", date(2026, 6, 20), date(2026, 7, 10))
    run_build(session, settings=BuildSettings(priorities=(window,)))
    # As late as this build reaches; a later build moves it into its window.
    assert premieres(session) == {untagged.id: local(FRIDAYS[0]), tagged.id: local(FRIDAYS[3])}
    reason = next(a.reason for a in live(session) if a.episode_id == tagged.id)
    assert reason == "等待季度宣传报道重点“七一”（2026-06-20至2026-07-10），暂排于此"
    run_build(session, settings=BuildSettings(priorities=(window,)), end=date(2026, 7, 31))
    assert premieres(session)[tagged.id] == local(date(2026, 6, 26))


def test_a_tagged_episode_that_cannot_get_into_its_window_airs_as_early_as_it_can(
    session: Session, desk: Desk
) -> None:
    # One Friday in the window and two episodes for it: the one that does not get it
    # gains nothing by waiting, so it airs on the first free Friday, not after the window.
    desk.slot()
    first = desk.episode(tags=["七一"], approved_at=NOW - timedelta(days=60))
    second = desk.episode(tags=["七一"], approved_at=NOW - timedelta(days=55))
    untagged = desk.episode(approved_at=NOW - timedelta(days=50))
    window = PriorityWindow("七一", date(2026, 3, 16), date(2026, 3, 22))
    run_build(session, settings=BuildSettings(priorities=(window,)))
    assert premieres(session) == {
        second.id: local(FRIDAYS[0]),
        untagged.id: local(FRIDAYS[1]),
        first.id: local(FRIDAYS[2]),
    }
    reasons = {a.episode_id: a.reason for a in live(session)}
    assert reasons[first.id] == "季度宣传报道重点“七一”（2026-03-16至2026-03-22）"
    assert (
        reasons[second.id] == "季度宣传报道重点“七一”（2026-03-16至2026-03-22）期间已排满，尽早播出"
    )


def test_a_tagged_episode_due_before_its_window_is_not_said_to_wait(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    untagged = desk.episode(approved_at=NOW - timedelta(days=60))
    due = desk.episode(tags=["七一"], air_by=date(2026, 3, 14))
    window = PriorityWindow("七一", date(2026, 3, 16), date(2026, 3, 22))
    run_build(session, settings=BuildSettings(priorities=(window,)))
    assert premieres(session) == {due.id: local(FRIDAYS[0]), untagged.id: local(FRIDAYS[1])}
    reasons = {a.episode_id: a.reason for a in live(session)}
    assert reasons[due.id] == "截止日期 2026-03-14 前最早可播"


def test_a_window_that_has_passed_changes_nothing(session: Session, desk: Desk) -> None:
    desk.slot()
    tagged = desk.episode(tags=["七一"], approved_at=NOW - timedelta(days=60))
    desk.episode(approved_at=NOW - timedelta(days=50))
    window = PriorityWindow("七一", date(2026, 1, 1), date(2026, 1, 10))
    run_build(session, settings=BuildSettings(priorities=(window,)))
    assert premieres(session)[tagged.id] == local(FRIDAYS[0])


# --- exchange ------------------------------------------------------------------------------------


def test_an_offered_episode_fills_only_what_the_column_cannot(session: Session, desk: Desk) -> None:
    desk.slot()
    own = desk.episode()
    other = desk.column("临江先锋")
    offered = desk.episode(other, offered=True)
    not_offered = desk.episode(other)
    run_build(session)
    at = premieres(session)
    assert at[own.id] == local(FRIDAYS[0])
    assert at[offered.id] == local(FRIDAYS[1])
    assert not_offered.id not in at
    exchange = next(a for a in live(session) if a.episode_id == offered.id)
    assert exchange.exchange and exchange.reason == "交流节目：来自《临江先锋》"


def test_a_column_that_fills_its_slots_takes_no_exchange(session: Session, desk: Desk) -> None:
    desk.slot()
    mine = [desk.episode() for _ in FRIDAYS]
    desk.episode(desk.column(), offered=True)
    run_build(session)
    assert set(premieres(session)) == {e.id for e in mine}


def test_an_offered_episode_its_own_column_airs_is_not_exchanged(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    other = desk.column()
    desk.slot(other)
    offered = desk.episode(other, offered=True)
    run_build(session)
    (airing,) = live(session)
    assert airing.episode_id == offered.id and not airing.exchange
    assert airing.slot.column_id == other.id


# --- what a rebuild keeps ------------------------------------------------------------------------


def publish(airing: Airing) -> None:
    airing.status = AiringStatus.PUBLISHED
    airing.published_at = NOW


def test_frozen_published_and_pinned_airings_survive_a_rebuild(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    desk.episode(), desk.episode(), desk.episode()
    run_build(session)
    first, second, third = live(session)
    publish(first)  # 6 March: inside the frozen week
    publish(second)  # 13 March: past it
    third.pinned = True
    before = [(a.id, a.episode_id, a.revision, a.status) for a in (first, third)]
    desk.episode(air_by=date(2026, 3, 6))
    desk.episode(air_by=date(2026, 3, 20))
    session.flush()
    run_build(session)
    after = [(a.id, a.episode_id, a.revision, a.status) for a in (first, third)]
    assert after == before


def test_a_published_airing_past_the_frozen_horizon_changes_in_place(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    a, b = desk.episode(), desk.episode()
    run_build(session)
    second = live(session)[1]
    publish(second)
    b.state = State.PULLED
    replacement = desk.episode()
    run_build(session)
    session.refresh(second)
    assert (second.episode_id, second.revision, second.status) == (
        replacement.id,
        1,
        AiringStatus.PUBLISHED,
    )
    assert premieres(session)[a.id] == local(FRIDAYS[0])


def test_a_published_airing_that_loses_its_episode_is_cancelled(
    session: Session, desk: Desk
) -> None:
    premiere = desk.slot()
    desk.rerun(premiere)
    desk.episode()
    b = desk.episode()
    run_build(session)
    second = next(a for a in live(session, SlotKind.PREMIERE) if a.episode_id == b.id)
    publish(second)
    b.state = State.PULLED
    run_build(session)
    session.refresh(second)
    assert (second.status, second.revision) == (AiringStatus.CANCELLED, 1)
    assert b.id not in {a.episode_id for a in live(session)}  # its rerun went too


def test_a_pulled_episodes_draft_airings_disappear(session: Session, desk: Desk) -> None:
    premiere = desk.slot()
    desk.rerun(premiere)
    gone = desk.episode()
    run_build(session)
    assert len(live(session)) == 2
    gone.state = State.WITHDRAWN
    run_build(session)
    assert session.scalar(select(func.count()).select_from(Airing)) == 0


def test_a_published_airing_cancelled_then_filled_again_is_revived(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    desk.episode()
    a = desk.episode()
    run_build(session)
    airing = live(session)[1]
    publish(airing)
    a.state = State.PULLED
    run_build(session)
    assert airing.status is AiringStatus.CANCELLED
    b = desk.episode()
    run_build(session)
    assert (airing.status, airing.episode_id, airing.revision) == (
        AiringStatus.PUBLISHED,
        b.id,
        2,
    )
    assert session.scalar(select(func.count()).select_from(Airing)) == 2


def test_episodes_swap_occurrences_without_tripping_the_unique_indexes(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    a = desk.episode(approved_at=NOW - timedelta(days=9))
    b = desk.episode(approved_at=NOW - timedelta(days=8))
    run_build(session)
    ids = [x.id for x in live(session)]
    b.air_by = date(2026, 3, 6)
    run_build(session)
    assert premieres(session) == {b.id: local(FRIDAYS[0]), a.id: local(FRIDAYS[1])}
    assert [x.id for x in live(session)] == ids  # one row per occurrence, updated in place


# --- determinism and the report ------------------------------------------------------------------


def snapshot(session: Session) -> list[tuple[int, datetime, int, SlotKind, str]]:
    return [(a.slot_id, a.starts_at, a.episode_id, a.kind, a.reason) for a in live(session)]


def test_the_same_input_gives_the_same_schedule(session: Session, desk: Desk) -> None:
    premiere = desk.slot()
    desk.rerun(premiere)
    desk.slot(name="周二", rrule="FREQ=WEEKLY;BYDAY=TU", duration_s=1500)
    for n in range(9):
        desk.episode(duration=(1500, 1800)[n % 2], air_by=date(2026, 3, 10 + n) if n % 3 else None)
    first = run_build(session)
    once = snapshot(session)
    reasons = {k: (u.reason, u.detail) for k, u in unscheduled(session, first).items()}
    outcome = builder.build_with_changes(session, NOW, end=date(2026, 3, 31))
    assert snapshot(session) == once
    assert (outcome.inserted, outcome.updated, outcome.cancelled, outcome.deleted) == (0, 0, 0, 0)
    again = unscheduled(session, outcome.build)
    assert {k: (u.reason, u.detail) for k, u in again.items()} == reasons


def test_every_approved_episode_left_out_has_a_reason(session: Session, desk: Desk) -> None:
    desk.slot()
    episodes = [desk.episode(air_by=date(2026, 3, 9 + n)) for n in range(3)]
    episodes += [desk.episode() for _ in range(4)]
    build = run_build(session)
    placed = premieres(session)
    missed = unscheduled(session, build)
    assert {e.id for e in episodes} == set(placed) | set(missed)
    assert build.unscheduled == len(missed) == 3
    assert build.airings == len(placed) == 4
    assert all(u.detail for u in missed.values())


def test_a_build_covers_only_the_columns_it_is_given(session: Session, desk: Desk) -> None:
    desk.slot()
    other = desk.column()
    desk.slot(other)
    mine, theirs = desk.episode(), desk.episode(other)
    build = run_build(session, column_ids=[desk.crew.column.id])
    assert set(premieres(session)) == {mine.id}
    assert theirs.id not in unscheduled(session, build)


# --- bad input -----------------------------------------------------------------------------------


def test_a_date_range_running_backwards_is_refused_and_changes_nothing(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    desk.episode()
    with pytest.raises(InvalidInput, match="runs backwards"):
        builder.build(session, NOW, start=date(2026, 3, 20), end=date(2026, 3, 10))
    assert session.scalar(select(func.count()).select_from(Airing)) == 0
    assert session.scalar(select(func.count()).select_from(ScheduleBuild)) == 0


def test_an_unknown_column_is_refused(session: Session, desk: Desk) -> None:
    with pytest.raises(NotFound, match="no column with id 9999"):
        builder.build(session, NOW, column_ids=[9999])


def test_bad_settings_are_refused() -> None:
    with pytest.raises(InvalidInput, match="min_fill"):
        BuildSettings(min_fill=1.5)


def test_a_tagged_episode_reaches_a_window_many_occurrences_away(
    session: Session, desk: Desk
) -> None:
    desk.slot(name="每日首播", rrule="FREQ=DAILY", first_date=date(2026, 3, 3))
    desk.episode(approved_at=NOW - timedelta(days=50))
    tagged = desk.episode(tags=["两会"], approved_at=NOW - timedelta(days=60))
    window = PriorityWindow("两会", date(2026, 3, 20), date(2026, 3, 22))
    run_build(session, settings=BuildSettings(priorities=(window,)))
    assert premieres(session)[tagged.id] == local(date(2026, 3, 20))


def test_a_pinned_rerun_keeps_its_row_but_a_pulled_premiere_makes_way(
    session: Session, desk: Desk
) -> None:
    premiere = desk.slot()
    desk.rerun(premiere)
    pulled = desk.episode()
    run_build(session)
    first, rerun = live(session)[:2]
    rerun.pinned = True
    pulled.state = State.PULLED
    successor = desk.episode()
    run_build(session)
    assert first.status is AiringStatus.CANCELLED  # still there: the pinned rerun points at it
    # The pin keeps the rerun's row, but a pulled episode airs no more (issue 15).
    assert (rerun.status, rerun.episode_id, rerun.premiere_id) == (
        AiringStatus.CANCELLED,
        pulled.id,
        first.id,
    )
    assert premieres(session)[successor.id] == local(FRIDAYS[0])


def test_a_series_gives_way_when_it_would_cost_air_by_dates(session: Session, desk: Desk) -> None:
    """Air-by dates come first: a series that could only run by taking both
    occurrences two deadline episodes need is left out, and the report says so."""
    desk.slot()
    series = desk.series(2, date(2026, 3, 6))
    parts = [desk.episode(series=series, part=n) for n in (1, 2)]
    urgent = [desk.episode(air_by=date(2026, 3, 6)), desk.episode(air_by=date(2026, 3, 13))]
    build = run_build(session)
    assert premieres(session) == {urgent[0].id: local(FRIDAYS[0]), urgent[1].id: local(FRIDAYS[1])}
    missed = unscheduled(session, build)
    assert {missed[p.id].reason for p in parts} == {"series_displaced"}


def test_rebuilds_keep_one_unscheduled_row_per_episode_and_the_report_its_latest_reason(
    session: Session, desk: Desk
) -> None:
    desk.slot()
    other = desk.column()
    desk.slot(other)
    too_long = desk.episode(duration=3600)
    theirs = desk.episode(other, duration=3600)
    first = run_build(session)
    for _ in range(3):
        latest = run_build(session)
    rows = session.execute(select(Unscheduled.build_id, Unscheduled.episode_id)).all()
    assert sorted(rows) == [(latest.id, too_long.id), (latest.id, theirs.id)]
    mine_only = run_build(session, column_ids=[desk.crew.column.id])
    rows = session.execute(select(Unscheduled.build_id, Unscheduled.episode_id)).all()
    # The other column's row is what its report still reads: kept.
    assert sorted(rows) == [(latest.id, theirs.id), (mine_only.id, too_long.id)]
    reasons = {
        item.episode.id: (item.reason, item.build_id)
        for item in builder_report.schedule_report(session, NOW).unscheduled
    }
    assert reasons == {
        too_long.id: ("longer_than_slot", mine_only.id),
        theirs.id: ("longer_than_slot", latest.id),
    }
    assert first.id < latest.id
