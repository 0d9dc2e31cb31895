"""The header's links: each page area adds its entry; only registered endpoints show, and
an area may show its entry only to some (administration to administrators)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, current_app, g
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from editorial import notifications
from editorial.models import Column, Level, Membership, Person, Role
from web.db import request_session

Held = Iterable[tuple[Role, Level]]

# (endpoint, label), in the header's order.
ITEMS: list[tuple[str, LazyString]] = [
    ("views.home", _l("我的节目")),
    ("episodes.propose", _l("申报选题")),
    ("schedule.week", _l("播出编排")),
    ("series.index", _l("连续报道")),
    ("campaigns.index", _l("集中播放")),
    ("liaison.index", _l("通联")),
    ("account.feeds", _l("日历订阅")),
    ("account.notifications", _l("通知")),
    ("admin.my_slots", _l("播出时段")),
    ("admin.index", _l("管理")),
]
# Entries shown only to some, by the roles a person holds (role, level of its column).
SHOWN_TO: dict[str, Callable[[Held], bool]] = {
    "admin.index": lambda held: any(role is Role.ADMIN for role, _level in held),
    # Administrators reach the slots from 管理; a scheduler who administers nothing, here.
    "admin.my_slots": lambda held: (
        any(role is Role.SCHEDULER for role, _level in held)
        and not any(role is Role.ADMIN for role, _level in held)
    ),
}


# Concentrated broadcasts (集中播放) are planned by schedulers and administrators.
SHOWN_TO["campaigns.index"] = lambda held: any(
    role in (Role.SCHEDULER, Role.ADMIN) for role, _level in held
)


def show_only_to(endpoint: str, rule: Callable[[Held], bool]) -> None:
    SHOWN_TO[endpoint] = rule


def roles_held() -> list[tuple[int, Role, Level]]:
    """The signed-in person's roles as (column id, role, column level), and their unread
    notifications' count (``unread_notifications``): one statement per request, shared by
    the header and the pages that need them."""
    if not current_user.is_authenticated:
        return []
    if "roles_held" not in g:
        me = current_user.person.id
        unread = notifications.unread_query(me).scalar_subquery()
        rows = (
            request_session()
            .execute(
                select(unread, Membership.column_id, Membership.role, Column.level)
                .select_from(Person)
                .outerjoin(Membership, Membership.person_id == Person.id)
                .outerjoin(Column, Column.id == Membership.column_id)
                .where(Person.id == me)
            )
            .all()
        )
        g.unread_notifications = int(rows[0][0] or 0) if rows else 0
        g.roles_held = [
            (column_id, role, level) for _n, column_id, role, level in rows if column_id is not None
        ]
    held: list[tuple[int, Role, Level]] = g.roles_held
    return held


def unread_notifications() -> int:
    """The signed-in person's unread notifications, for the header's badge (read with
    their roles, in ``roles_held``'s statement); 0 for nobody signed in."""
    if not current_user.is_authenticated:
        return 0
    roles_held()
    count: int = g.unread_notifications
    return count


def nav_items() -> list[tuple[str, LazyString]]:
    shown = [(e, label) for e, label in ITEMS if e in current_app.view_functions]
    if any(e in SHOWN_TO for e, _label in shown):
        held = [(role, level) for _column, role, level in roles_held()]
        shown = [(e, label) for e, label in shown if e not in SHOWN_TO or SHOWN_TO[e](held)]
    return shown


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.globals["unread_notifications"] = unread_notifications
