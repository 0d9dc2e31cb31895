"""Browser tests: Debian's Chromium, driven by Playwright, against a live server.

- ``live_server``: the application under werkzeug in a thread of the test process, on a
  fresh SQLite database with the demo loaded (every demo person signs in with
  ``shidai-demo``; ``tvcolumn users list`` shows who is what). One per session.
- ``browser``: ``/usr/bin/chromium``, headless (``--no-sandbox`` as root). Playwright's own
  browser download does not work here. Chromium needs Debian's ``fonts-noto-cjk``: without a
  CJK font it draws every Chinese character as an empty box, and a screenshot shows nothing
  a reader can check. ``make test`` installs both; under CI their absence fails the tests,
  elsewhere they skip and say why.
- ``page`` (desktop, 1280×800) and ``phone_page`` (390×844): a fresh context each, so no
  cookie outlives its test.
- ``screenshot(page, name)`` saves ``<name>.png`` under ``$TVCOLUMN_SCREENSHOTS`` (default
  ``test-output/screenshots/`` at the repository root); ``sign_in(page, username)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import ScriptInfo
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

import migrations
from cli import cli
from editorial import people, workflow
from editorial.demo import CITY_SLUG, DEMO_PASSWORD
from editorial.models import Stage
from tests.conftest import IN_CI
from web import create_app
from web.db import session_factory, unit_of_work

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def missing(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: `make test` installs it)")
    pytest.skip(reason)


def chinese_fonts() -> list[str]:
    """Font families fontconfig knows for Chinese (what Chromium falls back to)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return []
    listed = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True)
    return [line for line in listed.stdout.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on a migrated SQLite database with the demo loaded."""
    folder = tmp_path_factory.mktemp("browser")
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{folder / 'app.sqlite3'}",
            "INSTANCE_PATH": str(folder),
            "FEEDS_DIR": str(folder / "feeds"),
            "MEDIA_DIR": str(folder / "media"),
        }
    )
    engine = session_factory(app).kw["bind"]
    migrations.upgrade(engine)
    loaded = CliRunner().invoke(cli, ["demo", "load"], obj=ScriptInfo(create_app=lambda: app))
    assert loaded.exit_code == 0, loaded.output
    yield app
    engine.dispose()


def closing(app: WSGIApplication) -> WSGIApplication:
    """``app`` whose response is closed however the request ends. werkzeug's development
    server skips ``close()`` when the client resets the connection while the server drains
    it (``serving.py``, ``execute``'s ``finally``): Chromium does that to the video range
    requests it abandons, and the proxy file it was reading would be left to the garbage
    collector (a ResourceWarning, an error in this suite). A generator's ``finally`` runs
    when it is dropped unfinished."""

    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterator[bytes]:
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wrapped


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The base URL of ``live_app``, served from a thread."""
    server = make_server("127.0.0.1", 0, closing(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} is missing (Debian: apt-get install chromium)")
    if not chinese_fonts():
        missing("no Chinese font for Chromium (Debian: apt-get install fonts-noto-cjk)")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=args
        )
        yield launched
        launched.close()


def _page(browser: Browser, live_server: str, **options: object) -> Iterator[Page]:
    """A fresh page; when its test is done, it must not have hit the Content-Security-Policy
    (Chromium reports each refused script, style or frame on the console)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", **options)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    violations: list[str] = []
    try:
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        yield page
    finally:
        context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _page(browser, live_server, viewport=DESKTOP)


@pytest.fixture
def phone_page(browser: Browser, live_server: str) -> Iterator[Page]:
    yield from _page(
        browser, live_server, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )


def screenshots_dir() -> Path:
    configured = os.environ.get("TVCOLUMN_SCREENSHOTS")
    return Path(configured) if configured else ROOT / "test-output" / "screenshots"


def screenshot(page: Page, name: str) -> Path:
    """Save the whole page as ``<name>.png`` with the test output; return its path."""
    path = screenshots_dir() / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True)
    return path


def sign_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, as a person would, and wait for the page it leads to."""
    page.goto("/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click("form.stack button[type=submit]")
    assert posted.value.status == 302, f"signing in as {username}: {posted.value.status}"
    page.wait_for_load_state()


def in_second_review(app: Flask, title: str) -> int:
    """A new episode of the city column, proposed by 王芳, approved and signed at the first
    review by 黄丽 over a master (version 1, no file), now awaiting the second review."""
    now = datetime.now(UTC)
    with app.app_context(), unit_of_work(app) as s:
        director, producer = people.get_person(s, "wang.fang"), people.get_person(s, "huang.li")
        column = people.get_column(s, CITY_SLUG)
        e = workflow.propose(s, director, column, now, workflow.Proposal(title, 900, producer))
        workflow.approve_topic(s, producer, e, e.version, now)
        workflow.start_production(s, director, e, e.version, now)
        workflow.new_media_version(s, director, e, e.version, now, number=1)
        workflow.submit(s, director, e, e.version, now)
        ok = workflow.Checklist.all_confirmed()
        workflow.sign_off(s, producer, e, e.version, now, stage=Stage.FIRST, checklist=ok)
        return e.id
