"""Goal management arithmetic: each tagged episode counted once per priority at its furthest
stage; premieres only; windows inclusive in Asia/Shanghai; counted where it airs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.models import Column, Episode, Level, Person, Role
from liaison import service
from liaison.models import Priority, Quarter
from liaison.progress import Stage, behind_with_a_month_left, progress
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.conftest import NOW, Crew, walk_to_approved, walk_to_review
from tests.schedule.conftest import make_slot, scheduler_person

__all__ = ["make_slot", "scheduler_person"]

WINDOW = (date(2026, 7, 1), date(2026, 7, 10))


def shanghai(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


class World:
    def __init__(self, session: Session, crew: Crew, slot: Slot, officer: Person) -> None:
        self.session, self.crew, self.slot, self.officer = session, crew, slot, officer

    def episode(self, *tags: str, crew: Crew | None = None) -> Episode:
        c = crew or self.crew
        return workflow.propose(
            self.session,
            c.director,
            c.column,
            NOW,
            workflow.Proposal(
                title="节目",
                target_duration_s=1200,
                responsible_producer=c.producer,
                priority_tags=tags,
            ),
        )

    def approved(self, *tags: str, crew: Crew | None = None) -> Episode:
        return walk_to_approved(self.session, crew or self.crew, self.episode(*tags, crew=crew))

    def airs(
        self,
        episode: Episode,
        at: datetime,
        status: AiringStatus = AiringStatus.DRAFT,
        *,
        rerun_of: Airing | None = None,
        slot: Slot | None = None,
    ) -> Airing:
        airing = Airing(
            slot_id=(slot or self.slot).id,
            episode_id=episode.id,
            kind=SlotKind.RERUN if rerun_of else SlotKind.PREMIERE,
            premiere_id=rerun_of.id if rerun_of else None,
            starts_at=at,
            ends_at=at + timedelta(minutes=30),
            status=status,
            created_at=NOW,
            updated_at=NOW,
        )
        self.session.add(airing)
        self.session.flush()
        return airing


@pytest.fixture
def world(
    session: Session,
    crew: Crew,
    make_slot: Callable[..., Slot],
    make_column: Callable[..., Column],
    make_person: Callable[..., Person],
) -> World:
    city = make_column(level=Level.CITY)
    officer = make_person(city, Role.LIAISON)
    return World(session, crew, make_slot(), officer)


def quarter_with(world: World, *priorities: tuple[str, dict[int, int]]) -> Quarter:
    quarter = service.create_quarter(world.session, world.officer, NOW, year=2026, number=3)
    for tag, targets in priorities:
        service.add_priority(
            world.session,
            world.officer,
            quarter,
            service.PrioritySpec(
                theme=f"主题{tag}",
                tag=tag,
                window_start=WINDOW[0],
                window_end=WINDOW[1],
                targets=targets,
            ),
            NOW,
        )
    return quarter


def test_each_episode_is_counted_once_at_its_furthest_stage(world: World) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 4}))
    aired = world.approved("七一")
    world.airs(aired, shanghai(date(2026, 7, 5), 20), AiringStatus.AIRED)
    scheduled = world.approved("七一")
    world.airs(scheduled, shanghai(date(2026, 7, 9), 20), AiringStatus.PUBLISHED)
    approved = world.approved("七一")
    in_review = walk_to_review(world.session, world.crew, world.episode("七一"))
    proposed = world.episode("七一")
    withdrawn = world.episode("七一")
    workflow.withdraw(
        world.session, world.crew.director, withdrawn, withdrawn.version, NOW, reason="不做了"
    )
    world.approved()  # untagged: not counted

    [cell] = progress(world.session, quarter).of_column(column)
    assert {stage: cell.episodes[stage] for stage in Stage} == {
        Stage.AIRED: [aired.id],
        Stage.SCHEDULED: [scheduled.id],
        Stage.APPROVED: [approved.id],
        Stage.IN_PRODUCTION: [in_review.id],
        Stage.PROPOSED: [proposed.id],
    }
    assert (cell.target, cell.aired, cell.short_of_target) == (4, 1, True)


def test_reruns_are_not_counted_as_new(world: World) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 2}))
    episode = world.approved("七一")
    premiere = world.airs(episode, shanghai(date(2026, 7, 2), 20), AiringStatus.AIRED)
    world.airs(episode, shanghai(date(2026, 7, 4), 10), AiringStatus.AIRED, rerun_of=premiere)
    [cell] = progress(world.session, quarter).of_column(column)
    assert cell.episodes[Stage.AIRED] == [episode.id]


def test_the_window_is_inclusive_in_shanghai_time(world: World) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 3}))
    first_minute = world.approved("七一")
    world.airs(first_minute, shanghai(WINDOW[0], 0, 5), AiringStatus.AIRED)  # 16:05 UTC, 30 June
    last_evening = world.approved("七一")
    world.airs(last_evening, shanghai(WINDOW[1], 23, 30))  # 15:30 UTC on the last day
    day_after = world.approved("七一")
    world.airs(day_after, shanghai(WINDOW[1] + timedelta(days=1), 0, 10))
    report = progress(world.session, quarter)
    [cell] = report.of_column(column)
    assert cell.episodes[Stage.AIRED] == [first_minute.id]
    assert report.aired_days == {first_minute.id: WINDOW[0]}  # its day in Shanghai
    assert cell.episodes[Stage.SCHEDULED] == [last_evening.id]
    everywhere = [i for ids in cell.episodes.values() for i in ids]
    assert day_after.id not in everywhere  # its premiere is outside the window


def test_an_episode_on_two_priorities_counts_once_for_each(world: World) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 1}), ("党史", {column: 1}))
    both = world.approved("七一", "党史")
    world.airs(both, shanghai(date(2026, 7, 3), 20), AiringStatus.AIRED)
    report = progress(world.session, quarter)
    assert [c.aired for c in report.of_column(column)] == [1, 1]


def test_an_exchanged_episode_counts_for_the_column_that_airs_it(
    world: World, make_crew: Callable[..., Crew]
) -> None:
    other = make_crew()
    quarter = quarter_with(world, ("七一", {world.crew.column.id: 1, other.column.id: 1}))
    theirs = world.approved("七一", crew=other)
    world.airs(theirs, shanghai(date(2026, 7, 6), 20), AiringStatus.AIRED)  # in our slot
    report = progress(world.session, quarter)
    ours = report.cells[(report.priorities[0].id, world.crew.column.id)]
    their_cell = report.cells[(report.priorities[0].id, other.column.id)]
    assert (ours.episodes[Stage.AIRED], their_cell.aired) == ([theirs.id], 0)


def test_a_column_without_a_target_still_shows_what_it_did(world: World) -> None:
    quarter = quarter_with(world, ("七一", {}))
    world.episode("七一")
    [cell] = progress(world.session, quarter).of_column(world.crew.column.id)
    assert (cell.target, cell.count(Stage.PROPOSED), cell.short_of_target) == (0, 1, False)


def test_expected_by_today_grows_evenly_through_the_window(world: World) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 10}))
    [cell] = progress(world.session, quarter).of_column(column)
    priority: Priority = quarter.priorities[0]
    assert cell.expected_by(priority, date(2026, 6, 1)) == 0
    assert cell.expected_by(priority, date(2026, 7, 5)) == 5
    assert cell.expected_by(priority, date(2026, 8, 1)) == 10


def test_behind_with_a_month_left_counts_aired_and_scheduled(world: World) -> None:
    column = world.crew.column.id
    quarter = quarter_with(world, ("七一", {column: 2}))
    world.airs(world.approved("七一"), shanghai(date(2026, 7, 8), 20))
    report = progress(world.session, quarter)
    assert behind_with_a_month_left(report, date(2026, 5, 1)) == []  # more than a month left
    [(priority, cell)] = behind_with_a_month_left(report, date(2026, 6, 20))
    assert (priority.tag, cell.column_id) == ("七一", column)
    world.airs(world.approved("七一"), shanghai(date(2026, 7, 9), 20))
    assert behind_with_a_month_left(progress(world.session, quarter), date(2026, 6, 20)) == []
