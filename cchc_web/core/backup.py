"""Backup and restore of the whole deployment: the database and the uploaded evidence files.

An archive is a .tar.gz holding `manifest.json`, the database (`database.sqlite`, copied with
SQLite's online backup API, or `database.pgdump`, PostgreSQL's custom format from pg_dump) and
`uploads/`. Restore puts both back; it refuses an archive made for another database engine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from .extensions import db
from .timeutil import utcnow

FORMAT_VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot proceed; the message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    engine: str
    files: int
    size: int


def _engine_name() -> str:
    return db.engine.dialect.name


def _sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Không sao lưu được CSDL SQLite trong bộ nhớ.")
    return Path(database)


def _libpq_url() -> str:
    """pg_dump wants a libpq URL: the same URL without SQLAlchemy's '+psycopg' driver."""
    url = make_url(db.engine.url.render_as_string(hide_password=False))
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _run(command: list[str]) -> None:
    try:
        subprocess.run(command, check=True, capture_output=True, text=True)
    except FileNotFoundError as err:
        raise BackupError(
            f"Không tìm thấy chương trình {command[0]} (cài postgresql-client)."
        ) from err
    except subprocess.CalledProcessError as err:
        raise BackupError(f"{command[0]} thất bại: {err.stderr.strip()[:500]}") from err


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _dump_database(target_dir: Path) -> str:
    engine = _engine_name()
    db.session.remove()
    if engine == "sqlite":
        out = target_dir / "database.sqlite"
        source = sqlite3.connect(_sqlite_path())
        dest = sqlite3.connect(out)
        try:
            source.backup(dest)  # consistent even while the app is writing
        finally:
            dest.close()
            source.close()
        return out.name
    if engine == "postgresql":
        out = target_dir / "database.pgdump"
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(out), _libpq_url()])
        return out.name
    raise BackupError(f"Chưa hỗ trợ sao lưu CSDL {engine}.")


def create_backup(
    upload_dir: str | os.PathLike[str], destination: str | os.PathLike[str]
) -> BackupResult:
    """Write a consistent archive of the database and every uploaded file to `destination`."""
    upload_root = Path(upload_dir)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        database_file = _dump_database(tmp_dir)
        files = (
            sorted(
                p
                for p in upload_root.rglob("*")
                if p.is_file() and not p.name.startswith(".upload-")
            )
            if upload_root.exists()
            else []
        )
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": utcnow().isoformat(),
            "engine": _engine_name(),
            "database": database_file,
            "files": {str(p.relative_to(upload_root)): _sha256(p) for p in files},
        }
        (tmp_dir / "manifest.json").write_text(json.dumps(manifest, indent=1))
        partial = destination.with_name(destination.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(tmp_dir / "manifest.json", arcname="manifest.json")
            tar.add(tmp_dir / database_file, arcname=database_file)
            for path in files:
                tar.add(path, arcname=f"uploads/{path.relative_to(upload_root)}")
        partial.replace(destination)
    return BackupResult(destination, manifest["engine"], len(files), destination.stat().st_size)


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in tar.getmembers():
        name = Path(member.name)
        if name.is_absolute() or ".." in name.parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Tệp sao lưu có mục không hợp lệ: {member.name}")
        members.append(member)
    return members


def restore_backup(archive: str | os.PathLike[str], upload_dir: str | os.PathLike[str]) -> dict:
    """Replace the database and the uploads with the archive's; returns its manifest.

    The web server should be stopped meanwhile: requests would see a half-restored state.
    """
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Không có tệp {archive}.")
    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        try:
            with tarfile.open(archive, "r:gz") as tar:
                tar.extractall(tmp_dir, members=_safe_members(tar), filter="data")
            manifest = json.loads((tmp_dir / "manifest.json").read_text())
        except (tarfile.TarError, OSError, ValueError) as err:
            raise BackupError(f"Tệp sao lưu hỏng hoặc không đúng định dạng: {err}") from err
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError("Tệp sao lưu thuộc định dạng khác.")
        if manifest["engine"] != _engine_name():
            raise BackupError(
                f"Tệp sao lưu của CSDL {manifest['engine']}, hệ thống đang dùng {_engine_name()}."
            )
        extracted_uploads = tmp_dir / "uploads"
        for relative, digest in manifest["files"].items():
            if _sha256(extracted_uploads / relative) != digest:
                raise BackupError(f"Tệp {relative} trong bản sao lưu không khớp mã băm.")
        _restore_database(tmp_dir / manifest["database"])
        upload_root = Path(upload_dir)
        if upload_root.exists():
            shutil.rmtree(upload_root)
        if extracted_uploads.exists():
            shutil.copytree(extracted_uploads, upload_root)
        else:
            upload_root.mkdir(parents=True)
    return manifest


def _restore_database(dump: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    if _engine_name() == "sqlite":
        source = sqlite3.connect(dump)
        dest = sqlite3.connect(_sqlite_path())
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
    else:
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                _libpq_url(),
                str(dump),
            ]
        )
