"""`tvcolumn backup create` / `backup restore`, on SQLite and PostgreSQL: a restored
instance verifies and serves the same pages; a non-empty target and a corrupt or
incomplete backup are refused before anything is written."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

import migrations
from cli import cli
from media.models import MediaVersion
from tests.conftest import NOW, scratch_database
from tests.web.conftest import sign_in
from web import create_app
from web.db import session_factory

Run = Callable[..., Result]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
MASTER = b"not really a video, but immutable content all the same" * 100
CSRF_VALUE = re.compile(
    r'(name="csrf_token"[^>]*value=")[^"]+|(value=")[^"]+("[^>]*name="csrf_token")'
)


@dataclass
class Side:
    app: Flask
    root: Path

    @property
    def media(self) -> Path:
        return self.root / "media"

    @property
    def feeds(self) -> Path:
        return self.root / "feeds"

    def run(self, *args: str, input: str | None = None) -> Result:
        return CliRunner().invoke(
            cli, list(args), input=input, obj=ScriptInfo(create_app=lambda: self.app)
        )

    @property
    def engine(self) -> Engine:
        engine = session_factory(self.app).kw["bind"]
        assert isinstance(engine, Engine)
        return engine


def make_side(url: str, root: Path, **config: object) -> Side:
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(root),
            "FEEDS_DIR": str(root / "feeds"),
            "MEDIA_DIR": str(root / "media"),
            "TESTING": True,
            **config,
        }
    )
    return Side(app, root)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def source(backend: str, tmp_path: Path) -> Iterator[Side]:
    with scratch_database(backend, tmp_path, "source") as url:
        side = make_side(url, tmp_path / "source")
        migrations.upgrade(side.engine)
        yield side
        side.engine.dispose()


@pytest.fixture
def target(backend: str, tmp_path: Path) -> Iterator[Side]:
    """A fresh instance: an empty database (not even migrated) and no folders."""
    with scratch_database(backend, tmp_path, "target") as url:
        side = make_side(url, tmp_path / "target")
        yield side
        side.engine.dispose()


@pytest.fixture
def run(source: Side) -> Run:
    return source.run


@pytest.fixture
def app(source: Side) -> Flask:
    """The source instance's application (``reviewed`` adds its master through it)."""
    return source.app


@pytest.fixture
def stocked(source: Side, reviewed: int) -> int:
    """The reviewed episode with a second stored master (besides the one it was reviewed
    on), a feed file and a password to sign in with."""
    sha = hashlib.sha256(MASTER).hexdigest()
    relative = f"{sha[:2]}/{sha[2:]}.mxf"
    (source.media / relative).parent.mkdir(parents=True)
    (source.media / relative).write_bytes(MASTER)
    (source.media / "orphan.tmp").write_bytes(b"not named by the database")
    with Session(source.engine) as session, session.begin():
        session.add(
            MediaVersion(
                episode_id=reviewed,
                number=2,
                sha256=sha,
                size_bytes=len(MASTER),
                original_name="master.mxf",
                stored_as=relative,
                uploaded_by_id=1,
                uploaded_at=NOW,
            )
        )
    source.feeds.mkdir()
    (source.feeds / "all.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    assert source.run("users", "password", "pr", input="correct-horse\n" * 2).exit_code == 0
    return reviewed


def episode_page(side: Side, episode_id: int) -> str:
    client = side.app.test_client()
    sign_in(client, "pr")
    response = client.get(f"/episodes/{episode_id}")
    assert response.status_code == 200
    return CSRF_VALUE.sub(lambda m: (m.group(1) or m.group(2)) + "…" + (m.group(3) or ""),
                          response.get_data(as_text=True))  # fmt: skip


def back_up(source: Side, dest: Path) -> None:
    result = source.run("backup", "create", str(dest))
    assert result.exit_code == 0, result.output


def assert_untouched(target: Side) -> None:
    assert inspect(target.engine).get_table_names() == []
    assert not target.media.exists() and not target.feeds.exists()
    assert list(target.root.glob(".*.restore-*")) == []  # no staged copy left behind


def test_a_restored_instance_verifies_and_serves_the_same_pages(
    source: Side, target: Side, stocked: int, tmp_path: Path
) -> None:
    back_up(source, tmp_path / "backup")
    assert not (tmp_path / "backup" / "media" / "orphan.tmp").exists()
    restored = target.run("backup", "restore", str(tmp_path / "backup"))
    assert restored.exit_code == 0, restored.output
    verified = target.run("audit", "verify")
    assert verified.exit_code == 0, verified.output
    assert "ok: 9 history entries verify" in verified.stdout
    assert episode_page(target, stocked) == episode_page(source, stocked)
    master = next(p for p in target.media.rglob("*.mxf"))
    assert master.read_bytes() == MASTER
    assert (target.feeds / "all.ics").read_bytes() == (source.feeds / "all.ics").read_bytes()


def test_restore_refuses_a_target_that_is_not_empty(
    source: Side, stocked: int, tmp_path: Path
) -> None:
    back_up(source, tmp_path / "backup")
    refused = source.run("backup", "restore", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "the target database is not empty" in refused.stderr


def test_restore_refuses_a_corrupt_backup_and_writes_nothing(
    source: Side, target: Side, stocked: int, tmp_path: Path
) -> None:
    back_up(source, tmp_path / "backup")
    master = next((tmp_path / "backup" / "media").rglob("*.mxf"))
    master.write_bytes(MASTER[:-1] + b"!")
    refused = target.run("backup", "restore", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "is corrupt" in refused.stderr and "does not match its checksum" in refused.stderr
    assert_untouched(target)


def test_restore_refuses_an_incomplete_backup_and_writes_nothing(
    source: Side, target: Side, stocked: int, tmp_path: Path
) -> None:
    back_up(source, tmp_path / "backup")
    (tmp_path / "backup" / "manifest.json").unlink()
    refused = target.run("backup", "restore", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "not a complete backup: manifest.json is missing" in refused.stderr
    assert_untouched(target)


def test_backup_refuses_a_folder_that_is_not_empty(source: Side, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    refused = source.run("backup", "create", str(tmp_path / "used"))
    assert refused.exit_code == 1
    assert "is not empty" in refused.stderr


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"])
def test_missing_postgresql_tools_are_refused_by_name(
    source: Side, target: Side, stocked: int, tmp_path: Path
) -> None:
    back_up(source, tmp_path / "backup")
    (tmp_path / "no-tools").mkdir()
    config = {"PG_BINDIR": str(tmp_path / "no-tools")}
    without_dump = make_side(str(source.engine.url.render_as_string(hide_password=False)),
                             source.root, **config)  # fmt: skip
    refused = without_dump.run("backup", "create", str(tmp_path / "second"))
    assert refused.exit_code == 1
    assert "pg_dump of PostgreSQL 15 not found in" in refused.stderr
    assert "postgresql-client-15" in refused.stderr
    without_restore = make_side(str(target.engine.url.render_as_string(hide_password=False)),
                                target.root, **config)  # fmt: skip
    refused = without_restore.run("backup", "restore", str(tmp_path / "backup"))
    assert refused.exit_code == 1
    assert "pg_restore of PostgreSQL 15 not found in" in refused.stderr
    assert_untouched(without_restore)
    without_dump.engine.dispose()
    without_restore.engine.dispose()
