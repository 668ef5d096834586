"""The recognition chain's joints: each Decision built from its subject, signing it changes
what it decides (and nothing else does), and every refusal of the issue's "Bad input" list."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.council import services as council_ops
from cchc_web.decisions import services as decisions
from cchc_web.models import (
    Decision,
    DecisionCounter,
    DecisionKind,
    Initiative,
    InitiativeState,
)
from cchc_web.models.plans import Plan

from . import factories
from .decisions_support import pki, run_tool  # noqa: F401

pytestmark = pytest.mark.usefixtures("commune", "pki")


@pytest.fixture
def secretariat():
    return factories.make_user(roles=("staff", "secretariat"), office="VHXH")


@pytest.fixture
def chairman():
    return factories.make_signer(("chairman",), full_name="Trần Quốc Hưng")


@pytest.fixture
def vice():
    return factories.make_signer(("vice_chairman",), full_name="Lê Thị Thanh Hoa")


def composed_council(rnd=None):
    """A composing council: chair, secretary, two members (VP and KT heads)."""
    rnd = rnd or factories.make_round(2025)
    chair = factories.make_user(roles=("vice_chairman",), office=None, full_name="Lê Hoa")
    people = [
        (chair, "chair"),
        (factories.make_user(roles=("head",), office="VHXH", full_name="Đỗ Hương"), "secretary"),
        (factories.make_user(roles=("head",), office="VP", full_name="Phạm Minh"), "member"),
        (factories.make_user(roles=("head",), office="KT", full_name="Hoàng Nam"), "member"),
    ]
    council = factories.make_council(rnd, people, open_scoring=False, established=False)
    return council, people


def closed_council(results=None):
    """A closed council whose results recommend HCC's and VP's initiatives, not KT's."""
    rnd = factories.make_round(2025)
    initiatives = {
        code: factories.make_initiative(rnd, code, title=title, state="accepted")
        for code, title in (
            ("HCC", "Số hóa hồ sơ tại Trung tâm HCC"),
            ("VP", "Nhắc lịch hẹn qua Zalo OA"),
            ("KT", "Thu phí chợ bằng mã QR"),
        )
    }
    chair = factories.make_user(roles=("vice_chairman",), office=None)
    members = [
        (chair, "chair"),
        (factories.make_user(roles=("head",), office="VHXH"), "secretary"),
        (factories.make_user(roles=("head",), office="QS"), "member"),
    ]
    council = factories.make_council(rnd, members)
    points = results or {
        "HCC": (27, 35, 26, True),
        "VP": (22, 30, 23, True),
        "KT": (5, 10, 8, False),
    }
    for user, _position in members:
        for code, (n, e, a, yes) in points.items():
            factories.score_as(council, user, initiatives[code], n, e, a, yes)
    council_ops.close_scoring(council, chair)
    db.session.commit()
    return council, initiatives


def approve(decision, leader):
    decisions.approve(decision, leader)
    db.session.commit()
    return decision


# -- establishment ------------------------------------------------------------------------------
def test_establishment_is_drafted_from_the_members_and_signing_establishes(secretariat, chairman):
    council, _people = composed_council()
    draft = decisions.create_draft(DecisionKind.COUNCIL_ESTABLISHMENT, council.id, secretariat)
    assert draft.council_id == council.id and draft.locked_articles == 1
    lines = draft.articles[0].splitlines()
    assert lines[1].startswith("1. Ông (bà) Lê Hoa") and lines[1].endswith("Chủ tịch Hội đồng;")
    assert lines[2].startswith("2. Ông (bà) Đỗ Hương") and "Thư ký Hội đồng" in lines[2]
    assert "Hoàng Nam" in lines[4] and "Phạm Minh" in lines[3]
    decisions.submit(draft, secretariat)
    assert council.state == "composing"  # submitting changes nothing
    approve(draft, chairman)
    assert council.state == "established" and council.decision_id == draft.id
    assert (
        council.establishment_label == f"Quyết định số 01/QĐ-UBND ngày {draft.issued_on:%d/%m/%Y}"
    )


def test_members_changed_after_drafting_refuse_submission_until_refreshed(secretariat):
    council, _people = composed_council()
    draft = decisions.create_draft(DecisionKind.COUNCIL_ESTABLISHMENT, council.id, secretariat)
    draft.articles = [*draft.articles, "Điều do Thường trực viết thêm."]
    newcomer = factories.make_user(roles=("head",), office="HCC", full_name="Ngô Thu")
    council_ops.add_member(council, newcomer, "member", secretariat)
    with pytest.raises(DomainError, match="Cập nhật theo dữ liệu"):
        decisions.submit(draft, secretariat)
    decisions.refresh_from_source(draft, secretariat)
    assert "Ngô Thu" in draft.articles[0]
    assert draft.articles[-1] == "Điều do Thường trực viết thêm."  # own edits stay
    decisions.submit(draft, secretariat)
    assert draft.state == "submitted"


def test_returned_establishment_changes_nothing_and_a_returned_draft_is_not_signed(
    secretariat, chairman
):
    council, _people = composed_council()
    draft = decisions.create_draft(DecisionKind.COUNCIL_ESTABLISHMENT, council.id, secretariat)
    decisions.submit(draft, secretariat)
    decisions.return_decision(draft, chairman, "Bổ sung một ủy viên của HCC.")
    db.session.commit()
    assert council.state == "composing" and council.decision_id is None
    with pytest.raises(DomainError, match="đã bị trả lại"):
        decisions.approve(draft, chairman)


def test_scoring_opens_only_after_the_signed_decision(secretariat, chairman):
    council, _people = composed_council()
    with pytest.raises(DomainError, match="chưa được thành lập"):
        council_ops.open_scoring(council, secretariat)
    draft = decisions.create_draft(DecisionKind.COUNCIL_ESTABLISHMENT, council.id, secretariat)
    decisions.submit(draft, secretariat)
    with pytest.raises(DomainError, match="chưa được thành lập"):
        council_ops.open_scoring(council, secretariat)
    approve(draft, chairman)
    council_ops.open_scoring(council, secretariat)
    assert council.state == "scoring"


def test_the_database_refuses_an_established_council_without_a_decision(secretariat):
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    council, _people = composed_council()
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE councils SET state = 'scoring' WHERE id = :i"), {"i": council.id}
        )
        db.session.flush()
    db.session.rollback()


# -- recognition --------------------------------------------------------------------------------
def test_recognition_lists_exactly_the_recommended_and_signing_recognises_them(
    secretariat, vice, tmp_path
):
    council, initiatives = closed_council()
    draft = decisions.create_draft(DecisionKind.INITIATIVE_RECOGNITION, council.id, secretariat)
    assert [i.initiative.office.code for i in draft.items] == ["HCC", "VP"]
    assert "Công nhận 02 sáng kiến" in draft.articles[0]
    assert [row[1] for row in draft.appendix_rows] == [
        "Số hóa hồ sơ tại Trung tâm HCC",
        "Nhắc lịch hẹn qua Zalo OA",
    ]
    assert initiatives["HCC"].state == "recommended"  # a draft changes nothing
    decisions.submit(draft, secretariat)
    approve(draft, vice)
    for code in ("HCC", "VP"):
        assert initiatives[code].state == "recognised"
        assert initiatives[code].recognition_decision == draft
    assert initiatives["KT"].state == "not_recommended"
    text = " ".join(run_tool("pdftotext", draft.pdf, tmp_path).split())
    assert "Số hóa hồ sơ tại Trung tâm HCC" in text and "Nhắc lịch hẹn qua Zalo OA" in text
    assert "KT. CHỦ TỊCH" in text
    report = run_tool("pdfsig", draft.pdf, tmp_path)
    assert report.count("Signature is Valid") == 2 and "Lê Thị Thanh Hoa" in report
    from cchc_web.initiatives import services as initiative_ops

    emulation = {r.office.code: r.recognised for r in initiative_ops.emulation_table(2025)}
    assert (emulation["HCC"], emulation["VP"], emulation["KT"]) == (1, 1, 0)


def test_a_dropped_row_needs_a_reason_and_is_not_recognised(secretariat, chairman):
    council, initiatives = closed_council()
    draft = decisions.create_draft(DecisionKind.INITIATIVE_RECOGNITION, council.id, secretariat)
    vp = initiatives["VP"]
    with pytest.raises(DomainError, match="lý do"):
        decisions.drop_item(draft, vp.id, "  ", secretariat)
    decisions.drop_item(draft, vp.id, "Trùng với sáng kiến đã công nhận năm 2024.", secretariat)
    assert "Công nhận 01 sáng kiến" in draft.articles[0]
    assert [row[1] for row in draft.appendix_rows] == ["Số hóa hồ sơ tại Trung tâm HCC"]
    with pytest.raises(DomainError, match="ít nhất một sáng kiến"):
        decisions.drop_item(draft, initiatives["HCC"].id, "Thử bỏ hết", secretariat)
    decisions.submit(draft, secretariat)
    approve(draft, chairman)
    assert initiatives["HCC"].state == "recognised"
    assert vp.state == "not_recognised" and vp.recognition_decision == draft


def test_an_initiative_the_council_did_not_recommend_cannot_be_added(client, login_as, secretariat):
    council, initiatives = closed_council()
    draft = decisions.create_draft(DecisionKind.INITIATIVE_RECOGNITION, council.id, secretariat)
    db.session.commit()
    kt = initiatives["KT"]
    with pytest.raises(DomainError, match="không có trong văn bản"):
        decisions.drop_item(draft, kt.id, "x", secretariat)
    with pytest.raises(DomainError, match="không bị bỏ"):
        decisions.restore_item(draft, kt.id, secretariat)
    # The edit form cannot carry rows into a generated appendix either.
    login_as("staff", "secretariat", office="VHXH")
    client.post(
        f"/decisions/{draft.id}/edit",
        data={
            "summary": draft.summary,
            "articles": "Điều thêm.",
            "appendix_title": "X",
            "appendix_columns": "TT | Tên",
            "appendix_rows": f"3 | {kt.title}",
        },
    )
    db.session.expire_all()
    fresh = db.session.get(Decision, draft.id)
    assert kt.title not in str(fresh.appendix_rows) and len(fresh.items) == 2
    assert fresh.articles[0].startswith("Công nhận 02 sáng kiến")  # the locked article stays


def test_the_initiative_page_shows_the_council_result_only_once_scoring_closed(client, login_as):
    """The initiatives never import the council: the council registers who knows the result."""
    login_as("staff", "secretariat", office="VHXH")
    rnd = factories.make_round(2024)
    scoring = factories.make_initiative(rnd, "HCC", title="Số hóa hồ sơ", state="accepted")
    people = [
        (factories.make_user(roles=("vice_chairman",), office=None), "chair"),
        (factories.make_user(roles=("head",), office="VHXH"), "secretary"),
        (factories.make_user(roles=("head",), office="QS"), "member"),
    ]
    factories.make_council(rnd, people)  # scoring, not closed: no result yet
    db.session.commit()
    assert "Kết quả Hội đồng" not in client.get(f"/initiatives/{scoring.id}").get_data(True)

    _council, initiatives = closed_council()
    hcc, kt = initiatives["HCC"], initiatives["KT"]
    page = client.get(f"/initiatives/{hcc.id}").get_data(as_text=True)
    assert "Kết quả Hội đồng" in page and "hạng 1" in page and "Đề nghị công nhận" in page
    page = client.get(f"/initiatives/{kt.id}").get_data(as_text=True)
    assert "Kết quả Hội đồng" in page and "Không đề nghị" in page


def test_recognition_for_a_council_that_is_not_closed_is_refused(secretariat, chairman):
    council, initiatives = closed_council()
    draft = decisions.create_draft(DecisionKind.INITIATIVE_RECOGNITION, council.id, secretariat)
    decisions.submit(draft, secretariat)
    council.state = "scoring"  # reopened behind the Decision's back
    db.session.commit()
    with pytest.raises(DomainError, match="chưa kết thúc chấm điểm"):
        decisions.approve(draft, chairman)
    db.session.rollback()
    assert db.session.get(Decision, draft.id).number is None
    assert db.session.scalar(select(func.count()).select_from(DecisionCounter)) == 0
    assert initiatives["HCC"].state == "recommended"
    with pytest.raises(DomainError, match="đối tượng"):
        open_council, _ = composed_council(factories.make_round(2024))
        decisions.create_draft(DecisionKind.INITIATIVE_RECOGNITION, open_council.id, secretariat)


# -- nomination ---------------------------------------------------------------------------------
def recognised(secretariat, leader):
    council, initiatives = closed_council()
    draft = decisions.create_draft(DecisionKind.INITIATIVE_RECOGNITION, council.id, secretariat)
    decisions.submit(draft, secretariat)
    approve(draft, leader)
    return council, initiatives


def test_the_chairman_picks_and_signs_the_nomination_and_downloads_the_dossier(
    client, login_as, secretariat, chairman, tmp_path
):
    council, initiatives = recognised(secretariat, chairman)
    rnd = council.round
    with client.session_transaction() as sess:
        sess["_user_id"] = str(chairman.id)
    page = client.get(f"/initiatives/rounds/{rnd.id}/nominate")
    assert "Số hóa hồ sơ tại Trung tâm HCC" in page.text and "Thu phí chợ" not in page.text
    # An unrecognised initiative's id posted anyway is refused, nothing is drafted.
    refused = client.post(
        f"/initiatives/rounds/{rnd.id}/nominate", data={"initiatives": [initiatives["KT"].id]}
    )
    assert refused.status_code == 200
    assert "Chỉ đề nghị cấp thành phố được sáng kiến đã được công nhận" in refused.text
    nominations = select(func.count()).where(Decision.kind == "nomination_dossier")
    assert db.session.scalar(nominations) == 0
    response = client.post(
        f"/initiatives/rounds/{rnd.id}/nominate", data={"initiatives": [initiatives["HCC"].id]}
    )
    assert response.status_code == 303
    nomination = db.session.scalars(
        select(Decision).where(Decision.kind == "nomination_dossier")
    ).one()
    assert nomination.state == "submitted"  # the leader's own proposal waits for signature
    assert client.post(f"/decisions/{nomination.id}/approve", data={}).status_code == 303
    db.session.expire_all()
    hcc = db.session.get(Initiative, initiatives["HCC"].id)
    assert hcc.state == InitiativeState.NOMINATED and hcc.nomination_decision_id == nomination.id
    assert db.session.get(Initiative, initiatives["VP"].id).state == "recognised"
    archive = client.get(f"/initiatives/nominations/{nomination.id}/dossier.zip")
    assert archive.headers["Cache-Control"] == "private, no-store"
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    issued = nomination.issued_on.year
    assert names[:2] == [f"01-To-trinh-01-{issued}.pdf", f"02-Quyet-dinh-cong-nhan-01-{issued}.pdf"]
    assert names[2].startswith("03-01-Bao-cao-mo-ta-So-hoa-ho-so")
    merged = client.get(f"/initiatives/nominations/{nomination.id}/dossier.pdf")
    text = " ".join(run_tool("pdftotext", merged.data, tmp_path).split())
    assert "TỜ TRÌNH" in text and "Số hóa hồ sơ tại Trung tâm HCC" in text
    assert "BÁO CÁO MÔ TẢ SÁNG KIẾN" in text.upper()
    # Office staff may not download the dossier.
    login_as("staff", office="HCC")
    assert client.get(f"/initiatives/nominations/{nomination.id}/dossier.zip").status_code == 403


def test_nominating_before_recognition_offers_nothing(client, secretariat):
    council, initiatives = closed_council()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(secretariat.id)
    page = client.get(f"/initiatives/rounds/{council.round_id}/nominate")
    assert "chưa có sáng kiến nào được công nhận cấp xã" in page.text
    with pytest.raises(DomainError, match="đối tượng"):
        decisions.create_draft(
            DecisionKind.NOMINATION_DOSSIER,
            council.round_id,
            secretariat,
            picked=[initiatives["HCC"].id],
        )


# -- plan approval --------------------------------------------------------------------------------
def test_the_plan_is_issued_by_its_signed_document(secretariat, vice, tmp_path):
    plan = factories.make_plan(status="draft")
    factories.make_task(plan, code="1.1", lead="VP")
    factories.make_task(plan, code="3.2", lead="HCC", coordinating=("VP",))
    db.session.commit()
    draft = decisions.create_draft(DecisionKind.PLAN_APPROVAL, plan.id, secretariat)
    assert draft.doc_type == "Kế hoạch" and draft.symbol == "KH-UBND"
    assert [row[0] for row in draft.appendix_rows] == ["1.1", "3.2"]
    assert plan.status == "draft"
    decisions.submit(draft, secretariat)
    approve(draft, vice)
    plan = db.session.get(Plan, plan.id)
    assert plan.status == "active" and plan.decision_id == draft.id
    assert plan.doc_number == "01/KH-UBND" and plan.doc_date == draft.issued_on
    text = " ".join(run_tool("pdftotext", draft.pdf, tmp_path).split())
    assert "KẾ HOẠCH" in text and "TM. ỦY BAN NHÂN DÂN" in text and "KT. CHỦ TỊCH" in text
    assert "QUYẾT ĐỊNH:" not in text and "I. MỤC TIÊU" in text


# -- who may draft, and the pages -----------------------------------------------------------------
def test_new_decision_page_offers_each_subject_waiting_for_one(client, login_as, secretariat):
    council, _people = composed_council()
    login_as("staff", "secretariat", office="VHXH")
    page = client.get("/decisions/new").text
    assert "Thành lập Hội đồng đánh giá sáng kiến Hội đồng đánh giá sáng kiến năm 2025" in page
    response = client.post("/decisions/new", data={"what": f"council_establishment:{council.id}"})
    assert response.status_code == 303
    # Once drafted, the council is no longer offered (one draft at a time).
    assert f"council_establishment:{council.id}" not in client.get("/decisions/new").text


def test_a_signed_recognition_links_a_reader_only_to_what_they_may_open(
    client, login_as, secretariat, vice
):
    """`make soak` followed every link a page shows: an office's staff reading the signed
    recognition Decision were offered the council and other offices' initiatives, and got 403.
    The titles stay; a link is there only when it opens."""
    import re

    council, initiatives = recognised(secretariat, vice)
    decision = initiatives["HCC"].recognition_decision
    login_as("staff", office="CA")
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert "Số hóa hồ sơ tại Trung tâm HCC" in page and "Nhắc lịch hẹn qua Zalo OA" in page
    assert f"/council/{council.id}" not in page
    assert f'/initiatives/{initiatives["HCC"].id}"' not in page
    links = set(re.findall(r'href="(/(?:decisions|council|initiatives)/[^"#]*)"', page))
    assert links, "the page links somewhere"
    for link in links:
        assert client.get(link).status_code != 403, link
    login_as("staff", office="HCC")  # its own initiative opens
    page = client.get(f"/decisions/{decision.id}").get_data(as_text=True)
    assert f'/initiatives/{initiatives["HCC"].id}"' in page
