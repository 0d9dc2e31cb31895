"""Episode pages: the episode, its acts, comments; proposing and editing."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("episodes", __name__, url_prefix="/episodes")
