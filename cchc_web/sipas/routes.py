"""Staff pages of the survey: results and exports, the questionnaire and its versions, receipt
slips, feedback items, corrections, settings, and linking an objective. Routes parse, call a
service, render; the rules are in services.py, objectives.py and the models."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

from flask import current_app, flash, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import format_date, local_today
from ..models import Office
from ..models.plans import Objective
from ..models.sipas import (
    FEEDBACK_STATUS_LABELS,
    VERSION_STATUS_LABELS,
    FeedbackItem,
    Kiosk,
    ProcedureField,
    Receipt,
    ServiceCounter,
    SurveyResponse,
    SurveyVersion,
    can_issue_receipts,
    can_manage,
    can_view_results,
)
from ..plans import services as plan_services
from ..web.forms import apply_domain_error
from ..web.security import get_or_404, get_or_404_for, require
from ..web.views import paginate, pdf_response, redirect_after_post, run_action
from . import bp, charts, exports, objectives, results, services
from .forms import (
    CorrectionForm,
    CounterForm,
    FieldForm,
    KioskForm,
    LinkForm,
    QuestionnaireForm,
    ReceiptForm,
    ReplyForm,
    RerouteForm,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _allowed(check: Callable) -> None:
    require(current_user.is_authenticated and check(current_user))


# -- results -----------------------------------------------------------------------------------
def _month_arg(name: str) -> date | None:
    text = request.args.get(name, "")
    try:
        year, month = (int(part) for part in text.split("-", 1))
        return date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _filters() -> results.Filters:
    """?from=2026-01&to=2026-12&field=<id>&counter=<id>; by default the last 12 months."""
    last = _month_arg("to") or local_today().replace(day=1)
    first = _month_arg("from") or _shift(last, -11)
    if first > last:
        first, last = last, first
    first = max(first, _shift(last, -59))  # at most five years on one page
    return results.Filters(
        first=first,
        last=last,
        field_id=request.args.get("field", type=int),
        counter_id=request.args.get("counter", type=int),
    )


def _month_choices() -> list[tuple[str, str]]:
    today = local_today().replace(day=1)
    return [
        (f"{month:%Y-%m}", f"Tháng {month.month}/{month.year}")
        for month in (_shift(today, -n) for n in range(36))
    ]


def _linked_objectives() -> list[tuple[Objective, object, str]]:
    """The live linked objectives with their current value and state: what the survey feeds."""
    from ..models.plans import Plan

    found = db.session.scalars(
        select(Objective)
        .join(Plan, Plan.id == Objective.plan_id)
        .where(Objective.survey_scope.is_not(None), Plan.status == "active")
        .order_by(Plan.period_start.desc(), Objective.sort_order)
    ).all()
    rows = []
    for objective in found:
        value = plan_services.latest_value(objective, local_today().replace(day=1))
        state = plan_services.objective_state(objective, value.value if value else None)
        rows.append((objective, value, state))
    return rows


@bp.get("/")
@login_required
def index():
    _allowed(lambda u: can_view_results(u) or can_issue_receipts(u))
    if not can_view_results(current_user):
        return receipts()
    filters = _filters()
    found = results.compute(filters)
    linked = _linked_objectives()
    target = next((float(o.target) for o, _v, _s in linked if o.survey_scope == "overall"), None)
    return render_template(
        "sipas/index.html",
        results=found,
        filters=filters,
        months=_month_choices(),
        fields=services.procedure_fields(active_only=False),
        counters=services.counters(active_only=False),
        aspect_chart=charts.share_bars(found.by_aspect, "Tỷ lệ hài lòng theo yếu tố", target),
        field_chart=charts.share_bars(found.by_field, "Tỷ lệ hài lòng theo lĩnh vực", target),
        month_chart=charts.monthly_chart(found.by_month, "Tỷ lệ hài lòng theo tháng", target),
        linked=linked,
        state_labels=plan_services.OBJECTIVE_STATE_LABELS,
        small_sample=results.SMALL_SAMPLE,
        period=exports.period_text(found),
        can_manage=can_manage(current_user),
        can_issue=can_issue_receipts(current_user),
        export_args={
            k: v for k, v in request.args.items() if k in ("from", "to", "field", "counter")
        },
    )


def _names(filters: results.Filters) -> tuple[str, str]:
    field_ = db.session.get(ProcedureField, filters.field_id) if filters.field_id else None
    counter = db.session.get(ServiceCounter, filters.counter_id) if filters.counter_id else None
    return (field_.name if field_ else "", counter.name if counter else "")


@bp.get("/results.pdf")
@login_required
def results_pdf():
    _allowed(can_view_results)
    filters = _filters()
    data = exports.report_pdf(results.compute(filters), *_names(filters))
    return pdf_response(data, f"khao-sat-hai-long-{filters.last:%Y-%m}.pdf", download=False)


@bp.get("/results.xlsx")
@login_required
def results_xlsx():
    _allowed(can_view_results)
    filters = _filters()
    stmt = (
        select(FeedbackItem)
        .join(SurveyResponse, SurveyResponse.id == FeedbackItem.response_id)
        .where(SurveyResponse.month >= filters.first, SurveyResponse.month <= filters.last)
        .order_by(SurveyResponse.submitted_at)
    )
    suggestions = [
        (
            format_date(item.response.submitted_at),
            results.month_label(item.response.month),
            item.response.procedure_field.name if item.response.procedure_field else "",
            item.response.suggestion,
            item.office.name,
            item.status_label,
            item.reply,
        )
        for item in db.session.scalars(stmt)
    ]
    data = exports.results_xlsx(results.compute(filters), suggestions)
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"khao-sat-hai-long-{filters.last:%Y-%m}.xlsx",
    )


# -- questionnaire -----------------------------------------------------------------------------
@bp.get("/questionnaire")
@login_required
def questionnaire():
    _allowed(can_view_results)
    versions = db.session.scalars(select(SurveyVersion).order_by(SurveyVersion.number.desc())).all()
    return render_template(
        "sipas/questionnaire.html",
        versions=versions,
        current=services.published_version(),
        draft=services.draft_version(),
        counts=services.response_counts(),
        status_labels=VERSION_STATUS_LABELS,
        can_manage=can_manage(current_user),
    )


@bp.get("/questionnaire/<int:version_id>")
@login_required
def version(version_id: int):
    _allowed(can_view_results)
    found = get_or_404(SurveyVersion, version_id)
    return render_template(
        "sipas/version.html",
        version=found,
        count=services.response_counts().get(found.id, 0),
        can_manage=can_manage(current_user),
    )


@bp.post("/questionnaire/default")
@login_required
def install_default():
    _allowed(can_manage)
    return run_action(
        lambda: services.ensure_defaults(current_user),
        success="Đã dùng phiếu khảo sát mẫu theo SIPAS.",
        to=url_for("sipas.questionnaire"),
        failed=url_for("sipas.questionnaire"),
    )


@bp.post("/questionnaire/draft")
@login_required
def new_draft():
    _allowed(can_manage)
    return run_action(
        lambda: services.start_draft(current_user),
        success="Đã tạo bản nháp từ phiếu đang dùng; phiếu đang dùng vẫn tiếp tục nhận trả lời.",
        to=lambda draft: url_for("sipas.edit_version", version_id=draft.id),
        failed=url_for("sipas.questionnaire"),
    )


@bp.route("/questionnaire/<int:version_id>/edit", methods=["GET", "POST"])
@login_required
def edit_version(version_id: int):
    _allowed(can_manage)
    draft = get_or_404(SurveyVersion, version_id)
    form = QuestionnaireForm()
    if not draft.is_draft:
        flash("Phiên bản này đã được sử dụng nên không sửa được; hãy soạn phiên bản mới.", "error")
        return redirect_after_post(url_for("sipas.version", version_id=draft.id))
    if request.method == "GET":
        form.load(services.data_of(draft))
    elif done := run_action(
        lambda: services.save_draft(draft, form.to_data(), current_user),
        form=form,
        success="Đã lưu bản nháp.",
        to=url_for("sipas.edit_version", version_id=draft.id),
    ):
        return done
    return render_template("sipas/edit_version.html", form=form, version=draft)


@bp.post("/questionnaire/<int:version_id>/publish")
@login_required
def publish_version(version_id: int):
    _allowed(can_manage)
    draft = get_or_404(SurveyVersion, version_id)
    return run_action(
        lambda: services.publish(draft, current_user),
        success=lambda _: (
            f"Đã đưa phiên bản {draft.number} vào sử dụng; các phiếu đã nhận giữ câu hỏi cũ."
        ),
        to=url_for("sipas.questionnaire"),
        failed=url_for("sipas.questionnaire"),
    )


@bp.post("/questionnaire/<int:version_id>/discard")
@login_required
def discard_version(version_id: int):
    _allowed(can_manage)
    draft = get_or_404(SurveyVersion, version_id)
    return run_action(
        lambda: services.discard_draft(draft, current_user),
        success="Đã hủy bản nháp.",
        to=url_for("sipas.questionnaire"),
        failed=url_for("sipas.questionnaire"),
    )


# -- receipts ----------------------------------------------------------------------------------
def _receipt_form() -> ReceiptForm:
    form = ReceiptForm()
    form.procedure_field_id.choices = [("", "— Chọn lĩnh vực —")] + [
        (f.id, f.name) for f in services.procedure_fields()
    ]
    form.counter_id.choices = [("", "— Không ghi —")] + [
        (c.id, c.name) for c in services.counters()
    ]
    if request.method == "GET" and form.received_on.data is None:
        form.received_on.data = local_today()
    return form


@bp.route("/receipts", methods=["GET", "POST"])
@login_required
def receipts():
    _allowed(can_issue_receipts)
    form = _receipt_form()
    existing = None

    def refused(err: DomainError) -> None:
        nonlocal existing
        if isinstance(err, services.ReceiptExists):
            existing = err.receipt  # its slip can be printed again
        apply_domain_error(form, err)

    if done := run_action(
        lambda: services.issue_receipt(
            services.ReceiptData(
                number=form.number.data or "",
                procedure_field_id=form.procedure_field_id.data,
                received_on=form.received_on.data,
                procedure=form.procedure.data or "",
                counter_id=form.counter_id.data,
            ),
            current_user,
        ),
        form=form,
        on_refusal=refused,
        success=lambda receipt: (
            f"Đã tạo phiếu đánh giá cho hồ sơ {receipt.number}: in phiếu và giao kèm giấy hẹn."
        ),
        to=lambda receipt: url_for("sipas.receipts", printed=receipt.id),
    ):
        return done
    page = paginate(select(Receipt).order_by(Receipt.id.desc()), per_page=20)
    printed = db.session.get(Receipt, request.args.get("printed", type=int) or 0)
    return render_template(
        "sipas/receipts.html", form=form, page=page, printed=printed, existing=existing
    )


@bp.get("/receipts/<int:receipt_id>/slip.pdf")
@login_required
def slip(receipt_id: int):
    _allowed(can_issue_receipts)
    receipt = get_or_404(Receipt, receipt_id)
    data = exports.slip_pdf(receipt, current_app.config["CCHC_PUBLIC_URL"])
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in receipt.number)[:40]
    return pdf_response(data, f"phieu-danh-gia-{safe}.pdf", download=False)


# -- feedback ----------------------------------------------------------------------------------
@bp.get("/feedback")
@login_required
def feedback():
    """Every item for cross-office readers; an office's own items for its people."""
    status = request.args.get("status", "")
    if current_user.sees_all_offices:
        office_id = request.args.get("office", type=int)
    else:
        require(current_user.office is not None)
        office_id = current_user.office_id
    page = paginate(services.feedback_query(office_id, status))
    offices = db.session.scalars(select(Office).where(Office.active).order_by(Office.sort_order))
    return render_template(
        "sipas/feedback.html",
        page=page,
        status=status,
        office_id=office_id,
        offices=list(offices) if current_user.sees_all_offices else [],
        status_labels=FEEDBACK_STATUS_LABELS,
        today=local_today(),
    )


@bp.route("/feedback/<int:item_id>", methods=["GET", "POST"])
@login_required
def feedback_item(item_id: int):
    item = get_or_404_for(current_user, FeedbackItem, item_id)
    reply_form, reroute_form = ReplyForm(prefix="reply"), RerouteForm(prefix="route")
    reroute_form.office_id.choices = [
        (o.id, f"{o.code} — {o.name}")
        for o in db.session.scalars(select(Office).where(Office.active).order_by(Office.sort_order))
    ]
    if request.method == "POST":
        if "route-office_id" in request.form:
            require(item.can_reroute(current_user))
            form, action = (
                reroute_form,
                lambda: services.reroute_feedback(item, reroute_form.office_id.data, current_user),
            )
            message = "Đã chuyển kiến nghị sang đơn vị khác."
        else:
            require(item.can_reply(current_user))
            form, action = (
                reply_form,
                lambda: services.reply_feedback(item, reply_form.reply.data or "", current_user),
            )
            message = "Đã lưu nội dung trả lời."
        if done := run_action(
            action,
            form=form,
            success=message,
            to=url_for("sipas.feedback_item", item_id=item.id),
        ):
            return done
    elif item.reply:
        reply_form.reply.data = item.reply
    reroute_form.office_id.data = reroute_form.office_id.data or item.office_id
    return render_template(
        "sipas/feedback_item.html",
        item=item,
        reply_form=reply_form,
        reroute_form=reroute_form,
        can_reply=item.can_reply(current_user),
        can_reroute=item.can_reroute(current_user),
        today=local_today(),
    )


# -- responses and corrections -----------------------------------------------------------------
@bp.get("/responses")
@login_required
def responses():
    _allowed(can_manage)
    filters = _filters()
    stmt = select(SurveyResponse).order_by(SurveyResponse.id.desc())
    stmt = stmt.where(SurveyResponse.month >= filters.first, SurveyResponse.month <= filters.last)
    if filters.field_id:
        stmt = stmt.where(SurveyResponse.procedure_field_id == filters.field_id)
    page = paginate(stmt)
    return render_template(
        "sipas/responses.html",
        page=page,
        filters=filters,
        months=_month_choices(),
        fields=services.procedure_fields(active_only=False),
        effective=services.effective,
    )


@bp.route("/responses/<int:response_id>", methods=["GET", "POST"])
@login_required
def response(response_id: int):
    _allowed(can_manage)
    found = get_or_404(SurveyResponse, response_id)
    form = CorrectionForm()
    form.procedure_field_id.choices = [("", "— Không rõ lĩnh vực —")] + [
        (f.id, f.name) for f in services.procedure_fields(active_only=False)
    ]
    excluded, field_id = services.effective(found)
    if request.method == "GET":
        form.excluded.data, form.procedure_field_id.data = excluded, field_id
    elif done := run_action(
        lambda: services.correct_response(
            found,
            excluded=bool(form.excluded.data),
            procedure_field_id=form.procedure_field_id.data,
            reason=form.reason.data or "",
            actor=current_user,
        ),
        form=form,
        success="Đã ghi hiệu chỉnh; câu trả lời của người dân giữ nguyên.",
        to=url_for("sipas.response", response_id=found.id),
    ):
        return done
    return render_template(
        "sipas/response.html",
        response=found,
        form=form,
        excluded=excluded,
        field=db.session.get(ProcedureField, field_id) if field_id else None,
        feedback=db.session.scalar(
            select(FeedbackItem).where(FeedbackItem.response_id == found.id)
        ),
    )


# -- settings: fields, counters, kiosks --------------------------------------------------------
def _office_choices() -> list[tuple[int, str]]:
    return [
        (o.id, f"{o.code} — {o.name}")
        for o in db.session.scalars(select(Office).where(Office.active).order_by(Office.sort_order))
    ]


def _counter_choices() -> list:
    return [("", "— Không gắn quầy —")] + [(c.id, c.name) for c in services.counters()]


@bp.get("/settings")
@login_required
def settings():
    _allowed(can_manage)
    field_form, counter_form, kiosk_form = FieldForm(), CounterForm(), KioskForm()
    field_form.office_id.choices = _office_choices()
    kiosk_form.counter_id.choices = _counter_choices()
    return render_template(
        "sipas/settings.html",
        fields=services.procedure_fields(active_only=False),
        counters=services.counters(active_only=False),
        kiosks=db.session.scalars(select(Kiosk).order_by(Kiosk.id)).all(),
        field_form=field_form,
        counter_form=counter_form,
        kiosk_form=kiosk_form,
        public_url=current_app.config["CCHC_PUBLIC_URL"].rstrip("/"),
    )


def _settings_item(model, item_id: int | None):
    return get_or_404(model, item_id) if item_id is not None else None


@bp.route("/fields/new", methods=["POST"], defaults={"item_id": None})
@bp.route("/fields/<int:item_id>", methods=["GET", "POST"])
@login_required
def edit_field(item_id: int | None):
    _allowed(can_manage)
    item = _settings_item(ProcedureField, item_id)
    form = FieldForm(obj=item if request.method == "GET" else None)
    form.office_id.choices = _office_choices()
    if done := run_action(
        lambda: services.save_field(
            item, form.name.data, form.office_id.data, form.active.data, current_user
        ),
        form=form,
        success="Đã lưu lĩnh vực.",
        to=url_for("sipas.settings"),
    ):
        return done
    return render_template("sipas/setting_form.html", form=form, item=item, kind="field")


@bp.route("/counters/new", methods=["POST"], defaults={"item_id": None})
@bp.route("/counters/<int:item_id>", methods=["GET", "POST"])
@login_required
def edit_counter(item_id: int | None):
    _allowed(can_manage)
    item = _settings_item(ServiceCounter, item_id)
    form = CounterForm(obj=item if request.method == "GET" else None)
    if done := run_action(
        lambda: services.save_counter(item, form.name.data, form.active.data, current_user),
        form=form,
        success="Đã lưu quầy.",
        to=url_for("sipas.settings"),
    ):
        return done
    return render_template("sipas/setting_form.html", form=form, item=item, kind="counter")


@bp.route("/kiosks/new", methods=["POST"], defaults={"item_id": None})
@bp.route("/kiosks/<int:item_id>", methods=["GET", "POST"])
@login_required
def edit_kiosk(item_id: int | None):
    _allowed(can_manage)
    item = _settings_item(Kiosk, item_id)
    form = KioskForm(obj=item if request.method == "GET" else None)
    form.counter_id.choices = _counter_choices()
    if done := run_action(
        lambda: services.save_kiosk(
            item, form.name.data, form.counter_id.data, form.active.data, current_user
        ),
        form=form,
        success="Đã lưu máy khảo sát.",
        to=url_for("sipas.settings"),
    ):
        return done
    return render_template("sipas/setting_form.html", form=form, item=item, kind="kiosk")


@bp.post("/kiosks/<int:item_id>/token")
@login_required
def renew_token(item_id: int):
    _allowed(can_manage)
    item = get_or_404(Kiosk, item_id)
    return run_action(
        lambda: services.renew_kiosk_token(item, current_user),
        success="Đã đổi địa chỉ của máy: mở địa chỉ mới trên máy tính bảng.",
        to=url_for("sipas.settings"),
        failed=url_for("sipas.settings"),
    )


# -- objectives --------------------------------------------------------------------------------
@bp.route("/objectives/<int:objective_id>/link", methods=["GET", "POST"])
@login_required
def link_objective(objective_id: int):
    _allowed(can_manage)
    objective = get_or_404_for(current_user, Objective, objective_id)
    form = LinkForm()
    form.field_ids.choices = [(f.id, f.name) for f in services.procedure_fields(active_only=False)]
    if request.method == "GET":
        form.scope.data = objective.survey_scope or ""
        form.field_ids.data = objectives.linked_field_ids(objective)
    elif done := run_action(
        lambda: objectives.link_objective(
            objective, form.scope.data or None, form.field_ids.data or [], current_user
        ),
        form=form,
        success=lambda _: (
            "Đã liên kết chỉ tiêu với khảo sát: số liệu các tháng được tính từ phiếu."
            if form.scope.data
            else "Đã bỏ liên kết: đơn vị phụ trách nhập số liệu các tháng tới."
        ),
        to=url_for("plans.objective", objective_id=objective.id),
    ):
        return done
    return render_template("sipas/link.html", form=form, objective=objective)
