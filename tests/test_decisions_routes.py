"""Decisions through HTTP: permissions (403), bad input, previews, downloads, /verify."""

from __future__ import annotations

import io

import pytest

from cchc_web.core.extensions import db
from cchc_web.decisions import services
from cchc_web.models import Decision, DecisionState

from . import factories
from .decisions_support import pki  # noqa: F401

pytestmark = pytest.mark.usefixtures("commune", "pki")


def _approved() -> Decision:
    decision = factories.make_decision()
    chairman = factories.make_signer(("chairman",))
    services.approve(decision, chairman)
    db.session.commit()
    return decision


@pytest.mark.parametrize("roles", [("staff",), ("staff", "secretariat"), ("head",), ("admin",)])
def test_only_leaders_may_approve_or_return(client, login_as, roles):
    decision = factories.make_decision()
    login_as(*roles)
    assert client.post(f"/decisions/{decision.id}/approve", data={}).status_code == 403
    assert client.post(f"/decisions/{decision.id}/return", data={"comment": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).state == DecisionState.SUBMITTED


def test_chairman_approves_through_the_page(client, login_as):
    decision = factories.make_decision()
    factories.give_certificate(login_as("chairman", office=None))
    page = client.get(f"/decisions/{decision.id}")
    assert "Duyệt và ký ban hành" in page.text
    response = client.post(f"/decisions/{decision.id}/approve", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert "Đã ký ban hành Quyết định số 01/QĐ-UBND" in response.text
    pdf = client.get(f"/decisions/{decision.id}/pdf")
    assert pdf.mimetype == "application/pdf"
    assert "attachment" in pdf.headers["Content-Disposition"]
    assert pdf.data.startswith(b"%PDF")


def test_approving_twice_shows_a_clear_message(client, login_as):
    decision = _approved()
    factories.give_certificate(login_as("vice_chairman", office=None))
    response = client.post(f"/decisions/{decision.id}/approve", data={}, follow_redirects=True)
    assert "đã được ký ban hành" in response.text
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).number == 1


def test_return_needs_a_comment(client, login_as):
    decision = factories.make_decision()
    factories.give_certificate(login_as("vice_chairman", office=None))
    response = client.post(f"/decisions/{decision.id}/return", data={"comment": ""})
    assert response.status_code == 200
    assert "Hãy ghi lý do trả lại" in response.text
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).state == DecisionState.SUBMITTED
    client.post(f"/decisions/{decision.id}/return", data={"comment": "Sửa căn cứ"})
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).state == DecisionState.RETURNED


def test_staff_see_only_issued_decisions(client, login_as):
    draft = factories.make_decision()
    issued = _approved()
    login_as("staff")
    listing = client.get("/decisions/")
    assert issued.number_symbol in listing.text
    assert f"Dự thảo #{draft.id}" not in listing.text
    assert client.get(f"/decisions/{draft.id}").status_code == 403
    assert client.get(f"/decisions/{draft.id}/preview.pdf").status_code == 403
    assert client.get(f"/decisions/{issued.id}/pdf").status_code == 200


def test_preview_is_a_draft_pdf(client, login_as):
    decision = factories.make_decision()
    factories.give_certificate(login_as("chairman", office=None))
    response = client.get(f"/decisions/{decision.id}/preview.pdf")
    assert response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]


def test_secretariat_drafts_edits_and_submits(client, login_as):
    login_as("staff", "secretariat", office="VHXH")
    form = client.get("/decisions/new")
    assert "Quyết định khác" in form.text
    response = client.post("/decisions/new", data={"what": "other"})
    assert response.status_code == 303
    decision = db.session.scalars(db.select(Decision)).one()
    data = {
        "summary": "Về việc thử nghiệm",
        "bases": "Căn cứ Luật Tổ chức chính quyền địa phương ngày 16 tháng 6 năm 2025",
        "articles": "Điều một.\n\nĐiều hai, dòng 1\ndòng 2",
        "recipients": "Như Điều 3\nLưu: VT",
        "appendix_title": "DANH SÁCH",
        "appendix_columns": "TT | Tên | Điểm",
        "appendix_rows": "1 | Một | 85,5\n2 | Hai | 90",
    }
    response = client.post(f"/decisions/{decision.id}/edit", data=data)
    assert response.status_code == 303
    db.session.expire_all()
    decision = db.session.get(Decision, decision.id)
    assert decision.articles == ["Điều một.", "Điều hai, dòng 1\ndòng 2"]
    assert decision.appendix_rows == [[1, "Một", 85.5], [2, "Hai", 90]]
    client.post(f"/decisions/{decision.id}/submit", data={})
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).state == DecisionState.SUBMITTED


def test_bad_edit_keeps_the_text_and_stores_nothing(client, login_as):
    login_as("staff", "secretariat", office="VHXH")
    decision = factories.make_decision(submit=False)
    before = list(decision.articles)
    data = {
        "summary": "Về việc sửa",
        "articles": "Điều mới",
        "appendix_columns": "TT | Tên",
        "appendix_rows": "1 | Một | thừa ô",
    }
    response = client.post(f"/decisions/{decision.id}/edit", data=data)
    assert response.status_code == 200
    assert "Dòng 1 của phụ lục có 3 ô, cần 2 ô" in response.text
    assert "1 | Một | thừa ô" in response.text
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).articles == before
    response = client.post(f"/decisions/{decision.id}/edit", data={**data, "summary": ""})
    assert "Hãy nhập trích yếu" in response.text


def test_new_decision_refuses_an_unknown_kind(client, login_as):
    login_as("staff", "secretariat", office="VHXH")
    response = client.post("/decisions/new", data={"what": "council_establishment:99"})
    assert response.status_code == 200
    assert "Hãy chọn một loại quyết định trong danh sách" in response.text
    assert db.session.scalars(db.select(Decision)).first() is None


def test_chairman_cannot_draft(client, login_as):
    factories.give_certificate(login_as("chairman", office=None))
    assert client.get("/decisions/new").status_code == 403
    assert client.post("/decisions/new", data={"what": "other"}).status_code == 403


# --- /verify: public ------------------------------------------------------------------------


def test_verify_is_public_and_answers_by_number(client):
    decision = _approved()
    response = client.get(f"/verify?number={decision.number}&year={decision.year}")
    assert response.status_code == 200
    assert decision.pdf_sha256 in response.text
    assert "Văn bản này do hệ thống ban hành" in response.text
    assert "Tải bản gốc" not in response.text  # the original is for logged-in users
    missing = client.get(f"/verify?number=77&year={decision.year}")
    assert "không có văn bản số 77/QĐ-UBND" in missing.text


def _upload(client, data: bytes, name: str = "qd.pdf", **fields):
    return client.post(
        "/verify",
        data={"file": (io.BytesIO(data), name), **fields},
        content_type="multipart/form-data",
    )


def test_verify_upload_original_and_altered(client):
    decision = _approved()
    original = db.session.get(Decision, decision.id).pdf
    ok = _upload(client, original)
    assert "còn nguyên vẹn" in ok.text
    assert "2 chữ ký số, tất cả hợp lệ" in ok.text
    # Both signatures are listed: who, in what capacity, valid.
    assert ok.text.count("Hợp lệ</span>") == 2
    assert "Chủ tịch UBND xã Chí Minh" in ok.text and "Đóng dấu của cơ quan" in ok.text
    altered = bytearray(original)
    altered[len(altered) // 2] ^= 0x01
    bad = _upload(client, bytes(altered))
    assert bad.status_code == 200
    assert "đã bị thay đổi" in bad.text


def test_verify_bad_uploads_get_a_message(client):
    assert "không phải là tệp PDF" in _upload(client, b"MZ\x90\x00 not a pdf").text
    corrupt = _upload(client, b"%PDF-1.7\n1 0 obj << >> endobj\n")
    assert corrupt.status_code == 200
    assert "Không đọc được tệp PDF" in corrupt.text
    empty = client.post("/verify", data={}, content_type="multipart/form-data")
    assert "Hãy chọn tệp PDF" in empty.text
    half = client.post("/verify", data={"number": "3"}, content_type="multipart/form-data")
    assert "cả số và năm" in half.text


def test_leader_is_warned_when_the_key_cannot_sign(app, client, login_as):
    from cchc_web.decisions import signing

    decision = factories.make_decision()
    factories.give_certificate(login_as("chairman", office=None))
    good = app.config["CCHC_SIGNING_PASSPHRASE"]
    app.config["CCHC_SIGNING_PASSPHRASE"] = "sai"
    try:
        signing.reload(app)
        page = client.get(f"/decisions/{decision.id}")
        assert "sai mật khẩu" in page.text
        response = client.post(f"/decisions/{decision.id}/approve", data={}, follow_redirects=True)
        assert response.status_code == 200
        assert "sai mật khẩu" in response.text
    finally:
        app.config["CCHC_SIGNING_PASSPHRASE"] = good
        signing.reload(app)
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).state == DecisionState.SUBMITTED


def test_a_forged_host_header_never_reaches_the_signed_qr_code(app, client, login_as, tmp_path):
    """The QR code is built from CCHC_PUBLIC_URL only: a request's Host is never printed."""
    from .decisions_support import qr_codes

    decision = factories.make_decision()
    factories.give_certificate(login_as("chairman", office=None))
    token = client.csrf_token()
    # The browser of this attack holds a real session: the same cookie for the forged host.
    session = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    client.set_cookie(session.key, session.value, domain="evil.example")
    response = client.post(
        f"/decisions/{decision.id}/approve",
        data={"csrf_token": token},
        headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    pdf = db.session.get(Decision, decision.id).pdf
    assert qr_codes(pdf, tmp_path) == [
        f"{app.config['CCHC_PUBLIC_URL']}/verify?number=1&year={decision.year}"
    ]
    assert b"evil.example" not in pdf


def test_a_leader_without_a_certificate_is_told_before_clicking(client, login_as):
    decision = factories.make_decision()
    login_as("vice_chairman", office=None, full_name="Phó Chủ tịch Mới")
    page = client.get(f"/decisions/{decision.id}").text
    assert "Phó Chủ tịch Mới chưa có chứng thư số cá nhân" in page
    response = client.post(f"/decisions/{decision.id}/approve", data={}, follow_redirects=True)
    assert "chưa có chứng thư số cá nhân" in response.text
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).number is None


def test_verify_by_number_lists_who_signed_the_original(client):
    decision = _approved()
    page = client.get(f"/verify?number={decision.number}&year={decision.year}").text
    assert "Chữ ký số của bản gốc" in page
    assert page.count("Hợp lệ</span>") == 2
    assert "Chủ tịch UBND xã Chí Minh" in page and "Đóng dấu của cơ quan" in page
