"""Tiny clips made at test time with the bundled ffmpeg (no binary fixtures in the repository)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
import pytest

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
# A 1 kHz sine from lavfi's ``sine`` source has amplitude 1/8: a peak of −18.06 dBFS.
SINE_PEAK_DBFS = -18.06
# BS.1770: a mono 997 Hz sine reads its peak level −3.01 dB in LKFS (K-weighting included).
MONO_SINE_LKFS_OFFSET = -3.01
COMPLIANT_VOLUME_DB = -3.0  # → about −24.1 LKFS, −21 dBTP
LOUD_VOLUME_DB = 17.0  # → about −4 LKFS, −1 dBTP


def make_clip(
    out: Path,
    *,
    size: str = "1920x1080",
    rate: int = 25,
    volume_db: float | None = COMPLIANT_VOLUME_DB,
    video: bool = True,
    seconds: float = 2.0,
    faststart: bool = False,
) -> Path:
    command = [FFMPEG, "-v", "error", "-nostdin", "-y"]
    if video:
        command += ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={rate}:duration={seconds}"]
    if volume_db is not None:
        sine = f"sine=frequency=1000:sample_rate=48000:duration={seconds},volume={volume_db}dB"
        command += ["-f", "lavfi", "-i", sine]
    if video:
        command += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if volume_db is not None:
        command += ["-c:a", "aac", "-b:a", "128k"]
    if faststart:
        command += ["-movflags", "+faststart"]
    subprocess.run([*command, str(out)], check=True, timeout=60)
    return out


@dataclass(frozen=True)
class Clips:
    compliant: Path  # 1920×1080, 25 fps, sine at about −24 LKFS, 2 s
    sd: Path  # 720×576, 25 fps, same sound
    off_spec: Path  # 640×360, 30 fps, sine at about −4 LKFS / −1 dBTP
    silent_picture: Path  # 1920×1080, 25 fps, no sound track
    audio_only: Path
    truncated: Path  # index at the end, cut off before it
    truncated_faststart: Path  # index at the front, media data cut off
    zero_bytes: Path
    text: Path


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Clips:
    folder = tmp_path_factory.mktemp("clips")
    compliant = make_clip(folder / "compliant.mp4")
    faststart = make_clip(folder / "faststart.mp4", faststart=True)
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(compliant.read_bytes()[: compliant.stat().st_size // 2])
    truncated_faststart = folder / "truncated-faststart.mp4"
    truncated_faststart.write_bytes(faststart.read_bytes()[: faststart.stat().st_size // 2])
    zero = folder / "zero.mp4"
    zero.touch()
    text = folder / "notes.mp4"
    text.write_text("这不是视频。This is not a video.\n", encoding="utf-8")
    return Clips(
        compliant=compliant,
        sd=make_clip(folder / "sd.mp4", size="720x576"),
        off_spec=make_clip(folder / "off.mp4", size="640x360", rate=30, volume_db=LOUD_VOLUME_DB),
        silent_picture=make_clip(folder / "silent.mp4", volume_db=None),
        audio_only=make_clip(folder / "sound.m4a", video=False),
        truncated=truncated,
        truncated_faststart=truncated_faststart,
        zero_bytes=zero,
        text=text,
    )


def processes() -> dict[int, tuple[int, str, str]]:
    """Every process now, from /proc: pid → (parent's pid, command name, state letter)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (
            int(fields[1]),
            stat[stat.index("(") + 1 : stat.rindex(")")],
            fields[0],
        )
    return found


def children(parent: int, name: str) -> list[int]:
    """Pids of processes (zombies included) of ``parent`` whose command name has ``name``."""
    return [pid for pid, (ppid, comm, _) in processes().items() if ppid == parent and name in comm]


def descendants(pid: int) -> set[int]:
    """Every process below ``pid``: its children, their children …"""
    parents = {child: ppid for child, (ppid, _, _) in processes().items()}
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def ffmpeg_children() -> list[int]:
    """Pids of ffmpeg processes (zombies included) whose parent is this test process."""
    return children(os.getpid(), "ffmpeg")


def wait_for(check: Callable[[], bool], timeout: float = 60.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s{': ' + what if what else ''}"
        time.sleep(0.1)


def leftovers(root: Path) -> list[Path]:
    """Hidden files and folders in the media folder (temporary ones), its upload folder aside."""
    return [p for p in root.rglob(".*") if p.name != ".incoming"]
