"""``python -m media.worker JOB``: one media job's worker process.

Started by the scheduler service's :class:`media.jobs.Supervisor` in a process
group of its own, with ``TVCOLUMN_DATABASE_URL`` and ``TVCOLUMN_MEDIA_DIR`` set.
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
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m media.worker JOB_ID", file=sys.stderr)
        return 2
    url, root = os.environ.get("TVCOLUMN_DATABASE_URL"), os.environ.get("TVCOLUMN_MEDIA_DIR")
    if not url or not root:
        print("TVCOLUMN_DATABASE_URL and TVCOLUMN_MEDIA_DIR must be set", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        outcome = jobs.run(make_sessionmaker(engine), int(argv[0]), Path(root), _now)
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
