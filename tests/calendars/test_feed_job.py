"""The scheduler service's sync-feeds job: the ledger follows the schedule, then
the static files and the stamp follow the commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from calendars import export
from calendars.models import FeedEvent
from scheduler import jobs
from tests.scheduler.test_service import (  # noqa: F401  (the fixtures)
    ServiceDb,
    approve_fixture,
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
