"""/verify bounded (issue 15): a 2.4 MB PDF whose /AcroForm /Fields repeats `5 0 R` 400,000
times cost 44.6 s of pyHanko; now it is refused in milliseconds. Issued bytes are looked up by
SHA-256 before any parsing, any other file is checked in a child process with a time and a
memory limit, and anonymous posts are rate-limited per address."""

from __future__ import annotations

import io
import time

import pytest

from cchc_web.core import sandbox
from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.decisions import guard, signing
from cchc_web.models import Decision

from . import factories
from .decisions_support import pki  # noqa: F401


def fields_bomb(count: int = 400_000) -> bytes:
    """The issue's PDF: a catalog whose AcroForm lists one field `count` times."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
        b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
        b"<< /Fields [" + b"5 0 R " * count + b"] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        b"<< /FT /Sig /T (Chu ky) /V 6 0 R >>",
        b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /adbe.pkcs7.detached "
        b"/ByteRange [0 0 0 0] /Contents <00> >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _upload(client, data: bytes, address: str = "10.5.5.5"):
    return client.post(
        "/verify",
        data={"file": (io.BytesIO(data), "qd.pdf")},
        content_type="multipart/form-data",
        environ_base={"REMOTE_ADDR": address},
    )


def test_the_400000_field_pdf_is_refused_within_a_second(client):
    bomb = fields_bomb()
    assert 2_000_000 < len(bomb) < 2_600_000
    started = time.perf_counter()
    response = _upload(client, bomb)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert "cấu trúc bất thường" in response.text
    assert elapsed < 1, elapsed


def test_structure_scan_counts_without_parsing():
    assert guard.structure_problem(fields_bomb(150_000)) == guard.TOO_COMPLEX
    assert guard.structure_problem(fields_bomb(1_000)) is None


@pytest.mark.usefixtures("pki")
def test_an_issued_decision_is_recognised_by_its_hash_before_any_parsing(
    client, commune, monkeypatch
):
    decision = factories.make_decision()
    from cchc_web.decisions import services

    services.approve(decision, factories.make_signer(("chairman",)))
    db.session.commit()
    original = db.session.get(Decision, decision.id).pdf
    forks = []
    real = sandbox.run_limited
    monkeypatch.setattr(guard, "run_limited", lambda *a, **k: forks.append(1) or real(*a, **k))
    response = _upload(client, original)
    assert "còn nguyên vẹn" in response.text and "2 chữ ký số, tất cả hợp lệ" in response.text
    assert forks == []  # issued bytes: validated directly, no sandbox needed
    altered = bytearray(original)
    altered[len(altered) // 2] ^= 0x01
    response = _upload(client, bytes(altered))
    assert "đã bị thay đổi" in response.text
    assert forks == [1]  # an unknown file goes through the limited child process


def test_a_pdf_that_takes_too_long_is_stopped_at_the_time_limit(client, app, monkeypatch):
    def slow_check(pdf: bytes):
        while True:  # what a pathological parse looks like from outside
            pass

    monkeypatch.setattr(signing, "check_signature", slow_check)
    monkeypatch.setitem(app.config, "VERIFY_TIME_LIMIT", 0.5)
    started = time.perf_counter()
    response = _upload(client, b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n")
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    assert "quá nhiều thời gian hoặc bộ nhớ" in response.text
    assert elapsed < 1.5, elapsed


def test_sandbox_limits_time_memory_and_reports_errors():
    started = time.perf_counter()
    with pytest.raises(sandbox.LimitExceeded) as late:
        sandbox.run_limited(time.sleep, 10, timeout=0.3, memory_mb=64)
    assert late.value.kind == "time" and time.perf_counter() - started < 1

    def hog():
        return bytearray(512 * 1024 * 1024)

    with pytest.raises(sandbox.LimitExceeded) as hungry:
        sandbox.run_limited(hog, timeout=5, memory_mb=64)
    assert hungry.value.kind == "memory"

    def bad():
        raise ValueError("not a PDF")

    with pytest.raises(ValueError, match="not a PDF"):
        sandbox.run_limited(bad, timeout=5, memory_mb=64)
    assert sandbox.run_limited(sum, [1, 2, 3], timeout=5, memory_mb=64) == 6


def test_check_uploaded_turns_limits_into_a_vietnamese_refusal(app, monkeypatch):
    monkeypatch.setattr(
        guard, "run_limited", lambda *a, **k: (_ for _ in ()).throw(sandbox.LimitExceeded("memory"))
    )
    with pytest.raises(DomainError, match="quá nhiều thời gian hoặc bộ nhớ") as refused:
        guard.check_uploaded(b"%PDF-1.7\n%%EOF\n", issued=False)
    assert refused.value.field == "file"


def test_files_over_the_limit_are_refused_unread(client, app):
    limit = app.config["VERIFY_MAX_BYTES"]
    assert limit == 4 * 1024 * 1024
    response = _upload(client, b"%PDF-1.7\n" + b"0" * limit)
    assert "Tệp lớn hơn 4 MB" in response.text


def test_anonymous_posts_are_rate_limited_per_address(client, app, monkeypatch, login_as):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "3 per minute")
    pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n"
    statuses = [_upload(client, pdf, "10.7.7.7").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = _upload(client, pdf, "10.7.7.7")
    assert "quá nhiều tệp để kiểm tra" in refused.text and "Retry-After" in refused.headers
    assert _upload(client, pdf, "10.7.7.8").status_code == 200  # another address is not slowed
    assert client.get("/verify", environ_base={"REMOTE_ADDR": "10.7.7.7"}).status_code == 200
    login_as("staff")
    assert _upload(client, pdf, "10.7.7.7").status_code == 200  # signed-in staff are not limited
