"""Fixtures: a migrated database per backend, a rolled-back session per test,
and factories for columns, people and episodes.

Every test that takes ``session`` runs on SQLite and, when
``TVCOLUMN_TEST_DATABASE_URL`` points at PostgreSQL, on PostgreSQL too. Under
CI (``CI=true``) the PostgreSQL variable is required: a missing database is a
failure, never a skip.

Under pytest-xdist (``pytest -n 2``) each worker works in a database of its own,
``<database>_<worker>`` (e.g. ``tvcolumn_test_gw0``): the worker creates it when its
session starts and drops it when it ends, so no worker resets another's schema.
``PG_URL`` is that database's URL; without xdist it is the variable's, unchanged.
Tests marked ``serial`` (they restart PostgreSQL, or measure under load for long)
run in a pytest run of their own: ``make pytest`` runs ``pytest -m serial`` after
the parallel run, and a serial test started by an xdist worker fails before it runs.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.orm import Session

import migrations
from editorial import people, workflow
from editorial.db import make_engine
from editorial.models import Column, Episode, Level, Person, Role

pytest_plugins = ["pytester", "tests.ci_skips"]

BASE_PG_URL = os.environ.get("TVCOLUMN_TEST_DATABASE_URL")
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", … in an xdist worker
IN_CI = os.environ.get("CI", "").lower() == "true"


def worker_database_url(url: str | None, worker: str | None) -> str | None:
    """The URL of the xdist worker's own database beside ``url``'s (``url`` without xdist)."""
    if not url or not worker:
        return url
    base = make_url(url)
    return base.set(database=f"{base.database}_{worker}").render_as_string(hide_password=False)


PG_URL = worker_database_url(BASE_PG_URL, XDIST_WORKER)


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not PG_URL:
        raise pytest.UsageError(
            "CI=true but TVCOLUMN_TEST_DATABASE_URL is not set: "
            "the suite must run on PostgreSQL in CI (.ci/run sets it)"
        )


def _worker_database(create: bool) -> None:
    """Drop the xdist worker's database (a crashed run's too) and, if ``create``, make it
    afresh; the connection is to the configured database, which the workers leave alone."""
    assert BASE_PG_URL and PG_URL
    name = make_url(PG_URL).database
    admin = make_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def pytest_sessionstart(session: pytest.Session) -> None:
    if XDIST_WORKER and BASE_PG_URL:
        _worker_database(create=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if XDIST_WORKER and BASE_PG_URL:
        _worker_database(create=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if XDIST_WORKER and item.get_closest_marker("serial"):
        pytest.fail(
            "a serial test must not share the machine with other xdist workers: "
            'run it without -n (`pytest -m serial`; `make pytest` does, after `-m "not serial"`)',
            pytrace=False,
        )


def reset_postgres(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


def migrated_engine(backend: str, tmp_dir: Path) -> Engine:
    """A fresh database of the backend, migrated to head."""
    if backend == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
        engine = make_engine(PG_URL)
        reset_postgres(engine)
    else:
        engine = make_engine(f"sqlite:///{tmp_dir / 'test.sqlite3'}")
    migrations.upgrade(engine)
    return engine


@contextmanager
def scratch_database(backend: str, tmp_dir: Path, name: str = "scratch") -> Iterator[str]:
    """The URL of a new, empty database of the backend, dropped afterwards.

    On PostgreSQL a database of its own (the test role has CREATEDB), so
    pg_dump, roles and grants see nothing but it.
    """
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'{name}.sqlite3'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
    base = make_url(PG_URL)
    database = f"{base.database}_{name}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    try:
        yield base.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    engine = migrated_engine(request.param, tmp_path_factory.mktemp(request.param))
    yield engine
    engine.dispose()


@contextmanager
def rolled_back_session(engine: Engine) -> Iterator[Session]:
    """A session whose commits become savepoints, all rolled back at the end.

    The ``session`` fixture, and hypothesis tests once per example.
    """
    with engine.connect() as conn:
        outer = conn.begin()
        try:
            with Session(
                bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
            ) as session:
                yield session
        finally:
            outer.rollback()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with rolled_back_session(engine) as s:
        yield s


NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # Monday 2 March 2026, 09:00 in Shanghai


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def make_column(session: Session) -> Callable[..., Column]:
    counter = iter(range(1, 10_000))

    def make(slug: str | None = None, level: Level = Level.COUNTY, **kw: object) -> Column:
        n = next(counter)
        return people.create_column(
            session,
            NOW,
            slug=slug or f"col-{n}",
            name=kw.pop("name", f"栏目{n}"),  # type: ignore[arg-type]
            level=level,
            station="县电视台",
            channel="综合频道",
            **kw,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture
def make_person(session: Session) -> Callable[..., Person]:
    counter = iter(range(1, 10_000))

    def make(column: Column | None = None, *roles: Role, username: str | None = None) -> Person:
        n = next(counter)
        person = people.create_person(
            session, NOW, username=username or f"user{n}", display_name=f"人员{n}"
        )
        for role in roles:
            assert column is not None
            people.grant_role(session, person, column, role, NOW)
        return person

    return make


class Crew:
    """A column with one person per workflow role."""

    def __init__(
        self,
        column: Column,
        director: Person,
        producer: Person,
        reviewer: Person,
        final_approver: Person,
        admin: Person,
    ) -> None:
        self.column = column
        self.director = director
        self.producer = producer
        self.reviewer = reviewer
        self.final_approver = final_approver
        self.admin = admin


@pytest.fixture
def make_crew(
    make_column: Callable[..., Column], make_person: Callable[..., Person]
) -> Callable[..., Crew]:
    def make(**column_kw: object) -> Crew:
        column = make_column(**column_kw)
        return Crew(
            column,
            make_person(column, Role.EDITOR_DIRECTOR),
            make_person(column, Role.PRODUCER),
            make_person(column, Role.REVIEWER),
            make_person(column, Role.FINAL_APPROVER),
            make_person(column, Role.ADMIN),
        )

    return make


@pytest.fixture
def crew(make_crew: Callable[..., Crew]) -> Crew:
    return make_crew()


@pytest.fixture
def propose(session: Session, crew: Crew) -> Callable[..., Episode]:
    """Propose an episode in the crew's column (keyword arguments override the proposal)."""

    def make(crew_: Crew | None = None, **kw: object) -> Episode:
        c = crew_ or crew
        fields: dict[str, object] = {
            "title": "先锋工程纪实",
            "target_duration_s": 1200,
            "responsible_producer": c.producer,
        }
        fields.update(kw)
        return workflow.propose(session, c.director, c.column, NOW, workflow.Proposal(**fields))  # type: ignore[arg-type]

    return make


def attach_master(
    session: Session,
    crew: Crew,
    episode: Episode,
    now: datetime = NOW,
    *,
    qc_passed: bool | None = None,
) -> Episode:
    """Record the episode's next master (no file: ``workflow.new_media_version``), as its
    editor-director; ``qc_passed`` is the master's QC verdict (None: no QC ran)."""
    number = (episode.media_version or 0) + 1
    workflow.new_media_version(
        session, crew.director, episode, episode.version, now, number=number, qc_passed=qc_passed
    )
    return episode


def walk_to_review(session: Session, crew: Crew, episode: Episode, now: datetime = NOW) -> Episode:
    """Take a proposed episode through topic approval, production and its master to the
    first review."""
    workflow.approve_topic(session, crew.producer, episode, episode.version, now)
    workflow.start_production(session, crew.director, episode, episode.version, now)
    attach_master(session, crew, episode, now)
    workflow.submit(session, crew.director, episode, episode.version, now)
    return episode


def walk_to_approved(
    session: Session, crew: Crew, episode: Episode, now: datetime = NOW
) -> Episode:
    """Take a proposed episode through every act to approved (可播)."""
    ok = workflow.Checklist.all_confirmed()
    walk_to_review(session, crew, episode, now)
    for person, stage in (
        (crew.producer, workflow.Stage.FIRST),
        (crew.reviewer, workflow.Stage.SECOND),
        (crew.final_approver, workflow.Stage.FINAL),
    ):
        workflow.sign_off(session, person, episode, episode.version, now, stage=stage, checklist=ok)
    return episode


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], None]]:
    """Make a folder really unwritable, for every process and for root too.

    As root (which chmod does not stop) the folder is made immutable
    (``chattr +i``: nothing can be created, renamed or removed in it), or where
    the file system has no such flag, bind-mounted over itself read-only. As
    another user, mode 0555. Either way the fixture checks that a write fails
    with an OSError, and makes the folder writable again afterwards.
    """
    made: list[Path] = []

    def make(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        _lock(folder)
        made.append(folder)
        with pytest.raises(OSError):
            (folder / ".probe").write_bytes(b"")

    yield make
    for folder in made:
        make_writable(folder)


_MOUNTED: set[Path] = set()


def _lock(folder: Path) -> None:
    if os.geteuid() != 0:
        folder.chmod(0o555)
        return
    try:
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
            return
    except FileNotFoundError:  # no chattr on this system
        pass
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    _MOUNTED.add(folder)
    subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)


def make_writable(folder: Path) -> None:
    """Undo ``read_only`` (also before the test ends; undoing twice is harmless)."""
    if os.geteuid() != 0:
        folder.chmod(0o755)
    elif folder in _MOUNTED:
        _MOUNTED.discard(folder)
        subprocess.run(["umount", str(folder)], check=True)
    else:  # not checked: the folder may be writable already
        with suppress(FileNotFoundError):
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True)
