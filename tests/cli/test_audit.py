"""`tvcolumn audit verify` finds history shortened or rewritten underneath, on both databases.

Each test does what a tamperer with DDL rights would: lift the append-only
triggers, change the data, put the triggers back. The chain's anchor and the
digests it holds of sign-offs and comments must still give it away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Connection, text

import migrations
from cli import cli
from tests.conftest import scratch_database
from web import create_app
from web.db import session_factory

Run = Callable[..., Result]
SQLITE_TRIGGERS = ("update", "delete")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    with scratch_database(request.param, tmp_path, "audit") as url:
        app = create_app(
            {
                "DATABASE_URL": url,
                "INSTANCE_PATH": str(tmp_path),
                "FEEDS_DIR": str(tmp_path / "feeds"),
                "MEDIA_DIR": str(tmp_path / "media"),
                "TESTING": True,
            }
        )
        engine = session_factory(app).kw["bind"]
        migrations.upgrade(engine)
        yield app
        engine.dispose()


@pytest.fixture
def run(app: Flask) -> Run:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


def tamper(app: Flask, table: str, *statements: str) -> None:
    """Lift ``table``'s append-only triggers, run the statements, restore the triggers."""
    with session_factory(app).kw["bind"].begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for operation in SQLITE_TRIGGERS:
                conn.execute(text(f"DROP TRIGGER {table}_no_{operation}"))
        for statement in statements:
            conn.execute(text(statement))
        if postgres:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
        else:
            restore_sqlite_triggers(conn, table)


def restore_sqlite_triggers(conn: Connection, table: str) -> None:
    for operation in ("UPDATE", "DELETE"):
        conn.execute(
            text(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )
        )


def assert_refused_naming(run: Run, episode_id: int, problem: str) -> None:
    result = run("audit", "verify")
    assert result.exit_code == 1, result.output
    assert f"episode {episode_id}" in result.stderr
    assert problem in result.stderr


def test_a_deleted_last_entry_fails_verification(app: Flask, run: Run, reviewed: int) -> None:
    tamper(
        app,
        "episode_history",
        "DELETE FROM episode_history WHERE id = (SELECT max(id) FROM episode_history)",
    )
    assert_refused_naming(run, reviewed, "its anchor records 9 entries")


def test_a_replaced_signer_fails_verification(app: Flask, run: Run, reviewed: int) -> None:
    # rv2 is bound to the second stage too, so the forged row satisfies every constraint.
    tamper(
        app,
        "sign_offs",
        "INSERT INTO stage_signers (episode_id, person_id, stage) "
        f"SELECT {reviewed}, id, 'second' FROM people WHERE username = 'rv2'",
        "UPDATE sign_offs SET person_id = (SELECT id FROM people WHERE username = 'rv2') "
        "WHERE stage = 'second'",
    )
    assert_refused_naming(run, reviewed, "does not match what was recorded here (it was altered)")


def test_a_deleted_comment_fails_verification(app: Flask, run: Run, reviewed: int) -> None:
    tamper(app, "comments", "DELETE FROM comments")
    assert_refused_naming(run, reviewed, "recorded here is missing (it was deleted)")
