"""A database restart is invisible after it ends: the same web process answers the
next request normally, and an error page never fails with the database."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text

from editorial.db import make_engine
from tests.conftest import IN_CI, PG_URL
from tests.web.conftest import PostgresSchema
from tests.web.test_api import world
from web import create_app
from web.db import session_factory


def restart_postgres() -> None:
    """Restart the machine's PostgreSQL 15 cluster (as root, as .ci/run starts it)."""
    command = shutil.which("pg_ctlcluster")
    if command is None or not PG_URL:
        if IN_CI:
            pytest.fail("pg_ctlcluster and TVCOLUMN_TEST_DATABASE_URL are needed under CI")
        pytest.skip("needs the local PostgreSQL cluster (pg_ctlcluster) as root")
    subprocess.run([command, "15", "main", "restart"], check=True, timeout=120)
    engine = make_engine(PG_URL)
    deadline = time.monotonic() + 60
    while True:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            break
        except Exception:
            assert time.monotonic() < deadline, "PostgreSQL did not come back within 60 s"
            time.sleep(0.5)
    engine.dispose()


@pytest.fixture
def postgres_app(web_postgres: PostgresSchema, tmp_path: Path) -> Iterator[Flask]:
    web_postgres.empty()
    app = create_app(
        {
            "DATABASE_URL": web_postgres.url,
            "INSTANCE_PATH": str(tmp_path),
            "FEEDS_DIR": str(tmp_path / "feeds"),
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
        }
    )
    yield app
    session_factory(app).kw["bind"].dispose()


@pytest.mark.postgres
@pytest.mark.serial  # restarts the cluster under every other worker's connections
def test_after_a_postgres_restart_the_next_request_of_the_same_process_is_answered(
    postgres_app: Flask,
) -> None:
    app = postgres_app
    api = world(app)
    for who in ("ed", "pr", "rv"):  # several pooled connections, all made stale by the restart
        assert api[who].get("/episodes").status_code == 200
    assert app.test_client().get("/sign-in").status_code == 200

    restart_postgres()

    assert api["ed"].get("/episodes").status_code == 200
    assert api["pr"].get("/episodes").status_code == 200
    page = app.test_client().get("/sign-in")
    assert page.status_code == 200
