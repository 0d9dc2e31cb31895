"""Feeds over HTTP under load: nginx's static file, our cached feed, our 304 path.

The feed is ``bench.feeds``'s column with 400 airings in the default window
(one premiere and one rerun a day; about 260 KB), the size the issue's
reference figures were measured at. Its ledger is synced and ``tvcolumn feeds
export``'s code writes the static files and the stamp, with today's real date,
since the web process takes its window from the clock.

In one run, each server on its own free port on 127.0.0.1, loaded by wrk (a
second process, ``TVCOLUMN_BENCH_HTTP_WRK``, default ``-t2 -c16``) for
``TVCOLUMN_BENCH_HTTP_SECONDS`` (default 5) after a one-second warm-up:

* nginx (Debian's nginx-light, foreground, 2 worker processes, a minimal
  configuration written to a temporary folder) serving the exported file,
  loaded before and after our server; the ratios divide by the mean of the
  two, so a change of the machine's other load during the run shows as a
  difference between them rather than skewing one side;
* gunicorn ``web:create_app()`` with 2 workers (one per core, like nginx; more only compete
  with wrk for the cores), once with the sync worker class
  and once with gthread (4 threads each): the cached feed (``GET`` with no
  condition, 200 and the whole body), then the 304 path (``If-None-Match``
  with the feed's ETag). The better class by cached requests/s is reported as
  ``feeds_http_cached_rps`` and ``feeds_http_304_rps``; both classes' figures
  are printed too.

Targets (the issue): cached at least 0.3 of nginx's requests/s, the 304 path
at least 0.4, no errors (socket errors and responses other than 2xx/3xx,
summed over every run). Every server is stopped at the end, whatever happens.
``make bench`` installs nginx-light and wrk when missing (as root).
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import format_figure
from bench.feeds import build_database, sync_ledger
from calendars import export
from editorial.db import make_engine, make_sessionmaker

AIRINGS = 400
SECONDS_ENV = "TVCOLUMN_BENCH_HTTP_SECONDS"
WRK_ENV = "TVCOLUMN_BENCH_HTTP_WRK"
DEFAULT_SECONDS = 5
DEFAULT_WRK = "-t2 -c16"
# One worker per core, like nginx here (more workers only compete with wrk for the cores).
WORKERS = int(os.environ.get("TVCOLUMN_BENCH_HTTP_WORKERS", "2"))
THREADS = 4
WORKER_CLASSES = ("sync", "gthread")
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0
INSTALL_HINT = "`make bench` installs it as root; or apt-get install nginx-light wrk"

Figure = tuple[str, float, str]


def log(message: str) -> None:
    print(f"bench.feeds_http: {message}", file=sys.stderr, flush=True)


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if found is None:
        raise RuntimeError(f"{name} is not installed: {INSTALL_HINT}")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def seconds_from_env() -> int:
    raw = os.environ.get(SECONDS_ENV, str(DEFAULT_SECONDS))
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"{SECONDS_ENV}={raw!r} is not a whole number") from None
    if not 1 <= n <= 60:
        raise SystemExit(f"{SECONDS_ENV} must be 1 to 60 seconds, not {n}")
    return n


# --- servers ----------------------------------------------------------------------------------


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers.items()), error.read()


def wait_until_up(url: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited: {log_file.read_text()[-2000:]}")
        try:
            if get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url}: no answer within {STARTUP_TIMEOUT_S} s")


@contextmanager
def running(
    argv: Sequence[str], url: str, log_file: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Start a foreground server, wait for ``url`` to answer 200, stop it at the end."""
    with open(log_file, "wb") as out:
        process = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        wait_until_up(url, process, log_file)
        yield process
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the server's own process group if it lingers."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_TIMEOUT_S)
    with contextlib.suppress(ProcessLookupError):  # workers left behind by a killed master
        os.killpg(process.pid, signal.SIGKILL)


NGINX_CONF = """\
daemon off;
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/calendar ics; }}
    default_type application/octet-stream;
    charset utf-8;
    charset_types text/calendar;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port};
        location /feeds/ {{ alias {feeds}/; }}
    }}
}}
"""


@contextmanager
def nginx(tmp: Path, feeds_dir: Path, path: str) -> Iterator[str]:
    port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=WORKERS, tmp=tmp, port=port, feeds=feeds_dir))
    url = f"http://127.0.0.1:{port}/feeds/{path}"
    argv = [tool("nginx"), "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "nginx-error.log")]
    with running(argv, url, tmp / "nginx.out"):
        yield url


@contextmanager
def gunicorn(
    tmp: Path, db_url: str, feeds_dir: Path, worker_class: str, path: str
) -> Iterator[str]:
    port = free_port()
    env = os.environ | {
        "TVCOLUMN_INSTANCE_PATH": str(tmp / "instance"),
        "TVCOLUMN_DATABASE_URL": db_url,
        "TVCOLUMN_FEEDS_DIR": str(feeds_dir),
        "TVCOLUMN_SECRET_KEY": "bench-only",
    }
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        worker_class,
        "--threads",
        str(THREADS if worker_class == "gthread" else 1),
        "--log-level",
        "warning",
        "web:create_app()",
    ]
    url = f"http://127.0.0.1:{port}/feeds/{path}"
    with running(argv, url, tmp / f"gunicorn-{worker_class}.out", env):
        yield url


# --- load -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    requests_per_s: float
    requests: int
    errors: int


REQUESTS_PER_S = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
REQUESTS = re.compile(r"^\s*(\d+) requests in", re.M)
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


def parse_wrk(output: str) -> Load:
    rps = REQUESTS_PER_S.search(output)
    total = REQUESTS.search(output)
    if rps is None or total is None:
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    errors = NON_2XX.search(output)
    sockets = SOCKET_ERRORS.search(output)
    count = (int(errors.group(1)) if errors else 0) + (
        sum(int(n) for n in sockets.groups()) if sockets else 0
    )
    return Load(float(rps.group(1)), int(total.group(1)), count)


def wrk(url: str, seconds: int, headers: dict[str, str] | None = None) -> Load:
    argv = [tool("wrk"), *shlex.split(os.environ.get(WRK_ENV, DEFAULT_WRK)), "--timeout", "5s"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    subprocess.run(
        [*argv, "-d1s", url], capture_output=True, text=True, timeout=30, check=True
    )  # warm-up: every worker (and thread) caches the feed
    done = subprocess.run(
        [*argv, f"-d{seconds}s", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    load = parse_wrk(done.stdout)
    log(f"{url} {headers or ''}: {load.requests_per_s:.0f} requests/s, {load.errors} errors")
    return load


# --- the run ----------------------------------------------------------------------------------


def prepare(tmp: Path) -> tuple[str, Path, str, bytes]:
    """The database, the exported files and the stamp; (db url, feeds dir, path, body)."""
    now = datetime.now(UTC)
    instance = build_database(tmp / "feeds.sqlite3", AIRINGS, now)
    feeds_dir = tmp / "feeds"
    engine = make_engine(instance.url)
    try:
        changed, *_ = sync_ledger(engine, now)
        with make_sessionmaker(engine)() as session:
            result = export.export(session, now, feeds_dir)
        export.touch_stamp(feeds_dir)
    finally:
        engine.dispose()
    path = f"columns/{instance.slug}.ics"
    if changed != AIRINGS or path not in result.written:
        raise RuntimeError(f"expected {AIRINGS} events exported to {path}: {result}")
    for folder in (tmp, feeds_dir, feeds_dir / "columns"):
        folder.chmod(0o755)  # nginx's workers run as another user when started by root
    return instance.url, feeds_dir, path, (feeds_dir / path).read_bytes()


def check_same_feed(url: str, body: bytes) -> str:
    """The server answers the exported bytes; returns its ETag."""
    status, headers, got = get(url)
    if status != 200 or got != body:
        raise RuntimeError(f"{url}: {status}, {len(got)} bytes, not the {len(body)} exported")
    etag = headers.get("ETag", "")
    if not etag:
        raise RuntimeError(f"{url}: no ETag")
    return etag


def check_not_modified(url: str, etag: str) -> None:
    status, _, got = get(url, {"If-None-Match": etag})
    if status != 304 or got:
        raise RuntimeError(f"{url}: If-None-Match {etag} gave {status}, not an empty 304")


def run() -> list[Figure]:
    seconds = seconds_from_env()
    for name in ("nginx", "wrk"):
        tool(name)  # fail before building anything
    started = time.monotonic()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-http-") as name:
        tmp = Path(name)
        log(f"building and exporting a {AIRINGS}-airing feed")
        db_url, feeds_dir, path, body = prepare(tmp)
        figures += [
            ("feeds_http_feed_events", AIRINGS, "events"),
            ("feeds_http_feed_kb", round(len(body) / 1024, 1), "KB"),
        ]
        with nginx(tmp, feeds_dir, path) as url:
            check_same_feed(url, body)
            before = wrk(url, seconds)
            by_class: dict[str, tuple[Load, Load]] = {}
            for worker_class in WORKER_CLASSES:
                with gunicorn(tmp, db_url, feeds_dir, worker_class, path) as ours:
                    etag = check_same_feed(ours, body)
                    check_not_modified(ours, etag)
                    cached = wrk(ours, seconds)
                    not_modified = wrk(ours, seconds, {"If-None-Match": etag})
                by_class[worker_class] = (cached, not_modified)
            after = wrk(url, seconds)
    static = Load(
        (before.requests_per_s + after.requests_per_s) / 2,
        before.requests + after.requests,
        before.errors + after.errors,
    )
    best = max(WORKER_CLASSES, key=lambda c: by_class[c][0].requests_per_s)
    cached, not_modified = by_class[best]
    log(f"better worker class: {best}")
    errors = static.errors + sum(a.errors + b.errors for a, b in by_class.values())
    figures += [
        ("feeds_http_nginx_rps", round(static.requests_per_s), "requests/s"),
        ("feeds_http_nginx_rps_before", round(before.requests_per_s), "requests/s"),
        ("feeds_http_nginx_rps_after", round(after.requests_per_s), "requests/s"),
        ("feeds_http_cached_rps", round(cached.requests_per_s), "requests/s"),
        ("feeds_http_304_rps", round(not_modified.requests_per_s), "requests/s"),
        ("feeds_http_cached_ratio", round(cached.requests_per_s / static.requests_per_s, 3), "x"),
        (
            "feeds_http_304_ratio",
            round(not_modified.requests_per_s / static.requests_per_s, 3),
            "x",
        ),
        ("feeds_http_gthread_better", int(best == "gthread"), "bool"),
    ]
    for worker_class, (a, b) in by_class.items():
        figures += [
            (f"feeds_http_cached_rps_{worker_class}", round(a.requests_per_s), "requests/s"),
            (f"feeds_http_304_rps_{worker_class}", round(b.requests_per_s), "requests/s"),
        ]
    figures += [
        ("feeds_http_errors", errors, "errors"),
        ("feeds_http_seconds", round(time.monotonic() - started, 1), "s"),
    ]
    return figures


if __name__ == "__main__":
    for figure in run():
        print(format_figure(figure))
