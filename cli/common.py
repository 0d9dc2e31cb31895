"""What every ``tvcolumn`` command shares: the clock, the unit of work, tables and times.

Commands stay thin: parse, look up, call one service, commit once. Domain
refusals go to stderr with exit status 1; usage errors exit with 2.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from flask.cli import with_appcontext

from editorial.errors import DomainError
from editorial.workdays import SHANGHAI
from web.db import unit_of_work

F = TypeVar("F", bound=Callable[..., Any])
WEEKDAYS = "一二三四五六日"


def now() -> datetime:
    """The one clock of the command line (tests set it here)."""
    return datetime.now(UTC)


def domain_command(fn: F) -> F:
    """Run the command in one unit of work; a refusal becomes a clean CLI error."""

    @functools.wraps(fn)
    @with_appcontext
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with unit_of_work() as session:
                return fn(session, *args, **kwargs)
        except DomainError as error:
            raise click.ClickException(error.message) from None

    return wrapper  # type: ignore[return-value]


def local_time(moment: datetime) -> str:
    """A moment as the schedule shows it: local date, weekday and time (Asia/Shanghai)."""
    here = moment.astimezone(SHANGHAI)
    return f"{here:%Y-%m-%d} 周{WEEKDAYS[here.weekday()]} {here:%H:%M}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Rows padded to the display width of each column (Chinese characters count two)."""
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(
            cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)
        ).rstrip()
        for row in [header, *rows]
    ]
