"""``tvcolumn feeds sync|export|token``."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from calendars import export
from calendars.models import ExternalAiring, FeedSource
from cli import common
from editorial import people
from editorial.models import Level
from tests.web.test_feeds_http import NOW, schedule
from web.db import unit_of_work


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's clock at NOW, when the test schedule is inside the feed window."""
    monkeypatch.setattr(common, "now", lambda: NOW)


def test_export_writes_every_public_feed_and_only_what_changed(
    app: Flask, run: Callable[..., Result], tmp_path: Path
) -> None:
    schedule(app)
    target = tmp_path / "static"
    first = run("feeds", "export", str(target))
    assert first.exit_code == 0, first.output
    assert "3 written, 0 unchanged" in first.output
    body = (target / "columns" / "city.ics").read_bytes()
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and "红船精神代代传".encode() in body
    assert (target / "all.ics").exists() and (target / "liaison.ics").exists()
    again = run("feeds", "export", str(target))
    assert "0 written, 3 unchanged" in again.output


def test_sync_reports_changes_and_tells_the_web_processes(
    app: Flask, run: Callable[..., Result]
) -> None:
    schedule(app)
    feeds_dir = Path(app.config["FEEDS_DIR"])
    stamp = export.read_stamp(feeds_dir)
    result = run("feeds", "sync")
    assert result.exit_code == 0, result.output
    assert "feed events changed" in result.output
    assert export.read_stamp(feeds_dir) != stamp


def test_a_token_is_shown_once_and_rotating_or_revoking_ends_the_old_link(
    app: Flask, run: Callable[..., Result]
) -> None:
    schedule(app)
    issued = run("feeds", "token", "ed")
    assert issued.exit_code == 0, issued.output
    https, webcal = re.findall(r"\S+://\S+\.ics", issued.output)
    assert webcal == "webcal://" + https.split("://", 1)[1]
    path = "/feeds/" + https.split("/feeds/", 1)[1]
    client = app.test_client()
    assert client.get(path).status_code == 200
    assert run("feeds", "token", "ed").exit_code == 0
    assert client.get(path).status_code == 404
    newest = re.findall(r"https?://\S+\.ics", run("feeds", "token", "ed").output)[0]
    revoked = run("feeds", "token", "ed", "--revoke")
    assert "revoked 1" in revoked.output
    assert client.get("/feeds/" + newest.split("/feeds/", 1)[1]).status_code == 404


def test_revoking_a_token_ends_the_link_at_once_with_a_read_only_feeds_folder(
    app: Flask, run: Callable[..., Result], read_only: Callable[[Path], None]
) -> None:
    schedule(app)
    issued = run("feeds", "token", "ed")
    path = "/feeds/" + re.findall(r"https?://\S+\.ics", issued.output)[0].split("/feeds/", 1)[1]
    client = app.test_client()
    assert [client.get(path).status_code for _ in range(2)] == [200, 200]  # cached
    read_only(Path(app.config["FEEDS_DIR"]))
    revoked = run("feeds", "token", "ed", "--revoke")
    assert revoked.exit_code == 0, revoked.output
    assert client.get(path).status_code == 404


def test_sync_with_a_read_only_feeds_folder_commits_and_warns(
    app: Flask, run: Callable[..., Result], read_only: Callable[[Path], None]
) -> None:
    schedule(app)
    read_only(Path(app.config["FEEDS_DIR"]))
    result = run("feeds", "sync")
    assert result.exit_code == 0, result.output
    assert "was not written" in result.stderr


def test_a_token_for_an_unknown_person_is_refused(app: Flask, run: Callable[..., Result]) -> None:
    result = run("feeds", "token", "nobody")
    assert result.exit_code == 1
    assert "no person with username 'nobody'" in result.output


def test_schedule_show_lists_imported_airings_beside_ours_marked_external(
    app: Flask, run: Callable[..., Result]
) -> None:
    schedule(app)
    with app.app_context(), unit_of_work(app) as s:
        county = people.create_column(
            s, NOW, slug="xian", name="县里党建", level=Level.COUNTY, station="县台", channel="一套"
        )
        source = FeedSource(
            column_id=county.id, name="县台系统", location="https://x.example/f.ics", created_at=NOW
        )
        s.add(source)
        s.flush()
        s.add(
            ExternalAiring(
                source_id=source.id,
                identity="a@x|2026-03-05T12:00:00+00:00",
                source_uid="a@x",
                starts_at=datetime(2026, 3, 5, 12, 0, tzinfo=UTC),
                ends_at=datetime(2026, 3, 5, 12, 30, tzinfo=UTC),
                summary="县级党建节目",
                imported_at=NOW,
            )
        )
    shown = run("schedule", "show", "--from", "2026-03-01", "--to", "2026-03-31")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    external = next(i for i, line in enumerate(lines) if "县级党建节目" in line)
    ours = next(i for i, line in enumerate(lines) if "红船精神代代传" in line)
    assert "外部" in lines[external] and "xian" in lines[external]
    assert external < ours  # 5 March 20:00 before Friday 6 March
