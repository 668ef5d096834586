"""Operations on plans, tasks, task updates and objectives; each checks its rule and audits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ..core import timeutil
from ..core.errors import DomainError, FieldErrors
from ..core.extensions import db
from ..core.locking import lock_row
from ..core.timeutil import local_today
from ..models import Attachment, Office, User, commune_settings
from ..models.plans import (
    CauseType,
    Objective,
    ObjectiveValue,
    ObjectiveValueRevision,
    OfficeRole,
    Plan,
    PlanStatus,
    Task,
    TaskOffice,
    TaskStatus,
    TaskUpdate,
    TaskUpdateAttachment,
    Timing,
    UpdateKind,
    newest_progress_id,
)
from ..records import attachments as attachment_service
from ..records import audit
from . import importer

PLAN_FIELDS = ("title", "theme", "period_start", "period_end", "doc_number", "doc_date", "status")
TASK_FIELDS = ("code", "field", "content", "timing", "due_month")
UPDATE_FIELDS = (
    "task_id",
    "kind",
    "status",
    "progress",
    "result",
    "cause_type",
    "cause",
    "catchup_action",
    "catchup_deadline",
    "catchup_responsible",
)


# -- offices -----------------------------------------------------------------------------------
def task_counts(plan_ids: Sequence[int]) -> dict[int, int]:
    """Number of tasks per plan, in one query for a page of plans."""
    rows = db.session.execute(
        select(Task.plan_id, func.count(Task.id))
        .where(Task.plan_id.in_(plan_ids))
        .group_by(Task.plan_id)
    )
    return {plan_id: count for plan_id, count in rows}


def active_offices() -> list[Office]:
    return list(
        db.session.scalars(
            select(Office).where(Office.active).order_by(Office.sort_order, Office.code)
        )
    )


def office_codes() -> set[str]:
    return {o.code.upper() for o in active_offices()}


def expand_office_codes(codes: Iterable[str]) -> list[Office]:
    """Office codes to offices; "CQCM" stands for every specialised office (SPEC §1)."""
    by_code = {o.code.upper(): o for o in active_offices()}
    found: list[Office] = []
    for code in codes:
        code = code.upper()
        group = (
            [o for o in by_code.values() if o.is_specialised]
            if code == importer.ALL_SPECIALISED
            else [by_code[code]]
            if code in by_code
            else []
        )
        found.extend(o for o in group if o not in found)
    return found


# -- plans -------------------------------------------------------------------------------------
@dataclass
class PlanData:
    title: str
    period_start: date
    period_end: date
    theme: str = ""
    doc_number: str = ""
    doc_date: date | None = None


def _check_plan(data: PlanData) -> None:
    if not data.title.strip():
        raise DomainError("Hãy nhập tên kế hoạch.", field="title")
    if data.period_end < data.period_start:
        raise DomainError("Ngày kết thúc phải sau ngày bắt đầu.", field="period_end")


def create_plan(data: PlanData, actor: User | None = None) -> Plan:
    """A new plan starts as a draft."""
    _check_plan(data)
    plan = Plan(
        title=data.title.strip(),
        theme=data.theme.strip(),
        period_start=data.period_start,
        period_end=data.period_end,
        doc_number=data.doc_number.strip(),
        doc_date=data.doc_date,
        status=PlanStatus.DRAFT,
    )
    db.session.add(plan)
    db.session.flush()
    audit.record("plan.create", plan, after=audit.snapshot(plan, PLAN_FIELDS), actor=actor)
    return plan


def update_plan(plan: Plan, data: PlanData, actor: User | None = None) -> Plan:
    _check_plan(data)
    outside = [
        t.code
        for t in plan.tasks
        if t.due_month and not data.period_start.replace(day=1) <= t.due_month <= data.period_end
    ]
    if outside:
        raise DomainError(
            "Thời gian mới không bao gồm tháng hoàn thành của nhiệm vụ " + ", ".join(outside) + ".",
            field="period_end",
        )
    if plan.is_active:
        _check_no_duplicate(
            data.period_start, data.period_end, [t.code for t in plan.tasks], plan.id
        )
    before = audit.snapshot(plan, PLAN_FIELDS)
    plan.title = data.title.strip()
    plan.theme = data.theme.strip()
    plan.period_start, plan.period_end = data.period_start, data.period_end
    plan.doc_number, plan.doc_date = data.doc_number.strip(), data.doc_date
    audit.record(
        "plan.update", plan, before=before, after=audit.snapshot(plan, PLAN_FIELDS), actor=actor
    )
    return plan


def duplicate_codes_in_active_plans(
    period_start: date, period_end: date, codes: Iterable[str], exclude_plan_id: int | None = None
) -> list[tuple[Plan, list[str]]]:
    """Active plans whose period overlaps [period_start, period_end] and that already have
    some of these task codes, with the shared codes: such a plan beside another would make
    reports count the same work twice."""
    codes = sorted(set(codes), key=_code_key)
    if not codes:
        return []
    stmt = (
        select(Plan, Task.code)
        .join(Task, Task.plan_id == Plan.id)
        .where(
            Plan.status == PlanStatus.ACTIVE,
            Plan.period_start <= period_end,
            Plan.period_end >= period_start,
            Task.code.in_(codes),
        )
        .order_by(Plan.period_start, Plan.id)
    )
    if exclude_plan_id is not None:
        stmt = stmt.where(Plan.id != exclude_plan_id)
    found: dict[int, tuple[Plan, list[str]]] = {}
    for plan, code in db.session.execute(stmt):
        found.setdefault(plan.id, (plan, []))[1].append(code)
    return [(plan, sorted(shared, key=_code_key)) for plan, shared in found.values()]


def _code_key(code: str) -> list[tuple[int, int, str]]:
    """ "3.10" after "3.9"; a part that is not a number sorts after the numbers."""
    return [(0, int(p), "") if p.isdecimal() else (1, 0, p) for p in code.split(".")]


def duplicate_message(duplicates: list[tuple[Plan, list[str]]]) -> str:
    plan, shared = duplicates[0]
    shown = ", ".join(shared[:8]) + (f" … ({len(shared)} mã)" if len(shared) > 8 else "")
    return (
        f"Trùng với “{plan.title}” ({plan.period_label}), kế hoạch đang thực hiện trong cùng "
        f"thời gian và đã có nhiệm vụ mã {shown}: báo cáo sẽ tính các nhiệm vụ này hai lần, "
        "nên chưa lưu gì. Nếu đây là bản sửa của kế hoạch đó, hãy sửa ngay trên kế hoạch "
        "đang thực hiện; nếu là một kế hoạch khác, hãy đặt mã nhiệm vụ khác."
    )


def _check_no_duplicate(
    period_start: date, period_end: date, codes: Iterable[str], exclude_plan_id: int | None
) -> None:
    duplicates = duplicate_codes_in_active_plans(period_start, period_end, codes, exclude_plan_id)
    if duplicates:
        raise DomainError(duplicate_message(duplicates))


def activate_plan(plan: Plan, actor: User, *, decision=None) -> None:
    """Ban hành: a draft plan with tasks becomes active, and from then on feeds reports,
    dashboards and office workspaces. The secretariat issues it by hand; when its approval
    Decision is signed, the leader who signed it issues it through `decision`. Refused when
    an active plan of the same period already has the same task codes."""
    if decision is None:
        if not actor.is_secretariat:
            raise DomainError("Chỉ Thường trực CCHC ban hành kế hoạch.")
    else:
        signer_id = getattr(decision, "approved_by_id", None)
        if not actor.is_leader or (signer_id is not None and signer_id != actor.id):
            raise DomainError("Chỉ lãnh đạo đã ký Quyết định mới ban hành kế hoạch theo đó.")
    lock_row(Plan, plan.id)
    db.session.refresh(plan, ["status"])
    if plan.status == PlanStatus.ACTIVE:
        raise DomainError("Kế hoạch đã được ban hành.")
    if plan.status == PlanStatus.CLOSED:
        raise DomainError("Kế hoạch đã kết thúc, không ban hành lại được.")
    # From the database, not `plan.tasks`: tasks added in this session may not be in it.
    codes = db.session.scalars(select(Task.code).where(Task.plan_id == plan.id)).all()
    if not codes:
        raise DomainError("Kế hoạch chưa có nhiệm vụ nào, chưa thể ban hành.")
    _check_no_duplicate(plan.period_start, plan.period_end, codes, exclude_plan_id=plan.id)
    plan.status = PlanStatus.ACTIVE
    after: dict = {"status": plan.status}
    if decision is not None:
        after["decision_id"] = getattr(decision, "id", None)
    audit.record("plan.activate", plan, before={"status": "draft"}, after=after, actor=actor)


def close_plan(plan: Plan, actor: User) -> None:
    """Kết thúc: an active plan is closed by the secretariat. Its tasks take no more updates
    and its objectives no more values, but its history still feeds the reports, dashboards
    and workspaces of its periods."""
    if not actor.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC kết thúc kế hoạch.")
    lock_row(Plan, plan.id)
    db.session.refresh(plan, ["status"])
    if plan.status != PlanStatus.ACTIVE:
        raise DomainError(
            "Kế hoạch đã kết thúc." if plan.status == PlanStatus.CLOSED else
            "Kế hoạch chưa ban hành nên chưa thể kết thúc."
        )  # fmt: skip
    plan.status = PlanStatus.CLOSED
    audit.record(
        "plan.close", plan, before={"status": "active"}, after={"status": "closed"}, actor=actor
    )


# -- tasks -------------------------------------------------------------------------------------
@dataclass
class TaskData:
    code: str
    field: str
    content: str
    lead_office_ids: Sequence[int]
    coordinating_office_ids: Sequence[int]
    timing: str
    due_month: date | None = None


def _task_snapshot(task: Task) -> dict:
    data = audit.snapshot(task, TASK_FIELDS)
    data["lead"] = [o.code for o in task.lead_offices]
    data["coordinating"] = [o.code for o in task.coordinating_offices]
    return data


def _apply_task(plan: Plan, task: Task, data: TaskData) -> None:
    code = data.code.strip()
    if not code:
        raise DomainError("Hãy nhập mã nhiệm vụ.", field="code")
    clash = db.session.scalar(
        select(Task.id).where(Task.plan_id == plan.id, Task.code == code, Task.id != task.id)
    )
    if clash:
        raise DomainError(f"Kế hoạch đã có nhiệm vụ mã “{code}”.", field="code")
    if plan.is_active:
        duplicates = duplicate_codes_in_active_plans(
            plan.period_start, plan.period_end, [code], exclude_plan_id=plan.id
        )
        if duplicates:
            raise DomainError(duplicate_message(duplicates), field="code")
    if data.field not in commune_settings.current().plan_fields and (
        task is None or data.field != task.field
    ):
        raise DomainError("Hãy chọn lĩnh vực trong danh mục lĩnh vực của đơn vị.", field="field")
    if not data.content.strip():
        raise DomainError("Hãy nhập nội dung nhiệm vụ.", field="content")
    if not data.lead_office_ids:
        raise DomainError("Hãy chọn ít nhất một đơn vị chủ trì.", field="lead_office_ids")
    if data.timing not in {t.value for t in Timing}:
        raise DomainError("Hãy chọn thời gian thực hiện.", field="timing")
    due = data.due_month.replace(day=1) if data.due_month else None
    if data.timing == Timing.MONTH:
        if due is None:
            raise DomainError("Hãy chọn tháng phải hoàn thành.", field="due_month")
        if not plan.period_start.replace(day=1) <= due <= plan.period_end:
            raise DomainError("Tháng hoàn thành nằm ngoài thời gian của kế hoạch.", "due_month")
    else:
        due = None
    task.code, task.field, task.content = code, data.field, data.content.strip()
    task.timing, task.due_month = data.timing, due
    leads = list(dict.fromkeys(data.lead_office_ids))
    coordinating = [i for i in dict.fromkeys(data.coordinating_office_ids) if i not in leads]
    task.office_links = [TaskOffice(office_id=i, role=OfficeRole.LEAD) for i in leads] + [
        TaskOffice(office_id=i, role=OfficeRole.COORDINATING) for i in coordinating
    ]


def create_task(plan: Plan, data: TaskData, actor: User | None = None) -> Task:
    # Not attached to `plan` yet: the duplicate check must not autoflush a half-made task.
    task = Task(plan_id=plan.id, sort_order=len(plan.tasks) + 1)
    _apply_task(plan, task, data)
    db.session.add(task)
    db.session.flush()
    db.session.refresh(task)
    audit.record("task.create", task, after=_task_snapshot(task), actor=actor)
    return task


def update_task(task: Task, data: TaskData, actor: User | None = None) -> Task:
    before = _task_snapshot(task)
    _apply_task(task.plan, task, data)
    db.session.flush()
    db.session.refresh(task)
    audit.record("task.update", task, before=before, after=_task_snapshot(task), actor=actor)
    return task


def delete_task(task: Task, actor: User | None = None) -> None:
    """A task that offices already reported on keeps its history: it cannot be deleted."""
    if task.updates:
        raise DomainError("Nhiệm vụ đã có báo cáo tiến độ nên không thể xóa.")
    audit.record("task.delete", task, before=_task_snapshot(task), actor=actor)
    db.session.delete(task)


# -- import ------------------------------------------------------------------------------------
def parse_plan_files(
    tasks_file: tuple[str, bytes],
    objectives_file: tuple[str, bytes] | None,
    period: tuple[date, date] | None,
) -> importer.ParseResult:
    """Parse both files; file-level problems become issues at row 0, never exceptions."""
    codes = office_codes()
    result = importer.ParseResult()
    try:
        parsed = importer.parse_tasks(importer.read_table(*tasks_file), codes, period)
        result.tasks, result.issues = parsed.tasks, parsed.issues
    except importer.ImportFileError as err:
        result.issues.append(importer.ImportIssue(0, "tasks_file", str(err)))
    if objectives_file is not None:
        try:
            parsed = importer.parse_objectives(importer.read_table(*objectives_file), codes)
            result.objectives = parsed.objectives
            result.issues += [
                importer.ImportIssue(i.row, i.column, "Mục tiêu: " + i.message) if i.row else i
                for i in parsed.issues
            ]
        except importer.ImportFileError as err:
            result.issues.append(importer.ImportIssue(0, "objectives_file", str(err)))
    if period is not None and all(period) and result.tasks:
        duplicates = duplicate_codes_in_active_plans(*period, [t.code for t in result.tasks])
        if duplicates:
            result.issues.insert(
                0, importer.ImportIssue(0, "tasks_file", duplicate_message(duplicates))
            )
    return result


def import_plan(data: PlanData, parsed: importer.ParseResult, actor: User | None = None) -> Plan:
    """Create a draft plan with every parsed task and objective, or refuse if any row has a
    problem or if an active plan of the same period already has the same task codes."""
    if not parsed.ok:
        raise DomainError(f"Tệp còn {len(parsed.issues)} lỗi; chưa lưu gì.")
    _check_no_duplicate(
        data.period_start, data.period_end, [t.code for t in parsed.tasks], exclude_plan_id=None
    )
    plan = create_plan(data, actor)
    for order, row in enumerate(parsed.tasks, start=1):
        leads = expand_office_codes(row.lead_codes)
        coordinating = [o for o in expand_office_codes(row.coordinating_codes) if o not in leads]
        task = Task(
            plan=plan,
            code=row.code,
            field=row.field,
            content=row.content,
            timing=row.timing,
            due_month=row.due_month,
            sort_order=order,
        )
        task.office_links = [
            TaskOffice(office=o, office_id=o.id, role=OfficeRole.LEAD) for o in leads
        ] + [
            TaskOffice(office=o, office_id=o.id, role=OfficeRole.COORDINATING) for o in coordinating
        ]
        db.session.add(task)
    by_code = {o.code.upper(): o for o in active_offices()}
    for order, row in enumerate(parsed.objectives, start=1):
        db.session.add(
            Objective(
                plan=plan,
                code=row.code,
                indicator=row.indicator,
                comparison=row.comparison,
                target=row.target,
                unit=row.unit,
                owner_office=by_code[row.owner_code],
                sort_order=order,
            )
        )
    db.session.flush()
    audit.record(
        "plan.import",
        plan,
        after={"tasks": len(parsed.tasks), "objectives": len(parsed.objectives)},
        actor=actor,
    )
    return plan


# -- export ------------------------------------------------------------------------------------
def _office_cell(offices: list[Office]) -> str:
    specialised = {o.id for o in active_offices() if o.is_specialised}
    ids = {o.id for o in offices}
    if specialised and specialised <= ids and len(specialised) > 1:
        rest = [o.code for o in offices if o.id not in specialised]
        return ";".join([importer.ALL_SPECIALISED, *rest])
    return ";".join(o.code for o in offices)


def _timing_cell(task: Task) -> str:
    if task.timing == Timing.MONTH and task.due_month:
        return task.due_month.strftime("%Y-%m")
    return "thuong_xuyen" if task.timing == Timing.ONGOING else ""


def export_plan_xlsx(plan: Plan) -> bytes:
    """The plan in the import shape (sheet "Nhiệm vụ", sheet "Mục tiêu"): it re-imports as is."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nhiệm vụ"
    sheet.append(list(importer.TASK_COLUMNS))
    for task in plan.tasks:
        sheet.append(
            [
                task.code,
                task.field,
                task.content,
                _office_cell(task.lead_offices),
                _office_cell(task.coordinating_offices),
                _timing_cell(task),
            ]
        )
    objectives = workbook.create_sheet("Mục tiêu")
    objectives.append(list(importer.OBJECTIVE_COLUMNS))
    for objective in plan.objectives:
        objectives.append(
            [
                objective.code,
                objective.indicator,
                objective.comparison,
                float(objective.target),
                objective.unit,
                objective.owner_office.code,
            ]
        )
    for ws, widths in ((sheet, (8, 20, 80, 14, 14, 14)), (objectives, (8, 70, 10, 10, 10, 10))):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for letter, width in zip("ABCDEF", widths, strict=True):
            ws.column_dimensions[letter].width = width
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        # Codes such as "1.10" must stay text, not become the number 1.1.
        for row in ws.iter_rows(min_row=2, max_col=1):
            row[0].number_format = "@"
    from ..core.spreadsheets import workbook_bytes

    return workbook_bytes(workbook)  # every user-typed cell stays text, never a formula


# -- task updates ------------------------------------------------------------------------------
@dataclass
class UpdateData:
    status: str
    progress: int | None
    result: str = ""
    cause_type: str | None = None
    cause: str = ""
    catchup_action: str = ""
    catchup_deadline: date | None = None
    catchup_responsible: str = ""
    based_on_id: int | None = None


class UpdateConflict(DomainError):
    """Someone else saved an update after the one this form was based on."""

    def __init__(self, latest: TaskUpdate) -> None:
        who = latest.author.full_name if latest.author else "một người khác"
        super().__init__(
            f"{who} đã cập nhật nhiệm vụ này trong lúc bạn đang soạn. Nội dung bạn nhập vẫn "
            "còn nguyên bên dưới: hãy xem cập nhật của họ rồi bấm lưu lại nếu vẫn muốn gửi."
        )
        self.latest = latest


def update_problems(task: Task, data: UpdateData, today: date | None = None) -> dict[str, str]:
    """Every problem of a progress update at once, field by field (empty when it may be
    saved). Seed 004 §6: a late task states its cause and a catch-up plan whose new deadline
    lies after `today` and within the plan."""
    today = today or local_today()
    problems: dict[str, str] = {}
    if data.status not in {s.value for s in TaskStatus}:
        problems["status"] = "Hãy chọn tình trạng thực hiện."
    if data.progress is None or not 0 <= data.progress <= 100:
        problems["progress"] = "Tiến độ là một số phần trăm từ 0 đến 100."
    elif data.status == TaskStatus.DONE and data.progress != 100:
        problems["progress"] = "Nhiệm vụ hoàn thành thì tiến độ phải là 100%."
    elif data.status == TaskStatus.NOT_STARTED and data.progress != 0:
        problems["progress"] = "Nhiệm vụ chưa thực hiện thì tiến độ là 0%."
    if data.status != TaskStatus.LATE:
        return problems
    if data.cause_type not in {c.value for c in CauseType}:
        problems["cause_type"] = (
            "Nhiệm vụ chậm tiến độ phải nêu nguyên nhân chủ quan hay khách quan."
        )
    if not data.cause.strip():
        problems["cause"] = "Hãy nêu nguyên nhân chậm tiến độ."
    if not data.catchup_action.strip():
        problems["catchup_action"] = "Hãy nêu giải pháp khắc phục."
    end = task.plan.period_end
    if data.catchup_deadline is None:
        problems["catchup_deadline"] = "Hãy chọn thời hạn hoàn thành mới."
    elif data.catchup_deadline <= today:
        problems["catchup_deadline"] = (
            f"Thời hạn hoàn thành mới phải sau hôm nay ({today:%d/%m/%Y})."
        )
    elif data.catchup_deadline > end:
        problems["catchup_deadline"] = (
            f"Thời hạn hoàn thành mới không được sau ngày kết thúc kế hoạch ({end:%d/%m/%Y})."
        )
    if not data.catchup_responsible.strip():
        problems["catchup_responsible"] = "Hãy ghi người chịu trách nhiệm."
    return problems


def _check_open(task: Task) -> None:
    if task.plan.is_draft:
        raise DomainError("Kế hoạch chưa được ban hành: chưa cập nhật được nhiệm vụ.")
    if not task.plan.is_active:
        raise DomainError("Kế hoạch đã kết thúc: không cập nhật nhiệm vụ được nữa.")


def _lead_codes(task: Task) -> str:
    return ", ".join(o.code for o in task.lead_offices)


def ensure_may_report_progress(task: Task, author: User) -> None:
    """The task's status and percent are its lead office's: anyone else is refused, and a
    coordinating office is told to post its contribution instead."""
    _check_open(task)
    if not task.can_report_progress(author):
        if task.can_contribute(author):
            raise DomainError(
                "Đơn vị của bạn phối hợp thực hiện nhiệm vụ này: tình trạng và tiến độ do đơn vị "
                f"chủ trì ({_lead_codes(task)}) cập nhật. Hãy gửi phần việc đơn vị đã làm; "
                "nội dung bạn viết vẫn còn trong ô bên dưới."
            )
        raise DomainError("Bạn không thuộc đơn vị chủ trì nhiệm vụ này.")


def record_task_update(
    task: Task,
    data: UpdateData,
    author: User,
    files: Sequence | None = None,
    *,
    today: date | None = None,
) -> TaskUpdate:
    """Append a progress update (status and percent) to the task's history; never overwrite.

    Only a lead office reports the status: a coordinating office is refused and told to post
    its contribution instead. Refused too when the plan is not active, when any field has a
    problem (all are reported together, see `update_problems`; `today` is the day the update
    is made), when a file is refused, or when another progress update was saved after the
    one the author's form was based on (`UpdateConflict`, so the second writer loses
    nothing).
    """
    ensure_may_report_progress(task, author)
    problems = update_problems(task, data, today)
    if problems:
        raise FieldErrors(problems)
    # Two saves based on the same update must not both pass the check below: the second
    # waits here until the first is committed, then sees it and is told.
    lock_row(Task, task.id)
    latest_id = db.session.scalar(select(newest_progress_id(task.id)))
    if latest_id is not None and latest_id != data.based_on_id:
        raise UpdateConflict(db.session.get(TaskUpdate, latest_id))
    previous = db.session.get(TaskUpdate, latest_id) if latest_id is not None else None
    late = data.status == TaskStatus.LATE
    update = TaskUpdate(
        task=task,
        kind=UpdateKind.PROGRESS,
        office_id=author.office_id,
        author=author,
        based_on_id=latest_id,
        status=data.status,
        progress=data.progress,
        result=data.result.strip(),
        cause_type=data.cause_type if late else None,
        cause=data.cause.strip() if late else "",
        catchup_action=data.catchup_action.strip() if late else "",
        catchup_deadline=data.catchup_deadline if late else None,
        catchup_responsible=data.catchup_responsible.strip() if late else "",
    )
    db.session.add(update)
    set_committed_value(task, "newest_update", update)
    # The audit log reads "60 % → 85 %": the status and percent this update replaces.
    before = {"task_id": task.id, "status": TaskStatus.NOT_STARTED, "progress": 0}
    if previous is not None:
        before.update(status=previous.status, progress=previous.progress)
    _attach_and_audit("task.progress", update, files, author, before=before)
    return update


def record_contribution(
    task: Task, result: str, author: User, files: Sequence | None = None
) -> TaskUpdate:
    """A coordinating office's part in a task (what it did, evidence): appended to the
    task's history and shown to the lead office and in reports under the coordinating
    office's name, without touching the task's status or percent."""
    _check_open(task)
    if not task.can_contribute(author):
        if task.can_report_progress(author):
            raise DomainError(
                "Đơn vị của bạn chủ trì nhiệm vụ này: hãy cập nhật tình trạng và tiến độ."
            )
        raise DomainError("Bạn không thuộc đơn vị phối hợp thực hiện nhiệm vụ này.")
    if not result.strip():
        raise DomainError("Hãy nêu phần việc đơn vị đã thực hiện.", field="result")
    update = TaskUpdate(
        task=task,
        kind=UpdateKind.CONTRIBUTION,
        office_id=author.office_id,
        author=author,
        status=None,
        progress=None,
        result=result.strip(),
    )
    db.session.add(update)
    _attach_and_audit("task.contribution", update, files, author)
    return update


def _attach_and_audit(
    action: str,
    update: TaskUpdate,
    files: Sequence | None,
    author: User,
    before: dict | None = None,
):
    stored = attachment_service.store_uploads(files or [], author, field="evidence")
    db.session.flush()
    for attachment in stored:
        db.session.add(TaskUpdateAttachment(update_id=update.id, attachment_id=attachment.id))
    audit.record(
        action,
        update,
        before=before,
        after={**audit.snapshot(update, UPDATE_FIELDS), "files": [a.id for a in stored]},
        actor=author,
    )


def recent_contributions(
    office: Office, plan: Plan | None, limit: int = 10
) -> list[tuple[TaskUpdate, str]]:
    """The newest contributions coordinating offices posted to tasks `office` leads in `plan`,
    each with its task's code: what the lead office reads before reporting the status."""
    if plan is None:
        return []
    led = select(TaskOffice.task_id).where(
        TaskOffice.office_id == office.id, TaskOffice.role == OfficeRole.LEAD
    )
    return [
        (update, code)
        for update, code in db.session.execute(
            select(TaskUpdate, Task.code)
            .join(Task, Task.id == TaskUpdate.task_id)
            .where(
                Task.plan_id == plan.id,
                TaskUpdate.task_id.in_(led),
                TaskUpdate.kind == UpdateKind.CONTRIBUTION,
            )
            .options(lazyload(TaskUpdate.attachments), lazyload(TaskUpdate.author))
            .order_by(TaskUpdate.id.desc())
            .limit(limit)
        )
    ]


def task_of_attachment(attachment: Attachment) -> Task | None:
    return db.session.scalar(
        select(Task)
        .join(TaskUpdate, TaskUpdate.task_id == Task.id)
        .join(TaskUpdateAttachment, TaskUpdateAttachment.update_id == TaskUpdate.id)
        .where(TaskUpdateAttachment.attachment_id == attachment.id)
    )


# -- objectives --------------------------------------------------------------------------------
OBJECTIVE_FIELDS = ("code", "indicator", "comparison", "target", "unit", "owner_office_id")


@dataclass
class ObjectiveData:
    code: str
    indicator: str
    comparison: str
    target: Decimal | None
    unit: str
    owner_office_id: int | None


def _apply_objective(plan: Plan, objective: Objective, data: ObjectiveData) -> None:
    code = data.code.strip()
    if not code:
        raise DomainError("Hãy nhập mã chỉ tiêu.", field="code")
    if any(o.code == code and o.id != objective.id for o in plan.objectives):
        raise DomainError("Kế hoạch đã có chỉ tiêu mã này.", field="code")
    if not data.indicator.strip():
        raise DomainError("Hãy nhập chỉ tiêu.", field="indicator")
    if data.comparison not in (">=", "<=", ">", "<", "="):
        raise DomainError("Hãy chọn phép so sánh.", field="comparison")
    if data.target is None:
        raise DomainError("Hãy nhập giá trị mục tiêu là một số.", field="target")
    if data.owner_office_id not in {o.id for o in active_offices()}:
        raise DomainError("Hãy chọn đơn vị phụ trách.", field="owner_office_id")
    objective.code, objective.indicator = code, data.indicator.strip()
    objective.comparison, objective.target = data.comparison, data.target
    objective.unit, objective.owner_office_id = data.unit.strip()[:30], data.owner_office_id


def create_objective(plan: Plan, data: ObjectiveData, actor: User | None = None) -> Objective:
    objective = Objective(plan_id=plan.id, sort_order=len(plan.objectives) + 1)
    _apply_objective(plan, objective, data)
    db.session.add(objective)
    db.session.flush()
    audit.record("objective.create", objective, after=audit.snapshot(objective, OBJECTIVE_FIELDS),
                 actor=actor)  # fmt: skip
    return objective


def update_objective(objective: Objective, data: ObjectiveData, actor: User | None = None) -> None:
    before = audit.snapshot(objective, OBJECTIVE_FIELDS)
    _apply_objective(objective.plan, objective, data)
    audit.record("objective.update", objective, before=before,
                 after=audit.snapshot(objective, OBJECTIVE_FIELDS), actor=actor)  # fmt: skip


class ObjectiveState:
    MET = "met"  # Đạt
    AT_RISK = "at_risk"  # Có nguy cơ không đạt
    MISSED = "missed"  # Không đạt
    NO_DATA = "no_data"  # Chưa có số liệu


OBJECTIVE_STATE_LABELS = {
    ObjectiveState.MET: "Đạt",
    ObjectiveState.AT_RISK: "Có nguy cơ",
    ObjectiveState.MISSED: "Không đạt",
    ObjectiveState.NO_DATA: "Chưa có số liệu",
}
# Within this share of the target on the wrong side: at risk rather than missed.
AT_RISK_MARGIN = Decimal("0.05")


def compare(value: Decimal, comparison: str, target: Decimal) -> bool:
    return {
        ">=": value >= target,
        "<=": value <= target,
        ">": value > target,
        "<": value < target,
        "=": value == target,
    }[comparison]


def objective_state(objective: Objective, value: Decimal | None) -> str:
    """Met when the comparison holds; at risk when the value misses by at most 5 % of the
    target (or by one unit for a zero target such as "0 hồ sơ tồn đọng"); missed otherwise."""
    if value is None:
        return ObjectiveState.NO_DATA
    target = Decimal(objective.target)
    if compare(value, objective.comparison, target):
        return ObjectiveState.MET
    margin = abs(target) * AT_RISK_MARGIN if target else Decimal(1)
    if abs(value - target) <= margin:
        return ObjectiveState.AT_RISK
    return ObjectiveState.MISSED


def latest_value(objective: Objective, until: date | None = None) -> ObjectiveValue | None:
    values = [v for v in objective.values if until is None or v.month <= until]
    return values[-1] if values else None


COMPUTED_VALUE_MESSAGE = (
    "Chỉ tiêu này được tính tự động từ phiếu khảo sát sự hài lòng (SIPAS): số liệu từng tháng "
    "là tỷ lệ ý kiến hài lòng và rất hài lòng, không nhập tay. Muốn nhập tay, Thường trực CCHC "
    "bỏ liên kết với khảo sát trước."
)


def record_objective_value(
    objective: Objective,
    month: date,
    value: Decimal | None,
    note: str,
    actor: User,
    *,
    reason: str = "",
) -> ObjectiveValue:
    """The owner office reports one value per month of an active plan. A second entry for a
    month corrects it and must say why; the earlier value, who entered it and when stay in
    the month's history (`ObjectiveValue.revisions`). Every problem is reported at once.
    An objective linked with the satisfaction survey is computed from the answers: typing a
    value for it is refused."""
    if objective.is_computed:
        raise DomainError(COMPUTED_VALUE_MESSAGE)
    if not objective.can_enter_values(actor):
        if not objective.plan.is_active:
            raise DomainError(
                "Kế hoạch chưa ban hành hoặc đã kết thúc: không nhập số liệu chỉ tiêu được."
            )
        raise DomainError("Chỉ đơn vị phụ trách chỉ tiêu mới nhập được số liệu.")
    problems: dict[str, str] = {}
    if value is None:
        problems["value"] = "Hãy nhập giá trị là một số."
    elif value < 0 or value > Decimal("1e9"):
        problems["value"] = "Giá trị không hợp lệ (từ 0 trở lên)."
    elif objective.unit.strip() == "%" and value > 100:
        problems["value"] = "Tỷ lệ phần trăm không thể vượt 100."
    month = month.replace(day=1)
    plan = objective.plan
    if not plan.period_start.replace(day=1) <= month <= plan.period_end:
        problems["month"] = (
            f"Tháng {month.month}/{month.year} nằm ngoài thời gian của kế hoạch "
            f"({plan.period_label})."
        )
    # Two first entries for a month at once: the second waits here, then finds the first
    # and is asked why it corrects it, instead of inserting a duplicate month.
    lock_row(Objective, objective.id)
    row = db.session.scalar(
        select(ObjectiveValue)
        .where(ObjectiveValue.objective_id == objective.id, ObjectiveValue.month == month)
        .execution_options(populate_existing=True)
    )
    if row is not None and not reason.strip():
        who = f" do {row.entered_by.full_name} nhập" if row.entered_by else ""
        problems["reason"] = (
            f"Tháng {month.month}/{month.year} đã có số liệu {_number(row.value)}{who}: "
            "hãy ghi lý do sửa."
        )
    if problems:
        raise FieldErrors(problems)
    before = audit.snapshot(row, ("month", "value", "note")) if row else None
    first = row is None
    if row is None:
        row = ObjectiveValue(objective=objective, month=month)
        db.session.add(row)
    now = timeutil.utcnow()
    row.value, row.note, row.entered_by, row.entered_at = value, note.strip(), actor, now
    db.session.add(
        ObjectiveValueRevision(
            objective_value=row,
            value=value,
            note=note.strip(),
            reason="" if first else reason.strip(),
            is_first=first,
            entered_by=actor,
            entered_at=now,
        )
    )
    db.session.flush()
    audit.record(
        "objective.value",
        row,
        before=before,
        after={**audit.snapshot(row, ("month", "value", "note")), "reason": reason.strip()},
        actor=actor,
    )
    return row


def _number(value: Decimal) -> str:
    """95.50 → "95,5"."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")
