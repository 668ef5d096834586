"""The reform dashboard and the demo data of the plans domain (built relative to today: see
also tests/test_demo_story.py)."""

import pytest
from sqlalchemy import func, select

from cchc_web.core.demo import seeders
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models import AuditLog
from cchc_web.models.plans import ObjectiveValue, TaskUpdate
from cchc_web.models.reports import Report
from cchc_web.plans.demo import seed_plan_progress
from cchc_web.reports import periods
from cchc_web.reports.demo import seed_reports

from .decisions_support import pki  # noqa: F401

pytestmark = pytest.mark.usefixtures("pki")  # the demo's plans are issued by signed documents


def seed_demo():
    """The demo up to the reports (the accounts, the certificates, the plans, the reports)."""
    for seeder in seeders():
        if seeder.order <= 32:
            seeder.run()
            db.session.commit()


def counts():
    return tuple(
        db.session.scalar(select(func.count(m.id)))
        for m in (TaskUpdate, ObjectiveValue, Report, AuditLog)
    )


def test_demo_seeder_is_idempotent_and_has_late_tasks_and_a_returned_report(commune):
    seed_demo()
    first = counts()
    seed_plan_progress()
    seed_reports()
    db.session.commit()
    assert counts() == first
    statuses = set(db.session.scalars(select(TaskUpdate.status)))
    assert "late" in statuses and "done" in statuses
    reports = db.session.scalars(select(Report)).all()
    assert {r.status for r in reports} == {"accepted", "returned"}
    assert any(r.is_late for r in reports)


def test_dashboard_for_leaders_and_secretariat_only(client, login_as, commune):
    seed_demo()
    for roles, office in ((("staff",), "VP"), (("head",), "KT"), (("admin",), None)):
        login_as(*roles, office=office)
        assert client.get("/dashboard/").status_code == 403
        assert client.get("/dashboard/tasks").status_code == 403
        client.post("/logout", data={})
    login_as("chairman", office=None)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "Tiến độ theo lĩnh vực" in page and "<svg" in page
    due = periods.last_due_month_period(local_today())
    assert f"còn 1 đơn vị chưa nộp báo cáo tháng {due.end.month}/{due.end.year}" in page
    assert "Phân công lại cán bộ" in page  # a late task's catch-up plan
    assert "/dashboard/tasks?plan=" in page and "status=late" in page


def test_every_figure_leads_to_its_list(client, login_as, commune):
    seed_demo()
    login_as("secretariat", office="VHXH")
    late = client.get("/dashboard/tasks?status=late").get_data(as_text=True)
    assert "7.1" in late and "quá hạn khắc phục" in late.lower()
    vp_lead = client.get("/dashboard/tasks?office=VP&role=lead").get_data(as_text=True)
    assert "12 mục" in vp_lead
    missed = client.get("/dashboard/objectives?state=missed").get_data(as_text=True)
    assert "MT3" in missed and "MT7" not in missed
    assert client.get("/dashboard/tasks?status=bogus&field=x&office=zz").status_code == 200
