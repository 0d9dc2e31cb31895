"""The migrations build exactly the schema the models declare, on both databases; the
migrations that move data keep it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.exc import IntegrityError

import calendars.models
import liaison.models
import media.models
import migrations
import scheduler.models
from editorial.db import Base, make_engine
from schedule import channels
from tests.conftest import scratch_database

MODELS = (calendars.models, liaison.models, media.models, scheduler.models)  # all on Base.metadata


def test_the_migrated_database_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrations.ours}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


BEFORE_QC_VERDICT = "e7b3c9d1f5a2"  # 0015: 0016 stores the current master's QC verdict
AT = "2026-03-02 01:00:00.000000"


def insert_masters(connection: Connection) -> None:
    """Four episodes as 0015 left them: a master whose QC failed (after one that passed),
    one that passed, none, and a master with no stored media version."""
    statements = [
        "INSERT INTO columns (id, slug, name, level, station, channel, has_fixed_slot, "
        "review_days_first, review_days_second, review_days_final, created_at) "
        f"VALUES (1, 'city', '时代风采', 'city', '市台', '综合', true, 2, 3, 2, '{AT}')",
        "INSERT INTO people (id, username, display_name, active, created_at) "
        f"VALUES (1, 'pr', '制片', true, '{AT}'), (2, 'ed', '编导', true, '{AT}')",
        *(
            "INSERT INTO episodes (id, column_id, title, topic, synopsis, genre, "
            "target_duration_s, director_id, responsible_producer_id, state, version, "
            "review_round, state_entered_at, review_due_estimated, media_version, "
            f"offered_for_exchange, created_at) VALUES ({eid}, 1, '节目{eid}', '', '', '', 900, "
            f"2, 1, '{state}', 3, {rounds}, '{AT}', false, {master}, false, '{AT}')"
            for eid, state, rounds, master in (
                (1, "first_review", 1, "2"),
                (2, "second_review", 1, "1"),
                (3, "in_production", 0, "NULL"),
                (4, "first_review", 1, "1"),
            )
        ),
        *(
            "INSERT INTO media_versions (episode_id, number, sha256, size_bytes, "
            "original_name, stored_as, uploaded_by_id, uploaded_at, qc_passed) VALUES "
            f"({eid}, {number}, '{'a' * 64}', 10, 'm.mp4', 'x/m.mp4', 2, '{AT}', {passed})"
            for eid, number, passed in ((1, 1, "true"), (1, 2, "false"), (2, 1, "true"))
        ),
    ]
    for statement in statements:
        connection.execute(text(statement))


def verdicts(engine: Engine) -> dict[int, bool | None]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, media_qc_passed FROM episodes ORDER BY id"))
        return {eid: None if passed is None else bool(passed) for eid, passed in rows}


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_0016_backfills_the_qc_verdict_and_downgrades(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path, "qc_verdict") as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine, BEFORE_QC_VERDICT)
            with engine.begin() as connection:
                insert_masters(connection)
            migrations.upgrade(engine)
            assert verdicts(engine) == {1: False, 2: True, 3: None, 4: None}
            with pytest.raises(IntegrityError, match="qc_of_a_master"), engine.begin() as conn:
                conn.execute(text("UPDATE episodes SET media_qc_passed = true WHERE id = 3"))
            migrations.downgrade(engine, BEFORE_QC_VERDICT)
            assert migrations.current(engine) == BEFORE_QC_VERDICT
            columns = {c["name"] for c in inspect(engine).get_columns("episodes")}
            assert "media_qc_passed" not in columns and "media_version" in columns
            with engine.connect() as connection:
                kept = connection.execute(text("SELECT id, media_version FROM episodes"))
                assert sorted(kept) == [(1, 2), (2, 1), (3, None), (4, 1)]
            migrations.upgrade(engine)
            assert verdicts(engine) == {1: False, 2: True, 3: None, 4: None}
        finally:
            engine.dispose()


BEFORE_FILL = "a9c4e7d2b5f1"  # 0018: 0019 adds airings.fill and the fill's switches and marks


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_0019_keeps_a_fill_a_rerun_and_downgrades(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path, "rerun_fill") as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine, BEFORE_FILL)
            with engine.begin() as connection:
                insert_masters(connection)
                connection.execute(
                    text(
                        "INSERT INTO slots (id, column_id, name, kind, station, channel, "
                        "timezone, local_start, duration_s, rrule, first_date, rerun_back, "
                        "campaign, created_at, updated_at) VALUES (1, 1, '周五首播', 'premiere', "
                        "'市台', '综合', 'Asia/Shanghai', '20:00:00', 1800, 'FREQ=WEEKLY', "
                        f"'2026-03-06', 1, false, '{AT}', '{AT}')"
                    )
                )
                connection.execute(
                    text(
                        "INSERT INTO airings (id, slot_id, episode_id, kind, starts_at, ends_at, "
                        "status, pinned, exchange, reason, revision, created_at, updated_at) "
                        "VALUES (1, 1, 1, 'premiere', '2026-03-06 12:00:00', "
                        f"'2026-03-06 12:30:00', 'aired', false, false, '', 0, '{AT}', '{AT}')"
                    )
                )
            migrations.upgrade(engine)
            with engine.connect() as connection:
                assert connection.execute(text("SELECT fill FROM airings")).scalar() in (0, False)
            with pytest.raises(IntegrityError, match="fill_is_rerun"), engine.begin() as conn:
                conn.execute(text("UPDATE airings SET fill = true WHERE id = 1"))
            migrations.downgrade(engine, BEFORE_FILL)
            assert migrations.current(engine) == BEFORE_FILL
            tables = set(inspect(engine).get_table_names())
            assert not tables & {"rerun_fill_switches", "keep_empty_days"}
            assert "fill" not in {c["name"] for c in inspect(engine).get_columns("airings")}
            migrations.upgrade(engine)
        finally:
            engine.dispose()


BEFORE_CHANNELS = "c7f2a9e4d1b6"  # 0019: 0020 makes a channel row for every slot's channel


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_0020_backfills_a_channel_for_every_slots_channel(backend: str, tmp_path: Path) -> None:
    long_slug = "a" * 35 + "-bbbb"  # cut to 36 characters, it would end with a hyphen
    with scratch_database(backend, tmp_path, "channels") as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine, BEFORE_CHANNELS)
            with engine.begin() as connection:
                for cid, slug in ((1, "city"), (2, "linjiang"), (3, long_slug)):
                    connection.execute(
                        text(
                            "INSERT INTO columns (id, slug, name, level, station, channel, "
                            "has_fixed_slot, review_days_first, review_days_second, "
                            f"review_days_final, created_at) VALUES ({cid}, '{slug}', "
                            f"'栏目{cid}', 'county', '台', '综合', true, 2, 3, 2, '{AT}')"
                        )
                    )
                for sid, cid, station, channel in (
                    (1, 1, "市台", "一套"),
                    (2, 1, "市台", "一套"),  # the same channel: one row
                    (3, 2, "县台", "综合"),
                    (4, 1, "市台", "二套"),  # the city's second channel: city-2
                    (5, 2, "县台", "公共"),  # linjiang-2
                    (6, 3, "远台", "一套"),
                    (7, 3, "远台", "二套"),
                ):
                    connection.execute(
                        text(
                            "INSERT INTO slots (id, column_id, name, kind, station, channel, "
                            "timezone, local_start, duration_s, rrule, first_date, rerun_back, "
                            f"campaign, created_at, updated_at) VALUES ({sid}, {cid}, '时段', "
                            f"'premiere', '{station}', '{channel}', 'Asia/Shanghai', '20:00:00', "
                            f"1800, 'FREQ=WEEKLY', '2026-03-06', 1, false, '{AT}', '{AT}')"
                        )
                    )
            migrations.upgrade(engine)
            with engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT station, name, code FROM channels ORDER BY id")
                ).all()
            short = "a" * 35
            assert [tuple(r) for r in rows] == [
                ("市台", "一套", "city"),
                ("县台", "综合", "linjiang"),
                ("市台", "二套", "city-2"),
                ("县台", "公共", "linjiang-2"),
                ("远台", "一套", short),
                ("远台", "二套", f"{short}-2"),
            ]
            assert all(channels.CODE.fullmatch(code) for _s, _n, code in rows)
        finally:
            engine.dispose()


BEFORE_TASK_ENGINE = "b3d8f1a6c2e4"  # 0021: 0022 adds the media job's attempt, worker, log


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_0022_installs_the_task_engine_on_postgresql_only_and_downgrades(
    backend: str, tmp_path: Path
) -> None:
    with scratch_database(backend, tmp_path, "task_engine") as url:
        engine = make_engine(url)
        try:
            migrations.upgrade(engine)
            queue_tables = {t for t in inspect(engine).get_table_names() if "procrastinate" in t}
            assert bool(queue_tables) == (backend == "postgresql")
            with pytest.raises(IntegrityError, match="attempt_not_negative"), engine.begin() as c:
                insert_masters(c)
                c.execute(
                    text(
                        "INSERT INTO media_jobs (media_version_id, kind, state, step, progress, "
                        "timeout_s, requested_by_id, requested_at, attempt) VALUES "
                        f"(1, 'review', 'queued', '', 0, 60, 1, '{AT}', -1)"
                    )
                )
            migrations.downgrade(engine, BEFORE_TASK_ENGINE)
            assert migrations.current(engine) == BEFORE_TASK_ENGINE
            assert not {t for t in inspect(engine).get_table_names() if "procrastinate" in t}
            columns = {c["name"] for c in inspect(engine).get_columns("media_jobs")}
            assert not columns & {"attempt", "worker", "log", "task_id"}
            migrations.upgrade(engine)  # and up again, procrastinate's schema too
            assert migrations.current(engine) != BEFORE_TASK_ENGINE
        finally:
            engine.dispose()
