"""Feeds over HTTP: ``/feeds/all.ics``, ``/feeds/columns/<slug>.ics``,
``/feeds/liaison.ics``, ``/feeds/people/<token>.ics`` and the subscribe links.

Each process keeps the bytes of the feeds it served (``FeedCache``) with the
stamp (``calendars.export``) and the local day they were made for. A request
whose feed, window, stamp and day match is answered from memory: no session,
no SQL. Anything else renders from the ledger and replaces the entry.
Responses carry a strong ETag over the bytes and Last-Modified from the data,
and answer If-None-Match and If-Modified-Since with 304.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, request
from flask.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from calendars import export, feeds, tokens
from editorial.errors import InvalidInput
from editorial.models import Column
from web.db import session_factory

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

PUBLIC_MAX_AGE = 300  # five minutes: well inside the hour calendar apps poll at
CACHE_BYTES = 64 * 1024 * 1024
EXTENSION = "tvcolumn.feed_cache"


@dataclass(frozen=True)
class Entry:
    body: bytes
    etag: str
    last_modified: datetime
    stamp: tuple[int, int] | None
    today: date


class FeedCache:
    """Rendered feeds by (feed, window), least recently used first out, bounded in bytes."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[Any, ...], Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], stamp: tuple[int, int] | None, today: date) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.stamp != stamp or entry.today != today:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[Any, ...], entry: Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = FeedCache()
    app.register_blueprint(bp)


def _cache() -> FeedCache:
    cache: FeedCache = current_app.extensions[EXTENSION]
    return cache


def _now() -> datetime:
    return datetime.now(UTC)


def _window(now: datetime) -> feeds.Window:
    try:
        back = request.args.get("back", type=int)
        ahead = request.args.get("ahead", type=int)
        if ("back" in request.args and back is None) or ("ahead" in request.args and ahead is None):
            raise InvalidInput("back and ahead are whole numbers of days", {})
        return feeds.window(now, back, ahead)
    except InvalidInput as error:
        abort(_text(400, f"{error.message}: {'; '.join(error.fields.values())}".rstrip(": ")))


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _serve(
    key: tuple[Any, ...],
    resolve: Callable[[Session], feeds.Feed | None],
    *,
    private: bool = False,
) -> Response:
    now = _now()
    span = _window(now)
    key = (*key, span.first, span.last)
    stamp = export.read_stamp(Path(current_app.config["FEEDS_DIR"]))
    entry = _cache().get(key, stamp, span.today)
    if entry is None:
        with session_factory()() as session:
            feed = resolve(session)
            if feed is None:
                abort(_text(404, "没有这个日历订阅（not found）"))
            rendering = feeds.render(session, feed, span)
        body = rendering.body
        etag = hashlib.sha256(body).hexdigest()[:40]
        entry = Entry(body, etag, rendering.last_modified, stamp, span.today)
        _cache().put(key, entry)
    response = Response(entry.body, mimetype="text/calendar")
    response.set_etag(entry.etag)
    response.last_modified = entry.last_modified
    if private:
        response.cache_control.private = True
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    else:
        response.cache_control.public = True
    response.cache_control.max_age = PUBLIC_MAX_AGE
    response.make_conditional(request)
    return response


@bp.get("/all.ics")
def all_columns() -> Response:
    return _serve(("all",), lambda _session: feeds.all_feed())


@bp.get("/liaison.ics")
def liaison() -> Response:
    return _serve(("liaison",), lambda _session: feeds.liaison_feed())


@bp.get("/columns/<slug>.ics")
def column(slug: str) -> Response:
    def resolve(session: Session) -> feeds.Feed | None:
        found = session.scalar(select(Column).where(Column.slug == slug))
        return None if found is None else feeds.column_feed(found)

    return _serve(("column", slug), resolve)


@bp.get("/people/<token>.ics")
def person(token: str) -> Response:
    def resolve(session: Session) -> feeds.Feed | None:
        found = tokens.person_for_feed_token(session, token)
        return None if found is None else feeds.person_feed(found)

    return _serve(("person", tokens.token_hash(token)), resolve, private=True)


@bp.get("/")
def links() -> Response:
    """Every public feed with its ``https://`` and ``webcal://`` subscribe links."""
    base = current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")
    with session_factory()() as session:
        listed = feeds.public_feeds(session)
    return jsonify(
        {
            "feeds": [_link(base, feed) for feed in listed],
            "personal": "个人订阅链接：由 `tvcolumn feeds token USER` 生成，只显示一次",
        }
    )


def _link(base: str, feed: feeds.Feed) -> dict[str, str]:
    url = f"{base}/feeds/{feed.path}"
    return {
        "kind": feed.kind.value,
        "name": feed.name,
        "path": feed.path,
        "https": url,
        "webcal": webcal(url),
    }


def webcal(url: str) -> str:
    """The ``webcal://`` form of a feed URL (calendar apps open it as a subscription)."""
    return "webcal://" + url.split("://", 1)[1]
