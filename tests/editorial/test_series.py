"""Planning a series (连续报道): who may create and edit one, what is refused, and that a
refusal leaves everything as it was. ``NOW`` is Monday 2 March 2026 in Shanghai."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from editorial import series, workflow
from editorial.errors import Conflict, Forbidden, InvalidInput
from editorial.models import Column, Episode, Person, Role, Series
from editorial.series import SeriesSpec
from tests.conftest import NOW, Crew

SPEC = SeriesSpec("先锋工程连续报道", 4, date(2026, 4, 1))


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Series)) or 0


def test_a_producer_creates_a_series_of_the_column_recording_who_and_when(
    session: Session, crew: Crew
) -> None:
    made = series.create_series(
        session,
        crew.producer,
        crew.column,
        NOW,
        SeriesSpec("  科技富民系列 ", 3, date(2026, 3, 20), relay=True),
    )
    assert (made.title, made.parts, made.start_by, made.relay) == (
        "科技富民系列",
        3,
        date(2026, 3, 20),
        True,
    )
    assert (made.column_id, made.created_by_id, made.created_at) == (
        crew.column.id,
        crew.producer.id,
        NOW,
    )


def test_an_admin_of_the_column_may_plan_a_series_too(session: Session, crew: Crew) -> None:
    made = series.create_series(session, crew.admin, crew.column, NOW, SPEC)
    assert made.created_by_id == crew.admin.id


@pytest.mark.parametrize("who", ["director", "reviewer", "final_approver"])
def test_no_one_else_of_the_column_plans_a_series(session: Session, crew: Crew, who: str) -> None:
    with pytest.raises(Forbidden) as refused:
        series.create_series(session, getattr(crew, who), crew.column, NOW, SPEC)
    assert refused.value.code == "not_series_planner"
    assert count(session) == 0


def test_a_producer_of_another_column_plans_none_here(
    session: Session, crew: Crew, make_crew: Callable[..., Crew]
) -> None:
    other = make_crew()
    with pytest.raises(Forbidden):
        series.create_series(session, other.producer, crew.column, NOW, SPEC)


def test_a_deactivated_producer_plans_nothing(session: Session, crew: Crew) -> None:
    crew.producer.active = False
    with pytest.raises(Forbidden):
        series.create_series(session, crew.producer, crew.column, NOW, SPEC)


@pytest.mark.parametrize(
    ("spec", "field", "code"),
    [
        (SeriesSpec("   ", 4, date(2026, 4, 1)), "title", "series_title_required"),
        (SeriesSpec("长" * 201, 4, date(2026, 4, 1)), "title", "series_title_too_long"),
        (SeriesSpec("系列", 1, date(2026, 4, 1)), "parts", "series_parts_too_few"),
        (SeriesSpec("系列", 101, date(2026, 4, 1)), "parts", "series_parts_too_many"),
        (SeriesSpec("系列", 4, date(2026, 3, 1)), "start_by", "series_start_by_past"),
    ],
)
def test_bad_input_is_refused_by_field_and_nothing_is_created(
    session: Session, crew: Crew, spec: SeriesSpec, field: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        series.create_series(session, crew.producer, crew.column, NOW, spec)
    assert refused.value.code_of(field) == code
    assert count(session) == 0


def test_a_series_may_start_today(session: Session, crew: Crew) -> None:
    made = series.create_series(
        session, crew.producer, crew.column, NOW, SeriesSpec("今日开播", 2, date(2026, 3, 2))
    )
    assert made.start_by == date(2026, 3, 2)


# --- editing -------------------------------------------------------------------------------------


@pytest.fixture
def planned(session: Session, crew: Crew) -> Series:
    return series.create_series(session, crew.producer, crew.column, NOW, SPEC)


def test_editing_changes_the_fields_and_records_who_and_when(
    session: Session, crew: Crew, planned: Series
) -> None:
    later = NOW + timedelta(hours=2)
    seen = planned.version
    series.edit_series(
        session, crew.admin, planned, seen, later, SeriesSpec("新标题", 6, date(2026, 5, 1), True)
    )
    assert (planned.title, planned.parts, planned.start_by, planned.relay) == (
        "新标题",
        6,
        date(2026, 5, 1),
        True,
    )
    assert (planned.updated_by_id, planned.updated_at) == (crew.admin.id, later)
    assert planned.version == seen + 1


def test_a_past_start_by_left_as_it_was_does_not_block_an_edit(
    session: Session, crew: Crew, planned: Series
) -> None:
    later = NOW + timedelta(days=60)  # the start-by date, 1 April, is past by then
    series.edit_series(
        session,
        crew.producer,
        planned,
        planned.version,
        later,
        SeriesSpec("改名", 4, planned.start_by),
    )
    assert planned.title == "改名"


def propose_part(session: Session, crew: Crew, of: Series, part: int) -> Episode:
    return workflow.propose(
        session,
        crew.director,
        crew.column,
        NOW,
        workflow.Proposal("一集", 900, crew.producer, series=of, part_number=part),
    )


def test_the_parts_never_go_below_the_highest_part_proposed(
    session: Session, crew: Crew, planned: Series
) -> None:
    propose_part(session, crew, planned, 3)
    with pytest.raises(InvalidInput) as refused:
        series.edit_series(
            session,
            crew.producer,
            planned,
            planned.version,
            NOW,
            SeriesSpec(SPEC.title, 2, SPEC.start_by),
        )
    assert refused.value.code_of("parts") == "series_parts_below_proposed"
    assert refused.value.params["highest"] == 3
    session.refresh(planned)
    assert planned.parts == 4
    series.edit_series(
        session,
        crew.producer,
        planned,
        planned.version,
        NOW,
        SeriesSpec(SPEC.title, 3, SPEC.start_by),
    )
    assert planned.parts == 3


def test_an_edit_of_a_version_seen_before_is_a_conflict(
    session: Session, crew: Crew, planned: Series
) -> None:
    seen = planned.version
    series.edit_series(
        session, crew.producer, planned, seen, NOW, SeriesSpec("一", 4, SPEC.start_by)
    )
    with pytest.raises(Conflict) as refused:
        series.edit_series(
            session, crew.admin, planned, seen, NOW, SeriesSpec("二", 4, SPEC.start_by)
        )
    assert refused.value.code == "series_changed"
    assert planned.title == "一"


def test_an_edit_changing_nothing_is_refused(session: Session, crew: Crew, planned: Series) -> None:
    with pytest.raises(InvalidInput) as refused:
        series.edit_series(session, crew.producer, planned, planned.version, NOW, SPEC)
    assert refused.value.code == "nothing_to_change"


def test_only_the_columns_producers_and_admins_edit(
    session: Session, crew: Crew, planned: Series, make_person: Callable[..., Person]
) -> None:
    with pytest.raises(Forbidden):
        series.edit_series(
            session,
            crew.director,
            planned,
            planned.version,
            NOW,
            SeriesSpec("改", 4, SPEC.start_by),
        )
    assert planned.title == SPEC.title


def test_the_database_refuses_an_empty_title(session: Session, crew: Crew) -> None:
    session.add(
        Series(column=crew.column, title="", parts=2, start_by=date(2026, 4, 1), created_at=NOW)
    )
    with pytest.raises(IntegrityError):
        session.flush()


def test_the_series_of_columns_come_soonest_start_first(
    session: Session, crew: Crew, make_column: Callable[..., Column]
) -> None:
    late = series.create_series(
        session, crew.producer, crew.column, NOW, SeriesSpec("晚", 2, date(2026, 6, 1))
    )
    soon = series.create_series(
        session, crew.producer, crew.column, NOW, SeriesSpec("早", 2, date(2026, 3, 9))
    )
    assert series.column_series(session, [crew.column.id]) == [soon, late]
    assert series.column_series(session, [make_column().id]) == []
    assert Role.PRODUCER in series.PLANNING_ROLES
