"""Feeds over HTTP: ``/feeds/all.ics``, ``/feeds/columns/<slug>.ics``,
``/feeds/liaison.ics``, ``/feeds/people/<token>.ics``, the channels' XMLTV guides
``/feeds/xmltv/<code>.xml`` and the subscribe links.

Each process keeps the bytes of the feeds it served (``FeedCache``, by path
and query string) with the stamp (``calendars.export``) and the local day they
were made for. A public feed request whose entry is still valid is answered by
``FastPath`` in front of Flask: no request context, no session, no SQL (Flask
itself costs more per request than the whole hit). Anything else goes to the
views, which render from the ledger and fill the cache. A personal feed asks
the database whether its token is live on every request, so a revoked or
rotated link stops at once in every process, whatever the feeds folder allows;
only its bytes come from the cache. Responses carry a strong ETag over
the bytes and Last-Modified from the data, and answer If-None-Match and
If-Modified-Since with 304.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, Flask, abort, current_app, jsonify, request
from flask.wrappers import Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.http import http_date, parse_date

from calendars import export, feeds, tokens, xmltv
from editorial.errors import InvalidInput, NotFound
from editorial.models import Column
from editorial.workdays import local_date
from schedule import channels
from schedule.models import BroadcastChannel
from web.db import session_factory

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

MAX_AGE = 300  # five minutes: well inside the hour calendar apps poll at
PREFIX = "/feeds/"
PERSONAL = "/feeds/people/"  # never answered without asking the database for the token
CACHE_BYTES = 64 * 1024 * 1024
EXTENSION = "tvcolumn.feed_cache"
CALENDAR = "text/calendar; charset=utf-8"
XML = "application/xml; charset=utf-8"

T = TypeVar("T")


@dataclass(frozen=True)
class Entry:
    """A rendered feed with its response headers, valid for one stamp and one local day."""

    body: bytes
    etag: str  # quoted
    last_modified: datetime
    stamp: tuple[int, int] | None
    today: date
    headers: tuple[tuple[str, str], ...]  # of a 200; a 304 sends the same less the first two

    @classmethod
    def make(
        cls,
        body: bytes,
        last_modified: datetime,
        stamp: tuple[int, int] | None,
        today: date,
        private: bool,
        content_type: str = CALENDAR,
    ) -> Entry:
        etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("ETag", etag),
            ("Last-Modified", http_date(last_modified)),
        ]
        if private:
            headers += [
                ("Cache-Control", f"private, max-age={MAX_AGE}"),
                ("Referrer-Policy", "no-referrer"),
                ("X-Robots-Tag", "noindex"),
            ]
        else:
            headers.append(("Cache-Control", f"public, max-age={MAX_AGE}"))
        return cls(body, etag, last_modified, stamp, today, tuple(headers))

    def answer(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """Status, headers and body for this request: 304 when its validators match."""
        if self._not_modified(environ):
            return "304 NOT MODIFIED", list(self.headers[2:]), b""
        body = b"" if environ.get("REQUEST_METHOD") == "HEAD" else self.body
        return "200 OK", list(self.headers), body

    def _not_modified(self, environ: dict[str, Any]) -> bool:
        """RFC 9110: If-None-Match (weak comparison) decides; else If-Modified-Since."""
        tags = environ.get("HTTP_IF_NONE_MATCH")
        if tags is not None:
            return any(
                tag.strip() in ("*", self.etag) or tag.strip().removeprefix("W/") == self.etag
                for tag in tags.split(",")
            )
        since = environ.get("HTTP_IF_MODIFIED_SINCE")
        if since is None:
            return False
        moment = parse_date(since)
        return moment is not None and self.last_modified.replace(microsecond=0) <= moment


class FeedCache:
    """Rendered feeds by request (path and query string), least recently used first out,
    bounded in bytes. Thread-safe: gthread workers share it."""

    def __init__(self, max_bytes: int = CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[tuple[str, str], Entry] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str], stamp: tuple[int, int] | None, today: date) -> Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.stamp != stamp or entry.today != today:
                return None
            self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[str, str], entry: Entry) -> None:
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._size -= len(old.body)
            self._entries[key] = entry
            self._size += len(entry.body)
            while self._size > self.max_bytes and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped.body)


class FastPath:
    """WSGI middleware: answers a feed request whose bytes this process holds, before Flask.

    A hit costs a dictionary lookup, one ``stat`` of the stamp and the clock:
    no request context, no session cookie, no database. Anything else (a
    miss, another path) goes to Flask, whose feed views fill the cache.
    """

    def __init__(self, wsgi_app: WSGIApplication, cache: FeedCache, stamp: str) -> None:
        self.wsgi_app = wsgi_app
        self.cache = cache
        self.stamp = stamp

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (
            path.startswith(PREFIX)
            and not path.startswith(PERSONAL)
            and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        ):
            key = (path, environ.get("QUERY_STRING", ""))
            entry = self.cache.get(key, _stamp(self.stamp), local_date(_now()))
            if entry is not None:
                status, headers, body = entry.answer(environ)
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:  # missing, or the feeds folder is no folder: render from the ledger
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def init_app(app: Flask) -> None:
    cache = FeedCache()
    app.extensions[EXTENSION] = cache
    app.register_blueprint(bp)
    stamp = str(Path(app.config["FEEDS_DIR"]) / export.STAMP)
    app.wsgi_app = FastPath(app.wsgi_app, cache, stamp)  # type: ignore[method-assign]


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
            raise InvalidInput(
                "back and ahead are whole numbers of days", code="feed_window_whole_days"
            )
        return feeds.window(now, back, ahead)
    except InvalidInput as error:
        abort(_text(400, f"{error.message}: {'; '.join(error.fields.values())}".rstrip(": ")))


def _text(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _serve(resolve: Callable[[Session], feeds.Feed | None], *, private: bool = False) -> Response:
    """Render the feed into the cache (the fast path answers the next requests of a public
    feed) and answer. A private feed is resolved (its token checked) on every request."""

    def render(session: Session, feed: feeds.Feed, span: feeds.Window) -> tuple[bytes, datetime]:
        rendering = feeds.render(session, feed, span)
        return rendering.body, rendering.last_modified

    return _answer(resolve, render, private=private)


def _answer(
    resolve: Callable[[Session], T | None],
    render: Callable[[Session, T, feeds.Window], tuple[bytes, datetime]],
    *,
    private: bool = False,
    content_type: str = CALENDAR,
    missing: str = "没有这个日历订阅（not found）",
) -> Response:
    """What ``resolve`` finds, rendered by ``render`` over the request's window, through
    the cache, with ETag and Last-Modified; 404 with ``missing`` when it finds nothing."""
    now = _now()
    span = _window(now)
    key = (request.path, request.query_string.decode("latin-1"))
    stamp = export.read_stamp(Path(current_app.config["FEEDS_DIR"]))
    entry = None if private else _cache().get(key, stamp, span.today)
    if entry is None:
        with session_factory()() as session:
            found = resolve(session)
            if found is None:
                abort(_text(404, missing))
            entry = _cache().get(key, stamp, span.today)
            if entry is None:
                body, last_modified = render(session, found, span)
                entry = Entry.make(body, last_modified, stamp, span.today, private, content_type)
                _cache().put(key, entry)
    status, headers, body = entry.answer(request.environ)
    return Response(body, status=status, headers=headers)


@bp.get("/all.ics")
def all_columns() -> Response:
    return _serve(lambda _session: feeds.all_feed())


@bp.get("/liaison.ics")
def liaison() -> Response:
    return _serve(lambda _session: feeds.liaison_feed())


@bp.get("/columns/<slug>.ics")
def column(slug: str) -> Response:
    def resolve(session: Session) -> feeds.Feed | None:
        found = session.scalar(select(Column).where(Column.slug == slug))
        return None if found is None else feeds.column_feed(found)

    return _serve(resolve)


@bp.get("/people/<token>.ics")
def person(token: str) -> Response:
    def resolve(session: Session) -> feeds.Feed | None:
        found = tokens.person_for_feed_token(session, token)
        return None if found is None else feeds.person_feed(found)

    return _serve(resolve, private=True)


@bp.get("/xmltv/<code>.xml")
def guide(code: str) -> Response:
    """The channel's XMLTV programme guide (节目指南): what the feeds' window holds."""

    def resolve(session: Session) -> BroadcastChannel | None:
        try:
            return channels.get_channel(session, code)
        except NotFound:
            return None

    def render(
        session: Session, channel: BroadcastChannel, span: feeds.Window
    ) -> tuple[bytes, datetime]:
        rendering = xmltv.render(session, channel, span, current_app.config["XMLTV_ID_DOMAIN"])
        return rendering.body, rendering.last_modified

    said = code if len(code) <= channels.CODE_LENGTH else code[: channels.CODE_LENGTH] + "…"
    return _answer(
        resolve, render, content_type=XML, missing=f"没有代码为 {said} 的频道（no such channel）"
    )


@bp.get("/")
def links() -> Response:
    """Every public feed with its ``https://`` and ``webcal://`` subscribe links."""
    base = current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")
    with session_factory()() as session:
        listed = feeds.public_feeds(session)
        guides = [guide_link(base, channel) for channel in channels.list_channels(session)]
    return jsonify(
        {
            "feeds": [subscribe_link(base, feed) for feed in listed],
            "guides": guides,
            "personal": "个人订阅链接：由 `tvcolumn feeds token USER` 生成，只显示一次",
        }
    )


def subscribe_link(base: str, feed: feeds.Feed) -> dict[str, str]:
    url = f"{base}/feeds/{feed.path}"
    return {
        "kind": feed.kind.value,
        "name": feed.name,
        "path": feed.path,
        "https": url,
        "webcal": webcal(url),
    }


def guide_path(channel: BroadcastChannel) -> str:
    """Where the channel's XMLTV guide is served, under ``/feeds/``."""
    return f"xmltv/{channel.code}.xml"


def guide_link(base: str, channel: BroadcastChannel) -> dict[str, str]:
    return {
        "kind": "xmltv",
        "station": channel.station,
        "name": channel.name,
        "code": channel.code,
        "path": guide_path(channel),
        "https": f"{base}/feeds/{guide_path(channel)}",
    }


def webcal(url: str) -> str:
    """The ``webcal://`` form of a feed URL (calendar apps open it as a subscription)."""
    return "webcal://" + url.split("://", 1)[1]
