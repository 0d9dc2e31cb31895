"""One engine per application and one session per request (or CLI command).

A request commits once, after its handler returned without error, inside the
request's dispatch, so that a failing commit (a busy database, a lost race)
reaches the error handlers like any other refusal; any error rolls everything
back (the unit of work of docs/decisions/0003). Requests that only read
(GET, HEAD, OPTIONS) begin their transaction without the SQLite write lock;
every other request takes it up front (``editorial.db.make_engine``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from editorial.db import SQLITE_BUSY_TIMEOUT_MS, make_engine, reading

EXTENSION = "tvcolumn.db"
READING_EXTENSION = "tvcolumn.db.reading"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(
        url.render_as_string(hide_password=False),
        echo=app.config["SQL_ECHO"],
        busy_timeout_ms=app.config.get("SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS),
    )
    app.extensions[EXTENSION] = sessionmaker(bind=engine, expire_on_commit=False)
    app.extensions[READING_EXTENSION] = sessionmaker(bind=reading(engine), expire_on_commit=False)

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def commit_request(response: Response) -> Response:
    """Commit the request's work if its answer is a success; errors reach the handlers."""
    session: Session | None = g.get("db_session")
    if session is not None and response.status_code < 400:
        session.commit()
    return response


def rollback_request() -> None:
    """Undo the request's work before an error page is rendered.

    A failed flush leaves the session unusable until it is rolled back; the
    error page itself reads (the signed-in person, the header's counts), and
    from here on only reads: on SQLite it no longer waits for the write lock
    another writer may hold.
    """
    session: Session | None = g.get("db_session")
    if session is not None:
        session.rollback()
        session.bind = current_app.extensions[READING_EXTENSION].kw["bind"]


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = (app or current_app).extensions[EXTENSION]
    return factory


def engine_of(app: Flask | None = None) -> Engine:
    engine: Engine = session_factory(app).kw["bind"]
    return engine


def request_session() -> Session:
    """The session of the current request, opened on first use."""
    if "db_session" not in g:
        key = READING_EXTENSION if request.method in READ_METHODS else EXTENSION
        g.db_session = current_app.extensions[key]()
    session: Session = g.db_session
    return session


@contextmanager
def unit_of_work(app: Flask | None = None) -> Iterator[Session]:
    """A session that commits once at the end, or rolls back on any error."""
    with session_factory(app)() as session, session.begin():
        yield session
