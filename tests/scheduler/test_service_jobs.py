"""The service's jobs in-process: one transaction per run, the run ledger, the
rebuild fingerprint. These commit for real, so they use a database of their own
(``service_db``: a SQLite file, or a private schema on PostgreSQL)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial import people, workflow
from editorial.accounts import FORGET
from editorial.models import (
    Column,
    Episode,
    Notification,
    Person,
    PriorityTag,
    Role,
    SignInThrottle,
)
from editorial.workdays import local_date
from liaison import service
from schedule import slots
from schedule.models import Airing, AiringStatus, ScheduleBuild, Slot, SlotKind
from scheduler import jobs
from scheduler.models import RunStatus, SchedulerRun
from tests.conftest import NOW
from tests.scheduler.test_service import (  # noqa: F401  (the fixtures)
    ServiceDb,
    approve_fixture,
    ledger,
    service_db_fixture,
)

FIRE = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


@pytest.fixture
def configured(service_db: ServiceDb) -> Iterator[ServiceDb]:
    jobs.configure(service_db.factory)
    yield service_db
    jobs.configure(None)


def notify(session: Session, now: datetime) -> int:
    """A job's work: one notification for the first person."""
    person = session.scalars(select(Person).order_by(Person.id)).first()
    assert person is not None
    session.add(
        Notification(
            person_id=person.id,
            kind="test",
            message="测试",
            dedupe_key=f"test:{now.isoformat()}",
            created_at=now,
        )
    )
    return 1


def count(db: ServiceDb, model: type[object]) -> int:
    with db.factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_fire_time_is_claimed_once_and_run_once(
    configured: ServiceDb, approve: Callable[[str], int]
) -> None:
    assert jobs.claim("notify", FIRE)
    assert not jobs.claim("notify", FIRE)  # a second scheduler, or a second submission
    with jobs.run_context("notify", FIRE):
        assert jobs.run_once("notify", notify) == 1
        assert jobs.run_once("notify", notify) is None  # done already
    assert jobs.run_once("notify", notify) == 1  # outside the service: claims a fire time now
    assert count(configured, Notification) == 2
    runs = ledger(configured)
    assert [(r.job_id, r.status, r.result) for r in runs] == [("notify", RunStatus.DONE, 1)] * 2
    assert runs[0].fire_time == FIRE
    assert all(r.runner == jobs.RUNNER and r.finished_at is not None for r in runs)


def test_a_failing_run_rolls_everything_back_and_is_recorded_failed(
    configured: ServiceDb, approve: Callable[[str], int]
) -> None:
    def fail_after_writing(session: Session, now: datetime) -> int:
        notify(session, now)
        session.flush()
        raise RuntimeError("磁盘已满")

    assert jobs.claim("notify", FIRE)
    with jobs.run_context("notify", FIRE):
        assert jobs.run_once("notify", fail_after_writing) is None
    assert count(configured, Notification) == 0
    [run] = ledger(configured)
    assert (run.status, run.detail) == (RunStatus.FAILED, "RuntimeError: 磁盘已满")
    assert jobs.recover({"notify": lambda: None}) == 0  # a failure is not retried


def test_a_fire_time_not_run_is_recorded_missed(configured: ServiceDb) -> None:
    assert jobs.claim("publish-frozen", FIRE)
    jobs.record_missed("publish-frozen", FIRE, "late by 0:00:40, past its misfire grace")
    jobs.record_missed("publish-frozen", FIRE + timedelta(seconds=30), "its previous run …")
    jobs.record_missed("publish-frozen", FIRE + timedelta(seconds=30), "recorded twice")
    runs = ledger(configured)
    assert [(r.fire_time - FIRE, r.status, r.detail) for r in runs] == [
        (timedelta(0), RunStatus.MISSED, "late by 0:00:40, past its misfire grace"),
        (timedelta(seconds=30), RunStatus.MISSED, "its previous run …"),
    ]
    with jobs.run_context("publish-frozen", FIRE):
        assert jobs.publish() is None  # a missed fire time is not run after all


def test_recover_runs_again_what_a_dead_scheduler_claimed(
    configured: ServiceDb, approve: Callable[[str], int]
) -> None:
    with configured.factory.begin() as s:
        for job_id in ("notify", "retired-job"):
            s.add(
                SchedulerRun(
                    job_id=job_id,
                    fire_time=FIRE,
                    runner="dead-host:4242",
                    status=RunStatus.RUNNING,
                    started_at=FIRE,
                )
            )

    assert jobs.recover({"notify": lambda: jobs.run_once("notify", notify)}) == 2
    assert count(configured, Notification) == 1
    runs = {r.job_id: r for r in ledger(configured)}
    assert (runs["notify"].status, runs["notify"].runner) == (RunStatus.DONE, jobs.RUNNER)
    assert runs["retired-job"].status is RunStatus.RUNNING  # unknown here: left alone


def test_old_ledger_rows_are_pruned_but_unfinished_claims_kept(configured: ServiceDb) -> None:
    now = datetime.now(UTC)
    with configured.factory.begin() as s:
        for days, status in ((30, RunStatus.DONE), (30, RunStatus.RUNNING), (2, RunStatus.DONE)):
            at = now - timedelta(days=days)
            s.add(
                SchedulerRun(
                    job_id=f"j{days}{status}",
                    fire_time=at,
                    runner="x",
                    status=status,
                    started_at=at,
                )
            )
    assert jobs.prune_runs() == 1
    kept = {r.job_id for r in ledger(configured)}
    assert kept == {"j30running", "j2done", "prune-runs"}


def people_in(session: Session) -> dict[str, Person]:
    """The ``approve`` fixture's people, by username (their role)."""
    return {p.username: p for p in session.scalars(select(Person))}


def fingerprint(db: ServiceDb) -> str:
    with db.factory() as session:
        return jobs.inputs_fingerprint(session)


def test_the_fingerprint_moves_with_approvals_pulls_and_slot_changes_only(
    configured: ServiceDb, approve: Callable[[str], int]
) -> None:
    seen = [fingerprint(configured)]

    def changed() -> bool:
        seen.append(fingerprint(configured))
        return seen[-1] != seen[-2]

    episode_id = approve("初心如磐")
    assert changed()
    with configured.factory.begin() as s:
        team = people_in(s)
        proposal = workflow.Proposal("新选题", 1200, team["producer"])
        workflow.propose(s, team["editor_director"], s.scalars(select(Column)).one(), NOW, proposal)
    assert not changed()  # a proposal does not change what can air
    with configured.factory.begin() as s:
        slot = s.scalars(select(Slot)).one()
        day = slot.first_date + timedelta(days=3)
        slots.add_exception(s, people_in(s)["scheduler"], slot, day, "转播重大会议", NOW)
    assert changed()
    with configured.factory.begin() as s:
        slot = s.scalars(select(Slot)).one()
        slots.remove_exception(s, people_in(s)["scheduler"], slot, day, "会议改期", NOW)
    assert changed()  # a removal is stamped on the row: neither the count nor the id moves
    with configured.factory.begin() as s:
        episode = s.get_one(Episode, episode_id)
        final = people_in(s)["final_approver"]
        workflow.pull_from_air(s, final, episode, episode.version, NOW, reason="内容需更新")
    assert changed()


def test_a_rebuild_runs_only_when_its_inputs_changed_and_stamps_them(
    configured: ServiceDb, approve: Callable[[str], int]
) -> None:
    approve("初心如磐")
    assert jobs.rebuild_if_changed() == 1
    assert jobs.rebuild_if_changed() == 0
    assert count(configured, ScheduleBuild) == 1
    approve("使命在肩")
    assert jobs.rebuild_if_changed() == 1
    with configured.factory() as session:
        last = session.scalars(select(ScheduleBuild).order_by(ScheduleBuild.id.desc())).first()
        assert last is not None and last.airings == 2
        assert last.fingerprint == jobs.inputs_fingerprint(session)
    assert jobs.rebuild() == 1  # the nightly run rebuilds regardless
    assert count(configured, ScheduleBuild) == 3


def test_a_rebuild_takes_the_liaison_priorities_and_a_new_one_brings_a_rebuild(
    configured: ServiceDb, approve: Callable[[str], int]
) -> None:
    plain = approve("初心如磐")  # the older approval: first in line without priorities
    tagged = approve("两会精神进基层")
    with configured.factory.begin() as s:
        s.add(PriorityTag(episode_id=tagged, tag="两会"))
    assert jobs.rebuild_if_changed() == 1
    # The slot's own first day, as the fixture made it: counted again from the clock here,
    # it is a day later when Shanghai's midnight falls between the fixture and this line.
    with configured.factory() as s:
        first_day = s.scalars(select(Slot.first_date)).one()
    assert premiere_days(configured) == {plain: first_day, tagged: first_day + timedelta(days=1)}
    day = first_day + timedelta(days=5)
    with configured.factory.begin() as s:
        team = people_in(s)
        column = s.scalars(select(Column)).one()  # the city column
        officer = team["admin"]
        people.grant_role(s, officer, column, Role.LIAISON, NOW)
        quarter = service.create_quarter(
            s, officer, NOW, year=day.year, number=(day.month - 1) // 3 + 1
        )
        spec = service.PrioritySpec(
            theme="学习贯彻两会精神", tag="两会", window_start=day, window_end=day
        )
        service.add_priority(s, officer, quarter, spec, NOW)
    assert jobs.rebuild_if_changed() == 1  # the priority changed the inputs
    assert premiere_days(configured) == {plain: first_day, tagged: day}
    assert jobs.rebuild_if_changed() == 0


def premiere_days(db: ServiceDb) -> dict[int, date]:
    with db.factory() as session:
        rows = session.execute(
            select(Airing.episode_id, Airing.starts_at).where(
                Airing.status != AiringStatus.CANCELLED, Airing.kind == SlotKind.PREMIERE
            )
        )
        return {episode_id: local_date(starts_at) for episode_id, starts_at in rows}


def test_a_run_records_when_it_finished_not_only_when_it_started(configured: ServiceDb) -> None:
    ended: list[datetime] = []

    def slow(session: Session, now: datetime) -> int:
        time.sleep(0.05)  # some work that takes time
        ended.append(datetime.now(UTC))
        return 0

    with jobs.run_context("slow", FIRE, claimed=False):
        assert jobs.run_once("slow", slow) == 0
    (run,) = ledger(configured)
    assert run.finished_at is not None
    assert run.finished_at >= ended[0] > run.started_at


def test_the_daily_job_forgets_stale_sign_in_throttle_counts(configured: ServiceDb) -> None:
    now = datetime.now(UTC)
    with configured.factory.begin() as s:
        s.add(SignInThrottle(key="address:192.0.2.1", failures=9, last_failure_at=now - FORGET))
        s.add(SignInThrottle(key="address:192.0.2.2", failures=9, last_failure_at=now))
    assert jobs.forget_sign_ins() == 1
    with configured.factory() as s:
        assert s.scalars(select(SignInThrottle.key)).all() == ["address:192.0.2.2"]
