"""Static feed files and the stamp that tells the web processes a feed changed.

``export`` writes every public feed, with the default window, as a file any
web server or CDN can serve (``deploy/nginx`` serves them). A file is
replaced atomically and only when its bytes changed, so a server's own
ETag/Last-Modified stay put while nothing changes.

The stamp (``.generation`` in the feeds folder) is replaced whenever the
ledger or a feed token changed; a web process compares its inode and mtime
with what it saw when it cached a feed's bytes. Checking it is one ``stat``:
a feed request touches no database while nothing changed.
"""

from __future__ import annotations

import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from calendars import feeds
from calendars.settings import DEFAULT_SETTINGS, FeedSettings
from editorial.workdays import local_date

STAMP = ".generation"
EXPORTED = ".exported"  # the local day the files were last written for


def read_stamp(directory: Path) -> tuple[int, int] | None:
    try:
        stat = (directory / STAMP).stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def touch_stamp(directory: Path) -> None:
    """Tell every web process that feeds changed (a new file, so a new inode)."""
    _write_atomic(directory / STAMP, secrets.token_hex(16).encode())


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class ExportResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def export(
    session: Session, now: datetime, directory: Path, settings: FeedSettings = DEFAULT_SETTINGS
) -> ExportResult:
    """Write every public feed under ``directory``; return which files changed."""
    result = ExportResult()
    span = feeds.window(now, settings=settings)
    for feed in feeds.public_feeds(session):
        body = feeds.render(session, feed, span, settings).body
        path = directory / feed.path
        if path.exists() and path.read_bytes() == body:
            result.unchanged.append(feed.path)
            continue
        _write_atomic(path, body)
        result.written.append(feed.path)
    _write_atomic(directory / EXPORTED, json.dumps({"day": span.today.isoformat()}).encode())
    return result


def exported_day(directory: Path) -> str | None:
    try:
        return str(json.loads((directory / EXPORTED).read_text())["day"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def refresh(
    session: Session,
    now: datetime,
    directory: Path,
    changed: bool,
    settings: FeedSettings = DEFAULT_SETTINGS,
) -> ExportResult | None:
    """After a committed change (or on a new day): rewrite the files and the stamp.

    Returns None when there was nothing to do.
    """
    if not changed and exported_day(directory) == local_date(now).isoformat():
        return None
    result = export(session, now, directory, settings)
    touch_stamp(directory)
    return result
