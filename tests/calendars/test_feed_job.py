"""The scheduler service's sync-feeds job: the ledger follows the schedule, then
the static files and the stamp follow the commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calendars import export, importer, ledger
from calendars.models import ExternalAiring, FeedEvent
from editorial import people
from editorial.models import Level, Role
from scheduler import jobs
from scheduler.models import RunStatus, SchedulerRun
from tests.conftest import NOW, make_writable
from tests.scheduler.test_service import (  # noqa: F401  (the fixtures)
    ServiceDb,
    approve_fixture,
    past_a_shanghai_time_about_to_come,
    service_db_fixture,
)


@pytest.fixture
def feeds_dir(service_db: ServiceDb, tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "feeds"
    jobs.configure(service_db.factory, directory)
    yield directory
    jobs.configure(None)


def events(db: ServiceDb) -> int:
    with db.factory() as session:
        return session.scalar(select(func.count()).select_from(FeedEvent)) or 0


def test_sync_feeds_writes_the_files_and_the_stamp_after_its_commit(
    service_db: ServiceDb, feeds_dir: Path, approve: Callable[[str], int]
) -> None:
    # The jobs read the real clock, and a new day in Shanghai rewrites the files: the test
    # starts clear of midnight, so that "same day" below is the same day.
    past_a_shanghai_time_about_to_come(datetime.now(UTC), time_of_day(0, 0))
    approve("乡村振兴路上的共产党员")
    assert jobs.rebuild() == 1
    assert jobs.sync_feeds() == 1
    assert events(service_db) == 1
    body = (feeds_dir / "columns" / "sjyc.ics").read_text(encoding="utf-8")
    assert "乡村振兴路上的共产党员" in body
    stamp = export.read_stamp(feeds_dir)
    assert stamp is not None
    assert jobs.sync_feeds() == 0  # nothing changed: same day, no new stamp
    assert export.read_stamp(feeds_dir) == stamp
    approve("红色物业暖民心")
    jobs.rebuild()
    assert jobs.sync_feeds() == 1
    assert export.read_stamp(feeds_dir) != stamp
    assert "红色物业暖民心" in (feeds_dir / "all.ics").read_text(encoding="utf-8")


def test_a_new_day_rewrites_the_files_even_when_nothing_changed(
    service_db: ServiceDb, feeds_dir: Path, approve: Callable[[str], int]
) -> None:
    approve("党建引领基层治理")
    jobs.rebuild()
    jobs.sync_feeds()
    (feeds_dir / export.EXPORTED).write_text('{"day": "2000-01-01"}')
    stamp = export.read_stamp(feeds_dir)
    assert jobs.sync_feeds() == 0
    assert export.exported_day(feeds_dir) != "2000-01-01"
    assert export.read_stamp(feeds_dir) != stamp


def last_sync_run(db: ServiceDb) -> SchedulerRun:
    with db.factory() as session:
        run = session.scalars(
            select(SchedulerRun)
            .where(SchedulerRun.job_id == "sync-feeds")
            .order_by(SchedulerRun.id.desc())
            .limit(1)
        ).one()
        session.expunge(run)
        return run


def test_a_feeds_folder_that_cannot_be_written_fails_the_run_and_every_poll_retries(
    service_db: ServiceDb,
    feeds_dir: Path,
    approve: Callable[[str], int],
    read_only: Callable[[Path], None],
) -> None:
    approve("乡村振兴路上的共产党员")
    jobs.rebuild()
    assert jobs.sync_feeds() == 1
    stamp = export.read_stamp(feeds_dir)
    read_only(feeds_dir)
    approve("红色物业暖民心")
    jobs.rebuild()
    assert jobs.sync_feeds() is None
    failed = last_sync_run(service_db)
    assert failed.status == RunStatus.FAILED
    assert "not written" in failed.detail and str(feeds_dir) in failed.detail
    assert events(service_db) == 2  # the ledger itself was synced and committed
    assert jobs.sync_feeds() is None  # the next poll, with the ledger unchanged, tries again
    assert last_sync_run(service_db).status == RunStatus.FAILED
    make_writable(feeds_dir)
    assert jobs.sync_feeds() == 0
    assert last_sync_run(service_db).status == RunStatus.DONE
    assert "红色物业暖民心" in (feeds_dir / "all.ics").read_text(encoding="utf-8")
    assert export.read_stamp(feeds_dir) != stamp
    assert jobs.sync_feeds() == 0  # in step now: nothing written, the stamp stays
    assert export.read_stamp(feeds_dir) != stamp


def test_a_ledger_synced_by_someone_else_is_written_out_at_the_next_poll(
    service_db: ServiceDb, feeds_dir: Path, approve: Callable[[str], int]
) -> None:
    approve("乡村振兴路上的共产党员")
    jobs.rebuild()
    jobs.sync_feeds()
    approve("红色物业暖民心")
    jobs.rebuild()
    with service_db.factory.begin() as session:  # `tvcolumn feeds sync`, say
        assert ledger.sync(session, datetime.now(UTC)) == 1
    assert jobs.sync_feeds() == 0  # nothing left to sync, but the files lag the ledger
    assert "红色物业暖民心" in (feeds_dir / "all.ics").read_text(encoding="utf-8")


SLOW_FEED = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//county//x//ZH\r\n"
    "BEGIN:VEVENT\r\nUID:slow-1@county\r\nDTSTAMP:20261101T000000Z\r\n"
    "DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:县级党建节目\r\nEND:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


@pytest.fixture
def slow_county_server() -> Iterator[tuple[str, threading.Event, threading.Event]]:
    """A county server that answers only when told to (asked: the request arrived)."""
    asked, release = threading.Event(), threading.Event()
    start = datetime.now(UTC) + timedelta(days=3)
    body = SLOW_FEED.format(
        start=f"{start:%Y%m%dT%H%M%SZ}", end=f"{start + timedelta(minutes=30):%Y%m%dT%H%M%SZ}"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.set()
            release.wait(20)
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.ics", asked, release
    release.set()
    server.shutdown()
    server.server_close()


def test_the_hourly_import_holds_no_lock_while_a_county_server_is_slow(
    service_db: ServiceDb,
    feeds_dir: Path,
    slow_county_server: tuple[str, threading.Event, threading.Event],
) -> None:
    url, asked, release = slow_county_server
    with service_db.factory.begin() as s:
        county = people.create_column(
            s, NOW, slug="xian", name="县里党建", level=Level.COUNTY, station="县台", channel="一"
        )
        scheduler = people.create_person(s, NOW, username="xian-bp", display_name="编排")
        people.grant_role(s, scheduler, county, Role.SCHEDULER, NOW)
        importer.add_source(s, scheduler, county, "县台系统", url, NOW)
    outcome: list[int | None] = []
    job = threading.Thread(target=lambda: outcome.append(jobs.import_feeds()))
    job.start()
    try:
        assert asked.wait(10), "the job never fetched the source"
        started = time.monotonic()
        with service_db.factory.begin() as s:  # a web request's write, meanwhile
            people.create_person(s, NOW, username="meanwhile", display_name="同时")
        assert time.monotonic() - started < 2  # not held up by the job's transaction
    finally:
        release.set()
        job.join(30)
    assert outcome == [1]
    with service_db.factory() as s:
        assert s.scalar(select(func.count()).select_from(ExternalAiring)) == 1
