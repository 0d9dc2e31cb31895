"""``tvcolumn schedule sheet`` and ``tvcolumn schedule deliver``: the order sheet on the
command line, issuing it, its XLSX, and the delivery package written to a folder."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from cli import common
from editorial import people
from schedule import airings
from schedule.models import Airing, SlotKind
from station.models import IssuedSheet, StationDelivery
from tests.web.sheet_world import NOW
from web.db import unit_of_work

WEEK = ("--channel", "yitao", "--week", "2026-W10")


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_the_sheet_is_shown_then_issued_and_numbered(
    run: Callable[..., Result], app: Flask, sheet_city: dict[str, int]
) -> None:
    shown = ok(run("schedule", "sheet", *WEEK))
    assert "未签发" in shown and "00:00:02:00" in shown and shown.count("红船精神代代传") == 2
    issued = ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp"))
    assert "issued version 1" in issued and "第 1 版，何静 2026-03-02 09:00 签发（最新）" in issued
    again = run("schedule", "sheet", *WEEK, "--issue", "--as", "bp")
    assert again.exit_code == 1 and "is current" in again.output
    with unit_of_work(app) as s:
        assert list(s.scalars(select(IssuedSheet.number))) == [1]


def test_a_change_shows_the_sheet_outdated_with_its_changes(
    run: Callable[..., Result], app: Flask, sheet_city: dict[str, int]
) -> None:
    ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp"))
    with unit_of_work(app) as s:
        rerun = s.scalars(select(Airing).where(Airing.kind == SlotKind.RERUN)).first()
        assert rerun is not None
        airings.pull(s, people.get_person(s, "bp"), rerun, NOW, reason="体育赛事转播")
    shown = ok(run("schedule", "sheet", *WEEK))
    assert "已过期" in shown and "删除 2026-03-08 10:00:00 红船精神代代传" in shown
    assert "issued version 2" in ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp"))


def test_the_xlsx_is_written_to_a_file(
    run: Callable[..., Result], sheet_city: dict[str, int], tmp_path: Path
) -> None:
    out = tmp_path / "播出单.xlsx"
    written = ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp", "--xlsx", str(out)))
    assert "wrote version 1" in written
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book["播出单"]["B6"].value == "第 1 版"


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--channel", "yitao", "--week", "2026-W60"), "not an ISO week"),
        (("--channel", "yitao", "--week", "next"), "not an ISO week"),
        (("--channel", "nowhere", "--week", "2026-W10"), "no channel 'nowhere'"),
        (("--channel", "yitao", "--week", "2026-W30", "--issue", "--as", "bp"), "no airings"),
        (("--channel", "yitao", "--week", "2026-W10", "--issue", "--as", "zp"), "may not issue"),
        (("--channel", "yitao", "--week", "2026-W10", "--issue"), "--issue needs --as"),
    ],
)
def test_bad_input_is_refused_with_a_sentence(
    run: Callable[..., Result], sheet_city: dict[str, int], args: tuple[str, ...], said: str
) -> None:
    result = run("schedule", "sheet", *args)
    assert result.exit_code != 0 and said in result.output, result.output


def test_the_delivery_folder_verifies_with_md5sum(
    run: Callable[..., Result], app: Flask, sheet_city: dict[str, int], tmp_path: Path
) -> None:
    target = tmp_path / "out" / "交付"
    refused = run("schedule", "deliver", *WEEK, "--as", "bp", "--to", str(target))
    assert refused.exit_code == 1 and "has not been issued" in refused.output
    ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp"))
    done = ok(run("schedule", "deliver", *WEEK, "--as", "bp", "--to", str(target)))
    assert "delivered version 1: 3 files" in done
    names = sorted(p.name for p in target.iterdir())
    master = f"city-{sheet_city['first']:06d}-v1.mp4"
    assert names == sorted(["MD5SUMS", master, "yitao-2026-W10-v1.xlsx"])
    checked = subprocess.run(
        ["md5sum", "-c", "MD5SUMS"], cwd=target, capture_output=True, text=True
    )
    assert checked.returncode == 0 and checked.stdout.count(": OK") == 2, checked.stdout
    assert [p.name for p in target.parent.iterdir()] == ["交付"]  # no temporary folder left
    with unit_of_work(app) as s:
        delivered = s.scalars(select(StationDelivery)).one()
        assert delivered.how == "folder" and delivered.delivered_by is not None
    taken = run("schedule", "deliver", *WEEK, "--as", "bp", "--to", str(target))
    assert taken.exit_code == 1 and "is not an empty folder" in taken.output


def test_a_read_only_destination_leaves_nothing_and_says_why(
    run: Callable[..., Result],
    app: Flask,
    sheet_city: dict[str, int],
    tmp_path: Path,
    read_only: Callable[[Path], None],
) -> None:
    ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp"))
    locked = tmp_path / "locked"
    read_only(locked)
    result = run("schedule", "deliver", *WEEK, "--as", "bp", "--to", str(locked / "package"))
    assert result.exit_code == 1
    assert "was not written" in result.output and "nothing was left there" in result.output
    assert list(locked.iterdir()) == []
    with unit_of_work(app) as s:
        assert s.scalars(select(StationDelivery)).first() is None


def test_an_unpackaged_master_is_named_and_nothing_is_written(
    run: Callable[..., Result], app: Flask, sheet_city: dict[str, int], tmp_path: Path
) -> None:
    for made in (Path(app.config["MEDIA_DIR"]) / "packaged").rglob("*.mp4"):
        made.unlink()
    ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp"))
    result = run("schedule", "deliver", *WEEK, "--as", "bp", "--to", str(tmp_path / "pkg"))
    assert result.exit_code == 1
    assert "2026-03-06 20:00 《红船精神代代传》 (not packaged)" in result.output
    assert "2026-03-08 10:00 《红船精神代代传》 (not packaged)" in result.output
    assert not (tmp_path / "pkg").exists()


def test_a_delivery_names_who_delivers_it(
    run: Callable[..., Result], app: Flask, sheet_city: dict[str, int], tmp_path: Path
) -> None:
    """Delivering is an act recorded with its person: without ``--as`` nothing is written."""
    ok(run("schedule", "sheet", *WEEK, "--issue", "--as", "bp"))
    result = run("schedule", "deliver", *WEEK, "--to", str(tmp_path / "pkg"))
    assert result.exit_code == 2 and "--as" in result.output
    assert not (tmp_path / "pkg").exists()
    with unit_of_work(app) as s:
        assert s.scalars(select(StationDelivery)).first() is None
