"""Objective values keep their history (issue 14): a corrected month keeps the earlier
value, who entered it and why; reports and dashboards read the current value. Objective
MT2 of the real plan: "Hồ sơ TTHC được giải quyết đúng hạn ≥ 95 %", owned by HCC."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import FieldErrors
from cchc_web.core.extensions import db
from cchc_web.models.plans import ObjectiveValue, ObjectiveValueRevision
from cchc_web.plans import services as plans
from cchc_web.reports import periods
from cchc_web.reports import services as reports

from .factories import import_demo_plan, make_user


@pytest.fixture
def plan(commune):
    return import_demo_plan()


@pytest.fixture
def mt2(plan):
    return next(o for o in plan.objectives if o.code == "MT2")


def counts():
    return (
        db.session.scalar(select(func.count(ObjectiveValue.id))),
        db.session.scalar(select(func.count(ObjectiveValueRevision.id))),
    )


def test_a_correction_needs_a_reason_and_keeps_the_earlier_value(mt2):
    first = make_user(roles=("staff",), office="HCC", full_name="Đặng Văn Long")
    second = make_user(roles=("head",), office="HCC", full_name="Ngô Thị Thu")
    plans.record_objective_value(mt2, date(2025, 10, 1), Decimal("92"), "Số liệu tạm", first)
    db.session.commit()
    with pytest.raises(FieldErrors) as refused:
        plans.record_objective_value(mt2, date(2025, 10, 1), Decimal("96"), "", second)
    assert refused.value.errors == {
        "reason": "Tháng 10/2025 đã có số liệu 92 do Đặng Văn Long nhập: hãy ghi lý do sửa."
    }
    db.session.rollback()
    plans.record_objective_value(
        mt2, date(2025, 10, 1), Decimal("96"), "", second, reason="Cập nhật số liệu chính thức"
    )
    db.session.commit()
    (value,) = db.session.scalars(select(ObjectiveValue)).all()
    assert (value.value, value.entered_by.full_name) == (Decimal("96"), "Ngô Thị Thu")
    newest, earliest = value.revisions
    assert (newest.value, newest.reason, newest.is_first) == (
        Decimal("96"), "Cập nhật số liệu chính thức", False,
    )  # fmt: skip
    assert (earliest.value, earliest.note, earliest.entered_by.full_name, earliest.is_first) == (
        Decimal("92"), "Số liệu tạm", "Đặng Văn Long", True,
    )  # fmt: skip
    assert value.corrections == [earliest]


def test_the_objective_page_shows_the_history_and_refuses_without_losing_input(
    client, login_as, mt2
):
    login_as("staff", office="HCC", full_name="Đặng Văn Long")
    form = client.get(f"/plans/objectives/{mt2.id}").get_data(as_text=True)
    assert '<option value="2025-12">Tháng 12/2025</option>' in form  # chosen from the plan
    assert client.post(
        f"/plans/objectives/{mt2.id}", data={"month": "2025-10", "value": "92"}
    ).status_code == 303  # fmt: skip
    refused = client.post(
        f"/plans/objectives/{mt2.id}",
        data={"month": "2025-10", "value": "96,5", "note": "Theo báo cáo của Sở"},
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "Tháng 10/2025 đã có số liệu 92 do Đặng Văn Long nhập: hãy ghi lý do sửa." in page
    assert 'value="96,5"' in page and "Theo báo cáo của Sở" in page
    assert '<option selected value="2025-10">Tháng 10/2025 (đã có: 92)</option>' in page
    assert counts() == (1, 1)
    ok = client.post(
        f"/plans/objectives/{mt2.id}",
        data={"month": "2025-10", "value": "96,5", "reason": "Số liệu chính thức của Sở."},
    )
    assert ok.status_code == 303
    assert counts() == (1, 2)
    page = client.get(f"/plans/objectives/{mt2.id}").get_data(as_text=True)
    assert "Đã sửa 1 lần" in page
    assert "Sửa thành <strong>96,5</strong> — Đặng Văn Long" in page
    assert "lý do: Số liệu chính thức của Sở." in page
    assert "Nhập lần đầu <strong>92</strong> — Đặng Văn Long" in page


@pytest.mark.parametrize(
    "data, message",
    [
        ({"month": "2026-03", "value": "99"}, "Tháng 3/2026 nằm ngoài thời gian của kế hoạch"),
        ({"month": "tháng sau", "value": "99"}, "Hãy chọn tháng trong danh sách."),
        ({"month": "2025-11", "value": "abc"}, "Hãy nhập một số"),
        ({"month": "2025-11", "value": "120"}, "Tỷ lệ phần trăm không thể vượt 100."),
    ],
)
def test_bad_values_are_refused_with_everything_typed_kept(client, login_as, mt2, data, message):
    login_as("staff", office="HCC")
    response = client.post(f"/plans/objectives/{mt2.id}", data={**data, "note": "Ghi chú thử"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "Ghi chú thử" in page
    assert counts() == (0, 0)


def test_value_and_month_problems_are_reported_together(mt2):
    hcc = make_user(roles=("staff",), office="HCC")
    with pytest.raises(FieldErrors) as refused:
        plans.record_objective_value(mt2, date(2026, 3, 1), Decimal("150"), "", hcc)
    assert set(refused.value.errors) == {"value", "month"}


def test_reports_and_dashboard_read_the_current_value(client, login_as, mt2):
    hcc = make_user(roles=("staff",), office="HCC")
    plans.record_objective_value(mt2, date(2025, 11, 1), Decimal("80"), "", hcc)
    plans.record_objective_value(mt2, date(2025, 11, 1), Decimal("97"), "", hcc, reason="Nhập nhầm")
    db.session.commit()
    data = reports.compile_report(hcc.office, periods.month_period(2025, 11))
    row = next(o for o in data["objectives"] if o["code"] == "MT2")
    assert (row["value"], row["state"]) == ("97", "met")
    login_as("secretariat", office="VHXH")
    page = client.get("/dashboard/objectives?state=met").get_data(as_text=True)
    assert "MT2" in page


def test_only_the_owner_office_and_the_secretariat_enter_values(client, login_as, mt2):
    login_as("staff", office="VP")
    response = client.post(
        f"/plans/objectives/{mt2.id}", data={"month": "2025-11", "value": "99", "reason": "x"}
    )
    assert response.status_code == 403
    assert counts() == (0, 0)
