"""Evidence files in the store the configuration names: a folder, the database, an S3 bucket.

Each store keeps, serves and forgets files the same way; the database store commits and rolls
back with the rows that refer to its files; an object store that does not answer costs the
user nothing they typed, and a download from it is a Vietnamese 503, not a 500.
"""

import io
import time
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from sqlalchemy import func, select

from cchc_web.core import storage
from cchc_web.core.extensions import db
from cchc_web.core.filestores import (
    DatabaseStore,
    LocalStore,
    S3Store,
    StoreUnreachable,
    store_from_config,
    stored_files,
)
from cchc_web.models import Attachment
from cchc_web.models.plans import TaskUpdate
from cchc_web.records.attachments import file_store, store_uploads

from .factories import import_demo_plan
from .test_attachments import PDF, upload

BUCKET = "cchc-evidence"


@pytest.fixture
def aws(monkeypatch):
    """An in-process S3 (moto) with the bucket made; fake credentials so nothing leaves."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        yield


@pytest.fixture
def use_backend(app, monkeypatch):
    """Switch the app's STORAGE_BACKEND (and S3 settings) for one test."""

    def switch(backend: str, **settings: str) -> None:
        monkeypatch.setitem(app.config, "STORAGE_BACKEND", backend)
        for name, value in settings.items():
            monkeypatch.setitem(app.config, name, value)

    return switch


@pytest.fixture(params=["local", "database", "s3"])
def store(request, tmp_path, commune):
    if request.param == "local":
        return LocalStore(tmp_path / "uploads")
    if request.param == "database":
        return DatabaseStore(tmp_path / "spool")
    request.getfixturevalue("aws")
    return S3Store(BUCKET, prefix="evidence/", spool=tmp_path / "spool")


def test_every_store_keeps_serves_and_forgets_a_file(store):
    saved = storage.save_upload(io.BytesIO(PDF), "Biên bản họp.pdf", store)
    with storage.open_stored(store, saved.storage_key) as handle:
        assert handle.read() == PDF
    assert [o.key for o in store.objects()] == [saved.storage_key]
    assert list(store.spool.glob(".upload-*")) == []  # the checked spool file was handed over
    assert storage.delete_stored(store, saved.storage_key) is True
    assert storage.delete_stored(store, saved.storage_key) is False
    with pytest.raises(FileNotFoundError):
        storage.open_stored(store, saved.storage_key)


def test_a_refused_upload_reaches_no_store(store):
    with pytest.raises(storage.UploadRejected):
        storage.save_upload(io.BytesIO(b"MZ\x90\x00evil"), "baocao.pdf", store)
    assert list(store.objects()) == []
    assert list(store.spool.glob(".upload-*")) == []


def test_keys_that_could_escape_are_refused_by_every_store(store):
    for key in ("../../etc/passwd", "A" * 32, "evidence/../x"):
        with pytest.raises(storage.InvalidStorageKey):
            storage.open_stored(store, key)


def test_garbage_collection_walks_the_store(store):
    kept = storage.save_upload(io.BytesIO(PDF), "a.pdf", store)
    orphan = storage.save_upload(io.BytesIO(PDF), "b.pdf", store)
    young = storage.collect_garbage(store, {kept.storage_key}, grace_seconds=3600)
    assert (young.removed, young.kept_young, young.referenced) == (0, 1, 1)
    report = storage.collect_garbage(
        store, {kept.storage_key}, grace_seconds=3600, now=time.time() + 7200
    )
    assert (report.removed, report.referenced) == (1, 1)
    assert report.removed_bytes == len(PDF)
    assert {o.key for o in store.objects()} == {kept.storage_key}
    assert orphan.storage_key not in {o.key for o in store.objects()}


def test_the_database_store_rolls_back_with_its_rows(app, login_as, use_backend):
    use_backend("database")
    user = login_as("staff")
    store_uploads([upload("Kế hoạch.pdf", PDF)], user)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(stored_files)) == 0
    (attachment,) = store_uploads([upload("Kế hoạch.pdf", PDF)], user)
    db.session.commit()
    assert db.session.scalar(select(stored_files.c.data)) == PDF
    assert attachment.storage_key == db.session.scalar(select(stored_files.c.storage_key))


def _post_evidence(client, task_id: int, **form):
    data = {"status": "in_progress", "progress": "40", "result": "Đã số hóa 120 hồ sơ.",
            "based_on": "", **form}  # fmt: skip
    return client.post(
        f"/offices/vp/tasks/{task_id}/update",
        data={**data, "evidence": (io.BytesIO(PDF), "Báo cáo số hóa.pdf")},
        content_type="multipart/form-data",
    )


def _task(code="2.1"):
    plan = import_demo_plan()
    return next(t for t in plan.tasks if t.code == code)


@pytest.mark.parametrize("backend", ["database", "s3"])
def test_evidence_uploaded_and_downloaded_through_the_pages(
    backend, app, client, login_as, commune, use_backend, request
):
    if backend == "s3":
        request.getfixturevalue("aws")
        use_backend("s3", S3_BUCKET=BUCKET, S3_ENDPOINT_URL="", S3_PREFIX="ev/")
    else:
        use_backend(backend)
    login_as("staff", office="VP")
    task = _task()
    assert _post_evidence(client, task.id).status_code == 303
    (attachment,) = db.session.scalars(select(Attachment)).all()
    assert file_store().name == backend
    # Nothing was left in the local folder: another app server could not have read it there.
    assert [p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()] == []
    download = client.get(f"/offices/vp/files/{attachment.id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_an_object_store_that_is_down_loses_nothing_typed(
    app, client, login_as, commune, use_backend, monkeypatch
):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # Port 9 (discard) answers nothing on this machine: connection refused at once.
    use_backend("s3", S3_BUCKET=BUCKET, S3_ENDPOINT_URL="http://127.0.0.1:9", S3_REGION="us-east-1")
    login_as("staff", office="VP")
    task = _task()
    page = _post_evidence(client, task.id)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "kho lưu tệp của hệ thống tạm thời không truy cập được" in text
    assert "Đã số hóa 120 hồ sơ." in text  # the typed result is shown back
    assert db.session.scalar(select(func.count(TaskUpdate.id))) == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_a_download_from_a_store_that_is_down_is_a_vietnamese_503(
    app, client, login_as, commune, use_backend, monkeypatch
):
    login_as("staff", office="VP")
    task = _task()
    assert _post_evidence(client, task.id).status_code == 303
    (attachment,) = db.session.scalars(select(Attachment)).all()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    use_backend("s3", S3_BUCKET=BUCKET, S3_ENDPOINT_URL="http://127.0.0.1:9", S3_REGION="us-east-1")
    page = client.get(f"/offices/vp/files/{attachment.id}")
    assert page.status_code == 503
    assert "Kho lưu tệp của hệ thống tạm thời không truy cập được" in page.get_data(as_text=True)
    assert page.headers["Retry-After"]


def test_the_unreachable_store_is_an_oserror_with_no_errno():
    err = StoreUnreachable("S3 put_object: connection refused")
    failure = storage._storage_failure("a.pdf", err)
    assert "Không có dữ liệu nào của biểu mẫu được lưu" in failure.message


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND must be one of"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": ""}, "needs S3_BUCKET"),
    ],
)
def test_a_misconfigured_store_stops_the_start(settings, message, tmp_path):
    with pytest.raises(RuntimeError, match=message):
        store_from_config({"UPLOAD_DIR": str(tmp_path), **settings})
