"""What happens to the schedule as time passes: publish the frozen horizon (发布)
and mark airings aired (已播出).

Each function takes the session and ``now``, changes rows, flushes and
returns how many things it changed. None commits or reads the clock, and
each is idempotent: running it twice at the same ``now`` changes nothing the
second time, so a job run again after a crash is harmless.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, Update, update
from sqlalchemy.orm import Session

from schedule.builder_settings import BuildSettings
from schedule.models import Airing, AiringStatus

# The builder's frozen horizon: airings starting within it are never changed by a rebuild,
# so they are published (later changes by hand bump their revision, the feeds' SEQUENCE).
FROZEN_DAYS = BuildSettings().frozen_days


def publish_frozen(session: Session, now: datetime, frozen_days: int = FROZEN_DAYS) -> int:
    """Publish every draft airing that starts before ``now + frozen_days``.

    Drafts already in the past are published too (the service may have been
    down); ``mark_aired`` then marks those that ended.
    """
    result = _execute(
        session,
        update(Airing)
        .where(
            Airing.status == AiringStatus.DRAFT,
            Airing.starts_at < now + timedelta(days=frozen_days),
        )
        .values(status=AiringStatus.PUBLISHED, published_at=now, updated_at=now),
    )
    return result.rowcount


def mark_aired(session: Session, now: datetime) -> int:
    """Mark every published airing that has ended as aired."""
    result = _execute(
        session,
        update(Airing)
        .where(Airing.status == AiringStatus.PUBLISHED, Airing.ends_at <= now)
        .values(status=AiringStatus.AIRED, updated_at=now),
    )
    return result.rowcount


def _execute(session: Session, statement: Update) -> CursorResult[Any]:
    """Run a bulk UPDATE, refreshing any of its rows the session already holds."""
    result = session.execute(statement, execution_options={"synchronize_session": "fetch"})
    assert isinstance(result, CursorResult)
    return result
