"""Chinese by default, English one click away (Flask-Babel).

The interface is written in Chinese: the Chinese text is the message id, so a
string never translated still shows Chinese. ``web/translations/en`` holds the
English catalog; ``make translations`` extracts and compiles it.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel
from werkzeug.wrappers import Response

LANGUAGES = {"zh": "中文", "en": "English"}
DEFAULT = "zh"

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    Babel(app, locale_selector=select_locale)
    app.register_blueprint(bp)

    @app.context_processor
    def _languages() -> dict[str, object]:
        return {"languages": LANGUAGES, "language": select_locale()}


@bp.get("/lang/<code>")
def choose(code: str) -> Response:
    if code in LANGUAGES:
        session["lang"] = code
    target = request.referrer or ""
    same_site = target.startswith(request.host_url)
    return redirect(target if same_site else url_for("views.home"))
