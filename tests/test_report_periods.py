"""Reports for any period of an active or closed plan (issue 14): monthly, quarterly,
six-monthly and yearly, chosen from a list, newest first; none for a period without a plan;
every date shown as dd/mm/yyyy."""

import io
import re
import shutil
import subprocess
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models.reports import Report
from cchc_web.plans import services as plans
from cchc_web.reports import periods
from cchc_web.reports import services as reports

from .factories import import_demo_plan, make_user

TODAY = date(2026, 3, 5)  # after the 2025 plan: its every period can still be reported on
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def plan(commune, set_today):
    set_today(TODAY)
    return import_demo_plan()


def task(plan, code):
    return next(t for t in plan.tasks if t.code == code)


def visible_text(html: str) -> str:
    """What a reader sees: no tags, no attribute values (a date input's value is ISO)."""
    return re.sub(r"<[^>]+>", " ", html)


def test_periods_of_a_plan_of_every_kind_newest_first(plan):
    found = periods.reportable_periods([plan], TODAY)
    labels = [p.label for p in found]
    months = [p.label for p in found if p.kind == "month"]
    # 01/07–31/12/2025: the months whose 15th-to-14th window touches it, July 2025 (from
    # 15/06) to January 2026 (to 14/01).
    assert months == [f"Tháng {m}" for m in ("1/2026", "12/2025", "11/2025", "10/2025",
                                              "9/2025", "8/2025", "7/2025")]  # fmt: skip
    assert [p.label for p in found if p.kind == "quarter"] == ["Quý 1/2026", "Quý 3/2025"]
    assert [p.label for p in found if p.kind == "half_year"] == ["6 tháng đầu năm 2026"]
    assert [p.label for p in found if p.kind == "year"] == ["Năm 2026", "Năm 2025"]
    assert "6 tháng đầu năm 2025" not in labels  # 15/12/2024 – 14/06/2025: before the plan
    ends = [p.end for p in found]
    assert ends == sorted(ends, reverse=True)
    # Before a period has begun it is not offered.
    assert "Tháng 12/2025" not in [
        p.label for p in periods.reportable_periods([plan], date(2025, 11, 10))
    ]


def test_a_draft_or_no_plan_offers_nothing(commune, set_today):
    set_today(TODAY)
    draft = import_demo_plan(active=False)
    assert reports.periods_to_offer(TODAY) == []
    assert periods.reportable_periods([draft], TODAY)  # as a plan it has periods ...
    head = make_user(roles=("staff",), office="VP")
    with pytest.raises(DomainError, match="không thuộc kế hoạch CCHC nào đã ban hành"):
        reports.start_report(head.office, periods.month_period(2025, 11), head)  # ... unused


def test_the_office_chooses_any_period_from_the_list(client, login_as, plan):
    login_as("staff", office="VP")
    page = client.get("/reports/office/vp/").get_data(as_text=True)
    select_box = page.split('id="new-period"')[1].split("</select>")[0]
    options = re.findall(r'<option value="([^"]+)">([^(<]+)', select_box)
    assert [label.strip() for _key, label in options][:3] == [
        "Tháng 1/2026", "Tháng 12/2025", "Tháng 11/2025",
    ]  # fmt: skip
    keys = [key for key, _label in options]
    for key in ("month:2025-07-14", "quarter:2025-09-14", "year:2025-12-14",
                "half_year:2026-06-14", "quarter:2026-03-14"):  # fmt: skip
        assert key in keys, key
    assert '<optgroup label="Báo cáo quý (quý I, quý III)">' in select_box
    for key, name in (
        ("month:2025-08-14", "Báo cáo tháng 8/2025"),
        ("quarter:2025-09-14", "Báo cáo quý 3/2025"),
        ("year:2025-12-14", "Báo cáo năm 2025"),
    ):
        response = client.post("/reports/office/vp/new", data={"period": key})
        assert response.status_code == 303, key
        report = db.session.scalar(select(Report).order_by(Report.id.desc()))
        assert report.name == name
    again = client.get("/reports/office/vp/").get_data(as_text=True)
    assert 'value="month:2025-08-14"' not in again  # one report per period: no longer offered


@pytest.mark.parametrize(
    "key, message",
    [
        ("half_year:2025-06-14", "không thuộc kế hoạch CCHC nào đã ban hành"),
        ("month:2027-01-14", "chưa lập báo cáo được"),
        ("quarter:2025-06-14", "Kỳ báo cáo không hợp lệ."),  # Q2 is the half-year report
        ("month:2025-11-15", "Kỳ báo cáo không hợp lệ."),  # not the end of a month period
    ],
)
def test_a_period_without_a_plan_or_made_up_is_refused(client, login_as, plan, key, message):
    login_as("staff", office="VP")
    response = client.post("/reports/office/vp/new", data={"period": key})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_no_plan_message_is_clear(plan):
    message = reports.no_plan_message(periods.half_year_period(2025))
    assert message == (
        "Kỳ 6 tháng đầu năm 2025 (15/12/2024 – 14/06/2025) không thuộc kế hoạch CCHC nào "
        "đã ban hành: không có gì để báo cáo."
    )


def test_no_office_is_late_for_a_period_without_a_plan(client, login_as, plan):
    login_as("secretariat", office="VHXH")
    page = client.get("/reports/?period=month:2026-02-14").get_data(as_text=True)
    assert "không thuộc kế hoạch CCHC nào đã ban hành" in page
    assert "đơn vị chưa nộp" not in page and 'class="missing"' not in page
    assert reports.missing_offices(periods.month_period(2026, 2), TODAY) == []
    assert reports.reminder_for(task(plan, "2.1").lead_offices[0], TODAY) is None
    # The secretariat's period list has every kind, and opens on the last month with a plan.
    index = client.get("/reports/").get_data(as_text=True)
    assert '<option value="month:2026-01-14" selected>' in index
    assert 'value="year:2025-12-14"' in index
    commune_box = index.split('id="commune-period"')[1].split("</select>")[0]
    assert 'value="quarter:2025-09-14"' in commune_box


def test_report_pages_and_documents_show_dates_as_dd_mm_yyyy(client, login_as, plan, tmp_path):
    head = make_user(roles=("head",), office="VP")
    update = plans.record_task_update(
        task(plan, "3.1"),
        plans.UpdateData(
            "late", 50, "Chậm.", cause_type="objective", cause="Chờ hướng dẫn.",
            catchup_action="Làm ngay.", catchup_deadline=date(2025, 12, 26),
            catchup_responsible="Bùi Văn Tuấn",
        ),
        head,
        today=date(2025, 12, 1),
    )  # fmt: skip
    update.created_at = datetime(2025, 11, 10, 2, tzinfo=UTC)
    report = reports.start_report(head.office, periods.month_period(2025, 11), head)
    report.direction = "Chỉ đạo."
    reports.submit_report(report, head)
    db.session.commit()
    row = next(r for r in report.compiled["tasks"] if r["code"] == "3.1")
    assert row["catchup_deadline"] == "2025-12-26"  # stored as ISO in the frozen figures ...
    login_as("secretariat", office="VHXH")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "hạn 26/12/2025" in page and "2025-12-26" not in page  # ... shown as dd/mm/yyyy
    for url in (
        f"/reports/{report.id}",
        "/reports/",
        "/reports/office/vp/",
        "/offices/vp/",
        f"/offices/vp/tasks/{task(plan, '3.1').id}",
        f"/plans/{plan.id}",
        "/plans/",
        "/dashboard/",
        "/dashboard/tasks?status=late",
        f"/plans/objectives/{plan.objectives[0].id}",
    ):
        text = visible_text(client.get(url).get_data(as_text=True))
        assert not ISO_DATE.search(text), (url, ISO_DATE.search(text))
    workbook = load_workbook(io.BytesIO(client.get(f"/reports/{report.id}.xlsx").data))
    cells = [str(c.value) for ws in workbook for row in ws.iter_rows() for c in row if c.value]
    assert "26/12/2025" in cells and not [c for c in cells if ISO_DATE.search(c)]
    if shutil.which("pdftotext"):
        path = tmp_path / "r.pdf"
        path.write_bytes(client.get(f"/reports/{report.id}.pdf").data)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        flat = " ".join(text.stdout.decode().split())
        assert "thời hạn 26/12/2025" in flat and not ISO_DATE.search(flat)
        assert (
            "Thực hiện Kế hoạch cải cách hành chính 6 tháng cuối năm 2025 (số 125/KH-UBND" in flat
        )


def test_audit_log_and_stored_json_dates_read_as_dd_mm_yyyy(client, login_as, plan):
    from cchc_web.core.timeutil import format_date, localise_dates

    assert format_date("2025-12-26") == "26/12/2025"  # a date kept in a report's JSON
    assert localise_dates('{"month": "2025-10-01", "at": "2025-12-05T05:09:00+00:00"}') == (
        '{"month": "01/10/2025", "at": "05/12/2025 12:09"}'
    )
    login_as("admin", office=None)
    pages = [visible_text(client.get(f"/admin/audit?page={n}").get_data(as_text=True))
             for n in (1, 2, 3)]  # fmt: skip
    assert any("01/07/2025" in text for text in pages)  # the plan's period, in "plan.create"
    assert not [text for text in pages if ISO_DATE.search(text)]
