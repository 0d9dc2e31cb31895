"""A pytest plugin: under CI (``CI=true``) a skipped test is a failure.

Locally a test may skip when a tool it needs is missing (Chromium, nginx, node, PostgreSQL)
and say why; in CI every such tool is installed (`make test`), so a skip there means a check
silently did not run. ``xfail`` is not a skip and is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from typing import Any

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"CI=true, where a skipped test is a failure: {reason}"
