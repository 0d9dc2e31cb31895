"""The schedule's reasons: a code and its particulars, stored as Chinese text and read
back from it, for the rows the builder wrote before the codes too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from schedule.reasons import HOLDUP_TEXT, PATTERNS, Reason, parse, reason

# One set of particulars per code, as its callers give them.
GIVEN: dict[str, dict[str, Any]] = {
    "priority": {"tag": "七一", "start": date(2026, 6, 20), "end": date(2026, 7, 10)},
    "priority_waiting": {"tag": "国庆", "start": date(2026, 9, 20), "end": date(2026, 10, 8)},
    "priority_full": {"tag": "国庆", "start": date(2026, 9, 20), "end": date(2026, 10, 8)},
    "earliest_before_air_by": {"air_by": date(2026, 12, 24)},
    "approval_order": {"approved": date(2026, 11, 18)},
    "series_part": {"title": "红色足迹（上）", "part": 2, "parts": 3},
    "exchange": {"column": "临江先锋"},
    "rerun": {"premiere": datetime(2026, 12, 4, 12, 0, tzinfo=UTC)},
    "fill": {"premiere": datetime(2026, 11, 6, 12, 0, tzinfo=UTC)},
    "campaign_relay": {"column": "时代风采", "premiere": datetime(2026, 12, 4, 12, 0, tzinfo=UTC)},
    "campaign_repeat": {"premiere": datetime(2026, 12, 4, 12, 0, tzinfo=UTC)},
    "premiere_moved": {},
    "pinned_by": {"name": "何静"},
    "pulled_by": {"name": "何静", "why": "临时插播：重大新闻（直播）"},
    "dropped": {},
    "stopped": {"why": "转播重大会议：全市党员大会"},
    "episode_pulled": {"state": "pulled"},
    "slot_changed": {},
    "not_built": {},
    "no_slot": {"first": date(2026, 12, 1), "last": date(2027, 2, 28)},
    "air_by_passed": {"air_by": date(2026, 11, 30)},
    "no_fitting_slot_before": {"air_by": date(2026, 12, 14)},
    "full_before": {"air_by": date(2026, 12, 14), "count": 1},
    "full": {"first": date(2026, 12, 1), "last": date(2027, 2, 28), "count": 12},
    "full_before_pinned": {
        "air_by": date(2026, 12, 14),
        "count": 2,
        "pins": 1,
        "at": datetime(2026, 12, 11, 12, 0, tzinfo=UTC),
        "title": "村支书的一天",
    },
    "full_pinned": {
        "first": date(2026, 12, 1),
        "last": date(2027, 2, 28),
        "count": 12,
        "pins": 2,
        "at": datetime(2026, 12, 11, 12, 0, tzinfo=UTC),
        "title": "村支书的一天",
    },
    "longer_than_slot": {"duration": 1800, "longest": 1200, "over": 60},
    "shorter_than_slot": {"duration": 870, "shortest": 1200, "percent": 80},
    "no_fitting_slot": {"duration": 1500, "slots": [900, 1800]},
    "series_holdup": {"title": "红色足迹", "part": 2, "holdup": "first_review"},
    "series_displaced": {"title": "红色足迹", "start_by": date(2026, 12, 20)},
    "series_too_late": {"title": "红色足迹", "start_by": date(2026, 12, 20), "parts": 3},
    "series_start_passed": {"title": "红色足迹", "start_by": date(2026, 11, 20)},
    "series_does_not_fit": {"title": "红色足迹", "part": 2, "duration": 1290, "slot": 1200},
    "series_conflict": {"title": "红色足迹"},
    "series_off_slot": {},
    "series_not_consecutive": {},
    "series_beyond_window": {"part": 3, "last": date(2027, 2, 28)},
    "series_next_taken": {"part": 3, "at": datetime(2026, 12, 11, 12, 0, tzinfo=UTC)},
    "series_next_pinned": {
        "part": 3,
        "at": datetime(2026, 12, 11, 12, 0, tzinfo=UTC),
        "title": "村支书的一天",
    },
    "series_next_unusable": {"part": 3, "at": datetime(2026, 12, 11, 12, 0, tzinfo=UTC)},
    "air_by_near": {"air_by": date(2026, 12, 8)},
    "premiere_after_air_by": {"day": date(2026, 12, 12), "air_by": date(2026, 12, 8)},
    "not_approved": {"state": "returned"},
}
# What the builder, the acts and the report wrote before the codes (their f-strings).
OLD_TEXTS = {
    "季度宣传报道重点“七一”（2026-06-20至2026-07-10）": (
        "priority",
        {"tag": "七一", "start": "2026-06-20", "end": "2026-07-10"},
    ),
    "截止日期 2026-12-24 前最早可播": ("earliest_before_air_by", {"air_by": "2026-12-24"}),
    "按终审通过先后排播（2026-11-18 通过终审）": ("approval_order", {"approved": "2026-11-18"}),
    "连续报道《红色足迹》第2集（共3集）": (
        "series_part",
        {"title": "红色足迹", "part": 2, "parts": 3},
    ),
    "重播 2026-12-04 20:00 首播": ("rerun", {"premiere": "2026-12-04 20:00"}),
    "撤下（何静）：临时插播重大新闻": ("pulled_by", {"name": "何静", "why": "临时插播重大新闻"}),
    "时长 10分钟 不足本栏目最短首播时段（20分钟）的 80%": (
        "shorter_than_slot",
        {"duration": 600, "shortest": 1200, "percent": 80},
    ),
    "时长 25分钟 与本栏目各首播时段（15分钟、30分钟）都不相符": (
        "no_fitting_slot",
        {"duration": 1500, "slots": [900, 1800]},
    ),
    "时长 31分30秒 超过本栏目最长的首播时段（30分钟，最多可超 60 秒）": (
        "longer_than_slot",
        {"duration": 1890, "longest": 1800, "over": 60},
    ),
    "连续报道《红色足迹》第2集尚未通过终审": (
        "series_holdup",
        {"title": "红色足迹", "part": 2, "holdup": "not_approved"},
    ),
    "连续报道《红色足迹》第3集尚未申报": (
        "series_holdup",
        {"title": "红色足迹", "part": 3, "holdup": "missing"},
    ),
}


def test_every_code_has_particulars_here() -> None:
    assert set(GIVEN) == set(PATTERNS)


@pytest.mark.parametrize("code", sorted(PATTERNS))
def test_a_reason_reads_back_from_the_text_it_is_stored_as(code: str) -> None:
    made = reason(code, **GIVEN[code])
    assert parse(made.text) == made


@pytest.mark.parametrize(("text", "expected"), OLD_TEXTS.items())
def test_a_reason_stored_before_the_codes_is_read_too(
    text: str, expected: tuple[str, dict[str, Any]]
) -> None:
    found = parse(text)
    assert found == Reason(*expected)
    assert found.text == text


def test_the_particulars_are_kept_as_json_keeps_them() -> None:
    made = reason("rerun", premiere=datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    assert made.params == {"premiere": "2026-12-04 20:00"}  # Shanghai time
    assert reason("series_holdup", title="T", part=1, holdup="in_production").params == {
        "title": "T",
        "part": 1,
        "holdup": "not_approved",
    }
    assert reason("not_approved", state="withdrawn").text == "节目已撤销，请撤下"
    assert reason("not_approved", state="returned").text == "节目不在可播状态（returned），请撤下"
    assert set(HOLDUP_TEXT) >= {"missing", "withdrawn", "pulled", "topic_rejected"}


def test_what_a_person_typed_is_no_reason() -> None:
    assert parse("国庆直播，停播一次") is None
    assert parse("") is None and parse(None) is None


def test_a_reason_needs_exactly_its_particulars() -> None:
    with pytest.raises(ValueError, match="takes"):
        reason("exchange")
    with pytest.raises(ValueError, match="takes"):
        reason("dropped", why="x")
