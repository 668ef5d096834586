"""Uploads are all or nothing (issue 15): a full or unwritable disk is reported clearly and
leaves no file, a rollback (a failed commit included) removes the files of its transaction,
and `flask storage-gc` removes what a killed worker left."""

from __future__ import annotations

import errno
import io
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cchc_web.core import storage
from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.core.storage import StorageFailure, collect_garbage, save_upload
from cchc_web.models import Attachment, Office
from cchc_web.models.plans import TaskUpdate
from cchc_web.records.attachments import store_uploads

from .factories import import_demo_plan

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def files_in(root) -> list[Path]:
    root = Path(root)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def upload(name: str = "minh chứng.pdf") -> FileStorage:
    return FileStorage(stream=io.BytesIO(PDF), filename=name)


def fail_fsync_after(monkeypatch, good_calls: int, code: int = errno.ENOSPC) -> None:
    """The disk fills up: every fsync after the first `good_calls` fails with `code`."""
    real, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > good_calls:
            raise OSError(code, os.strerror(code))
        return real(fd)

    monkeypatch.setattr(storage.os, "fsync", fsync)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "ổ đĩa lưu tệp của máy chủ đã đầy"),
        (errno.EACCES, "không có quyền ghi"),
        (errno.EIO, "gặp lỗi khi ghi tệp"),
    ],
)
def test_a_disk_that_fails_is_a_clear_refusal_leaving_nothing(tmp_path, monkeypatch, code, words):
    fail_fsync_after(monkeypatch, 0, code)
    with pytest.raises(StorageFailure) as failure:
        save_upload(io.BytesIO(PDF), "Báo cáo.pdf", tmp_path)
    assert words in failure.value.message
    assert "Không có dữ liệu nào của biểu mẫu được lưu" in failure.value.message
    assert failure.value.errno == code
    assert files_in(tmp_path) == []


def test_a_write_that_hits_a_full_disk_is_refused_too(tmp_path, monkeypatch):
    """The disk fills while the bytes are written (OSError 28 from write itself)."""
    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, handle):
            self.handle = handle

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    monkeypatch.setattr(storage.os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))
    with pytest.raises(StorageFailure, match="đã đầy"):
        save_upload(io.BytesIO(PDF), "Báo cáo.pdf", tmp_path)
    assert files_in(tmp_path) == []


def test_second_file_on_a_full_disk_removes_the_first(app, login_as, monkeypatch):
    user = login_as("staff")
    fail_fsync_after(monkeypatch, 1)
    with pytest.raises(DomainError, match="đã đầy") as refused:
        store_uploads([upload("a.pdf"), upload("b.pdf")], user, "evidence")
    assert refused.value.field == "evidence"
    assert files_in(app.config["UPLOAD_DIR"]) == []


def test_task_update_on_a_full_disk_keeps_the_text_and_stores_nothing(
    client, login_as, commune, app, monkeypatch
):
    plan = import_demo_plan()
    task = next(t for t in plan.tasks if t.code == "2.1")
    login_as("staff", office="VP")
    fail_fsync_after(monkeypatch, 1)
    response = client.post(
        f"/offices/vp/tasks/{task.id}/update",
        data={
            "status": "in_progress",
            "progress": "40",
            "result": "Đã rà soát 12 thủ tục hành chính.",
            "based_on": "",
            "evidence": [(io.BytesIO(PDF), "mot.pdf"), (io.BytesIO(PDF), "hai.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "ổ đĩa lưu tệp của máy chủ đã đầy" in response.text
    assert "Đã rà soát 12 thủ tục hành chính." in response.text  # what was typed is kept
    assert files_in(app.config["UPLOAD_DIR"]) == []
    assert db.session.scalar(select(func.count(TaskUpdate.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_rollback_removes_the_files_of_its_transaction(app, login_as):
    user = login_as("staff")
    store_uploads([upload()], user)
    assert len(files_in(app.config["UPLOAD_DIR"])) == 1
    db.session.rollback()
    assert files_in(app.config["UPLOAD_DIR"]) == []


def test_a_failed_commit_removes_the_files(app, login_as):
    user = login_as("staff")
    store_uploads([upload()], user)
    db.session.add(Office(code="VP", name="trùng mã"))  # unique code: the commit fails
    with pytest.raises(Exception, match="(?i)unique|duplicate"):
        db.session.commit()
    db.session.rollback()
    assert files_in(app.config["UPLOAD_DIR"]) == []
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_a_commit_keeps_the_files(app, login_as):
    user = login_as("staff")
    store_uploads([upload()], user)
    db.session.commit()
    db.session.rollback()  # a later rollback is not theirs
    assert len(files_in(app.config["UPLOAD_DIR"])) == 1


def test_a_request_that_ends_without_commit_leaves_no_file(app, login_as):
    user = login_as("staff")
    with app.app_context():  # a request of its own, which forgets to commit
        store_uploads([upload()], db.session.merge(user))
        assert len(files_in(app.config["UPLOAD_DIR"])) == 1
    assert files_in(app.config["UPLOAD_DIR"]) == []


def test_collect_garbage_removes_old_orphans_only(tmp_path):
    kept = save_upload(io.BytesIO(PDF), "dang-dung.pdf", tmp_path)
    orphan = save_upload(io.BytesIO(PDF), "mo-coi.pdf", tmp_path)
    young = save_upload(io.BytesIO(PDF), "moi.pdf", tmp_path)
    temp = tmp_path / ".upload-abc.part"
    temp.write_bytes(b"half")
    old = time.time() - 3 * 86400
    for key in (kept.storage_key, orphan.storage_key):
        os.utime(storage.path_for(tmp_path, key), (old, old))
    os.utime(temp, (old, old))
    referenced = {kept.storage_key}

    dry = collect_garbage(tmp_path, referenced, 86400, dry_run=True)
    assert (dry.removed, dry.temp_removed, dry.kept_young) == (1, 1, 1)
    assert len(files_in(tmp_path)) == 4

    report = collect_garbage(tmp_path, referenced, 86400)
    assert (report.removed, report.temp_removed, report.kept_young, report.referenced) == (
        1,
        1,
        1,
        1,
    )
    assert report.removed_bytes == len(PDF) + 4
    assert 0 < report.free_bytes <= report.total_bytes
    left = {p.name for p in files_in(tmp_path)}
    assert left == {kept.storage_key, young.storage_key}


def test_storage_gc_command(app, runner, login_as):
    user = login_as("staff")
    (attachment,) = store_uploads([upload()], user)
    db.session.commit()
    orphan = save_upload(io.BytesIO(PDF), "mo-coi.pdf", app.config["UPLOAD_DIR"])
    old = time.time() - 2 * 86400
    for key in (attachment.storage_key, orphan.storage_key):
        os.utime(storage.path_for(app.config["UPLOAD_DIR"], key), (old, old))
    result = runner.invoke(args=["storage-gc"])
    assert result.exit_code == 0, result.output
    assert "Đã xóa 1 tệp không thuộc bản ghi nào" in result.output
    assert "giữ 1 tệp đang dùng" in result.output
    assert "Dung lượng còn trống" in result.output
    assert [p.name for p in files_in(app.config["UPLOAD_DIR"])] == [attachment.storage_key]
