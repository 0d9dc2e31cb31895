"""The board and the episode API under load, through the deploy files, on PostgreSQL.

The production stack on loopback: a fresh PostgreSQL database, gunicorn with
``deploy/gunicorn.conf.py`` and nginx with ``deploy/nginx-tvcolumn.conf`` (TLS with a
throw-away self-signed certificate, its placeholders replaced by a temporary folder
and free ports on 127.0.0.1, as ``tests/web/test_deploy.py`` does), loaded by wrk.

Setup, each run:

* the database of ``TVCOLUMN_BENCH_DATABASE_URL`` (default
  ``postgresql+psycopg://tvcolumn_ci:tvcolumn_ci@127.0.0.1:5432/tv_bench``) is dropped
  and created afresh, so its name must contain ``bench``; its role needs CREATEDB (as
  root the script falls back to ``su postgres``). It is dropped again at the end unless
  ``TVCOLUMN_BENCH_KEEP_DATABASE=1``;
* ``tvcolumn db upgrade``, ``tvcolumn demo load``, ``tvcolumn users password`` for the
  demo reviewer ``li.jianguo`` (every column) and ``tvcolumn users token li.jianguo
  --label bench``: the command line, not the Python API, so the script runs unchanged
  against older checkouts;
* gunicorn with ``TVCOLUMN_WEB_WORKERS`` = ``TVCOLUMN_BENCH_WEB_WORKERS`` (default
  2 × usable cores + 1, the deploy file's own default) and ``TVCOLUMN_WEB_THREADS`` =
  ``TVCOLUMN_BENCH_WEB_THREADS`` (default 4), both set explicitly so every checkout
  runs the same shape; nginx with one worker process;
* sign-in through the real ``/sign-in`` form through nginx (its CSRF token from the page,
  the session cookie from the answer). A site older than "Host with its port" makes the
  CSRF check refuse a form on a port other than 443: then the form is posted to gunicorn
  directly, and ``web_load_signed_in_through_nginx`` says 0.

Then, through nginx, each for ``TVCOLUMN_BENCH_LOAD_SECONDS`` (default 10) after a
2-second warm-up, wrk with 2 threads and 16 connections (``--timeout 10s``):

* the board ``/`` with the session cookie (``Cookie:`` header);
* ``GET /api/v1/episodes`` with ``Authorization: Bearer <token>``.

A small Lua script's ``done`` callback prints the requests, the duration, the 50th and
99th latency percentiles and the errors: responses other than 2xx (counted in Lua, so a
redirect to the sign-in page counts) plus socket errors. Figures per target:
``web_load_<target>_rps``, ``_p50_ms``, ``_p99_ms``, ``_errors``, ``_requests``, ``_kib``
(one answer's body). Every server is stopped at the end, whatever happens.

The code measured is the checkout the ``web`` package is imported from (the first on
``PYTHONPATH``), or ``TVCOLUMN_BENCH_ROOT``; this file imports nothing of it, so it
measures an older checkout too::

    PYTHONPATH=/work/main python -m bench bench.web_load
    PYTHONPATH=/path/to/old/checkout python /path/to/this/bench/web_load.py

``make bench`` installs nginx-light and wrk when missing (as root); openssl makes the
certificate.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

from bench import format_figure

if __name__ == "__main__":  # run as a file: this folder must not shadow the code's packages
    _here = str(Path(__file__).resolve().parent)
    sys.path[:] = [p for p in sys.path if p and str(Path(p).resolve()) != _here]

DATABASE_ENV = "TVCOLUMN_BENCH_DATABASE_URL"
DEFAULT_DATABASE_URL = "postgresql+psycopg://tvcolumn_ci:tvcolumn_ci@127.0.0.1:5432/tv_bench"
KEEP_DATABASE_ENV = "TVCOLUMN_BENCH_KEEP_DATABASE"
SECONDS_ENV = "TVCOLUMN_BENCH_LOAD_SECONDS"
DEFAULT_SECONDS = 10
WARMUP_SECONDS = 2
THREADS_WRK = 2
# Every request, ours and wrk's, names the same agent: the session's "strong" protection
# (Flask-Login) ends a session whose address or user agent changes.
USER_AGENT = "tvcolumn-bench-web-load"
CONNECTIONS = 16
WRK_TIMEOUT = "10s"
USERNAME = "li.jianguo"  # the demo's reviewer of every column: the fullest board
PASSWORD = "bench-load-password"
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
INSTALL_HINT = "`make bench` installs it as root; or apt-get install nginx-light wrk openssl"

Figure = tuple[str, float, str]


def log(message: str) -> None:
    print(f"bench.web_load: {message}", file=sys.stderr, flush=True)


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


def int_from_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number") from None
    if not low <= n <= high:
        raise SystemExit(f"{name} must be {low} to {high}, not {n}")
    return n


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def code_root() -> Path:
    """The checkout measured: ``TVCOLUMN_BENCH_ROOT``, or where ``web`` is imported from."""
    given = os.environ.get("TVCOLUMN_BENCH_ROOT", "").strip()
    if given:
        root = Path(given).resolve()
    else:
        spec = importlib.util.find_spec("web")  # finds, does not import
        if spec is None or spec.origin is None:
            raise RuntimeError("the web package is not importable: set PYTHONPATH")
        root = Path(spec.origin).resolve().parent.parent
    for needed in ("deploy/gunicorn.conf.py", "deploy/nginx-tvcolumn.conf", "web/static"):
        if not (root / needed).exists():
            raise RuntimeError(f"{root}: no {needed}")
    return root


# --- the database -------------------------------------------------------------------------------


def fresh_database(url: str) -> None:
    """Drop and create the database of ``url`` (its role becomes the owner)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if parsed.get_backend_name() != "postgresql" or "bench" not in name:
        raise SystemExit(f"{DATABASE_ENV}: a PostgreSQL database whose name contains 'bench'")
    quoted = '"' + name.replace('"', '""') + '"'
    statements = [
        f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)",
        f"CREATE DATABASE {quoted} ENCODING 'UTF8' TEMPLATE template0",
    ]
    try:
        import psycopg

        with psycopg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as connection:
            for statement in statements:
                connection.execute(statement)
        return
    except Exception as error:  # no CREATEDB, say: the superuser, when we are root
        if os.geteuid() != 0 or not shutil.which("su"):
            raise RuntimeError(f"cannot create {name}: {error}") from error
        log(f"creating {name} as postgres ({error.__class__.__name__}: {error})")
    owner = '"' + (parsed.username or "postgres").replace('"', '""') + '"'
    statements[1] += f" OWNER {owner}"
    for statement in statements:
        subprocess.run(
            ["su", "postgres", "-c", "psql -v ON_ERROR_STOP=1 -qAtc " + shell_quote(statement)],
            check=True,
            capture_output=True,
            timeout=120,
        )


def drop_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    quoted = '"' + (parsed.database or "").replace('"', '""') + '"'
    try:
        import psycopg

        with psycopg.connect(
            host=parsed.host or "127.0.0.1",
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        ) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
    except Exception as error:
        log(f"could not drop {parsed.database}: {error}")


def shell_quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


# --- the instance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    root: Path  # the checkout measured
    folder: Path  # temporary: instance, www, nginx's files, logs
    env: dict[str, str]


def instance_env(root: Path, folder: Path, db_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TVCOLUMN_") and key != "RUNTIME_DIRECTORY"
    }
    pythonpath = [str(root), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env |= {
        "PYTHONPATH": os.pathsep.join(pythonpath),
        "TVCOLUMN_DATABASE_URL": db_url,
        "TVCOLUMN_INSTANCE_PATH": str(folder / "instance"),
        "TVCOLUMN_FEEDS_DIR": str(folder / "www" / "feeds"),
        "TVCOLUMN_SECRET_KEY": "b" * 64,
        "TVCOLUMN_SECURE_COOKIES": "1",
    }
    return env


def tvcolumn(instance: Instance, *args: str, timeout: float = 600) -> str:
    """``tvcolumn ARGS`` of the measured checkout; its standard output."""
    argv = [sys.executable, "-c", "from cli import main; main()", *args]
    done = subprocess.run(
        argv,
        env=instance.env,
        cwd=instance.folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"tvcolumn {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def prepare(instance: Instance) -> str:
    """Migrate, load the demo, set the person's password; return a new API token."""
    started = time.monotonic()
    tvcolumn(instance, "db", "upgrade")
    log(f"migrated in {time.monotonic() - started:.1f} s; loading the demo")
    tvcolumn(instance, "demo", "load")
    tvcolumn(instance, "users", "password", USERNAME, "--password", PASSWORD)
    lines = tvcolumn(instance, "users", "token", USERNAME, "--label", "bench").split()
    token = next((word for word in reversed(lines) if len(word) >= 20), "")
    if not token:
        raise RuntimeError(f"no token in the output of `tvcolumn users token`: {lines}")
    log(f"instance ready in {time.monotonic() - started:.1f} s")
    return token


# --- servers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE  # the run's self-signed certificate
_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=_INSECURE))


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> Answer:
    """One request, redirects not followed; an error status is an answer."""
    request = urllib.request.Request(url, data=data, headers={"User-Agent": USER_AGENT})
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with _OPENER.open(request, timeout=30) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read())


def wait_until_served(url: str, process: subprocess.Popen[bytes], log_file: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:
        try:
            if fetch(url).status == 200:
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited: {log_file.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{url}: no answer within {STARTUP_TIMEOUT_S} s")
        time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL to the server's own process group; nothing of it is left."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_TIMEOUT_S)
    with contextlib.suppress(ProcessLookupError):  # workers left behind by a killed master
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def running(
    argv: Sequence[str], url: str, log_file: Path, env: dict[str, str], cwd: Path
) -> Iterator[subprocess.Popen[bytes]]:
    with open(log_file, "wb") as out:
        process = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
    try:
        wait_until_served(url, process, log_file)
        yield process
    finally:
        stop(process)


@contextmanager
def gunicorn(instance: Instance, workers: int, threads: int) -> Iterator[str]:
    """gunicorn with the deploy file and nothing else on its command line; its bind."""
    bind = f"127.0.0.1:{free_port()}"
    env = instance.env | {
        "TVCOLUMN_BIND": bind,
        "TVCOLUMN_WEB_WORKERS": str(workers),
        "TVCOLUMN_WEB_THREADS": str(threads),
    }
    conf = instance.root / "deploy" / "gunicorn.conf.py"
    argv = [sys.executable, "-m", "gunicorn", "--config", str(conf)]
    with running(
        argv, f"http://{bind}/sign-in", instance.folder / "gunicorn.log", env, instance.folder
    ):
        yield bind


def site(instance: Instance, gunicorn_bind: str, http: int, https: int) -> str:
    """deploy/nginx-tvcolumn.conf with its placeholders replaced by this run's."""
    folder = instance.folder
    text = (instance.root / "deploy" / "nginx-tvcolumn.conf").read_text()
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", text, flags=re.M)  # maybe no IPv6 here
    replacements = [
        (r"listen\s+80\s*;", f"listen 127.0.0.1:{http};"),
        (r"listen\s+443\b", f"listen 127.0.0.1:{https}"),
        (r"/etc/ssl/tvcolumn/fullchain\.pem", str(folder / "cert.pem")),
        (r"/etc/ssl/tvcolumn/privkey\.pem", str(folder / "key.pem")),
        (r"server\s+127\.0\.0\.1:8000\s*;", f"server {gunicorn_bind};"),
        (r"root\s+/var/www/tvcolumn\s*;", f"root {folder / 'www'};"),
        (r"/var/www/letsencrypt", str(folder / "letsencrypt")),
        (
            r"/opt/tvcolumn/lib/python[\d.]+/site-packages/web/static/",
            f"{instance.root / 'web' / 'static'}/",
        ),
        (r"/var/log/nginx/tvcolumn\.access\.log", str(folder / "nginx-access.log")),
    ]
    for pattern, value in replacements:
        text, n = re.subn(pattern, value.replace("\\", "\\\\"), text)
        if n == 0 and "letsencrypt" not in pattern:
            raise RuntimeError(f"deploy/nginx-tvcolumn.conf: nothing matches {pattern!r}")
    return text


def nginx_main_conf(folder: Path, site_file: Path) -> str:
    """A main configuration around the site, every path of it inside ``folder``."""
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / ('nginx-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "nginx-error.log"};
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
{temp}
    include {site_file};
}}
"""


@contextmanager
def nginx(instance: Instance, gunicorn_bind: str) -> Iterator[str]:
    """nginx with the site in front of gunicorn; its HTTPS base address."""
    folder = instance.folder
    certificate = ["-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    certificate += ["-nodes", "-days", "2", "-subj", "/CN=tv.example.cn"]
    certificate += ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")]
    subprocess.run([tool("openssl"), "req", *certificate], check=True, capture_output=True)
    (folder / "www" / "feeds").mkdir(parents=True, exist_ok=True)
    http, https = free_port(), free_port()
    site_file = folder / "nginx-tvcolumn.conf"
    site_file.write_text(site(instance, gunicorn_bind, http, https))
    conf = folder / "nginx.conf"
    conf.write_text(nginx_main_conf(folder, site_file))
    binary = tool("nginx")
    error_log = str(folder / "nginx-error.log")
    checked = subprocess.run(
        [binary, "-t", "-c", str(conf), "-p", str(folder), "-e", error_log],
        capture_output=True,
        text=True,
        check=False,
    )
    if checked.returncode != 0:
        raise RuntimeError(f"nginx refuses the site: {checked.stderr}")
    base = f"https://127.0.0.1:{https}"
    argv = [binary, "-c", str(conf), "-p", str(folder), "-e", error_log]
    with running(argv, f"{base}/sign-in", folder / "nginx.out", os.environ.copy(), folder):
        yield base


# --- signing in ---------------------------------------------------------------------------------

CSRF_INPUT = re.compile(r"<input\b[^>]*\bname=\"csrf_token\"[^>]*>")
VALUE = re.compile(r"\bvalue=\"([^\"]+)\"")


def session_cookie(answer: Answer) -> str | None:
    for cookie in answer.headers.get_all("Set-Cookie") or []:
        if cookie.startswith("session="):
            return cookie.split(";", 1)[0]
    return None


def sign_in(base: str) -> str | None:
    """Post the sign-in form at ``base``; the signed-in session cookie, or None if refused."""
    form = fetch(f"{base}/sign-in")
    field = CSRF_INPUT.search(form.text)
    token = VALUE.search(field.group(0)) if field else None
    cookie = session_cookie(form)
    if form.status != 200 or token is None or cookie is None:
        raise RuntimeError(f"{base}/sign-in: {form.status}, no CSRF token or no session cookie")
    body = urllib.parse.urlencode(
        {"csrf_token": html.unescape(token.group(1)), "username": USERNAME, "password": PASSWORD}
    ).encode()
    answer = fetch(
        f"{base}/sign-in",
        {
            "Cookie": cookie,
            "Referer": f"{base}/sign-in",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body,
    )
    if answer.status != 302:
        log(f"{base}/sign-in answered the form with {answer.status}")
        return None
    return session_cookie(answer) or cookie


# --- load ---------------------------------------------------------------------------------------

# Each thread counts its answers other than 2xx; done() adds them up and prints one line
# of figures (latencies in microseconds).
LUA = r"""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non2xx = 0
  last_bad = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    last_bad = status
  end
end

function done(summary, latency, requests)
  local non2xx_total, last_bad_status = 0, 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
    if thread:get("last_bad") ~= 0 then last_bad_status = thread:get("last_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d non2xx=%d last_non2xx=%d " ..
    "connect=%d read=%d write=%d timeout=%d status=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    non2xx_total, last_bad_status, e.connect, e.read, e.write, e.timeout, e.status))
end
"""

BENCH_LINE = re.compile(r"^BENCH (.*)$", re.M)


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    last_non_2xx: int  # a status seen among them, 0 if none
    socket_errors: int

    @property
    def requests_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def parse_wrk(output: str) -> Load:
    line = BENCH_LINE.search(output)
    if line is None:
        raise RuntimeError(f"no figures in wrk's output:\n{output}")
    n = {key: int(value) for key, value in (pair.split("=") for pair in line.group(1).split())}
    return Load(
        requests=n["requests"],
        seconds=n["duration_us"] / 1e6,
        p50_ms=n["p50_us"] / 1000,
        p99_ms=n["p99_us"] / 1000,
        non_2xx=n["non2xx"],
        last_non_2xx=n["last_non2xx"],
        socket_errors=n["connect"] + n["read"] + n["write"] + n["timeout"],
    )


def wrk(script: Path, url: str, seconds: int, headers: dict[str, str]) -> Load:
    argv = [tool("wrk"), f"-t{THREADS_WRK}", f"-c{CONNECTIONS}", "--timeout", WRK_TIMEOUT]
    argv += ["--latency", "-s", str(script)]
    for name, value in ({"User-Agent": USER_AGENT} | headers).items():
        argv += ["-H", f"{name}: {value}"]
    warm = subprocess.run(
        [*argv, f"-d{WARMUP_SECONDS}s", url], capture_output=True, text=True, timeout=60
    )
    if warm.returncode != 0:
        raise RuntimeError(f"wrk failed: {warm.stderr}")
    done = subprocess.run(
        [*argv, f"-d{seconds}s", url], capture_output=True, text=True, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr}")
    load = parse_wrk(done.stdout)
    log(
        f"{url}: {load.requests_per_s:.1f} requests/s, p50 {load.p50_ms:.1f} ms, "
        f"p99 {load.p99_ms:.1f} ms, {load.non_2xx} non-2xx "
        f"(e.g. {load.last_non_2xx or '-'}), {load.socket_errors} socket errors"
    )
    return load


def figures_of(name: str, load: Load, size: int) -> list[Figure]:
    return [
        (f"web_load_{name}_rps", round(load.requests_per_s, 1), "requests/s"),
        (f"web_load_{name}_p50_ms", round(load.p50_ms, 1), "ms"),
        (f"web_load_{name}_p99_ms", round(load.p99_ms, 1), "ms"),
        (f"web_load_{name}_errors", load.errors, "errors"),
        (f"web_load_{name}_requests", load.requests, "requests"),
        (f"web_load_{name}_kib", round(size / 1024, 1), "KiB"),
    ]


# --- the run ------------------------------------------------------------------------------------


def check_board(base: str, cookie: str) -> int:
    answer = fetch(f"{base}/", {"Cookie": cookie})
    if answer.status != 200 or "/sign-in" in (answer.headers.get("Location") or ""):
        raise RuntimeError(f"the board answered {answer.status} with the session cookie")
    return len(answer.body)


def check_api(base: str, token: str) -> tuple[int, int]:
    """The page's size and how many episodes it lists."""
    answer = fetch(f"{base}/api/v1/episodes", {"Authorization": f"Bearer {token}"})
    if answer.status != 200:
        raise RuntimeError(f"/api/v1/episodes answered {answer.status}: {answer.text[:500]}")
    page = json.loads(answer.body)
    items = (
        next((v for v in page.values() if isinstance(v, list)), [])
        if isinstance(page, dict)
        else page
    )
    return len(answer.body), len(items)


def run() -> list[Figure]:
    seconds = int_from_env(SECONDS_ENV, DEFAULT_SECONDS, 1, 120)
    workers = int_from_env("TVCOLUMN_BENCH_WEB_WORKERS", 2 * usable_cores() + 1, 1, 64)
    threads = int_from_env("TVCOLUMN_BENCH_WEB_THREADS", 4, 1, 64)
    for name in ("nginx", "wrk", "openssl"):
        tool(name)  # fail before building anything
    root = code_root()
    db_url = os.environ.get(DATABASE_ENV, "").strip() or DEFAULT_DATABASE_URL
    revision = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    log(f"measuring {root} ({revision or 'no git'}); {workers} workers × {threads} threads")
    started = time.monotonic()
    fresh_database(db_url)
    try:
        with tempfile.TemporaryDirectory(prefix="tvcolumn-bench-load-") as name:
            folder = Path(name)
            folder.chmod(0o755)
            instance = Instance(root, folder, instance_env(root, folder, db_url))
            token = prepare(instance)
            script = folder / "figures.lua"
            script.write_text(LUA)
            with gunicorn(instance, workers, threads) as bind, nginx(instance, bind) as base:
                cookie = sign_in(base)
                through_nginx = cookie is not None
                if cookie is None:
                    log("signing in at gunicorn directly (this site's CSRF check refused it)")
                    cookie = sign_in(f"http://{bind}")
                    if cookie is None:
                        raise RuntimeError("the sign-in form refused the demo person")
                board_size = check_board(base, cookie)
                api_size, listed = check_api(base, token)
                board = wrk(script, f"{base}/", seconds, {"Cookie": cookie})
                api = wrk(
                    script,
                    f"{base}/api/v1/episodes",
                    seconds,
                    {"Authorization": f"Bearer {token}"},
                )
    finally:
        if os.environ.get(KEEP_DATABASE_ENV) != "1":
            drop_database(db_url)
    return [
        ("web_load_workers", workers, "processes"),
        ("web_load_threads", threads, "threads"),
        ("web_load_connections", CONNECTIONS, "connections"),
        ("web_load_duration", seconds, "s"),
        ("web_load_signed_in_through_nginx", int(through_nginx), "bool"),
        *figures_of("board", board, board_size),
        *figures_of("api_episodes", api, api_size),
        ("web_load_api_episodes_listed", listed, "episodes"),
        ("web_load_seconds", round(time.monotonic() - started, 1), "s"),
    ]


def main() -> int:
    for figure in run():
        print(format_figure(figure), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
