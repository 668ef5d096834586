from collections import Counter

from flask import render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..core.cache import fragments
from ..core.timeutil import local_today
from ..models import commune_settings
from ..models.plans import FIELDS, TASK_STATUS_LABELS, Plan, TaskStatus
from ..plans import queries
from ..plans import services as plan_services
from ..plans.charts import Bar, bar_chart
from ..web.security import require
from ..web.views import paginate_rows, plan_from_args, query_args, search_query
from . import bp, can_see_dashboard, services

TONES = {"met": "ok", "at_risk": "warn", "missed": "bad", "no_data": ""}


def _note(group: services.Group) -> str:
    return f" · {group.tasks} nhiệm vụ" + (f", {group.late} chậm" if group.late else "")


def _tone(group: services.Group) -> str:
    return "bad" if group.late else "ok" if group.average >= 100 else ""


@bp.get("/")
@login_required
def index():
    require(can_see_dashboard(current_user))
    plans = Plan.reportable_plans()
    plan = plan_from_args(plans)
    today = local_today()
    # The figures are the same for every viewer: rendered once per plan, day and data version.
    body = fragments.get_or_build(
        ("dashboard", plan.id if plan else None, today),
        lambda: Markup(  # noqa: S704 - the output of an autoescaped template
            render_template("dashboard/_dashboard.html", **_figures(plan, plans, today))
        ),
    )
    return render_template("dashboard/index.html", body=body)


def _figures(plan: Plan | None, plans: list[Plan], today) -> dict:
    if plan is None:
        return {"plan": None}
    today = services.reference_date(plan, today)
    offices = plan_services.active_offices()
    figures = services.task_figures(plan, offices, today)
    fields, office_groups = figures.fields, figures.offices
    objectives = services.objective_states(plan, today.replace(day=1))
    period, compliance = services.compliance(today)

    def tasks_url(**kw):
        return url_for("dashboard.tasks", plan=plan.id, **kw)

    field_chart = bar_chart(
        [Bar(g.label, g.average, tasks_url(field=g.key), _note(g), _tone(g)) for g in fields],
        "Tiến độ trung bình theo lĩnh vực",
    )
    office_chart = bar_chart(
        [
            Bar(g.label, g.average, tasks_url(office=g.key, role="lead"), _note(g), _tone(g))
            for g in office_groups
        ],
        "Tiến độ trung bình theo đơn vị chủ trì",
    )
    state_counts = Counter(state for _, _, state in objectives)
    return dict(
        plan=plan,
        plans=plans,
        today=today,
        overdue_count=figures.overdue,
        period_has_plan=services.period_has_plan(period, plans),
        fields=fields,
        office_groups=office_groups,
        field_chart=field_chart,
        office_chart=office_chart,
        late=services.late_tasks(plan),
        late_count=figures.status_counts.get(TaskStatus.LATE, 0),
        task_total=figures.total,
        objectives=objectives,
        state_counts=state_counts,
        state_labels=plan_services.OBJECTIVE_STATE_LABELS,
        period=period,
        compliance=compliance,
        submitted=sum(1 for c in compliance if c.submitted),
        missing=[
            c.office
            for c in compliance
            if not c.submitted
            and today >= period.deadline
            and services.period_has_plan(period, plans)
        ],
        late_reports=[c for c in compliance if c.late],
        status_counts=figures.status_counts,
        status_labels=TASK_STATUS_LABELS,
        tasks_url=tasks_url,
        tones=TONES,
    )


@bp.get("/tasks")
@login_required
def tasks():
    """The list behind every task figure of the dashboard."""
    require(can_see_dashboard(current_user))
    plan = plan_from_args(Plan.reportable_plans())
    office_code = request.args.get("office", "").upper()
    office = next((o for o in plan_services.active_offices() if o.code == office_code), None)
    filters = {
        "field": request.args.get("field", "") if request.args.get("field") in FIELDS else "",
        "status": request.args.get("status", "")
        if request.args.get("status") in {s.value for s in TaskStatus}
        else "",
        "role": request.args.get("role", "")
        if request.args.get("role") in ("lead", "coordinating")
        else "",
    }
    today = services.reference_date(plan, local_today()) if plan else local_today()
    overdue = request.args.get("overdue") == "1"
    search = search_query()
    stmt = queries.task_rows_query(
        plan.id if plan else -1,
        office_id=office.id if office else None,
        overdue_on=today if overdue else None,
        query=search,
        **filters,
    )
    page = paginate_rows(stmt, lambda rows: queries.task_rows(rows, plan))
    return render_template(
        "dashboard/tasks.html",
        plan=plan,
        search=search,
        today=today,
        overdue=overdue,
        page=page,
        office=office,
        filters=filters,
        fields=commune_settings.current().plan_fields,
        status_labels=TASK_STATUS_LABELS,
        args=query_args(),
    )


@bp.get("/objectives")
@login_required
def objectives():
    require(can_see_dashboard(current_user))
    plan = plan_from_args(Plan.reportable_plans())
    state = request.args.get("state", "")
    rows = []
    if plan is not None:
        today = services.reference_date(plan, local_today())
        rows = [
            r
            for r in services.objective_states(plan, today.replace(day=1))
            if not state or r[2] == state
        ]
    return render_template(
        "dashboard/objectives.html",
        plan=plan,
        rows=rows,
        state=state,
        state_labels=plan_services.OBJECTIVE_STATE_LABELS,
    )
