"""Static feed files and the stamp that tells the web processes a feed changed.

``export`` writes every public feed, with the default window, as a file any
web server or CDN can serve (``deploy/nginx`` serves them). A file is
replaced atomically and only when its bytes changed, so a server's own
ETag/Last-Modified stay put while nothing changes.

The stamp (``.generation`` in the feeds folder) is replaced whenever the
ledger changed; a web process compares its inode and mtime with what it saw
when it cached a feed's bytes. Checking it is one ``stat``: a public feed
request touches no database while nothing changed.

``refresh`` writes the files, then the stamp, then ``.exported``: the local day
and the ledger's fingerprint the files were written for. Until that last file
says so, every call writes again; so a failed write (a read-only folder, a
full disk) is retried until the files match the ledger.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from calendars import feeds
from calendars.models import FeedEvent
from calendars.settings import DEFAULT_SETTINGS, FeedSettings
from editorial.models import Column
from editorial.workdays import local_date

STAMP = ".generation"
EXPORTED = ".exported"  # the local day and ledger fingerprint the files were written for


def read_stamp(directory: Path) -> tuple[int, int] | None:
    try:
        stat = (directory / STAMP).stat()
    except OSError:  # missing, or the feeds folder is no folder
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
    result = _write_feeds(session, now, directory, settings)
    _mark_exported(directory, local_date(now), ledger_fingerprint(session))
    return result


def _write_feeds(
    session: Session, now: datetime, directory: Path, settings: FeedSettings
) -> ExportResult:
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
    return result


def _mark_exported(directory: Path, day: date, fingerprint: str) -> None:
    marker = {"day": day.isoformat(), "ledger": fingerprint}
    _write_atomic(directory / EXPORTED, json.dumps(marker).encode())


def _exported(directory: Path) -> dict[str, str]:
    try:
        found = json.loads((directory / EXPORTED).read_text())
    except (OSError, ValueError):
        return {}
    return {k: str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def exported_day(directory: Path) -> str | None:
    return _exported(directory).get("day")


def ledger_fingerprint(session: Session) -> str:
    """What the public feeds are rendered from, in one cheap query per table: it moves
    whenever a ledger row is added or changed (LAST-MODIFIED, SEQUENCE) or a column is
    added or renamed."""
    events = session.execute(
        select(
            func.count(),
            func.max(FeedEvent.id),
            func.max(FeedEvent.last_modified),
            func.coalesce(func.sum(FeedEvent.sequence), 0),
        )
    ).one()
    columns = session.execute(select(Column.id, Column.slug, Column.name).order_by(Column.id)).all()
    text = repr((tuple(events), [tuple(c) for c in columns]))
    return hashlib.sha256(text.encode()).hexdigest()


def refresh(
    session: Session,
    now: datetime,
    directory: Path,
    settings: FeedSettings = DEFAULT_SETTINGS,
) -> ExportResult | None:
    """Bring the files and the stamp in step with the committed ledger and the day.

    Returns None when they were already; raises ``OSError`` when the folder
    cannot be written, and the next call tries again.
    """
    today = local_date(now)
    fingerprint = ledger_fingerprint(session)
    marker = _exported(directory)
    if marker.get("day") == today.isoformat() and marker.get("ledger") == fingerprint:
        return None
    result = _write_feeds(session, now, directory, settings)
    touch_stamp(directory)
    _mark_exported(directory, today, fingerprint)
    return result
