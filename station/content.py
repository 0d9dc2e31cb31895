"""The short content id the station knows an episode by (节目编号, its house id)."""

from __future__ import annotations


def content_id(column_slug: str, episode_id: int) -> str:
    """Stable across the episode's versions: its column and its number, e.g.
    ``shidai-fengcai-000042``. The order sheet (播出单) gives it to the station; the
    as-run log's house id names an airing by it."""
    return f"{column_slug}-{episode_id:06d}"
