"""`tvcolumn db grant ROLE`: the application's PostgreSQL role serves and acts, but can
neither alter tables (so never disable the append-only triggers) nor rewrite history."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import DBAPIError, ProgrammingError

import migrations
from cli import cli
from editorial.db import make_engine
from media import queue
from tests.conftest import IN_CI, scratch_database
from tests.web.conftest import sign_in
from web import create_app
from web.db import session_factory

pytestmark = pytest.mark.postgres
Run = Callable[..., Result]


def make_app(url: str, tmp_path: Path) -> Flask:
    return create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path),
            "FEEDS_DIR": str(tmp_path / "feeds"),
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
        }
    )


def runner_for(app: Flask) -> Run:
    def invoke(*args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(
            cli, list(args), input=input, obj=ScriptInfo(create_app=lambda: app)
        )

    return invoke


def create_login_role(owner: Engine, name: str) -> None:
    try:
        with owner.begin() as conn:
            conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD 'app-secret'"))
    except ProgrammingError as error:
        if IN_CI:
            raise
        pytest.skip(f"the test role may not create roles (needs CREATEROLE): {error.orig}")


@pytest.fixture
def owner_url(tmp_path: Path) -> Iterator[str]:
    with scratch_database("postgresql", tmp_path, "grant") as url:
        engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        yield url


@pytest.fixture
def app_role(owner_url: str) -> Iterator[str]:
    """A login role for the application, dropped after the scratch database."""
    name = f"tvcolumn_app_{uuid.uuid4().hex[:8]}"
    owner = make_engine(owner_url)
    create_login_role(owner, name)
    yield name
    owner.dispose()
    admin = make_engine(
        make_url(owner_url).set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as conn:
        database = make_url(owner_url).database
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        conn.execute(text(f"DROP ROLE IF EXISTS {name}"))
    admin.dispose()


@pytest.fixture
def app(owner_url: str, app_role: str, tmp_path: Path) -> Iterator[Flask]:
    """The application connected as the granted role (what gunicorn and the service use)."""
    owner_app = make_app(owner_url, tmp_path)
    granted = runner_for(owner_app)("db", "grant", app_role)
    assert granted.exit_code == 0, granted.output
    app_engine(owner_app).dispose()
    url = make_url(owner_url).set(username=app_role, password="app-secret")
    app = make_app(url.render_as_string(hide_password=False), tmp_path)
    yield app
    app_engine(app).dispose()


@pytest.fixture
def run(app: Flask) -> Run:
    return runner_for(app)


def test_the_application_role_acts_and_serves(app: Flask, run: Run, reviewed: int) -> None:
    assert run("users", "password", "pr", input="correct-horse\ncorrect-horse\n").exit_code == 0
    client = app.test_client()
    sign_in(client, "pr")
    page = client.get(f"/episodes/{reviewed}")
    assert page.status_code == 200
    assert "科技富民" in page.get_data(as_text=True)
    jobs = run("scheduler", "jobs")  # the service's job store, as the service sees it
    assert jobs.exit_code == 0, jobs.output
    assert run("audit", "verify").exit_code == 0


def app_engine(app: Flask) -> Engine:
    engine = session_factory(app).kw["bind"]
    assert isinstance(engine, Engine)
    return engine


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE episode_history DISABLE TRIGGER USER",
        "ALTER TABLE sign_offs DISABLE TRIGGER USER",
        "DROP TRIGGER history_anchors_forward ON history_anchors",
        "ALTER TABLE episodes ADD COLUMN forged text",
    ],
)
def test_the_application_role_cannot_alter_tables(
    app: Flask,
    reviewed: int,
    statement: str,
) -> None:
    with pytest.raises(DBAPIError, match="must be owner"), app_engine(app).begin() as conn:
        conn.execute(text(statement))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE episode_history SET reason = 'forged'",
        "DELETE FROM comments",
        "UPDATE sign_offs SET note = 'forged'",
        "UPDATE alembic_version SET version_num = 'forged'",
    ],
)
def test_the_application_role_may_not_rewrite_history(
    app: Flask,
    reviewed: int,
    statement: str,
) -> None:
    with pytest.raises(DBAPIError, match="permission denied"), app_engine(app).begin() as conn:
        conn.execute(text(statement))


def test_tables_a_later_migration_creates_are_granted_by_default(
    app: Flask, owner_url: str
) -> None:
    owner = make_engine(owner_url)
    with owner.begin() as conn:
        conn.execute(text("CREATE TABLE later (id serial PRIMARY KEY, note text)"))
    owner.dispose()
    with app_engine(app).begin() as conn:
        conn.execute(text("INSERT INTO later (note) VALUES ('ok')"))
        assert conn.scalar(text("SELECT note FROM later")) == "ok"


def test_grant_refuses_an_unknown_role(owner_url: str, tmp_path: Path) -> None:
    owner_app = make_app(owner_url, tmp_path)
    result = runner_for(owner_app)("db", "grant", "nobody_here")
    app_engine(owner_app).dispose()
    assert result.exit_code == 1
    assert "no PostgreSQL role 'nobody_here'" in result.stderr


def test_the_application_role_queues_media_jobs_and_runs_a_media_worker(
    app: Flask, tmp_path: Path
) -> None:
    """procrastinate's tables and functions work for the granted role: a ticket is deferred
    and a media worker registers, takes it, ends it and looks for stalled ones."""
    engine = app_engine(app)
    with session_factory(app).begin() as session:
        queue.defer(session, 424242)  # a ticket for a job that does not exist: it just ends
    settings = queue.WorkerSettings(
        database_url=engine.url.render_as_string(hide_password=False),
        root=tmp_path / "media",
        heartbeat_s=0.5,
        lease_s=2,
    )
    queue.run_worker(settings, wait=False)
    with engine.connect() as conn:
        status = conn.scalar(text("SELECT status FROM procrastinate_jobs"))
    assert status == "succeeded"
