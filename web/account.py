"""The signed-in person's own pages: feed links and the personal feed token,
and the notifications of the scheduler service."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from calendars import feeds, tokens
from calendars.models import FeedToken
from editorial import notifications as notices
from editorial.errors import NotFound
from editorial.models import Person
from editorial.workdays import SHANGHAI
from web.auth import current_person
from web.db import request_session
from web.feeds import webcal

bp = Blueprint("account", __name__, url_prefix="/me")

NOTIFICATIONS_SHOWN = 200
KIND = {"review_due": _l("审片提醒")}


def _now() -> datetime:
    return datetime.now(UTC)


# --- feeds ----------------------------------------------------------------------------------------


def _base_url() -> str:
    return str(current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/"))


def _links(feed_path: str) -> dict[str, str]:
    url = f"{_base_url()}/feeds/{feed_path}"
    return {"https": url, "webcal": webcal(url)}


def _live_token(session: Session, person: Person) -> FeedToken | None:
    return session.scalar(
        select(FeedToken).where(FeedToken.person_id == person.id, FeedToken.revoked_at.is_(None))
    )


def _feeds_page(personal: dict[str, str] | None = None) -> str:
    session = request_session()
    person = current_person()
    listed = [(feed, _links(feed.path)) for feed in feeds.public_feeds(session)]
    return render_template(
        "account/feeds.html",
        feeds=listed,
        personal=personal,
        personal_feed=feeds.person_feed(person),
        live=_live_token(session, person),
    )


@bp.get("/feeds", endpoint="feeds")
@login_required
def feeds_page() -> str:
    """Every public feed with its subscribe links; the personal feed and its token."""
    return _feeds_page()


@bp.post("/feeds/token")
@login_required
def rotate_token() -> str:
    """Issue a new personal feed link, shown on this page once; the old one stops working."""
    session = request_session()
    person = current_person()
    # Personal feeds check the token in the database on every request (web.feeds): the
    # old link stops at once in every web process, with nothing to write to the feeds folder.
    token = tokens.rotate_feed_token(session, person, person, _now())
    return _feeds_page(personal=_links(f"people/{token}.ics"))


@bp.post("/feeds/token/revoke")
@login_required
def revoke_token() -> Response:
    session = request_session()
    person = current_person()
    count = tokens.revoke_feed_token(session, person, person, _now())
    flash(_("个人订阅链接已停用。") if count else _("你没有正在使用的个人订阅链接。"))
    return redirect(url_for(".feeds"))


# --- notifications --------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications() -> str:
    """The person's notifications, newest first; dismissed ones only on request."""
    person = current_person()
    shown_all = request.args.get("all") == "1"
    rows = notices.notifications_of(
        request_session(), person, include_dismissed=shown_all, limit=NOTIFICATIONS_SHOWN
    )
    return render_template(
        "account/notifications.html",
        notifications=rows,
        shown_all=shown_all,
        KIND=KIND,
        limit=NOTIFICATIONS_SHOWN,
        tz=SHANGHAI,
    )


@bp.post("/notifications/<int:notification_id>/dismiss")
@login_required
def dismiss_notification(notification_id: int) -> Response:
    try:
        notices.dismiss(request_session(), current_person(), notification_id, _now())
    except NotFound:
        raise NotFound(_("没有这条提醒。")) from None
    flash(_("提醒已移除。"))
    return redirect(url_for(".notifications"))
