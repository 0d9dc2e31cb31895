"""Under CI a skipped test fails the run; elsewhere it stays a skip."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SOME_TESTS = """
import pytest

def test_needs_a_tool():
    pytest.skip("the tool is not installed")

def test_needs_a_module():
    pytest.importorskip("no_such_module_tvcolumn")

@pytest.mark.skip(reason="not today")
def test_marked():
    pass

@pytest.mark.xfail(reason="known")
def test_known_failure():
    assert False

def test_fine():
    pass
"""


def test_a_skip_under_ci_is_a_failure(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(SOME_TESTS)
    result = pytester.runpytest("-p", "tests.ci_skips")
    result.assert_outcomes(failed=2, errors=1, passed=1, xfailed=1)  # a mark fails in setup
    result.stdout.fnmatch_lines(["*CI=true, where a skipped test is a failure: *not installed*"])


def test_a_skip_elsewhere_stays_a_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(SOME_TESTS)
    pytester.runpytest("-p", "tests.ci_skips").assert_outcomes(skipped=3, passed=1, xfailed=1)


def test_a_skip_under_ci_is_a_failure_on_xdist_workers_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make pytest` runs the suite on xdist workers: the report a worker sends is the failure."""
    monkeypatch.setenv("CI", "true")
    # Run from an xdist worker itself (as `make pytest` does), the inner run must not take
    # the worker's variables for its own: it would report as a worker, with no summary.
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)
    # The inner run is another process in a temporary folder: it finds ``tests.ci_skips``
    # only with the project's root on its path (a fresh clone has no PYTHONPATH).
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    pytester.makepyfile(SOME_TESTS)
    result = pytester.runpytest_subprocess("-p", "tests.ci_skips", "-n", "2")
    result.assert_outcomes(failed=2, errors=1, passed=1, xfailed=1)
    result.stdout.fnmatch_lines(["*CI=true, where a skipped test is a failure: *not installed*"])
