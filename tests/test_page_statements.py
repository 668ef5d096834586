"""Issue 16 (cold speed): the main pages read what they show in a fixed, small number of
statements, whatever the data. Pinned here, so that loading per row, loading a whole history
to show its newest entry, or loading what a page does not show fails a test; and each list
shows the same thing as before (offices, status, newest value, authors)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from cchc_web.core.extensions import db
from cchc_web.models import Decision, Initiative, Round
from cchc_web.models.plans import Objective, ObjectiveValue, Task
from cchc_web.plans import services as plans

from . import factories
from .factories import statements

# page → statements, the user's included (one: user, roles and data version together).
EXPECTED = {
    "plan": 4,  # user, plan, tasks (offices, status, total), objectives with newest value
    # user, office, plans, tasks (offices, status, total), overdue count, months, objectives
    # with newest value, returned report, open feedback, contributions (the commune's report
    # day comes with its settings from the fragment cache: models/commune_settings.py)
    "workspace": 10,
    "task": 8,
    "initiatives": 5,  # user, rounds, initiatives (total), authors, offices
    # user, the initiative with round and office, authors with accounts, evidence, council
    # (and the office's reopening once the deadline has passed: 6 in `make bench`)
    "initiative": 5,
    "decisions": 3,  # user, the page's columns, the count
}


def counted(client, url: str) -> tuple[int, str]:
    client.get(url)  # what a running server keeps between requests (the commune heading)
    db.session.close()  # as every request of a server starts: nothing in the session yet
    with statements() as seen:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(seen), response.get_data(as_text=True)


@pytest.fixture
def plan(commune):
    return factories.import_demo_plan()


def urls(plan) -> dict[str, str]:
    kt_task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == "6.1"))
    initiative = db.session.scalars(select(Initiative).order_by(Initiative.id)).first()
    return {
        "initiative": f"/initiatives/{initiative.id}",
        "plan": f"/plans/{plan.id}",
        "workspace": "/offices/kt/",
        "task": f"/offices/kt/tasks/{kt_task.id}",
        "initiatives": "/initiatives/",
        "decisions": "/decisions/",
    }


def grow(plan) -> None:
    """Much more of everything each page lists: tasks, updates, objective values,
    initiatives with several authors, Decisions."""
    kt_staff = factories.make_user(roles=("staff",), office="KT")
    for n in range(40):
        task = factories.make_task(plan, f"9.{n}", lead="KT", coordinating=("VP", "VHXH"))
        if n % 3 == 0:
            plans.record_task_update(task, plans.UpdateData("in_progress", n + 1), kt_staff)
    kt_task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == "6.1"))
    for n in range(5):
        latest = kt_task.latest_update.id if kt_task.latest_update else None
        plans.record_task_update(
            kt_task, plans.UpdateData("in_progress", 10 * (n + 1), based_on_id=latest), kt_staff
        )
    for objective in db.session.scalars(select(Objective).where(Objective.plan_id == plan.id)):
        for month in range(7, 13):
            db.session.add(
                ObjectiveValue(
                    objective_id=objective.id,
                    month=date(2025, month, 1),
                    value=Decimal(month),
                    entered_by_id=kt_staff.id,
                )
            )
    rnd = db.session.scalar(select(Round)) or factories.make_round()
    for code in ("KT", "VP", "HCC"):
        second = factories.make_user(roles=("staff",), office=code)
        first = factories.make_user(roles=("staff",), office=code)
        factories.make_initiative(
            rnd,
            code,
            title=f"Sáng kiến của {code}",
            authors=[(first, 60), (second, 40)],
            state="submitted",
        )
    for _ in range(4):
        factories.signed_decision()
    db.session.commit()


def test_main_pages_read_in_a_fixed_number_of_statements_whatever_the_data(client, login_as, plan):
    login_as("secretariat", office="KT")
    # One entry in the task's history, one initiative: an empty list needs no statement for
    # its files or authors (nor a count).
    kt_task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == "6.1"))
    kt_staff = factories.make_user(roles=("staff",), office="KT")
    plans.record_task_update(kt_task, plans.UpdateData("in_progress", 5), kt_staff)
    factories.make_initiative(factories.make_round(), "KT")  # and one initiative listed
    db.session.commit()
    pages = urls(plan)
    before = {name: counted(client, url)[0] for name, url in pages.items()}
    grow(db.session.merge(plan))
    after = {name: counted(client, url)[0] for name, url in pages.items()}
    assert after == before == EXPECTED


def test_lists_read_as_rows_show_what_the_objects_showed(client, login_as, plan):
    """The plan page and the workspace (rows, not ORM objects) still show each task's lead
    and coordinating offices, status and percent, and each objective's newest value; the
    initiatives list its authors with their shares, in order."""
    grow(plan)
    login_as("secretariat", office="KT")
    _, page = counted(client, f"/plans/{plan.id}?page=2")
    task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == "9.3"))
    assert f"/offices/kt/tasks/{task.id}" in page
    assert "KT</td>" in page and "VP, VHXH" in page  # lead, then coordinating (sort order)
    assert "4%" in page  # 9.3's progress
    _, page = counted(client, f"/plans/{plan.id}")
    assert "12" in page and "(tháng 12/2025)" in page and "(tháng 11/2025)" not in page
    _, page = counted(client, "/offices/kt/?role=lead&page=2")
    assert "Chủ trì" in page and "4%" in page
    _, page = counted(client, "/initiatives/")
    assert page.index("(60%)") < page.index("(40%)")
    assert "Sáng kiến của HCC" in page and "Sáng kiến của KT" in page
    _, page = counted(client, "/decisions/")
    decision = db.session.scalars(select(Decision)).first()
    assert decision.number_symbol in page
