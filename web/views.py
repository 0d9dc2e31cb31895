"""Pages. The home page lists the episodes of the signed-in person's columns
(the board of the web issue replaces it)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from editorial.models import Column, Episode, Membership
from web import labels
from web.auth import current_person
from web.db import request_session

bp = Blueprint("views", __name__)


@bp.get("/")
@login_required
def home() -> str:
    session = request_session()
    person = current_person()
    mine = select(Membership.column_id).where(Membership.person_id == person.id)
    rows = session.scalars(
        select(Episode)
        .join(Column)
        .where(Episode.column_id.in_(mine))
        .options(joinedload(Episode.column), joinedload(Episode.responsible_producer))
        .order_by(Column.level, Column.slug, Episode.id)
    ).all()
    return render_template("episodes.html", episodes=rows, states=labels.STATE)
