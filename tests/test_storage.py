"""Evidence file storage: content-based type checks, limits, safe names and keys, downloads."""

from __future__ import annotations

import hashlib
import io
import struct
import unicodedata
import zipfile
import zlib
from pathlib import Path
from urllib.parse import unquote

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from cchc_web.core.storage import (
    ACCEPT_ATTRIBUTE,
    ALLOWED_KINDS,
    CHUNK_SIZE,
    DEFAULT_MAX_BYTES,
    UPLOAD_HELP_TEXT,
    InvalidStorageKey,
    StoredFile,
    UploadRejected,
    delete_stored,
    detect_kind,
    format_size,
    help_text,
    open_stored,
    path_for,
    sanitize_filename,
    save_upload,
)
from cchc_web.web.views import send_stored

MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def make_png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(tag + data))
        return struct.pack(">I", len(data)) + tag + data + crc

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def make_zip(*members: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in members:
            archive.writestr(member, "<?xml version='1.0'?><x/>")
    return buf.getvalue()


PNG = make_png()
DOCX = make_zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX = make_zip("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")


def leftovers(root: Path) -> list[Path]:
    return sorted(root.rglob("*")) if root.exists() else []


class LazyStream:
    """Serves ``head`` then filler bytes up to ``total`` without holding them in memory."""

    def __init__(self, head: bytes, total: int) -> None:
        self.head, self.total, self.served = head, total, 0

    def read(self, size: int = -1) -> bytes:
        size = self.total - self.served if size < 0 else min(size, self.total - self.served)
        out = self.head[self.served : self.served + size]
        out += b"\0" * (size - len(out))
        self.served += len(out)
        return out


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("báo cáo.pdf", PDF, "application/pdf"),
        ("kế hoạch.docx", DOCX, MIME_DOCX),
        ("bảng điểm.xlsx", XLSX, MIME_XLSX),
        ("ảnh.jpg", JPEG, "image/jpeg"),
        ("ẢNH.JPEG", JPEG, "image/jpeg"),
        ("sơ đồ.PNG", PNG, "image/png"),
    ],
)
def test_each_allowed_kind_is_stored_intact(tmp_path: Path, name: str, data: bytes, mime: str):
    stored = save_upload(io.BytesIO(data), name, tmp_path)

    assert stored == StoredFile(
        stored.storage_key, name, len(data), mime, hashlib.sha256(data).hexdigest()
    )
    path = path_for(tmp_path, stored.storage_key)
    assert path.parent.name == stored.storage_key[:2] and path.parent.parent == tmp_path
    assert path.read_bytes() == data
    with open_stored(tmp_path, stored.storage_key) as f:
        assert f.read() == data
    assert leftovers(tmp_path) == [path.parent, path]  # no temp file left behind


def test_real_xlsx_from_openpyxl_is_accepted(tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "Chỉ số CCHC"
    buf = io.BytesIO()
    workbook.save(buf)

    stored = save_upload(io.BytesIO(buf.getvalue()), "chỉ số.xlsx", tmp_path)
    assert stored.content_type == MIME_XLSX
    assert detect_kind(path_for(tmp_path, stored.storage_key)) == "xlsx"


def test_werkzeug_filestorage_and_name_fallback(tmp_path: Path):
    upload = FileStorage(io.BytesIO(PDF), filename="Quyết định.pdf", content_type="image/png")
    stored = save_upload(upload, None, tmp_path)
    # The browser's content type is ignored; the content decides.
    assert (stored.original_name, stored.content_type) == ("Quyết định.pdf", "application/pdf")
    assert path_for(tmp_path, stored.storage_key).read_bytes() == PDF


def test_same_content_twice_gets_distinct_keys(tmp_path: Path):
    first = save_upload(io.BytesIO(PDF), "a.pdf", tmp_path)
    second = save_upload(io.BytesIO(PDF), "a.pdf", tmp_path)
    assert first.storage_key != second.storage_key and first.sha256 == second.sha256


def test_exactly_the_limit_is_accepted(tmp_path: Path):
    data = PDF.ljust(1000, b" ")
    assert save_upload(io.BytesIO(data), "a.pdf", tmp_path, max_bytes=1000).size == 1000


def test_oversize_is_refused_and_nothing_stored(tmp_path: Path):
    with pytest.raises(UploadRejected) as caught:
        save_upload(io.BytesIO(PDF.ljust(1001, b" ")), "x.pdf", tmp_path, max_bytes=1000)
    assert caught.value.message == "Tệp “x.pdf” vượt quá 1000 byte."
    assert leftovers(tmp_path) == []


def test_25_mb_stream_stops_at_default_20_mb_limit(tmp_path: Path):
    stream = LazyStream(PDF, 25 * 1024 * 1024)
    with pytest.raises(UploadRejected, match="^Tệp “lớn.pdf” vượt quá 20 MB.$"):
        save_upload(stream, "lớn.pdf", tmp_path)
    assert stream.served == DEFAULT_MAX_BYTES + 1  # stopped right after passing the limit
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("header", [b"MZ\x90\x00\x03\x00\x00\x00", b"\x7fELF\x02\x01\x01\x00"])
def test_executable_renamed_pdf_is_refused(tmp_path: Path, header: bytes):
    stream = LazyStream(header, 5 * 1024 * 1024)
    with pytest.raises(UploadRejected) as caught:
        save_upload(stream, "hóa đơn.pdf", tmp_path)
    assert caught.value.message == (
        "Tệp “hóa đơn.pdf” không phải là PDF hợp lệ (nội dung không khớp với phần mở rộng)."
    )
    assert stream.served <= CHUNK_SIZE  # refused on the first chunk, not read to the end
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("x.docx", make_zip("readme.txt")),  # a plain zip
        ("x.docx", make_zip("word/document.xml")),  # no [Content_Types].xml
        ("x.docx", XLSX),
        ("x.xlsx", DOCX),
        ("x.docx", b"PK\x03\x04" + b"not really a zip" * 10),
        ("x.png", PDF),
        ("x.pdf", PNG),
        ("x.jpg", PNG),
        ("x.pdf", DOCX),
        ("x.pdf", b"%PD"),  # shorter than any signature
    ],
)
def test_content_not_matching_extension_is_refused(tmp_path: Path, name: str, data: bytes):
    label = {"docx": "DOCX", "xlsx": "XLSX", "png": "PNG", "pdf": "PDF", "jpg": "JPG"}
    with pytest.raises(UploadRejected) as caught:
        save_upload(io.BytesIO(data), name, tmp_path)
    assert caught.value.message == (
        f"Tệp “{name}” không phải là {label[name.rsplit('.', 1)[1]]} hợp lệ "
        "(nội dung không khớp với phần mở rộng)."
    )
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["x.exe", "x.txt", "x.pdf.exe", "no_extension", "", None, ".pdf"])
def test_unsupported_extension_is_refused(tmp_path: Path, name: str | None):
    with pytest.raises(UploadRejected, match=r"^Chỉ chấp nhận tệp PDF, DOCX, XLSX, JPG, PNG\.$"):
        save_upload(io.BytesIO(PDF), name, tmp_path)
    assert leftovers(tmp_path) == []


def test_empty_file_is_refused(tmp_path: Path):
    with pytest.raises(UploadRejected, match=r"^Tệp rỗng\.$"):
        save_upload(io.BytesIO(b""), "x.pdf", tmp_path)
    assert leftovers(tmp_path) == []


def test_stream_failure_midway_leaves_nothing(tmp_path: Path):
    class Broken(LazyStream):
        def read(self, size: int = -1) -> bytes:
            if self.served:
                raise OSError("client went away")
            return super().read(size)

    with pytest.raises(OSError, match="client went away"):
        save_upload(Broken(PDF, 10 * CHUNK_SIZE), "x.pdf", tmp_path)
    assert leftovers(tmp_path) == []


def test_zip_bomb_is_judged_without_decompressing(tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("word/document.xml", b"\0" * (50 * 1024 * 1024))  # ~50 KB packed
    stored = save_upload(io.BytesIO(buf.getvalue()), "bom.docx", tmp_path, max_bytes=1024**2)
    assert stored.content_type == MIME_DOCX


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\evil.pdf", "evil.pdf"),
        ("C:\\Users\\Lan\\Tài liệu\\Báo cáo quý 1.pdf", "Báo cáo quý 1.pdf"),
        ("/tmp/x.pdf", "x.pdf"),
        ("a\x00b\r\n\tc.pdf", "abc.pdf"),
        ("hóa\u202egnp.pdf", "hóagnp.pdf"),  # right-to-left override stripped
        (unicodedata.normalize("NFD", "Nghị quyết.docx"), "Nghị quyết.docx"),
        ("  nhiều   khoảng  trắng .pdf ", "nhiều khoảng trắng .pdf"),
        ("..", ""),
        ("dir/", ""),
        (None, ""),
    ],
)
def test_sanitize_filename(raw: str | None, clean: str):
    result = sanitize_filename(raw)
    assert result == clean and unicodedata.is_normalized("NFC", result)


def test_sanitize_filename_limits_length_and_keeps_extension():
    result = sanitize_filename("ữ" * 400 + ".docx")
    assert len(result) == 255 and result.endswith("ữ.docx")


def test_traversal_name_is_stored_under_random_key(tmp_path: Path):
    root = tmp_path / "uploads"
    stored = save_upload(io.BytesIO(PDF), "..\\..\\evil.pdf", root)
    assert stored.original_name == "evil.pdf"
    assert [p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")] == ["uploads"] * 3
    assert all("evil" not in p.name for p in root.rglob("*"))


@pytest.mark.parametrize(
    "key",
    [
        "",
        "ab",
        "../" + "0" * 29,
        "0" * 31,
        "0" * 33,
        "A" * 32,  # uppercase is never generated
        "g" * 32,
        "0" * 32 + "\n",
        "/" + "0" * 31,
        "ab/" + "0" * 29,
        None,
    ],
)
def test_path_for_refuses_bad_keys(tmp_path: Path, key: str | None):
    with pytest.raises(InvalidStorageKey):
        path_for(tmp_path, key)  # type: ignore[arg-type]


def test_path_for_good_key(tmp_path: Path):
    key = "0123456789abcdef" * 2
    assert path_for(tmp_path, key) == tmp_path / "01" / key


def test_delete_stored(tmp_path: Path):
    stored = save_upload(io.BytesIO(PNG), "a.png", tmp_path)
    assert delete_stored(tmp_path, stored.storage_key) is True
    assert delete_stored(tmp_path, stored.storage_key) is False
    with pytest.raises(FileNotFoundError):
        open_stored(tmp_path, stored.storage_key)
    with pytest.raises(InvalidStorageKey):
        delete_stored(tmp_path, "../x")


def test_send_stored_is_an_attachment_with_vietnamese_name(tmp_path: Path):
    name = "Báo cáo CCHC quý 1 – Đắk Lắk.pdf"
    stored = save_upload(io.BytesIO(PDF), name, tmp_path)
    app = Flask(__name__)
    with app.test_request_context():
        response = send_stored(tmp_path, stored)
        response.direct_passthrough = False
        body = response.get_data()
        response.close()

    assert body == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''", 1)[1].split(";")[0]
    assert unquote(encoded) == name


def test_send_stored_missing_or_bad_key_is_404(tmp_path: Path):
    app = Flask(__name__)
    missing = StoredFile("0" * 32, "a.pdf", 1, "application/pdf", "")
    bad = StoredFile("../../etc/passwd", "a.pdf", 1, "application/pdf", "")
    with app.test_request_context():
        for stored in (missing, bad):
            with pytest.raises(NotFound):
                send_stored(tmp_path, stored)


def test_constants_and_help_text():
    assert UPLOAD_HELP_TEXT == "PDF, DOCX, XLSX, JPG, PNG; tối đa 20 MB"
    assert help_text(5 * 1024 * 1024) == "PDF, DOCX, XLSX, JPG, PNG; tối đa 5 MB"
    assert set(ALLOWED_KINDS) == {"pdf", "docx", "xlsx", "jpeg", "png"}
    assert ACCEPT_ATTRIBUTE == ".pdf,.docx,.xlsx,.jpg,.jpeg,.png"
    assert [format_size(n) for n in (1000, 1536, 3 * 1024**2 // 2)] == [
        "1000 byte",
        "1,5 KB",
        "1,5 MB",
    ]


def test_invalid_limit_is_a_programming_error(tmp_path: Path):
    with pytest.raises(ValueError, match="max_bytes"):
        save_upload(io.BytesIO(PDF), "a.pdf", tmp_path, max_bytes=0)
