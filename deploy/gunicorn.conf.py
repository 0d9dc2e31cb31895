"""gunicorn settings for the tvcolumn web application (``gunicorn --config THIS_FILE``).

Installed as ``/etc/tvcolumn/gunicorn.conf.py`` and started by
``tvcolumn-web.service``; the README's "Deploying on PostgreSQL" walks through
it. Every knob comes from the environment (``/etc/tvcolumn/env``):

- ``TVCOLUMN_BIND``: address nginx proxies to (default ``127.0.0.1:8000``).
- ``TVCOLUMN_WEB_WORKERS``: processes (default 2 × usable cores + 1).
- ``TVCOLUMN_WEB_THREADS``: threads per process (default 4).
- ``TVCOLUMN_FORWARDED_ALLOW_IPS``: addresses whose X-Forwarded-Proto is believed
  (default ``127.0.0.1,::1``: nginx on the same machine); the application takes the
  client's address from their X-Forwarded-For (web/auth.py, the sign-in throttle).

Nothing here starts the scheduler service: ``tvcolumn scheduler run`` is a
unit of its own (docs/decisions/0001), so the file defines no server hooks.
"""

from __future__ import annotations

import os
import re
from typing import Any

from gunicorn import glogging


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    """Cores this process may run on (a cgroup or taskset may allow fewer than the machine has)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


wsgi_app = "web:create_app()"
proc_name = "tvcolumn-web"
bind = [os.environ.get("TVCOLUMN_BIND") or "127.0.0.1:8000"]

# Threads share a process's feed cache (web/feeds.py) and its connection pool; processes
# use the cores. On PostgreSQL keep workers × threads well under max_connections (100 by
# default) less what the scheduler service and the administrators need.
worker_class = "gthread"
workers = _int("TVCOLUMN_WEB_WORKERS", 2 * _cores() + 1)
threads = _int("TVCOLUMN_WEB_THREADS", 4)

# With gthread the timeout watches a worker's main loop, not each request: a process silent
# for 60 s is stuck and is replaced (nginx's proxy_read_timeout bounds a single request).
# Keep-alive outlasts nginx's idle upstream connections (its keepalive_timeout, 60 s), so
# gunicorn never closes one that nginx is about to reuse.
timeout = 60
graceful_timeout = 30
keepalive = 65

# Preload off: each worker imports the application itself. `systemctl reload tvcolumn-web`
# (SIGHUP) then starts workers on newly installed code and retires the old ones gracefully,
# a deploy without dropped requests; with preload the master would keep serving the old
# code until a restart. Nothing (engine, pool, caches) is built before the fork either. The
# price is a second or two of start-up and a little memory per worker.
preload_app = False

# nginx terminates TLS: believe its X-Forwarded-Proto, from its address only. Only the one
# header nginx sets: gunicorn refuses a request whose other scheme headers disagree, and a
# client could send those through nginx.
forwarded_allow_ips = os.environ.get("TVCOLUMN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}

# Logs go to stdout/stderr, that is to the journal. The client is nginx's X-Forwarded-For;
# %(M)s is the duration in milliseconds.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = (
    '%({x-forwarded-for}i)s via %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
)

# systemd's RuntimeDirectory= (a tmpfs, see tvcolumn-web.service) holds the worker heartbeat
# files and gunicornc's control socket. Elsewhere (a shell, the tests) there is no control
# socket, so two servers never contend for ~/.gunicorn/gunicorn.ctl.
_runtime = os.environ.get("RUNTIME_DIRECTORY")
if _runtime:
    worker_tmp_dir = _runtime
    control_socket = os.path.join(_runtime, "gunicorn.ctl")
else:
    control_socket_disable = True

_PERSONAL_FEED = re.compile(r"(/feeds/people/)[^/?\s]+")


class Logger(glogging.Logger):
    """gunicorn's logger, less the secret token of personal feed links in the access log."""

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _PERSONAL_FEED.sub(r"\1<token>.ics", atoms[key])
        return atoms


logger_class = Logger
