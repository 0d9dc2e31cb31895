"""The as-run check's notification on the pages: said from its parameters in the reader's
language, in Chinese exactly as stored for mails and robots."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from editorial.models import Notification
from station import asrun
from web import i18n, notices

PARAMS: dict[str, Any] = {
    "channel": "综合频道",
    "file": "log.csv",
    "first_day": "2026-02-23",
    "last_day": "2026-03-01",
    "missing": 1,
    "short": 1,
    "late": 1,
    "airings": [
        {
            "title": "节目2",
            "column": "时代风采",
            "at": "2026-02-24 20:00",
            "outcome": "late",
            "late_s": 570,
            "short_s": 0,
        },
        {
            "title": "节目3",
            "column": "时代风采",
            "at": "2026-02-25 20:00",
            "outcome": "short",
            "late_s": 0,
            "short_s": 480,
        },
        {
            "title": "节目4",
            "column": "时代风采",
            "at": "2026-02-26 20:00",
            "outcome": "missing",
            "late_s": None,
            "short_s": None,
        },
    ],
    "more": 2,
}


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = Flask("web")
    i18n.init_app(app)
    with app.app_context():
        yield app


def said(language: str) -> str:
    with force_locale(language):
        return notices.text(Notification(kind=asrun.KIND, message="stored", params=PARAMS))


def test_the_as_run_check_is_said_in_chinese_as_it_is_stored(app: Flask) -> None:
    assert said("zh") == asrun.render(PARAMS)
    assert "《节目4》2026-02-26 20:00 漏播" in said("zh")


def test_the_as_run_check_is_said_in_english(app: Flask) -> None:
    assert said("en") == (
        "As-run log of 综合频道 (2026-02-23 to 2026-03-01) checked: 1 missing, 1 short, 1 late. "
        "“节目2” 2026-02-24 20:00 aired 570 s late; “节目3” 2026-02-25 20:00 short (480 s short); "
        "“节目4” 2026-02-26 20:00 missing; and 2 more. Please check and arrange a rerun."
    )
