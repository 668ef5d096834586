"""Catch-up plans that are checked (issue 14): the new deadline lies after today and within
the plan; an overdue one is flagged "quá hạn khắc phục" on the dashboard, in the workspace
and in the monthly report; a form shows all its problems at once."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from cchc_web.core.errors import FieldErrors
from cchc_web.core.extensions import db
from cchc_web.models.plans import TaskUpdate
from cchc_web.plans import services as plans
from cchc_web.reports import periods
from cchc_web.reports import services as reports

from .factories import import_demo_plan, make_user

TODAY = date(2025, 11, 20)


@pytest.fixture
def plan(commune, set_today):
    set_today(TODAY)
    return import_demo_plan()


def task(plan, code):
    return next(t for t in plan.tasks if t.code == code)


def late(deadline: str | date, **overrides) -> dict:
    data = {
        "status": "late",
        "progress": "30",
        "result": "Mới dự thảo.",
        "cause_type": "objective",
        "cause": "Chờ hướng dẫn của Sở Nội vụ.",
        "catchup_action": "Hoàn thành ngay khi có hướng dẫn.",
        "catchup_deadline": str(deadline),
        "catchup_responsible": "Phạm Văn Minh",
        "based_on": "",
    }
    data.update(overrides)
    return data


def updates_of(t):
    return db.session.scalars(select(TaskUpdate).where(TaskUpdate.task_id == t.id)).all()


def late_update(t, user, made_on: date, deadline: date) -> TaskUpdate:
    update = plans.record_task_update(
        t,
        plans.UpdateData(
            "late",
            40,
            "Chậm.",
            cause_type="subjective",
            cause="Thiếu người.",
            catchup_action="Bổ sung người.",
            catchup_deadline=deadline,
            catchup_responsible="Phạm Văn Minh",
            based_on_id=t.latest_update.id if t.latest_update else None,
        ),
        user,
        today=made_on,
    )
    update.created_at = datetime(made_on.year, made_on.month, made_on.day, 2, tzinfo=UTC)
    db.session.commit()
    return update


@pytest.mark.parametrize(
    "deadline, message",
    [
        ("2025-11-20", "Thời hạn hoàn thành mới phải sau hôm nay (20/11/2025)."),
        ("2025-08-01", "Thời hạn hoàn thành mới phải sau hôm nay (20/11/2025)."),
        ("2026-01-15", "không được sau ngày kết thúc kế hoạch (31/12/2025)"),
    ],
)
def test_a_deadline_not_after_today_or_after_the_plan_is_refused_and_the_form_kept(
    client, login_as, plan, deadline, message
):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    response = client.post(f"/offices/vp/tasks/{t.id}/update", data=late(deadline))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    for typed in ("Chờ hướng dẫn của Sở Nội vụ.", "Hoàn thành ngay khi có hướng dẫn.",
                  "Phạm Văn Minh", f'value="{deadline}"'):  # fmt: skip
        assert typed in page
    assert updates_of(t) == []


def test_the_day_after_today_and_the_plan_end_are_accepted(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    assert (
        client.post(f"/offices/vp/tasks/{t.id}/update", data=late("2025-11-21")).status_code == 303
    )
    latest = str(updates_of(t)[-1].id)
    again = late("2025-12-31", based_on=latest)
    assert client.post(f"/offices/vp/tasks/{t.id}/update", data=again).status_code == 303
    assert [u.catchup_deadline for u in updates_of(t)] == [date(2025, 11, 21), date(2025, 12, 31)]


def test_the_deadline_is_typed_and_shown_as_dd_mm_yyyy(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    page = client.get(f"/offices/vp/tasks/{t.id}/update").get_data(as_text=True)
    assert 'placeholder="dd/mm/yyyy"' in page
    assert "Sau hôm nay, không quá ngày kết thúc kế hoạch (31/12/2025)." in page
    assert (
        client.post(f"/offices/vp/tasks/{t.id}/update", data=late("05/12/2025")).status_code == 303
    )
    assert updates_of(t)[0].catchup_deadline == date(2025, 12, 5)
    bad = late("31/11/2025", based_on=str(updates_of(t)[0].id))
    page = client.post(f"/offices/vp/tasks/{t.id}/update", data=bad).get_data(as_text=True)
    assert "Ngày không hợp lệ. Hãy nhập dạng 26/12/2025." in page and 'value="31/11/2025"' in page
    assert len(updates_of(t)) == 1


def test_every_problem_of_a_late_update_is_shown_at_once(client, login_as, plan):
    login_as("staff", office="VP")
    t = task(plan, "3.1")
    empty = {"status": "late", "progress": "30", "based_on": ""}
    page = client.post(f"/offices/vp/tasks/{t.id}/update", data=empty).get_data(as_text=True)
    for message in (
        "Nhiệm vụ chậm tiến độ phải nêu nguyên nhân chủ quan hay khách quan.",
        "Hãy nêu nguyên nhân chậm tiến độ.",
        "Hãy nêu giải pháp khắc phục.",
        "Hãy chọn thời hạn hoàn thành mới.",
        "Hãy ghi người chịu trách nhiệm.",
    ):
        assert message in page, message
    # A field the form cannot read and the rules of the others, together too.
    mixed = {**empty, "progress": "abc", "catchup_deadline": "2025-01-01"}
    page = client.post(f"/offices/vp/tasks/{t.id}/update", data=mixed).get_data(as_text=True)
    assert "Hãy nhập một số nguyên." in page
    assert "Hãy nêu nguyên nhân chậm tiến độ." in page
    assert "phải sau hôm nay (20/11/2025)" in page
    assert updates_of(t) == []


def test_update_problems_are_collected_by_the_service(plan):
    t = task(plan, "3.1")
    data = plans.UpdateData("late", 101, catchup_deadline=date(2025, 7, 1))
    problems = plans.update_problems(t, data, today=TODAY)
    assert set(problems) == {
        "progress", "cause_type", "cause", "catchup_action", "catchup_deadline",
        "catchup_responsible",
    }  # fmt: skip
    vp = make_user(roles=("staff",), office="VP")
    with pytest.raises(FieldErrors) as refused:
        plans.record_task_update(t, data, vp)
    assert refused.value.errors == problems


def test_overdue_catchup_plans_are_flagged_everywhere(client, login_as, plan, set_today):
    vp = make_user(roles=("staff",), office="VP")
    overdue = task(plan, "3.1")
    late_update(overdue, vp, made_on=date(2025, 11, 3), deadline=date(2025, 11, 10))
    on_time = task(plan, "2.1")
    late_update(on_time, vp, made_on=date(2025, 11, 3), deadline=date(2025, 12, 10))
    # A task whose catch-up deadline passed but that was reported done since: not overdue.
    done = task(plan, "3.3")
    late_update(done, vp, made_on=date(2025, 11, 1), deadline=date(2025, 11, 5))
    plans.record_task_update(
        done, plans.UpdateData("done", 100, based_on_id=done.latest_update.id), vp
    )
    db.session.commit()
    login_as("secretariat", office="VHXH")
    dashboard = client.get("/dashboard/").get_data(as_text=True)
    assert "1 nhiệm vụ <strong>quá hạn khắc phục</strong>" in dashboard
    rows = dashboard.split("Nhiệm vụ chậm tiến độ và kế hoạch khắc phục")[1]
    overdue_row = rows.split(f"{overdue.code}. ")[1].split("</tr>")[0]
    assert "Quá hạn khắc phục" in overdue_row
    assert "Quá hạn khắc phục" not in rows.split(f"{on_time.code}. ")[1].split("</tr>")[0]
    listed = client.get(f"/dashboard/tasks?plan={plan.id}&overdue=1").get_data(as_text=True)
    assert overdue.content in listed and on_time.content not in listed
    assert done.content not in listed
    client.post("/logout", data={})
    login_as("staff", office="VP")
    workspace = client.get("/offices/vp/").get_data(as_text=True)
    assert "1 nhiệm vụ đơn vị chủ trì <strong>quá hạn khắc phục</strong>" in workspace
    row = workspace.split(f'id="task-{overdue.id}"')[1].split("</tr>")[0]
    assert "Quá hạn khắc phục" in row
    assert (
        "Quá hạn khắc phục" not in workspace.split(f'id="task-{on_time.id}"')[1].split("</tr>")[0]
    )
    only = client.get("/offices/vp/?overdue=1", headers={"HX-Request": "true"})
    assert overdue.content in only.get_data(as_text=True)
    assert on_time.content not in only.get_data(as_text=True)
    task_page = client.get(f"/offices/vp/tasks/{overdue.id}").get_data(as_text=True)
    assert "Quá hạn khắc phục:" in task_page and "10/11/2025" in task_page
    # The day before the deadline, nothing is overdue yet.
    set_today(date(2025, 11, 10))
    assert "quá hạn khắc phục</strong>" not in client.get("/offices/vp/").get_data(as_text=True)


def test_the_monthly_report_flags_an_overdue_catchup_plan(client, login_as, plan):
    vp = make_user(roles=("head",), office="VP", full_name="Phạm Văn Minh")
    late_update(task(plan, "3.1"), vp, made_on=date(2025, 10, 1), deadline=date(2025, 10, 20))
    late_update(task(plan, "2.1"), vp, made_on=date(2025, 11, 2), deadline=date(2025, 11, 30))
    november = periods.month_period(2025, 11)  # 15/10 – 14/11
    data = reports.compile_report(vp.office, november, today=TODAY)
    rows = {r["code"]: r for r in data["tasks"]}
    # 3.1: reported late in the previous period, deadline 20/10 passed within this one.
    assert rows["3.1"]["status"] is None and rows["3.1"]["overdue_catchup"]
    assert rows["3.1"]["overdue_deadline"] == "2025-10-20"
    assert rows["2.1"]["status"] == "late" and not rows["2.1"]["overdue_catchup"]
    assert data["counts"]["overdue_catchup"] == 1
    # The period's end is the reference for a report: the deadline of 2.1 is after it.
    assert not reports.compile_report(vp.office, november, today=date(2026, 1, 5))["tasks"][
        [r["code"] for r in data["tasks"]].index("2.1")
    ]["overdue_catchup"]
    report = reports.start_report(vp.office, november, vp)
    report.direction = "Chỉ đạo."
    reports.submit_report(report, vp)
    db.session.commit()
    assert report.compiled["counts"]["overdue_catchup"] == 1
    login_as("secretariat", office="VHXH")
    page = client.get(f"/reports/{report.id}").get_data(as_text=True)
    assert "Quá hạn khắc phục: thời hạn 20/10/2025 đã qua mà nhiệm vụ chưa hoàn thành." in page
    assert "(trong đó 1 quá hạn khắc phục)" in page
    from cchc_web.reports import exports

    document = exports.report_document(report)
    texts = " ".join(getattr(b, "text", "") for b in document.body)
    assert "Nhiệm vụ 3.1 quá hạn khắc phục: thời hạn 20/10/2025 đã qua" in texts
