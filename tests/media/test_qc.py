"""QC against the delivery specification: loudness per BS.1770, one rule per requirement."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from media import qc
from media.errors import MediaError
from media.probe import Probe, probe
from media.qc import DeliverySpec, Loudness
from tests.media.conftest import (
    COMPLIANT_VOLUME_DB,
    LOUD_VOLUME_DB,
    MONO_SINE_LKFS_OFFSET,
    SINE_PEAK_DBFS,
    Clips,
    ffmpeg_children,
    make_clip,
)

SPEC = DeliverySpec(target_seconds=2.0, tolerance_seconds=0.5)
CODES = ["duration", "resolution", "frame_rate", "audio", "loudness", "true_peak"]
GOOD_PROBE = Probe(2.0, 1920, 1080, 25.0, "h264", "aac", True)
GOOD_LOUDNESS = Loudness(-24.0, -10.0)


def failed_codes(report: qc.QCReport) -> set[str]:
    return {rule.code for rule in report.failed()}


@pytest.mark.parametrize("volume_db", [-24.0, COMPLIANT_VOLUME_DB, LOUD_VOLUME_DB])
def test_loudness_of_a_sine_at_a_known_level(tmp_path: Path, volume_db: float) -> None:
    clip = make_clip(tmp_path / "sine.mp4", size="320x240", volume_db=volume_db)
    measured = qc.loudness(clip)
    peak = SINE_PEAK_DBFS + volume_db
    assert measured.integrated_lufs == pytest.approx(peak + MONO_SINE_LKFS_OFFSET, abs=0.3)
    assert measured.true_peak_dbtp == pytest.approx(peak, abs=1.0)  # AAC moves the peak a little


def test_silence_reads_as_the_floor_and_serialises(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "quiet.mp4", size="320x240", volume_db=-200.0)
    measured = qc.loudness(clip)
    assert measured.integrated_lufs == pytest.approx(-70.0)
    assert measured.true_peak_dbtp < -100 or math.isinf(measured.true_peak_dbtp)
    assert set(measured.as_json()) == {"integrated_lufs", "true_peak_dbtp"}


def test_loudness_of_a_clip_without_sound_is_refused(clips: Clips) -> None:
    with pytest.raises(MediaError, match="has no sound track"):
        qc.loudness(clips.silent_picture)
    with pytest.raises(MediaError, match="could not decode the sound"):
        qc.loudness(clips.text)


def test_a_loudness_timeout_stops_ffmpeg_and_leaves_nothing(clips: Clips) -> None:
    before = ffmpeg_children()
    with pytest.raises(MediaError, match="took longer than"):
        qc.loudness(clips.compliant, timeout=0.001)
    qc.loudness(clips.compliant)
    assert ffmpeg_children() == before == []


@pytest.mark.parametrize("clip", ["compliant", "sd"])
def test_a_compliant_clip_passes_every_rule(clips: Clips, clip: str) -> None:
    path: Path = getattr(clips, clip)
    report = qc.check(probe(path), qc.loudness(path), SPEC)
    assert [rule.code for rule in report.rules] == CODES
    assert report.passed, report.as_json()
    as_json = report.as_json()
    assert as_json["passed"] is True
    assert {rule["label"] for rule in as_json["rules"]} == {
        "时长",
        "分辨率",
        "帧率",
        "音频",
        "平均响度",
        "真峰值电平",
    }


def test_an_off_spec_clip_fails_each_rule_it_breaks(clips: Clips) -> None:
    report = qc.check(probe(clips.off_spec), qc.loudness(clips.off_spec), DeliverySpec(30, 5))
    assert not report.passed
    assert failed_codes(report) == {"duration", "resolution", "frame_rate", "loudness", "true_peak"}
    rules = {rule.code: rule for rule in report.rules}
    assert rules["resolution"].measured == "640×360"
    assert rules["resolution"].expected == "1920×1080 或 720×576"
    assert rules["frame_rate"].measured == "30 fps"
    assert rules["duration"].expected == "30 s ± 5 s"


def test_a_clip_without_sound_fails_the_sound_rules(clips: Clips) -> None:
    report = qc.check(probe(clips.silent_picture), None, SPEC)
    assert failed_codes(report) == {"audio", "loudness", "true_peak"}
    assert {rule.measured for rule in report.failed()} == {"无", "无音频"}


@pytest.mark.parametrize(
    ("duration", "passed"), [(1.5, True), (2.5, True), (1.49, False), (2.51, False)]
)
def test_duration_tolerance_edges(duration: float, passed: bool) -> None:
    report = qc.check(Probe(duration, 1920, 1080, 25.0, "h264", "aac", True), GOOD_LOUDNESS, SPEC)
    assert ("duration" not in failed_codes(report)) is passed


@pytest.mark.parametrize(("duration", "passed"), [(900.0, True), (915.0, True), (925.0, False)])
def test_a_master_on_target_must_also_fit_the_slot_it_is_planned_for(
    duration: float, passed: bool
) -> None:
    spec = DeliverySpec(target_seconds=900, tolerance_seconds=30, slot_seconds=890)
    report = qc.check(Probe(duration, 1920, 1080, 25.0, "h264", "aac", True), GOOD_LOUDNESS, spec)
    assert ("duration" not in failed_codes(report)) is passed
    rule = next(r for r in report.rules if r.code == "duration")
    assert rule.expected == "900 s ± 30 s，不超过时段 920 s"


@pytest.mark.parametrize(
    ("loudness", "failed"),
    [
        (Loudness(-22.0, -2.0), set()),
        (Loudness(-26.0, -30.0), set()),
        (Loudness(-21.9, -10.0), {"loudness"}),
        (Loudness(-26.1, -10.0), {"loudness"}),
        (Loudness(-24.0, -1.9), {"true_peak"}),
        (Loudness(-24.0, -1.0), {"true_peak"}),  # within EBU R 128's −1, over GY/T 282's −2
        (Loudness(-70.0, -math.inf), {"loudness"}),
    ],
)
def test_loudness_and_true_peak_limits(loudness: Loudness, failed: set[str]) -> None:
    assert failed_codes(qc.check(GOOD_PROBE, loudness, SPEC)) == failed


def test_frame_rate_must_be_25_not_nearly() -> None:
    ntsc = Probe(2.0, 720, 576, 25 * 1000 / 1001, "mpeg2video", "mp2", True)
    assert failed_codes(qc.check(ntsc, GOOD_LOUDNESS, SPEC)) == {"frame_rate"}


def test_each_rule_carries_its_particulars_for_the_pages() -> None:
    spec = DeliverySpec(target_seconds=900, tolerance_seconds=30, slot_seconds=890)
    probed = Probe(912.5, 720, 576, 25.0, "h264", "aac", True)
    report = qc.check(probed, Loudness(-23.4, -3.2), spec)
    params = {rule.code: rule.params for rule in report.rules}
    assert params == {
        "duration": {
            "seconds": 912.5,
            "target_seconds": 900,
            "tolerance_seconds": 30,
            "slot_max_seconds": 920,
        },
        "resolution": {"width": 720, "height": 576, "sizes": [[1920, 1080], [720, 576]]},
        "frame_rate": {"fps": 25.0, "expected_fps": 25.0},
        "audio": {"present": True, "codec": "aac"},
        "loudness": {"lkfs": -23.4, "target_lkfs": -24.0, "tolerance_lu": 2.0, "present": True},
        "true_peak": {"dbtp": -3.2, "max_dbtp": -2.0, "present": True},
    }


def test_the_particulars_of_silence_are_json_without_infinities() -> None:
    silent = Probe(2.0, 1920, 1080, 25.0, "h264", None, False)
    report = qc.check(silent, None, SPEC).as_json()
    assert json.loads(json.dumps(report, allow_nan=False)) == report
    params = {rule["code"]: rule["params"] for rule in report["rules"]}
    assert params["audio"] == {"present": False, "codec": None}
    assert params["true_peak"]["present"] is False and params["true_peak"]["dbtp"] is None
    digital_silence = qc.check(GOOD_PROBE, Loudness(-70.0, -math.inf), SPEC).as_json()
    assert json.dumps(digital_silence, allow_nan=False)
