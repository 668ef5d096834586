"""flask backup / flask restore: a round trip gives back every table row and every file."""

import hashlib
import io
import json
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from cchc_web.core.backup import BackupError, create_backup, restore_backup
from cchc_web.core.extensions import db
from cchc_web.models import Office, User
from cchc_web.records.attachments import store_uploads

PDF = b"%PDF-1.4\n% evidence\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def snapshot_tables() -> dict:
    db.session.remove()
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def snapshot_files(root: Path) -> dict:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def upload_root(app) -> Path:
    return Path(app.config["UPLOAD_DIR"])


def test_backup_restore_round_trip(app, runner, upload_root, tmp_path, demo_data):
    uploader = db.session.scalar(select(User).where(User.username == "vp.canbo"))
    store_uploads(
        [
            FileStorage(io.BytesIO(PDF), "Biên bản họp.pdf"),
            FileStorage(io.BytesIO(PNG), "ảnh minh chứng.png"),
        ],
        uploader,
    )
    db.session.commit()
    tables_before, files_before = snapshot_tables(), snapshot_files(upload_root)
    archive = tmp_path / "backup.tar.gz"

    result = runner.invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.output

    # Damage everything the backup covers.
    office = db.session.scalar(select(Office).where(Office.code == "VP"))
    office.name = "Đã bị sửa"
    # Demo users are referenced by history (audit log, updates), so add a row instead of
    # deleting one: the restore must remove it.
    db.session.add(Office(code="ZZ", name="Phòng thừa"))
    db.session.scalar(select(User).where(User.username == "qs.canbo")).full_name = "Đã bị sửa"
    db.session.commit()
    first_file = next(p for p in upload_root.rglob("*") if p.is_file())
    first_file.unlink()
    (upload_root / "stray.txt").write_text("not in the backup")
    assert snapshot_tables() != tables_before

    result = runner.invoke(args=["restore", str(archive), "--yes"])
    assert result.exit_code == 0, result.output
    assert snapshot_tables() == tables_before
    assert snapshot_files(upload_root) == files_before
    # The demo seeders may store evidence of their own; the two uploads must be among them.
    uploaded = {hashlib.sha256(PDF).hexdigest(), hashlib.sha256(PNG).hexdigest()}
    assert uploaded <= set(files_before.values())


def test_restore_refuses_corrupt_or_foreign_archives(app, upload_root, tmp_path):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tarball")
    with pytest.raises(BackupError, match="hỏng"):
        restore_backup(broken, upload_root)

    foreign = tmp_path / "foreign.tar.gz"
    manifest = {"format": 1, "engine": "oracle", "database": "x", "files": {}}
    with tarfile.open(foreign, "w:gz") as tar:
        data = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="oracle"):
        restore_backup(foreign, upload_root)

    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.txt")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    with pytest.raises(BackupError, match="không hợp lệ"):
        restore_backup(evil, upload_root)
    assert not (tmp_path / "escape.txt").exists()


def test_backup_of_empty_uploads(app, upload_root, tmp_path, commune):
    result = create_backup(tmp_path / "no-uploads-here", tmp_path / "b.tar.gz")
    assert result.files == 0 and result.path.exists()
