"""Page response times in-process, on the province-scale data set.

The province instance of ``bench.schedule`` (100 columns, 5,000 approved
episodes, 200 series, one year from 1 January 2027) is generated into a fresh
SQLite file by a child process and its whole year built once by the schedule
builder. A person holding the reviewer and scheduler roles in every column
is added, and signed in through the Flask test client of an application on
that file. Then each page is fetched ``TVCOLUMN_BENCH_WEB_REQUESTS`` times
(default 40) after ``WARMUP`` fetches, timed by ``time.perf_counter`` around
the request and the reading of its body:

* the board ``/`` (我的节目: lanes per state and the review queue over all
  100 columns);
* an episode page ``/episodes/<id>``, cycling over a few approved episodes of
  different columns (a 404 if that page does not exist yet:
  ``web_episode_status`` says which);
* the all-columns month grid ``/schedule/month?month=2027-03`` (every airing
  of the person's 100 columns that month and the imported ones).

Figures: ``web_<page>_p50_ms`` and ``web_<page>_p95_ms`` (nearest rank), the
size of each page, and the SQL statements the month grid runs and the airings
it shows. The process runs pinned to one CPU, as ``bench.schedule`` does.

``python -m bench.web_pages`` runs it alone.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, select

from bench import format_figure
from bench import schedule_instances as instances
from bench.schedule import generate_province, pin_to_one_core
from editorial import accounts, people
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Column, Episode, Role, State
from schedule import builder
from schedule.builder_settings import BuildSettings
from web import create_app
from web.db import session_factory

REQUESTS_ENV = "TVCOLUMN_BENCH_WEB_REQUESTS"
DEFAULT_REQUESTS = 40
WARMUP = 3
MONTH = "2027-03"
USERNAME = "bench.everyone"
PASSWORD = "bench-password"
EPISODES_SAMPLED = 8
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')

Figure = tuple[str, float, str]


def log(message: str) -> None:
    print(f"bench.web_pages: {message}", file=sys.stderr, flush=True)


def requests_from_env() -> int:
    raw = os.environ.get(REQUESTS_ENV, str(DEFAULT_REQUESTS))
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"{REQUESTS_ENV}={raw!r} is not a whole number") from None
    if n < 1:
        raise SystemExit(f"{REQUESTS_ENV} must be at least 1, not {n}")
    return n


def prepare(db: Path) -> tuple[instances.Instance, list[int], float]:
    """Generate and build the province, add the person (run in a child process);
    return the instance, the episodes to fetch and the build's seconds."""
    instance = generate_province(f"sqlite:///{db}").instance
    engine = make_engine(f"sqlite:///{db}")
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            log(f"building {instance.days} days for {len(instance.column_ids)} columns")
            started = time.perf_counter()
            builder.build(
                session,
                instance.now,
                column_ids=list(instance.column_ids),
                start=instance.start,
                end=instance.end - timedelta(days=1),
                settings=BuildSettings(horizon_days=instance.days, frozen_days=0),
            )
            build_seconds = time.perf_counter() - started
            person = people.create_person(
                session, instance.now, username=USERNAME, display_name="全省通览"
            )
            accounts.set_password(session, person, PASSWORD, instance.now)
            for column in session.scalars(select(Column)):
                for role in (Role.REVIEWER, Role.SCHEDULER):
                    people.grant_role(session, person, column, role, instance.now)
            approved = list(
                session.scalars(
                    select(Episode.id).where(Episode.state == State.APPROVED).order_by(Episode.id)
                )
            )
    finally:
        engine.dispose()
    step = max(1, len(approved) // EPISODES_SAMPLED)
    return instance, approved[::step][:EPISODES_SAMPLED], build_seconds


def sign_in(client: FlaskClient) -> None:
    page = client.get("/sign-in").get_data(as_text=True)
    token = CSRF.search(page)
    if token is None:
        raise AssertionError("the sign-in page has no CSRF token")
    response = client.post(
        "/sign-in",
        data={"csrf_token": token.group(1), "username": USERNAME, "password": PASSWORD},
    )
    if response.status_code != 302:
        raise AssertionError(f"sign-in answered {response.status_code}")


@dataclass(frozen=True)
class Timing:
    seconds: list[float]  # sorted
    status: int
    size: int

    def percentile(self, p: float) -> float:
        """Nearest rank."""
        return self.seconds[max(0, math.ceil(p / 100 * len(self.seconds)) - 1)]


def measure(client: FlaskClient, paths: Callable[[int], str], repeats: int) -> Timing:
    """Fetch ``paths(i)`` ``WARMUP`` times, then time ``repeats`` fetches."""
    statuses: set[int] = set()
    size = 0
    for i in range(WARMUP):
        with client.get(paths(i)) as response:
            statuses.add(response.status_code)
    seconds = []
    for i in range(repeats):
        started = time.perf_counter()
        response = client.get(paths(WARMUP + i))
        body = response.get_data()
        seconds.append(time.perf_counter() - started)
        statuses.add(response.status_code)
        size = max(size, len(body))
        response.close()
    if len(statuses) != 1:
        raise AssertionError(f"{paths(0)} answered {sorted(statuses)}")
    return Timing(sorted(seconds), statuses.pop(), size)


def month_grid_statements(client: FlaskClient, engine: Any, path: str) -> tuple[int, int]:
    """The SQL statements one month grid runs, and the airings it says it shows."""
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.get(path).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    shown = re.search(r"共 (\d+) 次播出", body)
    return len(seen), int(shown.group(1)) if shown else -1


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def figures_of(name: str, timing: Timing) -> list[Figure]:
    return [
        (f"web_{name}_p50_ms", _ms(timing.percentile(50)), "ms"),
        (f"web_{name}_p95_ms", _ms(timing.percentile(95)), "ms"),
        (f"web_{name}_kib", round(timing.size / 1024, 1), "KiB"),
    ]


def run() -> list[Figure]:
    cpu = pin_to_one_core()
    log(f"pinned to CPU {cpu}" if cpu is not None else "cannot pin to one CPU here")
    repeats = requests_from_env()
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-web-") as tmp:
        db = Path(tmp) / "province.sqlite3"
        log("generating the province instance in a child process")
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            instance, episode_ids, build_seconds = pool.submit(prepare, db).result()
        app = create_app({"DATABASE_URL": f"sqlite:///{db}", "FEEDS_DIR": str(Path(tmp) / "feeds")})
        client = app.test_client()
        sign_in(client)
        log(f"timing {repeats} requests per page after {WARMUP} warm-up requests")
        board = measure(client, lambda _i: "/", repeats)
        episode = measure(
            client, lambda i: f"/episodes/{episode_ids[i % len(episode_ids)]}", repeats
        )
        month_path = f"/schedule/month?month={MONTH}"
        month = measure(client, lambda _i: month_path, repeats)
        engine = session_factory(app).kw["bind"]
        statements, airings = month_grid_statements(client, engine, month_path)
        engine.dispose()
    if board.status != 200 or month.status != 200:
        raise AssertionError(f"board answered {board.status}, month grid {month.status}")
    if episode.status != 200:
        log(f"the episode page answered {episode.status}: its figures time that answer")
    return [
        ("web_province_columns", len(instance.column_ids), "columns"),
        ("web_province_build_seconds", round(build_seconds, 2), "s"),
        ("web_requests_per_page", repeats, "requests"),
        *figures_of("board", board),
        ("web_episode_status", episode.status, "status"),
        *figures_of("episode", episode),
        *figures_of("month_grid", month),
        ("web_month_grid_airings", airings, "airings"),
        ("web_month_grid_statements", statements, "statements"),
    ]


def main() -> int:
    started = datetime.now(UTC)
    for figure in run():
        print(format_figure(figure), flush=True)
    log(f"done in {(datetime.now(UTC) - started).total_seconds():.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
