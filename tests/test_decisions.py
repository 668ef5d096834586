"""Decisions: drafting, approval with numbering, the signed PDF and its verification."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.decisions import certificates, services, signing
from cchc_web.decisions.providers import (
    Draft,
    DraftContent,
    DraftProvider,
    draft_provider,
    draft_providers,
    register_draft_provider,
)
from cchc_web.models import AuditLog, Decision, DecisionCounter, DecisionState

from . import factories
from .decisions_support import pki, qr_codes, run_tool  # noqa: F401

pytestmark = pytest.mark.usefixtures("commune", "pki")


@pytest.fixture
def secretariat():
    return factories.make_user(roles=("staff", "secretariat"), office="VHXH")


@pytest.fixture
def chairman():
    return factories.make_signer(("chairman",), full_name="Trần Quốc Hưng")


@pytest.fixture
def vice():
    return factories.make_signer(("vice_chairman",), full_name="Lê Thị Hoa")


@pytest.fixture
def temporary_provider():
    """Register a provider for a test and put the real one back afterwards."""
    saved = {}

    def register(provider: DraftProvider) -> DraftProvider:
        saved.setdefault(provider.kind.value, draft_provider(provider.kind))
        return register_draft_provider(provider)

    yield register
    for provider in saved.values():
        if provider is not None:
            register_draft_provider(provider)


@pytest.fixture
def approved(secretariat, chairman) -> Decision:
    decision = factories.make_decision(secretariat)
    services.approve(decision, chairman)
    db.session.commit()
    return decision


# --- providers and drafting ------------------------------------------------------------------


def test_a_registered_provider_builds_the_draft_from_its_subject(secretariat, temporary_provider):
    temporary_provider(
        DraftProvider(
            kind="council_establishment",
            label="Thành lập Hội đồng",
            build=lambda sid, _sel: Draft(
                DraftContent(summary=f"Về việc thành lập Hội đồng {sid}", articles=["A"])
            ),
            subject_column="council_id",
            subjects=lambda: [(council_id, "Hội đồng 2025")],
        )
    )
    council_id = factories.make_council(
        factories.make_round(2025), [], open_scoring=False, established=False
    ).id
    decision = services.create_draft("council_establishment", council_id, secretariat)
    assert decision.summary == f"Về việc thành lập Hội đồng {council_id}"
    assert decision.council_id == council_id
    assert decision.issuer_lines == ["ỦY BAN NHÂN DÂN", "XÃ CHÍ MINH"]
    assert decision.issuer_authority == "CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ CHÍ MINH"
    with pytest.raises(DomainError, match="đối tượng"):
        services.create_draft("council_establishment", council_id + 1, secretariat)
    # One draft at a time per subject: the second is refused while the first is open.
    with pytest.raises(DomainError, match="Đã có dự thảo"):
        services.create_draft("council_establishment", council_id, secretariat)


def test_blank_other_decision_and_every_kind_is_registered(secretariat):
    decision = services.create_draft("other", None, secretariat)
    assert decision.state == DecisionState.DRAFT
    assert decision.bases[0].startswith("Căn cứ Luật Tổ chức chính quyền địa phương")
    # Wired, not only written: every kind of the model has a registered provider.
    from cchc_web.models import DecisionKind

    assert {p.kind for p in draft_providers()} == set(DecisionKind)


def test_only_the_secretariat_drafts(chairman):
    with pytest.raises(DomainError):
        services.create_draft("other", None, chairman)


def test_submit_refuses_a_missing_summary_or_an_empty_article(secretariat):
    decision = services.create_draft("other", None, secretariat)
    with pytest.raises(DomainError, match="trích yếu"):
        services.submit(decision, secretariat)
    decision.summary = "Về việc thử"
    decision.articles = ["", *decision.articles]
    with pytest.raises(DomainError, match="để trống"):
        services.submit(decision, secretariat)


def test_return_then_edit_then_submit_again(secretariat, vice):
    decision = factories.make_decision(secretariat)
    with pytest.raises(DomainError, match="lý do"):
        services.return_decision(decision, vice, "  ")
    services.return_decision(decision, vice, "Sửa tên sáng kiến số 2")
    db.session.commit()
    assert decision.state == DecisionState.RETURNED
    edit = services.DecisionEdit(
        summary=decision.summary,
        bases=decision.bases,
        articles=decision.articles,
        recipients=decision.recipients,
        appendix_title=decision.appendix_title,
        appendix_columns=decision.appendix_columns,
        appendix_rows=decision.appendix_rows[:2],
    )
    services.update_draft(decision, edit, secretariat)
    services.submit(decision, secretariat)
    db.session.commit()
    assert decision.state == DecisionState.SUBMITTED
    assert len(decision.appendix_rows) == 2


# --- approval ----------------------------------------------------------------------------------


def test_approval_numbers_signs_freezes_and_audits(approved, chairman):
    assert approved.state == DecisionState.APPROVED
    assert approved.number == 1
    assert approved.number_symbol == "01/QĐ-UBND"
    assert approved.authority_lines == ["CHỦ TỊCH"]
    assert approved.signer_name == "Trần Quốc Hưng"
    pdf = db.session.get(Decision, approved.id).pdf
    assert hashlib.sha256(pdf).hexdigest() == approved.pdf_sha256
    actions = db.session.scalars(
        select(AuditLog.action).where(AuditLog.object_type == "Decision")
    ).all()
    assert "decision.approve" in actions


def test_vice_chairman_signs_for_the_chairman(secretariat, vice):
    decision = factories.make_decision(secretariat)
    services.approve(decision, vice)
    assert decision.authority_lines == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]


def test_numbers_follow_each_other_per_year_and_symbol(secretariat, chairman):
    numbers = []
    for _ in range(3):
        decision = factories.make_decision(secretariat)
        services.approve(decision, chairman)
        db.session.commit()
        numbers.append(decision.number)
    assert numbers == [1, 2, 3]


def test_approving_twice_is_refused_and_changes_nothing(approved, chairman):
    sha, number = approved.pdf_sha256, approved.number
    with pytest.raises(DomainError, match="đã được ký ban hành"):
        services.approve(approved, chairman)
    db.session.rollback()
    fresh = db.session.get(Decision, approved.id)
    assert (fresh.pdf_sha256, fresh.number) == (sha, number)
    assert (
        db.session.get(DecisionCounter, (fresh.commune_id, fresh.year, "QĐ-UBND")).last_number == 1
    )


def test_approving_a_returned_draft_is_refused(secretariat, chairman):
    decision = factories.make_decision(secretariat)
    services.return_decision(decision, chairman, "Chưa đủ căn cứ")
    db.session.commit()
    with pytest.raises(DomainError, match="đã bị trả lại"):
        services.approve(decision, chairman)
    db.session.rollback()
    assert db.session.get(Decision, decision.id).number is None


def test_a_failed_approval_leaves_no_gap(secretariat, chairman, temporary_provider):
    """The kind's state change refusing inside the transaction rolls the number back."""

    def refuse(decision, signer):
        raise DomainError("Không cập nhật được sáng kiến.")

    other = draft_provider("other")
    temporary_provider(DraftProvider(other.kind, other.label, other.build, apply=refuse))
    first = factories.make_decision(secretariat)
    with pytest.raises(DomainError, match="Không cập nhật được"):
        services.approve(first, chairman)
    db.session.rollback()
    register_draft_provider(other)
    assert db.session.get(Decision, first.id).state == DecisionState.SUBMITTED
    second = factories.make_decision(secretariat)
    services.approve(second, chairman)
    db.session.commit()
    assert second.number == 1


def test_the_kind_applies_its_change_with_the_signed_decision(
    secretariat, chairman, temporary_provider
):
    received = []
    other = draft_provider("other")
    temporary_provider(
        DraftProvider(
            other.kind,
            other.label,
            other.build,
            apply=lambda d, signer: received.append((d.number, d.state, signer.id)),
        )
    )
    decision = factories.make_decision(secretariat)
    services.approve(decision, chairman)
    assert received == [(1, "approved", chairman.id)]


# --- who signs: the person's certificate, then the seal -----------------------------------


def test_a_leader_without_a_certificate_signs_nothing(secretariat):
    leader = factories.make_user(roles=("chairman",), office=None, full_name="Trần Văn Mới")
    decision = factories.make_decision(secretariat)
    with pytest.raises(DomainError, match="chưa có chứng thư số cá nhân"):
        services.approve(decision, leader)
    db.session.rollback()
    fresh = db.session.get(Decision, decision.id)
    assert fresh.state == DecisionState.SUBMITTED and fresh.number is None
    assert db.session.scalar(select(func.count()).select_from(DecisionCounter)) == 0


def test_a_vice_chairmans_certificate_cannot_sign_as_chairman(app, secretariat):
    """The capacity comes from the certificate's title, not from the account."""
    from pathlib import Path

    folder = Path(app.config["CCHC_SIGNING_P12"]).parent
    data, passphrase = signing.issue_demo_certificate(
        folder, "Trần Quốc Hưng", "Phó Chủ tịch UBND xã Chí Minh"
    )
    admin = factories.make_user(roles=("admin",), office=None)
    chairman = factories.make_user(roles=("chairman",), office=None, full_name="Trần Quốc Hưng")
    # A Chairman's capacity is refused for a Vice-Chairman's certificate at registration...
    with pytest.raises(DomainError, match="không đăng ký với tư cách Chủ tịch"):
        certificates.register(chairman, data, passphrase.decode(), admin, "chairman")
    # ... and registered as what it is, it does not sign where the Chairman signs.
    certificates.register(chairman, data, passphrase.decode(), admin)
    db.session.commit()
    decision = factories.make_decision(secretariat)
    with pytest.raises(DomainError, match="không ký với tư cách Chủ tịch UBND"):
        services.approve(decision, chairman)
    db.session.rollback()
    assert db.session.get(Decision, decision.id).number is None


def test_registration_refuses_a_wrong_passphrase_and_a_capacity_the_account_lacks(app):
    from pathlib import Path

    folder = Path(app.config["CCHC_SIGNING_P12"]).parent
    data, passphrase = signing.issue_demo_certificate(folder, "Lê Văn Tư", "Chủ tịch UBND xã")
    admin = factories.make_user(roles=("admin",), office=None)
    staff = factories.make_user(roles=("staff",), full_name="Lê Văn Tư")
    with pytest.raises(DomainError, match="sai mật khẩu"):
        certificates.register(staff, data, "sai", admin)
    with pytest.raises(DomainError, match="không giữ chức Chủ tịch"):
        certificates.register(staff, data, passphrase.decode(), admin)
    with pytest.raises(DomainError, match="quản trị"):
        certificates.register(staff, data, passphrase.decode(), staff)


def test_a_stored_passphrase_that_no_longer_opens_refuses_cleanly(app, secretariat, chairman):
    """A changed SECRET_KEY (or a tampered store) refuses with a message, signs nothing."""
    row = certificates.certificate_of(chairman)
    row.passphrase_token = "gAAAAA-not-a-token"
    row.registered_at = row.registered_at.replace(microsecond=1)  # not the cached key
    db.session.commit()
    decision = factories.make_decision(secretariat)
    with pytest.raises(DomainError, match="Không mở được chứng thư số của Trần Quốc Hưng"):
        services.approve(decision, chairman)
    db.session.rollback()
    assert db.session.get(Decision, decision.id).number is None


def test_wrong_passphrase_refuses_approval_with_a_message(app, secretariat, chairman):
    decision = factories.make_decision(secretariat)
    good = app.config["CCHC_SIGNING_PASSPHRASE"]
    app.config["CCHC_SIGNING_PASSPHRASE"] = "sai-mat-khau"
    try:
        state = signing.reload(app)
        assert state.signer is None and "mật khẩu" in state.error
        with pytest.raises(DomainError, match="sai mật khẩu"):
            services.approve(decision, chairman)
        db.session.rollback()
    finally:
        app.config["CCHC_SIGNING_PASSPHRASE"] = good
        signing.reload(app)
    assert db.session.get(Decision, decision.id).state == DecisionState.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(DecisionCounter)) == 0


# --- the signed PDF, read by poppler --------------------------------------------------------


def test_pdf_text_has_the_official_lines_number_and_every_title(approved, tmp_path):
    pdf = db.session.get(Decision, approved.id).pdf
    text = " ".join(run_tool("pdftotext", pdf, tmp_path).split())
    for expected in (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "QUYẾT ĐỊNH",
        "Điều 1.",
        "Số: 01/QĐ-UBND",
        "CHỦ TỊCH",
        "Trần Quốc Hưng",
        "Ký bởi: Trần Quốc Hưng",
    ):
        assert expected in text
    for row in approved.appendix_rows:
        assert row[1] in text


def test_pdf_fonts_are_all_embedded(approved, tmp_path):
    pdf = db.session.get(Decision, approved.id).pdf
    rows = run_tool("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert rows
    for row in rows:
        assert row.split()[-5] == "yes", row  # the "emb" column


def test_pdfsig_reports_two_valid_signatures_the_person_then_the_seal(approved, tmp_path):
    pdf = db.session.get(Decision, approved.id).pdf
    report = run_tool("pdfsig", pdf, tmp_path)
    assert "Signature #1" in report and "Signature #2" in report
    assert report.count("Signature is Valid") == 2
    assert "Trần Quốc Hưng" in report  # the Chairman's own certificate
    assert "UBND Xã Chí Minh" in report  # the commune's seal


def test_the_qr_code_leads_to_the_configured_public_address(app, approved, tmp_path):
    pdf = db.session.get(Decision, approved.id).pdf
    codes = qr_codes(pdf, tmp_path)
    assert codes == [f"{app.config['CCHC_PUBLIC_URL']}/verify?number=1&year={approved.year}"]


# --- verification -------------------------------------------------------------------------------


def test_verify_original_file(approved):
    pdf = db.session.get(Decision, approved.id).pdf
    result = services.verify(pdf, None, None)
    assert result.issued_here and result.hash_matches and not result.altered
    assert result.signature.valid
    people = [(s.signer, s.title, s.valid) for s in result.signature.signatures]
    assert people == [
        ("Trần Quốc Hưng", "Chủ tịch UBND xã Chí Minh", True),
        ("UBND Xã Chí Minh", "", True),
    ]


def test_verify_one_changed_byte_is_altered(approved):
    pdf = bytearray(db.session.get(Decision, approved.id).pdf)
    middle = len(pdf) // 3
    pdf[middle] = (pdf[middle] + 1) % 256
    result = services.verify(bytes(pdf), None, None)
    assert result.altered
    assert result.hash_matches is False


def test_verify_bytes_appended_after_signing_is_altered(approved):
    pdf = db.session.get(Decision, approved.id).pdf + b"\n% appended\n"
    result = services.verify(pdf, None, None)
    assert result.altered
    assert result.decision is not None and result.decision.id == approved.id
    assert not result.signature.signatures[-1].whole_file


def test_verify_by_number_and_year(approved):
    found = services.verify(None, approved.number, approved.year)
    assert found.decision.id == approved.id and not found.not_found
    assert services.verify(None, 99, approved.year).not_found


def test_verify_rejects_non_pdf_and_corrupt_pdf():
    with pytest.raises(DomainError, match="không phải là tệp PDF"):
        services.verify(b"hello world", None, None)
    with pytest.raises(DomainError, match="Không đọc được"):
        services.verify(b"%PDF-1.7\n garbage without objects", None, None)


def test_verify_unsigned_pdf_says_so():
    from cchc_web.documents import OfficialDocument, Paragraph, render

    pdf = render(OfficialDocument(body=[Paragraph("Văn bản không ký")])).pdf
    result = services.verify(pdf, None, None)
    assert not result.issued_here
    assert not result.signature.present


def test_upload_helper_is_bytes(approved):
    # Routes hand the service the upload's bytes; a file object would not be hashed.
    data = io.BytesIO(db.session.get(Decision, approved.id).pdf).read()
    assert services.verify(data, None, None).hash_matches


# --- the nomination dossier (Tờ trình to the city) -----------------------------------------


def _nominate(secretariat, temporary_provider) -> Decision:
    from cchc_web.decisions.texts import nomination_content

    items = [
        {
            "title": f"Mã QR tra cứu thủ tục {i}",
            "authors": ["Ngô Thị Thu"],
            "office": "Trung tâm Phục vụ hành chính công",
            "field": "Cải cách thủ tục hành chính",
            "solution": f"Dán mã QR tại quầy; người dân quét để xem hồ sơ cần chuẩn bị ({i}).",
            "effectiveness": "Giảm 40% hồ sơ phải bổ sung trong 3 tháng áp dụng.",
        }
        for i in (1, 2)
    ]
    round_id = factories.make_round(2025).id
    temporary_provider(
        DraftProvider(
            kind="nomination_dossier",
            label="Tờ trình đề nghị công nhận cấp thành phố",
            build=lambda _sid, _sel: Draft(
                nomination_content("Xã Chí Minh", "Thành phố Hải Phòng", 2025, items)
            ),
            subject_column="round_id",
            subjects=lambda: [(round_id, "Đợt 2025")],
        )
    )
    decision = services.create_draft("nomination_dossier", round_id, secretariat)
    services.submit(decision, secretariat)
    return decision


def test_nomination_dossier_is_a_signed_to_trinh_in_its_own_series(
    secretariat, chairman, approved, tmp_path, temporary_provider
):
    dossier = _nominate(secretariat, temporary_provider)
    services.approve(dossier, chairman)
    db.session.commit()
    assert dossier.number_symbol == "01/TTr-UBND"  # its own series beside 01/QĐ-UBND
    assert dossier.display_name == "Tờ trình số 01/TTr-UBND"
    assert dossier.authority_lines == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    pdf = db.session.get(Decision, dossier.id).pdf
    text = " ".join(run_tool("pdftotext", pdf, tmp_path).split())
    assert "TỜ TRÌNH" in text
    assert "Kính gửi: Ủy ban nhân dân thành phố Hải Phòng." in text
    assert "Số: 01/TTr-UBND" in text
    assert "QUYẾT ĐỊNH:" not in text and "Điều 1." not in text
    assert "Mã QR tra cứu thủ tục 2" in text
    assert "Giảm 40% hồ sơ phải bổ sung" in text
    assert "(Kèm theo Tờ trình số 01/TTr-UBND" in text
    assert run_tool("pdfsig", pdf, tmp_path).count("Signature is Valid") == 2
    found = services.verify(None, 1, dossier.year, "TTr-UBND")
    assert found.decision.id == dossier.id
