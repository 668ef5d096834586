"""Lead and coordinating offices (issue 14): the lead office owns a task's status and
percent; a coordinating office posts its contribution, shown under its name, and never
changes the status. Task 6.1 of the real plan: KT leads, VP (among others) coordinates."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from cchc_web.core.errors import DomainError
from cchc_web.core.extensions import db
from cchc_web.models.plans import Task, TaskUpdate
from cchc_web.plans import services as plans
from cchc_web.reports import periods
from cchc_web.reports import services as reports

from .factories import import_demo_plan, make_user, statements

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def plan(commune):
    return import_demo_plan()


def task(plan, code):
    return next(t for t in plan.tasks if t.code == code)


def updates_of(t):
    return db.session.scalars(
        select(TaskUpdate).where(TaskUpdate.task_id == t.id).order_by(TaskUpdate.id)
    ).all()


def kt_reports_half(plan, when=None):
    """KT (lead of 6.1) reports 50%."""
    kt = make_user(roles=("staff",), office="KT", full_name="Vũ Thị Mai")
    update = plans.record_task_update(
        task(plan, "6.1"), plans.UpdateData("in_progress", 50, "Công khai dự toán."), kt
    )
    if when:
        update.created_at = when
    db.session.commit()
    return update


def test_the_lead_status_stays_when_a_coordinating_office_contributes(plan):
    kt_reports_half(plan)
    vp = make_user(roles=("staff",), office="VP")
    t = task(plan, "6.1")
    contribution = plans.record_contribution(t, "Văn phòng đăng tải dự toán lên cổng.", vp)
    db.session.commit()
    assert (contribution.kind, contribution.status, contribution.progress) == (
        "contribution",
        None,
        None,
    )
    db.session.expire_all()
    t = db.session.get(Task, t.id)
    assert (t.status, t.progress) == ("in_progress", 50)
    assert t.latest_update.office.code == "KT"


def test_a_coordinating_office_cannot_set_the_status(plan):
    kt_reports_half(plan)
    vp = make_user(roles=("staff",), office="VP")
    with pytest.raises(DomainError, match=r"phối hợp thực hiện nhiệm vụ này.*\(KT\)"):
        plans.record_task_update(
            task(plan, "6.1"), plans.UpdateData("not_started", 0, based_on_id=None), vp
        )
    kt = make_user(roles=("staff",), office="KT")
    with pytest.raises(DomainError, match="chủ trì nhiệm vụ này"):
        plans.record_contribution(task(plan, "6.1"), "Ghi chú", kt)
    with pytest.raises(DomainError, match="Hãy nêu phần việc"):
        plans.record_contribution(task(plan, "6.1"), "   ", vp)
    qs = make_user(roles=("staff",), office="QS")  # neither leads nor coordinates 6.1
    with pytest.raises(DomainError, match="không thuộc đơn vị"):
        plans.record_contribution(task(plan, "6.1"), "Ghi chú", qs)
    db.session.rollback()
    assert [u.office.code for u in updates_of(task(plan, "6.1"))] == ["KT"]


def test_a_status_posted_by_a_coordinating_office_is_refused_and_its_text_kept(
    client, login_as, plan
):
    kt_reports_half(plan)
    login_as("staff", office="VP")
    t = task(plan, "6.1")
    form = client.get(f"/offices/vp/tasks/{t.id}/update").get_data(as_text=True)
    assert "Gửi phần việc phối hợp" in form and 'name="status"' not in form
    response = client.post(
        f"/offices/vp/tasks/{t.id}/update",
        data={"status": "not_started", "progress": "0", "result": "VP chưa làm gì."},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "tình trạng và tiến độ do đơn vị chủ trì (KT) cập nhật" in page
    assert "VP chưa làm gì." in page  # what was typed stays, in the contribution form
    assert [u.office.code for u in updates_of(t)] == ["KT"]  # nothing stored
    # Through htmx the refusal shows inside the swapped form.
    fragment = client.post(
        f"/offices/vp/tasks/{t.id}/update",
        data={"status": "done", "progress": "100", "result": "x"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "<html" not in fragment and "đơn vị chủ trì (KT)" in fragment
    assert len(updates_of(t)) == 1


def test_contribution_from_the_page_with_evidence_shows_to_the_lead(client, login_as, plan):
    kt_reports_half(plan)
    login_as("staff", office="VP", full_name="Nguyễn Thị Lan")
    t = task(plan, "6.1")
    empty = client.post(
        f"/offices/vp/tasks/{t.id}/update", data={"kind": "contribution", "result": ""}
    )
    assert "Hãy nêu phần việc đơn vị đã thực hiện." in empty.get_data(as_text=True)
    assert len(updates_of(t)) == 1
    from io import BytesIO

    ok = client.post(
        f"/offices/vp/tasks/{t.id}/update",
        data={
            "kind": "contribution",
            "result": "Đăng tải dự toán lên Cổng thông tin điện tử xã.",
            "evidence": (BytesIO(PDF), "Ảnh chụp cổng.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert ok.status_code == 303
    contribution = updates_of(t)[-1]
    assert contribution.kind == "contribution" and len(contribution.attachments) == 1
    client.post("/logout", data={})
    login_as("head", office="KT")
    workspace = client.get("/offices/kt/").get_data(as_text=True)
    assert "Phần việc các đơn vị phối hợp gửi gần đây" in workspace
    assert "Đăng tải dự toán lên Cổng thông tin điện tử xã." in workspace
    row = workspace.split(f'id="task-{t.id}"')[1].split("</tr>")[0]
    assert "Đang thực hiện" in row and "50%" in row  # KT's status, not VP's
    page = client.get(f"/offices/kt/tasks/{t.id}").get_data(as_text=True)
    assert "Văn phòng HĐND và UBND xã" in page and "Ảnh chụp cổng.pdf" in page
    assert "Đang thực hiện</span> 50%" in page
    # The lead opens the evidence of the coordinating office.
    assert client.get(f"/offices/kt/files/{contribution.attachments[0].id}").status_code == 200


def test_status_everywhere_is_the_lead_office_newest(client, login_as, plan):
    kt_reports_half(plan)
    vp = make_user(roles=("staff",), office="VP")
    plans.record_contribution(task(plan, "6.1"), "Phối hợp.", vp)
    db.session.commit()
    login_as("secretariat", office="VHXH")
    t = task(plan, "6.1")
    dashboard = client.get("/dashboard/tasks?status=in_progress").get_data(as_text=True)
    assert t.content in dashboard
    not_started = client.get("/dashboard/tasks?status=not_started").get_data(as_text=True)
    assert t.content not in not_started
    plan_page = "".join(
        client.get(f"/plans/{plan.id}?page={n}").get_data(as_text=True) for n in (1, 2)
    )
    row = plan_page.split(t.content)[1].split("</tr>")[0]
    assert "Đang thực hiện" in row and "50%" in row
    vp_page = client.get("/offices/vp/?field=tai_chinh_cong").get_data(as_text=True)
    row = vp_page.split(f'id="task-{t.id}"')[1].split("</tr>")[0]
    assert "50%" in row and "Phối hợp" in row


def test_reports_show_the_contribution_under_the_coordinating_office(plan):
    kt_reports_half(plan, when=datetime(2025, 11, 3, 2, tzinfo=UTC))
    vp = make_user(roles=("staff",), office="VP")
    contribution = plans.record_contribution(task(plan, "6.1"), "VP đăng tải dự toán.", vp)
    contribution.created_at = datetime(2025, 11, 4, 2, tzinfo=UTC)
    db.session.commit()
    november = periods.month_period(2025, 11)
    kt_office, vp_office = task(plan, "6.1").lead_offices[0], vp.office
    kt_data = reports.compile_report(kt_office, november, today=date(2025, 11, 20))
    row = next(r for r in kt_data["tasks"] if r["code"] == "6.1")
    assert (row["role"], row["status"], row["progress"]) == ("lead", "in_progress", 50)
    assert [(c["office"], c["result"], c["date"]) for c in row["contributions"]] == [
        ("VP", "VP đăng tải dự toán.", "2025-11-04")
    ]
    vp_data = reports.compile_report(vp_office, november, today=date(2025, 11, 20))
    row = next(r for r in vp_data["tasks"] if r["code"] == "6.1")
    assert (row["role"], row["status"], row["leads"]) == ("coordinating", None, ["KT"])
    assert [c["office"] for c in row["contributions"]] == ["VP"]
    # Counts: VP leads 12 tasks of the plan; its coordinating rows are counted apart.
    counts = vp_data["counts"]
    assert counts["total"] == 12 and counts["contributed"] == 1
    assert counts["coordinating"] == len(vp_data["tasks"]) - 12
    # The commune report gathers the contribution once, under the lead's row.
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    for office in (kt_office, vp_office):
        head = make_user(roles=("head",), office=office.code)
        report = reports.start_report(office, november, head, today=date(2025, 11, 16))
        report.direction = "x"
        reports.submit_report(report, head)
        reports.accept_report(report, secretariat)
    commune_report = reports.start_report(None, november, secretariat, today=date(2025, 11, 16))
    db.session.commit()
    data = reports.report_data(commune_report)
    row = next(r for r in data["tasks"] if r["code"] == "6.1")
    assert row["status"] == "in_progress" and [c["office"] for c in row["contributions"]] == ["VP"]


def test_the_report_page_and_pdf_name_the_coordinating_office(client, login_as, plan):
    kt_reports_half(plan, when=datetime(2025, 11, 3, 2, tzinfo=UTC))
    vp = make_user(roles=("staff",), office="VP")
    contribution = plans.record_contribution(task(plan, "6.1"), "VP đăng tải dự toán.", vp)
    contribution.created_at = datetime(2025, 11, 4, 2, tzinfo=UTC)
    kt = make_user(roles=("head",), office="KT")
    report = reports.start_report(kt.office, periods.month_period(2025, 11), kt)
    db.session.commit()
    login_as("secretariat", office="VHXH")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "<strong>VP</strong> <small>(Văn phòng HĐND và UBND xã)</small> · 04/11/2025" in page
    assert "VP đăng tải dự toán." in page
    from cchc_web.reports import exports

    document = exports.report_document(report)
    texts = " ".join(getattr(b, "text", "") for b in document.body)
    assert "Phối hợp — Văn phòng HĐND và UBND xã (04/11/2025): VP đăng tải dự toán." in texts


def test_list_pages_keep_their_statement_count_whatever_the_history(app, client, login_as, plan):
    """Workspace, dashboard and plan page read each task's lead status in one query for the
    list, whatever the number of updates and contributions."""
    login_as("secretariat", office="VHXH")
    urls = ["/offices/kt/", "/dashboard/", f"/plans/{plan.id}", "/dashboard/tasks"]

    def counts():
        result = []
        for url in urls:
            client.get(url)
            with statements() as seen:
                assert client.get(url).status_code == 200
            result.append(len(seen))
        return result

    kt_reports_half(plan)
    before = counts()
    kt = make_user(roles=("staff",), office="KT")
    vp = make_user(roles=("staff",), office="VP")
    for code in ("6.1", "6.2"):
        t = task(plan, code)
        for n in range(3):
            latest = t.latest_update.id if t.latest_update else None
            plans.record_task_update(
                t, plans.UpdateData("in_progress", 10 * (n + 1), based_on_id=latest), kt
            )
            plans.record_contribution(t, f"Phối hợp lần {n}", vp)
    db.session.commit()
    assert counts() == before
    assert db.session.scalar(select(func.count(TaskUpdate.id))) == 1 + 12
