"""Who is calling: a personal API token as ``Authorization: Bearer <token>``,
and nothing else. A page's session cookie never authenticates an API request
(the cookie is not even looked at), so the API needs no CSRF token.

An episode of a column the caller holds no role in answers exactly as one
that does not exist: 404, revealing nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app, g, request
from flask.wrappers import Response
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from editorial import people, workflow
from editorial.errors import NotFound
from editorial.models import Episode, Membership, Person
from web.api.blueprint import bp
from web.api.errors import error
from web.app import MAX_ID  # ids are 32-bit integers in the database
from web.db import request_session
from web.uploads import own_limit, takes_upload

MAX_BODY = 256 * 1024  # bytes of a request body
REALM = 'Bearer realm="tvcolumn"'


def now() -> datetime:
    return datetime.now(UTC)


@bp.before_request
def _authenticate() -> Response | None:
    view = current_app.view_functions.get(request.endpoint or "")
    # An upload's limit is the media limit, an as-run log's its own (web.uploads).
    if not takes_upload(view) and own_limit(view) is None:
        request.max_content_length = MAX_BODY
    op = getattr(view, "api_operation", None)
    if op is not None and op.public:
        return None
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error(
            401,
            "send a personal API token as 'Authorization: Bearer <token>' "
            "(issued by `tvcolumn users token USER --label L` or on your account page)",
            headers={"WWW-Authenticate": REALM},
        )
    person = people.person_for_token(request_session(), token.strip())
    if person is None:
        return error(
            401,
            "the token is unknown or revoked, or its person is deactivated",
            headers={"WWW-Authenticate": REALM + ', error="invalid_token"'},
        )
    g.api_person = person
    return None


@bp.after_request
def _private(response: Response) -> Response:
    """Answers are the caller's own: no shared cache keeps them."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def caller() -> Person:
    """The person whose token authenticated this request."""
    person: Person = g.api_person
    return person


def my_column_ids(person: Person) -> Select[int]:
    """The columns the person holds any role in."""
    return select(Membership.column_id).where(Membership.person_id == person.id)


def visible_episode(session: Session, person: Person, episode_id: int) -> Episode:
    """The episode, if it is in one of the person's columns; else the same 404 as no episode."""
    episode = session.get(Episode, episode_id) if 0 < episode_id <= MAX_ID else None
    if episode is None or not workflow.roles_in(session, person, episode.column_id):
        raise NotFound(f"no episode {episode_id}")
    return episode
