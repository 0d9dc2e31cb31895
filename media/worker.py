"""``python -m media.worker JOB [--ticket N]``: one media job's render process.

Started in a process group of its own, with ``TVCOLUMN_DATABASE_URL`` and
``TVCOLUMN_MEDIA_DIR`` set, by the scheduler service's
:class:`media.jobs.Supervisor` (SQLite) or by a media worker for its
procrastinate ticket N (:mod:`media.queue`, PostgreSQL).
Exit status 0 when the job is done, 1 when it failed (the reason is on the
job), 2 when it could not start or the job was not queued.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from editorial.db import make_engine, make_sessionmaker
from media import jobs
from media.models import JobState


def main(argv: list[str]) -> int:
    ticket: int | None = None
    if len(argv) == 3 and argv[1] == "--ticket" and argv[2].isdigit():
        ticket, argv = int(argv[2]), argv[:1]
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m media.worker JOB_ID [--ticket N]", file=sys.stderr)
        return 2
    url, root = os.environ.get("TVCOLUMN_DATABASE_URL"), os.environ.get("TVCOLUMN_MEDIA_DIR")
    if not url or not root:
        print("TVCOLUMN_DATABASE_URL and TVCOLUMN_MEDIA_DIR must be set", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        outcome = jobs.run(
            make_sessionmaker(engine), int(argv[0]), Path(root), _now, task_id=ticket
        )
    finally:
        engine.dispose()
    if outcome is None:
        print(f"media job {argv[0]} is not queued: another worker took it", file=sys.stderr)
        return 2
    return 0 if outcome.state is JobState.DONE else 1


def _now() -> datetime:
    return datetime.now(UTC)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
