"""The JSON API, ``/api/v1/…``: Bearer tokens only, the same services as the pages.

``access`` authenticates, ``errors`` answers every refusal in JSON, ``schema``
declares what each view takes (``openapi`` publishes those declarations), and
``episodes``, ``acts``, ``media``, ``schedule``, ``rebuild``, ``slots``, ``series``,
``sheets``, ``feeds`` and ``notifications`` are the views.
"""

from __future__ import annotations

# The modules register their views and hooks on ``bp`` (``web.api.blueprint``).
from web.api import (
    access,
    acts,
    asrun,
    asrun_report,
    campaigns,
    episodes,
    errors,
    feeds,
    media,
    notes,
    notifications,
    openapi,
    rebuild,
    schedule,
    series,
    sheets,
    slots,
)
from web.api.blueprint import bp

__all__ = [
    "access",
    "acts",
    "asrun",
    "asrun_report",
    "bp",
    "campaigns",
    "episodes",
    "errors",
    "feeds",
    "media",
    "notes",
    "notifications",
    "openapi",
    "rebuild",
    "schedule",
    "series",
    "sheets",
    "slots",
]
