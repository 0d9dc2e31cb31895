"""``tvcolumn schedule export --format xmltv``: the channel's XMLTV guide to a file or
standard output, valid for the XMLTV project's validator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from cli import common
from schedule import publishing
from tests.web.test_feeds_http import NOW, schedule
from tests.xmltv_check import checked
from web.db import unit_of_work


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(common, "now", lambda: NOW)


@pytest.fixture
def published(app: Flask) -> None:
    schedule(app)
    with app.app_context(), unit_of_work(app) as s:
        publishing.publish_frozen(s, NOW)


@pytest.mark.usefixtures("published")
def test_export_writes_a_valid_guide_to_a_file(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "city.xml"
    done = run("schedule", "export", "--format", "xmltv", "--channel", "city", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert f"wrote {out}" in done.output
    root = checked(out.read_bytes())
    assert root.find("channel").get("id") == "city.tvcolumn"  # type: ignore[union-attr]
    titles = {p.findtext("title") for p in root.findall("programme")}
    assert titles == {"红船精神代代传"}
    assert list(out.parent.iterdir()) == [out]  # no temporary file left


@pytest.mark.usefixtures("published")
def test_export_writes_to_standard_output(run: Callable[..., Result]) -> None:
    done = run("schedule", "export", "--format", "xmltv", "--channel", "city")
    assert done.exit_code == 0, done.stderr
    root = checked(done.stdout_bytes)
    assert len(root.findall("programme")) >= 1


@pytest.mark.usefixtures("published")
def test_export_refuses_an_unknown_channel_a_format_and_a_window(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    out = tmp_path / "x.xml"
    unknown = run(
        "schedule", "export", "--format", "xmltv", "--channel", "nowhere", "--out", str(out)
    )
    assert unknown.exit_code == 1 and "no channel 'nowhere'" in unknown.output
    bad = run("schedule", "export", "--format", "csv", "--channel", "city")
    assert bad.exit_code == 2
    far = run("schedule", "export", "--format", "xmltv", "--channel", "city", "--ahead", "9999")
    assert far.exit_code == 1 and "days ahead" in far.output
    assert not out.exists()


def test_an_empty_guide_is_written_with_a_warning(app: Flask, run: Callable[..., Result]) -> None:
    schedule(app)  # drafts only
    done = run("schedule", "export", "--format", "xmltv", "--channel", "city")
    assert done.exit_code == 0 and b"<programme" not in done.stdout_bytes
    assert "no published airing on city" in done.stderr
