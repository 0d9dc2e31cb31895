"""The embedded default takes concurrent writes: many people writing through the
API while the scheduler service polls the same SQLite file get their write done
or, when the database stays locked past the busy timeout, a 503 with
Retry-After that changed nothing; never a 500.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import func, select
from werkzeug.test import TestResponse

import migrations
from cli import cli
from editorial import accounts, people
from editorial.db import make_engine, make_sessionmaker, reading
from editorial.models import Comment, Episode
from tests.scheduler.test_service import Process, ServiceDb
from tests.web.conftest import csrf_token, sign_in
from tests.web.test_api import NOW, Api, proposal, propose, world
from web import create_app
from web.api import access
from web.db import unit_of_work

WRITERS = 20


@pytest.fixture
def sqlite_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    # Acts are dated today: the service's jobs look at the real clock.
    monkeypatch.setattr(access, "now", lambda: datetime.now(UTC))
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    yield create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path),
            "FEEDS_DIR": str(tmp_path / "feeds"),
            "MEDIA_DIR": str(tmp_path / "media"),
            "TESTING": True,
        }
    )


@pytest.fixture
def service(sqlite_app: Flask, tmp_path: Path) -> Iterator[Process]:
    """`tvcolumn scheduler run --poll-seconds 1` on the application's SQLite file."""
    url = sqlite_app.config["DATABASE_URL"]
    engine = make_engine(url)
    process = Process(ServiceDb(url, engine, make_sessionmaker(engine)), tmp_path, {})
    process.wait_for("became leader", timeout=120)
    yield process
    process.stop()
    process.close()
    engine.dispose()


def count(app: Flask, model: type[object]) -> int:
    engine = make_engine(app.config["DATABASE_URL"])
    with make_sessionmaker(reading(engine))() as s:
        found = s.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return found


def keep_writing(
    seconds: float, writers: int, write: Callable[[int, int], TestResponse]
) -> list[TestResponse]:
    """``writers`` threads, each writing again and again for ``seconds``."""
    answers: list[TestResponse] = []
    lock = threading.Lock()
    start = threading.Barrier(writers)

    def loop(i: int) -> None:
        start.wait()
        deadline, n = time.monotonic() + seconds, 0
        while time.monotonic() < deadline:
            response = write(i, n)
            with lock:
                answers.append(response)
            n += 1

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_twenty_writers_beside_the_service_get_done_or_503_never_500(
    sqlite_app: Flask, service: Process
) -> None:
    api = world(sqlite_app)
    token = api["ed"].headers["Authorization"][7:]
    clients = [Api(sqlite_app.test_client(), token) for _ in range(WRITERS)]
    episodes_before = count(sqlite_app, Episode)

    answers = keep_writing(
        10, WRITERS, lambda i, n: clients[i].post("/episodes", proposal(title=f"并发{i}-{n}"))
    )

    seen = Counter(r.status_code for r in answers)
    print(f"20 writers for 10 s beside the service: {dict(seen)}")
    assert set(seen) <= {201, 503}, seen
    assert seen[201] > 0
    for busy in (r for r in answers if r.status_code == 503):
        assert busy.headers["Retry-After"].isdigit()
        assert busy.json["error"] == "busy"  # type: ignore[index]
    # Every 201 is stored, and no 503 stored anything.
    assert count(sqlite_app, Episode) == episodes_before + seen[201]
    assert "Traceback" not in service.output()


def test_one_person_commenting_every_fifth_of_a_second_beside_the_service_never_fails(
    sqlite_app: Flask, service: Process
) -> None:
    api = world(sqlite_app)
    eid = propose(api)["id"]
    failures: list[tuple[int, str]] = []
    deadline, sent = time.monotonic() + 60, 0
    while time.monotonic() < deadline:
        response = api["rv"].post(f"/episodes/{eid}/comments", {"body": f"第{sent}条意见"})
        sent += 1
        if response.status_code != 201:
            failures.append((response.status_code, response.get_data(as_text=True)))
        time.sleep(0.2)

    print(f"comments in 60 s beside the service: {sent}, failures: {len(failures)}")
    assert failures == []
    assert count(sqlite_app, Comment) == sent


@pytest.fixture
def impatient_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An application on a SQLite file that waits only 0.3 s for the write lock."""
    monkeypatch.setattr(access, "now", lambda: NOW)
    url = f"sqlite:///{tmp_path / 'locked.sqlite3'}"
    engine = make_engine(url)
    migrations.upgrade(engine)
    engine.dispose()
    yield create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path),
            "FEEDS_DIR": str(tmp_path / "feeds"),
            "MEDIA_DIR": str(tmp_path / "media"),
            "SQLITE_BUSY_TIMEOUT_MS": 300,
            "TESTING": True,
        }
    )


@pytest.fixture
def write_lock(impatient_app: Flask) -> Callable[[], object]:
    """Another process's writer holding the database's write lock until released."""
    holders: list[object] = []

    def hold() -> object:
        import sqlite3

        path = impatient_app.config["DATABASE_URL"].removeprefix("sqlite:///")
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        holders.append(conn)
        return conn

    yield hold  # type: ignore[misc]
    for conn in holders:
        conn.rollback()  # type: ignore[attr-defined]
        conn.close()  # type: ignore[attr-defined]


def test_a_locked_database_answers_503_with_retry_after_on_api_page_and_cli(
    impatient_app: Flask, write_lock: Callable[[], object]
) -> None:
    api = world(impatient_app)
    eid = propose(api)["id"]
    with unit_of_work(impatient_app) as s:
        accounts.set_password(s, people.get_person(s, "rv"), "correct-horse", NOW)
    page = impatient_app.test_client()
    sign_in(page, "rv")
    token = csrf_token(page, f"/episodes/{eid}")
    write_lock()

    refused = api["ed"].post("/episodes", proposal(title="锁住时申报"))
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "2"
    assert refused.json["error"] == "busy"  # type: ignore[index]

    form = page.post(f"/episodes/{eid}/comments", data={"csrf_token": token, "body": "意见"})
    assert form.status_code == 503
    assert form.headers["Retry-After"] == "2"
    assert "系统正忙" in form.get_data(as_text=True)

    result = CliRunner().invoke(
        cli,
        ["episode", "comment", str(eid), "--as", "rv", "--body", "意见"],
        obj=ScriptInfo(create_app=lambda: impatient_app),
    )
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: the database is busy (another writer holds it or it is restarting): "
        "nothing was changed; try again in a moment"
    ]

    assert count(impatient_app, Comment) == 0
    assert count(impatient_app, Episode) == 1
    # Reading is not blocked by a writer (WAL): the pages still show.
    assert page.get(f"/episodes/{eid}").status_code == 200
