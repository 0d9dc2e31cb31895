"""The API's blueprint, on which every module of ``web.api`` registers its views."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
