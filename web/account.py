"""The signed-in person's own pages: feed links and the personal feed token, the
notifications (read, mark read) and the account page with how the person is told
(通知方式: e-mail on or off, for every kind and per kind)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask import session as session_store
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from calendars import feeds, tokens
from calendars.models import FeedToken
from editorial import notifications as notices
from editorial.errors import NotFound
from editorial.models import Channel, Column, Person
from editorial.workdays import SHANGHAI
from schedule import channels
from web import notices as notice_text
from web.auth import current_person
from web.db import request_session
from web.feeds import guide_path, webcal

bp = Blueprint("account", __name__, url_prefix="/me")

# The personal feed link just issued, kept in the signed session until the page shows it.
NEW_TOKEN = "new_feed_token"

NOTIFICATIONS_SHOWN = 200


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


@dataclass(frozen=True)
class FeedText:
    """A feed's name and description in the reader's language (the calendar itself keeps
    the Chinese ones of ``calendars.feeds``)."""

    name: str
    description: str


def feed_text(session: Session, feed: feeds.Feed) -> FeedText:
    match feed.kind:
        case feeds.FeedKind.ALL:
            return FeedText(_("全部栏目播出安排"), _("《时代风采》及各县级党建栏目的播出安排"))
        case feeds.FeedKind.LIAISON:
            return FeedText(_("通联工作日历"), _("通联会议与季度宣传报道重点"))
        case feeds.FeedKind.COLUMN:
            column = session.get_one(Column, feed.column_id)
            return FeedText(
                _("《%(name)s》播出安排", name=column.name),
                _(
                    "%(station)s %(channel)s《%(name)s》的首播与重播",
                    station=column.station,
                    channel=column.channel,
                    name=column.name,
                ),
            )
    return FeedText(
        _("我的审片与播出"), _("我的审片截止日期和我的节目的播出安排（个人订阅，请勿转发）")
    )


def _feeds_page(personal: dict[str, str] | None = None) -> str:
    session = request_session()
    person = current_person()
    listed = [(feed_text(session, feed), _links(feed.path)) for feed in feeds.public_feeds(session)]
    guides = [
        (channel, f"{_base_url()}/feeds/{guide_path(channel)}")
        for channel in channels.list_channels(session)
    ]
    return render_template(
        "account/feeds.html",
        feeds=listed,
        guides=guides,
        personal=personal,
        personal_feed=feed_text(session, feeds.person_feed(person)),
        live=_live_token(session, person),
    )


@bp.get("/feeds", endpoint="feeds")
@login_required
def feeds_page() -> str:
    """Every public feed with its subscribe links; the personal feed and its token. A link
    just issued is shown once, on the page the issuing redirects to."""
    token = session_store.pop(NEW_TOKEN, None)
    return _feeds_page(personal=_links(f"people/{token}.ics") if token else None)


@bp.post("/feeds/token")
@login_required
def rotate_token() -> Response:
    """Issue a new personal feed link, shown on the page once; the old one stops working.
    Redirected (303), so refreshing the page shows it again rather than issuing another."""
    session = request_session()
    person = current_person()
    # Personal feeds check the token in the database on every request (web.feeds): the
    # old link stops at once in every web process, with nothing to write to the feeds folder.
    session_store[NEW_TOKEN] = tokens.rotate_feed_token(session, person, person, _now())
    return redirect(url_for(".feeds"), code=303)


@bp.post("/feeds/token/revoke")
@login_required
def revoke_token() -> Response:
    session = request_session()
    person = current_person()
    count = tokens.revoke_feed_token(session, person, person, _now())
    flash(_("个人订阅链接已停用。") if count else _("您没有正在使用的个人订阅链接。"))
    return redirect(url_for(".feeds"))


# --- notifications --------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications() -> str:
    """The person's notifications, newest first, read and unread (``?unread=1``: unread)."""
    person = current_person()
    session = request_session()
    unread_only = request.args.get("unread") == "1"
    rows = notices.notifications_of(
        session, person, include_dismissed=not unread_only, limit=NOTIFICATIONS_SHOWN
    )
    return render_template(
        "account/notifications.html",
        notifications=rows,
        unread_only=unread_only,
        kind_label=notice_text.kind_label,
        text=notice_text.text,
        limit=NOTIFICATIONS_SHOWN,
        tz=SHANGHAI,
    )


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Response:
    try:
        notices.dismiss(request_session(), current_person(), notification_id, _now())
    except NotFound:
        raise NotFound(f"no notification {notification_id}") from None
    flash(_("已标为已读。"))
    return redirect(_back())


@bp.post("/notifications/read-all")
@login_required
def mark_all_read() -> Response:
    count = notices.mark_all_read(request_session(), current_person(), _now())
    flash(_("%(n)d 条通知已标为已读。", n=count) if count else _("没有未读的通知。"))
    return redirect(_back())


def _back() -> str:
    """The list the person came from (only unread, or all)."""
    unread = request.form.get("unread") == "1"
    return url_for(".notifications", unread=1) if unread else url_for(".notifications")


# --- the account page: how the person is told -----------------------------------------------------


@bp.get("/", endpoint="index")
@login_required
def account_page() -> str:
    """The person's account: who they are, and how they want to be told (通知方式)."""
    person = current_person()
    choices = notices.choices_of(request_session(), person)
    email_all = choices.get((Channel.EMAIL, notices.EVERY_KIND), True)
    return render_template(
        "account/index.html",
        person=person,
        smtp=bool(current_app.config.get("SMTP_URL")),
        email_all=email_all,
        kinds=[
            (kind, notice_text.kind_label(kind), choices.get((Channel.EMAIL, kind), True))
            for kind in notices.KINDS
        ],
    )


@bp.post("/channels")
@login_required
def save_channels() -> Response:
    """Save the e-mail switch and each kind's choice; a kind not ticked is off."""
    session = request_session()
    person = current_person()
    now = _now()
    ticked = set(request.form.getlist("kind"))
    notices.set_choice(
        session, person, Channel.EMAIL, notices.EVERY_KIND, request.form.get("email") == "1", now
    )
    for kind in notices.KINDS:
        notices.set_choice(session, person, Channel.EMAIL, kind, kind in ticked, now)
    flash(_("通知方式已保存。"))
    return redirect(url_for(".index") + "#channels")
