"""The delay from an act's commit to its notification mail's arrival.

A fresh SQLite database, a real SMTP server in this process (aiosmtpd on
127.0.0.1) and the real service, ``tvcolumn scheduler run --poll-seconds 1``,
in a child process with ``TVCOLUMN_SMTP_URL`` pointing at it. Each sample
proposes a topic (its column's one producer, who has an address, is told),
commits, and waits for the mail; acts are spread over the poll's phase, so
the figure includes the wait for the next poll as a person would see it.

``TVCOLUMN_BENCH_NOTIFICATIONS`` sets the number of samples (default 20).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

import migrations
from bench import Figure, repeats_from_env
from editorial import people, workflow
from editorial.db import make_engine, make_sessionmaker
from editorial.models import Column, Level, Person, Role

SAMPLES_ENV = "TVCOLUMN_BENCH_NOTIFICATIONS"
POLL_SECONDS = 1
NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
TVCOLUMN = str(Path(sys.executable).with_name("tvcolumn"))


class Inbox:
    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, _server: Any, _session: Any, _envelope: Any) -> str:
        with self.arrived:
            self.arrivals.append(time.monotonic())
            self.arrived.notify_all()
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: len(self.arrivals) >= count, timeout):
                raise RuntimeError(f"mail {count} did not arrive within {timeout} s")
            return self.arrivals[count - 1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Inbox, str]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@contextmanager
def service(url: str, smtp_url: str, instance: Path) -> Iterator[subprocess.Popen[str]]:
    env = {
        **os.environ,
        "TVCOLUMN_DATABASE_URL": url,
        "TVCOLUMN_INSTANCE_PATH": str(instance),
        "TVCOLUMN_SMTP_URL": smtp_url,
        "TVCOLUMN_PUBLIC_URL": "https://tv.example.cn",
    }
    proc = subprocess.Popen(
        [TVCOLUMN, "scheduler", "run", "--poll-seconds", str(POLL_SECONDS)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # until the service leads and has its jobs
            if "job deliver-notifications" in line:
                break
        else:
            raise RuntimeError("the scheduler service ended before it started its jobs")
        drain = threading.Thread(target=proc.stdout.read, daemon=True)
        drain.start()
        yield proc
    finally:
        proc.terminate()
        proc.wait(30)


def run() -> list[Figure]:
    samples = repeats_from_env(SAMPLES_ENV, 20)
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-notifications-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = make_engine(url)
        migrations.upgrade(engine)
        factory = make_sessionmaker(engine)
        with factory.begin() as s:
            column = people.create_column(
                s,
                NOW,
                slug="sjfc",
                name="时代风采",
                level=Level.CITY,
                station="市台",
                channel="综合",
            )
            director = people.create_person(s, NOW, username="director", display_name="王芳")
            producer = people.create_person(
                s, NOW, username="producer", display_name="李明", email="producer@example.org"
            )
            people.grant_role(s, director, column, Role.EDITOR_DIRECTOR, NOW)
            people.grant_role(s, producer, column, Role.PRODUCER, NOW)
            ids = column.id, director.id, producer.id
        delays = []
        with smtp_server() as (inbox, smtp_url), service(url, smtp_url, Path(tmp)):
            for n in range(samples):
                time.sleep(0.5 + (n * 0.37) % 1.0)  # spread over the poll's phase
                with factory.begin() as s:
                    column_id, director_id, producer_id = ids
                    workflow.propose(
                        s,
                        s.get_one(Person, director_id),
                        s.get_one(Column, column_id),
                        NOW,
                        workflow.Proposal(f"第{n + 1}期", 1200, s.get_one(Person, producer_id)),
                    )
                committed = time.monotonic()
                delays.append(inbox.wait_for(n + 1) - committed)
                print(f"bench: mail {n + 1}: {delays[-1]:.3f} s", file=sys.stderr)
        engine.dispose()
    return [
        ("notification_mail_delay_p50_s", round(statistics.median(delays), 3), "s"),
        ("notification_mail_delay_max_s", round(max(delays), 3), "s"),
    ]
