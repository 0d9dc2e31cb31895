"""A drill-down's list as a viewer may see it: titles of their own columns, of every
column for the liaison office, of another column only what is on air; the rest counted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from editorial import workflow
from editorial.models import Column, Episode, Level, Person, Role
from editorial.sight import title_sight
from liaison.drill import drill_list
from schedule.models import Airing, AiringStatus, Slot, SlotKind
from tests.conftest import NOW, Crew
from tests.schedule.conftest import make_slot, scheduler_person

__all__ = ["make_slot", "scheduler_person"]


def episode(session: Session, crew: Crew, title: str) -> Episode:
    proposal = workflow.Proposal(title, 1200, crew.producer)
    return workflow.propose(session, crew.director, crew.column, NOW, proposal)


def premiere(session: Session, slot: Slot, e: Episode, status: AiringStatus) -> None:
    at = datetime(2026, 7, 3, 12, 0, tzinfo=UTC)
    session.add(
        Airing(
            slot_id=slot.id, episode_id=e.id, kind=SlotKind.PREMIERE, starts_at=at,
            ends_at=at + timedelta(minutes=30), status=status, created_at=NOW, updated_at=NOW,
        )
    )  # fmt: skip
    session.flush()


@pytest.mark.parametrize(
    ("status", "named"),
    [
        (None, False),
        (AiringStatus.DRAFT, False),
        (AiringStatus.CANCELLED, False),
        (AiringStatus.PUBLISHED, True),
        (AiringStatus.AIRED, True),
    ],
)
def test_another_columns_episode_is_named_only_when_on_air(
    session: Session,
    crew: Crew,
    make_crew: Callable[..., Crew],
    make_slot: Callable[..., Slot],
    status: AiringStatus | None,
    named: bool,
) -> None:
    other = make_crew()
    e = episode(session, crew, "乙县的节目")
    if status is not None:
        premiere(session, make_slot(), e, status)
    drill = drill_list(session, title_sight(session, other.producer), [e.id])
    assert [x.title for x in drill.shown] == (["乙县的节目"] if named else [])
    assert (drill.withheld, drill.total) == (0 if named else 1, 1)


def test_own_columns_and_the_liaison_office_see_every_title(
    session: Session,
    crew: Crew,
    make_column: Callable[..., Column],
    make_person: Callable[..., Person],
) -> None:
    e = episode(session, crew, "草拟中的选题")
    city = make_column(level=Level.CITY)
    county = make_column(level=Level.COUNTY)
    for viewer in (
        crew.producer,
        crew.reviewer,
        make_person(city, Role.LIAISON),
        make_person(city, Role.FINAL_APPROVER),
    ):
        drill = drill_list(session, title_sight(session, viewer), [e.id])
        assert [x.title for x in drill.shown] == ["草拟中的选题"], viewer.username
    for viewer in (make_person(county, Role.LIAISON), make_person(county, Role.FINAL_APPROVER)):
        drill = drill_list(session, title_sight(session, viewer), [e.id])
        assert (drill.shown, drill.withheld) == ([], 1), viewer.username


def test_an_exchange_premiering_on_the_viewers_own_schedule_is_named(
    session: Session,
    crew: Crew,
    make_crew: Callable[..., Crew],
    make_person: Callable[..., Person],
    make_slot: Callable[..., Slot],
) -> None:
    """A draft airing in the viewer's column of another column's offered episode: the
    viewer's schedule pages show it, so the drill-down does too."""
    other = make_crew()
    e = episode(session, other, "交流来的节目")
    premiere(session, make_slot(), e, AiringStatus.DRAFT)  # a slot of ``crew``'s column
    drill = drill_list(session, title_sight(session, crew.producer), [e.id])
    assert [x.title for x in drill.shown] == ["交流来的节目"]
    outsider = make_person(make_crew().column, Role.PRODUCER)
    assert drill_list(session, title_sight(session, outsider), [e.id]).withheld == 1
