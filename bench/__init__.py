"""Benchmarks: `python -m bench` runs them all and prints one figure a line."""

import os
import re

FIGURE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")

Figure = tuple[str, float, str]  # name, value, unit: printed as one line


def repeats_from_env(name: str, default: int) -> int:
    """How many times to repeat a measurement: the environment variable ``name``, or ``default``."""
    raw = os.environ.get(name, str(default))
    try:
        n = int(raw)
    except ValueError:
        raise SystemExit(f"{name}={raw!r} is not a whole number") from None
    if n < 1:
        raise SystemExit(f"{name} must be at least 1, not {n}")
    return n


def format_figure(figure: Figure) -> str:
    name, value, unit = figure
    if not FIGURE_NAME.match(name):
        raise ValueError(f"figure name {name!r} must be lowercase letters, digits and '_'")
    if not unit or any(c.isspace() for c in unit):
        raise ValueError(f"figure {name}: unit {unit!r} must be one word")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"figure {name}: value {value!r} is not a number")
    return f"{name} {value} {unit}"
