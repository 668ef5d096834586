"""Turning uploaded form files into Attachment rows, and serving them back.

Either every file of a form is stored or none is: a refusal (or a full disk) removes the files
already written for that form and raises DomainError with the storage service's Vietnamese
message. The bytes are written before the rows are committed, so every stored key waits in the
session until its transaction ends: a commit keeps the files, a rollback (any rollback, a
failed commit included) deletes them, and so does a request that ends without committing.
(The database store writes through the session itself: its rollback is the deletion.)
What a killed worker leaves behind, `flask storage-gc` removes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from flask import Flask, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from ..core import storage
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.filestores import FileStore, store_from_config
from ..core.settings import application, setting
from ..models import Attachment, User

log = logging.getLogger(__name__)

_PENDING = "cchc_pending_uploads"


def file_store() -> FileStore:
    """The application's file store (STORAGE_BACKEND), built once per application."""
    app = application()
    names = ("STORAGE_BACKEND", "UPLOAD_DIR", "S3_BUCKET", "S3_PREFIX", "S3_ENDPOINT_URL")
    wanted = tuple(app.config.get(name) for name in names)
    built = app.extensions.get("cchc_file_store")
    if built is None or built[0] != wanted:
        built = app.extensions["cchc_file_store"] = (wanted, store_from_config(app.config))
    return built[1]


def _remember_pending(store: FileStore, keys: list[str]) -> None:
    if not store.transactional:
        db.session.info.setdefault(_PENDING, []).append((store, keys))


def _delete_pending(session: Session) -> None:
    for store, keys in session.info.pop(_PENDING, []):
        for key in keys:
            try:
                storage.delete_stored(store, key)
            except OSError:  # the store is down: storage-gc removes the orphan later
                log.warning("Could not remove the uncommitted upload %s", key, exc_info=True)


@event.listens_for(Session, "after_commit")
def _keep_committed(session: Session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback leaves the transaction on
        _delete_pending(session)


def init_app(app: Flask) -> None:
    """Registered after Flask-SQLAlchemy, so this runs before its session is removed."""

    @app.teardown_appcontext
    def _drop_uncommitted(_exc: BaseException | None) -> None:
        if has_app_context() and db.session.info.get(_PENDING):
            _delete_pending(db.session)


def store_uploads(
    files: Iterable[FileStorage | None], uploader: User | None, field: str | None = None
) -> list[Attachment]:
    """Store every non-empty upload and add its Attachment to the session (not committed)."""
    stored: list[storage.StoredFile] = []
    store = file_store()
    try:
        for file in files:
            if file is None or not file.filename:
                continue  # an empty file input sends a nameless part
            stored.append(
                storage.save_upload(
                    file,
                    file.filename,
                    store,
                    max_bytes=setting("UPLOAD_MAX_BYTES"),
                )
            )
    except storage.UploadRejected as rejected:
        for item in stored:
            try:
                storage.delete_stored(store, item.storage_key)
            except OSError:
                log.warning("Could not remove %s", item.storage_key, exc_info=True)
        if isinstance(rejected, storage.StorageFailure):
            log.error("Upload storage failed: %s", rejected.__cause__)
        raise DomainError(rejected.message, field=field) from rejected
    _remember_pending(store, [item.storage_key for item in stored])
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
    store = file_store()
    for attachment in attachments:
        storage.delete_stored(store, attachment.storage_key)


def read_attachment(attachment: Attachment) -> bytes:
    """The stored bytes (a document that a second person signs after the first)."""
    with storage.open_stored(file_store(), attachment.storage_key) as handle:
        return handle.read()
