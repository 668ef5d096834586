import io
from datetime import date

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import local_today
from ..models import Office, Plan
from ..models.reports import Report, ReportKind, ReportStatus
from ..web.security import get_or_404_for, require, require_secretariat
from ..web.views import paginate, run_action, search_query
from . import bp, exports, periods, services
from .forms import DecisionForm, NewReportForm, ReportTextForm


def _office_or_404(code: str) -> Office:
    office = db.session.scalar(select(Office).where(func.lower(Office.code) == code.lower()))
    if office is None:
        abort(404)
    require(current_user.can_see_office(office))
    return office


def _default_period(choices: list[periods.Period], today: date) -> periods.Period:
    """The monthly period whose deadline came last, if it has a plan; else the newest one
    that can be reported on."""
    due = periods.last_due_month_period(today)
    if any(p.key == due.key for p in choices):
        return due
    months = [p for p in choices if p.kind == ReportKind.MONTH]
    return (months or choices or [due])[0]


@bp.get("/")
@login_required
def index():
    """The secretariat's compliance view; an office's people go to their office's reports."""
    if not current_user.sees_all_offices:
        if current_user.office is None:
            abort(403)
        return redirect(url_for("reports.office_reports", code=current_user.office.code.lower()))
    search = search_query()
    if search.text:
        found = paginate(services.visible_reports(current_user, None, search))
        return render_template("reports/index.html", search=search, found=found)
    today = local_today()
    plans = Plan.reportable_plans()
    offer = services.periods_to_offer(today, plans)
    choices = list(offer)
    period = periods.parse_key(request.args.get("period", "")) or _default_period(choices, today)
    if period.key not in {p.key for p in choices}:
        choices.insert(0, period)
    rows = services.compliance(period)
    missing = services.missing_offices(period, today, plans)
    waiting = paginate(
        select(Report).where(Report.status == ReportStatus.SUBMITTED).order_by(Report.submitted_at)
    )
    commune_reports = db.session.scalars(
        select(Report).where(Report.office_id.is_(None)).order_by(Report.period_end.desc())
    ).all()
    done = {(r.kind, r.period_end) for r in commune_reports}
    return render_template(
        "reports/index.html",
        search=search,
        period=period,
        period_has_plan=services.has_plan(period, plans),
        no_plan_message=services.no_plan_message(period),
        choices=periods.grouped_by_kind(choices),
        rows=rows,
        missing=missing,
        waiting=waiting,
        today=today,
        commune_reports=commune_reports,
        offer=periods.grouped_by_kind([p for p in offer if (p.kind, p.end) not in done]),
        new_form=NewReportForm(),
    )


@bp.get("/office/<code>/")
@login_required
def office_reports(code: str):
    office = _office_or_404(code)
    search = search_query()
    page = paginate(services.visible_reports(current_user, office.id, search))
    existing = {
        (r.kind, r.period_end)
        for r in db.session.scalars(select(Report).where(Report.office_id == office.id))
    }
    plans = Plan.reportable_plans()
    offer = [p for p in services.periods_to_offer(plans=plans) if (p.kind, p.end) not in existing]
    return render_template(
        "reports/office.html",
        office=office,
        search=search,
        page=page,
        offer=periods.grouped_by_kind(offer),
        has_plans=bool(plans),
        new_form=NewReportForm(),
        can_start=current_user.belongs_to(office) and not current_user.is_leader,
        reminder=services.reminder_for(office, plans=plans),
    )


@bp.post("/office/<code>/new")
@login_required
def new_report(code: str):
    office = _office_or_404(code)
    form = NewReportForm()

    def start() -> Report:
        period = periods.parse_key(form.period.data)
        if period is None:
            raise DomainError("Kỳ báo cáo không hợp lệ.")
        try:
            return services.start_report(office, period, current_user)
        except IntegrityError as err:
            # Two clicks at once: the unique constraint kept one report; show the list with it.
            raise DomainError("Báo cáo của kỳ này vừa được lập.", category="info") from err

    return run_action(
        start,
        form=form,
        to=_report_url,
        failed=url_for("reports.office_reports", code=code),
    )


def _report_url(report: Report) -> str:
    return url_for("reports.show", report_id=report.id)


@bp.post("/commune/new")
@login_required
def new_commune_report():
    require_secretariat()
    form = NewReportForm()

    def start() -> Report:
        period = periods.parse_key(form.period.data or "") if form.validate_on_submit() else None
        if period is None:
            raise DomainError("Kỳ báo cáo không hợp lệ.")
        return services.start_report(None, period, current_user)

    return run_action(start, to=_report_url, failed=url_for("reports.index"))


def _render_report(report: Report, text_form=None, decision_form=None):
    data = services.report_data(report)
    return render_template(
        "reports/show.html",
        report=report,
        data=data,
        plan_groups=services.groups_by_plan(data),
        split_rows=services.split_rows,
        plan_titles=[services.plan_title(p) for p in data.get("plans", [])],
        text_form=text_form or ReportTextForm(obj=report),
        decision_form=decision_form or DecisionForm(),
        can_edit=report.can_edit(current_user),
        can_submit=report.can_submit(current_user),
        can_decide=report.can_decide(current_user),
    )


@bp.get("/<int:report_id>")
@login_required
def show(report_id: int):
    report = get_or_404_for(current_user, Report, report_id)
    return _render_report(report)


@bp.post("/<int:report_id>/text")
@login_required
def save_text(report_id: int):
    report = get_or_404_for(current_user, Report, report_id, check="can_edit")
    form = ReportTextForm()
    submit = request.form.get("submit_after") == "1"

    def save() -> None:
        services.save_text(
            report,
            form.direction.data or "",
            form.strengths_limits.data or "",
            form.next_tasks.data or "",
            current_user,
        )
        if submit:
            services.submit_report(report, current_user)

    if done := run_action(
        save,
        form=form,
        success="Đã nộp báo cáo." if submit else "Đã lưu báo cáo.",
        to=_report_url(report),
    ):
        return done
    return _render_report(report, text_form=form)


@bp.post("/<int:report_id>/decide")
@login_required
def decide(report_id: int):
    report = get_or_404_for(current_user, Report, report_id)
    require(report.can_decide(current_user))
    form = DecisionForm()
    action = request.form.get("action")

    def decide_now() -> None:
        if action == "accept":
            services.accept_report(report, current_user, form.comment.data or "")
        elif action == "return":
            services.return_report(report, current_user, form.comment.data or "")
        else:
            raise DomainError("Hãy chọn tiếp nhận hoặc trả lại.")

    if done := run_action(
        decide_now,
        form=form,
        success="Đã tiếp nhận báo cáo." if action == "accept" else "Đã trả lại báo cáo.",
        to=_report_url(report),
    ):
        return done
    return _render_report(report, decision_form=form)


@bp.get("/<int:report_id>.pdf")
@login_required
def pdf(report_id: int):
    report = get_or_404_for(current_user, Report, report_id)
    return send_file(
        io.BytesIO(exports.report_pdf(report)),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"bao-cao-{report.id}.pdf",
    )


@bp.get("/<int:report_id>.xlsx")
@login_required
def xlsx(report_id: int):
    report = get_or_404_for(current_user, Report, report_id)
    return send_file(
        io.BytesIO(exports.report_xlsx(report)),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"bao-cao-{report.id}.xlsx",
    )
