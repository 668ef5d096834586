"""The satisfaction survey's rules (issue 19), service by service: the questionnaire's
versions, answers refused whole or stored once, receipts' one-time codes, the figures and
their interval, feedback routing, corrections, and objectives computed from the answers."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError, FieldErrors
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models import AuditLog
from cchc_web.models.plans import ObjectiveValue
from cchc_web.models.sipas import (
    FeedbackItem,
    SurveyAnswer,
    SurveyResponse,
    SurveyVersion,
)
from cchc_web.plans import services as plans
from cchc_web.sipas import objectives, results
from cchc_web.sipas import services as sipas

from . import factories
from .factories import answers_for, submit


@pytest.fixture
def version(commune):
    return factories.sipas_setup()


@pytest.fixture
def kiosk(version):
    return factories.make_kiosk()


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- the questionnaire -------------------------------------------------------------------------
def test_default_questionnaire_follows_sipas_five_aspects(version):
    assert [a.title for a in version.aspects] == [
        "Tiếp cận dịch vụ",
        "Thủ tục hành chính",
        "Công chức trực tiếp giải quyết công việc",
        "Kết quả giải quyết thủ tục hành chính",
        "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
    ]
    assert (
        version.scale_labels[0] == "Rất không hài lòng"
        and version.scale_labels[4] == "Rất hài lòng"
    )
    assert not any(q.required for q in version.aspects[4].questions)  # only who made one judges
    with pytest.raises(DomainError):
        sipas.install_default_questionnaire()


def test_editing_makes_a_new_version_and_answers_keep_theirs(version, kiosk, login_as):
    secretary = login_as("staff", "secretariat", office="VHXH")
    first = submit(version, answers_for(version, 5), kiosk=kiosk)
    draft = sipas.start_draft(secretary)
    data = sipas.data_of(draft)
    data.aspects[0].questions[0].text = "Nơi chờ có đủ ghế, nước uống, quạt mát"
    sipas.save_draft(draft, data, secretary)
    db.session.commit()
    # Meanwhile the kiosk still answers the version in use.
    assert sipas.published_version().id == version.id
    second = submit(version, answers_for(version, 4), kiosk=kiosk)
    sipas.publish(draft, secretary)
    db.session.commit()
    assert sipas.published_version().id == draft.id
    db.session.refresh(version)
    assert version.status == "retired"
    # A form shown before the change, sent after it: kept with its own version's questions.
    late = submit(version, answers_for(version, 3), kiosk=kiosk)
    for response in (first, second, late):
        assert response.version_id == version.id
        assert {a.question.aspect.version_id for a in response.answers} == {version.id}
    with pytest.raises(DomainError, match="không sửa được"):
        sipas.save_draft(version, sipas.data_of(version), secretary)
    assert count(SurveyVersion) == 2
    assert (
        db.session.scalar(
            select(func.count()).where(AuditLog.action == "sipas.questionnaire.publish")
        )
        == 1
    )


def test_a_draft_is_never_answered(version, kiosk, login_as):
    secretary = login_as("staff", "secretariat", office="VHXH")
    draft = sipas.start_draft(secretary)
    db.session.commit()
    with pytest.raises(DomainError, match="không còn hợp lệ"):
        submit(draft, answers_for(draft, 5), kiosk=kiosk)


def test_questionnaire_problems_are_reported_together(version, login_as):
    secretary = login_as("staff", "secretariat", office="VHXH")
    draft = sipas.start_draft(secretary)
    data = sipas.QuestionnaireData(title="", intro="", scale=["a", "", "c", "d", "e"], aspects=[])
    with pytest.raises(FieldErrors) as refused:
        sipas.save_draft(draft, data, secretary)
    assert set(refused.value.errors) == {"title", "scale_1", "content"}


# -- answering ---------------------------------------------------------------------------------
def test_a_missing_required_answer_or_a_value_off_the_scale_refuses_the_whole_response(
    version, kiosk
):
    ratings = answers_for(version, 5)
    first, second = list(ratings)[:2]
    ratings[first] = ""
    ratings[second] = "7"
    with pytest.raises(FieldErrors) as refused:
        submit(version, ratings, kiosk=kiosk)
    db.session.rollback()
    assert refused.value.errors[f"q{first}"].startswith("Xin Ông/Bà chọn")
    assert "từ 1 đến 5" in refused.value.errors[f"q{second}"]
    assert count(SurveyResponse) == 0 and count(SurveyAnswer) == 0


def test_suggestion_too_long_phone_without_consent(version, kiosk):
    with pytest.raises(FieldErrors) as refused:
        submit(version, answers_for(version, 4), kiosk=kiosk, suggestion="x" * 100_000,
               phone="0912 345 678")  # fmt: skip
    assert "2.000" in refused.value.errors["suggestion"]
    assert "đồng ý" in refused.value.errors["phone"]
    db.session.rollback()
    assert count(SurveyResponse) == 0


def test_html_in_a_suggestion_is_kept_as_text_and_routed(version, kiosk):
    text = "<script>alert(1)</script> Quầy 1 đông, cần thêm ghế <b>chờ</b>"
    response = submit(version, answers_for(version, 2), kiosk=kiosk, suggestion=text,
                      procedure_field_id=factories.sipas_field("dat_dai").id)  # fmt: skip
    assert response.suggestion == text
    item = db.session.scalar(select(FeedbackItem))
    assert item.office.code == "KT"  # land: the economic office answers
    assert item.deadline == sipas.working_days_after(local_today(), 10)
    assert item.status == "open"


def test_the_same_form_sent_twice_is_stored_once(version, kiosk):
    submit(version, answers_for(version, 5), kiosk=kiosk, nonce="n" * 24)
    with pytest.raises(sipas.AlreadyRecorded):
        submit(version, answers_for(version, 5), kiosk=kiosk, nonce="n" * 24)
    db.session.rollback()
    assert count(SurveyResponse) == 1


def test_a_receipt_code_answers_once(version):
    receipt = factories.make_receipt(field="xay_dung")
    response = submit(version, answers_for(version, 4), receipt=receipt, nonce="a" * 24)
    assert response.procedure_field.code == "xay_dung" and response.channel == "receipt"
    with pytest.raises(DomainError, match="đã được dùng"):
        submit(version, answers_for(version, 5), receipt=receipt, nonce="b" * 24)
    db.session.rollback()
    assert count(SurveyResponse) == 1
    assert sipas.receipt_used(receipt)


def test_receipts_one_per_dossier_codes_unguessable_and_normalised(version):
    receipt = factories.make_receipt("BN-2026-0001")
    assert len(receipt.code) == 12 and set(receipt.code) <= set(sipas.CODE_ALPHABET)
    with pytest.raises(sipas.ReceiptExists):
        factories.make_receipt("BN-2026-0001")
    db.session.rollback()
    typed = receipt.code_display.lower().replace("-", " ")
    assert sipas.receipt_by_code(typed).id == receipt.id
    assert sipas.receipt_by_code("AAAA-BBBB-CCCC") is None
    with pytest.raises(FieldErrors) as refused:
        factories.make_receipt("BN-2", received_on=local_today() + timedelta(days=1))
    assert "received_on" in refused.value.errors


def test_an_expired_code_is_refused(version):
    receipt = factories.make_receipt()
    receipt.expires_on = local_today() - timedelta(days=1)
    db.session.commit()
    with pytest.raises(DomainError, match="hết hạn"):
        submit(version, answers_for(version, 4), receipt=receipt)


def test_no_address_is_stored_with_an_answer():
    columns = {c.name for c in SurveyResponse.__table__.columns}
    assert not {"ip", "address", "remote_addr", "user_agent", "user_id"} & columns


# -- figures -----------------------------------------------------------------------------------
def test_wilson_interval():
    low, high = results.wilson(0.5, 100)
    assert round(low, 4) == 0.4038 and round(high, 4) == 0.5962
    low, high = results.wilson(1.0, 5)
    assert high == 1.0 and round(low, 3) == 0.566
    assert results.wilson(0.8, 0) == (0.0, 1.0)


def test_results_per_aspect_field_month_and_counter(version, kiosk):
    land, civil = factories.sipas_field("dat_dai"), factories.sipas_field("ho_tich")
    # 8 required questions: land answers 3 (dissatisfied) everywhere, civil status 5.
    submit(version, answers_for(version, 3), kiosk=kiosk, procedure_field_id=land.id)
    submit(version, answers_for(version, 5), kiosk=kiosk, procedure_field_id=civil.id)
    submit(version, answers_for(version, 4, 2), kiosk=kiosk, procedure_field_id=civil.id)
    found = results.compute(results.Filters())
    assert found.overall.responses == 3 and found.overall.ratings == 24
    assert found.overall.satisfied == 8 + 4  # all of civil 5s, half of the 4/2 response
    by_field = {s.label: s for s in found.by_field}
    assert by_field["Đất đai"].share == 0
    assert by_field["Hộ tịch"].share == 12 / 16 and by_field["Hộ tịch"].responses == 2
    assert all(s.small for s in found.by_field)
    assert len(found.by_aspect) == 4  # the optional fifth aspect was never answered
    assert [s.label for s in found.by_counter] == [kiosk.counter.name]
    month = local_today().replace(day=1)
    assert found.by_month[0].key == month
    measure = results.measure(month)
    assert measure.value == found.overall.percent == Decimal("50.00")
    assert results.measure(month, [land.id]).value == Decimal("0.00")


def test_a_correction_is_a_new_record_and_the_answers_stay(version, kiosk, login_as):
    secretary = login_as("staff", "secretariat", office="VHXH")
    land, civil = factories.sipas_field("dat_dai"), factories.sipas_field("ho_tich")
    response = submit(version, answers_for(version, 5), kiosk=kiosk, procedure_field_id=land.id)
    answers_before = [(a.question_id, a.value) for a in response.answers]
    sipas.correct_response(response, excluded=False, procedure_field_id=civil.id,
                           reason="Nhân viên chọn nhầm lĩnh vực", actor=secretary)  # fmt: skip
    db.session.commit()
    assert [s.label for s in results.compute(results.Filters()).by_field] == ["Hộ tịch"]
    sipas.correct_response(response, excluded=True, procedure_field_id=civil.id,
                           reason="Phiếu thử của cán bộ", actor=secretary)  # fmt: skip
    db.session.commit()
    assert results.compute(results.Filters()).empty
    db.session.refresh(response)
    assert [(a.question_id, a.value) for a in response.answers] == answers_before
    assert response.procedure_field_id == land.id and len(response.corrections) == 2
    with pytest.raises(FieldErrors):
        sipas.correct_response(response, excluded=True, procedure_field_id=civil.id,
                               reason="lặp lại", actor=secretary)  # fmt: skip
    assert (
        db.session.scalar(select(func.count()).where(AuditLog.action == "sipas.response.correct"))
        == 2
    )


# -- feedback ----------------------------------------------------------------------------------
def test_feedback_is_answered_by_its_office_and_rerouted_by_the_secretariat(
    version, kiosk, login_as
):
    submit(version, answers_for(version, 2), kiosk=kiosk, suggestion="Hẹn trả kết quả bị trễ",
           procedure_field_id=factories.sipas_field("ho_tich").id)  # fmt: skip
    item = db.session.scalar(select(FeedbackItem))
    assert item.office.code == "VP"
    vp = factories.make_user(roles=("staff",), office="VP")
    kt = factories.make_user(roles=("staff",), office="KT")
    secretary = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    assert [i.id for i in sipas.feedback_for_office(factories.office("VP"))] == [item.id]
    assert sipas.feedback_for_office(factories.office("KT")) == []
    with pytest.raises(DomainError):
        sipas.reply_feedback(item, "Đã xử lý", kt)
    with pytest.raises(DomainError):
        sipas.reroute_feedback(item, factories.office("KT").id, vp)
    sipas.reroute_feedback(item, factories.office("KT").id, secretary)
    sipas.reply_feedback(item, "Đã liên hệ và xin lỗi người dân; hồ sơ trả trong ngày.", kt)
    db.session.commit()
    assert item.status == "answered" and item.office.code == "KT"
    assert sipas.open_feedback_count(factories.office("KT")) == 0


def test_working_days_skip_the_weekend():
    assert sipas.working_days_after(date(2026, 12, 4), 1) == date(2026, 12, 7)  # Fri → Mon
    assert sipas.working_days_after(date(2026, 12, 7), 10) == date(2026, 12, 21)


# -- objectives --------------------------------------------------------------------------------
@pytest.fixture
def plan_now(commune):
    today = local_today()
    return factories.make_plan(
        "Kế hoạch CCHC hiện hành",
        period_start=date(today.year, today.month, 1) - timedelta(days=62),
        period_end=today + timedelta(days=90),
    )


def _objective(plan, code="MT3", unit="%"):
    objective = plans.create_objective(
        plan,
        plans.ObjectiveData(code, "Mức độ hài lòng của người dân", ">=", Decimal(90), unit,
                            factories.office("HCC").id),
    )  # fmt: skip
    db.session.commit()
    return objective


def test_a_linked_objective_is_computed_not_typed(version, kiosk, plan_now, login_as):
    secretary = login_as("staff", "secretariat", office="VHXH")
    objective = _objective(plan_now)
    month = local_today().replace(day=1)
    submit(version, answers_for(version, 5), kiosk=kiosk)
    objectives.link_objective(objective, "overall", [], secretary)
    db.session.commit()
    value = db.session.scalar(select(ObjectiveValue).where(ObjectiveValue.month == month))
    assert value.value == Decimal("100.00") and value.entered_by is None
    submit(version, answers_for(version, 3), kiosk=kiosk)
    db.session.refresh(value)
    assert value.value == results.measure(month).value == Decimal("50.00")
    assert plans.objective_state(objective, value.value) == "missed"
    hcc = factories.make_user(roles=("staff",), office="HCC")
    with pytest.raises(DomainError, match="tính tự động"):
        plans.record_objective_value(objective, month, Decimal(95), "", hcc)
    # Unlinked: typed again, the computed values stay.
    objectives.link_objective(objective, None, [], secretary)
    db.session.commit()
    plans.record_objective_value(objective, month, Decimal(95), "", hcc, reason="Theo báo cáo")
    db.session.commit()


def test_a_field_objective_counts_only_its_fields_and_follows_corrections(
    version, kiosk, plan_now, login_as
):
    secretary = login_as("staff", "secretariat", office="VHXH")
    land, building, civil = (factories.sipas_field(c) for c in ("dat_dai", "xay_dung", "ho_tich"))
    objective = _objective(plan_now, "MT3b")
    objectives.link_objective(objective, "fields", [land.id, building.id], secretary)
    db.session.commit()
    month = local_today().replace(day=1)
    submit(version, answers_for(version, 5), kiosk=kiosk, procedure_field_id=civil.id)
    assert objective.values == [] or all(v.month != month for v in objective.values)
    land_answer = submit(version, answers_for(version, 4), kiosk=kiosk, procedure_field_id=land.id)
    submit(version, answers_for(version, 2), kiosk=kiosk, procedure_field_id=building.id)
    value = db.session.scalar(
        select(ObjectiveValue).where(ObjectiveValue.objective_id == objective.id)
    )
    assert value.value == Decimal("50.00")
    sipas.correct_response(land_answer, excluded=True, procedure_field_id=land.id,
                           reason="Phiếu thử", actor=secretary)  # fmt: skip
    db.session.commit()
    db.session.refresh(value)
    assert value.value == Decimal("0.00")


def test_linking_keeps_a_typed_value_in_the_history(version, kiosk, plan_now, login_as):
    hcc = factories.make_user(roles=("staff",), office="HCC")
    objective = _objective(plan_now)
    month = local_today().replace(day=1)
    plans.record_objective_value(objective, month, Decimal(91), "", hcc)
    db.session.commit()
    submit(version, answers_for(version, 4, 4, 3), kiosk=kiosk)
    secretary = login_as("staff", "secretariat", office="VHXH")
    with pytest.raises(DomainError, match="%"):
        objectives.link_objective(_objective(plan_now, "MT9", unit="hồ sơ"), "overall", [],
                                  secretary)  # fmt: skip
    db.session.rollback()
    objectives.link_objective(objective, "overall", [], secretary)
    db.session.commit()
    value = db.session.scalar(select(ObjectiveValue).where(ObjectiveValue.month == month))
    assert value.value == Decimal("75.00")
    assert [r.value for r in value.revisions] == [Decimal("75.00"), Decimal("91.00")]
