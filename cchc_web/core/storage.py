"""Evidence files (minh chứng): the one place that accepts, stores and serves uploads.

Task updates, initiatives and PAR index self-scores all go through :func:`save_upload`,
so one rule set applies everywhere:

* only PDF, DOCX, XLSX, JPG/JPEG and PNG, recognised by their *content*; the extension of
  the user's file name must agree with what the content is;
* at most ``max_bytes`` (20 MB by default) per file, never empty;
* a refused upload leaves nothing on disk, and neither does a disk that is full or not
  writable: the OSError becomes a :class:`StorageFailure` (an UploadRejected) with a Vietnamese
  message saying what happened and that nothing was saved;
* files are checked in a temporary file under the spool folder, then handed to the file store
  the configuration names (filestores.py: a folder as ``<key[:2]>/<key>``, the database, or
  an S3 bucket) under a random hex key; the user's file name is kept only for display and
  downloads, never used as a path or an object name.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO, Protocol

from .filestores import FileStore, LocalStore, StoreUnreachable

__all__ = [
    "ACCEPT_ATTRIBUTE",
    "ALLOWED_EXTENSIONS",
    "ALLOWED_KINDS",
    "ALLOWED_KINDS_LABEL",
    "DEFAULT_MAX_BYTES",
    "UPLOAD_HELP_TEXT",
    "FileKind",
    "InvalidStorageKey",
    "StorageFailure",
    "StoredFile",
    "UploadRejected",
    "as_store",
    "check_key",
    "delete_stored",
    "detect_kind",
    "format_size",
    "help_text",
    "open_stored",
    "path_for",
    "sanitize_filename",
    "save_upload",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
TEMP_PREFIX, TEMP_SUFFIX = ".upload-", ".part"
CHUNK_SIZE = 64 * 1024
MAX_NAME_LENGTH = 255
_KEY_RE = re.compile(r"[0-9a-f]{32}")


@dataclass(frozen=True)
class FileKind:
    """An accepted file kind: how users call it, its MIME type, extensions and signature."""

    label: str
    mime: str
    extensions: tuple[str, ...]
    magic: bytes
    # OOXML files are all ZIPs; this part is what tells a Word file from an Excel one.
    zip_member: str | None = None


_ZIP = b"PK\x03\x04"
_OOXML = "application/vnd.openxmlformats-officedocument."
ALLOWED_KINDS: MappingProxyType[str, FileKind] = MappingProxyType(
    {
        "pdf": FileKind("PDF", "application/pdf", (".pdf",), b"%PDF-"),
        "docx": FileKind(
            "DOCX", _OOXML + "wordprocessingml.document", (".docx",), _ZIP, "word/document.xml"
        ),
        "xlsx": FileKind(
            "XLSX", _OOXML + "spreadsheetml.sheet", (".xlsx",), _ZIP, "xl/workbook.xml"
        ),
        "jpeg": FileKind("JPG", "image/jpeg", (".jpg", ".jpeg"), b"\xff\xd8\xff"),
        "png": FileKind("PNG", "image/png", (".png",), b"\x89PNG\r\n\x1a\n"),
    }
)
_KIND_BY_EXTENSION = {ext: kind for kind, spec in ALLOWED_KINDS.items() for ext in spec.extensions}
ALLOWED_EXTENSIONS = frozenset(_KIND_BY_EXTENSION)
#: Value for ``<input type="file" accept=...>``; a convenience only, the server decides.
ACCEPT_ATTRIBUTE = ",".join(_KIND_BY_EXTENSION)
ALLOWED_KINDS_LABEL = ", ".join(spec.label for spec in ALLOWED_KINDS.values())
_HEAD_SIZE = max(len(spec.magic) for spec in ALLOWED_KINDS.values())


def format_size(n_bytes: int) -> str:
    """Size for Vietnamese users: ``20 MB``, ``1,5 MB``, ``512 KB``, ``1000 byte``."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024 * 1024), ("KB", 1024)):
        if n_bytes >= factor:
            number = f"{n_bytes / factor:.1f}".rstrip("0").rstrip(".")
            return f"{number.replace('.', ',')} {unit}"
    return f"{n_bytes} byte"


def help_text(max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Form help text listing the accepted kinds and the size limit."""
    return f"{ALLOWED_KINDS_LABEL}; tối đa {format_size(max_bytes)}"


UPLOAD_HELP_TEXT = help_text()


class UploadRejected(ValueError):
    """An upload refused by the rules; ``message`` is Vietnamese and safe to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StorageFailure(UploadRejected):
    """The server could not write the file (disk full, no permission): not the user's fault."""

    def __init__(self, message: str, err: OSError) -> None:
        super().__init__(message)
        self.errno = err.errno


def _storage_failure(name: str, err: OSError) -> StorageFailure:
    if isinstance(err, StoreUnreachable):
        why = "kho lưu tệp của hệ thống tạm thời không truy cập được"
    elif err.errno in (errno.ENOSPC, errno.EDQUOT):
        why = "ổ đĩa lưu tệp của máy chủ đã đầy"
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "máy chủ không có quyền ghi vào thư mục lưu tệp"
    else:
        why = "máy chủ gặp lỗi khi ghi tệp"
    return StorageFailure(
        f"Chưa lưu được tệp “{name}”: {why}. Không có dữ liệu nào của biểu mẫu được lưu; "
        "vui lòng báo quản trị hệ thống rồi gửi lại sau.",
        err,
    )


class InvalidStorageKey(ValueError):
    """A storage key that is not one this module generates (possible path traversal)."""


@dataclass(frozen=True)
class StoredFile:
    """What the caller records about a stored upload (all of it safe to display)."""

    storage_key: str
    original_name: str
    size: int
    content_type: str
    sha256: str


class StoredFileLike(Protocol):
    storage_key: str
    original_name: str
    content_type: str


class _Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def sanitize_filename(name: str | None) -> str:
    """Display name from a user-supplied one: NFC, no directories (``/`` or ``\\``), no control
    or format characters (incl. bidi overrides), whitespace collapsed, at most 255 characters
    with the extension kept. Vietnamese letters are kept. May return ``""``."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split())
    if not name.strip("."):
        return ""
    if len(name) > MAX_NAME_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[: MAX_NAME_LENGTH - len(ext)].rstrip() + ext
    return name


def _mismatch(name: str, spec: FileKind) -> UploadRejected:
    return UploadRejected(
        f"Tệp “{name}” không phải là {spec.label} hợp lệ (nội dung không khớp với phần mở rộng)."
    )


def _zip_members(path: str | os.PathLike[str]) -> frozenset[str]:
    # ZipFile reads only the central directory and nothing is decompressed, so a zip bomb
    # costs no more than its (size-limited) bytes on disk.
    try:
        with zipfile.ZipFile(path) as archive:
            return frozenset(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return frozenset()


def detect_kind(path: str | os.PathLike[str]) -> str | None:
    """Kind of the file at ``path`` judged by content only (a key of ``ALLOWED_KINDS``), or
    ``None``. DOCX/XLSX must be ZIPs listing ``[Content_Types].xml`` and their main part."""
    with open(path, "rb") as f:
        head = f.read(_HEAD_SIZE)
    members: frozenset[str] | None = None
    for kind, spec in ALLOWED_KINDS.items():
        if not head.startswith(spec.magic):
            continue
        if spec.zip_member is None:
            return kind
        if members is None:
            members = _zip_members(path)
        if {"[Content_Types].xml", spec.zip_member} <= members:
            return kind
    return None


def _copy_limited(
    stream: _Readable, out: BinaryIO, name: str, spec: FileKind, max_bytes: int
) -> tuple[int, str]:
    """Copy ``stream`` to ``out``; refuse as soon as the size passes ``max_bytes`` or the first
    bytes cannot be ``spec`` (so a large wrong file is not read to the end)."""
    digest, size, head = hashlib.sha256(), 0, b""
    # Never ask for more than one byte past the limit: that byte alone proves it is too big.
    while chunk := stream.read(min(CHUNK_SIZE, max_bytes + 1 - size)):
        size += len(chunk)
        if size > max_bytes:
            raise UploadRejected(f"Tệp “{name}” vượt quá {format_size(max_bytes)}.")
        if len(head) < _HEAD_SIZE:
            head += chunk[:_HEAD_SIZE]
            if len(head) >= len(spec.magic) and not head.startswith(spec.magic):
                raise _mismatch(name, spec)
        digest.update(chunk)
        _written(name, lambda chunk=chunk: out.write(chunk))
    return size, digest.hexdigest()


def _written(name: str, write: Callable[[], object]) -> None:
    """Run one write to the server's disk; its OSError (full, read-only…) is a StorageFailure.
    Errors reading the user's stream stay what they are: the client went away."""
    try:
        write()
    except OSError as err:
        raise _storage_failure(name, err) from err


def as_store(where: str | os.PathLike[str] | FileStore) -> FileStore:
    """A store from a store or a folder (a folder is a :class:`LocalStore`)."""
    if isinstance(where, (str, os.PathLike)):
        return LocalStore(where)
    return where


def save_upload(
    file: object,
    original_name: str | None,
    where: str | os.PathLike[str] | FileStore,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> StoredFile:
    """Store one upload and describe it, or raise :class:`UploadRejected` storing nothing.

    ``file`` is a werkzeug ``FileStorage`` (its ``.stream`` is read) or any binary file object,
    read from its current position. ``original_name`` defaults to ``file.filename``. ``where``
    is the file store (filestores.py) or a folder. Enforces: allowed extension, non-empty, at
    most ``max_bytes``, content matching the extension.
    """
    if max_bytes <= 0:
        raise ValueError("max_bytes must be positive")
    if original_name is None:
        original_name = getattr(file, "filename", None)
    name = sanitize_filename(original_name)
    kind = _KIND_BY_EXTENSION.get(os.path.splitext(name)[1].lower())
    if kind is None:
        raise UploadRejected(f"Chỉ chấp nhận tệp {ALLOWED_KINDS_LABEL}.")
    spec = ALLOWED_KINDS[kind]
    stream: _Readable = getattr(file, "stream", file)

    store = as_store(where)
    spool = store.spool
    try:
        spool.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The temp file sits in the spool's root (for a folder store: the same filesystem, so
        # the final move is atomic) rather than in a shard directory, so a refused upload does
        # not even leave an empty directory.
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=spool)
    except OSError as err:
        raise _storage_failure(name, err) from err
    try:
        with os.fdopen(fd, "wb") as out:
            size, sha256 = _copy_limited(stream, out, name, spec, max_bytes)
            _written(name, out.flush)
            _written(name, lambda: os.fsync(out.fileno()))
        if size == 0:
            raise UploadRejected("Tệp rỗng.")
        if detect_kind(tmp) != kind:
            raise _mismatch(name, spec)
        key = secrets.token_hex(16)
        _written(name, lambda: store.put(key, Path(tmp)))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return StoredFile(key, name, size, spec.mime, sha256)


def check_key(storage_key: str) -> str:
    """Only keys of exactly 32 lowercase hex digits are accepted, so a key can never point
    outside its shard directory or its bucket prefix; anything else raises InvalidStorageKey."""
    if not isinstance(storage_key, str) or not _KEY_RE.fullmatch(storage_key):
        raise InvalidStorageKey(f"invalid storage key: {storage_key!r}")
    return storage_key


def path_for(upload_root: str | os.PathLike[str], storage_key: str) -> Path:
    """Path of a file stored in a folder."""
    return Path(upload_root) / check_key(storage_key)[:2] / storage_key


def open_stored(where: str | os.PathLike[str] | FileStore, storage_key: str) -> BinaryIO:
    """Open a stored file for binary reading (FileNotFoundError if it is gone, StoreUnreachable
    if its store does not answer)."""
    return as_store(where).open(check_key(storage_key))


def delete_stored(where: str | os.PathLike[str] | FileStore, storage_key: str) -> bool:
    """Delete a stored file; True if it existed. A folder's shard directory is left in place
    because a concurrent save may be about to move a file into it."""
    return as_store(where).delete(check_key(storage_key))


# -- garbage collection -------------------------------------------------------------------------
@dataclass
class CollectReport:
    """What `collect_garbage` found and did (sizes in bytes)."""

    removed: int = 0
    removed_bytes: int = 0
    temp_removed: int = 0
    kept_young: int = 0
    referenced: int = 0
    free_bytes: int = 0
    total_bytes: int = 0

    @property
    def free_ratio(self) -> float:
        return self.free_bytes / self.total_bytes if self.total_bytes else 0.0


def collect_garbage(
    where: str | os.PathLike[str] | FileStore,
    referenced: set[str],
    grace_seconds: float,
    *,
    dry_run: bool = False,
    now: float | None = None,
) -> CollectReport:
    """Remove stored files that no row refers to (`referenced`: the keys the database knows)
    and upload temp files of the spool, when older than `grace_seconds` (a save may be about to
    commit the row of a younger one). A killed worker or a failed commit leaves such files
    behind. A database store's orphans are deleted in the caller's session (it commits)."""
    import shutil
    import time

    store = as_store(where)
    report = CollectReport()
    now = time.time() if now is None else now
    for item in list(store.objects()):
        if not _KEY_RE.fullmatch(item.key):
            continue
        if item.key in referenced:
            report.referenced += 1
        elif now - item.modified < grace_seconds:
            report.kept_young += 1
        else:
            if not dry_run:
                store.delete(item.key)
            report.removed += 1
            report.removed_bytes += item.size
    spool = store.spool
    if not spool.is_dir():
        return report
    for entry in spool.iterdir():
        if not (entry.is_file() and entry.name.startswith(TEMP_PREFIX)):
            continue
        try:
            stat = entry.stat()
        except FileNotFoundError:
            continue
        if now - stat.st_mtime < grace_seconds:
            report.kept_young += 1
            continue
        if not dry_run:
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        report.temp_removed += 1
        report.removed_bytes += stat.st_size
    usage = shutil.disk_usage(spool)
    report.free_bytes, report.total_bytes = usage.free, usage.total
    return report
