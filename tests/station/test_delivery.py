"""The delivery package: what it holds, what stands in its way (naming the airings), and
a folder written all or nothing, verified with the real ``md5sum -c``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from editorial.errors import Forbidden, InvalidInput
from media.models import MediaVersion
from schedule import airings
from station import delivery, sheets
from tests.conftest import NOW, Crew
from tests.station.conftest import WEEK, World


def _sheet(world: World, media_root: Path) -> sheets.Sheet:
    return sheets.build_sheet(world.session, world.channel, WEEK, media_root=media_root)


def _issue(world: World, media_root: Path) -> None:
    sheets.issue(
        world.session, world.scheduler, world.channel, WEEK, None, NOW, media_root=media_root
    )


def test_a_package_holds_each_master_once_and_verifies_with_md5sum(
    world: World, packaged: Callable[..., MediaVersion], media_root: Path, tmp_path: Path
) -> None:
    packaged(world.first)
    _issue(world, media_root)
    package = delivery.plan(world.session, world.scheduler, _sheet(world, media_root), media_root)
    assert [i.name for i in package.items] == [
        f"{world.first.column.slug}-{world.first.id:06d}-v1.mp4"
    ]
    written = delivery.write_folder(world.session, package, tmp_path / "交付包")
    assert written.files == 3
    sums = (tmp_path / "交付包" / "MD5SUMS").read_text(encoding="utf-8")
    assert sums.count("\n") == 2 and "  " in sums
    checked = subprocess.run(
        ["md5sum", "-c", "MD5SUMS"], cwd=tmp_path / "交付包", capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_package_is_refused_before_the_sheet_is_issued_and_when_it_is_outdated(
    world: World, packaged: Callable[..., MediaVersion], media_root: Path
) -> None:
    packaged(world.first)
    with pytest.raises(InvalidInput, match="has not been issued") as refused:
        delivery.plan(world.session, world.scheduler, _sheet(world, media_root), media_root)
    assert refused.value.code == "delivery_not_issued"
    _issue(world, media_root)
    rerun = world.airings[1]
    airings.pull(world.session, world.scheduler, rerun, NOW, reason="体育赛事转播")
    with pytest.raises(InvalidInput, match="issue it again") as outdated:
        delivery.plan(world.session, world.scheduler, _sheet(world, media_root), media_root)
    assert outdated.value.code == "delivery_sheet_outdated"


def test_a_missing_or_failed_master_is_named_by_airing(
    world: World, packaged: Callable[..., MediaVersion], media_root: Path
) -> None:
    packaged(world.first, qc_passed=False)
    _issue(world, media_root)
    with pytest.raises(InvalidInput) as refused:
        delivery.plan(world.session, world.scheduler, _sheet(world, media_root), media_root)
    assert refused.value.code == "delivery_masters_missing"
    assert "2026-03-06 20:00 《党建引领乡村振兴》 (failed QC)" in refused.value.message
    assert "2026-03-08 10:00 《党建引领乡村振兴》 (failed QC)" in refused.value.message


def test_only_the_columns_scheduler_delivers(
    world: World, crew: Crew, packaged: Callable[..., MediaVersion], media_root: Path
) -> None:
    packaged(world.first)
    _issue(world, media_root)
    with pytest.raises(Forbidden):
        delivery.plan(world.session, crew.producer, _sheet(world, media_root), media_root)


def test_a_read_only_destination_leaves_nothing(
    world: World,
    packaged: Callable[..., MediaVersion],
    media_root: Path,
    tmp_path: Path,
    read_only: Callable[[Path], None],
) -> None:
    packaged(world.first)
    _issue(world, media_root)
    package = delivery.plan(world.session, world.scheduler, _sheet(world, media_root), media_root)
    locked = tmp_path / "locked"
    read_only(locked)
    with pytest.raises(InvalidInput, match="was not written") as refused:
        delivery.write_folder(world.session, package, locked / "package")
    assert refused.value.code == "delivery_write_failed"
    assert list(locked.iterdir()) == []
