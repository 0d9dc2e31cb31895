"""Walk episodes through the whole editorial workflow on a fresh SQLite file.

Every act is its own unit of work, as a web request or CLI command does it
(``web.db.unit_of_work``): open a session, load the actor and the episode,
act with the version the actor saw, commit, close. Eight acts take an episode
from proposed to approved: propose, approve_topic, start_production, new_media (the
master, recorded without a file), submit, first_review, second_review, final_review.
``now`` advances by a fixed step per act, so the run is deterministic.

Then ``history.verify`` walks the resulting history (eight entries an
episode), and the database file is measured.

``TVCOLUMN_BENCH_EPISODES`` sets how many episodes are walked (default 10000).
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session, sessionmaker

import migrations
from editorial import history, people, workflow
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Column, Episode, HistoryEntry, Level, Person, Role, Stage, State

EPISODES_ENV = "TVCOLUMN_BENCH_EPISODES"
DEFAULT_EPISODES = 10_000
START = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Shanghai
STEP = timedelta(seconds=30)
ACTS = (
    "propose",
    "approve_topic",
    "start_production",
    "new_media",
    "submit",
    "first_review",
    "second_review",
    "final_review",
)
OK = workflow.Checklist.all_confirmed()
MIB = 1024 * 1024
T = TypeVar("T")

Figure = tuple[str, float, str]


def episodes_from_env() -> int:
    raw = os.environ.get(EPISODES_ENV, str(DEFAULT_EPISODES))
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"{EPISODES_ENV}={raw!r} is not a whole number") from None
    if n < 1:
        raise SystemExit(f"{EPISODES_ENV} must be at least 1, not {n}")
    return n


class Clock:
    """A deterministic ``now`` that advances a fixed step per act."""

    def __init__(self, start: datetime, step: timedelta) -> None:
        self._next, self._step = start, step

    def tick(self) -> datetime:
        now, self._next = self._next, self._next + self._step
        return now


class StatementCounter:
    """Counts the SQL statements sent to the database, by the act running."""

    def __init__(self, engine: Engine) -> None:
        self.current = "setup"
        self.counts: Counter[str] = Counter()
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_args: Any) -> None:
        self.counts[self.current] += 1


@dataclass(frozen=True)
class Crew:
    column_id: int
    director_id: int
    producer_id: int
    reviewer_id: int
    final_approver_id: int


def make_crew(factory: sessionmaker[Session], now: datetime) -> Crew:
    with factory() as session, session.begin():
        column = people.create_column(
            session,
            now,
            slug="bench-column",
            name="时代风采",
            level=Level.CITY,
            station="市电视台",
            channel="综合频道",
        )
        ids = []
        for username, role in (
            ("director", Role.EDITOR_DIRECTOR),
            ("producer", Role.PRODUCER),
            ("reviewer", Role.REVIEWER),
            ("final-approver", Role.FINAL_APPROVER),
        ):
            person = people.create_person(session, now, username=username, display_name=username)
            people.grant_role(session, person, column, role, now)
            ids.append(person.id)
        return Crew(column.id, *ids)


ActFn = Callable[[Session, Person, Episode, int, datetime], object]


class Walker:
    """Takes one episode after another from proposed to approved, one commit per act."""

    def __init__(
        self, factory: sessionmaker[Session], crew: Crew, clock: Clock, counter: StatementCounter
    ) -> None:
        self.factory, self.crew, self.clock, self.counter = factory, crew, clock, counter

    @contextmanager
    def unit_of_work(self, act: str) -> Iterator[Session]:
        """One act's session and transaction: commits on success, as a request does."""
        self.counter.current = act
        with self.factory() as session, session.begin():
            yield session
        self.counter.current = "between"

    def walk(self, n: int) -> None:
        crew = self.crew
        started = time.perf_counter()
        for i in range(1, n + 1):
            episode_id, version = self.propose(i)
            version = self.move("approve_topic", crew.producer_id, episode_id, version, _approve)
            version = self.move("start_production", crew.director_id, episode_id, version, _start)
            version = self.move("new_media", crew.director_id, episode_id, version, _master)
            version = self.move("submit", crew.director_id, episode_id, version, _submit)
            version = self.move("first_review", crew.producer_id, episode_id, version, _first)
            version = self.move("second_review", crew.reviewer_id, episode_id, version, _second)
            self.move("final_review", crew.final_approver_id, episode_id, version, _final)
            if i % 1000 == 0:
                elapsed = time.perf_counter() - started
                print(
                    f"bench.workflow: {i}/{n} episodes, {elapsed:.1f} s",
                    file=sys.stderr,
                    flush=True,
                )

    def propose(self, i: int) -> tuple[int, int]:
        crew = self.crew
        with self.unit_of_work("propose") as session:
            director = _get(session, Person, crew.director_id)
            producer = _get(session, Person, crew.producer_id)
            column = _get(session, Column, crew.column_id)
            proposal = workflow.Proposal(
                title=f"先锋工程纪实 第{i}集",
                target_duration_s=1200,
                responsible_producer=producer,
                topic="基层党建",
                genre="纪实",
            )
            episode = workflow.propose(session, director, column, self.clock.tick(), proposal)
            return episode.id, episode.version

    def move(self, act: str, actor_id: int, episode_id: int, version: int, do: ActFn) -> int:
        """Load the actor and episode, act with the version the actor saw; the new version."""
        with self.unit_of_work(act) as session:
            actor = _get(session, Person, actor_id)
            episode = people.get_episode(session, episode_id)
            do(session, actor, episode, version, self.clock.tick())
            return episode.version


def _approve(s: Session, actor: Person, ep: Episode, version: int, now: datetime) -> object:
    return workflow.approve_topic(s, actor, ep, version, now)


def _start(s: Session, actor: Person, ep: Episode, version: int, now: datetime) -> object:
    return workflow.start_production(s, actor, ep, version, now)


def _master(s: Session, actor: Person, ep: Episode, version: int, now: datetime) -> object:
    return workflow.new_media_version(s, actor, ep, version, now, number=1, qc_passed=True)


def _submit(s: Session, actor: Person, ep: Episode, version: int, now: datetime) -> object:
    return workflow.submit(s, actor, ep, version, now)


def _first(s: Session, actor: Person, ep: Episode, version: int, now: datetime) -> object:
    return workflow.sign_off(s, actor, ep, version, now, stage=Stage.FIRST, checklist=OK)


def _second(s: Session, actor: Person, ep: Episode, version: int, now: datetime) -> object:
    return workflow.sign_off(s, actor, ep, version, now, stage=Stage.SECOND, checklist=OK)


def _final(s: Session, actor: Person, ep: Episode, version: int, now: datetime) -> object:
    return workflow.sign_off(s, actor, ep, version, now, stage=Stage.FINAL, checklist=OK)


def _get(session: Session, cls: type[T], ident: int) -> T:
    obj = session.get(cls, ident)
    if obj is None:
        raise LookupError(f"no {cls.__name__} {ident}")
    return obj


def peak_rss_mib() -> float:
    """This process's peak resident set size (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MIB if sys.platform == "darwin" else peak / 1024


def file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def run() -> list[Figure]:
    n = episodes_from_env()
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        engine = make_engine(f"sqlite:///{db_path}")
        try:
            migrations.upgrade(engine)
            factory = make_sessionmaker(engine)
            clock = Clock(START, STEP)
            crew = make_crew(factory, clock.tick())
            counter = StatementCounter(engine)

            print(f"bench.workflow: walking {n} episodes", file=sys.stderr, flush=True)
            started = time.perf_counter()
            Walker(factory, crew, clock, counter).walk(n)
            walk_seconds = time.perf_counter() - started
            acts = n * len(ACTS)

            counter.current = "check"
            with factory() as session:
                approved = session.scalar(
                    select(func.count()).select_from(Episode).where(Episode.state == State.APPROVED)
                )
                entries = session.scalar(select(func.count()).select_from(HistoryEntry))
            if approved != n or entries != acts:
                raise RuntimeError(
                    f"expected {n} approved episodes and {acts} history entries, "
                    f"found {approved} and {entries}"
                )

            print(f"bench.workflow: verifying {entries} history entries", file=sys.stderr)
            counter.current = "verify"
            with factory() as session:
                started = time.perf_counter()
                broken = list(history.verify(session))
                verify_seconds = time.perf_counter() - started
            if broken:
                raise RuntimeError(f"history does not verify: {broken[0]}")
        finally:
            engine.dispose()  # the last connection to close checkpoints the WAL
        db_bytes = file_size(db_path)

    figures: list[Figure] = [
        ("workflow_episodes", n, "episodes"),
        ("workflow_acts", acts, "acts"),
        ("workflow_walk_seconds", round(walk_seconds, 2), "s"),
        ("workflow_acts_per_second", round(acts / walk_seconds, 1), "acts/s"),
        ("workflow_peak_rss_mib", round(peak_rss_mib(), 1), "MiB"),
        ("audit_verify_entries", entries, "entries"),
        ("audit_verify_seconds", round(verify_seconds, 3), "s"),
        ("workflow_db_size_mib", round(db_bytes / MIB, 2), "MiB"),
        ("workflow_db_bytes_per_episode", round(db_bytes / n), "B"),
    ]
    for act in ACTS:
        figures.append(
            (f"workflow_sql_statements_{act}", round(counter.counts[act] / n, 2), "stmts")
        )
    return figures
