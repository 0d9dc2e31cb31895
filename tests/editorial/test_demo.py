"""The demo data: every state, real histories, the review rules kept, loaded once."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import demo, history
from editorial.db import Base
from editorial.models import (
    Column,
    Comment,
    Episode,
    HistoryEntry,
    Level,
    Membership,
    Notification,
    Person,
    Role,
    Series,
    SignOff,
    Stage,
    State,
)
from editorial.workdays import local_date


@pytest.fixture
def loaded(session: Session, now: datetime) -> demo.LoadResult:
    result = demo.load(session, now)
    assert result is not None
    return result


def count(session: Session, model: type[Base]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def table_counts(session: Session) -> dict[str, int]:
    models: list[type[Base]] = [
        Column,
        Person,
        Membership,
        Series,
        Episode,
        HistoryEntry,
        SignOff,
        Comment,
    ]
    return {m.__tablename__: count(session, m) for m in models}


def test_load_creates_the_columns_people_and_episodes(
    session: Session, loaded: demo.LoadResult
) -> None:
    columns = session.scalars(select(Column)).all()
    assert len(columns) == loaded.columns == 7
    assert [c.slug for c in columns if c.level is Level.CITY] == ["shidai-fengcai"]
    without_slot = [c for c in columns if not c.has_fixed_slot]
    assert len(without_slot) == 1 and without_slot[0].level is Level.COUNTY
    assert 18 <= count(session, Person) == loaded.people <= 24
    assert 70 <= count(session, Episode) == loaded.episodes <= 90
    assert count(session, Series) == loaded.series == 2
    assert loaded.summary() == (
        f"7 columns, {loaded.people} people, {loaded.episodes} episodes, 2 series"
    )


def test_the_demo_people_have_example_addresses_and_its_past_is_not_mailed(
    session: Session, loaded: demo.LoadResult
) -> None:
    people = session.scalars(select(Person)).all()
    assert all(p.email == f"{p.username}@example.org" for p in people)
    assert count(session, Notification) > 0
    assert session.scalar(select(Notification.id).where(Notification.routed_at.is_(None))) is None


def test_every_state_is_present(session: Session, loaded: demo.LoadResult) -> None:
    assert set(session.scalars(select(Episode.state).distinct())) == set(State)


def test_two_series_in_the_city_column_with_every_part(
    session: Session, loaded: demo.LoadResult
) -> None:
    for series in session.scalars(select(Series)):
        assert 3 <= series.parts <= 5
        assert series.column.slug == demo.CITY_SLUG
        parts = session.scalars(
            select(Episode.part_number).where(Episode.series_id == series.id)
        ).all()
        assert sorted(p for p in parts if p is not None) == list(range(1, series.parts + 1))


def test_loading_twice_adds_nothing(
    session: Session, loaded: demo.LoadResult, now: datetime
) -> None:
    before = table_counts(session)
    assert demo.load(session, now) is None
    assert table_counts(session) == before


def test_histories_verify_and_start_with_a_proposal(
    session: Session, loaded: demo.LoadResult
) -> None:
    assert list(history.verify(session)) == []
    firsts = session.execute(
        select(HistoryEntry.episode_id, HistoryEntry.act).where(HistoryEntry.seq == 1)
    ).all()
    assert len(firsts) == loaded.episodes
    assert {act for _, act in firsts} == {"propose"}


def test_histories_are_in_time_order_before_now(
    session: Session, loaded: demo.LoadResult, now: datetime
) -> None:
    moments: dict[int, list[datetime]] = defaultdict(list)
    for entry in session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq)):
        moments[entry.episode_id].append(entry.at)
    for episode in session.scalars(select(Episode)):
        at = moments[episode.id]
        assert at == sorted(set(at)), f"episode {episode.id} acts out of order"
        assert episode.column.created_at <= at[0] and at[-1] <= now
        if episode.air_by is not None:
            assert episode.air_by >= local_date(at[0])
    assert all(c.at <= now for c in session.scalars(select(Comment)))
    assert len({day for at in moments.values() for day in map(local_date, at)}) >= 15


def test_approved_episodes_have_three_sign_offs_by_three_people_none_the_director(
    session: Session, loaded: demo.LoadResult
) -> None:
    approved = session.scalars(select(Episode).where(Episode.state == State.APPROVED)).all()
    assert approved
    for episode in approved:
        signs = session.scalars(
            select(SignOff).where(
                SignOff.episode_id == episode.id, SignOff.review_round == episode.review_round
            )
        ).all()
        assert sorted(s.stage for s in signs) == sorted(Stage)
        signers = {s.person_id for s in signs}
        assert len(signers) == 3 and episode.director_id not in signers


def test_histories_include_hand_overs_returns_resubmissions_and_comments(
    session: Session, loaded: demo.LoadResult
) -> None:
    acts: dict[int, list[str]] = defaultdict(list)
    for entry in session.scalars(select(HistoryEntry).order_by(HistoryEntry.seq)):
        acts[entry.episode_id].append(entry.act)
    hand_overs = [e for e, a in acts.items() if "hand_over" in a]
    resubmitted = [
        e for e, a in acts.items() if "return_for_changes" in a and a.count("submit") == 2
    ]
    assert len(hand_overs) >= 2 and len(resubmitted) >= 3
    assert count(session, Comment) >= 5
    assert session.scalar(select(func.max(Episode.review_round))) == 2


def test_review_staff_of_the_city_hold_roles_in_every_column(
    session: Session, loaded: demo.LoadResult
) -> None:
    columns = session.scalars(select(Column)).all()
    for role in (Role.REVIEWER, Role.FINAL_APPROVER):
        holders = demo.holders(demo.CITY_SLUG, role)
        assert holders
        for username in holders:
            held = session.scalars(
                select(Membership.column_id)
                .join(Person, Person.id == Membership.person_id)
                .where(Person.username == username, Membership.role == role)
            ).all()
            assert sorted(held) == sorted(c.id for c in columns)


def test_each_county_has_its_own_editor_directors_and_producers(
    session: Session, loaded: demo.LoadResult
) -> None:
    city = set(demo.holders(demo.CITY_SLUG, Role.EDITOR_DIRECTOR)) | set(
        demo.holders(demo.CITY_SLUG, Role.PRODUCER)
    )
    for column in session.scalars(select(Column).where(Column.level == Level.COUNTY)):
        for role in (Role.EDITOR_DIRECTOR, Role.PRODUCER):
            own = set(
                session.scalars(
                    select(Person.username)
                    .join(Membership, Membership.person_id == Person.id)
                    .where(Membership.column_id == column.id, Membership.role == role)
                )
            )
            assert own and not own & city, (column.slug, role)


def test_sign_in_lines_describe_people_the_demo_creates(
    session: Session, loaded: demo.LoadResult
) -> None:
    lines = demo.sign_in_lines()
    people = {p.username: p for p in session.scalars(select(Person))}
    described = [ln for ln in lines if ln.split() and ln.split()[0] in people]
    assert len(described) >= 5
    for line in described:
        username = line.split()[0]
        person = people[username]
        assert person.display_name in line
        for membership in person.memberships:
            assert membership.role.value in line
    assert any("password" in ln.lower() for ln in lines)


def test_the_same_now_loads_the_same_demo(session: Session, now: datetime) -> None:
    def snapshot() -> list[tuple[object, ...]]:
        rows = session.execute(
            select(
                Episode.title,
                Episode.state,
                Episode.air_by,
                HistoryEntry.seq,
                HistoryEntry.act,
                HistoryEntry.at,
                Person.username,
            )
            .join(HistoryEntry, HistoryEntry.episode_id == Episode.id)
            .join(Person, Person.id == HistoryEntry.actor_id)
            .order_by(Episode.title, HistoryEntry.seq)
        )
        return [tuple(row) for row in rows]

    nested = session.begin_nested()
    demo.load(session, now)
    first = snapshot()
    nested.rollback()
    session.expunge_all()
    assert count(session, Column) == 0
    demo.load(session, now)
    assert snapshot() == first


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 6, 30, 15, 30, tzinfo=UTC),  # 23:30 in Shanghai, the eve of 七一
        datetime(2026, 2, 20, 4, 0, tzinfo=UTC),  # inside the Spring Festival holiday
        datetime(2033, 10, 9, 2, 0, tzinfo=UTC),  # a Sunday past the holiday data
    ],
)
def test_load_works_at_any_moment(session: Session, moment: datetime) -> None:
    result = demo.load(session, moment)
    assert result is not None
    assert list(history.verify(session)) == []
    assert set(session.scalars(select(Episode.state).distinct())) == set(State)
    latest = session.scalar(select(func.max(HistoryEntry.at)))
    assert latest is not None and latest <= moment


def test_load_refuses_a_naive_now(session: Session) -> None:
    with pytest.raises(ValueError, match="aware"):
        demo.load(session, datetime(2026, 3, 2, 9, 0))
    assert count(session, Column) == 0
