"""Pages. Until the web application issue lands: the list of episodes."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from editorial.models import Column, Episode
from web import labels
from web.db import request_session

bp = Blueprint("views", __name__)


@bp.get("/")
def episodes() -> str:
    session = request_session()
    rows = session.scalars(
        select(Episode)
        .join(Column)
        .options(joinedload(Episode.column), joinedload(Episode.responsible_producer))
        .order_by(Column.level, Column.slug, Episode.id)
    ).all()
    return render_template("episodes.html", episodes=rows, states=labels.STATE)
