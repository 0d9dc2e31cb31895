"""Administration of a column's group robots (群机器人): its 企业微信 and 钉钉 webhooks,
DingTalk's signing secret, on or off, removed. Only the column's administrators
(``editorial.robots.require_admin``).

A secret is never shown back: the page says one is set (and its last characters);
leaving the field empty keeps it, ticking 「清除签名密钥」 clears it. No test message
is sent from here: messages leave through the outbox the scheduler service sends.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from editorial import robots
from editorial.errors import InvalidInput, NotFound
from editorial.models import Channel, Column
from web import errors
from web.admin import Form
from web.auth import current_person
from web.db import request_session

bp = Blueprint("admin_robots", __name__, url_prefix="/admin")

ROBOT = {Channel.WECOM: _l("企业微信群机器人"), Channel.DINGTALK: _l("钉钉群机器人")}
SLUG = {Channel.WECOM: "wecom", Channel.DINGTALK: "dingtalk"}
MAX_URL = robots.MAX_URL


def _now() -> datetime:
    return datetime.now(UTC)


def _channel(name: str) -> Channel:
    for channel, slug in SLUG.items():
        if slug == name:
            return channel
    raise NotFound(f"no robot {name!r}")


def _column(session: Session, slug: str) -> Column:
    column = session.scalar(select(Column).where(Column.slug == slug))
    if column is None:
        raise NotFound(f"no column {slug!r}")
    return column


def _admin_of(column: Column) -> None:
    robots.require_admin(request_session(), current_person(), column)


def _page(column: Column, forms: dict[Channel, Form] | None = None) -> str:
    configured = robots.robots_of(request_session(), column)
    shown = forms or {}
    for channel in robots.ROBOT_CHANNELS:
        if channel not in shown:
            robot = configured.get(channel)
            if robot is None:
                shown[channel] = Form({"active": "1"})
            else:
                active = "1" if robot.active else ""
                shown[channel] = Form({"webhook_url": robot.webhook_url, "active": active})
    return render_template(
        "admin/robots.html",
        column=column,
        channels=[
            (channel, SLUG[channel], ROBOT[channel], configured.get(channel), shown[channel])
            for channel in robots.ROBOT_CHANNELS
        ],
        masked=robots.masked,
        MAX_URL=MAX_URL,
        DINGTALK=Channel.DINGTALK,
    )


@bp.get("/columns/<slug>/robots")
@login_required
def robots_page(slug: str) -> str:
    column = _column(request_session(), slug)
    _admin_of(column)
    return _page(column)


@bp.post("/columns/<slug>/robots/<name>")
@login_required
def save_robot(slug: str, name: str) -> Response | tuple[str, int]:
    """Set the robot; a refusal shows the form again with what was typed, and keeps the
    robot as it was."""
    session = request_session()
    column = _column(session, slug)
    _admin_of(column)
    channel = _channel(name)
    form = Form.of(request.form, ("webhook_url", "secret", "active", "clear_secret"))
    secret: str | None = form.values["secret"] or None
    if form.values["clear_secret"] == "1":
        secret = ""
    try:
        robots.set_robot(
            session,
            current_person(),
            column,
            channel,
            form.values["webhook_url"],
            secret,
            form.values["active"] == "1",
            _now(),
            local_stand_in=bool(current_app.config.get("TESTING")),
        )
    except InvalidInput as error:
        form.errors.update(errors.field_errors(error))
        form.values["secret"] = ""  # a secret typed is not sent back either
        session.rollback()
        return _page(_column(session, slug), {channel: form}), 422
    flash(_("已保存《%(name)s》的%(robot)s。", name=column.name, robot=ROBOT[channel]))
    return redirect(url_for(".robots_page", slug=column.slug))


@bp.post("/columns/<slug>/robots/<name>/remove")
@login_required
def remove_robot(slug: str, name: str) -> Response:
    session = request_session()
    column = _column(session, slug)
    _admin_of(column)
    channel = _channel(name)
    try:
        robots.remove_robot(session, current_person(), column, channel, _now())
    except NotFound:
        raise NotFound(f"column {column.slug} has no {channel} robot") from None
    flash(_("已移除《%(name)s》的%(robot)s。", name=column.name, robot=ROBOT[channel]))
    return redirect(url_for(".robots_page", slug=column.slug))
