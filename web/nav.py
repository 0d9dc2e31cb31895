"""The header's links: each page area adds its entry; only registered endpoints show,
and administration only to administrators."""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from editorial.models import Membership, Role
from web.db import request_session

# (endpoint, label), in the header's order.
ITEMS: list[tuple[str, LazyString]] = [
    ("views.home", _l("我的节目")),
    ("episodes.propose", _l("申报选题")),
    ("schedule.week", _l("播出编排")),
    ("account.feeds", _l("日历订阅")),
    ("account.notifications", _l("提醒")),
    ("admin.index", _l("管理")),
]
ADMIN_ONLY = {"admin.index"}


def _is_admin() -> bool:
    if not current_user.is_authenticated:
        return False
    found = request_session().scalar(
        select(Membership.id)
        .where(Membership.person_id == current_user.id, Membership.role == Role.ADMIN)
        .limit(1)
    )
    return found is not None


def nav_items() -> list[tuple[str, LazyString]]:
    shown = [(e, label) for e, label in ITEMS if e in current_app.view_functions]
    if any(e in ADMIN_ONLY for e, _ in shown) and not _is_admin():
        shown = [(e, label) for e, label in shown if e not in ADMIN_ONLY]
    return shown


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
