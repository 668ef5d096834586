from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from .. import attachments as attachment_service
from .. import storage
from ..errors import DomainError
from ..extensions import db
from ..forms import apply_domain_error
from ..inputs import optional_db_int
from ..models import Attachment, Office
from ..models.plans import (
    FIELDS,
    TASK_STATUS_LABELS,
    Objective,
    OfficeRole,
    Plan,
    Task,
    TaskUpdate,
)
from ..page_cache import cached_page
from ..plans import queries, services
from ..plans.forms import TaskUpdateForm
from ..security import get_or_404, require
from ..views import paginate, query_args, redirect_after_post, render_page_or_fragment
from . import bp

ROLE_FILTERS = {"": "Tất cả", "lead": "Chủ trì", "coordinating": "Phối hợp"}


def _office_or_404(code: str) -> Office:
    office = db.session.scalar(select(Office).where(func.lower(Office.code) == code.lower()))
    if office is None:
        abort(404)
    require(current_user.can_see_office(office))
    return office


def _task_of_office(office: Office, task_id: int) -> Task:
    task = get_or_404(Task, task_id)
    require(task.can_view(current_user))
    if office.id not in task.office_ids:
        abort(404)
    return task


def _plan_from_args() -> Plan | None:
    plan_id = request.args.get("plan", type=int)
    return db.session.get(Plan, plan_id) if plan_id else Plan.current()


@bp.get("/")
@login_required
@cached_page
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
@cached_page
def workspace(code: str):
    office = _office_or_404(code)
    plan = _plan_from_args()
    filters = {
        "role": request.args.get("role", "") if request.args.get("role") in ROLE_FILTERS else "",
        "field": request.args.get("field", "") if request.args.get("field") in FIELDS else "",
        "status": request.args.get("status", "")
        if request.args.get("status") in TASK_STATUS_LABELS
        else "",
        "period": request.args.get("period", "")[:10],
    }
    page = paginate(queries.tasks_query(plan.id if plan else -1, office_id=office.id, **filters))
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
        db.session.scalars(
            select(Objective)
            .where(Objective.plan_id == plan.id, Objective.owner_office_id == office.id)
            .order_by(Objective.sort_order)
        ).all()
        if plan
        else []
    )
    from ..reports import services as report_services

    reminder = report_services.reminder_for(office)
    return render_page_or_fragment(
        "offices/workspace.html",
        "offices/_task_list.html",
        office=office,
        plan=plan,
        page=page,
        filters=filters,
        args=query_args(),
        months=months,
        fields=FIELDS,
        role_filters=ROLE_FILTERS,
        status_labels=TASK_STATUS_LABELS,
        objectives=objectives,
        objective_state=lambda o: services.objective_state(
            o, v.value if (v := services.latest_value(o)) else None
        ),
        state_labels=services.OBJECTIVE_STATE_LABELS,
        reminder=reminder,
        lead_role=OfficeRole.LEAD,
    )


def _update_form(task: Task, formdata=None) -> TaskUpdateForm:
    form = TaskUpdateForm(formdata=formdata)
    form.evidence.render_kw = {"accept": storage.ACCEPT_ATTRIBUTE}
    if formdata is None:
        latest = task.latest_update
        form.based_on.data = str(latest.id) if latest else ""
        form.status.data = latest.status if latest else "in_progress"
        form.progress.data = latest.progress if latest else 0
    return form


def _render_task(office: Office, task: Task, form: TaskUpdateForm, conflict=None):
    page = paginate(
        select(TaskUpdate).where(TaskUpdate.task_id == task.id).order_by(TaskUpdate.id.desc()),
        per_page=20,
    )
    return render_page_or_fragment(
        "offices/task.html",
        "offices/_update_form.html",
        office=office,
        task=task,
        form=form,
        history=page,
        conflict=conflict,
        can_update=task.can_update(current_user),
        upload_help=storage.UPLOAD_HELP_TEXT,
        accept=storage.ACCEPT_ATTRIBUTE,
    )


@bp.get("/<code>/tasks/<int:task_id>")
@login_required
@cached_page
def task(code: str, task_id: int):
    office = _office_or_404(code)
    task = _task_of_office(office, task_id)
    return _render_task(office, task, _update_form(task))


@bp.route("/<code>/tasks/<int:task_id>/update", methods=["GET", "POST"])
@login_required
def update_task(code: str, task_id: int):
    office = _office_or_404(code)
    task = _task_of_office(office, task_id)
    require(task.can_update(current_user))
    if request.method == "GET":
        return _render_task(office, task, _update_form(task))
    form = _update_form(task, formdata=request.form)
    conflict = None
    if form.validate_on_submit():
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
        try:
            services.record_task_update(task, data, current_user, request.files.getlist("evidence"))
            db.session.commit()
        except services.UpdateConflict as err:
            db.session.rollback()
            conflict = err
            # The next save is based on the update the user has now been shown.
            form.based_on.data = str(err.latest.id)
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            flash(f"Đã lưu cập nhật nhiệm vụ {task.code}.", "success")
            return redirect_after_post(url_for("offices.task", code=code, task_id=task.id))
    if any(f.filename for f in request.files.getlist("evidence")):
        # Browsers cannot refill a file input: say so rather than silently dropping the files.
        form.evidence.errors = [
            *form.evidence.errors,
            "Trình duyệt không giữ lại tệp đã chọn khi trang tải lại: hãy chọn lại tệp minh chứng.",
        ]
    return _render_task(office, task, form, conflict)


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
    return attachment_service.send_attachment(attachment)


@bp.app_template_global("task_url")
def task_url(task: Task) -> str:
    """A task's page, under its (first) lead office's workspace."""
    leads = task.lead_offices
    code = (leads[0] if leads else task.office_links[0].office).code.lower()
    return url_for("offices.task", code=code, task_id=task.id)
