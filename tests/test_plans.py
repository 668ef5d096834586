"""Plans CRUD for the secretariat, objectives and their monthly values, plan exports."""

import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models.plans import Objective, ObjectiveValue, Plan, Task
from cchc_web.plans import services as plans

from .factories import import_demo_plan, make_plan, make_task, make_user, office


def plan_form(**overrides):
    data = {"title": "Kế hoạch CCHC năm 2026", "period_start": "2026-01-01",
            "period_end": "2026-12-31", "theme": "Chuyển đổi số", "doc_number": "12/KH-UBND",
            "doc_date": "2026-01-05"}  # fmt: skip
    data.update(overrides)
    return data


def task_form(**overrides):
    data = {"code": "1.1", "field": "tthc", "content": "Rà soát thủ tục hành chính",
            "lead_office_ids": [str(office("VP").id)],
            "coordinating_office_ids": [str(office("VP").id), str(office("HCC").id)],
            "timing": "month", "due_month": "2026-03"}  # fmt: skip
    data.update(overrides)
    return data


@pytest.mark.parametrize("url", ["/plans/new", "/plans/import"])
@pytest.mark.parametrize("roles", [("staff",), ("head",), ("chairman",), ("admin",)])
def test_only_the_secretariat_manages_plans(client, login_as, url, roles):
    login_as(*roles, office="VP")
    assert client.get(url).status_code == 403


def test_create_edit_and_issue_a_plan_with_tasks(client, login_as):
    login_as("secretariat", office="VHXH")
    assert client.post("/plans/new", data=plan_form()).status_code == 303
    plan = db.session.scalar(select(Plan))
    assert plan.status == "draft"
    issue = client.post(f"/plans/{plan.id}/activate", data={})
    assert issue.status_code == 303
    db.session.refresh(plan)
    assert plan.status == "draft"  # no task yet: refused
    response = client.post(f"/plans/{plan.id}/tasks/new", data=task_form())
    assert response.status_code == 303
    task = db.session.scalar(select(Task))
    assert [o.code for o in task.lead_offices] == ["VP"]
    assert [o.code for o in task.coordinating_offices] == ["HCC"]  # the lead is not also a helper
    assert task.due_month == date(2026, 3, 1)
    edit = client.post(
        f"/plans/tasks/{task.id}/edit", data=task_form(timing="ongoing", due_month="")
    )
    assert edit.status_code == 303
    db.session.refresh(task)
    assert (task.timing, task.due_month) == ("ongoing", None)
    assert client.post(f"/plans/{plan.id}/activate", data={}).status_code == 303
    db.session.refresh(plan)
    assert plan.status == "active"
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Rà soát thủ tục hành chính" in page and "Đã ban hành" in page
    assert "Kết thúc kế hoạch" in page and "Ban hành kế hoạch" not in page


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"title": ""}, "Hãy nhập tên kế hoạch."),
        ({"period_end": "2025-01-01"}, "Ngày kết thúc phải sau ngày bắt đầu."),
        ({"period_start": "31/02/2026"}, "Ngày không hợp lệ."),
        ({"period_start": " "}, "Hãy nhập từ ngày."),
    ],
)
def test_bad_plan_input_is_refused_and_kept(client, login_as, overrides, message):
    login_as("secretariat", office="VHXH")
    response = client.post("/plans/new", data=plan_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert "Chuyển đổi số" in page
    assert db.session.scalar(select(func.count(Plan.id))) == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"lead_office_ids": []}, "Hãy chọn ít nhất một đơn vị chủ trì."),
        ({"due_month": "2027-01"}, "ngoài thời gian của kế hoạch"),
        ({"due_month": "tháng sau"}, "Tháng không hợp lệ"),
        ({"due_month": ""}, "Hãy chọn tháng phải hoàn thành."),
        ({"code": "9.9", "field": "chi_so"}, "Hãy chọn một mục trong danh sách."),
    ],
)
def test_bad_task_input_is_refused(client, login_as, overrides, message):
    login_as("secretariat", office="VHXH")
    plan = make_plan(period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    response = client.post(f"/plans/{plan.id}/tasks/new", data=task_form(**overrides))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert db.session.scalar(select(func.count(Task.id))) == 0


def test_duplicate_task_code_and_task_with_history_cannot_be_deleted(client, login_as):
    login_as("secretariat", office="VHXH")
    plan = make_plan(period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    task = make_task(plan, "1.1")
    dup = client.post(f"/plans/{plan.id}/tasks/new", data=task_form())
    assert "Kế hoạch đã có nhiệm vụ mã “1.1”." in dup.get_data(as_text=True)
    staff = make_user(roles=("staff",), office="VP")
    plans.record_task_update(task, plans.UpdateData("in_progress", 10), staff)
    db.session.commit()
    client.post(f"/plans/tasks/{task.id}/remove", data={})
    assert db.session.get(Task, task.id) is not None


def test_objective_values_states_and_chart(client, login_as, commune):
    plan = import_demo_plan()
    mt2 = next(o for o in plan.objectives if o.code == "MT2")  # ≥ 95 %, HCC
    login_as("staff", office="VP")
    refused = client.post(f"/plans/objectives/{mt2.id}", data={"month": "2025-09", "value": "96"})
    assert refused.status_code == 403
    client.post("/logout", data={})
    login_as("staff", office="HCC")
    for month, value in (("2025-08", "96"), ("2025-09", "92,5"), ("2025-10", "80")):
        response = client.post(f"/plans/objectives/{mt2.id}", data={"month": month, "value": value})
        assert response.status_code == 303
    db.session.refresh(mt2)  # the values were saved by the requests' own sessions
    states = [plans.objective_state(mt2, v.value) for v in mt2.values]
    assert states == ["met", "at_risk", "missed"]
    page = client.get(f"/plans/objectives/{mt2.id}").get_data(as_text=True)
    assert "<svg" in page and "92,5" in page and "Không đạt" in page
    for bad, message in (("abc", "Hãy nhập một số"), ("120", "không thể vượt 100")):
        response = client.post(
            f"/plans/objectives/{mt2.id}", data={"month": "2025-11", "value": bad}
        )
        assert message in response.get_data(as_text=True)
    outside = client.post(f"/plans/objectives/{mt2.id}", data={"month": "2026-03", "value": "99"})
    assert "nằm ngoài thời gian" in outside.get_data(as_text=True)
    # Entering a month again corrects it rather than adding a second value.
    client.post(f"/plans/objectives/{mt2.id}", data={"month": "2025-10", "value": "95"})
    assert db.session.scalar(select(func.count(ObjectiveValue.id))) == 3


def test_objective_state_rules(commune):
    plan = import_demo_plan()
    backlog = next(o for o in plan.objectives if o.code == "MT2b")  # ≤ 0 hồ sơ
    assert plans.objective_state(backlog, Decimal(0)) == "met"
    assert plans.objective_state(backlog, Decimal(1)) == "at_risk"
    assert plans.objective_state(backlog, Decimal(5)) == "missed"
    assert plans.objective_state(backlog, None) == "no_data"
    strict = next(o for o in plan.objectives if o.code == "MT3b")  # > 80 %
    assert plans.objective_state(strict, Decimal(80)) == "at_risk"
    assert plans.objective_state(strict, Decimal("80.5")) == "met"


def test_plan_exports(client, login_as, commune):
    plan = import_demo_plan()
    login_as("staff", office="KT")
    xlsx = client.get(f"/plans/{plan.id}/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data))["Nhiệm vụ"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("ma", "linh_vuc", "noi_dung", "chu_tri", "phoi_hop", "thoi_gian")
    assert len(rows) == 30
    assert rows[11][:2] == ("3.2", "tthc") and rows[11][3] == "CQCM"
    pdf = client.get(f"/plans/{plan.id}/export.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_new_objective_by_the_secretariat(client, login_as):
    login_as("secretariat", office="VHXH")
    plan = make_plan()
    data = {"code": "MT9", "indicator": "Tỷ lệ hồ sơ trực tuyến", "comparison": ">=",
            "target": "80", "unit": "%", "owner_office_id": str(office("HCC").id)}  # fmt: skip
    assert client.post(f"/plans/{plan.id}/objectives/new", data=data).status_code == 303
    again = client.post(f"/plans/{plan.id}/objectives/new", data=data)
    assert "Kế hoạch đã có chỉ tiêu mã này." in again.get_data(as_text=True)
    bad = client.post(f"/plans/{plan.id}/objectives/new", data={**data, "code": "X", "target": "x"})
    assert "Hãy nhập một số" in bad.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Objective.id))) == 1


def test_plan_update_cannot_leave_tasks_outside(commune):
    plan = make_plan()
    make_task(plan, "1.1", timing="month", due_month=date(2025, 11, 1))
    with pytest.raises(DomainError, match="1.1"):
        plans.update_plan(plan, plans.PlanData("X", date(2025, 7, 1), date(2025, 9, 30)))


def test_pages_render_for_everyone_with_empty_states(client, login_as):
    login_as("staff", office="CA")
    assert "Chưa có kế hoạch nào." in client.get("/plans/").get_data(as_text=True)
    assert "Chưa có kế hoạch CCHC nào được ban hành." in client.get("/offices/ca/").get_data(
        as_text=True
    )
    assert client.get("/reports/").status_code == 302
    assert "Đơn vị chưa có báo cáo nào." in client.get("/reports/office/ca/").get_data(as_text=True)


def test_edit_objective(client, login_as, commune):
    plan = import_demo_plan()
    mt2 = next(o for o in plan.objectives if o.code == "MT2")
    login_as("head", office="HCC")
    assert client.get(f"/plans/objectives/{mt2.id}/edit").status_code == 403
    client.post("/logout", data={})
    login_as("secretariat", office="VHXH")
    data = {"code": "MT2", "indicator": mt2.indicator, "comparison": ">=", "target": "97,5",
            "unit": "%", "owner_office_id": str(office("HCC").id)}  # fmt: skip
    assert client.post(f"/plans/objectives/{mt2.id}/edit", data=data).status_code == 303
    db.session.refresh(mt2)
    assert mt2.target == Decimal("97.5")
    clash = client.post(f"/plans/objectives/{mt2.id}/edit", data={**data, "code": "MT1"})
    assert "Kế hoạch đã có chỉ tiêu mã này." in clash.get_data(as_text=True)


def test_plan_page_lists_its_tasks_a_page_at_a_time(client, login_as, commune):
    plan = import_demo_plan()  # 29 tasks in 7 fields
    login_as("secretariat", office="VHXH")
    first = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    second = client.get(f"/plans/{plan.id}?page=2").get_data(as_text=True)
    assert "Nhiệm vụ (29)" in first and "Nhiệm vụ (29)" in second
    rows = [page.count('href="/plans/tasks/') for page in (first, second)]
    assert rows == [25, 4]
    assert 'aria-label="Phân trang"' in first
    # A field keeps its number from the plan on every page.
    assert "7. " in second


def test_plan_dates_are_typed_and_shown_as_dd_mm_yyyy(client, login_as):
    login_as("secretariat", office="VHXH")
    data = plan_form(period_start="01/01/2026", period_end="31-12-2026", doc_date="05.01.2026")
    assert client.post("/plans/new", data=data).status_code == 303
    plan = db.session.scalar(select(Plan))
    assert (plan.period_start, plan.period_end, plan.doc_date) == (
        date(2026, 1, 1), date(2026, 12, 31), date(2026, 1, 5),
    )  # fmt: skip
    page = client.get(f"/plans/{plan.id}/edit").get_data(as_text=True)
    assert 'value="01/01/2026"' in page and 'value="31/12/2026"' in page
    assert 'placeholder="dd/mm/yyyy"' in page and "2026-01-01" not in page
