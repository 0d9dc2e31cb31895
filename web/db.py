"""One engine per application and one session per request (or CLI command).

A request commits once, after its handler returned without error; any error
rolls everything back (the unit of work of docs/decisions/0003).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask, current_app, g
from flask.wrappers import Response
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from editorial.db import make_engine

EXTENSION = "tvcolumn.db"


def init_app(app: Flask) -> None:
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url.render_as_string(hide_password=False), echo=app.config["SQL_ECHO"])
    app.extensions[EXTENSION] = sessionmaker(bind=engine, expire_on_commit=False)

    @app.after_request
    def _commit(response: Response) -> Response:
        session = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def _rollback(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = (app or current_app).extensions[EXTENSION]
    return factory


def request_session() -> Session:
    """The session of the current request, opened on first use."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session


@contextmanager
def unit_of_work(app: Flask | None = None) -> Iterator[Session]:
    """A session that commits once at the end, or rolls back on any error."""
    with session_factory(app)() as session, session.begin():
        yield session
