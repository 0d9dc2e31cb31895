"""Signing in and out (Flask-Login sessions), API tokens as Bearer, CSRF on every form.

Pages know the signed-in person through the session cookie; the JSON API
only through ``Authorization: Bearer <token>`` (issued by ``tvcolumn users
token`` or on the account page), so it needs no CSRF token and a page's
cookie can never act through it.
"""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as BaseResponse
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from editorial import accounts, people
from editorial.errors import Forbidden
from editorial.models import Person
from web import errors
from web.db import request_session

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()


class SignedIn(UserMixin):
    """The signed-in person and how they came in: a sign-in session's key, or a token.

    Flask-Login keeps ``get_id()`` in the session cookie (and in a remember cookie, were
    one set): the key of a ``SignIn`` row, never the person's id, so a cookie is only as
    good as its sign-in, which signing out ends on the server.
    """

    def __init__(self, person: Person, key: str | None = None, by_token: bool = False) -> None:
        self.id = key
        self.person = person
        self.by_token = by_token

    def get_id(self) -> str | None:
        return self.id


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("请先登录")
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    app.register_blueprint(bp)


@login_manager.user_loader
def _load(key: str) -> SignedIn | None:
    person = accounts.person_signed_in(request_session(), key)
    return None if person is None else SignedIn(person, key)


@login_manager.request_loader
def _bearer(req: Any) -> SignedIn | None:
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    person = people.person_for_token(request_session(), header.removeprefix("Bearer ").strip())
    return None if person is None else SignedIn(person, by_token=True)


def current_person() -> Person:
    """The signed-in person (call only behind ``login_required``)."""
    if not current_user.is_authenticated:
        raise Forbidden("sign in first", code="sign_in_required")
    person: Person = current_user.person
    return person


class SignInForm(FlaskForm):
    username = StringField(
        _l("用户名"), validators=[DataRequired(_l("请输入用户名")), Length(max=60)]
    )
    password = PasswordField(
        _l("密码"), validators=[DataRequired(_l("请输入密码")), Length(max=200)]
    )


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host): never an open redirect."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("views.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> str | BaseResponse | tuple[str, int]:
    form = SignInForm()
    if form.validate_on_submit():
        session = request_session()
        address = client_address()
        try:
            person = accounts.sign_in(
                session, form.username.data or "", form.password.data or "", address, _now()
            )
        except accounts.SignInThrottled as throttled:
            page = render_template("sign_in.html", form=form, error=errors.describe(throttled))
            return page, 429, {"Retry-After": str(throttled.retry_after)}
        except accounts.SignInRefused as refused:
            # The failure counts must stick: commit although the answer is an error.
            session.commit()
            page = render_template("sign_in.html", form=form, error=errors.describe(refused))
            return page, 401
        key = accounts.start_sign_in(session, person, address, _now())
        login_user(SignedIn(person, key))
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("sign_in.html", form=form, error=None), status


@bp.post("/sign-out")
def sign_out() -> Response | BaseResponse:
    if current_user.is_authenticated and current_user.id is not None:
        accounts.end_sign_in(request_session(), current_user.id, _now())
    logout_user()
    flash(str(_l("已退出登录")))
    return redirect(url_for("auth.sign_in"))


@bp.post("/sign-out/everywhere")
@login_required
def sign_out_everywhere() -> Response | BaseResponse:
    """End every session of the signed-in person, this one included."""
    accounts.end_all_sign_ins(request_session(), current_person(), _now())
    logout_user()
    flash(str(_l("已在所有设备上退出登录")))
    return redirect(url_for("auth.sign_in"))


def client_address() -> str:
    """The client's address (IPv6: its /64): from X-Forwarded-For only when a trusted
    proxy sent it.

    nginx (deploy/) sets that header to the address it saw, replacing any the client sent;
    the proxies believed are gunicorn's (``TVCOLUMN_FORWARDED_ALLOW_IPS``).
    """
    direct = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    trusted = current_app.config["FORWARDED_ALLOW_IPS"]
    if forwarded and ("*" in trusted or direct in trusted):
        return _network(forwarded.split(",")[-1].strip())
    return _network(direct)


def _network(address: str) -> str:
    """An IPv6 address as its /64: one subscriber holds a whole /64 and could otherwise
    take a fresh address for every guess."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def _now() -> datetime:
    """The time of sign-in and sign-out: ``SIGN_IN_CLOCK`` if configured (tests), else now."""
    clock = current_app.config.get("SIGN_IN_CLOCK")
    return clock() if clock is not None else datetime.now(UTC)
