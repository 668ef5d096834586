"""Turning uploaded form files into Attachment rows, and serving them back.

Either every file of a form is stored or none is: a refusal removes the files already
written for that form and raises DomainError with the storage service's Vietnamese message.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from werkzeug.datastructures import FileStorage

from . import storage
from .errors import DomainError
from .extensions import db
from .models import Attachment, User


def _upload_root() -> str:
    return current_app.config["UPLOAD_DIR"]


def store_uploads(
    files: Iterable[FileStorage | None], uploader: User | None, field: str | None = None
) -> list[Attachment]:
    """Store every non-empty upload and add its Attachment to the session (not committed)."""
    stored: list[storage.StoredFile] = []
    try:
        for file in files:
            if file is None or not file.filename:
                continue  # an empty file input sends a nameless part
            stored.append(
                storage.save_upload(
                    file,
                    file.filename,
                    _upload_root(),
                    max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
                )
            )
    except storage.UploadRejected as rejected:
        for item in stored:
            storage.delete_stored(_upload_root(), item.storage_key)
        raise DomainError(rejected.message, field=field) from rejected
    attachments = [
        Attachment(
            storage_key=item.storage_key,
            original_name=item.original_name,
            size=item.size,
            content_type=item.content_type,
            sha256=item.sha256,
            uploaded_by=uploader,
        )
        for item in stored
    ]
    db.session.add_all(attachments)
    return attachments


def discard(attachments: Iterable[Attachment]) -> None:
    """Remove the stored bytes of attachments whose transaction was rolled back."""
    for attachment in attachments:
        storage.delete_stored(_upload_root(), attachment.storage_key)


def send_attachment(attachment: Attachment):
    """Always a download (Content-Disposition: attachment) under its original name.

    The caller has checked that the user may see what the attachment belongs to.
    """
    return storage.send_stored(_upload_root(), attachment)


def read_attachment(attachment: Attachment) -> bytes:
    """The stored bytes (a document that a second person signs after the first)."""
    with storage.open_stored(_upload_root(), attachment.storage_key) as handle:
        return handle.read()
