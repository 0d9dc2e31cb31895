"""The builder and the liaison office's priorities: windows and weights from the database
(``liaison.planning``), the rebuild fingerprint, and the report's coverage per priority and
column. ``NOW`` is Monday 2 March 2026; the slot airs on Fridays at 20:00."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from editorial.models import Column, Level, Person, Role
from liaison import planning, service
from liaison.coverage import priority_coverage
from liaison.models import Priority, Quarter
from schedule.builder import BuildSettings, PriorityWindow
from schedule.builder_plan import Candidate, Context, selection_key
from schedule.builder_report import schedule_report
from scheduler import jobs
from tests.conftest import NOW, Crew
from tests.schedule.test_builder import FRIDAYS, Desk, live, local, premieres, run_build


class Office:
    """The city liaison office, planning 2026's quarters."""

    def __init__(self, session: Session, officer: Person) -> None:
        self.session, self.officer = session, officer
        self.quarters: dict[int, Quarter] = {}

    def priority(self, tag: str, start: date, end: date, weight: int = 1, **kw: Any) -> Priority:
        number = (start.month - 1) // 3 + 1
        if number not in self.quarters:
            self.quarters[number] = service.create_quarter(
                self.session, self.officer, NOW, year=2026, number=number
            )
        spec = service.PrioritySpec(
            theme=f"{tag}主题报道", tag=tag, window_start=start, window_end=end, weight=weight, **kw
        )
        return service.add_priority(self.session, self.officer, self.quarters[number], spec, NOW)


@pytest.fixture
def desk(session: Session, crew: Crew, scheduler_person: Person) -> Desk:
    return Desk(session, crew, scheduler_person)


@pytest.fixture
def city(make_column: Callable[..., Column]) -> Column:
    return make_column(level=Level.CITY, name="时代风采")


@pytest.fixture
def office(session: Session, city: Column, make_person: Callable[..., Person]) -> Office:
    return Office(session, make_person(city, Role.LIAISON))


def real_build(session: Session, **kw: Any) -> None:
    """A build as the service and ``tvcolumn schedule build`` make it."""
    run_build(session, settings=planning.build_settings(session, NOW), **kw)


def test_a_tagged_episode_airs_inside_its_priority_window_before_older_untagged_ones(
    session: Session, desk: Desk, office: Office
) -> None:
    desk.slot()
    untagged = [desk.episode(approved_at=NOW - timedelta(days=50 - n)) for n in range(3)]
    tagged = desk.episode(tags=["两会"], approved_at=NOW - timedelta(days=5))
    run_build(session)  # without the priority: by approval, the tagged one last
    assert premieres(session)[tagged.id] == local(FRIDAYS[3])
    office.priority("两会", date(2026, 3, 16), date(2026, 3, 22))
    real_build(session)
    at = premieres(session)
    assert at[tagged.id] == local(FRIDAYS[2])  # 20 March, inside 16–22 March
    assert [at[e.id] for e in untagged] == [local(d) for d in (FRIDAYS[0], FRIDAYS[1], FRIDAYS[3])]
    reason = next(a.reason for a in live(session) if a.episode_id == tagged.id)
    assert reason == "季度宣传报道重点“两会”（2026-03-16至2026-03-22）"


@pytest.mark.parametrize(("weights", "winner"), [((1, 3), "学雷锋"), ((3, 1), "两会")])
def test_of_two_tagged_episodes_competing_for_one_occurrence_the_heavier_priority_wins(
    session: Session, desk: Desk, office: Office, weights: tuple[int, int], winner: str
) -> None:
    desk.slot()
    # 两会's episode was approved first: without weights it would take the occurrence.
    episodes = {
        "两会": desk.episode(tags=["两会"], approved_at=NOW - timedelta(days=20)),
        "学雷锋": desk.episode(tags=["学雷锋"], approved_at=NOW - timedelta(days=10)),
    }
    for tag, weight in zip(episodes, weights, strict=True):
        office.priority(tag, date(2026, 3, 16), date(2026, 3, 22), weight=weight)
    real_build(session)
    at = premieres(session)
    assert at[episodes[winner].id] == local(FRIDAYS[2])
    assert [e.id for e in episodes.values() if at.get(e.id) == local(FRIDAYS[2])] == [
        episodes[winner].id
    ]


def test_weight_orders_the_choice_when_not_every_tagged_episode_can_air() -> None:
    light = PriorityWindow("两会", date(2026, 3, 16), date(2026, 3, 22), weight=1)
    heavy = PriorityWindow("学雷锋", date(2026, 3, 16), date(2026, 3, 22), weight=3)
    settings = BuildSettings(priorities=(light, heavy))
    ctx = Context(settings, NOW, NOW + timedelta(days=30), date(2026, 3, 31))
    approved = datetime(2026, 2, 1, tzinfo=UTC)
    older = Candidate(1, 1, "甲", 1800, None, approved, frozenset({"两会"}))
    newer = Candidate(2, 1, "乙", 1800, None, approved + timedelta(days=1), frozenset({"学雷锋"}))
    untagged = Candidate(3, 1, "丙", 1800, None, approved - timedelta(days=9))
    ranked = sorted([older, newer, untagged], key=lambda c: selection_key(c, ctx))
    assert [c.episode_id for c in ranked] == [2, 1, 3]


def test_a_build_takes_the_priorities_not_yet_over_with_their_weights(
    session: Session, office: Office
) -> None:
    office.priority("元旦", date(2026, 1, 2), date(2026, 1, 10))  # over before 2 March
    office.priority("两会", date(2026, 3, 1), date(2026, 3, 15), weight=2)
    office.priority("七一", date(2026, 6, 20), date(2026, 6, 30), weight=3)  # after the horizon
    settings = planning.build_settings(session, NOW, base=BuildSettings(horizon_days=30))
    assert settings.horizon_days == 30
    assert settings.priorities == (
        PriorityWindow("两会", date(2026, 3, 1), date(2026, 3, 15), 2),
        PriorityWindow("七一", date(2026, 6, 20), date(2026, 6, 30), 3),
    )
    later = planning.build_settings(session, NOW, start=date(2026, 3, 16))
    assert [w.tag for w in later.priorities] == ["七一"]


def test_the_rebuild_fingerprint_moves_when_a_priority_is_added_or_moved_not_for_targets(
    session: Session, office: Office, city: Column
) -> None:
    before = jobs.inputs_fingerprint(session)
    priority = office.priority("两会", date(2026, 3, 1), date(2026, 3, 15), targets={city.id: 2})
    added = jobs.inputs_fingerprint(session)
    assert added != before

    def change(**kw: Any) -> str:
        fields: dict[str, Any] = {
            "theme": priority.theme,
            "tag": priority.tag,
            "window_start": priority.window_start,
            "window_end": priority.window_end,
            "weight": priority.weight,
            "targets": {city.id: 2},
        }
        fields.update(kw)
        spec = service.PrioritySpec(**fields)
        service.change_priority(session, office.officer, priority, spec, NOW)
        return jobs.inputs_fingerprint(session)

    assert change(targets={city.id: 5}) == added  # a target does not change the schedule
    moved = change(window_end=date(2026, 3, 20))
    assert moved != added
    assert change(weight=4) != moved


def test_the_report_shows_each_priority_s_coverage_per_column_against_its_target(
    session: Session, desk: Desk, office: Office, city: Column, crew: Crew
) -> None:
    desk.slot()
    other = desk.column(name="青山党建")
    desk.slot(other, rrule="FREQ=WEEKLY;BYDAY=WE", first_date=date(2026, 3, 4))
    for n in range(3):  # three for a window of two Fridays: one airs outside it
        desk.episode(tags=["两会"], approved_at=NOW - timedelta(days=30 - n))
    desk.episode(other, tags=["两会"])
    desk.episode(other, tags=["学雷锋"])  # another priority's tag: not counted for 两会
    office.priority(
        "两会",
        date(2026, 3, 16),
        date(2026, 3, 29),
        weight=2,
        targets={crew.column.id: 3, city.id: 1},
    )
    office.priority("七一", date(2026, 6, 20), date(2026, 6, 30), targets={crew.column.id: 1})
    real_build(session)
    report = schedule_report(session, NOW)
    assert report.horizon == (date(2026, 3, 2), date(2026, 3, 31))
    [coverage] = priority_coverage(session, *report.horizon)  # 七一 lies after the horizon
    assert (coverage.priority.tag, coverage.placed, coverage.target) == ("两会", 3, 4)
    rows = {c.column.id: (c.placed, c.target, c.short) for c in coverage.columns}
    assert rows == {
        crew.column.id: (2, 3, True),  # 20 and 27 March
        other.id: (1, None, False),  # no target set: shown for what it airs
        city.id: (0, 1, True),  # a target but no slot
    }
    [only] = priority_coverage(session, *report.horizon, column_ids=[crew.column.id])
    assert [c.column.id for c in only.columns] == [crew.column.id]
