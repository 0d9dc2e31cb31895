"""Why the schedule is as it is (说明): message codes with their particulars.

The builder, the schedulers' acts and the schedule report explain each airing and each
episode left out by a ``Reason``: a code of ``PATTERNS`` and its particulars. What is
stored (``Airing.reason``, ``Unscheduled.detail``) is the Chinese text the code's
pattern makes of them, as the command line, the API and the feeds have always shown it;
``parse`` reads such a text back into its code and particulars, so that a page says it
in the reader's language. That holds for rows stored before this module existed too:
their texts follow the same patterns. A text no pattern reads (what a person typed) is
no ``Reason``.

A pattern's placeholder is ``{name}`` (any text: a title, a tag, a name, a reason) or
``{name:kind}``, the kind saying how the value is written and read back:

========== ======================================= ======================================
kind       the particular                          written
========== ======================================= ======================================
``int``    a number                                12
``date``   a local date, ISO (``2026-12-24``)      2026-12-24
``time``   a local time (``2026-12-04 20:00``)     2026-12-04 20:00
``length`` a duration in seconds                   20分钟, 14分30秒
``lengths`` durations in seconds                   15分钟、20分钟
``holdup`` why a series part holds the series up:  尚未申报, 已撤销, 已撤播, 选题未通过,
           a state of ``HOLDUP_TEXT``, else        尚未通过终审
           ``not_approved``
``state``  an episode's state (``State``)          已撤销, 不在可播状态（returned）
========== ======================================= ======================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from editorial.workdays import SHANGHAI

PATTERNS: dict[str, str] = {
    # Why an airing is where it is (Airing.reason).
    "priority": "季度宣传报道重点“{tag}”（{start:date}至{end:date}）",
    "priority_waiting": "等待季度宣传报道重点“{tag}”（{start:date}至{end:date}），暂排于此",
    "priority_full": "季度宣传报道重点“{tag}”（{start:date}至{end:date}）期间已排满，尽早播出",
    "earliest_before_air_by": "截止日期 {air_by:date} 前最早可播",
    "approval_order": "按终审通过先后排播（{approved:date} 通过终审）",
    "series_part": "连续报道《{title}》第{part:int}集（共{parts:int}集）",
    "exchange": "交流节目：来自《{column}》",
    "campaign_relay": "集中播放：转播《{column}》{premiere:time} 首播的节目",
    "campaign_repeat": "集中播放：再次播出 {premiere:time} 首播的节目",
    "rerun": "重播 {premiere:time} 首播",
    "fill": "补播（空档重播）：{premiere:time} 首播",
    "premiere_moved": "首播已改期",
    "pinned_by": "手动固定（{name}）",
    "pulled_by": "撤下（{name}）：{why}",
    "dropped": "重新编排后取消",
    "stopped": "停播：{why}",
    "episode_pulled": "节目{state:state}，已取消",
    "slot_changed": "播出时段已更改，已取消",
    # Why an approved episode has no premiere (Unscheduled.detail; its code is the row's).
    "not_built": "通过终审后尚未编排（等待下次编排）",
    "no_slot": "{first:date}至{last:date}本栏目没有首播时段",
    "air_by_passed": "截止日期 {air_by:date} 已过",
    "no_fitting_slot_before": "截止日期 {air_by:date} 前没有时长相符的首播时段",
    "full_before": "截止日期 {air_by:date} 前时长相符的 {count:int} 期首播已全部排满",
    "full": "{first:date}至{last:date}时长相符的 {count:int} 期首播已全部排满",
    # The same, when airings pinned by hand hold some of those occurrences: the earliest named.
    "full_before_pinned": (
        "截止日期 {air_by:date} 前时长相符的 {count:int} 期首播已全部排满，其中 {pins:int} 期"
        "为手动固定的播出（最早 {at:time}《{title}》）"
    ),
    "full_pinned": (
        "{first:date}至{last:date}时长相符的 {count:int} 期首播已全部排满，其中 {pins:int} 期"
        "为手动固定的播出（最早 {at:time}《{title}》）"
    ),
    "longer_than_slot": (
        "时长 {duration:length} 超过本栏目最长的首播时段（{longest:length}，"
        "最多可超 {over:int} 秒）"
    ),
    "shorter_than_slot": (
        "时长 {duration:length} 不足本栏目最短首播时段（{shortest:length}）的 {percent:int}%"
    ),
    "no_fitting_slot": "时长 {duration:length} 与本栏目各首播时段（{slots:lengths}）都不相符",
    "series_holdup": "连续报道《{title}》第{part:int}集{holdup:holdup}",
    "series_displaced": (
        "连续报道《{title}》须在 {start_by:date} 前开播；可用的连续期次"
        "若给它，会有更多节目错过截止日期或无法安排"
    ),
    "series_too_late": (
        "连续报道《{title}》须在 {start_by:date} 前开播，此前没有连续 {parts:int} 期可用的"
        "同一首播时段"
    ),
    "series_start_passed": "连续报道《{title}》开播截止日期 {start_by:date} 已过",
    "series_does_not_fit": (
        "连续报道《{title}》各集须在同一首播时段播出，第{part:int}集时长 {duration:length} "
        "与时段（{slot:length}）不符"
    ),
    "series_conflict": "连续报道《{title}》已固定的各集所需期次与其他连续报道冲突",
    # A series under way whose next parts cannot follow (its title is the page's already).
    "series_off_slot": "已固定或已播出的各集不在本栏目首播时段的期次上，无法接续",
    "series_not_consecutive": "已固定或已播出的各集不在同一首播时段的连续期次上，无法接续",
    "series_beyond_window": (
        "第{part:int}集应接续播出，但相应期次不在本次编排范围（至 {last:date}）"
    ),
    "series_next_taken": "第{part:int}集应在 {at:time} 接续播出，但该期次已占用或不可编排",
    "series_next_pinned": "第{part:int}集应在 {at:time} 接续播出，但该期次已手动固定给《{title}》",
    "series_next_unusable": "第{part:int}集应在 {at:time} 接续播出，但时长不符或已被手动撤下",
    # The schedule report's warnings (made when it is read; never stored).
    "air_by_near": "截止日期 {air_by:date} 临近，尚未安排播出",
    "premiere_after_air_by": "安排在 {day:date} 首播，晚于截止日期 {air_by:date}",
    "not_approved": "节目{state:state}，请撤下",
}

# Why a series part holds its series up, by the part's state ("missing": not proposed).
HOLDUP_TEXT = {
    "missing": "尚未申报",
    "withdrawn": "已撤销",
    "pulled": "已撤播",
    "topic_rejected": "选题未通过",
    "not_approved": "尚未通过终审",
}


@dataclass(frozen=True)
class Reason:
    code: str  # a key of PATTERNS
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The reason in Chinese, as it is stored."""
        return _PARTS[self.code].write(self.params)

    def __str__(self) -> str:
        return self.text


def reason(code: str, **values: Any) -> Reason:
    """The reason ``code`` with its particulars, each as its kind keeps it (dates and
    times as text, durations in seconds)."""
    return Reason(code, _PARTS[code].keep(values))


def parse(text: str | None) -> Reason | None:
    """The code and particulars of a stored reason; None for a text of no pattern."""
    if not text:
        return None
    for code, part in _PARTS.items():
        if (found := part.regex.match(text)) is not None:
            return Reason(code, part.read(found))
    return None


def length(seconds: int) -> str:
    """A duration as the builder's reasons write it: 20分钟, 14分30秒."""
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}分钟" if rest == 0 else f"{minutes}分{rest}秒"


def _read_length(text: str) -> int:
    found = re.fullmatch(r"(\d+)分(?:钟|(\d+)秒)", text)
    assert found is not None
    return int(found[1]) * 60 + int(found[2] or 0)


def _time(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return str(value)


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def _holdup(value: Any) -> str:
    return str(value) if str(value) in HOLDUP_TEXT else "not_approved"


def _write_state(state: str) -> str:
    return HOLDUP_TEXT.get(state, f"不在可播状态（{state}）")


def _read_state(text: str) -> str:
    found = re.fullmatch(r"不在可播状态（(.+)）", text)
    return found[1] if found else _HOLDUP_BY_TEXT.get(text, text)


_HOLDUP_BY_TEXT = {text: state for state, text in HOLDUP_TEXT.items()}
_LENGTH = r"\d+分(?:钟|\d+秒)"


@dataclass(frozen=True)
class _Kind:
    regex: str
    keep: Callable[[Any], Any]  # a value given → the particular kept
    write: Callable[[Any], str]  # the particular → its Chinese text
    read: Callable[[str], Any]  # the Chinese text → the particular


KINDS: dict[str, _Kind] = {
    "text": _Kind(r".+?", str, str, str),
    "int": _Kind(r"-?\d+", int, str, int),
    "date": _Kind(r"\d{4}-\d{2}-\d{2}", _date, str, str),
    "time": _Kind(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", _time, str, str),
    "length": _Kind(_LENGTH, int, length, _read_length),
    "lengths": _Kind(
        rf"{_LENGTH}(?:、{_LENGTH})*",
        lambda v: [int(s) for s in v],
        lambda v: "、".join(length(s) for s in v),
        lambda t: [_read_length(s) for s in t.split("、")],
    ),
    "holdup": _Kind(
        "|".join(map(re.escape, _HOLDUP_BY_TEXT)),
        _holdup,
        lambda v: HOLDUP_TEXT[v],
        lambda t: _HOLDUP_BY_TEXT[t],
    ),
    "state": _Kind(r".+?", str, _write_state, _read_state),
}
_PLACEHOLDER = re.compile(r"\{(\w+)(?::(\w+))?\}")


@dataclass(frozen=True)
class _Pattern:
    pattern: str
    kinds: dict[str, _Kind]
    regex: re.Pattern[str]

    @classmethod
    def of(cls, pattern: str) -> _Pattern:
        kinds: dict[str, _Kind] = {}
        regex, at = "", 0
        for found in _PLACEHOLDER.finditer(pattern):
            name, kind = found[1], KINDS[found[2] or "text"]
            kinds[name] = kind
            regex += re.escape(pattern[at : found.start()]) + f"(?P<{name}>{kind.regex})"
            at = found.end()
        regex += re.escape(pattern[at:])
        return cls(pattern, kinds, re.compile(rf"^{regex}$", re.DOTALL))

    def keep(self, values: Mapping[str, Any]) -> dict[str, Any]:
        if set(values) != set(self.kinds):
            raise ValueError(f"{self.pattern!r} takes {sorted(self.kinds)}, not {sorted(values)}")
        return {name: kind.keep(values[name]) for name, kind in self.kinds.items()}

    def write(self, params: Mapping[str, Any]) -> str:
        return _PLACEHOLDER.sub(lambda m: self.kinds[m[1]].write(params[m[1]]), self.pattern)

    def read(self, found: re.Match[str]) -> dict[str, Any]:
        return {name: kind.read(found[name]) for name, kind in self.kinds.items()}


_PARTS = {code: _Pattern.of(pattern) for code, pattern in PATTERNS.items()}
