"""Periodic reports: compiled from the office's task updates and objective values, written,
submitted by the head, accepted or returned by the standing office (VHXH)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import format_date, local_today, to_local, utcnow
from ..models import Office, User, commune_settings
from ..models.plans import (
    TASK_STATUS_LABELS,
    Objective,
    Plan,
    Task,
    TaskOffice,
    TaskStatus,
    TaskUpdate,
    UpdateKind,
)
from ..models.reports import Report, ReportComment, ReportStatus
from ..models.search import searched
from ..plans import services as plan_services
from ..records import audit
from ..text import Query
from . import periods
from .periods import Period

REPORT_FIELDS = ("status", "submitted_at", "decided_at")


def period_of(report: Report) -> Period:
    return Period(report.kind, report.period_start, report.period_end, report.deadline)


# -- compiling ---------------------------------------------------------------------------------
def plans_of_period(period: Period) -> list[Plan]:
    """The active and closed plans that share a day with the period (never a draft)."""
    return list(
        db.session.scalars(
            select(Plan)
            .where(
                Plan.reportable(),
                Plan.period_start <= period.end,
                Plan.period_end >= period.start,
            )
            .order_by(Plan.period_start, Plan.id)
        )
    )


def _office_tasks(office_id: int | None, plan_ids: list[int]) -> list[Task]:
    stmt = select(Task).where(Task.plan_id.in_(plan_ids)).order_by(Task.plan_id, Task.sort_order)
    if office_id is not None:
        stmt = stmt.where(
            Task.id.in_(select(TaskOffice.task_id).where(TaskOffice.office_id == office_id))
        )
    return list(db.session.scalars(stmt))


def _number(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _code_key(code: str) -> list[tuple[int, int, str]]:
    """ "3.10" after "3.9"; a part that is not a number ("3.a", "3.²") sorts after the numbers
    instead of failing to compare with them."""
    return [(0, int(p), "") if p.isdecimal() else (1, 0, p) for p in code.split(".")]


def _plan_entry(plan: Plan) -> dict:
    return {
        "id": plan.id,
        "title": plan.title,
        "doc_number": plan.doc_number,
        "doc_date": plan.doc_date.isoformat() if plan.doc_date else None,
        "start": plan.period_start.isoformat(),
        "end": plan.period_end.isoformat(),
    }


def _contribution_entry(update: TaskUpdate) -> dict:
    return {
        "id": update.id,
        "office": update.office.code if update.office else "",
        "office_name": update.office.name if update.office else "",
        "author": update.author.full_name if update.author else "",
        "date": to_local(update.created_at).date().isoformat(),
        "result": update.result,
        "files": len(update.attachments),
    }


def _newest_progress_until(task_ids: list[int], office_id: int | None, after) -> dict:
    """Per task, its newest progress update made before `after`: by `office_id`, or by any
    of the task's lead offices when it is None (only lead offices post progress)."""
    newest = (
        select(func.max(TaskUpdate.id))
        .where(
            TaskUpdate.task_id.in_(task_ids or [-1]),
            TaskUpdate.kind == UpdateKind.PROGRESS,
            TaskUpdate.created_at < after,
        )
        .group_by(TaskUpdate.task_id)
    )
    if office_id is not None:
        newest = newest.where(TaskUpdate.office_id == office_id)
    updates = db.session.scalars(select(TaskUpdate).where(TaskUpdate.id.in_(newest)))
    return {u.task_id: u for u in updates}


def compile_report(office: Office | None, period: Period, today: date | None = None) -> dict:
    """The figures of a report, as plain JSON, from the active and closed plans of the
    period, grouped by plan (a task or an objective appears once).

    A task the office leads: its newest progress update of the period (the office's own), the
    late ones with their catch-up plans, flagged "quá hạn khắc phục" when the catch-up
    deadline had passed by the end of the period (or by `today`, if earlier) without a newer
    report; and the contributions of the coordinating offices, under their names. A task the
    office coordinates: its own contributions, no status. The objectives the office owns with
    the value of the period's month; the counts of the numeric appendix. The commune report
    compiled live (office None) takes the lead offices' updates."""
    today = today or local_today()
    reference = min(today, period.end)
    plans = plans_of_period(period)
    plan_ids = [p.id for p in plans]
    titles = {p.id: p.title for p in plans}
    first, after = period.utc_bounds()
    office_id = office.id if office else None
    tasks = _office_tasks(office_id, plan_ids)
    lead_tasks = [t for t in tasks if office is None or t.is_lead(office)]
    progress = _newest_progress_until([t.id for t in lead_tasks], office_id, after)
    contributions: dict[int, list[TaskUpdate]] = {}
    for update in db.session.scalars(
        select(TaskUpdate)
        .where(
            TaskUpdate.task_id.in_([t.id for t in tasks] or [-1]),
            TaskUpdate.kind == UpdateKind.CONTRIBUTION,
            TaskUpdate.created_at >= first,
            TaskUpdate.created_at < after,
        )
        .order_by(TaskUpdate.id)
    ):
        contributions.setdefault(update.task_id, []).append(update)
    update_count = 0
    rows = []
    for task in tasks:
        lead = task in lead_tasks
        newest = progress.get(task.id) if lead else None
        update = newest if newest is not None and to_local(newest.created_at) >= first else None
        own = [c for c in contributions.get(task.id, []) if lead or c.office_id == office_id]
        update_count += (update is not None) + sum(c.office_id == office_id for c in own)
        overdue = newest is not None and newest.catchup_overdue(reference)
        rows.append(
            {
                "task_id": task.id,
                "plan_id": task.plan_id,
                "plan": titles.get(task.plan_id, ""),
                "code": task.code,
                "field": task.field,
                "content": task.content,
                "role": "lead" if lead else "coordinating",
                "leads": [o.code for o in task.lead_offices],
                "timing": task.timing_label,
                "status": update.status if update else None,
                "status_label": update.status_label
                if update
                else ("Chưa cập nhật" if lead else "Phối hợp"),
                "progress": update.progress if update else None,
                "result": update.result if update else "",
                "cause_type": update.cause_label if update else "",
                "cause": update.cause if update else "",
                "catchup_action": update.catchup_action if update else "",
                "catchup_deadline": update.catchup_deadline.isoformat()
                if update and update.catchup_deadline
                else None,
                "catchup_responsible": update.catchup_responsible if update else "",
                "files": len(update.attachments) if update else 0,
                "overdue_catchup": overdue,
                "overdue_deadline": newest.catchup_deadline.isoformat() if overdue else None,
                "contributions": [_contribution_entry(c) for c in own],
            }
        )
    objective_stmt = select(Objective).where(Objective.plan_id.in_(plan_ids or [-1]))
    if office_id is not None:
        objective_stmt = objective_stmt.where(Objective.owner_office_id == office_id)
    objectives = []
    for objective in db.session.scalars(
        objective_stmt.order_by(Objective.plan_id, Objective.sort_order)
    ):
        value = next((v for v in objective.values if v.month == period.objective_month), None)
        state = plan_services.objective_state(objective, value.value if value else None)
        objectives.append(
            {
                "objective_id": objective.id,
                "plan_id": objective.plan_id,
                "plan": titles.get(objective.plan_id, ""),
                "code": objective.code,
                "indicator": objective.indicator,
                "target": objective.target_text,
                "value": _number(value.value) if value else None,
                "unit": objective.unit,
                "office": objective.owner_office.code,
                "state": state,
                "state_label": plan_services.OBJECTIVE_STATE_LABELS[state],
            }
        )
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "plans": [_plan_entry(p) for p in plans],
        "tasks": rows,
        "objectives": objectives,
        "counts": _counts(rows, updates=update_count),
    }


def _counts(rows: list[dict], updates: int) -> dict:
    """The appendix: the tasks led, by status of the period (not updated: no_update), the
    overdue catch-up plans, and the tasks coordinated with how many had a contribution."""
    led = [r for r in rows if r["role"] == "lead"]
    coordinated = [r for r in rows if r["role"] != "lead"]
    counts = Counter(r["status"] or "no_update" for r in led)
    return {
        "total": len(led),
        "updates": updates,
        **{s.value: counts.get(s.value, 0) for s in TaskStatus},
        "no_update": counts.get("no_update", 0),
        "overdue_catchup": sum(1 for r in led if r.get("overdue_catchup")),
        "coordinating": len(coordinated),
        "contributed": sum(1 for r in coordinated if r.get("contributions")),
    }


def compile_commune_report(period: Period) -> dict:
    """The commune report (SPEC §3): built from the offices' ACCEPTED reports of the period.
    A task's status comes from its lead office's report; the contributions of coordinating
    offices are gathered under it, each once; a task and an objective appear once."""
    accepted = list(
        db.session.scalars(
            select(Report).where(
                Report.kind == period.kind,
                Report.period_end == period.end,
                Report.office_id.is_not(None),
                Report.status == ReportStatus.ACCEPTED,
            )
        )
    )
    tasks: dict[int, dict] = {}
    gathered: dict[int, dict[int, dict]] = {}
    objectives: dict[object, dict] = {}
    plans: dict[object, object] = {}
    for report in accepted:
        data = report.compiled or {}
        for plan in data.get("plans", []):
            plans.setdefault(plan["id"] if isinstance(plan, dict) else plan, plan)
        for row in data.get("tasks", []):
            current = tasks.get(row["task_id"])
            lead = row["role"] == "lead"
            if current is None or (lead and current["role"] != "lead"):
                tasks[row["task_id"]] = {**row, "contributions": []}
            for entry in row.get("contributions", []):
                gathered.setdefault(row["task_id"], {})[entry["id"]] = entry
        for objective in data.get("objectives", []):
            key = objective.get("objective_id") or (objective.get("plan"), objective["code"])
            objectives.setdefault(key, objective)
    for task_id, row in tasks.items():
        row["contributions"] = sorted(gathered.get(task_id, {}).values(), key=lambda e: e["id"])
        if row["role"] != "lead":
            # No accepted report of a lead office: the task is listed, without a status.
            row.update(role="lead", status=None, status_label="Chưa có báo cáo của đơn vị chủ trì")
    rows = sorted(tasks.values(), key=lambda r: (r.get("plan_id") or 0, _code_key(r["code"])))
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "plans": list(plans.values()),
        "tasks": rows,
        "objectives": list(objectives.values()),
        "offices": [r.office.code for r in accepted],
        "counts": _counts(
            rows,
            updates=sum((r.compiled or {}).get("counts", {}).get("updates", 0) for r in accepted),
        ),
    }


def _compile(report: Report) -> dict:
    if report.office is None:
        return compile_commune_report(period_of(report))
    return compile_report(report.office, period_of(report))


def report_data(report: Report) -> dict:
    """What the report says: frozen at submission, live while it is being written."""
    if report.compiled is not None and report.status != ReportStatus.DRAFT:
        return report.compiled
    return _compile(report)


def rows_by_field(rows: list[dict] | dict) -> list[tuple[str, str, list[dict]]]:
    """(field code, field name, rows) in the order of SPEC §2."""
    if isinstance(rows, dict):
        rows = rows["tasks"]
    grouped: dict[str, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["field"], []).append(row)
    fields = commune_settings.current().plan_fields_with(grouped)
    return [(code, label, grouped[code]) for code, label in fields.items() if code in grouped]


def split_rows(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """The rows a report lists (every task led, the coordinated ones with a contribution in
    the period) and the codes of the coordinated tasks without one, named in a line."""
    shown = [r for r in rows if r["role"] == "lead" or r.get("contributions")]
    quiet = [r["code"] for r in rows if r["role"] != "lead" and not r.get("contributions")]
    return shown, quiet


@dataclass(frozen=True)
class PlanGroup:
    """A plan's part of a report: its tasks by field, and its objectives."""

    title: str
    fields: list[tuple[str, str, list[dict]]]
    objectives: list[dict]


def plan_title(plan) -> str:
    """A compiled plan entry (a dict; a bare title in reports frozen before plans had ids),
    as the report cites it: "Kế hoạch … (số 125/KH-UBND ngày 08/07/2025)"."""
    if not isinstance(plan, dict):
        return str(plan)
    document = ""
    if plan.get("doc_number"):
        document = f"số {plan['doc_number']}"
        if plan.get("doc_date"):
            document += f" ngày {format_date(plan['doc_date'])}"
    return plan["title"] + (f" ({document})" if document else "")


def groups_by_plan(data: dict) -> list[PlanGroup]:
    """The report's tasks and objectives, plan by plan, in the order of the plans; a report
    frozen before rows named their plan has one group."""
    plans = data.get("plans", [])
    ids = [p["id"] for p in plans if isinstance(p, dict)]
    titles = {p["id"]: plan_title(p) for p in plans if isinstance(p, dict)}
    order = {plan_id: n for n, plan_id in enumerate(ids)}
    keys = sorted(
        {r.get("plan_id") for r in [*data["tasks"], *data["objectives"]]},
        key=lambda k: order.get(k, len(order)),
    )
    return [
        PlanGroup(
            titles.get(key, ""),
            rows_by_field([r for r in data["tasks"] if r.get("plan_id") == key]),
            [o for o in data["objectives"] if o.get("plan_id") == key],
        )
        for key in keys
    ]


STATUS_LABELS = {**{s.value: label for s, label in TASK_STATUS_LABELS.items()}}


# -- lifecycle ---------------------------------------------------------------------------------
def find_report(office: Office | None, period: Period) -> Report | None:
    stmt = select(Report).where(
        Report.kind == period.kind,
        Report.period_start == period.start,
        Report.period_end == period.end,
    )
    stmt = stmt.where(
        Report.office_id == office.id if office is not None else Report.office_id.is_(None)
    )
    return db.session.scalar(stmt)


def no_plan_message(period: Period) -> str:
    return (
        f"Kỳ {period.label.lower()} ({format_date(period.start)} – {format_date(period.end)}) "
        "không thuộc kế hoạch CCHC nào đã ban hành: không có gì để báo cáo."
    )


def start_report(
    office: Office | None, period: Period, actor: User, today: date | None = None
) -> Report:
    """Open the office's report for a period (one per office and period). The period must
    have begun and share days with an active or closed plan: a report of nothing is
    refused."""
    if office is None:
        if not actor.is_secretariat:
            raise DomainError("Chỉ Thường trực CCHC lập báo cáo chung của xã.")
    elif not (actor.belongs_to(office) and not actor.is_leader):
        raise DomainError("Chỉ cán bộ của đơn vị mới lập báo cáo của đơn vị.")
    today = today or local_today()
    if period.start > today:
        raise DomainError(
            f"Kỳ {period.label.lower()} bắt đầu ngày {format_date(period.start)}: "
            "chưa lập báo cáo được."
        )
    if not plans_of_period(period):
        raise DomainError(no_plan_message(period))
    if find_report(office, period) is not None:
        who = "Đơn vị" if office is not None else "UBND xã"
        raise DomainError(f"{who} đã có báo cáo {period.label.lower()} rồi.")
    report = Report(
        office=office,
        office_id=office.id if office else None,
        kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        deadline=period.deadline,
        status=ReportStatus.DRAFT,
        created_by_id=actor.id,
    )
    db.session.add(report)
    db.session.flush()
    audit.record(
        "report.create",
        report,
        after={
            "office": office.code if office else None,
            "kind": period.kind,
            "period_end": period.end,
        },
        actor=actor,
    )
    return report


def save_text(
    report: Report, direction: str, strengths_limits: str, next_tasks: str, actor: User
) -> None:
    """Parts I, III and IV; only while the report is a draft or has been returned."""
    if not report.can_edit(actor):
        raise DomainError("Báo cáo đã nộp hoặc bạn không có quyền sửa.")
    report.direction = direction.strip()
    report.strengths_limits = strengths_limits.strip()
    report.next_tasks = next_tasks.strip()


def submit_report(report: Report, actor: User, now: datetime | None = None) -> None:
    """The office head submits; the compiled figures are frozen; after the deadline it is
    recorded as late (still accepted: a late report is better than none)."""
    if not report.can_submit(actor):
        if report.status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
            raise DomainError("Báo cáo đã được nộp.")
        raise DomainError("Chỉ lãnh đạo đơn vị mới nộp báo cáo.")
    if not report.direction.strip():
        raise DomainError(
            "Hãy viết phần I (công tác chỉ đạo, điều hành) trước khi nộp.", field="direction"
        )
    before = audit.snapshot(report, REPORT_FIELDS)
    report.compiled = _compile(report)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = now or utcnow()
    report.submitted_by_id = actor.id
    report.decided_at = None
    report.decided_by_id = None
    note = "Nộp muộn (sau hạn)." if report.is_late else ""
    db.session.add(ReportComment(report=report, author_id=actor.id, action="submit", body=note))
    audit.record(
        "report.submit",
        report,
        before=before,
        after={**audit.snapshot(report, REPORT_FIELDS), "late": report.is_late},
        actor=actor,
    )


def accept_report(report: Report, actor: User, comment: str = "") -> None:
    if not report.can_decide(actor):
        raise DomainError("Báo cáo không ở trạng thái chờ tiếp nhận hoặc bạn không có quyền.")
    before = audit.snapshot(report, REPORT_FIELDS)
    report.status = ReportStatus.ACCEPTED
    report.decided_at, report.decided_by_id = utcnow(), actor.id
    db.session.add(
        ReportComment(report=report, author_id=actor.id, action="accept", body=comment.strip())
    )
    audit.record(
        "report.accept",
        report,
        before=before,
        after=audit.snapshot(report, REPORT_FIELDS),
        actor=actor,
    )


def return_report(report: Report, actor: User, comment: str) -> None:
    """VHXH returns a report with the reason; the office corrects and resubmits it."""
    if not report.can_decide(actor):
        raise DomainError("Báo cáo không ở trạng thái chờ tiếp nhận hoặc bạn không có quyền.")
    if not comment.strip():
        raise DomainError("Hãy ghi lý do trả lại để đơn vị biết cần sửa gì.", field="comment")
    before = audit.snapshot(report, REPORT_FIELDS)
    report.status = ReportStatus.RETURNED
    report.decided_at, report.decided_by_id = utcnow(), actor.id
    db.session.add(
        ReportComment(report=report, author_id=actor.id, action="return", body=comment.strip())
    )
    audit.record(
        "report.return",
        report,
        before=before,
        after={**audit.snapshot(report, REPORT_FIELDS), "comment": comment.strip()},
        actor=actor,
    )


# -- compliance --------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfficeCompliance:
    office: Office
    report: Report | None

    @property
    def submitted(self) -> bool:
        return self.report is not None and self.report.status != ReportStatus.DRAFT

    @property
    def late(self) -> bool:
        return self.report is not None and self.report.is_late


def reporting_offices() -> list[Office]:
    return plan_services.active_offices()


def compliance(period: Period) -> list[OfficeCompliance]:
    reports = {
        r.office_id: r
        for r in db.session.scalars(
            select(Report).where(
                Report.kind == period.kind,
                Report.period_end == period.end,
                Report.office_id.is_not(None),
            )
        )
    }
    return [OfficeCompliance(o, reports.get(o.id)) for o in reporting_offices()]


def has_plan(period: Period, plans: list[Plan] | None = None) -> bool:
    """Whether an active or closed plan shares a day with the period: without one there is
    nothing to report, and nobody is late for not reporting it."""
    if plans is None:
        return bool(plans_of_period(period))
    return any(
        p.is_reportable and p.period_start <= period.end and p.period_end >= period.start
        for p in plans
    )


def missing_offices(
    period: Period, today: date | None = None, plans: list[Plan] | None = None
) -> list[Office]:
    """Offices that have not submitted once the deadline day has come (empty before it, and
    for a period without a plan)."""
    today = today or local_today()
    if today < period.deadline or not has_plan(period, plans):
        return []
    return [c.office for c in compliance(period) if not c.submitted]


@dataclass(frozen=True)
class Reminder:
    """What the office should do next; the page builds the link from `endpoint` and `args`."""

    message: str
    endpoint: str
    args: dict
    link_text: str
    tone: str


def reminder_for(
    office: Office, today: date | None = None, plans: list[Plan] | None = None
) -> Reminder | None:
    """The in-app reminder on the office's workspace: the monthly report still to submit (of
    a period with a plan), or a returned report to correct. `plans`: the reportable plans,
    when the caller has them already."""
    today = today or local_today()
    plans = Plan.reportable_plans() if plans is None else plans
    returned = db.session.scalar(
        select(Report)
        .where(Report.office_id == office.id, Report.status == ReportStatus.RETURNED)
        .order_by(Report.period_end.desc())
    )
    if returned is not None:
        return Reminder(
            f"{returned.name} bị trả lại, cần sửa và nộp lại.",
            "reports.show",
            {"report_id": returned.id},
            "Xem ý kiến",
            "warning",
        )
    for period in (periods.last_due_month_period(today), periods.current_month_period(today)):
        if not has_plan(period, plans):
            continue
        report = find_report(office, period)
        if report is not None and report.status != ReportStatus.DRAFT:
            continue
        if period.deadline <= today:
            message = (
                f"Báo cáo {period.label.lower()} đã quá hạn "
                f"({period.deadline.strftime('%d/%m/%Y')}) mà đơn vị chưa nộp."
            )
            tone = "error"
        elif period.end < today or (period.deadline - today).days <= 7:
            message = (
                f"Báo cáo {period.label.lower()} phải nộp trước ngày "
                f"{period.deadline.strftime('%d/%m/%Y')}."
            )
            tone = "info"
        else:
            continue
        if report:
            return Reminder(message, "reports.show", {"report_id": report.id}, "Mở báo cáo", tone)
        return Reminder(
            message, "reports.office_reports", {"code": office.code.lower()}, "Mở báo cáo", tone
        )
    return None


def periods_to_offer(today: date | None = None, plans: list[Plan] | None = None) -> list[Period]:
    """Every period a report may be opened for: monthly, quarterly, half-year and yearly
    periods that share a day with an active or closed plan and have begun, newest first."""
    today = today or local_today()
    return periods.reportable_periods(Plan.reportable_plans() if plans is None else plans, today)


KIND_ORDER = periods.KIND_ORDER


def visible_reports(user: User, office_id: int | None = None, query: Query | None = None):
    """The reports a user may open (Report.can_view): the commune's and every office's for
    cross-office readers, their own office's for the others; one office's with `office_id`;
    with a query, those it finds (name of the period, the texts), best first."""
    stmt = select(Report).order_by(Report.period_end.desc(), Report.kind, Report.id.desc())
    if not user.sees_all_offices:
        stmt = stmt.where(Report.office_id == (user.office_id or -1))
    if office_id is not None:
        stmt = stmt.where(Report.office_id == office_id)
    return searched(stmt, Report, query)
