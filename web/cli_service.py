"""``tvcolumn scheduler run``: the APScheduler service, in its own process."""

from __future__ import annotations

from web.cli import cli


@cli.group("scheduler")
def scheduler_group() -> None:
    """The scheduler service (see docs/decisions/0001)."""
