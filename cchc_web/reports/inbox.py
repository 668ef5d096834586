"""The reports waiting for someone: the office's report to write, to finish and submit, to
correct and submit again (with the reason it was returned); the standing office's reports to
accept or return."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, or_, select

from ..core.extensions import db
from ..core.inbox import LISTED, InboxItem, inbox_provider
from ..models import Role, User
from ..models.plans import Plan
from ..models.reports import Report, ReportComment, ReportKind, ReportStatus
from . import periods
from .periods import Period
from .services import has_plan


def _periods_due(today: date, plans: list[Plan]) -> list[Period]:
    """The periods an office should have a report for now: those of the last deadline that
    has come and those of the running month (with the quarter, half-year and year periods
    ending with them), each sharing days with a plan."""
    found: dict[str, Period] = {}
    for month in (periods.last_due_month_period(today), periods.current_month_period(today)):
        for kind in periods.KIND_ORDER:
            try:
                period = periods.period_for(kind, month.end)
            except ValueError:
                continue
            if period.end == month.end and period.start <= today and has_plan(period, plans):
                found[period.key] = period
    return sorted(found.values(), key=lambda p: (p.deadline, periods.KIND_ORDER.index(p.kind)))


def _name(period: Period) -> str:
    if period.kind in (ReportKind.MONTH, ReportKind.QUARTER):
        return f"báo cáo {period.label.lower()}"
    return f"báo cáo {period.label[0].lower()}{period.label[1:]}"


@inbox_provider(order=10)
def office_reports(user: User, today: date) -> list[InboxItem]:
    if user.office is None or not user.has_role(Role.STAFF, Role.HEAD):
        return []
    head = user.has_role(Role.HEAD)
    plans = Plan.reportable_plans()
    due = _periods_due(today, plans)
    open_states = (ReportStatus.DRAFT, ReportStatus.RETURNED)
    conditions = [Report.status.in_(open_states)]
    if due:
        conditions.append(Report.period_end.in_({p.end for p in due}))
    reports = list(
        db.session.scalars(
            select(Report).where(Report.office_id == user.office_id, or_(*conditions))
        )
    )
    have = {(r.kind, r.period_end) for r in reports}
    items = [
        InboxItem(
            key=f"report-new:{user.office_id}:{period.key}",
            kind="report",
            title=f"{'Lập và nộp' if head else 'Lập'} {_name(period)}",
            detail="Đơn vị chưa lập báo cáo kỳ này."
            + ("" if head else " Lãnh đạo đơn vị nộp khi báo cáo xong."),
            action="Lập báo cáo",
            endpoint="reports.office_reports",
            args={"code": user.office.code.lower()},
            due=period.deadline,
        )
        for period in due
        if (period.kind, period.end) not in have
    ]
    returned = [r.id for r in reports if r.status == ReportStatus.RETURNED]
    reasons: dict[int, str] = {}
    if returned:
        for report_id, body in db.session.execute(
            select(ReportComment.report_id, ReportComment.body)
            .where(ReportComment.report_id.in_(returned), ReportComment.action == "return")
            .order_by(ReportComment.id)
        ):
            reasons[report_id] = body  # the newest return wins
    for report in sorted(reports, key=lambda r: r.period_end):
        if report.status == ReportStatus.RETURNED:
            items.append(
                InboxItem(
                    key=f"report:{report.id}",
                    kind="report",
                    title=f"Sửa và nộp lại {report.name[0].lower()}{report.name[1:]} (bị trả lại)",
                    detail=f"Lý do trả lại: {reasons.get(report.id) or 'không ghi'}",
                    action="Sửa báo cáo",
                    endpoint="reports.show",
                    args={"report_id": report.id},
                    due=report.deadline,
                )
            )
        elif report.status == ReportStatus.DRAFT:
            verb = "Hoàn thành và nộp" if head else "Hoàn thành"
            detail = (
                "Báo cáo đang soạn, chưa nộp."
                if head
                else "Báo cáo đang soạn; lãnh đạo đơn vị nộp khi xong."
            )
            items.append(
                InboxItem(
                    key=f"report:{report.id}",
                    kind="report",
                    title=f"{verb} {report.name[0].lower()}{report.name[1:]}",
                    detail=detail,
                    action="Mở báo cáo",
                    endpoint="reports.show",
                    args={"report_id": report.id},
                    due=report.deadline,
                )
            )
    return items


@inbox_provider(order=11)
def reports_to_decide(user: User, today: date) -> list[InboxItem]:
    """The standing office accepts or returns what the offices submitted: one line each while
    they are few, one line to the list (which shows them first) when they are many."""
    if not user.is_secretariat:
        return []
    submitted = db.session.scalars(
        select(Report)
        .where(Report.status == ReportStatus.SUBMITTED, Report.office_id.is_not(None))
        .order_by(Report.submitted_at, Report.office_id)
        .limit(LISTED + 1)
    ).all()
    if len(submitted) > LISTED:
        count = db.session.scalar(
            select(func.count(Report.id)).where(
                Report.status == ReportStatus.SUBMITTED, Report.office_id.is_not(None)
            )
        )
        return [
            InboxItem(
                key="report-decide:many",
                kind="report",
                title=f"Tiếp nhận hoặc trả lại {count} báo cáo các đơn vị đã nộp",
                detail=f"Nộp sớm nhất: {submitted[0].title} "
                f"({submitted[0].submitted_at:%d/%m/%Y}).",
                action="Xem danh sách",
                endpoint="reports.index",
                remind=False,
            )
        ]
    return [
        InboxItem(
            key=f"report-decide:{report.id}",
            kind="report",
            title=f"Tiếp nhận hoặc trả lại {report.title}",
            detail=f"Đơn vị đã nộp ngày {report.submitted_at:%d/%m/%Y}.",
            action="Xem và tiếp nhận",
            endpoint="reports.show",
            args={"report_id": report.id},
            remind=False,
        )
        for report in submitted
    ]
