import base64
import binascii
from datetime import date

from flask import flash, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.errors import DomainError
from ..core.extensions import db
from ..decisions import services as decision_ops
from ..documents import format_number
from ..models import DecisionKind, commune_settings
from ..models.plans import Objective, ObjectiveValue, Plan, Task
from ..web.forms import apply_domain_error
from ..web.security import get_or_404, get_or_404_for, require, secretariat_only
from ..web.views import paginate, paginate_rows, run_action, search_query
from . import bp, exports, importer, queries, services, sources
from .charts import objective_chart
from .forms import ImportForm, ObjectiveForm, ObjectiveValueForm, PlanForm, TaskForm

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def parse_month(text: str | None) -> date | None:
    found = importer.parse_timing(text or "")
    return found[1] if found else None


def _plan_url(plan: Plan) -> str:
    return url_for("plans.show", plan_id=plan.id)


def _plan_data(form: PlanForm) -> services.PlanData:
    return services.PlanData(
        title=form.title.data or "",
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        theme=form.theme.data or "",
        doc_number=form.doc_number.data or "",
        doc_date=form.doc_date.data,
    )


@bp.get("/")
@login_required
def index():
    page = paginate(
        select(Plan)
        .where(Plan.visible_to(current_user))
        .order_by(Plan.period_start.desc(), Plan.id.desc())
    )
    task_counts = services.task_counts([plan.id for plan in page.items])
    return render_template("plans/index.html", page=page, task_counts=task_counts)


@bp.route("/new", methods=["GET", "POST"])
@secretariat_only
def new_plan():
    form = PlanForm()
    if done := run_action(
        lambda: services.create_plan(_plan_data(form), current_user),
        form=form,
        success="Đã tạo kế hoạch.",
        to=_plan_url,
    ):
        return done
    return render_template("plans/plan_form.html", form=form, plan=None)


@bp.get("/<int:plan_id>")
@login_required
def show(plan_id: int):
    plan = get_or_404_for(current_user, Plan, plan_id)
    # A page of tasks in plan order, shown under their fields (a field may continue on the
    # next page); a real plan has a few dozen tasks, a city-wide one thousands.
    search = search_query()
    page = paginate_rows(
        queries.task_rows_query(plan.id, query=search), lambda rows: queries.task_rows(rows, plan)
    )
    settings = commune_settings.current()
    by_field: dict[str, list[queries.TaskRow]] = {code: [] for code in settings.plan_fields}
    for task in page.items:
        by_field.setdefault(task.field, []).append(task)
    objectives = queries.objectives_with_latest(Objective.plan_id == plan.id)
    return render_template(
        "plans/show.html",
        plan=plan,
        search=search,
        by_field=by_field,
        page=page,
        fields=settings.plan_fields_with(by_field),
        field_numbers=settings.plan_field_numbers(),
        objectives=objectives,
        states={o.id: services.objective_state(o, v.value if v else None) for o, v in objectives},
        state_labels=services.OBJECTIVE_STATE_LABELS,
        document_draft=decision_ops.open_draft(DecisionKind.PLAN_APPROVAL, "plan_id", plan.id)
        if plan.is_draft and plan.can_edit(current_user)
        else None,
    )


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@secretariat_only
def edit_plan(plan_id: int):
    plan = get_or_404_for(current_user, Plan, plan_id, check="can_edit")
    form = PlanForm(obj=plan if request.method == "GET" else None)
    if done := run_action(
        lambda: services.update_plan(plan, _plan_data(form), current_user),
        form=form,
        success="Đã lưu kế hoạch.",
        to=_plan_url(plan),
    ):
        return done
    return render_template("plans/plan_form.html", form=form, plan=plan)


@bp.post("/<int:plan_id>/document")
@secretariat_only
def draft_document(plan_id: int):
    """The plan's issuing document (Kế hoạch, seed 001) drafted from it, to be signed: the
    signature is what makes the plan active."""
    plan = get_or_404_for(current_user, Plan, plan_id, check="can_edit")
    return run_action(
        lambda: decision_ops.create_draft(DecisionKind.PLAN_APPROVAL, plan.id, current_user),
        success="Đã soạn văn bản ban hành kế hoạch: rà soát rồi trình lãnh đạo ký.",
        to=lambda decision: url_for("decisions.show", decision_id=decision.id),
        failed=_plan_url(plan),
    )


@bp.post("/<int:plan_id>/activate")
@secretariat_only
def activate(plan_id: int):
    """A plan signed on paper, outside the system, is recorded as issued by the secretariat
    (with its number and date); otherwise the signed Kế hoạch document issues it."""
    plan = get_or_404_for(current_user, Plan, plan_id, check="can_edit")
    return run_action(
        lambda: services.activate_plan(plan, current_user),
        success="Đã ghi nhận kế hoạch đã ban hành: các đơn vị cập nhật nhiệm vụ và báo cáo "
        "theo kế hoạch.",
        to=_plan_url(plan),
        failed=_plan_url(plan),
    )


@bp.post("/<int:plan_id>/close")
@secretariat_only
def close(plan_id: int):
    plan = get_or_404_for(current_user, Plan, plan_id, check="can_edit")
    return run_action(
        lambda: services.close_plan(plan, current_user),
        success="Đã kết thúc kế hoạch: nhiệm vụ không nhận cập nhật mới; số liệu vẫn có trong "
        "báo cáo.",
        to=_plan_url(plan),
        failed=_plan_url(plan),
    )


# -- import ------------------------------------------------------------------------------------
def _file_payload(form: ImportForm, name: str) -> tuple[str, bytes] | None:
    """The uploaded file, or the one carried back by the confirmation form."""
    upload = request.files.get(name)
    if upload is not None and upload.filename:
        data = upload.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise DomainError("Tệp nhập lớn hơn 2 MB.", field=name)
        return upload.filename, data
    prefix = name.removesuffix("_file")
    blob = getattr(form, f"{prefix}_blob").data
    if blob:
        try:
            return getattr(form, f"{prefix}_name").data or "", base64.b64decode(blob, validate=True)
        except (binascii.Error, ValueError) as err:
            raise DomainError("Dữ liệu tệp bị hỏng; hãy chọn lại tệp.", field=name) from err
    return None


def _parse_files(form: ImportForm):
    """The plan files (uploaded, or carried back by the confirmation form) read and checked;
    they travel in the form to the confirmation."""
    tasks_file = _file_payload(form, "tasks_file")
    objectives_file = _file_payload(form, "objectives_file")
    if tasks_file is None:
        raise DomainError("Hãy chọn tệp nhiệm vụ.", field="tasks_file")
    parsed = services.parse_plan_files(
        tasks_file, objectives_file, (form.period_start.data, form.period_end.data)
    )
    form.tasks_name.data, form.tasks_blob.data = (
        tasks_file[0],
        base64.b64encode(tasks_file[1]).decode(),
    )
    if objectives_file:
        form.objectives_name.data = objectives_file[0]
        form.objectives_blob.data = base64.b64encode(objectives_file[1]).decode()
    return parsed


@bp.route("/import", methods=["GET", "POST"])
@secretariat_only
def import_plan():
    form = ImportForm()
    parsed = None
    if form.validate_on_submit():
        try:
            parsed = _parse_files(form)
        except DomainError as err:  # the files are only read: nothing to roll back
            apply_domain_error(form, err)
    if parsed is not None and parsed.ok and request.form.get("confirm") == "1":

        def refused(err: DomainError) -> None:
            nonlocal parsed
            parsed = None
            apply_domain_error(form, err)

        rows = parsed
        if done := run_action(
            lambda: services.import_plan(_plan_data(form), rows, current_user),
            on_refusal=refused,
            success=f"Đã nhập kế hoạch: {len(rows.tasks)} nhiệm vụ, "
            f"{len(rows.objectives)} mục tiêu.",
            to=_plan_url,
        ):
            return done
    offices = {o.code.upper(): o for o in services.active_offices()}
    return render_template(
        "plans/import.html",
        form=form,
        parsed=parsed,
        fields=commune_settings.current().plan_fields,
        offices=offices,
        expand=services.expand_office_codes,
    )


# -- tasks -------------------------------------------------------------------------------------
def _task_form_choices(form: TaskForm, task: Task | None = None) -> None:
    fields = commune_settings.current().plan_fields_with([task.field] if task else [])
    form.field.choices = [("", "— Chọn lĩnh vực —"), *fields.items()]
    choices = [(o.id, f"{o.code} — {o.name}") for o in services.active_offices()]
    form.lead_office_ids.choices = choices
    form.coordinating_office_ids.choices = choices


def _task_data(form: TaskForm) -> services.TaskData:
    due = parse_month(form.due_month.data)
    if form.timing.data == "month" and form.due_month.data and due is None:
        raise DomainError("Tháng không hợp lệ; ghi dạng 07/2025.", field="due_month")
    return services.TaskData(
        code=form.code.data or "",
        field=form.field.data or "",
        content=form.content.data or "",
        lead_office_ids=form.lead_office_ids.data or [],
        coordinating_office_ids=form.coordinating_office_ids.data or [],
        timing=form.timing.data or "",
        due_month=due,
    )


@bp.route("/<int:plan_id>/tasks/new", methods=["GET", "POST"])
@secretariat_only
def new_task(plan_id: int):
    plan = get_or_404_for(current_user, Plan, plan_id, check="can_edit")
    form = TaskForm()
    _task_form_choices(form)
    if done := run_action(
        lambda: services.create_task(plan, _task_data(form), current_user),
        form=form,
        success=lambda task: f"Đã thêm nhiệm vụ {task.code}.",
        to=_plan_url(plan),
    ):
        return done
    return render_template("plans/task_form.html", form=form, plan=plan, task=None)


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@secretariat_only
def edit_task(task_id: int):
    task = get_or_404(Task, task_id)
    require(task.plan.can_edit(current_user))
    form = TaskForm(obj=task if request.method == "GET" else None)
    _task_form_choices(form, task)
    if request.method == "GET":
        form.lead_office_ids.data = [o.id for o in task.lead_offices]
        form.coordinating_office_ids.data = [o.id for o in task.coordinating_offices]
        form.due_month.data = task.due_month.strftime("%m/%Y") if task.due_month else ""
    if done := run_action(
        lambda: services.update_task(task, _task_data(form), current_user),
        form=form,
        success=lambda _: f"Đã lưu nhiệm vụ {task.code}.",
        to=lambda _: url_for("plans.show", plan_id=task.plan_id),
    ):
        return done
    return render_template("plans/task_form.html", form=form, plan=task.plan, task=task)


@bp.post("/tasks/<int:task_id>/remove")
@secretariat_only
def delete_task(task_id: int):
    task = get_or_404(Task, task_id)
    require(task.plan.can_edit(current_user))
    back = url_for("plans.show", plan_id=task.plan_id)
    return run_action(
        lambda: services.delete_task(task, current_user),
        success="Đã xóa nhiệm vụ.",
        to=back,
        failed=back,
    )


# -- objectives --------------------------------------------------------------------------------
def _objective_form(obj: Objective | None = None) -> ObjectiveForm:
    form = ObjectiveForm(obj=obj if request.method == "GET" else None)
    form.owner_office_id.choices = [
        (o.id, f"{o.code} — {o.name}") for o in services.active_offices()
    ]
    return form


def _objective_data(form: ObjectiveForm) -> services.ObjectiveData:
    return services.ObjectiveData(
        code=form.code.data or "",
        indicator=form.indicator.data or "",
        comparison=form.comparison.data or "",
        target=form.target.data,
        unit=form.unit.data or "",
        owner_office_id=form.owner_office_id.data,
    )


@bp.route("/<int:plan_id>/objectives/new", methods=["GET", "POST"])
@secretariat_only
def new_objective(plan_id: int):
    plan = get_or_404_for(current_user, Plan, plan_id, check="can_edit")
    form = _objective_form()
    if done := run_action(
        lambda: services.create_objective(plan, _objective_data(form), current_user),
        form=form,
        success="Đã thêm chỉ tiêu.",
        to=_plan_url(plan),
    ):
        return done
    return render_template("plans/objective_form.html", form=form, plan=plan, objective=None)


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@secretariat_only
def edit_objective(objective_id: int):
    obj = get_or_404(Objective, objective_id)
    require(obj.plan.can_edit(current_user))
    form = _objective_form(obj)
    if done := run_action(
        lambda: services.update_objective(obj, _objective_data(form), current_user),
        form=form,
        success="Đã lưu chỉ tiêu.",
        to=url_for("plans.objective", objective_id=obj.id),
    ):
        return done
    return render_template("plans/objective_form.html", form=form, plan=obj.plan, objective=obj)


def plan_months(plan: Plan) -> list[date]:
    """The first day of each month of the plan, newest first."""
    months, month = [], plan.period_start.replace(day=1)
    while month <= plan.period_end:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months[::-1]


@bp.route("/objectives/<int:objective_id>", methods=["GET", "POST"])
@login_required
def objective(objective_id: int):
    obj = get_or_404_for(current_user, Objective, objective_id)
    form = ObjectiveValueForm()
    entered = {v.month: v for v in obj.values}
    form.month.choices = [
        (
            f"{m:%Y-%m}",
            f"Tháng {m.month}/{m.year}"
            + (f" (đã có: {format_number(entered[m].value)})" if m in entered else ""),
        )
        for m in plan_months(obj.plan)
    ]
    if request.method == "POST":
        require(obj.can_enter_values(current_user))

        def record() -> None:
            month = parse_month(form.month.data)
            if month is None:
                raise DomainError("Hãy chọn tháng trong danh sách.", field="month")
            services.record_objective_value(
                obj,
                month,
                form.value.data,
                form.note.data or "",
                current_user,
                reason=form.reason.data or "",
            )

        if obj.is_computed:
            flash(services.COMPUTED_VALUE_MESSAGE, "error")
        elif done := run_action(
            record,
            form=form,
            success="Đã lưu số liệu.",
            to=url_for("plans.objective", objective_id=obj.id),
        ):
            return done
    values = db.session.scalars(
        select(ObjectiveValue)
        .where(ObjectiveValue.objective_id == obj.id)
        .options(selectinload(ObjectiveValue.revisions))
        .order_by(ObjectiveValue.month.desc())
    ).all()
    rows = [(v, services.objective_state(obj, v.value)) for v in values]
    return render_template(
        "plans/objective.html",
        objective=obj,
        form=form,
        rows=rows,
        chart=objective_chart(obj),
        state_labels=services.OBJECTIVE_STATE_LABELS,
        can_enter=obj.can_enter_values(current_user) and not obj.is_computed,
        survey_link=sources.source_of(obj),
    )


# -- export ------------------------------------------------------------------------------------
@bp.get("/<int:plan_id>/export.xlsx")
@login_required
def export_xlsx(plan_id: int):
    plan = get_or_404_for(current_user, Plan, plan_id)
    import io

    return send_file(
        io.BytesIO(services.export_plan_xlsx(plan)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"ke-hoach-{plan.id}.xlsx",
    )


@bp.get("/<int:plan_id>/export.pdf")
@login_required
def export_pdf(plan_id: int):
    plan = get_or_404_for(current_user, Plan, plan_id)
    import io

    return send_file(
        io.BytesIO(exports.plan_pdf(plan)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"ke-hoach-{plan.id}.pdf",
    )
