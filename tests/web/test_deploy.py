"""deploy/: gunicorn serves with its configuration, nginx in front of it serves the exported
feeds and proxies the rest, and the systemd units, the environment file and the site agree.

The servers run for real: one instance (SQLite, the demo loaded, the feeds exported) behind
one gunicorn, and nginx with the site's placeholders replaced by that instance's paths.
nginx and openssl are installed by `make test`; under CI their absence fails, elsewhere
those tests skip and say why. So does `systemd-analyze` (Debian package systemd).
"""

from __future__ import annotations

import configparser
import json
import os
import re
import runpy
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any, NoReturn

import pytest
from gunicorn.config import Config

import web
from editorial.demo import DEMO_PASSWORD
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
UNITS = ("tvcolumn-web.service", "tvcolumn-scheduler.service")
WORKER_UNIT = "tvcolumn-media-worker@.service"  # a template: one instance per worker
ALL_UNITS = (*UNITS, WORKER_UNIT)
BIN = Path(sys.executable).parent
SBIN_PATH = os.environ.get("PATH", "") + os.pathsep + "/usr/sbin:/sbin"
SECRET_TOKEN = "not-a-real-token-3f9a"


def missing(reason: str) -> NoReturn:
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: `make test` installs it)")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_INSECURE = ssl.create_default_context()
_INSECURE.check_hostname = False
_INSECURE.verify_mode = ssl.CERT_NONE  # the test's self-signed certificate
_OPENER = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPSHandler(context=_INSECURE))


def fetch(url: str, headers: dict[str, str] | None = None) -> Answer:
    """GET without following redirects; an error status is an answer, not an exception."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with _OPENER.open(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def wait_until_served(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            fetch(url)
            return
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"server exited ({process.returncode}):\n{log.read_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer {url} within 30 s:\n{log.read_text()}")
            time.sleep(0.2)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the instance and gunicorn ------------------------------------------------------------------


@dataclass(frozen=True)
class Instance:
    folder: Path
    feeds: Path  # <www>/feeds, as on a server: nginx's root is its parent
    env: dict[str, str]


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Instance:
    """A migrated SQLite instance with the demo loaded and the public feeds exported."""
    folder = tmp_path_factory.mktemp("deploy")
    feeds = folder / "www" / "feeds"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("TVCOLUMN_") and key != "RUNTIME_DIRECTORY"
    }
    env |= {
        "TVCOLUMN_INSTANCE_PATH": str(folder / "instance"),
        "TVCOLUMN_FEEDS_DIR": str(feeds),
        "TVCOLUMN_SECRET_KEY": "0" * 64,
        "TVCOLUMN_SECURE_COOKIES": "1",
    }
    for command in (["db", "upgrade"], ["demo", "load"], ["feeds", "export"]):
        subprocess.run([BIN / "tvcolumn", *command], env=env, check=True, capture_output=True)
    return Instance(folder, feeds, env)


@dataclass(frozen=True)
class Server:
    url: str
    bind: str
    log: Path


@pytest.fixture(scope="module")
def gunicorn(instance: Instance) -> Iterator[Server]:
    """gunicorn with deploy/gunicorn.conf.py and nothing else on its command line."""
    bind = f"127.0.0.1:{free_port()}"
    env = instance.env | {
        "TVCOLUMN_BIND": bind,
        "TVCOLUMN_WEB_WORKERS": "2",
        "TVCOLUMN_WEB_THREADS": "2",
    }
    log = instance.folder / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [BIN / "gunicorn", "--config", GUNICORN_CONF],
            env=env,
            cwd=instance.folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://{bind}", bind, log)
    try:
        wait_until_served(f"{server.url}/sign-in", process, log)
        yield server
    finally:
        stop(process)


def test_gunicorn_serves_the_sign_in_page(gunicorn: Server) -> None:
    answer = fetch(f"{gunicorn.url}/sign-in")
    assert answer.status == 200
    assert "<h1>登录</h1>" in answer.text


def test_gunicorn_serves_the_all_columns_feed(gunicorn: Server) -> None:
    answer = fetch(f"{gunicorn.url}/feeds/all.ics")
    assert answer.status == 200
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer.text.startswith("BEGIN:VCALENDAR\r\n")
    assert "【首播】" in answer.text


def test_gunicorn_believes_x_forwarded_proto_from_the_local_proxy(gunicorn: Server) -> None:
    answer = fetch(f"{gunicorn.url}/feeds/", {"X-Forwarded-Proto": "https"})
    links = json.loads(answer.body)["feeds"]
    assert links and all(link["https"].startswith("https://") for link in links)


def test_another_scheme_header_neither_breaks_nor_upgrades_a_request(gunicorn: Server) -> None:
    """Only X-Forwarded-Proto counts: another scheme header a client slips through nginx
    neither breaks the request nor makes it HTTPS."""
    answer = fetch(f"{gunicorn.url}/feeds/", {"X-Forwarded-Ssl": "on"})
    assert answer.status == 200
    assert json.loads(answer.body)["feeds"][0]["https"].startswith("http://")


def session_cookie(answer: Answer) -> str:
    cookies = answer.headers.get_all("Set-Cookie") or []
    found = [cookie for cookie in cookies if cookie.startswith("session=")]
    assert len(found) == 1, cookies
    return found[0]


def test_session_cookie_is_secure_and_hidden_from_scripts(gunicorn: Server) -> None:
    cookie = session_cookie(fetch(f"{gunicorn.url}/sign-in"))
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie


def test_access_log_names_the_client_and_hides_personal_feed_tokens(gunicorn: Server) -> None:
    path = f"/feeds/people/{SECRET_TOKEN}.ics"
    assert fetch(f"{gunicorn.url}{path}", {"X-Forwarded-For": "203.0.113.7"}).status == 404
    deadline = time.monotonic() + 5
    while "<token>" not in gunicorn.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    log = gunicorn.log.read_text()
    line = r'^203\.0\.113\.7 via 127\.0\.0\.1 .*"GET /feeds/people/<token>\.ics HTTP/1\.1" 404 '
    assert re.search(line, log, re.M), log
    assert SECRET_TOKEN not in log


# --- the configuration file itself --------------------------------------------------------------


def load_configuration(**env: str) -> dict[str, Any]:
    """The names deploy/gunicorn.conf.py defines, read with the given TVCOLUMN_* variables."""
    saved = {k: v for k, v in os.environ.items() if k.startswith("TVCOLUMN_")}
    saved_runtime = os.environ.pop("RUNTIME_DIRECTORY", None)
    try:
        for key in saved:
            del os.environ[key]
        os.environ.update(env)
        return runpy.run_path(str(GUNICORN_CONF))
    finally:
        for key in env:
            os.environ.pop(key, None)
        os.environ.update(saved)
        if saved_runtime is not None:
            os.environ["RUNTIME_DIRECTORY"] = saved_runtime


def settings(namespace: dict[str, Any]) -> dict[str, Any]:
    """What gunicorn takes from a configuration file: its public names, less modules."""
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_") and not isinstance(value, type(os))
    }


def test_every_name_in_the_configuration_is_a_gunicorn_setting() -> None:
    """gunicorn silently ignores a name it does not know: a misspelt setting would do nothing."""
    known = Config().settings
    helpers = {"annotations", "Any", "Logger"}
    unknown = set(settings(load_configuration())) - set(known) - helpers
    assert not unknown


def test_gunicorn_accepts_every_value_of_the_configuration() -> None:
    config = Config()
    for name, value in settings(load_configuration()).items():
        if name in config.settings:
            config.set(name, value)
    assert config.worker_class_str == "gthread"
    assert config.preload_app is False


def test_workers_default_to_twice_the_usable_cores_plus_one() -> None:
    cores = len(os.sched_getaffinity(0))
    assert load_configuration()["workers"] == 2 * cores + 1


def test_workers_and_threads_come_from_the_environment() -> None:
    loaded = load_configuration(TVCOLUMN_WEB_WORKERS="3", TVCOLUMN_WEB_THREADS="8")
    assert (loaded["workers"], loaded["threads"]) == (3, 8)


def test_the_configuration_starts_nothing_beside_the_application() -> None:
    """No server hook: the scheduler service runs as a unit of its own, never in a worker."""
    hooks = {
        name
        for name, setting in Config().settings.items()
        if setting.section in ("Server Hooks", "Dirty Arbiters") or name == "dirty_apps"
    }
    assert hooks, "gunicorn's hook settings not found"
    assert not hooks & set(settings(load_configuration()))


def test_the_control_socket_lives_in_the_units_runtime_directory() -> None:
    assert load_configuration()["control_socket_disable"] is True
    loaded = load_configuration(RUNTIME_DIRECTORY="/run/tvcolumn-web")
    assert loaded["control_socket"] == "/run/tvcolumn-web/gunicorn.ctl"
    assert loaded["worker_tmp_dir"] == "/run/tvcolumn-web"


# --- the systemd units and the environment file -------------------------------------------------


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text())
    return parser


def env_example() -> dict[str, str]:
    lines = (DEPLOY / "env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("name", ALL_UNITS)
def test_unit_runs_as_tvcolumn_with_the_environment_file(name: str) -> None:
    service = unit(name)["Service"]
    assert (service["User"], service["Group"]) == ("tvcolumn", "tvcolumn")
    assert service["EnvironmentFile"] == "/etc/tvcolumn/env"
    assert unit(name)["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.parametrize("name", ALL_UNITS)
def test_unit_is_hardened(name: str) -> None:
    service = unit(name)["Service"]
    assert service["NoNewPrivileges"] == "yes"
    assert service["ProtectSystem"] == "strict"
    assert service["ProtectHome"] == "yes"
    assert service["PrivateTmp"] == "yes"
    assert service["CapabilityBoundingSet"] == ""


@pytest.mark.parametrize("name", UNITS)
def test_unit_may_write_the_instance_and_feeds_folders_of_the_environment_file(name: str) -> None:
    writable = unit(name)["Service"]["ReadWritePaths"].split()
    env = env_example()
    assert env["TVCOLUMN_INSTANCE_PATH"] in writable
    assert env["TVCOLUMN_FEEDS_DIR"] in writable


def test_web_unit_runs_gunicorn_with_the_configuration_and_reloads_gracefully() -> None:
    service = unit("tvcolumn-web.service")["Service"]
    assert service["ExecStart"].split() == [
        "/opt/tvcolumn/bin/gunicorn",
        "--config",
        "/etc/tvcolumn/gunicorn.conf.py",
    ]
    assert service["Type"] == "notify"
    assert service["ExecReload"] == "/bin/kill -s HUP $MAINPID"
    assert service["RuntimeDirectory"] == "tvcolumn-web"


def test_scheduler_unit_runs_the_service_and_always_comes_back() -> None:
    service = unit("tvcolumn-scheduler.service")["Service"]
    assert service["ExecStart"] == "/opt/tvcolumn/bin/tvcolumn scheduler run"
    assert service["Restart"] == "always"
    assert "gunicorn" not in (DEPLOY / "tvcolumn-scheduler.service").read_text()


def test_media_worker_unit_runs_workers_that_finish_their_render_when_stopped() -> None:
    service = unit(WORKER_UNIT)["Service"]
    command = service["ExecStart"].split()
    assert command[:3] == ["/opt/tvcolumn/bin/tvcolumn", "media", "worker"]
    assert "%i" in service["ExecStart"]  # each instance is a worker of its own name
    assert service["Restart"] == "always"
    assert service["KillSignal"] == "SIGTERM" and service["KillMode"] == "control-group"
    assert int(service["TimeoutStopSec"]) >= 600  # a render in progress may finish
    assert env_example()["TVCOLUMN_INSTANCE_PATH"] in service["ReadWritePaths"].split()


def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        missing("systemd-analyze is not installed (Debian: apt-get install systemd)")
    # verify wants the programs to exist (point them at this venv), and a template an instance.
    names = [*UNITS, WORKER_UNIT.replace("@.", "@1.")]
    for name, file in zip(names, ALL_UNITS, strict=True):
        text = (DEPLOY / file).read_text().replace("/opt/tvcolumn/bin/", f"{BIN}/")
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in names)],
        capture_output=True,
        text=True,
    )
    ours = [line for line in result.stderr.splitlines() if "tvcolumn" in line]
    assert result.returncode == 0, result.stderr
    assert not ours


def test_env_example_reads_alike_in_systemd_and_sh() -> None:
    for line in (DEPLOY / "env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"TVCOLUMN_[A-Z_]+=[^\s\"'#$`\\]+", line), line


def test_env_example_sets_what_production_needs() -> None:
    env = env_example()
    assert env["TVCOLUMN_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["TVCOLUMN_SECURE_COOKIES"] == "1"
    assert env["TVCOLUMN_PUBLIC_URL"].startswith("https://")
    assert {"TVCOLUMN_SECRET_KEY", "TVCOLUMN_BIND"} <= set(env)


# --- nginx in front of gunicorn -----------------------------------------------------------------

SITE = DEPLOY / "nginx-tvcolumn.conf"
STATIC = Path(web.__file__).parent / "static"


@dataclass(frozen=True)
class Nginx:
    https: str
    http: str
    access_log: Path


def site_for_test(folder: Path, gunicorn_bind: str, http: int, https: int) -> str:
    """The site with each placeholder replaced by this test's paths and ports."""
    text = re.sub(r"^\s*listen \[::\]:.*\n", "", SITE.read_text(), flags=re.M)  # maybe no IPv6
    replacements = {
        "listen 80;": f"listen 127.0.0.1:{http};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https} ssl http2;",
        "/etc/ssl/tvcolumn/fullchain.pem": str(folder / "cert.pem"),
        "/etc/ssl/tvcolumn/privkey.pem": str(folder / "key.pem"),
        "server 127.0.0.1:8000;": f"server {gunicorn_bind};",
        "root /var/www/tvcolumn;": f"root {folder / 'www'};",
        "/opt/tvcolumn/lib/python3.11/site-packages/web/static/": f"{STATIC}/",
        "/var/log/nginx/tvcolumn.access.log": str(folder / "tvcolumn.access.log"),
    }
    for placeholder, value in replacements.items():
        assert placeholder in text, f"placeholder {placeholder!r} not in {SITE.name}"
        text = text.replace(placeholder, value)
    return text


def nginx_wrapper(folder: Path, site: Path) -> str:
    """A main configuration around the site, every path of it inside ``folder``."""
    user = "user root root;" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
worker_processes 1;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"};
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
{temp}
    include {site};
}}
"""


@pytest.fixture(scope="module")
def nginx_conf(instance: Instance, gunicorn: Server) -> tuple[str, Path, int, int]:
    nginx = shutil.which("nginx", path=SBIN_PATH)
    if nginx is None:
        missing("nginx is not installed (Debian: apt-get install nginx-light)")
    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl is not installed (Debian: apt-get install openssl)")
    folder = instance.folder
    certificate = ["-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
    certificate += ["-nodes", "-days", "2", "-subj", "/CN=tv.example.cn"]
    certificate += ["-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem")]
    subprocess.run([openssl, "req", *certificate], check=True, capture_output=True)
    http, https = free_port(), free_port()
    site = folder / "nginx-tvcolumn.conf"
    site.write_text(site_for_test(folder, gunicorn.bind, http, https))
    wrapper = folder / "nginx.conf"
    wrapper.write_text(nginx_wrapper(folder, site))
    return nginx, wrapper, http, https


def test_nginx_accepts_the_site(nginx_conf: tuple[str, Path, int, int]) -> None:
    nginx, wrapper, _, _ = nginx_conf
    result = subprocess.run(
        [nginx, "-t", "-c", str(wrapper), "-p", str(wrapper.parent), "-e", "stderr"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "[warn]" not in result.stderr, result.stderr


@pytest.fixture(scope="module")
def nginx(nginx_conf: tuple[str, Path, int, int]) -> Iterator[Nginx]:
    binary, wrapper, http, https = nginx_conf
    log = wrapper.parent / "error.log"
    process = subprocess.Popen(
        [binary, "-c", str(wrapper), "-p", str(wrapper.parent), "-e", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = Nginx(
        f"https://127.0.0.1:{https}",
        f"http://127.0.0.1:{http}",
        wrapper.parent / "tvcolumn.access.log",
    )
    try:
        wait_until_served(f"{server.https}/static/app.css", process, log)
        yield server
    finally:
        stop(process)


def test_nginx_serves_an_exported_feed_from_disk(nginx: Nginx, instance: Instance) -> None:
    answer = fetch(f"{nginx.https}/feeds/all.ics")
    assert answer.status == 200
    assert answer.body == (instance.feeds / "all.ics").read_bytes()
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert answer.headers["Cache-Control"] == "public, max-age=300"
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_nginx_serves_a_feed_file_the_application_does_not_know(
    nginx: Nginx, instance: Instance
) -> None:
    """Proof the file is nginx's: the application answers 404 for a column it does not have."""
    (instance.feeds / "columns" / "only-on-disk.ics").write_bytes(b"BEGIN:VCALENDAR\r\n")
    answer = fetch(f"{nginx.https}/feeds/columns/only-on-disk.ics")
    assert (answer.status, answer.body) == (200, b"BEGIN:VCALENDAR\r\n")


def test_nginx_passes_a_feed_with_a_query_string_to_the_application(
    nginx: Nginx, instance: Instance
) -> None:
    (instance.feeds / "columns" / "only-on-disk.ics").write_bytes(b"BEGIN:VCALENDAR\r\n")
    assert fetch(f"{nginx.https}/feeds/columns/only-on-disk.ics?ahead=7").status == 404
    answer = fetch(f"{nginx.https}/feeds/all.ics?back=0&ahead=7")
    assert answer.status == 200
    assert answer.body != (instance.feeds / "all.ics").read_bytes()
    assert answer.headers["Content-Type"] == "text/calendar; charset=utf-8"


def test_nginx_passes_personal_feeds_to_the_application(nginx: Nginx) -> None:
    answer = fetch(f"{nginx.https}/feeds/people/{SECRET_TOKEN}.ics")
    assert answer.status == 404
    assert "没有这个日历订阅" in answer.text


def test_nginx_passes_the_subscribe_links_to_the_application(nginx: Nginx) -> None:
    links = json.loads(fetch(f"{nginx.https}/feeds/").body)["feeds"]
    assert links[0]["https"].startswith("https://")  # gunicorn believed nginx's header


def test_nginx_hides_the_stamp_and_other_dot_files(nginx: Nginx, instance: Instance) -> None:
    assert (instance.feeds / ".exported").exists()
    answer = fetch(f"{nginx.https}/feeds/.exported")
    assert answer.status == 404
    assert (instance.feeds / ".exported").read_bytes() not in answer.body


def test_nginx_serves_the_stylesheet_from_the_package(nginx: Nginx) -> None:
    answer = fetch(f"{nginx.https}/static/app.css")
    assert answer.status == 200
    assert answer.body == (STATIC / "app.css").read_bytes()
    assert answer.headers["Content-Type"] == "text/css"
    assert answer.headers["Cache-Control"] == "max-age=3600"


def test_nginx_proxies_pages_to_gunicorn(nginx: Nginx) -> None:
    answer = fetch(f"{nginx.https}/sign-in")
    assert answer.status == 200
    assert "<h1>登录</h1>" in answer.text
    assert "; Secure" in session_cookie(answer)
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_nginx_redirects_http_to_https(nginx: Nginx) -> None:
    answer = fetch(f"{nginx.http}/feeds/all.ics")
    assert answer.status == 301
    assert answer.headers["Location"] == "https://127.0.0.1/feeds/all.ics"


def test_nginx_log_hides_personal_feed_tokens(nginx: Nginx) -> None:
    fetch(f"{nginx.https}/feeds/people/{SECRET_TOKEN}.ics")
    log = nginx.access_log.read_text()
    assert '"GET /feeds/people/<token>.ics HTTP/1.1" 404' in log
    assert SECRET_TOKEN not in log


def test_nginx_names_no_version(nginx: Nginx) -> None:
    for answer in (fetch(f"{nginx.https}/static/app.css"), fetch(f"{nginx.https}/feeds/.x")):
        assert answer.headers["Server"] == "nginx"
        assert not re.search(rb"nginx/\d", answer.body)


def test_nginx_files_and_proxied_pages_carry_the_security_headers_once(nginx: Nginx) -> None:
    for path in ("/feeds/all.ics", "/static/app.css"):
        headers = fetch(f"{nginx.https}{path}").headers
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Strict-Transport-Security"] == "max-age=31536000", path
    page = fetch(f"{nginx.https}/sign-in").headers
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert len(page.get_all(name) or []) == 1, name


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_a_form_works_through_nginx_on_a_port_other_than_443(nginx: Nginx) -> None:
    """Signing in posts the form with its CSRF token; over HTTPS Flask-WTF also requires the
    Referer to match the request's address, which the application sees only if nginx passes
    the Host with its port."""
    assert not nginx.https.endswith(":443")
    form = fetch(f"{nginx.https}/sign-in")
    cookie = session_cookie(form).split(";", 1)[0]
    token = CSRF_FIELD.search(form.text)
    assert token is not None
    body = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "username": "ma.lin", "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(
        f"{nginx.https}/sign-in?next=/me/feeds",
        data=body,
        headers={"Cookie": cookie, "Referer": f"{nginx.https}/sign-in"},
    )
    try:
        with _OPENER.open(request, timeout=10) as response:
            answer = Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        answer = Answer(error.code, error.headers, error.read())
    assert answer.status == 302, answer.text
    assert answer.headers["Location"] in ("/me/feeds", f"{nginx.https}/me/feeds")
    signed_in = session_cookie(answer).split(";", 1)[0]
    feeds = fetch(f"{nginx.https}/me/feeds", {"Cookie": signed_in})
    assert feeds.status == 200 and "/sign-out/everywhere" in feeds.text
