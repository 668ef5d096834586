"""Periodic reports: compiled from the office's task updates and objective values, written,
submitted by the head, accepted or returned by the standing office (VHXH)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import url_for
from sqlalchemy import select

from .. import audit
from ..errors import DomainError
from ..extensions import db
from ..models import Office, User
from ..models.plans import (
    FIELDS,
    TASK_STATUS_LABELS,
    Objective,
    Plan,
    Task,
    TaskOffice,
    TaskStatus,
    TaskUpdate,
)
from ..models.reports import Report, ReportComment, ReportKind, ReportStatus
from ..plans import services as plan_services
from ..timeutil import local_today, utcnow
from . import periods
from .periods import Period

REPORT_FIELDS = ("status", "submitted_at", "decided_at")


def period_of(report: Report) -> Period:
    return Period(report.kind, report.period_start, report.period_end, report.deadline)


# -- compiling ---------------------------------------------------------------------------------
def _plans_overlapping(period: Period) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan)
            .where(Plan.period_start <= period.end, Plan.period_end >= period.start)
            .order_by(Plan.period_start)
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


def compile_report(office: Office | None, period: Period) -> dict:
    """The figures of a report, as plain JSON: per task the newest update of the office in the
    period (or none), the late tasks with their catch-up plans, the objectives the office owns
    with the value of the period's month, and the counts of the numeric appendix.
    The commune report (office None) takes every office's updates."""
    plans = _plans_overlapping(period)
    plan_ids = [p.id for p in plans]
    first, after = period.utc_bounds()
    office_id = office.id if office else None
    tasks = _office_tasks(office_id, plan_ids)
    update_stmt = (
        select(TaskUpdate)
        .where(
            TaskUpdate.task_id.in_([t.id for t in tasks] or [-1]),
            TaskUpdate.created_at >= first,
            TaskUpdate.created_at < after,
        )
        .order_by(TaskUpdate.id)
    )
    if office_id is not None:
        update_stmt = update_stmt.where(TaskUpdate.office_id == office_id)
    newest: dict[int, TaskUpdate] = {}
    update_count = 0
    for update in db.session.scalars(update_stmt):
        newest[update.task_id] = update
        update_count += 1
    rows = []
    for task in tasks:
        update = newest.get(task.id)
        role = "lead" if office is None or office in task.lead_offices else "coordinating"
        rows.append(
            {
                "task_id": task.id,
                "code": task.code,
                "field": task.field,
                "content": task.content,
                "role": role,
                "timing": task.timing_label,
                "status": update.status if update else None,
                "status_label": update.status_label if update else "Chưa cập nhật",
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
            }
        )
    objective_stmt = select(Objective).where(Objective.plan_id.in_(plan_ids or [-1]))
    if office_id is not None:
        objective_stmt = objective_stmt.where(Objective.owner_office_id == office_id)
    objectives = []
    for objective in db.session.scalars(objective_stmt.order_by(Objective.sort_order)):
        value = next((v for v in objective.values if v.month == period.objective_month), None)
        state = plan_services.objective_state(objective, value.value if value else None)
        objectives.append(
            {
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
    counts = Counter(r["status"] or "no_update" for r in rows)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "plans": [p.title for p in plans],
        "tasks": rows,
        "objectives": objectives,
        "counts": {
            "total": len(rows),
            "updates": update_count,
            **{s.value: counts.get(s.value, 0) for s in TaskStatus},
            "no_update": counts.get("no_update", 0),
        },
    }


def compile_commune_report(period: Period) -> dict:
    """The commune report (SPEC §3): built from the offices' ACCEPTED reports of the period.
    A task shared by several offices takes the row of a lead office's report first."""
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
    objectives: dict[str, dict] = {}
    plans: list[str] = []
    for report in accepted:
        data = report.compiled or {}
        plans += [p for p in data.get("plans", []) if p not in plans]
        for row in data.get("tasks", []):
            current = tasks.get(row["task_id"])
            better = current is None or (
                row["status"] is not None
                and (current["status"] is None or (row["role"] == "lead" != current["role"]))
            )
            if better:
                tasks[row["task_id"]] = {**row, "role": "lead"}
        for objective in data.get("objectives", []):
            objectives.setdefault(objective["code"], objective)
    rows = sorted(tasks.values(), key=lambda r: _code_key(r["code"]))
    counts = Counter(r["status"] or "no_update" for r in rows)
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "plans": plans,
        "tasks": rows,
        "objectives": list(objectives.values()),
        "offices": [r.office.code for r in accepted],
        "counts": {
            "total": len(rows),
            "updates": sum(
                (r.compiled or {}).get("counts", {}).get("updates", 0) for r in accepted
            ),
            **{s.value: counts.get(s.value, 0) for s in TaskStatus},
            "no_update": counts.get("no_update", 0),
        },
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


def rows_by_field(data: dict) -> list[tuple[str, str, list[dict]]]:
    grouped: dict[str, list[dict]] = {}
    for row in data["tasks"]:
        grouped.setdefault(row["field"], []).append(row)
    return [(code, FIELDS[code], grouped[code]) for code in FIELDS if code in grouped]


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


def start_report(office: Office | None, period: Period, actor: User) -> Report:
    """Open the office's report for a period (one per office and period)."""
    if office is None:
        if not actor.is_secretariat:
            raise DomainError("Chỉ Thường trực CCHC lập báo cáo chung của xã.")
    elif not (actor.belongs_to(office) and not actor.is_leader):
        raise DomainError("Chỉ cán bộ của đơn vị mới lập báo cáo của đơn vị.")
    if find_report(office, period) is not None:
        raise DomainError(f"Đơn vị đã có {period.label.lower()} cho kỳ này.")
    report = Report(
        office=office,
        office_id=office.id if office else None,
        kind=period.kind,
        period_start=period.start,
        period_end=period.end,
        deadline=period.deadline,
        status=ReportStatus.DRAFT.value,
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
    report.status = ReportStatus.SUBMITTED.value
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
    report.status = ReportStatus.ACCEPTED.value
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
    report.status = ReportStatus.RETURNED.value
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


def missing_offices(period: Period, today: date | None = None) -> list[Office]:
    """Offices that have not submitted once the deadline day has come (empty before it)."""
    today = today or local_today()
    if today < period.deadline:
        return []
    return [c.office for c in compliance(period) if not c.submitted]


@dataclass(frozen=True)
class Reminder:
    message: str
    url: str
    link_text: str
    tone: str


def reminder_for(office: Office, today: date | None = None) -> Reminder | None:
    """The in-app reminder on the office's workspace: the monthly report still to submit, or
    a returned report to correct."""
    today = today or local_today()
    returned = db.session.scalar(
        select(Report)
        .where(Report.office_id == office.id, Report.status == ReportStatus.RETURNED)
        .order_by(Report.period_end.desc())
    )
    if returned is not None:
        return Reminder(
            f"{returned.name} bị trả lại, cần sửa và nộp lại.",
            url_for("reports.show", report_id=returned.id),
            "Xem ý kiến",
            "warning",
        )
    for period in (periods.last_due_month_period(today), periods.current_month_period(today)):
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
        url = (
            url_for("reports.show", report_id=report.id)
            if report
            else url_for("reports.office_reports", code=office.code.lower())
        )
        return Reminder(message, url, "Mở báo cáo", tone)
    return None


def periods_to_offer(today: date | None = None) -> list[Period]:
    """Periods an office may open a report for: recent months, then the longer reports."""
    today = today or local_today()
    offered = periods.recent_month_periods(today, 4)
    year = today.year
    for candidate in (
        periods.quarter_period(year, 1),
        periods.half_year_period(year),
        periods.quarter_period(year, 3),
        periods.year_period(year),
        periods.year_period(year - 1),
    ):
        if candidate.start <= today:
            offered.append(candidate)
    return offered


KIND_ORDER = [k.value for k in ReportKind]
