"""Monthly reports: periods, compiling, submit / return / resubmit / accept, lateness, exports."""

import io
import shutil
import subprocess
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models.plans import TaskUpdate
from cchc_web.models.reports import Report
from cchc_web.plans import services as plans
from cchc_web.reports import periods
from cchc_web.reports import services as reports

from .factories import import_demo_plan, make_user


@pytest.fixture
def plan(commune):
    return import_demo_plan()


def task(plan, code):
    return next(t for t in plan.tasks if t.code == code)


def at(year, month, day, hour=9):
    """A moment in local time (UTC+7) expressed in UTC, as stored."""
    return datetime(year, month, day, hour - 7 if hour >= 7 else hour, 0, tzinfo=UTC)


def test_month_runs_from_the_15th_to_the_14th(commune):
    november = periods.month_period(2025, 11)
    assert (november.start, november.end, november.deadline) == (
        date(2025, 10, 15), date(2025, 11, 14), date(2025, 11, 20),
    )  # fmt: skip
    assert periods.month_period(2026, 1).start == date(2025, 12, 15)
    assert periods.quarter_period(2025, 1).start == date(2024, 12, 15)
    assert periods.quarter_period(2025, 3).end == date(2025, 9, 14)
    assert periods.half_year_period(2025).end == date(2025, 6, 14)
    assert periods.year_period(2025).end == date(2025, 12, 14)
    assert periods.current_month_period(date(2025, 11, 18)).end == date(2025, 11, 14)
    assert periods.current_month_period(date(2025, 11, 20)).end == date(2025, 12, 14)
    assert periods.last_due_month_period(date(2025, 11, 19)).end == date(2025, 10, 14)


def test_start_day_is_configurable(commune):
    commune.settings = {"report_start_day": 20}
    db.session.commit()
    assert periods.month_period(2025, 11).start == date(2025, 10, 20)


def _update(t, user, status, progress, when, **extra):
    """An update made at `when` (its catch-up deadline is checked against that day)."""
    update = plans.record_task_update(
        t,
        plans.UpdateData(
            status, progress, based_on_id=t.latest_update.id if t.latest_update else None, **extra
        ),
        user,
        today=(when + timedelta(hours=7)).date(),
    )
    update.created_at = when
    db.session.commit()
    return update


LATE = dict(
    cause_type="objective",
    cause="Chờ hướng dẫn của Sở.",
    catchup_action="Hoàn thành ngay khi có hướng dẫn.",
    catchup_deadline=date(2025, 12, 10),
    catchup_responsible="Bùi Văn Tuấn",
)


def test_compile_takes_the_office_updates_and_objective_values_of_the_period(plan):
    vp = make_user(roles=("staff",), office="VP")
    hcc = make_user(roles=("staff",), office="HCC")
    _update(task(plan, "2.1"), vp, "in_progress", 30, at(2025, 10, 10))  # previous period
    _update(task(plan, "2.1"), vp, "in_progress", 60, at(2025, 10, 20))
    _update(task(plan, "3.1"), vp, "late", 50, at(2025, 11, 1), **LATE)
    _update(task(plan, "3.5"), hcc, "in_progress", 70, at(2025, 11, 2))  # another office
    mt1 = next(o for o in plan.objectives if o.code == "MT1")
    plans.record_objective_value(mt1, date(2025, 11, 1), Decimal("97"), "", vp)
    db.session.commit()
    data = reports.compile_report(task(plan, "2.1").lead_offices[0], periods.month_period(2025, 11))
    rows = {r["code"]: r for r in data["tasks"]}
    assert rows["2.1"]["progress"] == 60
    assert rows["3.1"]["status"] == "late" and rows["3.1"]["catchup_responsible"] == "Bùi Văn Tuấn"
    assert rows["3.5"]["status"] is None  # HCC's update is not VP's report
    assert data["counts"]["late"] == 1 and data["counts"]["updates"] == 2
    objectives = {o["code"]: o for o in data["objectives"]}
    assert objectives["MT1"]["value"] == "97" and objectives["MT1"]["state"] == "at_risk"
    assert "MT2" not in objectives  # owned by HCC


def _office_report(client, code="vp", period_key="month:2025-11-14"):
    response = client.post(f"/reports/office/{code}/new", data={"period": period_key})
    assert response.status_code == 303, response.get_data(as_text=True)
    return db.session.scalar(select(Report).order_by(Report.id.desc()))


def test_submit_return_resubmit_accept(client, login_as, plan):
    head = login_as("head", office="VP")
    report = _office_report(client)
    # Part I is required before submitting; the text typed stays on the page.
    refused = client.post(
        f"/reports/{report.id}/text",
        data={"direction": "", "next_tasks": "Tiếp tục rà soát TTHC.", "submit_after": "1"},
    )
    assert "Hãy viết phần I" in refused.get_data(as_text=True)
    assert "Tiếp tục rà soát TTHC." in refused.get_data(as_text=True)
    db.session.refresh(report)
    assert report.status == "draft"
    ok = client.post(
        f"/reports/{report.id}/text",
        data={"direction": "UBND xã ban hành kế hoạch.", "submit_after": "1"},
    )
    assert ok.status_code == 303
    db.session.refresh(report)
    assert report.status == "submitted" and report.submitted_by_id == head.id
    assert report.compiled["counts"]["total"] > 0
    client.post("/logout", data={})

    login_as("secretariat", office="VHXH")
    no_reason = client.post(
        f"/reports/{report.id}/decide", data={"action": "return", "comment": ""}
    )
    assert "Hãy ghi lý do trả lại" in no_reason.get_data(as_text=True)
    back = client.post(
        f"/reports/{report.id}/decide",
        data={"action": "return", "comment": "Bổ sung số liệu chỉ tiêu MT6."},
    )
    assert back.status_code == 303
    db.session.refresh(report)
    assert report.status == "returned"
    client.post("/logout", data={})

    client.post("/login", data={})
    with client.session_transaction() as sess:
        sess["_user_id"] = str(head.id)
        sess["_sv"] = db.session.get(type(head), head.id).session_version  # signed out once
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Bổ sung số liệu chỉ tiêu MT6." in page and "Nộp lại báo cáo" in page
    assert "bị trả lại" in client.get("/offices/vp/").get_data(as_text=True)  # reminder
    again = client.post(
        f"/reports/{report.id}/text",
        data={"direction": "UBND xã ban hành kế hoạch; bổ sung MT6.", "submit_after": "1"},
    )
    assert again.status_code == 303
    db.session.refresh(report)
    assert report.status == "submitted"
    client.post("/logout", data={})

    login_as("secretariat", office="VHXH")
    assert client.post(f"/reports/{report.id}/decide", data={"action": "accept"}).status_code == 303
    db.session.refresh(report)
    assert report.status == "accepted"
    assert [c.action for c in report.comments] == ["submit", "return", "submit", "accept"]


def test_only_the_head_submits_and_only_the_secretariat_decides(client, login_as, plan):
    login_as("staff", office="VP")
    report = _office_report(client)
    client.post(f"/reports/{report.id}/text", data={"direction": "x", "submit_after": "1"})
    db.session.refresh(report)
    assert report.status == "draft"
    head = make_user(roles=("head",), office="VP")
    report.direction = "Nội dung."
    reports.submit_report(report, head)
    db.session.commit()
    assert client.post(f"/reports/{report.id}/decide", data={"action": "accept"}).status_code == 403
    kt_head = make_user(roles=("head",), office="KT")
    with pytest.raises(DomainError):
        reports.accept_report(report, kt_head)


def test_other_offices_cannot_read_a_report(client, login_as, plan):
    vp = make_user(roles=("staff",), office="VP")
    report = reports.start_report(vp.office, periods.month_period(2025, 11), vp)
    db.session.commit()
    login_as("staff", office="KT")
    assert client.get(f"/reports/{report.id}").status_code == 403
    assert client.get(f"/reports/{report.id}.pdf").status_code == 403
    assert client.get("/reports/office/vp/").status_code == 403
    assert (
        client.post("/reports/office/vp/new", data={"period": "month:2025-12-14"}).status_code
        == 403
    )


def test_report_submitted_after_the_20th_shows_as_late(client, login_as, plan):
    vp = make_user(roles=("head",), office="VP")
    on_time = reports.start_report(vp.office, periods.month_period(2025, 10), vp)
    late = reports.start_report(vp.office, periods.month_period(2025, 11), vp)
    on_time.direction = late.direction = "Nội dung."
    reports.submit_report(on_time, vp, now=at(2025, 10, 19, 16))
    reports.submit_report(late, vp, now=at(2025, 11, 21, 10))
    db.session.commit()
    assert not on_time.is_late and late.is_late
    login_as("secretariat", office="VHXH")
    assert "Nộp muộn" in client.get(f"/reports/{late.id}").get_data(as_text=True)
    assert "Nộp muộn" not in client.get(f"/reports/{on_time.id}").get_data(as_text=True)


def test_offices_missing_on_the_20th_are_flagged(client, login_as, plan):
    vp = make_user(roles=("head",), office="VP")
    november = periods.month_period(2025, 11)
    report = reports.start_report(vp.office, november, vp)
    report.direction = "x"
    reports.submit_report(report, vp, now=at(2025, 11, 18))
    db.session.commit()
    assert reports.missing_offices(november, date(2025, 11, 19)) == []
    missing = [o.code for o in reports.missing_offices(november, date(2025, 11, 20))]
    assert missing == ["KT", "VHXH", "HCC", "VHTT", "CA", "QS"]
    login_as("secretariat", office="VHXH")
    page = client.get("/reports/?period=month:2025-11-14").get_data(as_text=True)
    assert "6 đơn vị chưa nộp tháng 11/2025: KT, VHXH, HCC, VHTT, CA, QS" in page


def test_report_pdf_has_the_official_header_and_vietnamese_text(client, login_as, plan, tmp_path):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils missing")
    head = make_user(roles=("head",), office="VP", full_name="Phạm Văn Minh")
    _update(task(plan, "3.1"), head, "late", 50, at(2025, 11, 3), **LATE)
    report = reports.start_report(head.office, periods.month_period(2025, 11), head)
    report.direction = "Ủy ban nhân dân xã chỉ đạo quyết liệt."
    reports.submit_report(report, head)
    db.session.commit()
    login_as("secretariat", office="VHXH")
    response = client.get(f"/reports/{report.id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "r.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    for expected in [
        # The office under the committee (Nghị định 30): no orphan "XÃ" line.
        "UBND XÃ CHÍ MINH", "VĂN PHÒNG HĐND VÀ UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO",
        "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH", "II. KẾT QUẢ THỰC HIỆN", "III. ĐÁNH GIÁ CHUNG",
        "IV. NHIỆM VỤ TRỌNG TÂM KỲ TỚI", "Phụ lục", "Chờ hướng dẫn của Sở", "Phạm Văn Minh",
    ]:  # fmt: skip
        assert expected in flat, expected
    xlsx = client.get(f"/reports/{report.id}.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["Nhiệm vụ", "Chỉ tiêu", "Tổng hợp"]
    cells = [c.value for row in workbook["Nhiệm vụ"].iter_rows() for c in row]
    assert "Chậm tiến độ" in cells and "Chờ hướng dẫn của Sở." in cells


def test_submitted_report_keeps_its_figures(plan):
    head = make_user(roles=("head",), office="VP")
    _update(task(plan, "2.1"), head, "in_progress", 40, at(2025, 11, 2))
    report = reports.start_report(head.office, periods.month_period(2025, 11), head)
    report.direction = "x"
    reports.submit_report(report, head)
    db.session.commit()
    before = reports.report_data(report)
    assert {r["code"]: r["progress"] for r in before["tasks"]}["2.1"] == 40
    _update(task(plan, "2.1"), head, "done", 100, at(2025, 11, 5))
    assert reports.report_data(report) == before
    assert db.session.scalar(select(TaskUpdate).where(TaskUpdate.progress == 100))


def test_commune_report_by_the_secretariat(client, login_as, plan):
    login_as("secretariat", office="VHXH")
    response = client.post("/reports/commune/new", data={"period": "month:2025-11-14"})
    assert response.status_code == 303
    report = db.session.scalar(select(Report).where(Report.office_id.is_(None)))
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Báo cáo tháng 11/2025 — UBND xã" in page
    client.post("/logout", data={})
    login_as("head", office="VP")
    assert client.get(f"/reports/{report.id}").status_code == 403


def test_bad_period_key_is_refused_without_500(client, login_as, plan):
    login_as("staff", office="VP")
    for key in ("", "month:xx", "week:2025-11-14", "month"):
        response = client.post("/reports/office/vp/new", data={"period": key})
        assert response.status_code == 303
    assert db.session.scalar(select(Report)) is None


def test_commune_report_is_compiled_from_accepted_office_reports(plan):
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    november = periods.month_period(2025, 11)
    for code, task_code, decision in (("VP", "2.1", "accept"), ("KT", "6.1", "return")):
        head = make_user(roles=("head",), office=code)
        _update(task(plan, task_code), head, "in_progress", 55, at(2025, 11, 3))
        report = reports.start_report(head.office, november, head)
        report.direction = "x"
        reports.submit_report(report, head)
        if decision == "accept":
            reports.accept_report(report, secretariat)
        else:
            reports.return_report(report, secretariat, "Thiếu số liệu.")
    commune_report = reports.start_report(None, november, secretariat)
    db.session.commit()
    data = reports.report_data(commune_report)
    assert data["offices"] == ["VP"]
    rows = {r["code"]: r for r in data["tasks"]}
    assert rows["2.1"]["progress"] == 55
    assert "6.1" not in rows or rows["6.1"]["status"] is None  # KT's report was returned


def test_quarterly_half_year_and_yearly_reports_work_the_same_way(plan):
    head = make_user(roles=("head",), office="HCC")
    _update(task(plan, "3.5"), head, "in_progress", 75, at(2025, 8, 20))
    q3 = periods.quarter_period(2025, 3)
    assert (q3.start, q3.end, q3.deadline) == (
        date(2025, 6, 15),
        date(2025, 9, 14),
        date(2025, 9, 20),
    )
    report = reports.start_report(head.office, q3, head)
    report.direction = "Quý III."
    reports.submit_report(report, head, now=at(2025, 9, 19))
    db.session.commit()
    assert report.name == "Báo cáo quý 3/2025" and not report.is_late
    assert {r["code"]: r["progress"] for r in report.compiled["tasks"]}["3.5"] == 75
    year = reports.start_report(head.office, periods.year_period(2025), head)
    assert year.name == "Báo cáo năm 2025"
    # The first half of 2025 (15/12/2024 – 14/06/2025) is before the plan: nothing to report.
    with pytest.raises(DomainError, match="không thuộc kế hoạch CCHC nào"):
        reports.start_report(head.office, periods.half_year_period(2025), head)
    # The first half of 2026 begins on 15/12/2025, within the plan's last fortnight.
    half = reports.start_report(
        head.office, periods.half_year_period(2026), head, today=date(2026, 6, 1)
    )
    assert half.name == "Báo cáo 6 tháng đầu năm 2026"
    with pytest.raises(DomainError, match="đã có"):
        reports.start_report(head.office, q3, head)
