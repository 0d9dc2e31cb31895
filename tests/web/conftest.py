"""Fixtures for the application and the CLI: a fresh migrated SQLite file each."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from flask.testing import FlaskClient

from web import create_app, migrate
from web.cli import cli
from web.db import session_factory


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite3'}",
            "INSTANCE_PATH": str(tmp_path),
            "FEEDS_DIR": str(tmp_path / "feeds"),
            "MEDIA_DIR": str(tmp_path / "media"),
            "MEDIA_IMPORT_DIRS": [str(tmp_path / "import")],
            "TESTING": True,
        }
    )
    migrate.upgrade(session_factory(app).kw["bind"])
    return app


@pytest.fixture
def run(app: Flask) -> Callable[..., Result]:
    """Invoke ``tvcolumn`` against the test app; stderr is kept apart from stdout."""

    def invoke(*args: str) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


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
def reviewed(run: Callable[..., Result]) -> int:
    """An approved episode with three sign-offs and a comment, made through ``run``
    (each module's own app); the chain verifies."""
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
        "--producer", "pr", "--duration", "900",
    )  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    found = re.search(r"proposed episode (\d+)", proposed.stdout)
    assert found is not None
    eid = found.group(1)
    for step in (
        ("approve-topic", eid, "--as", "pr"),
        ("start-production", eid, "--as", "ed"),
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
