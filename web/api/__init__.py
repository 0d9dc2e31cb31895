"""The JSON API, ``/api/v1/…``: Bearer tokens only, the same services as the pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
