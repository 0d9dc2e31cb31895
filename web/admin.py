"""Administration: columns, slots (with a preview of their next occurrences), people and roles."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
