"""Benchmarks: `python -m bench` runs them all and prints one figure a line."""

import os


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
