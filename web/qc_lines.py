"""The lines of a QC report (质检报告) in the reader's language.

``media.qc`` stores each rule as a code and its particulars (``params``); each line is
said here from those. A report stored before rules had particulars has only its Chinese
text: its rule is named by its code, and the few Chinese words such a report's text
holds (无, 有（aac）, 或, 不超过时段 …) are said in the reader's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from web import labels


@dataclass(frozen=True)
class Line:
    code: str
    label: str  # the rule
    passed: bool
    measured: str  # what the master has
    expected: str  # what the column's delivery specification asks


def lines(report: Mapping[str, Any] | None) -> list[Line]:
    """The report's rules, in its order (none for a version not checked)."""
    return [line(rule) for rule in (report or {}).get("rules", [])]


def line(rule: Mapping[str, Any]) -> Line:
    code = str(rule.get("code", ""))
    label = labels.QC_RULE.get(code)
    params = rule.get("params")
    said = SAY.get(code) if params else None
    if said is not None and params is not None:
        measured, expected = said(params)
    else:
        measured, expected = old_text(rule.get("measured")), old_text(rule.get("expected"))
    return Line(
        code,
        str(label) if label is not None else str(rule.get("label", code)),
        bool(rule.get("passed")),
        measured,
        expected,
    )


def _number(value: Any, digits: str = "g") -> str:
    return format(float(value), digits)


def _sizes(sizes: list[list[int]]) -> str:
    return labels.names_or([f"{w}×{h}" for w, h in sizes])


def _duration(p: Mapping[str, Any]) -> tuple[str, str]:
    window = f"{_number(p['target_seconds'])} s ± {_number(p['tolerance_seconds'])} s"
    if p.get("slot_max_seconds") is not None:
        window = _(
            "%(window)s，不超过时段 %(max)s s", window=window, max=_number(p["slot_max_seconds"])
        )
    return f"{_number(p['seconds'], '.2f')} s", window


def _resolution(p: Mapping[str, Any]) -> tuple[str, str]:
    return f"{p['width']}×{p['height']}", _sizes(p["sizes"])


def _frame_rate(p: Mapping[str, Any]) -> tuple[str, str]:
    return f"{_number(p['fps'])} fps", f"{_number(p['expected_fps'])} fps"


def _audio(p: Mapping[str, Any]) -> tuple[str, str]:
    if not p.get("present"):
        return _("无"), _("有")
    codec = p.get("codec")
    return (_("有（%(codec)s）", codec=codec) if codec else _("有（未知编码）")), _("有")


def _loudness(p: Mapping[str, Any]) -> tuple[str, str]:
    expected = f"{_number(p['target_lkfs'])} LKFS ± {_number(p['tolerance_lu'])} LU"
    if not p.get("present", True) or p.get("lkfs") is None:
        return _("无音频"), expected
    return f"{_number(p['lkfs'], '.1f')} LKFS", expected


def _true_peak(p: Mapping[str, Any]) -> tuple[str, str]:
    expected = f"≤ {_number(p['max_dbtp'])} dBTP"
    if not p.get("present"):
        return _("无音频"), expected
    peak = p.get("dbtp")
    return ("-inf dBTP" if peak is None else f"{_number(peak, '.1f')} dBTP"), expected


SAY: dict[str, Callable[[Mapping[str, Any]], tuple[str, str]]] = {
    "duration": _duration,
    "resolution": _resolution,
    "frame_rate": _frame_rate,
    "audio": _audio,
    "loudness": _loudness,
    "true_peak": _true_peak,
}

# What a report stored before ``params`` says in Chinese (media.qc wrote nothing else).
_OLD_WITH_CODEC = re.compile(r"^有（(?P<codec>.+)）$")
_OLD_IN_SLOT = re.compile(r"^(?P<window>.+)，不超过时段 (?P<max>\S+) s$")


def old_text(value: object) -> str:
    """A measured or expected text of an old report, in the reader's language."""
    text = str(value or "")
    if text == "无音频":
        return _("无音频")
    if text == "无":
        return _("无")
    if text == "有":
        return _("有")
    if text == "有（未知编码）":
        return _("有（未知编码）")
    if found := _OLD_WITH_CODEC.match(text):
        return _("有（%(codec)s）", codec=found["codec"])
    if found := _OLD_IN_SLOT.match(text):
        return _("%(window)s，不超过时段 %(max)s s", window=found["window"], max=found["max"])
    if " 或 " in text:
        return labels.names_or(text.split(" 或 "))
    return text
