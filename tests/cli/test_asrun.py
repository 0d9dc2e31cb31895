"""``tvcolumn asrun import``: the summary printed, GBK by declaration, refusals on stderr
with nothing stored, a huge file refused unread."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from cli import common
from schedule.models import AsRunEntry, AsRunLog
from tests.conftest import NOW
from tests.station.asrun.conftest import World, csv_bytes, make_world, world_rows
from web.db import unit_of_work

Run = Callable[..., Result]


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


@pytest.fixture
def world(app: Flask) -> World:
    with unit_of_work(app) as session:
        return make_world(session)


def stored(app: Flask) -> tuple[int, int]:
    with unit_of_work(app) as session:
        return (
            session.scalar(select(func.count()).select_from(AsRunLog)) or 0,
            session.scalar(select(func.count()).select_from(AsRunEntry)) or 0,
        )


def test_import_prints_the_counts_and_a_line_per_problem(
    run: Run, app: Flask, world: World, tmp_path: Path
) -> None:
    rows = world_rows(world)
    rows[1][1] = "20:09:30"
    del rows[3]
    rows.append([rows[0][0], "21:00:00", "300", "公益广告", "", "已播"])
    path = tmp_path / "播后记录.csv"
    path.write_bytes(csv_bytes(rows))
    result = run("asrun", "import", str(path), "--channel", world.channel, "--as", "bp")
    assert result.exit_code == 0, result.output
    assert "imported 7 rows (2026-02-23 to 2026-03-01)" in result.output
    assert "confirmed 5, late 1, short 0, missing 1, unplanned 1" in result.output
    assert "《节目2》迟播 +570 s (row 3)" in result.output
    assert "《节目4》漏播" in result.output
    assert "unplanned 2026-02-23 周一 21:00  公益广告 (row 8)" in result.output
    assert "notified 1 people" in result.output  # the producer; the importer knows

    again = run("asrun", "import", str(path), "--channel", world.channel, "--as", "bp")
    assert again.exit_code == 0 and "already imported" in again.output
    assert stored(app) == (1, 7)


def test_a_gbk_file_is_refused_without_encoding_and_imported_with_it(
    run: Run, app: Flask, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes(world_rows(world), encoding="gbk"))
    refused = run("asrun", "import", str(path), "--channel", world.channel, "--as", "bp")
    assert refused.exit_code == 1
    assert "--encoding gb18030" in refused.output
    assert stored(app) == (0, 0)
    result = run(
        "asrun",
        "import",
        str(path),
        "--channel",
        world.channel,
        "--as",
        "bp",
        "--encoding",
        "gb18030",
    )
    assert result.exit_code == 0, result.output
    assert "confirmed 7" in result.output


def test_the_tolerance_option_is_in_minutes(
    run: Run, app: Flask, world: World, tmp_path: Path
) -> None:
    rows = world_rows(world)
    rows[0][1] = "20:03:00"
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes(rows))
    result = run(
        "asrun",
        "import",
        str(path),
        "--channel",
        world.channel,
        "--as",
        "bp",
        "--tolerance",
        "2",
    )
    assert "late 1" in result.output, result.output


def test_a_bad_row_is_refused_on_stderr_naming_it_and_nothing_is_stored(
    run: Run, app: Flask, world: World, tmp_path: Path
) -> None:
    rows = world_rows(world)
    rows.append(rows[2])
    path = tmp_path / "log.csv"
    path.write_bytes(csv_bytes(rows))
    result = run("asrun", "import", str(path), "--channel", world.channel, "--as", "bp")
    assert result.exit_code == 1
    assert "rows 4 and 9 start at the same moment" in result.output
    assert stored(app) == (0, 0)


def test_a_100_mb_file_is_refused_before_it_is_read(
    run: Run, app: Flask, world: World, tmp_path: Path
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as out:
        out.truncate(100 * 1024 * 1024)  # sparse: nothing is written, or read
    result = run("asrun", "import", str(path), "--channel", world.channel, "--as", "bp")
    assert result.exit_code == 1
    assert "the file is 100 MB, over the limit of 10 MB" in result.output
    assert stored(app) == (0, 0)
