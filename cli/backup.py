"""Backup and restore of an instance: the database, the media folder and the feeds folder.

A backup is a folder: the database snapshot (``database.sqlite3`` through
SQLite's online backup API, or ``database.pgdump`` from the installed
PostgreSQL's ``pg_dump``), ``media/`` with every media file the database
references, ``feeds/``, and ``manifest.json`` with the SHA-256 of each file,
written last: a backup without it is incomplete.

Consistency: the database is snapshotted first; media files are immutable
once stored and stored before the row naming them commits, so every file the
snapshot references exists and is copied afterwards. The references are read
from the live database after the snapshot, a superset of the snapshot's.

Restore checks every checksum and that the target (database, media and feeds
folders) is empty before it writes anything; files go to temporary folders
beside their targets and are renamed into place only after the database
restored in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session

from media.models import ColumnPackaging, JobState, MediaJob, MediaVersion

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
DUMP = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


class BackupError(Exception):
    """A backup or restore refused, with what to do about it."""


@dataclass(frozen=True)
class Instance:
    """What a backup captures: the database and the two folders."""

    engine: Engine
    media_dir: Path
    feeds_dir: Path
    pg_bindir: Path | None = None  # None: the server's major version's folder, then PATH


def _copy(source: Path, target: Path) -> tuple[str, int]:
    """Copy a file, returning its SHA-256 and size as copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with source.open("rb") as src, target.open("wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _is_empty_dir(path: Path) -> bool:
    return not path.exists() or (path.is_dir() and not any(path.iterdir()))


# --- PostgreSQL tools ---------------------------------------------------------------------------


def _pg_tool(instance: Instance, name: str) -> str:
    """The server's major version of ``name`` (pg_dump, pg_restore), or a clear refusal."""
    with instance.engine.connect() as conn:
        major = int(conn.scalar(text("SHOW server_version_num")) or 0) // 10000
    if instance.pg_bindir is not None:
        candidates, where = [instance.pg_bindir / name], str(instance.pg_bindir)
    else:
        candidates = [Path(f"/usr/lib/postgresql/{major}/bin/{name}")]
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
        where = f"/usr/lib/postgresql/{major}/bin and PATH"
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            version = subprocess.run(
                [str(candidate), "--version"], capture_output=True, text=True, check=False
            ).stdout
            if f" {major}." in version:
                return str(candidate)
    raise BackupError(
        f"{name} of PostgreSQL {major} not found in {where}: "
        f"install postgresql-client-{major} (or set TVCOLUMN_PG_BINDIR)"
    )


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    bare = url.set(drivername="postgresql", password=None, query={})
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return bare.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what} failed: {result.stderr.strip() or result.returncode}")


# --- create -----------------------------------------------------------------------------------


def _snapshot(instance: Instance, target: Path) -> None:
    engine = instance.engine
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            raise BackupError("only a SQLite database in a file can be backed up")
        source = sqlite3.connect(database)
        try:
            copy = sqlite3.connect(target)
            with copy:
                source.backup(copy)
            copy.close()
        finally:
            source.close()
        return
    dsn, env = _libpq(engine.url)
    pg_dump = _pg_tool(instance, "pg_dump")
    command = [pg_dump, "--format=custom", "--no-owner", "--no-acl", f"--file={target}", dsn]
    _run(command, env, "pg_dump")


def referenced_media(session: Session) -> set[str]:
    """Every file under the media folder the database names: masters, packaging, job outputs."""
    found = set(session.scalars(select(MediaVersion.stored_as)))
    for opening, closing in session.execute(
        select(ColumnPackaging.opening_stored_as, ColumnPackaging.closing_stored_as)
    ):
        found.update((opening, closing))
    for outputs in session.scalars(select(MediaJob.outputs).where(MediaJob.state == JobState.DONE)):
        found.update((outputs or {}).values())
    return found


def create(instance: Instance, dest: Path, now: datetime) -> dict[str, Any]:
    """Write a backup of the instance into ``dest`` (absent or empty); return its manifest."""
    if not _is_empty_dir(dest):
        raise BackupError(f"{dest} is not empty: back up into a new folder")
    dialect = instance.engine.dialect.name
    if dialect not in DUMP:
        raise BackupError(f"cannot back up a {dialect} database")
    dest.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {}
    dump = dest / DUMP[dialect]
    _snapshot(instance, dump)
    files[dump.name] = {"sha256": _sha256(dump), "size": dump.stat().st_size}
    with Session(instance.engine) as session:
        media = sorted(referenced_media(session))
        revision = session.scalar(text("SELECT version_num FROM alembic_version"))
    for relative in media:
        source = instance.media_dir / relative
        if not source.is_file():
            raise BackupError(f"media file {relative} named by the database is missing")
        sha, size = _copy(source, dest / "media" / relative)
        files[f"media/{relative}"] = {"sha256": sha, "size": size}
    if instance.feeds_dir.is_dir():
        for source in sorted(p for p in instance.feeds_dir.rglob("*") if p.is_file()):
            relative = source.relative_to(instance.feeds_dir).as_posix()
            sha, size = _copy(source, dest / "feeds" / relative)
            files[f"feeds/{relative}"] = {"sha256": sha, "size": size}
    manifest = {
        "format": FORMAT,
        "created_at": now.astimezone(UTC).isoformat(timespec="seconds"),
        "database": {"dialect": dialect, "file": dump.name, "revision": revision},
        "files": files,
    }
    partial = dest / f".{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(partial, dest / MANIFEST)
    return manifest


# --- restore ----------------------------------------------------------------------------------


def check(src: Path) -> dict[str, Any]:
    """The backup's manifest, once every file it lists is there with its checksum."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} is not a complete backup: {MANIFEST} is missing") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(f"{src}/{MANIFEST} is corrupt: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{src}/{MANIFEST} is not a tvcolumn backup manifest of format {FORMAT}")
    files: dict[str, dict[str, Any]] = manifest["files"]
    if manifest["database"]["file"] not in files:
        raise BackupError(f"{src} is not a complete backup: no database snapshot listed")
    for name, expected in sorted(files.items()):
        path = src / name
        if not path.is_file():
            raise BackupError(f"{src} is incomplete: {name} is missing")
        if path.stat().st_size != expected["size"] or _sha256(path) != expected["sha256"]:
            raise BackupError(f"{src} is corrupt: {name} does not match its checksum")
    return manifest


def _check_empty(instance: Instance, dialect: str) -> None:
    if instance.engine.dialect.name != dialect:
        raise BackupError(
            f"the backup holds a {dialect} database; the target is {instance.engine.dialect.name}"
        )
    tables = inspect(instance.engine).get_table_names()
    if tables:
        raise BackupError(
            f"the target database is not empty ({len(tables)} tables): restore into a new, "
            "empty database"
        )
    for label, folder in (("media", instance.media_dir), ("feeds", instance.feeds_dir)):
        if not _is_empty_dir(folder):
            raise BackupError(f"the target {label} folder {folder} is not empty")


def _restore_database(instance: Instance, dump: Path) -> None:
    engine = instance.engine
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database
        engine.dispose()
        source, target = sqlite3.connect(dump), sqlite3.connect(database)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return
    dsn, env = _libpq(engine.url)
    pg_restore = _pg_tool(instance, "pg_restore")
    engine.dispose()
    command = [
        pg_restore,
        "--single-transaction",
        "--exit-on-error",
        "--no-owner",
        "--no-acl",
        f"--dbname={dsn}",
        str(dump),
    ]
    _run(command, env, "pg_restore")


def _stage(src: Path, folder: str, target: Path) -> Path | None:
    """Copy the backup's ``folder`` beside ``target`` under a temporary name."""
    if not (src / folder).is_dir():
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.parent / f".{target.name}.restore-{uuid.uuid4().hex[:8]}"
    shutil.copytree(src / folder, staged)
    return staged


def restore(instance: Instance, src: Path) -> dict[str, Any]:
    """Restore the backup in ``src`` into an empty instance, all or nothing."""
    manifest = check(src)
    _check_empty(instance, manifest["database"]["dialect"])
    staged: list[tuple[Path, Path]] = []
    try:
        for folder, target in (("media", instance.media_dir), ("feeds", instance.feeds_dir)):
            copy = _stage(src, folder, target)
            if copy is not None:
                staged.append((copy, target))
        _restore_database(instance, src / manifest["database"]["file"])
    except BaseException:
        for copy, _target in staged:
            shutil.rmtree(copy, ignore_errors=True)
        raise
    for copy, target in staged:
        if target.exists():
            target.rmdir()  # checked empty above
        os.replace(copy, target)
    return manifest
