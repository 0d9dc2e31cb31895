"""The delivery package for the station (交付包): a channel's week of packaged masters under
their sheet file names, the latest issued order sheet (播出单) as XLSX, and ``MD5SUMS``
(the ``md5sum -c`` format, UTF-8) the station verifies the copy with.

``plan`` refuses, naming each airing concerned, when the sheet is not issued or is
outdated, or when an airing's master is missing, not packaged or failed QC.
``write_folder`` writes into a temporary folder beside the destination and renames it
into place when complete: a full or read-only disk leaves no half package.
``zip_file`` builds a stored (not deflated: video does not compress) ZIP in a
temporary file, never the whole package in memory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from editorial.errors import Forbidden, InvalidInput
from editorial.models import Person
from station.models import IssuedSheet, StationDelivery
from station.sheet_xlsx import version_workbook
from station.sheets import QC, Remark, Sheet, SheetRow, may_issue

CHUNK = 1024 * 1024
SUMS = "MD5SUMS"


@dataclass(frozen=True)
class Item:
    """One file of the package: its name in the package and where it is now."""

    name: str
    source: Path


@dataclass(frozen=True)
class Package:
    sheet: Sheet
    issued: IssuedSheet
    items: list[Item]  # the masters, each once (a premiere and its rerun share one)

    @property
    def name(self) -> str:
        scope = f"-{self.sheet.column.slug}" if self.sheet.column is not None else ""
        return f"{self.sheet.channel.code}{scope}-{self.sheet.week.label}-v{self.issued.number}"

    @property
    def sheet_name(self) -> str:
        return f"{self.name}.xlsx"


@dataclass(frozen=True)
class Written:
    folder: Path
    files: int
    size_bytes: int


def _problem(row: SheetRow, media_root: Path) -> str | None:
    codes = {note.code for note in row.remarks}
    if Remark.NO_MASTER in codes:
        return "no master"
    if not row.file_name or not (media_root / row.packaged).is_file():
        return "not packaged"
    if row.qc is QC.FAILED:
        return "failed QC"
    return None


def plan(session: Session, actor: Person, sheet: Sheet, media_root: Path) -> Package:
    """What the package holds, or a refusal naming what stands in its way.

    For a scheduler of the sheet's columns or an administrator, who is recorded.
    """
    if not may_issue(session, actor, sheet):
        raise Forbidden(
            f"{actor.username} may not deliver this sheet: not a scheduler of its columns",
            code="not_sheet_scheduler",
            lacking="、".join([sheet.column.name] if sheet.column else sheet.columns),
        )
    issued = sheet.latest
    what = f"{sheet.channel.station} {sheet.channel.name} {sheet.week.label}"
    if issued is None:
        raise InvalidInput(
            f"the order sheet of {what} has not been issued: issue it before delivering",
            {"sheet": "not issued"},
            code="delivery_not_issued",
            channel=sheet.channel.name,
            week=sheet.week.label,
        )
    if sheet.outdated:
        raise InvalidInput(
            f"the airings of {what} changed after version {issued.number} of the order sheet "
            "was issued: issue it again before delivering",
            {"sheet": "outdated"},
            code="delivery_sheet_outdated",
            number=issued.number,
        )
    problems = [(row, why) for row in sheet.rows if (why := _problem(row, media_root)) is not None]
    if problems:
        named = "; ".join(
            f"{row.day} {row.start:%H:%M} 《{row.title}》 ({why})" for row, why in problems
        )
        shown = "；".join(f"{row.day} {row.start:%H:%M}《{row.title}》" for row, _ in problems)
        raise InvalidInput(
            f"no master to deliver for: {named}",
            {"masters": "missing"},
            code="delivery_masters_missing",
            airings=shown,
        )
    items: dict[str, Item] = {}
    for row in sheet.rows:
        items.setdefault(row.file_name, Item(row.file_name, media_root / row.packaged))
    return Package(sheet, issued, list(items.values()))


def _copy(source: Path, target: Path) -> tuple[str, int]:
    """Copy in chunks; the MD5 and the size of what was written."""
    digest, size = hashlib.md5(usedforsecurity=False), 0
    with source.open("rb") as src, target.open("xb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return digest.hexdigest(), size


def _md5(source: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with source.open("rb") as src:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def sums_text(sums: list[tuple[str, str]]) -> str:
    """``md5sum``'s own format: the digest, two spaces, the name; one file a line."""
    return "".join(f"{digest}  {name}\n" for digest, name in sums)


def write_folder(session: Session, package: Package, destination: Path) -> Written:
    """Write the package as the folder ``destination`` (absent or empty), all or nothing."""
    destination = destination.expanduser().absolute()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise InvalidInput(
            f"{destination} exists and is not an empty folder",
            {"to": "exists"},
            code="delivery_destination_taken",
            folder=str(destination),
        )
    sheet_bytes = version_workbook(session, package.issued)
    temporary: Path | None = None
    try:
        destination.parent.mkdir(parents=True, exist_ok=True)
        temporary = Path(
            tempfile.mkdtemp(prefix=f".{destination.name}.partial-", dir=destination.parent)
        )
        sums: list[tuple[str, str]] = []
        size = 0
        for item in package.items:
            digest, written = _copy(item.source, temporary / item.name)
            sums.append((digest, item.name))
            size += written
        (temporary / package.sheet_name).write_bytes(sheet_bytes)
        sums.append(
            (hashlib.md5(sheet_bytes, usedforsecurity=False).hexdigest(), package.sheet_name)
        )
        (temporary / SUMS).write_text(sums_text(sums), encoding="utf-8")
        if destination.exists():
            destination.rmdir()
        os.rename(temporary, destination)
    except OSError as error:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
        why = error.strerror or type(error).__name__
        raise InvalidInput(
            f"the delivery package was not written to {destination}: {why}; nothing was left there",
            {"to": why},
            code="delivery_write_failed",
            why=why,
        ) from None
    return Written(destination, len(package.items) + 2, size + len(sheet_bytes))


def zip_file(session: Session, package: Package) -> IO[bytes]:
    """The package as a stored ZIP in a temporary file, positioned at its start (the caller
    sends and closes it; it vanishes when closed). Entries sit in a folder of the
    package's name."""
    sheet_bytes = version_workbook(session, package.issued)
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, who closes it
    try:
        sums: list[tuple[str, str]] = []
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            for item in package.items:
                sums.append((_md5(item.source), item.name))
                zf.write(item.source, f"{package.name}/{item.name}")
            zf.writestr(f"{package.name}/{package.sheet_name}", sheet_bytes)
            sums.append(
                (hashlib.md5(sheet_bytes, usedforsecurity=False).hexdigest(), package.sheet_name)
            )
            zf.writestr(f"{package.name}/{SUMS}", sums_text(sums).encode("utf-8"))
        out.seek(0)
    except BaseException:
        out.close()
        raise
    return out


def record(
    session: Session, actor: Person, package: Package, now: datetime, *, how: str
) -> StationDelivery:
    """Record who delivered which sheet version, when, and how much."""
    size = sum(item.source.stat().st_size for item in package.items)
    done = StationDelivery(
        sheet_id=package.issued.id,
        delivered_by_id=actor.id,
        delivered_at=now,
        files=len(package.items) + 2,
        size_bytes=size,
        how=how,
    )
    session.add(done)
    session.flush()
    return done
