"""Plan import (issue 3, "How it will be checked" items 1 and 2)."""

import io
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models import AuditLog
from cchc_web.models.plans import Objective, Plan, Task
from cchc_web.plans import importer
from cchc_web.plans import services as plans

from .factories import import_demo_plan

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
PACKAGED = Path(__file__).resolve().parents[1] / "cchc_web" / "plans" / "data"
TASKS_CSV = (PACKAGED / "ke_hoach_cchc_2025_h2_chi_minh.csv").read_bytes()
OBJECTIVES_CSV = (PACKAGED / "muc_tieu_cchc_2025_h2_chi_minh.csv").read_bytes()
FORM = {
    "title": "Kế hoạch CCHC 6 tháng cuối năm 2025",
    "period_start": "2025-07-01",
    "period_end": "2025-12-31",
    "doc_number": "125/KH-UBND",
}
FORM_DATE = (date(2025, 7, 1), date(2025, 12, 31))


def codes(offices):
    return sorted(o.code for o in offices)


def test_packaged_copy_matches_the_shared_data():
    if SHARED.exists():
        assert (SHARED / "ke_hoach_cchc_2025_h2_chi_minh.csv").read_bytes() == TASKS_CSV
        assert (SHARED / "muc_tieu_cchc_2025_h2_chi_minh.csv").read_bytes() == OBJECTIVES_CSV


def test_real_plan_gives_29_tasks_in_7_fields_with_the_right_leads(commune):
    plan = import_demo_plan()
    tasks = {t.code: t for t in plan.tasks}
    assert len(tasks) == 29
    assert Counter(t.field for t in plan.tasks) == {
        "chi_dao_dieu_hanh": 4,
        "the_che": 5,
        "tthc": 6,
        "to_chuc_bo_may": 3,
        "cong_vu": 5,
        "tai_chinh_cong": 2,
        "chinh_quyen_so": 4,
    }
    expected_leads = {
        "1.1": ["VHXH"], "1.4": ["VHXH"], "2.1": ["VP"], "3.1": ["VP"], "3.5": ["HCC"],
        "4.1": ["VHXH"], "5.5": ["VHXH"], "6.1": ["KT"], "6.2": ["KT"], "7.1": ["VHXH"],
        "7.2": ["VP"], "7.4": ["VHXH"],
        # "CQCM" expands to every specialised office, not an office called CQCM.
        "3.2": ["KT", "VHXH", "VP"], "7.3": ["KT", "VHXH", "VP"],
    }  # fmt: skip
    for code, leads in expected_leads.items():
        assert codes(tasks[code].lead_offices) == leads, code
    # CQCM;HCC as coordinators: the specialised offices other than the lead, and HCC.
    assert codes(tasks["2.1"].coordinating_offices) == ["HCC", "KT", "VHXH"]
    assert codes(tasks["3.5"].coordinating_offices) == ["KT", "VHXH", "VP"]
    assert codes(tasks["7.3"].coordinating_offices) == []  # its coordinator VHXH already leads
    assert tasks["4.1"].coordinating_offices == [] and tasks["4.1"].timing == "none"
    assert tasks["1.1"].timing_label == "Tháng 7/2025"
    assert tasks["2.2"].timing_label == "Thường xuyên"
    assert len(plan.objectives) == 13
    mt2 = next(o for o in plan.objectives if o.code == "MT2")
    assert (mt2.comparison, mt2.target, mt2.owner_office.code) == (">=", 95, "HCC")


def _import_form(tasks: bytes, name="ke_hoach.csv", objectives: bytes | None = None, **extra):
    data = {**FORM, "tasks_file": (io.BytesIO(tasks), name), **extra}
    if objectives is not None:
        data["objectives_file"] = (io.BytesIO(objectives), "muc_tieu.csv")
    return data


def test_preview_then_confirm_imports_through_the_pages(client, login_as):
    login_as("secretariat", office="VHXH")
    preview = client.post(
        "/plans/import",
        data=_import_form(TASKS_CSV, objectives=OBJECTIVES_CSV),
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "29 nhiệm vụ trong 7 lĩnh vực" in page
    assert db.session.scalar(select(func.count(Task.id))) == 0  # a preview saves nothing
    blob = page.split('name="tasks_blob" type="hidden" value="')[1].split('"')[0]
    obj_blob = page.split('name="objectives_blob" type="hidden" value="')[1].split('"')[0]
    confirm = client.post(
        "/plans/import",
        data={**FORM, "tasks_blob": blob, "tasks_name": "ke_hoach.csv",
              "objectives_blob": obj_blob, "objectives_name": "muc_tieu.csv", "confirm": "1"},
    )  # fmt: skip
    assert confirm.status_code == 303
    plan = db.session.scalar(select(Plan))
    assert len(plan.tasks) == 29 and len(plan.objectives) == 13
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "plan.import"))


def _broken_csv() -> bytes:
    lines = TASKS_CSV.decode("utf-8").splitlines()
    lines[3] = lines[3].replace("1.3,", "1.2,", 1)  # duplicated task code, row 4
    lines[10] = lines[10].replace(",VP,", ",XYZ,", 1)  # unknown office, row 11 (task 3.1)
    lines[12] = (
        lines[12].replace('"Rà soát', '"', 1).split(',"')[0] + ',"",VP,"CQCM;HCC",thuong_xuyen'
    )
    lines[15] = lines[15].replace("thuong_xuyen", "cuối năm")  # bad timing, row 16
    return ("\n".join(lines) + "\n").encode()


def test_row_errors_are_listed_by_row_and_column_and_nothing_is_saved(client, login_as):
    login_as("secretariat", office="VHXH")
    response = client.post(
        "/plans/import",
        data=_import_form(_broken_csv(), confirm="1"),
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Có 4 lỗi, chưa lưu gì" in page
    assert "Mã “1.2” trùng với dòng 3." in page
    assert "Không có đơn vị mã “XYZ”" in page
    assert "Nội dung nhiệm vụ đang để trống." in page
    assert "Thời gian “cuối năm” không hợp lệ" in page
    assert "Xác nhận nhập" not in page
    assert db.session.scalar(select(func.count(Plan.id))) == 0
    assert db.session.scalar(select(func.count(Task.id))) == 0


def test_parse_reports_row_and_column(commune):
    parsed = plans.parse_plan_files(("k.csv", _broken_csv()), None, None)
    found = {(i.row, i.column) for i in parsed.issues}
    assert found == {(4, "ma"), (11, "chu_tri"), (13, "noi_dung"), (16, "thoi_gian")}
    assert len(parsed.tasks) == 25


def test_import_service_refuses_a_file_with_issues(commune):
    parsed = plans.parse_plan_files(("k.csv", _broken_csv()), None, None)
    with pytest.raises(DomainError, match="chưa lưu gì"):
        plans.import_plan(plans.PlanData("X", *FORM_DATE), parsed)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_xlsx_import_matches_csv_and_export_round_trips(commune):
    plan = import_demo_plan()
    exported = plans.export_plan_xlsx(plan)
    parsed = plans.parse_plan_files(("ke_hoach.xlsx", exported), ("muc_tieu.xlsx", exported), None)
    # The objectives are on the second sheet: read it separately.
    workbook = load_workbook(io.BytesIO(exported))
    assert workbook.sheetnames == ["Nhiệm vụ", "Mục tiêu"]
    assert len(parsed.tasks) == 29
    original = plans.parse_plan_files(("k.csv", TASKS_CSV), None, None)
    assert [(t.code, t.field, t.timing, t.due_month) for t in parsed.tasks] == [
        (t.code, t.field, t.timing, t.due_month) for t in original.tasks
    ]
    by_code = {t.code: t for t in parsed.tasks}
    assert by_code["3.2"].lead_codes == ["CQCM"]


def test_xlsx_with_excel_typed_cells(commune):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(importer.TASK_COLUMNS))
    sheet.append([1.1, "the_che", "Nội dung", "VP", None, datetime(2025, 9, 1)])
    sheet.append(["1.2", "", "Không ghi lĩnh vực: lấy từ mã", "kt", "CQCM", "Tháng 10/2025"])
    out = io.BytesIO()
    workbook.save(out)
    parsed = plans.parse_plan_files(("k.xlsx", out.getvalue()), None, None)
    assert parsed.ok, parsed.issues
    first, second = parsed.tasks
    assert (first.code, first.due_month) == ("1.1", date(2025, 9, 1))
    assert second.field == "chi_dao_dieu_hanh" and second.lead_codes == ["KT"]


def test_seed_001_double_section_6_is_explained(commune):
    lines = TASKS_CSV.decode().splitlines()
    lines[-1] = lines[-1].replace("7.4,chinh_quyen_so", "6.1,chinh_quyen_so")
    parsed = plans.parse_plan_files(("k.csv", "\n".join(lines).encode()), None, None)
    assert len(parsed.issues) == 1
    assert "hai mục “6.”" in parsed.issues[0].message


def test_bad_files_are_refused_with_a_message(client, login_as):
    login_as("secretariat", office="VHXH")
    for content, name, expected in [
        (b"\xff\xfe\x00bad", "k.csv", "không phải mã UTF-8"),
        (b"PK\x03\x04broken", "k.xlsx", "Không đọc được tệp Excel"),
        (b"a,b\n1,2\n", "k.csv", "Thiếu cột"),
        (b"x", "k.doc", "Chỉ nhận tệp CSV"),
    ]:
        response = client.post(
            "/plans/import", data=_import_form(content, name), content_type="multipart/form-data"
        )
        assert response.status_code == 200
        assert expected in response.get_data(as_text=True), name
    assert db.session.scalar(select(func.count(Plan.id))) == 0


def test_import_needs_the_secretariat(client, login_as):
    login_as("head", office="VP")
    assert client.get("/plans/import").status_code == 403
    response = client.post(
        "/plans/import", data=_import_form(TASKS_CSV, confirm="1"),
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Objective.id))) == 0
