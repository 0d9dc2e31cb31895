"""Fixtures for the application and the CLI, on SQLite and on PostgreSQL.

Every test that takes ``app`` runs twice: on a fresh migrated SQLite file, and
(when ``TVCOLUMN_TEST_DATABASE_URL`` is set; under CI it must be) on a
PostgreSQL schema of its own, migrated once per test session and emptied
before each test.
"""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

import migrations
from cli import cli
from editorial.db import make_engine
from tests.conftest import PG_URL
from tests.media.conftest import make_clip
from tests.web.sheet_world import sheet_city, sheet_clip  # noqa: F401  (the order sheet's world)
from web import create_app
from web.db import session_factory


class PostgresSchema:
    """A schema migrated once; ``empty()`` truncates its tables for the next test."""

    def __init__(self) -> None:
        assert PG_URL
        self.name = f"web_{uuid.uuid4().hex[:10]}"
        self.admin = make_engine(PG_URL)
        with self.admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {self.name}"))
        self.url = (
            make_url(PG_URL)
            .update_query_dict({"options": f"-csearch_path={self.name}"})
            .render_as_string(hide_password=False)
        )
        self.engine = make_engine(self.url)
        migrations.upgrade(self.engine)
        with self.engine.begin() as conn:
            self.tables = [
                row[0]
                for row in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = :schema "
                        "AND tablename <> 'alembic_version'"
                    ),
                    {"schema": self.name},
                )
            ]
            # The history tables refuse TRUNCATE (a trigger): in this throw-away test schema
            # only, so that each test starts empty. UPDATE and DELETE stay refused.
            for trigger, table in conn.execute(
                text(
                    "SELECT t.tgname, c.relname FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = :schema AND NOT t.tgisinternal AND (t.tgtype & 32) <> 0"
                ),
                {"schema": self.name},
            ):
                conn.execute(text(f'DROP TRIGGER "{trigger}" ON "{table}"'))

    def empty(self) -> None:
        names = ", ".join(f'"{t}"' for t in self.tables)
        with self.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        self.engine.dispose()
        with self.admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {self.name} CASCADE"))
        self.admin.dispose()


@pytest.fixture(scope="session")
def web_postgres() -> Iterator[PostgresSchema]:
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set TVCOLUMN_TEST_DATABASE_URL")
    schema = PostgresSchema()
    yield schema
    schema.drop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database for one test: its URL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
        engine: Engine = make_engine(url)
        migrations.upgrade(engine)
        engine.dispose()
        return url
    schema: PostgresSchema = request.getfixturevalue("web_postgres")
    schema.empty()
    return schema.url


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "FEEDS_DIR": str(tmp_path / "feeds"),
            "MEDIA_DIR": str(tmp_path / "media"),
            "MEDIA_IMPORT_DIRS": [str(tmp_path / "import")],
            "TESTING": True,
        }
    )
    yield app
    session_factory(app).kw["bind"].dispose()


@pytest.fixture
def run(app: Flask) -> Callable[..., Result]:
    """Invoke ``tvcolumn`` against the test app; stderr is kept apart from stdout."""

    def invoke(*args: str) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


# The test master's length: an episode aiming at it (target duration) passes QC.
MASTER_SECONDS = 2


@pytest.fixture(scope="session")
def master_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A master that passes QC for an episode of ``MASTER_SECONDS``: 720×576, 25 fps, a tone
    at about −24 LKFS (made once a test session with the bundled ffmpeg)."""
    folder = tmp_path_factory.mktemp("master")
    return make_clip(folder / "成片.mp4", size="720x576", seconds=MASTER_SECONDS)


def add_master(run: Callable[..., Result], app: Flask, episode_id: str, master: Path) -> None:
    """``tvcolumn media add`` the master, from the app's import folder (one under its
    instance folder if it has none), as ``ed``."""
    folders = app.config["MEDIA_IMPORT_DIRS"]
    if not folders:
        folders.append(str(Path(app.config["INSTANCE_PATH"]) / "import"))
    inbox = Path(folders[0])
    inbox.mkdir(parents=True, exist_ok=True)
    source = Path(shutil.copy(master, inbox / f"成片-{episode_id}.mp4"))
    added = run("media", "add", episode_id, str(source), "--as", "ed")
    assert added.exit_code == 0, added.output


CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/sign-in") -> str:
    """The CSRF token a page's form carries (the session cookie goes with the client)."""
    found = CSRF.search(client.get(path).get_data(as_text=True))
    assert found is not None, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: FlaskClient, username: str, password: str = "correct-horse") -> None:
    response = client.post(
        "/sign-in",
        data={"csrf_token": csrf_token(client), "username": username, "password": password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)


@pytest.fixture
def reviewed(run: Callable[..., Result], app: Flask, master_file: Path) -> int:
    """An approved episode with three sign-offs on a master that passed QC, and a comment,
    made through ``run`` (each module's own app); the chain verifies."""
    created = run(
        "columns",
        "create",
        "city",
        "--name",
        "时代风采",
        "--level",
        "city",
        "--station",
        "市电视台",
        "--channel",
        "新闻综合",
    )
    assert created.exit_code == 0, created.output
    for user, role in (
        ("ed", "editor_director"),
        ("pr", "producer"),
        ("rv", "reviewer"),
        ("fa", "final_approver"),
        ("rv2", "reviewer"),
    ):
        assert run("users", "create", user, "--name", user).exit_code == 0
        assert run("users", "grant", user, "city", role).exit_code == 0
    proposed = run(
        "episode", "propose", "--as", "ed", "--column", "city", "--title", "科技富民",
        "--producer", "pr", "--duration", str(MASTER_SECONDS),
    )  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    found = re.search(r"proposed episode (\d+)", proposed.stdout)
    assert found is not None
    eid = found.group(1)
    for step in (
        ("approve-topic", eid, "--as", "pr"),
        ("start-production", eid, "--as", "ed"),
    ):
        result = run("episode", *step)
        assert result.exit_code == 0, (step, result.output)
    add_master(run, app, eid, master_file)
    for step in (
        ("submit", eid, "--as", "ed"),
        ("sign", eid, "--as", "pr", "--stage", "first", "--confirm", "all"),
        ("sign", eid, "--as", "rv", "--stage", "second", "--confirm", "all"),
        ("sign", eid, "--as", "fa", "--stage", "final", "--confirm", "all"),
        ("comment", eid, "--as", "rv", "--body", "片头字幕已核对"),
    ):
        result = run("episode", *step)
        assert result.exit_code == 0, (step, result.output)
    verified = run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    return int(eid)
