"""Signing in and out (Flask-Login sessions), API tokens as Bearer, CSRF on every form.

Pages know the signed-in person through the session cookie; the JSON API
only through ``Authorization: Bearer <token>`` (issued by ``tvcolumn users
token`` or on the account page), so it needs no CSRF token and a page's
cookie can never act through it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.wrappers import Response as BaseResponse
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from editorial import accounts, people
from editorial.errors import Forbidden
from editorial.models import Person
from web.db import request_session

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()


class SignedIn(UserMixin):
    """What Flask-Login keeps of the signed-in person: the id, and how they came in."""

    def __init__(self, person: Person, by_token: bool = False) -> None:
        self.id = person.id
        self.person = person
        self.by_token = by_token


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = _l("请先登录")
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    app.register_blueprint(bp)


@login_manager.user_loader
def _load(user_id: str) -> SignedIn | None:
    person = request_session().get(Person, int(user_id)) if user_id.isdigit() else None
    if person is None or not person.active:
        return None
    return SignedIn(person)


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
        raise Forbidden("请先登录")
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
        try:
            person = accounts.sign_in(
                request_session(), form.username.data or "", form.password.data or "", _now()
            )
        except accounts.SignInRefused as refused:
            # The failure count must stick: commit although the answer is an error.
            request_session().commit()
            return render_template("sign_in.html", form=form, error=_(refused.message)), 401
        login_user(SignedIn(person))
        return redirect(_safe_next(request.args.get("next")))
    status = 400 if form.errors else 200
    return render_template("sign_in.html", form=form, error=None), status


@bp.post("/sign-out")
def sign_out() -> Response | BaseResponse:
    logout_user()
    flash(str(_l("已退出登录")))
    return redirect(url_for("auth.sign_in"))


def _now() -> datetime:
    return datetime.now(UTC)
