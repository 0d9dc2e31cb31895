"""Who does the media jobs (media.queue): the choice by database, tickets deferred with the
job's row on PostgreSQL, jobs whose episode or master is gone, and stale attempts fenced."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import procrastinate
import pytest
from click.testing import CliRunner
from sqlalchemy import text

import migrations
from cli import cli
from editorial import people, workflow
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Person
from media import jobs, queue
from media.jobs import Outcome
from media.models import JobKind, JobState, MediaJob
from media.service import MediaSettings, request_job, retry_job
from tests.conftest import NOW, scratch_database
from tests.media.conftest import Clips
from tests.media.test_jobs import Uploaded, job_of, service_db_fixture, upload
from tests.scheduler.test_service import ServiceDb

__all__ = ["service_db_fixture"]

PG = "postgresql+psycopg://u:p@db.example/tvcolumn"


def test_sqlite_keeps_the_scheduler_service_and_postgresql_takes_media_workers() -> None:
    assert queue.engine_for("sqlite:////tmp/x.sqlite3") is queue.Engine.SERVICE
    assert queue.engine_for(PG) is queue.Engine.PROCRASTINATE
    assert queue.engine_for(PG, "service") is queue.Engine.SERVICE


@pytest.mark.parametrize(
    ("url", "chosen", "says"),
    [
        (PG, "celery", "'service' or 'procrastinate'"),
        ("sqlite:////tmp/x.sqlite3", "procrastinate", "needs PostgreSQL"),
    ],
)
def test_a_media_queue_that_cannot_work_is_refused(url: str, chosen: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        queue.engine_for(url, chosen)


def test_the_connection_string_keeps_the_schema_option() -> None:
    info = queue.conninfo(
        "postgresql+psycopg://tv:s%40crit@db.example:5433/tvcolumn?options=-csearch_path%3Dsvc"
    )
    assert "password=s@crit" in info and "port=5433" in info and "dbname=tvcolumn" in info
    assert "search_path=svc" in info


def tickets(db: ServiceDb) -> list[tuple[int, str]]:
    with db.factory() as session:
        rows = session.execute(
            text("SELECT (args->>'media_job_id')::int, status FROM procrastinate_jobs ORDER BY id")
        )
        return [(int(job), str(status)) for job, status in rows]


def on_procrastinate(up: Uploaded) -> MediaSettings:
    return MediaSettings(root=up.settings.root, queue=queue.Engine.PROCRASTINATE.value)


@pytest.fixture(name="pg_db")
def pg_db_fixture(tmp_path: Path) -> Iterator[ServiceDb]:
    """A migrated PostgreSQL database of its own (procrastinate's queue is there only)."""
    with scratch_database("postgresql", tmp_path, "queue") as url:
        engine = make_engine(url)
        migrations.upgrade(engine)
        yield ServiceDb(url, engine, make_sessionmaker(engine))
        engine.dispose()


@pytest.mark.postgres
def test_a_ticket_is_queued_with_the_job_and_rolled_back_with_it(
    pg_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    service_db = pg_db
    up = upload(service_db, tmp_path / "media", clips.compliant)  # the service's review job
    assert tickets(service_db) == []
    settings = on_procrastinate(up)
    with service_db.factory.begin() as session:
        job = session.get(MediaJob, up.job_id)
        assert job is not None
        job.state = JobState.FAILED  # the review job failed
    with service_db.factory() as session, session.begin():
        job = session.get(MediaJob, up.job_id)
        assert job is not None
        director = session.get(Person, up.director_id)
        assert director is not None
        request_job(session, director, job.media_version, JobKind.REVIEW, NOW, settings)
        session.rollback()  # e.g. the request failed after it: no ticket without its row
    assert tickets(service_db) == []
    with service_db.factory.begin() as session:
        job = session.get(MediaJob, up.job_id)
        assert job is not None
        director = session.get(Person, up.director_id)
        assert director is not None
        again = retry_job(session, director, job, NOW, settings)  # tried again
        same = request_job(session, director, job.media_version, JobKind.REVIEW, NOW, settings)
        assert same.id == again.id  # the waiting job is reused: no second ticket
    assert tickets(service_db) == [(again.id, "todo")]


def test_a_job_whose_episode_was_withdrawn_fails_cleanly(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    up = upload(service_db, tmp_path / "media", clips.compliant)
    with service_db.factory.begin() as session:
        job = session.get(MediaJob, up.job_id)
        assert job is not None
        episode = job.media_version.episode
        producer = people.get_person(session, "pr")
        workflow.withdraw(session, producer, episode, episode.version, NOW, reason="选题撤销")
    outcome = jobs.run(service_db.factory, up.job_id, up.settings.root, lambda: NOW)
    assert outcome is not None and outcome.state is JobState.FAILED
    assert outcome.error == "the episode is withdrawn: nothing is made for it any more"
    assert job_of(up).state is JobState.FAILED
    assert not (up.settings.root / "review").exists()  # nothing was made


def test_a_master_missing_from_this_machine_fails_saying_to_mount_the_media_folder(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    up = upload(service_db, tmp_path / "media", clips.compliant)
    elsewhere = tmp_path / "unmounted"  # another machine's view: the folder is not there
    outcome = jobs.run(service_db.factory, up.job_id, elsewhere, lambda: NOW)
    assert outcome is not None and outcome.state is JobState.FAILED
    assert "is the shared media folder mounted here?" in (outcome.error or "")


def test_an_attempt_given_up_for_dead_cannot_write_over_the_one_that_replaced_it(
    service_db: ServiceDb, clips: Clips, tmp_path: Path
) -> None:
    up = upload(service_db, tmp_path / "media", clips.compliant)
    with service_db.factory.begin() as session:
        first = jobs.claim(session, up.job_id, 101, NOW)
    with service_db.factory.begin() as session:  # its worker was lost: queued again …
        job = session.get(MediaJob, up.job_id)
        assert job is not None
        job.state = JobState.QUEUED
    with service_db.factory.begin() as session:  # … and taken by another
        second = jobs.claim(session, up.job_id, 202, NOW)
    assert (first, second) == (1, 2)
    late = Outcome(JobState.FAILED, {}, "the first worker's late word")
    with service_db.factory.begin() as session:
        assert not jobs.finish(session, up.job_id, late, NOW, attempt=first)
        jobs.note(session, up.job_id, "the first worker's note", attempt=first)
    job = job_of(up)
    assert (job.state, job.attempt, job.log) == (JobState.RUNNING, 2, None)
    with service_db.factory.begin() as session:
        done = Outcome(JobState.DONE, {"proxy": "p.mp4"}, None)
        assert jobs.finish(session, up.job_id, done, NOW, attempt=second)
        jobs.note(session, up.job_id, "one", attempt=second)
        jobs.note(session, up.job_id, "two", attempt=second)
    job = job_of(up)
    assert (job.state, job.log) == (JobState.DONE, "one\ntwo")


def test_media_worker_on_sqlite_says_the_scheduler_service_does_the_jobs(tmp_path: Path) -> None:
    env = {
        "TVCOLUMN_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "TVCOLUMN_INSTANCE_PATH": str(tmp_path),
    }
    result = CliRunner().invoke(cli, ["media", "worker"], env=env)
    assert result.exit_code == 1
    assert "on SQLite the scheduler service does the media jobs" in result.output


def test_media_worker_refuses_a_lease_shorter_than_two_heartbeats(tmp_path: Path) -> None:
    env = {"TVCOLUMN_DATABASE_URL": PG, "TVCOLUMN_INSTANCE_PATH": str(tmp_path)}
    result = CliRunner().invoke(
        cli, ["media", "worker", "--heartbeat", "10", "--lease", "15"], env=env
    )
    assert result.exit_code == 2
    assert "must be more than two heartbeats" in result.output


@pytest.mark.postgres
def test_tickets_that_ended_over_a_week_ago_are_deleted(pg_db: ServiceDb, tmp_path: Path) -> None:
    with pg_db.factory.begin() as session:
        queue.defer(session, 9001)  # tickets for rows that do not exist: they just end
        queue.defer(session, 9002)
    settings = queue.WorkerSettings(pg_db.url, tmp_path / "media", heartbeat_s=0.5, lease_s=2)
    queue.run_worker(settings, wait=False)
    assert sorted(tickets(pg_db)) == [(9001, "succeeded"), (9002, "succeeded")]
    with pg_db.factory.begin() as session:  # the first ended eight days ago
        session.execute(
            text(
                "UPDATE procrastinate_events SET at = at - interval '8 days' WHERE job_id = "
                "(SELECT id FROM procrastinate_jobs WHERE args->>'media_job_id' = '9001')"
            )
        )

    async def prune() -> None:
        connector = procrastinate.PsycopgConnector(conninfo=queue.conninfo(pg_db.url))
        app = procrastinate.App(connector=connector)
        async with app.open_async():
            await queue.prune_tickets(app)

    asyncio.run(prune())
    assert tickets(pg_db) == [(9002, "succeeded")]


@pytest.mark.postgres
def test_a_second_ticket_for_a_waiting_job_is_not_queued_and_the_transaction_goes_on(
    pg_db: ServiceDb,
) -> None:
    with pg_db.factory.begin() as session:
        queue.defer(session, 7001)
        queue.defer(session, 7001)  # the same job's ticket waits already: nothing more
        queue.defer(session, 7002)  # the transaction is still usable
    assert sorted(tickets(pg_db)) == [(7001, "todo"), (7002, "todo")]
