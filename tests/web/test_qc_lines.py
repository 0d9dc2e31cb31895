"""A QC report's lines in the reader's language: said from each rule's code and
particulars, and an old report (Chinese text only) said as well as its text allows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_babel import force_locale

from media import qc
from media.probe import Probe
from media.qc import DeliverySpec, Loudness
from web import i18n
from web.qc_lines import Line, lines

SPEC = DeliverySpec(target_seconds=900, tolerance_seconds=30, slot_seconds=890)
SILENT = Probe(600.0, 640, 360, 30.0, "h264", None, False)
# A report as media.qc stored it before rules had particulars.
OLD_REPORT = {
    "passed": False,
    "rules": [
        {"code": "duration", "label": "时长", "passed": False, "measured": "600.00 s",
         "expected": "900 s ± 30 s，不超过时段 920 s"},
        {"code": "resolution", "label": "分辨率", "passed": False, "measured": "640×360",
         "expected": "1920×1080 或 720×576"},
        {"code": "audio", "label": "音频", "passed": True, "measured": "有（aac）",
         "expected": "有"},
        {"code": "loudness", "label": "平均响度", "passed": False, "measured": "无音频",
         "expected": "-24 LKFS ± 2 LU"},
        {"code": "sharpness", "label": "清晰度", "passed": True, "measured": "好",
         "expected": "好"},
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def app() -> Iterator[Flask]:
    app = Flask("web")  # the package's translations
    i18n.init_app(app)
    with app.app_context():
        yield app


def said(report: dict[str, object], language: str) -> dict[str, Line]:
    with force_locale(language):
        return {line.code: line for line in lines(report)}


def test_a_report_is_said_in_english_from_its_particulars(app: Flask) -> None:
    report = qc.check(SILENT, None, SPEC).as_json()
    english = said(report, "en")
    assert english["duration"] == Line(
        "duration", "Duration", False, "600.00 s", "900 s ± 30 s, at most 920 s (the slot)"
    )
    assert english["resolution"].expected == "1920×1080 or 720×576"
    assert (english["audio"].measured, english["audio"].expected) == ("None", "Present")
    assert english["loudness"].measured == english["true_peak"].measured == "No sound"


def test_a_report_is_said_in_chinese_as_media_qc_wrote_it(app: Flask) -> None:
    report = qc.check(SILENT, None, SPEC).as_json()
    chinese = said(report, "zh")
    for rule in report["rules"]:
        line = chinese[rule["code"]]
        assert (line.label, line.measured, line.expected) == (
            rule["label"],
            rule["measured"],
            rule["expected"],
        )


def test_a_codec_shows_as_probed(app: Flask) -> None:
    probed = Probe(900.0, 1920, 1080, 25.0, "h264", "aac", True)
    english = said(qc.check(probed, Loudness(-23.5, -30.0), SPEC).as_json(), "en")
    assert english["audio"].measured == "Present (aac)"
    assert english["loudness"].measured == "-23.5 LKFS"
    assert english["true_peak"].measured == "-30.0 dBTP"


def test_an_old_report_without_particulars_is_said_in_english_too(app: Flask) -> None:
    english = said(OLD_REPORT, "en")
    assert english["duration"].expected == "900 s ± 30 s, at most 920 s (the slot)"
    assert english["resolution"].expected == "1920×1080 or 720×576"
    assert (english["audio"].measured, english["audio"].expected) == ("Present (aac)", "Present")
    assert english["loudness"] == Line("loudness", "Loudness", False, "No sound", "-24 LKFS ± 2 LU")


def test_an_old_report_reads_as_stored_in_chinese(app: Flask) -> None:
    chinese = said(OLD_REPORT, "zh")
    for rule in OLD_REPORT["rules"]:  # type: ignore[attr-defined]
        line = chinese[rule["code"]]
        assert (line.label, line.measured, line.expected) == (
            rule["label"],
            rule["measured"],
            rule["expected"],
        )


def test_a_rule_this_version_does_not_know_shows_its_stored_text(app: Flask) -> None:
    assert said(OLD_REPORT, "en")["sharpness"] == Line("sharpness", "清晰度", True, "好", "好")


def test_a_version_not_checked_has_no_lines(app: Flask) -> None:
    assert lines(None) == [] and lines({}) == []
