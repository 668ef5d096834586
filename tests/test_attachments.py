import io

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models import Attachment
from cchc_web.records.attachments import store_uploads

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def stored_files(app) -> list:
    from pathlib import Path

    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_store_uploads_creates_rows(app, login_as):
    user = login_as("staff")
    before = len(stored_files(app))
    attachments = store_uploads([upload("Báo cáo tháng 7.pdf", PDF), None], user)
    db.session.commit()
    assert [a.original_name for a in attachments] == ["Báo cáo tháng 7.pdf"]
    assert attachments[0].content_type == "application/pdf"
    assert len(stored_files(app)) == before + 1


def test_one_bad_file_stores_nothing(app, login_as):
    user = login_as("staff")
    before = len(stored_files(app))
    with pytest.raises(DomainError) as refused:
        store_uploads(
            [upload("ok.pdf", PDF), upload("virus.pdf", b"MZ\x90\x00evil")], user, "files"
        )
    assert "không phải là PDF hợp lệ" in refused.value.message
    assert refused.value.field == "files"
    db.session.rollback()
    assert len(stored_files(app)) == before
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
