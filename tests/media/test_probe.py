"""Probing with moviepy's ffmpeg reader: values, refusals, no .env surprise, no stray ffmpeg."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import imageio_ffmpeg
import pytest

from media.errors import MediaError
from media.probe import Probe, probe
from tests.media.conftest import Clips, ffmpeg_children

REPO = Path(__file__).resolve().parents[2]


def test_a_compliant_clip_is_probed(clips: Clips) -> None:
    result = probe(clips.compliant)
    assert result == Probe(
        duration=pytest.approx(2.0, abs=0.05),  # type: ignore[arg-type]
        width=1920,
        height=1080,
        fps=25.0,
        video_codec="h264",
        audio_codec="aac",
        has_audio=True,
    )
    assert result.as_json() == {
        "duration": result.duration,
        "width": 1920,
        "height": 1080,
        "fps": 25.0,
        "video_codec": "h264",
        "audio_codec": "aac",
        "has_audio": True,
    }


def test_sd_off_spec_and_silent_clips_are_probed(clips: Clips) -> None:
    sd, off, silent = probe(clips.sd), probe(clips.off_spec), probe(clips.silent_picture)
    assert (sd.width, sd.height, sd.fps) == (720, 576, 25.0)
    assert (off.width, off.height, off.fps) == (640, 360, 30.0)
    assert silent.has_audio is False and silent.audio_codec is None


@pytest.mark.parametrize(
    ("clip", "message"),
    [
        ("text", "is not a video file ffmpeg can read"),
        ("truncated", r"is an incomplete MP4/MOV file: its index \(moov atom\) is missing"),
        ("truncated_faststart", r"is incomplete: it holds only \d+% of the data"),
        ("zero_bytes", r"is empty \(0 bytes\)"),
        ("audio_only", "contains sound only and no picture"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(clips: Clips, clip: str, message: str) -> None:
    path: Path = getattr(clips, clip)
    with pytest.raises(MediaError, match=message) as refused:
        probe(path)
    assert refused.value.message.startswith(path.name)
    assert refused.value.message.endswith(".")


def test_a_missing_path_or_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="was not found"):
        probe(tmp_path / "missing.mp4")
    with pytest.raises(MediaError, match="is not a file"):
        probe(tmp_path)


def test_no_ffmpeg_process_outlives_a_probe(clips: Clips) -> None:
    before = ffmpeg_children()
    probe(clips.compliant)
    with pytest.raises(MediaError):
        probe(clips.text)
    with pytest.raises(MediaError):
        probe(clips.truncated)
    assert ffmpeg_children() == before == []


def test_probing_leaves_stdout_alone(clips: Clips, capsys: pytest.CaptureFixture[str]) -> None:
    probe(clips.compliant)
    assert capsys.readouterr().out == ""


def _import_moviepy_in(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"FFMPEG_BINARY", "PYTHON_DOTENV_DISABLED"}
    }
    env["PYTHONPATH"] = str(REPO)
    assert Path.cwd() == folder
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )


def test_importing_moviepy_through_media_loads_no_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text("FFMPEG_BINARY=/nonexistent\n")
    monkeypatch.chdir(tmp_path)
    code = (
        "import os, media.probe\n"
        "from moviepy.config import FFMPEG_BINARY\n"
        "print(FFMPEG_BINARY)\n"
        "print(os.environ.get('FFMPEG_BINARY'), os.environ.get('PYTHON_DOTENV_DISABLED'))\n"
    )
    done = _import_moviepy_in(tmp_path, code)
    assert done.returncode == 0, done.stderr
    binary, leaked = done.stdout.splitlines()
    assert binary == imageio_ffmpeg.get_ffmpeg_exe()
    assert leaked == "None None"  # nothing read from .env, and the switch was put back


def test_without_the_helper_moviepy_would_read_that_dotenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control: the same .env reaches a bare moviepy import, so the test above means something.
    (tmp_path / ".env").write_text("FFMPEG_BINARY=/nonexistent\n")
    monkeypatch.chdir(tmp_path)
    done = _import_moviepy_in(tmp_path, "import moviepy.video.io.ffmpeg_reader\n")
    assert done.returncode != 0
    assert "/nonexistent" in done.stderr or "ffmpeg binary might be wrong" in done.stderr


def test_the_process_scan_sees_a_running_ffmpeg() -> None:
    # The control for the "no ffmpeg outlives a call" tests: a live child is found.
    child = subprocess.Popen(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            *("-v", "quiet", "-nostdin", "-re", "-f", "lavfi", "-i", "anullsrc"),
            *("-t", "30", "-f", "null", "-"),
        ]
    )
    try:
        assert child.pid in ffmpeg_children()
    finally:
        child.kill()
        child.wait()
    assert child.pid not in ffmpeg_children()
