"""The audit log people can read (issue 18, item 3): Vietnamese sentences with full names, the
changed fields before → after, filters with a message for a bad date, pagination, CSV and
Excel exports, the raw record one click away."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from cchc_web.admin import audit_view
from cchc_web.core.extensions import db
from cchc_web.models import AuditLog
from cchc_web.plans import services as plans
from cchc_web.records import audit

from .factories import import_demo_plan, make_user, signed_decision
from .test_contributions import statements


def _task(plan, code):
    return next(t for t in plan.tasks if t.code == code)


def test_a_progress_update_reads_as_a_sentence_with_before_and_after(commune):
    plan = import_demo_plan()
    lan = make_user(roles=("staff",), office="VP", full_name="Nguyễn Thị Lan")
    task = _task(plan, "2.1")
    first = plans.record_task_update(task, plans.UpdateData("in_progress", 60, "Bước 1"), lan)
    db.session.commit()
    plans.record_task_update(
        task, plans.UpdateData("in_progress", 85, "Bước 2", based_on_id=first.id), lan
    )
    db.session.commit()
    rows = db.session.scalars(audit_view.query(audit_view.Filters(kind="task")).limit(1)).all()
    [entry] = audit_view.entries(rows)
    assert entry.sentence == "Nguyễn Thị Lan cập nhật tiến độ nhiệm vụ 2.1"
    progress = next(c for c in entry.changes if c.label == "Tiến độ")
    assert (progress.before, progress.after) == ("60 %", "85 %")
    assert all(c.label != "Trạng thái" for c in entry.changes)  # unchanged: not listed


def test_a_signed_decision_is_named_by_its_number(commune):
    chairman = make_user(roles=("chairman",), office=None, full_name="Trần Quốc Hưng")
    decision = signed_decision()
    audit.record(
        "decision.approve",
        decision,
        actor=chairman,
        before={"state": "submitted"},
        after={"state": "approved"},
    )
    db.session.commit()
    [entry] = audit_view.entries(
        db.session.scalars(audit_view.query(audit_view.Filters(kind="decision"))).all()
    )
    assert entry.sentence == f"Trần Quốc Hưng ký Quyết định số {decision.number_symbol}"
    assert [(c.label, c.before, c.after) for c in entry.changes] == [
        ("Trạng thái", "Đã gửi", "Đã ký ban hành")
    ]


def test_the_page_names_objects_in_a_constant_number_of_statements(commune):
    plan = import_demo_plan()
    staff = make_user(roles=("staff",), office="VP")

    def count() -> int:
        db.session.expire_all()
        rows = db.session.scalars(audit_view.query(audit_view.Filters())).all()
        with statements() as seen:
            audit_view.entries(rows)
        return len(seen)

    plans.record_task_update(_task(plan, "2.1"), plans.UpdateData("in_progress", 10), staff)
    db.session.commit()
    before = count()
    for code in ("2.2", "2.3", "3.1"):
        plans.record_task_update(_task(plan, code), plans.UpdateData("in_progress", 10), staff)
    db.session.commit()
    assert count() == before


def test_filters_pages_and_a_bad_date(client, login_as, commune):
    admin = login_as("admin", office=None, full_name="Quản Trị Viên")
    other = make_user(roles=("staff",), office="KT", full_name="Lê Văn Khác")
    for n in range(60):
        audit.record("user.update", other, actor=admin, before={"full_name": f"A{n}"},
                     after={"full_name": f"B{n}"})  # fmt: skip
    audit.record("user.update", admin, actor=other, before={"email": ""}, after={"email": "x@y.vn"})
    db.session.commit()
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Quản Trị Viên sửa tài khoản Lê Văn Khác" in page
    assert "Họ tên:</strong> A59 → B59" in page
    assert "Bản ghi gốc" in page and "user.update" in page  # the raw record, one click away
    assert 'rel="next"' in page  # 61 rows: two pages
    mine = client.get(f"/admin/audit?actor={other.id}").get_data(as_text=True)
    assert "Lê Văn Khác sửa tài khoản Quản Trị Viên" in mine and "A59" not in mine
    by_office = client.get(f"/admin/audit?office={other.office_id}").get_data(as_text=True)
    assert "1 thay đổi khớp bộ lọc" in by_office
    bad = client.get("/admin/audit?start=31/02/2026&end=abc")
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert html.count("Ngày không hợp lệ. Hãy nhập dạng 26/12/2025.") == 2
    assert 'value="31/02/2026"' in html  # what was typed stays
    future = client.get("/admin/audit?start=01/01/2099").get_data(as_text=True)
    assert "Không có thay đổi nào khớp bộ lọc" in future
    reversed_ = client.get("/admin/audit?start=02/01/2026&end=01/01/2026").get_data(as_text=True)
    assert "Ngày kết thúc phải sau ngày bắt đầu." in reversed_


def test_exports_carry_the_sentences(client, login_as, commune):
    admin = login_as("admin", office=None, full_name="Quản Trị Viên")
    audit.record("user.update", admin, actor=admin, before={"email": ""}, after={"email": "a@b.vn"})
    db.session.commit()
    csv_response = client.get("/admin/audit/export?format=csv")
    text = csv_response.get_data().decode("utf-8-sig")
    assert csv_response.mimetype == "text/csv"
    assert "Quản Trị Viên sửa tài khoản Quản Trị Viên" in text
    assert "E-mail: (trống) → a@b.vn" in text
    xlsx = client.get("/admin/audit/export")
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet["D2"].value == "Quản Trị Viên sửa tài khoản Quản Trị Viên"
    assert db.session.query(AuditLog).count() == 1
