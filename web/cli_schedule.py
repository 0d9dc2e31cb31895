"""``tvcolumn schedule …``: build, show and report the air schedule; pin, unpin, pull."""

from __future__ import annotations

from web.cli import cli


@cli.group()
def schedule() -> None:
    """The air schedule (播出编排)."""
