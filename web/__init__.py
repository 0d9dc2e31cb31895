"""The Flask application: pages, JSON API and feeds over HTTP."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, url_for
from werkzeug.wrappers import Response as BaseResponse

from web import (
    account,
    admin,
    admin_robots,
    api,
    asrun_import_views,
    asrun_views,
    auth,
    campaign_views,
    db,
    episodes,
    errors,
    feeds,
    i18n,
    liaison_views,
    media_views,
    nav,
    notes_views,
    rebuild_views,
    schedule_views,
    security,
    series_views,
    sheet_views,
    typography,
    unstorable,
    uploads,
    views,
)
from web.app import App, IdConverter
from web.config import load_config


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application. Never migrates: ``tvcolumn db upgrade`` does that."""
    app = App(__name__, instance_relative_config=False)
    app.url_map.converters["int"] = IdConverter
    app.config.update(load_config(app.instance_path))
    if overrides:
        app.config.update(overrides)

    security.init_app(app)
    uploads.init_app(app)
    db.init_app(app)
    errors.init_app(app)
    unstorable.init_app(app)
    auth.init_app(app)
    i18n.init_app(app)
    nav.init_app(app)
    typography.init_app(app)
    for blueprint in (
        views.bp,
        episodes.bp,
        media_views.bp,
        notes_views.bp,
        schedule_views.bp,
        asrun_views.bp,
        rebuild_views.bp,
        sheet_views.bp,
        asrun_import_views.bp,
        series_views.bp,
        campaign_views.bp,
        liaison_views.bp,
        account.bp,
        admin.bp,
        admin_robots.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(api.bp)
    auth.csrf.exempt(api.bp)  # Bearer tokens only: no cookie can act through the API
    feeds.init_app(app)
    auth.csrf.exempt(feeds.bp)
    # Browsers ask for /favicon.ico whatever the page says: send them to the icon.
    app.add_url_rule("/favicon.ico", "favicon", _favicon)
    return app


def _favicon() -> BaseResponse:
    return redirect(url_for("static", filename="favicon.svg"), code=301)
