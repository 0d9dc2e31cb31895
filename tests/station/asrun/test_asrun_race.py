"""Two sessions import the same as-run log at once (two connections, on SQLite and on
PostgreSQL): the first stores it, the second waits for it and is told it was imported;
nothing is stored twice and nothing fails."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from sqlalchemy import func, select

from editorial import people
from schedule import channels
from schedule.models import AsRunEntry, AsRunLog
from station import asrun
from tests.conftest import NOW
from tests.station.asrun.conftest import csv_bytes, make_world, world_rows
from web.db import session_factory, unit_of_work


def test_the_second_of_two_simultaneous_imports_is_told_the_first_imported_it(
    app: Flask,
) -> None:
    with unit_of_work(app) as session:
        world = make_world(session)
    data = csv_bytes(world_rows(world))
    factory = session_factory(app)
    first = factory()
    started = threading.Event()

    def second() -> asrun.Summary:
        with factory() as session:
            started.set()  # (on SQLite its first statement waits for the first's write lock)
            actor = people.get_person(session, "ad")
            channel = channels.get_channel(session, world.channel)
            summary = asrun.import_log(session, actor, channel, "b.csv", data, NOW)
            session.commit()
            return summary

    try:
        actor = people.get_person(first, "bp")
        channel = channels.get_channel(first, world.channel)
        imported = asrun.import_log(first, actor, channel, "a.csv", data, NOW)
        with ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(second)
            started.wait(10)
            time.sleep(0.5)  # the second is now blocked behind the first's write
            assert not waiting.done()
            first.commit()
            told = waiting.result(timeout=30)
    finally:
        first.close()
    assert not imported.already_imported and told.already_imported
    assert told.log.id == imported.log.id and told.confirmed == imported.confirmed == 7
    with unit_of_work(app) as session:
        assert session.scalar(select(func.count()).select_from(AsRunLog)) == 1
        assert session.scalar(select(func.count()).select_from(AsRunEntry)) == 7
