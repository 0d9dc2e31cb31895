"""QC of a master against the column's delivery specification: one pass/fail rule each.

Each rule of the report is a code and its particulars (``params``: the numbers measured
and required), which the pages say in the reader's language. The report also keeps each
rule's text in Chinese (``label``, ``measured``, ``expected``), as the command line and
the API have always shown it; a report stored before ``params`` existed has only that.

Loudness is measured per ITU-R BS.1770 with the bundled ffmpeg's ``ebur128``
filter (``peak=true`` for the 4× oversampled true peak), reading the filter's
summary. Only the first audio stream is decoded; the picture is not.
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from media.errors import MediaError
from media.probe import Probe

LOUDNESS_TIMEOUT_SECONDS = 600.0

_SUMMARY = re.compile(
    r"Summary:.*?Integrated loudness:\s*I:\s*(?P<i>-?(?:\d+(?:\.\d+)?|inf))\s*LUFS"
    r".*?True peak:\s*Peak:\s*(?P<peak>-?(?:\d+(?:\.\d+)?|inf))\s*dBFS",
    re.DOTALL,
)


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float  # −70 for silence (ebur128's floor)
    true_peak_dbtp: float  # −inf for digital silence

    def as_json(self) -> dict[str, float | None]:
        return {k: (v if math.isfinite(v) else None) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class DeliverySpec:
    """The column's delivery specification (播出技术要求)."""

    target_seconds: float  # the episode's target duration
    tolerance_seconds: float
    # The premiere slot the episode is planned for, when it is: the master must fit it.
    slot_seconds: float | None = None
    sizes: tuple[tuple[int, int], ...] = ((1920, 1080), (720, 576))
    fps: float = 25.0
    loudness_lkfs: float = -24.0
    loudness_tolerance_lu: float = 2.0
    # GY/T 282-2014 (数字电视节目平均响度和真峰值音频电平技术要求) modifies and adopts
    # ITU-R BS.1864, whose true-peak ceiling is −2 dBTP; the standard's text could
    # not be checked here, so −2 dBTP (the stricter of −1 and −2) is used.
    true_peak_max_dbtp: float = -2.0


@dataclass(frozen=True)
class Rule:
    code: str
    label: str  # Chinese, as reviewers see it
    passed: bool
    measured: str
    expected: str
    # The particulars, by rule (None: not measured, e.g. the loudness of a silent master):
    # duration: seconds, target_seconds, tolerance_seconds, slot_max_seconds (or None);
    # resolution: width, height, sizes ([[w, h], …]); frame_rate: fps, expected_fps;
    # audio: present, codec; loudness: lkfs, target_lkfs, tolerance_lu, present (sound);
    # true_peak: dbtp (None for digital silence too), max_dbtp, present.
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class QCReport:
    rules: tuple[Rule, ...]

    @property
    def passed(self) -> bool:
        return all(rule.passed for rule in self.rules)

    def failed(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self.rules if not rule.passed)

    def as_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "rules": [rule.as_json() for rule in self.rules]}


def loudness(path: Path, timeout: float = LOUDNESS_TIMEOUT_SECONDS) -> Loudness:
    """Integrated loudness and true peak of the first audio stream of ``path``."""
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-i",
        f"file:{path}",  # "file:" so a name like "http:x" or "-x" is only ever a file
        "-map",
        "0:a:0",
        "-af",
        "ebur128=peak=true:framelog=quiet",
        "-f",
        "null",
        "-",
    ]
    try:
        # run() kills and reaps ffmpeg when the timeout expires: nothing is left behind.
        done = subprocess.run(
            command, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise MediaError(
            f"Measuring the loudness of {path.name} took longer than {timeout:g} s and was "
            "stopped: try again, or check that the file is not damaged.",
            code="timeout",
        ) from None
    report = done.stderr.decode("utf-8", errors="replace")
    if done.returncode != 0:
        if "matches no streams" in report:
            raise MediaError(
                f"{path.name} has no sound track, so its loudness cannot be measured.",
                code="no_audio",
            )
        raise MediaError(
            f"ffmpeg could not decode the sound of {path.name}: export the master again.",
            code="failed",
        )
    match = _SUMMARY.search(report)
    if match is None:
        raise MediaError(
            f"ffmpeg measured no loudness for {path.name}: its sound track is empty.",
            code="no_audio",
        )
    return Loudness(float(match["i"]), float(match["peak"]))


def check(probe: Probe, loudness: Loudness | None, spec: DeliverySpec) -> QCReport:
    """One pass/fail rule per requirement of ``spec``; ``loudness`` is None without sound."""
    return QCReport(
        (
            _duration(probe, spec),
            _resolution(probe, spec),
            Rule(
                "frame_rate",
                "帧率",
                abs(probe.fps - spec.fps) < 0.01,
                f"{probe.fps:g} fps",
                f"{spec.fps:g} fps",
                {"fps": probe.fps, "expected_fps": spec.fps},
            ),
            Rule(
                "audio",
                "音频",
                probe.has_audio,
                f"有（{probe.audio_codec or '未知编码'}）" if probe.has_audio else "无",
                "有",
                {"present": probe.has_audio, "codec": probe.audio_codec or None},
            ),
            *_loudness(loudness, spec),
        )
    )


def _duration(probe: Probe, spec: DeliverySpec) -> Rule:
    slot_max = None if spec.slot_seconds is None else spec.slot_seconds + spec.tolerance_seconds
    expected = f"{spec.target_seconds:g} s ± {spec.tolerance_seconds:g} s"
    return Rule(
        "duration",
        "时长",
        abs(probe.duration - spec.target_seconds) <= spec.tolerance_seconds
        and (slot_max is None or probe.duration <= slot_max),
        f"{probe.duration:.2f} s",
        expected if slot_max is None else f"{expected}，不超过时段 {slot_max:g} s",
        {
            "seconds": probe.duration,
            "target_seconds": spec.target_seconds,
            "tolerance_seconds": spec.tolerance_seconds,
            "slot_max_seconds": slot_max,
        },
    )


def _resolution(probe: Probe, spec: DeliverySpec) -> Rule:
    return Rule(
        "resolution",
        "分辨率",
        (probe.width, probe.height) in spec.sizes,
        f"{probe.width}×{probe.height}",
        " 或 ".join(f"{w}×{h}" for w, h in spec.sizes),
        {"width": probe.width, "height": probe.height, "sizes": [list(s) for s in spec.sizes]},
    )


def _loudness(loudness: Loudness | None, spec: DeliverySpec) -> tuple[Rule, Rule]:
    level, peak = (
        (None, None) if loudness is None else (loudness.integrated_lufs, loudness.true_peak_dbtp)
    )
    low = spec.loudness_lkfs - spec.loudness_tolerance_lu
    high = spec.loudness_lkfs + spec.loudness_tolerance_lu
    return (
        Rule(
            "loudness",
            "平均响度",
            level is not None and low <= level <= high,
            "无音频" if level is None else f"{level:.1f} LKFS",
            f"{spec.loudness_lkfs:g} LKFS ± {spec.loudness_tolerance_lu:g} LU",
            {
                "lkfs": level if level is not None and math.isfinite(level) else None,
                "target_lkfs": spec.loudness_lkfs,
                "tolerance_lu": spec.loudness_tolerance_lu,
                "present": level is not None,
            },
        ),
        Rule(
            "true_peak",
            "真峰值电平",
            peak is not None and peak <= spec.true_peak_max_dbtp,
            "无音频" if peak is None else f"{peak:.1f} dBTP",
            f"≤ {spec.true_peak_max_dbtp:g} dBTP",
            {
                "dbtp": peak if peak is not None and math.isfinite(peak) else None,
                "max_dbtp": spec.true_peak_max_dbtp,
                "present": peak is not None,
            },
        ),
    )
