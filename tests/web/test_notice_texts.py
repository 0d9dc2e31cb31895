"""The service's reminders on the pages: said from their kind and parameters in the
reader's language; one stored without parameters keeps its stored message."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from editorial.models import Notification
from schedule import cancellations
from web import i18n, notices

STORED = "（存储的中文消息）"


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = Flask("web")  # the package's translations
    i18n.init_app(app)
    with app.app_context():
        yield app


def said(kind: str, params: dict[str, Any], language: str) -> str:
    with force_locale(language):
        return notices.text(Notification(kind=kind, message=STORED, params=params))


REVIEW_DUE = {"title": "红色印记", "stage": "second", "due": "2026-03-04", "overdue": True}
MEETING = {
    "year": 2026,
    "quarter": 3,
    "starts_at": "2026-07-03 09:00",
    "weekday": 4,
    "place": "市委党校",
}
BEHIND = {
    "column": "临江先锋",
    "theme": "庆祝建党105周年",
    "aired": 0,
    "scheduled": 1,
    "target": 2,
    "window_end": "2026-07-20",
}


def test_a_review_reminder_is_said_in_english(app: Flask) -> None:
    assert said("review_due", REVIEW_DUE, "en") == (
        "“红色印记”: Second review overdue (it was due on 2026-03-04)"
    )
    due_today = {**REVIEW_DUE, "overdue": False, "stage": "first"}
    assert said("review_due", due_today, "en") == "“红色印记”: First review due today (2026-03-04)"


def test_a_review_reminder_is_said_in_chinese_as_it_is_stored(app: Flask) -> None:
    assert said("review_due", REVIEW_DUE, "zh") == "《红色印记》复审已逾期（应于 2026-03-04 完成）"


def test_a_meeting_reminder_is_said_in_english(app: Flask) -> None:
    assert said("liaison_meeting", MEETING, "en") == (
        "The liaison meeting of 2026 Q3 is on Fri 2026-07-03 at 09:00, at 市委党校: "
        "please arrange to attend"
    )
    assert said("liaison_meeting", MEETING, "zh") == (
        "2026年第三季度通联会议将于 2026-07-03（周五）09:00 在市委党校召开，请安排参会"
    )


def test_a_behind_target_reminder_is_said_in_english(app: Flask) -> None:
    assert said("liaison_behind", BEHIND, "en") == (
        "“临江先锋” is behind its target for the reporting priority “庆祝建党105周年”: "
        "0 aired and 1 scheduled in the window, 1 in all, against a target of 2; "
        "the window ends on 2026-07-20, please hurry"
    )
    assert said("liaison_behind", BEHIND, "zh") == (
        "《临江先锋》宣传报道重点“庆祝建党105周年”落后于目标：报道时段内已播出 0 期、"
        "已编排 1 期，共 1 期，目标 2 期；报道时段 2026-07-20 结束，请抓紧安排"
    )


@pytest.mark.parametrize("kind", ["review_due", "liaison_meeting", "liaison_behind"])
def test_a_reminder_stored_without_parameters_keeps_its_message(app: Flask, kind: str) -> None:
    assert said(kind, {}, "en") == STORED
    assert said(kind, {"title": "红色印记"}, "en") == STORED  # not all of them either


CANCELLED = {
    "title": "初心如磐",
    "column": "时代风采",
    "slot": "周五首播",
    "at": "2026-03-06 20:00",
    "cause": "stopped",
    "why": "转播重大会议",
}


def test_a_cancelled_airing_is_said_in_english_and_in_chinese_as_stored(app: Flask) -> None:
    assert said("airing_cancelled", CANCELLED, "en") == (
        "The airing of “初心如磐” at 2026-03-06 20:00 (周五首播) is cancelled: a stop date "
        "(转播重大会议). See the schedule report for what could replace it."
    )
    pulled = {**CANCELLED, "cause": "pulled", "why": ""}
    assert said("airing_cancelled", pulled, "en").endswith(
        "is cancelled: the episode was pulled from air. See the schedule report for what "
        "could replace it."
    )
    moved = {**CANCELLED, "cause": "slot_changed", "why": ""}
    assert said("airing_cancelled", moved, "en").endswith(
        "is cancelled: its slot changed. See the schedule report for what could replace it."
    )
    for params in (CANCELLED, pulled, moved):
        assert said("airing_cancelled", params, "zh") == cancellations.render(params)
