"""Schedule pages: week and month grids, the schedulers' acts, the report."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("schedule", __name__, url_prefix="/schedule")
