"""Configuration from the environment (documented in the README)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from calendars import xmltv
from editorial import outbox
from media import queue as media_queue
from media.service import MediaSettings


def load_config(default_instance_path: str) -> dict[str, Any]:
    instance = Path(os.environ.get("TVCOLUMN_INSTANCE_PATH") or default_instance_path)
    default_db = f"sqlite:///{instance / 'tvcolumn.sqlite3'}"
    secret = os.environ.get("TVCOLUMN_SECRET_KEY")
    secure = os.environ.get("TVCOLUMN_SECURE_COOKIES") == "1"
    database_url = os.environ.get("TVCOLUMN_DATABASE_URL") or default_db
    # A queue that cannot work is refused at start, not at the first upload.
    media_queue.engine_for(database_url, os.environ.get("TVCOLUMN_MEDIA_QUEUE"))
    return {
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        # Without a configured key, sessions last only as long as the process.
        "SECRET_KEY": secret or secrets.token_hex(32),
        "SECRET_KEY_CONFIGURED": bool(secret),
        "SQL_ECHO": os.environ.get("TVCOLUMN_SQL_ECHO") == "1",
        # Cookies: never readable by scripts, not sent on cross-site posts; HTTPS-only in
        # production (TVCOLUMN_SECURE_COOKIES=1, which deploy/ sets).
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        # Proxies whose X-Forwarded-For names the client (the sign-in throttle's address);
        # the same variable tells gunicorn whose X-Forwarded-Proto to believe.
        "FORWARDED_ALLOW_IPS": [
            ip.strip()
            for ip in (os.environ.get("TVCOLUMN_FORWARDED_ALLOW_IPS") or "127.0.0.1,::1").split(",")
            if ip.strip()
        ],
        "PERMANENT_SESSION_LIFETIME": 12 * 3600,
        "WTF_CSRF_TIME_LIMIT": 12 * 3600,
        # Static feed files (`tvcolumn feeds export`) and the stamp web processes watch.
        "FEEDS_DIR": os.environ.get("TVCOLUMN_FEEDS_DIR") or str(instance / "feeds"),
        # Masters, the columns' opening and closing clips and review material, by content
        # hash; shared by web processes and the scheduler service (its media workers).
        "MEDIA_DIR": os.environ.get("TVCOLUMN_MEDIA_DIR") or str(instance / "media"),
        # Where `tvcolumn backup` finds pg_dump and pg_restore; None: the server's
        # /usr/lib/postgresql/<major>/bin, then PATH.
        "PG_BINDIR": os.environ.get("TVCOLUMN_PG_BINDIR") or None,
        # Folders `tvcolumn media add` may take files from, separated by the OS path
        # separator (":"); uploads through the page and the API need none.
        "MEDIA_IMPORT_DIRS": [
            d for d in (os.environ.get("TVCOLUMN_MEDIA_IMPORT_DIRS") or "").split(os.pathsep) if d
        ],
        "MEDIA_MAX_GIB": float(os.environ.get("TVCOLUMN_MEDIA_MAX_GIB") or 20),
        # How media jobs are done: "service" (the scheduler service's workers, the default on
        # SQLite) or "procrastinate" (`tvcolumn media worker` on any machine, the default on
        # PostgreSQL); docs/decisions/0008.
        "MEDIA_QUEUE": os.environ.get("TVCOLUMN_MEDIA_QUEUE") or None,
        # The largest as-run log (播后记录) imported, by upload, API or command, in MB.
        "ASRUN_MAX_BYTES": int(float(os.environ.get("TVCOLUMN_ASRUN_MAX_MB") or 10) * 1024 * 1024),
        # The address subscribers reach the application at, for subscribe links
        # (default: the address of the request).
        "PUBLIC_URL": (os.environ.get("TVCOLUMN_PUBLIC_URL") or "").rstrip("/"),
        # The XMLTV guide's channel ids are ``<channel code>.<this>`` (a bad one stops the start).
        "XMLTV_ID_DOMAIN": xmltv.id_domain(
            os.environ.get("TVCOLUMN_XMLTV_ID_DOMAIN") or xmltv.ID_DOMAIN
        ),
        # Notifications by e-mail (the scheduler service sends them): smtp://user:pw@host:587
        # (STARTTLS) or smtps://user:pw@host:465; unset, nobody is mailed.
        "SMTP_URL": os.environ.get("TVCOLUMN_SMTP_URL") or "",
        "MAIL_FROM": os.environ.get("TVCOLUMN_MAIL_FROM") or outbox.Settings.mail_from,
        # Seconds one mail server connection or robot request may take.
        "DELIVERY_TIMEOUT_S": float(os.environ.get("TVCOLUMN_DELIVERY_TIMEOUT_S") or 10),
    }


def delivery_settings(config: Mapping[str, Any]) -> outbox.Settings:
    """How the scheduler service delivers notifications, from the configuration."""
    return outbox.Settings(
        smtp_url=config["SMTP_URL"],
        mail_from=config["MAIL_FROM"],
        public_url=config["PUBLIC_URL"],
        timeout_s=config["DELIVERY_TIMEOUT_S"],
    )


def media_settings(config: Mapping[str, Any]) -> MediaSettings:
    """The media service's settings from the application's configuration."""
    return MediaSettings(
        root=Path(config["MEDIA_DIR"]),
        import_dirs=tuple(Path(d) for d in config["MEDIA_IMPORT_DIRS"]),
        max_bytes=int(config["MEDIA_MAX_GIB"] * 2**30),
        queue=media_queue.engine_for(config["DATABASE_URL"], config.get("MEDIA_QUEUE")).value,
    )
