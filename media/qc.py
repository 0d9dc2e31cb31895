"""QC of a master against the column's delivery specification: one pass/fail rule each.

Loudness is measured per ITU-R BS.1770 with the bundled ffmpeg's ``ebur128``
filter (``peak=true`` for the 4× oversampled true peak), reading the filter's
summary. Only the first audio stream is decoded; the picture is not.
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import asdict, dataclass
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
    sizes = " 或 ".join(f"{w}×{h}" for w, h in spec.sizes)
    rules = [
        Rule(
            "duration",
            "时长",
            abs(probe.duration - spec.target_seconds) <= spec.tolerance_seconds
            and (
                spec.slot_seconds is None
                or probe.duration <= spec.slot_seconds + spec.tolerance_seconds
            ),
            f"{probe.duration:.2f} s",
            f"{spec.target_seconds:g} s ± {spec.tolerance_seconds:g} s"
            + (
                f"，不超过时段 {spec.slot_seconds + spec.tolerance_seconds:g} s"
                if spec.slot_seconds is not None
                else ""
            ),
        ),
        Rule(
            "resolution",
            "分辨率",
            (probe.width, probe.height) in spec.sizes,
            f"{probe.width}×{probe.height}",
            sizes,
        ),
        Rule(
            "frame_rate",
            "帧率",
            abs(probe.fps - spec.fps) < 0.01,
            f"{probe.fps:g} fps",
            f"{spec.fps:g} fps",
        ),
        Rule(
            "audio",
            "音频",
            probe.has_audio,
            f"有（{probe.audio_codec or '未知编码'}）" if probe.has_audio else "无",
            "有",
        ),
    ]
    low = spec.loudness_lkfs - spec.loudness_tolerance_lu
    high = spec.loudness_lkfs + spec.loudness_tolerance_lu
    expected_loudness = f"{spec.loudness_lkfs:g} LKFS ± {spec.loudness_tolerance_lu:g} LU"
    expected_peak = f"≤ {spec.true_peak_max_dbtp:g} dBTP"
    if loudness is None:
        rules.append(Rule("loudness", "平均响度", False, "无音频", expected_loudness))
        rules.append(Rule("true_peak", "真峰值电平", False, "无音频", expected_peak))
    else:
        rules.append(
            Rule(
                "loudness",
                "平均响度",
                low <= loudness.integrated_lufs <= high,
                f"{loudness.integrated_lufs:.1f} LKFS",
                expected_loudness,
            )
        )
        rules.append(
            Rule(
                "true_peak",
                "真峰值电平",
                loudness.true_peak_dbtp <= spec.true_peak_max_dbtp,
                f"{loudness.true_peak_dbtp:.1f} dBTP",
                expected_peak,
            )
        )
    return QCReport(tuple(rules))
