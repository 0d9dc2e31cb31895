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
