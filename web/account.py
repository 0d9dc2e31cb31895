"""The signed-in person's own pages: feed links and token, notifications."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/me")
