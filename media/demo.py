"""Demo: the city column's opening and closing, and a master for one episode in review.

The clips are made here with the bundled ffmpeg (a title card on the column's
red, a test picture with the episode's title, a 1 kHz tone at about −24 LKFS),
so the demo needs no media files in the repository. The master is added the
way a producer would (``add_media``): its QC report shows, and its review
material is queued for the scheduler service that ``make run`` starts. Nothing
is added if any media version exists; the caller commits.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import imageio_ffmpeg
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from editorial.demo import CITY_SLUG
from editorial.models import Column, Episode, Membership, Person, Role, State
from media.errors import MediaError
from media.models import MediaVersion
from media.service import MediaSettings, add_media, set_packaging

MASTER_SECONDS = 10
# A lavfi sine has amplitude 1/8 (−18 dBFS peak); −3 dB more reads about −24 LKFS.
TONE = "sine=frequency=1000:sample_rate=48000:duration={seconds},volume=-3dB"


@dataclass(frozen=True)
class Loaded:
    episode_id: int
    qc_passed: bool


def load(session: Session, now: datetime, settings: MediaSettings, folder: Path) -> Loaded | None:
    """Add the demo's packaging clips and one master; None if media exists or no episode fits."""
    if session.scalar(select(func.count()).select_from(MediaVersion)):
        return None
    column = session.scalar(select(Column).where(Column.slug == CITY_SLUG))
    if column is None:
        return None
    episode = session.scalar(
        select(Episode)
        .where(Episode.column_id == column.id, Episode.state == State.FIRST_REVIEW)
        .order_by(Episode.series_id.is_(None), Episode.id)  # a series part shows its caption
        .limit(1)
    )
    admin = _holder(session, column, Role.ADMIN)
    if episode is None or admin is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    font = _font()
    opening = _card(folder / "opening.mp4", "时代风采", 3, font)
    closing = _card(folder / "closing.mp4", "时代风采 · 下期再见", 2, font)
    master = _master(folder / "master.mp4", episode.title, font)
    set_packaging(session, admin, column, opening, closing, now, settings, allowed=[folder])
    version = add_media(
        session,
        episode.director,
        episode,
        master,
        now,
        settings,
        expected_version=episode.version,
        allowed=[folder],
        original_name=f"{episode.title}（成片）.mp4",
    )
    return Loaded(episode.id, bool(version.qc_passed))


def _holder(session: Session, column: Column, role: Role) -> Person | None:
    return session.scalar(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.column_id == column.id, Membership.role == role)
        .order_by(Person.id)
        .limit(1)
    )


def _font() -> Path | None:
    from media import render  # moviepy: loaded only when the demo is loaded

    try:
        return render.cjk_font()
    except MediaError:
        return None  # the clips then carry no text; the demo still works


def _text(font: Path | None, text: str, size: int, y: str) -> str:
    if font is None:
        return ""
    escaped = text.replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    return (
        f",drawtext=fontfile='{font}':text='{escaped}':fontsize={size}:fontcolor=white"
        f":x=(w-tw)/2:y={y}"
    )


def _card(out: Path, title: str, seconds: int, font: Path | None) -> Path:
    video = f"color=c=0xb71c1c:size=1920x1080:rate=25:duration={seconds}"
    video += _text(font, title, 120, "(h-th)/2")
    return _ffmpeg(out, video, seconds)


def _master(out: Path, title: str, font: Path | None) -> Path:
    video = f"testsrc2=size=1920x1080:rate=25:duration={MASTER_SECONDS}"
    video += _text(font, title, 72, "h-th-120")
    return _ffmpeg(out, video, MASTER_SECONDS)


def _ffmpeg(out: Path, video: str, seconds: int) -> Path:
    if out.exists():
        return out
    temporary = out.with_name(f".{out.name}")
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        *("-v", "error", "-nostdin", "-y"),
        *("-f", "lavfi", "-i", video),
        *("-f", "lavfi", "-i", TONE.format(seconds=seconds)),
        *("-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p"),
        *("-c:a", "aac", "-b:a", "128k", "-shortest", "-f", "mp4", str(temporary)),
    ]
    try:
        done = subprocess.run(command, timeout=120, capture_output=True, check=False)
        if done.returncode != 0:
            raise MediaError(
                f"ffmpeg could not make the demo clip {out.name}: "
                + done.stderr.decode(errors="replace")[-500:],
                code="failed",
            )
        temporary.replace(out)
    finally:
        temporary.unlink(missing_ok=True)
    return out
