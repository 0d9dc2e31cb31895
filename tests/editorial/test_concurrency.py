"""Two people acting on one episode at the same moment: one wins, the other is told.

These tests commit for real, so they run in a schema of their own on
PostgreSQL (dropped afterwards) rather than in the rolled-back test session.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

import migrations
from editorial import accounts, history, people, workflow
from editorial.db import make_engine
from editorial.errors import Conflict
from editorial.models import Episode, HistoryEntry, Level, Role, SignInThrottle, State
from tests.conftest import NOW, PG_URL


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
    schema = f"race_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    migrations.upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def _setup(factory: sessionmaker[Session]) -> tuple[int, dict[str, int]]:
    with factory.begin() as s:
        column = people.create_column(
            s, NOW, slug="race", name="竞争", level=Level.COUNTY, station="台", channel="频道"
        )
        ids = {}
        for name, role in (
            ("ed", Role.EDITOR_DIRECTOR),
            ("pr", Role.PRODUCER),
            ("pr2", Role.PRODUCER),
            ("rv", Role.REVIEWER),
        ):
            person = people.create_person(s, NOW, username=name, display_name=name)
            people.grant_role(s, person, column, role, NOW)
            ids[name] = person.id
        episode = workflow.propose(
            s,
            s.get_one(people.Person, ids["ed"]),
            column,
            NOW,
            workflow.Proposal("并发测试", 600, s.get_one(people.Person, ids["pr"])),
        )
        return episode.id, ids


def _history_count(factory: sessionmaker[Session], episode_id: int) -> int:
    with factory() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .where(HistoryEntry.episode_id == episode_id)
            )
            or 0
        )


def test_two_sessions_racing_on_postgres_exactly_one_wins(pg_engine: Engine) -> None:
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    episode_id, ids = _setup(factory)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name: str, fn: Callable[[Session, Episode], object]) -> None:
        with factory() as s:
            episode = s.get_one(Episode, episode_id)
            barrier.wait()
            try:
                fn(s, episode)
                s.commit()
                outcomes[name] = "won"
            except Conflict as error:
                s.rollback()
                outcomes[name] = f"told: {error.message}"

    def approve(s: Session, e: Episode) -> object:
        return workflow.approve_topic(s, s.get_one(people.Person, ids["pr"]), e, 1, NOW)

    def hand_over(s: Session, e: Episode) -> object:
        return workflow.hand_over(
            s,
            s.get_one(people.Person, ids["pr"]),
            e,
            1,
            NOW,
            to=s.get_one(people.Person, ids["pr2"]),
        )

    threads = [
        threading.Thread(target=act, args=("approve", approve)),
        threading.Thread(target=act, args=("hand_over", hand_over)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)

    assert sorted(v.split(":")[0] for v in outcomes.values()) == ["told", "won"], outcomes
    loser = next(v for v in outcomes.values() if v.startswith("told"))
    assert "changed by someone else" in loser
    assert _history_count(factory, episode_id) == 2  # propose + the one winning act
    with factory() as s:
        episode = s.get_one(Episode, episode_id)
        assert episode.version == 2
        assert list(history.verify(s)) == []


def test_a_stale_in_memory_episode_is_refused_at_the_database(pg_engine: Engine) -> None:
    """The version check holds even when the loser's own copy looks current."""
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    episode_id, ids = _setup(factory)
    with factory() as slow, factory() as fast:
        slow_episode = slow.get_one(Episode, episode_id)
        fast_episode = fast.get_one(Episode, episode_id)
        workflow.approve_topic(fast, fast.get_one(people.Person, ids["pr"]), fast_episode, 1, NOW)
        fast.commit()
        with pytest.raises(Conflict, match="changed by someone else"):
            workflow.reject_topic(
                slow, slow.get_one(people.Person, ids["pr"]), slow_episode, 1, NOW, reason="重复"
            )
        slow.rollback()
    with factory() as s:
        assert s.get_one(Episode, episode_id).state is State.TOPIC_APPROVED
    assert _history_count(factory, episode_id) == 2


def test_sign_in_failures_racing_in_several_processes_are_all_counted(pg_engine: Engine) -> None:
    """Web workers counting failures under one key at once (the first one inserting it) lose
    none: the throttle cannot be outrun by sending guesses in parallel."""
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    racers = 6
    barrier = threading.Barrier(racers)
    errors: list[BaseException] = []

    def guess(n: int) -> None:
        with factory() as s:
            barrier.wait()
            try:
                accounts.sign_in(s, "nobody", "guess", f"192.0.2.{n}", NOW)
            except accounts.SignInRefused:
                s.commit()
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(racers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    with factory() as s:
        counted = s.get_one(SignInThrottle, "account:nobody")
        assert counted.failures == racers


def test_a_comment_and_an_act_at_once_both_land_in_one_chain(pg_engine: Engine) -> None:
    """The anchor row is the lock: the second append waits and takes the next seq."""
    factory = sessionmaker(bind=pg_engine, expire_on_commit=False)
    episode_id, ids = _setup(factory)
    with factory() as first:
        episode = first.get_one(Episode, episode_id)
        workflow.add_comment(first, first.get_one(people.Person, ids["rv"]), episode, NOW, "先评")
        errors: list[BaseException] = []

        def approve() -> None:
            try:
                with factory.begin() as s:
                    e = s.get_one(Episode, episode_id)
                    workflow.approve_topic(s, s.get_one(people.Person, ids["pr"]), e, 1, NOW)
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)

        second = threading.Thread(target=approve)
        second.start()
        second.join(timeout=1)
        assert second.is_alive(), "the act should wait for the comment's anchor lock"
        first.commit()
    second.join(timeout=30)
    assert errors == []
    with factory() as s:
        acts = s.scalars(
            select(HistoryEntry.act)
            .where(HistoryEntry.episode_id == episode_id)
            .order_by(HistoryEntry.seq)
        ).all()
        assert acts == ["propose", history.COMMENT, "approve_topic"]
        assert list(history.verify(s)) == []
