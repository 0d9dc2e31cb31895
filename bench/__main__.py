"""Run every benchmark and print its figures, one ``name value unit`` line each.

Each benchmark is a module in ``BENCHMARKS`` with a ``run()`` function that
returns its figures as ``(name, value, unit)`` tuples. ``python -m bench``
runs each module in its own child process, so process-wide figures such as
peak RSS belong to that benchmark alone; ``python -m bench MODULE...`` runs
the named modules in this process. Progress goes to stderr, figures alone to
stdout. Any failure makes the exit status non-zero.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bench import Figure, format_figure

BENCHMARKS: list[str] = [
    "bench.workflow",
    "bench.schedule",
    "bench.feeds",
    "bench.feeds_http",
    "bench.feeds_import",
    "bench.xmltv",
    "bench.web_pages",
    "bench.web_load",
    "bench.media",
    "bench.media_workers",
    "bench.notifications",
    "bench.asrun",
]

ROOT = Path(__file__).resolve().parent.parent


def run_in_process(module_name: str) -> int:
    """Run one benchmark here, printing its figures; 0 on success."""
    try:
        module = importlib.import_module(module_name)
        run: Callable[[], Iterable[Figure]] = module.run
        lines = [format_figure(figure) for figure in run()]
    except Exception:
        traceback.print_exc()
        print(f"bench: {module_name} failed", file=sys.stderr)
        return 1
    for line in lines:
        print(line, flush=True)
    return 0


def run_in_child(module_name: str) -> int:
    """Run one benchmark in a fresh interpreter, relaying its figures; 0 on success."""
    print(f"bench: running {module_name}", file=sys.stderr, flush=True)
    child = subprocess.run(
        [sys.executable, "-m", "bench", module_name],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    sys.stdout.write(child.stdout)
    sys.stdout.flush()
    if child.returncode != 0:
        print(f"bench: {module_name} exited with {child.returncode}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str]) -> int:
    unknown = [name for name in argv if name not in BENCHMARKS]
    if unknown:
        print(
            f"bench: unknown benchmark(s) {', '.join(unknown)}; known: {BENCHMARKS}",
            file=sys.stderr,
        )
        return 2
    if argv:
        return max(run_in_process(name) for name in argv)
    failures = [name for name in BENCHMARKS if run_in_child(name) != 0]
    if failures:
        print(f"bench: failed: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
