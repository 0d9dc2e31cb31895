"""Review material and packaging: contact sheets, review proxies, the column's packaging."""

from __future__ import annotations

import io
import itertools
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops, ImageFont

from media import render
from media.errors import MediaError
from media.probe import probe
from tests.media.conftest import FFMPEG, Clips, ffmpeg_children, make_clip

Box = tuple[int, int, int, int]  # left, top, right, bottom


@dataclass(frozen=True)
class Sources:
    black: Path  # 1280×720, 25 fps, black picture, 2 s, with sound
    long: Path  # 1920×1080, 25 fps, 6 s: takes seconds to render
    master: Path  # 320×180, 25 fps, 2 s, with sound
    opening: Path  # 640×360 (16:9, scaled down), 1 s, no sound
    closing: Path  # 320×240 (4:3, letterboxed), 1 s, with sound


@dataclass(frozen=True)
class Folders:
    out: Path
    temp: Path
    cwd: Path


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Sources:
    folder = tmp_path_factory.mktemp("render-sources")
    black = folder / "black.mp4"
    subprocess.run(
        [
            *(FFMPEG, "-v", "error", "-nostdin", "-y"),
            *("-f", "lavfi", "-i", "color=c=black:size=1280x720:rate=25:duration=2"),
            *("-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000:duration=2"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"),
            str(black),
        ],
        check=True,
        timeout=60,
    )
    return Sources(
        black=black,
        long=make_clip(folder / "long.mp4", seconds=6.0),
        master=make_clip(folder / "master.mp4", size="320x180"),
        opening=make_clip(folder / "opening.mp4", size="640x360", seconds=1.0, volume_db=None),
        closing=make_clip(folder / "closing.mp4", size="320x240", seconds=1.0),
    )


@pytest.fixture
def folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Folders:
    """An output folder, and an empty temporary folder and working directory to watch."""
    made = Folders(out=tmp_path / "out", temp=tmp_path / "temp", cwd=tmp_path / "cwd")
    for folder in (made.out, made.temp, made.cwd):
        folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(made.temp))
    monkeypatch.chdir(made.cwd)
    return made


def assert_clean(folders: Folders, *outputs: str) -> None:
    """Nothing but ``outputs`` in the output folder, nothing left elsewhere, no ffmpeg running."""
    assert sorted(p.name for p in folders.out.iterdir()) == sorted(outputs)
    assert list(folders.temp.iterdir()) == []
    assert list(folders.cwd.iterdir()) == []
    assert no_ffmpeg_children()


def no_ffmpeg_children() -> bool:
    deadline = time.monotonic() + 2.0  # a killed process may take a moment to be reaped
    while ffmpeg_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def frame_at(video: Path, seconds: float) -> Image.Image:
    done = subprocess.run(
        [
            *(FFMPEG, "-v", "error", "-nostdin", "-ss", f"{seconds}", "-i", str(video)),
            *("-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    with Image.open(io.BytesIO(done.stdout)) as image:
        frame: Image.Image = image.convert("RGB")
    return frame


def brightest(image: Image.Image, box: Box) -> int:
    return int(np.asarray(image.crop(box).convert("L")).max())


def difference(a: Image.Image, b: Image.Image, box: Box | None = None) -> float:
    """Mean absolute difference of two pictures (or of one region of them), 0..255."""
    if box is not None:
        a, b = a.crop(box), b.crop(box)
    return float(np.asarray(ImageChops.difference(a, b).convert("L")).mean())


def increasing_to_one(seen: list[float]) -> bool:
    return (
        bool(seen)
        and all(0.0 <= f <= 1.0 for f in seen)
        and all(a < b for a, b in itertools.pairwise(seen))
        and seen[-1] == 1.0
    )


# --- captions and fonts -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "caption"),
    [
        (1, "连续报道（一）"),
        (3, "连续报道（三）"),
        (10, "连续报道（十）"),
        (12, "连续报道（十二）"),
        (20, "连续报道（二十）"),
        (21, "连续报道（二十一）"),
        (99, "连续报道（九十九）"),
        (100, "连续报道（一百）"),
        (105, "连续报道（一百零五）"),
        (110, "连续报道（一百一十）"),
        (1001, "连续报道（一千零一）"),
    ],
)
def test_series_captions_count_in_chinese(part: int, caption: str) -> None:
    assert render.series_caption(part) == caption


@pytest.mark.parametrize("part", [0, -1, 10_000])
def test_a_part_number_out_of_range_is_refused(part: int) -> None:
    with pytest.raises(ValueError, match="part number"):
        render.series_caption(part)


def test_the_font_renders_chinese() -> None:
    font = render.cjk_font()
    assert font.is_file()
    face = ImageFont.truetype(str(font), 48)
    # A font without these characters draws the same empty box for both.
    marks = [face.getmask(character) for character in "审看"]
    assert all(mask.getbbox() is not None for mask in marks)
    assert bytes(marks[0]) != bytes(marks[1])


def test_without_a_chinese_font_the_refusal_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(render, "_fontconfig_match", lambda pattern: None)
    monkeypatch.setattr(render, "_KNOWN_FONTS", ())
    render.cjk_font.cache_clear()
    try:
        with pytest.raises(MediaError, match="fonts-noto-cjk") as refused:
            render.cjk_font()
        assert refused.value.code == "no_font"
    finally:
        render.cjk_font.cache_clear()


# --- contact sheets -----------------------------------------------------------------------


def test_a_contact_sheet_has_twelve_different_tiles(clips: Clips, folders: Folders) -> None:
    out = folders.out / "sheet.jpg"
    seen: list[float] = []
    render.contact_sheet(clips.compliant, out, duration=2.0, progress=seen.append)
    with Image.open(out) as opened:
        assert opened.format == "JPEG"
        sheet = opened.convert("RGB")
    assert sheet.size == (4 * 320, 3 * 180)
    tiles = [
        sheet.crop((c * 320, r * 180, (c + 1) * 320, (r + 1) * 180))
        for r in range(3)
        for c in range(4)
    ]
    # testsrc moves from frame to frame: no two tiles are the same picture.
    for i, tile in enumerate(tiles):
        for other in tiles[i + 1 :]:
            assert difference(tile, other) > 1.0
    assert increasing_to_one(seen)
    assert_clean(folders, "sheet.jpg")


def test_contact_sheet_tiles_carry_their_timecode(sources: Sources, folders: Folders) -> None:
    out = folders.out / "sheet.png"
    render.contact_sheet(sources.black, out, duration=2.0, frames=6, columns=3, tile_width=240)
    with Image.open(out) as opened:
        sheet = opened.convert("RGB")
    assert sheet.size == (3 * 240, 2 * 136)
    labels = []
    for i in range(6):
        left, top = (i % 3) * 240, (i // 3) * 136
        assert brightest(sheet, (left, top, left + 240, top + 80)) < 40  # the black picture
        label = (left, top + 100, left + 120, top + 136)
        assert brightest(sheet, label) > 200  # white figures on the box
        labels.append(sheet.crop(label))
    assert difference(labels[0], labels[5]) > 1.0  # 00:00:00:04 is not 00:00:01:20


def test_a_contact_sheet_of_a_4_3_picture_is_pillarboxed(clips: Clips, folders: Folders) -> None:
    out = folders.out / "sd.jpg"
    render.contact_sheet(clips.sd, out, duration=2.0, frames=2, columns=2)
    with Image.open(out) as opened:
        sheet = opened.convert("RGB")
    assert sheet.size == (640, 180)
    # 720×576 with square pixels is 5:4: 226×180 in the middle of each 320×180 tile.
    assert brightest(sheet, (0, 0, 40, 140)) < 40
    assert brightest(sheet, (280, 0, 320, 140)) < 40
    assert brightest(sheet, (60, 0, 260, 140)) > 200


# --- review proxies -----------------------------------------------------------------------


def test_a_review_proxy_is_640x360_at_25_fps_with_sound(clips: Clips, folders: Folders) -> None:
    out = folders.out / "proxy.mp4"
    seen: list[float] = []
    render.review_proxy(
        clips.compliant, out, duration=2.0, font=render.cjk_font(), progress=seen.append
    )
    made = probe(out)
    assert (made.width, made.height, made.fps) == (640, 360, 25.0)
    assert made.duration == pytest.approx(2.0, abs=0.1)
    assert (made.video_codec, made.audio_codec) == ("h264", "aac")
    assert increasing_to_one(seen)
    assert_clean(folders, "proxy.mp4")


def test_the_proxy_burns_in_the_mark_and_a_running_timecode(
    sources: Sources, folders: Folders
) -> None:
    out = folders.out / "proxy.mp4"
    render.review_proxy(sources.black, out, duration=2.0, font=render.cjk_font())
    early, late = frame_at(out, 0.2), frame_at(out, 1.4)
    mark, timecode = (480, 0, 640, 70), (0, 0, 200, 60)  # both above the player's controls
    for frame in (early, late):
        assert brightest(frame, mark) > 200  # 「审看样片」, white on a dark box
        assert brightest(frame, timecode) > 200
        assert brightest(frame, (100, 100, 540, 280)) < 40  # the picture itself: black
    assert difference(early, late, mark) < 1.0  # the mark stays
    assert difference(early, late, timecode) > 1.0  # the timecode runs


def test_a_proxy_letterboxes_and_takes_any_frame_rate(clips: Clips, folders: Folders) -> None:
    font = render.cjk_font()
    render.review_proxy(clips.sd, folders.out / "sd.mp4", duration=2.0, font=font)
    frame = frame_at(folders.out / "sd.mp4", 1.0)
    assert frame.size == (640, 360)
    assert brightest(frame, (0, 100, 80, 260)) < 40  # pillarbox: 450 of 640 columns
    assert brightest(frame, (120, 100, 520, 260)) > 200
    render.review_proxy(clips.off_spec, folders.out / "30fps.mp4", duration=2.0, font=font)
    assert probe(folders.out / "30fps.mp4").fps == 25.0
    render.review_proxy(clips.silent_picture, folders.out / "silent.mp4", duration=2.0, font=font)
    assert probe(folders.out / "silent.mp4").has_audio is False
    assert_clean(folders, "sd.mp4", "30fps.mp4", "silent.mp4")


def test_the_poster_frame_is_the_proxys_picture_a_tenth_of_the_way_in(
    sources: Sources, folders: Folders
) -> None:
    proxy = folders.out / "proxy.mp4"
    render.review_proxy(sources.black, proxy, duration=2.0, font=render.cjk_font())
    out = folders.out / "poster.jpg"
    seen: list[float] = []
    render.poster_frame(proxy, out, duration=2.0, progress=seen.append)
    with Image.open(out) as opened:
        assert opened.format == "JPEG"
        poster = opened.convert("RGB")
    assert poster.size == (640, 360)
    mark, timecode = (480, 0, 640, 70), (0, 0, 200, 60)
    assert brightest(poster, mark) > 200 and brightest(poster, timecode) > 200
    assert difference(poster, frame_at(proxy, 0.2), timecode) < 4.0  # 00:00:00:05
    assert difference(poster, frame_at(proxy, 1.4), timecode) > 4.0
    assert increasing_to_one(seen)
    assert_clean(folders, "proxy.mp4", "poster.jpg")


@pytest.mark.parametrize("bad", ["text", "truncated", "zero_bytes"])
def test_a_poster_frame_of_what_is_not_a_video_is_refused(
    clips: Clips, folders: Folders, bad: str
) -> None:
    with pytest.raises(MediaError):
        render.poster_frame(getattr(clips, bad), folders.out / "poster.jpg", duration=2.0)
    assert_clean(folders)


# --- packaging ----------------------------------------------------------------------------


def test_packaging_joins_opening_master_and_closing(sources: Sources, folders: Folders) -> None:
    out = folders.out / "broadcast.mp4"
    seen: list[float] = []
    font = render.cjk_font()
    render.package(
        sources.master,
        sources.opening,  # no sound, and twice the master's size
        sources.closing,  # 4:3
        out,
        caption=render.series_caption(3),
        font=font,
        progress=seen.append,
    )
    made = probe(out)
    assert (made.width, made.height, made.fps) == (320, 180, 25.0)
    assert made.duration == pytest.approx(1.0 + 2.0 + 1.0, abs=0.1)
    assert made.has_audio and made.audio_codec == "aac"
    assert increasing_to_one(seen)
    assert_clean(folders, "broadcast.mp4")

    plain = folders.out / "plain.mp4"
    render.package(sources.master, sources.opening, sources.closing, plain, caption=None, font=font)
    captioned, uncaptioned = frame_at(out, 0.5), frame_at(plain, 0.5)
    lower_third, top = (0, 120, 320, 180), (0, 0, 320, 100)
    assert difference(captioned, uncaptioned, lower_third) > 10.0
    assert difference(captioned, uncaptioned, top) < 2.0
    # The closing (4:3) is letterboxed into the master's 16:9: black at both sides.
    closing = frame_at(out, 3.5)
    assert brightest(closing, (0, 0, 30, 140)) < 40
    assert brightest(closing, (60, 0, 260, 140)) > 200


# --- refusals, timeouts, interruptions ----------------------------------------------------


def _run(kind: str, source: Path, folder: Path, sources: Sources, timeout: float = 600) -> None:
    font = render.cjk_font()
    if kind == "contact_sheet":
        render.contact_sheet(source, folder / "sheet.jpg", duration=2.0, timeout=timeout)
    elif kind == "review_proxy":
        render.review_proxy(source, folder / "p.mp4", duration=2.0, font=font, timeout=timeout)
    else:
        caption = render.series_caption(3)
        render.package(
            source,
            sources.opening,
            sources.closing,
            folder / "broadcast.mp4",
            caption=caption,
            font=font,
            timeout=timeout,
            reencode=kind == "package_reencoded",
        )


KINDS = ["contact_sheet", "review_proxy", "package", "package_reencoded"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", ["text", "truncated", "zero_bytes"])
def test_a_source_that_is_not_a_readable_video_is_refused(
    clips: Clips, sources: Sources, folders: Folders, kind: str, bad: str
) -> None:
    with pytest.raises(MediaError) as refused:
        _run(kind, getattr(clips, bad), folders.out, sources)
    assert refused.value.code in {"not_video", "incomplete", "empty"}
    assert_clean(folders)


def test_a_bad_opening_is_refused_before_packaging(
    clips: Clips, sources: Sources, folders: Folders
) -> None:
    with pytest.raises(MediaError, match=r"notes\.mp4"):
        render.package(
            sources.master,
            clips.text,
            sources.closing,
            folders.out / "b.mp4",
            caption=None,
            font=render.cjk_font(),
        )
    assert_clean(folders)


@pytest.mark.parametrize("kind", KINDS)
def test_a_timeout_stops_ffmpeg_and_leaves_nothing(
    sources: Sources, folders: Folders, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # Probing is taken out of the time allowed, so the timeout falls while rendering.
    probed = {path: probe(path) for path in (sources.long, sources.opening, sources.closing)}
    monkeypatch.setattr(render, "probe", probed.__getitem__)
    started: list[subprocess.Popen[bytes]] = []
    follow = render._follow

    def watched(
        process: subprocess.Popen[bytes],
        deadline: render._Deadline,
        duration: float,
        reporter: render._Reporter,
    ) -> None:
        started.append(process)
        follow(process, deadline, duration, reporter)

    monkeypatch.setattr(render, "_follow", watched)
    # Packaging by stream copy (the long master meets the delivery specification) takes
    # about a second; re-encoding with moviepy, which imports and opens clips first, longer.
    timeout = {"package": 0.5, "package_reencoded": 1.5}.get(kind, 0.1)
    with pytest.raises(MediaError, match="took longer than") as stopped:
        _run(kind, sources.long, folders.out, sources, timeout=timeout)
    assert stopped.value.code == "timeout"
    if not kind.startswith("package"):  # ffmpeg was started, and killed
        assert [process.returncode for process in started] == [-signal.SIGKILL]
    assert_clean(folders)  # moviepy's ffmpeg processes too, while the error is held


class Interrupted(BaseException):
    """Raised from a progress callback, as an interrupt (Ctrl-C) would arrive."""


def _interrupt_when(condition: Callable[[float], bool]) -> Callable[[float], None]:
    def progress(fraction: float) -> None:
        if condition(fraction):
            raise Interrupted

    return progress


def test_an_interrupt_during_a_proxy_leaves_nothing(sources: Sources, folders: Folders) -> None:
    with pytest.raises(Interrupted) as interrupted:
        render.review_proxy(
            sources.long,
            folders.out / "proxy.mp4",
            duration=6.0,
            font=render.cjk_font(),
            progress=_interrupt_when(lambda fraction: fraction > 0.0),
        )
    assert_clean(folders)
    del interrupted


def test_an_interrupt_while_moviepy_writes_the_sound_leaves_nothing(
    sources: Sources, folders: Folders
) -> None:
    # moviepy writes the sound first (its first 5 % of progress), with an ffmpeg of its own
    # that it closes only when garbage collected: the traceback (held here) holds it.
    with pytest.raises(Interrupted) as interrupted:
        render.package(
            sources.master,
            sources.opening,
            sources.closing,
            folders.out / "broadcast.mp4",
            caption=None,
            font=render.cjk_font(),
            progress=_interrupt_when(lambda fraction: fraction < 0.05),
        )
    assert_clean(folders)
    del interrupted
