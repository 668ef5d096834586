"""The plan lifecycle draft → active → closed (issue 14): only active and closed plans feed
reports, dashboards and workspaces; drafts are the secretariat's alone; a plan that would
count the same tasks twice is refused."""

import base64
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models import AuditLog
from cchc_web.models.plans import Objective, Plan, Task
from cchc_web.plans import demo
from cchc_web.plans import services as plans
from cchc_web.reports import periods
from cchc_web.reports import services as reports

from .factories import import_demo_plan, make_plan, make_task, make_user

TASKS_CSV = demo.TASKS_CSV.read_bytes()  # the real plan of /work/shared/data, shipped
OBJECTIVES_CSV = demo.OBJECTIVES_CSV.read_bytes()


def task(plan, code):
    return next(t for t in plan.tasks if t.code == code)


def plan_status(plan_id: int) -> str:
    return db.session.scalar(select(Plan.status).where(Plan.id == plan_id))


# -- activate / close --------------------------------------------------------------------------
def test_activate_needs_a_draft_with_tasks_and_the_secretariat(commune):
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    staff = make_user(roles=("staff",), office="VHXH")
    empty = make_plan("Kế hoạch trống", status="draft")
    with pytest.raises(DomainError, match="chưa có nhiệm vụ"):
        plans.activate_plan(empty, secretariat)
    draft = import_demo_plan(active=False)
    with pytest.raises(DomainError, match="Chỉ Thường trực CCHC"):
        plans.activate_plan(draft, staff)
    plans.activate_plan(draft, secretariat)
    db.session.commit()
    assert plan_status(draft.id) == "active"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "plan.activate"))
    assert entry.actor_id == secretariat.id and entry.after == {"status": "active"}
    with pytest.raises(DomainError, match="đã được ban hành"):
        plans.activate_plan(draft, secretariat)
    plans.close_plan(draft, secretariat)
    db.session.commit()
    assert plan_status(draft.id) == "closed"
    with pytest.raises(DomainError, match="đã kết thúc"):
        plans.activate_plan(draft, secretariat)
    with pytest.raises(DomainError, match="đã kết thúc"):
        plans.close_plan(draft, secretariat)


def test_the_leader_who_signed_the_decision_activates_the_plan(commune):
    chairman = make_user(roles=("chairman",), office=None)
    vice = make_user(roles=("vice_chairman",), office=None)
    draft = import_demo_plan(active=False)
    signed_by_chairman = SimpleNamespace(id=41, approved_by_id=chairman.id)
    with pytest.raises(DomainError, match="lãnh đạo đã ký"):
        plans.activate_plan(draft, vice, decision=signed_by_chairman)
    with pytest.raises(DomainError, match="Chỉ Thường trực CCHC"):
        plans.activate_plan(draft, chairman)  # without a Decision, leaders do not issue it
    plans.activate_plan(draft, chairman, decision=signed_by_chairman)
    db.session.commit()
    assert plan_status(draft.id) == "active"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "plan.activate"))
    assert entry.after == {"status": "active", "decision_id": 41}


def test_secretariat_issues_and_closes_from_the_plan_page(client, login_as, commune):
    draft = import_demo_plan(active=False)
    draft.doc_number, draft.doc_date = "", None
    db.session.commit()
    login_as("secretariat", office="VHXH")
    page = client.get(f"/plans/{draft.id}").get_data(as_text=True)
    # The way to issue a plan is its signed document; a plan signed on paper is recorded.
    assert "Soạn văn bản ban hành" in page and "dự thảo" in page
    assert "Ghi nhận đã ban hành" not in page  # not before its number and date are written
    draft.doc_number, draft.doc_date = "125/KH-UBND", date(2025, 7, 1)
    db.session.commit()
    page = client.get(f"/plans/{draft.id}").get_data(as_text=True)
    assert 'data-confirm="Ghi nhận kế hoạch này đã được ký ban hành ngoài hệ thống?' in page
    assert client.post(f"/plans/{draft.id}/activate", data={}).status_code == 303
    assert plan_status(draft.id) == "active"
    page = client.get(f"/plans/{draft.id}").get_data(as_text=True)
    assert "Kết thúc kế hoạch" in page and "Đã ban hành" in page
    assert client.post(f"/plans/{draft.id}/close", data={}).status_code == 303
    assert plan_status(draft.id) == "closed"
    assert "Đã kết thúc" in client.get(f"/plans/{draft.id}").get_data(as_text=True)


@pytest.mark.parametrize("roles", [("staff",), ("head",), ("chairman",), ("admin",)])
def test_others_cannot_issue_or_close_and_nothing_changes(client, login_as, commune, roles):
    draft = import_demo_plan(active=False)
    active = make_plan("Kế hoạch khác", period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
    login_as(*roles, office="VHXH" if "chairman" not in roles else None)
    assert client.post(f"/plans/{draft.id}/activate", data={}).status_code == 403
    assert client.post(f"/plans/{active.id}/close", data={}).status_code == 403
    assert (plan_status(draft.id), plan_status(active.id)) == ("draft", "active")
    assert db.session.scalar(select(func.count(AuditLog.id)).where(AuditLog.action.like("plan.%")))


def test_closing_is_a_post_with_a_token(client, login_as, commune):
    plan = import_demo_plan()
    login_as("secretariat", office="VHXH")
    assert client.get(f"/plans/{plan.id}/close").status_code == 405
    assert client.post(f"/plans/{plan.id}/close", data={}, csrf=False).status_code == 400
    assert plan_status(plan.id) == "active"


# -- drafts are the secretariat's alone -----------------------------------------------------------
def test_a_draft_is_seen_by_the_secretariat_only(client, login_as, commune):
    draft = import_demo_plan(active=False, title="Dự thảo kế hoạch CCHC 2026")
    vp_task, objective = task(draft, "2.1"), draft.objectives[0]
    login_as("head", office="VP")
    assert "Dự thảo kế hoạch CCHC 2026" not in client.get("/plans/").get_data(as_text=True)
    for url in (
        f"/plans/{draft.id}",
        f"/plans/{draft.id}/export.pdf",
        f"/plans/{draft.id}/export.xlsx",
        f"/offices/vp/tasks/{vp_task.id}",
        f"/offices/vp/tasks/{vp_task.id}/update",
        f"/plans/objectives/{objective.id}",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/offices/vp/?plan={draft.id}").status_code == 404
    workspace = client.get("/offices/vp/").get_data(as_text=True)
    assert (
        vp_task.content not in workspace and "Chưa có kế hoạch CCHC nào được ban hành" in workspace
    )
    client.post("/logout", data={})
    login_as("chairman", office=None)
    assert client.get(f"/plans/{draft.id}").status_code == 403
    assert client.get(f"/dashboard/?plan={draft.id}").status_code == 404
    assert "Chưa có kế hoạch CCHC nào" in client.get("/dashboard/").get_data(as_text=True)
    client.post("/logout", data={})
    login_as("secretariat", office="VHXH")
    assert "Dự thảo kế hoạch CCHC 2026" in client.get("/plans/").get_data(as_text=True)
    assert client.get(f"/plans/{draft.id}").status_code == 200


def test_a_draft_takes_no_updates_and_no_values(commune):
    draft = import_demo_plan(active=False)
    vp = make_user(roles=("staff",), office="VP")
    with pytest.raises(DomainError, match="chưa được ban hành"):
        plans.record_task_update(task(draft, "2.1"), plans.UpdateData("in_progress", 10), vp)
    mt1 = next(o for o in draft.objectives if o.code == "MT1")
    with pytest.raises(DomainError, match="chưa ban hành"):
        plans.record_objective_value(mt1, date(2025, 10, 1), 100, "", vp)


def test_a_closed_plan_keeps_its_history_but_takes_no_more_updates(client, login_as, commune):
    plan = import_demo_plan()
    vp = make_user(roles=("staff",), office="VP")
    plans.record_task_update(task(plan, "2.1"), plans.UpdateData("in_progress", 60), vp)
    plans.close_plan(plan, make_user(roles=("secretariat",), office="VHXH"))
    db.session.commit()
    with pytest.raises(DomainError, match="đã kết thúc"):
        plans.record_task_update(
            task(plan, "2.1"), plans.UpdateData("done", 100, based_on_id=None), vp
        )
    login_as("staff", office="VP")
    t = task(plan, "2.1")
    page = client.get("/offices/vp/").get_data(as_text=True)
    assert t.content in page and "Đã kết thúc" in page  # still shown, with its status
    assert ">Cập nhật</a>" not in page
    assert (
        client.post(f"/offices/vp/tasks/{t.id}/update", data={"status": "done"}).status_code == 403
    )
    assert [u.progress for u in db.session.get(Task, t.id).updates] == [60]


# -- one task, one objective: no double counting ----------------------------------------------
def _import_form(**overrides):
    data = {
        "title": "Kế hoạch CCHC 6 tháng cuối năm 2025 (nhập lại)",
        "period_start": "2025-07-01",
        "period_end": "2025-12-31",
        "theme": "Nhập lại từ tệp",
        "doc_number": "",
        "doc_date": "",
        "tasks_name": "ke_hoach.csv",
        "tasks_blob": base64.b64encode(TASKS_CSV).decode(),
        "objectives_name": "muc_tieu.csv",
        "objectives_blob": base64.b64encode(OBJECTIVES_CSV).decode(),
    }
    data.update(overrides)
    return data


def test_importing_the_active_plan_again_is_refused_and_the_form_kept(client, login_as, commune):
    import_demo_plan()
    login_as("secretariat", office="VHXH")
    preview = client.post("/plans/import", data=_import_form())
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "kế hoạch đang thực hiện trong cùng thời gian" in page
    assert "1.1, 1.2, 1.3, 1.4, 2.1, 2.2, 2.3, 2.4 … (29 mã)" in page
    assert "Xác nhận nhập" not in page  # nothing to confirm
    assert 'value="Kế hoạch CCHC 6 tháng cuối năm 2025 (nhập lại)"' in page  # kept
    confirmed = client.post("/plans/import", data={**_import_form(), "confirm": "1"})
    assert confirmed.status_code == 200
    assert "kế hoạch đang thực hiện trong cùng thời gian" in confirmed.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Plan.id))) == 1
    assert db.session.scalar(select(func.count(Task.id))) == 29


def test_import_beside_a_closed_plan_or_another_period_makes_a_draft(client, login_as, commune):
    plan = import_demo_plan()
    plans.close_plan(plan, make_user(roles=("secretariat",), office="VHXH"))
    db.session.commit()
    login_as("secretariat", office="VHXH")
    response = client.post("/plans/import", data={**_import_form(), "confirm": "1"})
    assert response.status_code == 303
    copy = db.session.scalar(select(Plan).order_by(Plan.id.desc()))
    assert copy.status == "draft" and len(copy.tasks) == 29
    # Issuing the copy is fine too: the plan with the same codes is closed.
    plans.activate_plan(copy, make_user(roles=("secretariat",), office="VHXH"))
    db.session.commit()
    # But a third one, now that the copy is active, is refused: at the preview, and by the
    # service even if the preview were skipped.
    period = (date(2025, 7, 1), date(2025, 12, 31))
    parsed = plans.parse_plan_files(("a.csv", TASKS_CSV), ("b.csv", OBJECTIVES_CSV), period)
    assert "đang thực hiện trong cùng thời gian" in parsed.issues[0].message
    parsed.issues = []
    with pytest.raises(DomainError, match="đang thực hiện trong cùng thời gian"):
        plans.import_plan(plans.PlanData("Bản thứ ba", *period), parsed)


def test_issuing_a_draft_that_repeats_an_active_plan_is_refused(commune):
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    first = make_plan("Kế hoạch A", status="draft")
    second = make_plan("Kế hoạch B", status="draft", period_start=date(2025, 10, 1))
    for plan in (first, second):
        make_task(plan, "3.2", lead="VP")
    make_task(second, "9.1", lead="KT")
    plans.activate_plan(first, secretariat)
    db.session.commit()
    with pytest.raises(DomainError, match="mã 3.2"):
        plans.activate_plan(second, secretariat)
    db.session.rollback()
    assert plan_status(second.id) == "draft"


def test_an_active_plan_cannot_take_a_code_or_a_period_that_repeats_another(commune):
    first = make_plan("Kế hoạch A")  # 01/07 – 31/12/2025
    make_task(first, "3.2", lead="VP")
    overlapping = make_plan("Kế hoạch B", period_start=date(2025, 10, 1))
    with pytest.raises(DomainError, match="mã 3.2"):
        make_task(overlapping, "3.2", lead="VP")
    db.session.rollback()
    later = make_plan("Kế hoạch C", period_start=date(2026, 1, 1), period_end=date(2026, 6, 30))
    make_task(later, "3.2", lead="VP")  # no overlap: the same code is another task
    with pytest.raises(DomainError, match="mã 3.2"):
        plans.update_plan(later, plans.PlanData("Kế hoạch C", date(2025, 12, 1), date(2026, 6, 30)))
    db.session.rollback()
    assert db.session.get(Plan, later.id).period_start == date(2026, 1, 1)


def test_overlapping_active_plans_are_reported_plan_by_plan_each_task_once(commune):
    """A yearly plan and a thematic plan overlap; a draft repeats the yearly one: the report
    lists the two active plans' tasks, grouped by plan, each once, and no draft."""
    yearly = import_demo_plan()
    thematic = make_plan(
        "Kế hoạch chuyển đổi số quý IV/2025",
        status="draft",
        period_start=date(2025, 10, 1),
        period_end=date(2025, 12, 31),
    )
    make_task(thematic, "CĐS-1", lead="VP", content="Số hóa hồ sơ một cửa")
    plans.create_objective(
        thematic,
        plans.ObjectiveData(
            "MT1", "Hồ sơ được số hóa", ">=", 100, "%", yearly.objectives[0].owner_office_id
        ),
    )
    plans.activate_plan(thematic, make_user(roles=("secretariat",), office="VHXH"))
    db.session.commit()
    # A draft with the same codes as the yearly plan, in another period: never reported.
    draft = make_plan("Dự thảo", status="draft", period_start=date(2025, 11, 1))
    make_task(draft, "2.1", lead="VP", content="Nhiệm vụ của dự thảo")
    vp = task(yearly, "2.1").lead_offices[0]
    data = reports.compile_report(vp, periods.month_period(2025, 11), today=date(2025, 11, 20))
    keys = [(r["plan_id"], r["task_id"]) for r in data["tasks"]]
    assert len(keys) == len(set(keys))
    assert {r["plan_id"] for r in data["tasks"]} == {yearly.id, thematic.id}
    assert "Nhiệm vụ của dự thảo" not in {r["content"] for r in data["tasks"]}
    assert [r["code"] for r in data["tasks"]].count("2.1") == 1
    groups = reports.groups_by_plan(data)
    assert [g.title for g in groups] == [
        "Kế hoạch cải cách hành chính 6 tháng cuối năm 2025 (số 125/KH-UBND ngày 08/07/2025)",
        "Kế hoạch chuyển đổi số quý IV/2025",
    ]
    objective_ids = [o["objective_id"] for o in data["objectives"]]
    assert len(objective_ids) == len(set(objective_ids))
    # Two plans both have an "MT1": each is its own objective, under its own plan.
    assert sorted(o["plan_id"] for o in data["objectives"] if o["code"] == "MT1") == sorted(
        [yearly.id, thematic.id]
    )
    assert db.session.scalar(select(func.count(Objective.id))) == 14


def test_commune_report_counts_each_task_and_objective_once(commune):
    plan = import_demo_plan()
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    november = periods.month_period(2025, 11)
    for code in ("VP", "KT", "VHXH", "HCC"):
        head = make_user(roles=("head",), office=code)
        report = reports.start_report(head.office, november, head, today=date(2025, 11, 16))
        report.direction = "x"
        reports.submit_report(report, head)
        reports.accept_report(report, secretariat)
    commune_report = reports.start_report(None, november, secretariat, today=date(2025, 11, 16))
    db.session.commit()
    data = reports.report_data(commune_report)
    assert len(data["tasks"]) == len(plan.tasks) == data["counts"]["total"] == 29
    assert len({r["task_id"] for r in data["tasks"]}) == 29
    assert sorted(o["code"] for o in data["objectives"]) == sorted(o.code for o in plan.objectives)


def test_a_plan_made_and_issued_in_one_transaction(commune):
    """As when a signed Decision issues a plan: nothing committed in between."""
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    plan = plans.create_plan(
        plans.PlanData("Kế hoạch chuyên đề", date(2026, 1, 1), date(2026, 6, 30))
    )
    plans.create_task(
        plan, plans.TaskData("1.1", "tthc", "Rà soát TTHC", [secretariat.office_id], [], "ongoing")
    )
    plans.activate_plan(plan, secretariat)
    db.session.commit()
    assert plan_status(plan.id) == "active"
