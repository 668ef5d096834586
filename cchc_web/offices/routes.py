from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..core import storage
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import local_today
from ..models import Attachment, Office, User, commune_settings
from ..models.plans import (
    FIELDS,
    TASK_STATUS_LABELS,
    Objective,
    OfficeRole,
    Plan,
    Task,
    TaskUpdate,
)
from ..plans import queries, services
from ..web.forms import add_field_errors, apply_domain_error
from ..web.inputs import optional_db_int
from ..web.security import get_or_404, require
from ..web.views import (
    paginate,
    paginate_rows,
    plan_from_args,
    query_args,
    render_page_or_fragment,
    run_action,
    search_query,
    send_attachment,
)
from . import bp
from .forms import ContributionForm, TaskUpdateForm

ROLE_FILTERS = {"": "Tất cả", "lead": "Chủ trì", "coordinating": "Phối hợp"}


def _office_or_404(code: str) -> Office:
    office = db.session.scalar(select(Office).where(func.lower(Office.code) == code.lower()))
    if office is None:
        abort(404)
    require(current_user.can_see_office(office))
    return office


def _task_of_office(office: Office, task_id: int) -> Task:
    # Its plan (for the permissions) in the same statement; of its newest progress update
    # only what the page shows (status, percent, date, catch-up plan), not author and files.
    task = db.session.scalar(
        select(Task).options(joinedload(Task.plan), queries.LIST_LOADING).where(Task.id == task_id)
    )
    if task is None:
        abort(404)
    require(task.can_view(current_user))
    if office.id not in task.office_ids:
        abort(404)
    return task


@bp.get("/")
@login_required
def index():
    if not current_user.sees_all_offices:
        if current_user.office is None:
            abort(403)
        return redirect(url_for("offices.workspace", code=current_user.office.code.lower()))
    offices = db.session.scalars(
        select(Office).where(Office.active).order_by(Office.sort_order)
    ).all()
    return render_template("offices/index.html", offices=offices)


@bp.get("/<code>/")
@login_required
def workspace(code: str):
    office = _office_or_404(code)
    plans = Plan.reportable_plans()
    plan = plan_from_args(plans)
    today = local_today()
    filters = {
        "role": request.args.get("role", "") if request.args.get("role") in ROLE_FILTERS else "",
        "field": request.args.get("field", "") if request.args.get("field") in FIELDS else "",
        "status": request.args.get("status", "")
        if request.args.get("status") in TASK_STATUS_LABELS
        else "",
        "period": request.args.get("period", "")[:10],
    }
    overdue_only = request.args.get("overdue") == "1"
    search = search_query()
    page = paginate_rows(
        queries.task_rows_query(
            plan.id if plan else -1,
            office_id=office.id,
            overdue_on=today if overdue_only else None,
            query=search,
            **filters,
        ),
        lambda rows: queries.task_rows(rows, plan),
    )
    overdue_count = (
        queries.count_tasks(plan.id, office_id=office.id, role=OfficeRole.LEAD, overdue_on=today)
        if plan
        else 0
    )
    months = (
        db.session.scalars(
            select(Task.due_month)
            .where(Task.plan_id == plan.id, Task.due_month.is_not(None))
            .distinct()
            .order_by(Task.due_month)
        ).all()
        if plan
        else []
    )
    objectives = (
        queries.objectives_with_latest(
            Objective.plan_id == plan.id, Objective.owner_office_id == office.id
        )
        if plan
        else []
    )
    from ..reports import services as report_services
    from ..sipas import services as survey

    reminder = report_services.reminder_for(office, today, plans)
    feedback_items = survey.feedback_for_office(office, status="open")
    return render_page_or_fragment(
        "offices/workspace.html",
        "offices/_task_list.html",
        office=office,
        search=search,
        plan=plan,
        plans=plans,
        today=today,
        overdue_only=overdue_only,
        overdue_count=overdue_count,
        contributions=services.recent_contributions(office, plan),
        page=page,
        filters=filters,
        args=query_args(),
        months=months,
        fields=commune_settings.current().plan_fields,
        role_filters=ROLE_FILTERS,
        status_labels=TASK_STATUS_LABELS,
        objectives=[
            (o, services.objective_state(o, v.value if v else None)) for o, v in objectives
        ],
        state_labels=services.OBJECTIVE_STATE_LABELS,
        reminder=reminder,
        feedback_items=feedback_items,
        lead_role=OfficeRole.LEAD,
    )


def _update_form(task: Task, formdata=None) -> TaskUpdateForm:
    form = TaskUpdateForm(formdata=formdata)
    form.evidence.render_kw = {"accept": storage.ACCEPT_ATTRIBUTE}
    if formdata is None:
        latest = task.latest_update
        form.based_on.data = str(latest.id) if latest else ""
        form.status.data = latest.status if latest else "not_started"  # matches its 0 %
        form.progress.data = latest.progress if latest else 0
    return form


def _contribution_form(formdata=None, result: str | None = None) -> ContributionForm:
    form = ContributionForm(formdata=formdata)
    form.evidence.render_kw = {"accept": storage.ACCEPT_ATTRIBUTE}
    if result is not None:
        form.result.data = result
    return form


def _form_for(task: Task):
    """The lead office reports progress; a coordinating office its contribution."""
    return _update_form(task) if task.can_report_progress(current_user) else _contribution_form()


def _render_task(office: Office, task: Task, form, conflict=None, notice: str = ""):
    page = paginate(
        select(TaskUpdate)
        .options(joinedload(TaskUpdate.author).lazyload(User.role_rows))  # its name only
        .where(TaskUpdate.task_id == task.id)
        .order_by(TaskUpdate.id.desc()),
        per_page=20,
    )
    return render_page_or_fragment(
        "offices/task.html",
        "offices/_update_form.html",
        office=office,
        task=task,
        form=form,
        contribution=isinstance(form, ContributionForm),
        history=page,
        conflict=conflict,
        notice=notice,
        can_update=task.can_update(current_user),
        today=local_today(),
        upload_help=storage.UPLOAD_HELP_TEXT,
        accept=storage.ACCEPT_ATTRIBUTE,
    )


@bp.get("/<code>/tasks/<int:task_id>")
@login_required
def task(code: str, task_id: int):
    office = _office_or_404(code)
    task = _task_of_office(office, task_id)
    form = _form_for(task) if task.can_update(current_user) else _update_form(task)
    return _render_task(office, task, form)


def _files_not_kept(form) -> None:
    if any(f.filename for f in request.files.getlist("evidence")):
        # Browsers cannot refill a file input: say so rather than silently dropping the files.
        form.evidence.errors = [
            *form.evidence.errors,
            "Trình duyệt không giữ lại tệp đã chọn khi trang tải lại: hãy chọn lại tệp minh chứng.",
        ]


@bp.route("/<code>/tasks/<int:task_id>/update", methods=["GET", "POST"])
@login_required
def update_task(code: str, task_id: int):
    """A lead office's progress update, or a coordinating office's contribution (the form
    says which); the services refuse a status from an office that does not lead the task."""
    office = _office_or_404(code)
    task = _task_of_office(office, task_id)
    require(task.can_update(current_user))
    if request.method == "GET":
        return _render_task(office, task, _form_for(task))
    if request.form.get("kind") == "contribution":
        return _save_contribution(code, office, task)
    form = _update_form(task, formdata=request.form)
    try:
        services.ensure_may_report_progress(task, current_user)
    except DomainError as err:
        # A coordinating office sent a status: refused, nothing stored; what it wrote is
        # kept in the form it may use, its contribution (told in the form itself, which
        # htmx swaps in without the page's flash messages).
        return _render_task(
            office, task, _contribution_form(result=form.result.data or ""), notice=err.message
        )
    conflict = None
    data = services.UpdateData(
        status=form.status.data,
        progress=form.progress.data,
        result=form.result.data or "",
        cause_type=form.cause_type.data or None,
        cause=form.cause.data or "",
        catchup_action=form.catchup_action.data or "",
        catchup_deadline=form.catchup_deadline.data,
        catchup_responsible=form.catchup_responsible.data or "",
        based_on_id=optional_db_int(form.based_on.data),
    )

    def refused(err: DomainError) -> None:
        nonlocal conflict
        if isinstance(err, services.UpdateConflict):
            conflict = err
            # The next save is based on the update the user has now been shown.
            form.based_on.data = str(err.latest.id)
        else:
            apply_domain_error(form, err)

    if form.validate_on_submit():
        if done := run_action(
            lambda: services.record_task_update(
                task, data, current_user, request.files.getlist("evidence")
            ),
            on_refusal=refused,
            success=f"Đã lưu cập nhật nhiệm vụ {task.code}.",
            to=url_for("offices.task", code=code, task_id=task.id),
        ):
            return done
    else:
        # Every problem at once: the fields the form could not read, and the rules of the
        # fields it could.
        problems = services.update_problems(task, data)
        add_field_errors(form, {k: v for k, v in problems.items() if not getattr(form, k).errors})
    _files_not_kept(form)
    return _render_task(office, task, form, conflict)


def _save_contribution(code: str, office: Office, task: Task):
    form = _contribution_form(formdata=request.form)
    if done := run_action(
        lambda: services.record_contribution(
            task, form.result.data or "", current_user, request.files.getlist("evidence")
        ),
        form=form,
        success=f"Đã gửi phần việc phối hợp của nhiệm vụ {task.code}.",
        to=url_for("offices.task", code=code, task_id=task.id),
    ):
        return done
    _files_not_kept(form)
    return _render_task(office, task, form)


@bp.get("/<code>/files/<int:attachment_id>")
@login_required
def download(code: str, attachment_id: int):
    office = _office_or_404(code)
    attachment = get_or_404(Attachment, attachment_id)
    task = services.task_of_attachment(attachment)
    if task is None:
        abort(404)
    require(task.can_view(current_user))
    if office.id not in task.office_ids:
        abort(404)
    return send_attachment(attachment)
