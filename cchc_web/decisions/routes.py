from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import OperationalError

from ..core import tenancy
from ..core.errors import DomainError
from ..core.extensions import db, limiter
from ..core.storage import format_size
from ..models import Decision, DecisionKind, DecisionState
from ..models.decisions import STATE_LABELS
from ..web.forms import ConfirmForm, apply_domain_error
from ..web.inputs import optional_db_int
from ..web.security import get_or_404_for, leaders_only, public, require, secretariat_only
from ..web.views import (
    paginate,
    pdf_response,
    redirect_after_post,
    render_page_or_fragment,
    run_action,
    search_query,
)
from . import bp, certificates, services, signing
from .forms import (
    DecisionForm,
    DropItemForm,
    NewDecisionForm,
    ReturnForm,
    VerifyForm,
    cells,
    lines,
    paragraphs,
)
from .providers import draft_provider, draft_providers

STATE_FILTERS = {s.value for s in DecisionState}


def _filename(decision: Decision) -> str:
    if decision.number:
        series = decision.symbol.split("-")[0].replace("Đ", "D").replace("đ", "d")
        return f"{series}-{decision.number:02d}-{decision.year}.pdf"
    return f"du-thao-van-ban-{decision.id}.pdf"


@bp.get("/decisions/")
@login_required
def index():
    state = request.args.get("state", "")
    state = state if state in STATE_FILTERS else ""
    search = search_query()
    page = paginate(services.visible_decisions(current_user, state, search))
    return render_page_or_fragment(
        "decisions/index.html",
        "decisions/_table.html",
        page=page,
        search=search,
        filters={"state": state, "q": search.text},
        states=[(s.value, STATE_LABELS[s]) for s in DecisionState],
    )


def _kind_choices() -> list[tuple[str, str]]:
    """Every kind the user may draft, one choice per subject that is waiting for one."""
    choices = []
    for provider in draft_providers():
        if not current_user.has_role(*provider.drafters):
            continue
        if provider.subject_column:
            choices += [
                (f"{provider.kind.value}:{sid}", f"{provider.label} {label}")
                for sid, label in provider.subject_choices()
                if services.open_draft(provider.kind, provider.subject_column, sid) is None
            ]
        else:
            choices.append((provider.kind.value, provider.label))
    return choices


@bp.route("/decisions/new", methods=["GET", "POST"])
@secretariat_only
def new():
    form = NewDecisionForm()
    form.what.choices = _kind_choices()

    def create() -> Decision:
        kind, _sep, subject = form.what.data.partition(":")
        try:
            return services.create_draft(kind, optional_db_int(subject), current_user)
        except DomainError as err:
            # The kind and the subject are chosen together, in one list.
            err.field = "what" if err.field in ("kind", "subject_id") else err.field
            raise

    if done := run_action(
        create,
        form=form,
        success="Đã tạo dự thảo quyết định; hãy rà soát nội dung trước khi trình.",
        to=lambda decision: url_for("decisions.edit", decision_id=decision.id),
    ):
        return done
    return render_template("decisions/new.html", form=form)


def _show(decision: Decision, return_form=None, drop_form=None, drop_target=None):
    provider = draft_provider(decision.kind)
    return render_template(
        "decisions/show.html",
        decision=decision,
        confirm_form=ConfirmForm(),
        return_form=return_form or ReturnForm(),
        drop_form=drop_form or DropItemForm(),
        drop_target=drop_target,
        droppable=bool(provider and provider.droppable_items),
        generated=decision.kind != DecisionKind.OTHER,
        signing_problem=_signing_problem(decision),
    )


@bp.get("/decisions/<int:decision_id>")
@login_required
def show(decision_id: int):
    return _show(get_or_404_for(current_user, Decision, decision_id))


def _signing_problem(decision: Decision) -> str | None:
    """Tell a leader before they click that their key or the commune's cannot sign now."""
    if decision.state != DecisionState.SUBMITTED or not current_user.is_leader:
        return None
    key = signing.state()
    if key.signer is None:
        return key.error
    try:
        certificates.credential_for(
            current_user, capacity=certificates.signing_capacity(current_user)
        )
    except DomainError as err:
        return err.message
    return None


def _show_url(decision: Decision) -> str:
    return url_for("decisions.show", decision_id=decision.id)


@bp.post("/decisions/<int:decision_id>/refresh")
@secretariat_only
def refresh(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    return run_action(
        lambda: services.refresh_from_source(decision, current_user),
        success="Đã cập nhật các phần lập từ dữ liệu (danh sách, phụ lục).",
        to=_show_url(decision),
        failed=_show_url(decision),
    )


@bp.post("/decisions/<int:decision_id>/items/<int:initiative_id>/drop")
@secretariat_only
def drop_item(decision_id: int, initiative_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    form = DropItemForm()
    if done := run_action(
        lambda: services.drop_item(decision, initiative_id, form.reason.data, current_user),
        form=form,
        success="Đã bỏ sáng kiến khỏi dự thảo; lý do được ghi lại.",
        to=_show_url(decision),
    ):
        return done
    return _show(decision, drop_form=form, drop_target=initiative_id)


@bp.post("/decisions/<int:decision_id>/items/<int:initiative_id>/restore")
@secretariat_only
def restore_item(decision_id: int, initiative_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    return run_action(
        lambda: services.restore_item(decision, initiative_id, current_user),
        success="Đã đưa sáng kiến trở lại dự thảo.",
        to=_show_url(decision),
        failed=_show_url(decision),
    )


@bp.route("/decisions/<int:decision_id>/edit", methods=["GET", "POST"])
@secretariat_only
def edit(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    if not decision.is_editable:
        flash(f"Quyết định đang “{decision.state_label}”: không sửa được.", "error")
        return redirect_after_post(url_for("decisions.show", decision_id=decision.id))
    form = DecisionForm()
    if request.method == "GET":
        form.fill_from(decision)
    if done := run_action(
        lambda: services.update_draft(decision, _edit_data(form), current_user),
        form=form,
        success="Đã lưu dự thảo.",
        to=_show_url(decision),
    ):
        return done
    return render_template("decisions/edit.html", form=form, decision=decision)


def _edit_data(form: DecisionForm) -> services.DecisionEdit:
    columns = [c.strip() for c in (form.appendix_columns.data or "").split("|") if c.strip()]
    return services.DecisionEdit(
        summary=form.summary.data,
        bases=lines(form.bases.data),
        articles=paragraphs(form.articles.data),
        recipients=lines(form.recipients.data),
        appendix_title=form.appendix_title.data or "",
        appendix_columns=columns,
        appendix_rows=[cells(line) for line in lines(form.appendix_rows.data)],
        addressee=form.addressee.data or "",
    )


@bp.post("/decisions/<int:decision_id>/submit")
@secretariat_only
def submit(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    return run_action(
        lambda: services.submit(decision, current_user),
        success="Đã trình lãnh đạo UBND duyệt.",
        to=_show_url(decision),
        failed=_show_url(decision),
    )


@bp.post("/decisions/<int:decision_id>/approve")
@leaders_only
def approve(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)

    def approve_now() -> None:
        try:
            services.approve(decision, current_user)
        except OperationalError as err:
            # SQLite: another approval held the write lock past the wait; nothing was stored.
            if "locked" not in str(err):
                raise
            raise DomainError(
                "Hệ thống đang ký một văn bản khác; chưa duyệt. Vui lòng bấm duyệt lại."
            ) from err

    return run_action(
        approve_now,
        success=lambda _: f"Đã ký ban hành {decision.display_name}.",
        to=_show_url(decision),
        failed=_show_url(decision),
    )


@bp.post("/decisions/<int:decision_id>/return")
@leaders_only
def return_(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    form = ReturnForm()
    if done := run_action(
        lambda: services.return_decision(decision, current_user, form.comment.data),
        form=form,
        success="Đã trả lại dự thảo cho Thường trực CCHC.",
        to=_show_url(decision),
    ):
        return done
    return _show(decision, return_form=form)


@bp.get("/decisions/<int:decision_id>/preview.pdf")
@login_required
def preview(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    require(current_user.is_secretariat or current_user.is_leader)
    try:
        rendered = services.preview(decision, current_user)
    except DomainError as err:
        flash(err.message, "error")
        return redirect_after_post(url_for("decisions.show", decision_id=decision_id))
    return pdf_response(rendered.pdf, _filename(decision), download=False)


@bp.get("/decisions/<int:decision_id>/pdf")
@login_required
def pdf(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    if not decision.is_approved:
        abort(404)
    return pdf_response(decision.pdf, _filename(decision), download=True)


def _verify_rate_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _signed_in() -> bool:
    return current_user.is_authenticated


@bp.route("/verify", methods=["GET", "POST"])
@public  # the QR code on every issued PDF leads here: anyone on the intranet may check
@limiter.limit(
    _verify_rate_limit,
    methods=["POST"],
    exempt_when=_signed_in,
    error_message="Máy của bạn đã gửi quá nhiều tệp để kiểm tra. Vui lòng thử lại sau ít phút.",
)
def verify():
    """Public: anyone on the intranet (no login), since the QR code on paper leads here.
    Anonymous uploads are rate-limited per address (VERIFY_RATE_LIMIT)."""
    form = VerifyForm()
    result = None
    max_bytes = current_app.config["VERIFY_MAX_BYTES"]
    if request.method == "GET":
        number = request.args.get("number", type=int)
        year = request.args.get("year", type=int)
        symbol = request.args.get("symbol", "QĐ-UBND")
        if symbol not in {value for value, _label in form.symbol.choices}:
            symbol = "QĐ-UBND"
        commune = request.args.get("commune", type=int)
        if number is not None and year is not None and (commune is None or commune < 2**31):
            form.number.data, form.year.data, form.symbol.data = number, year, symbol
            result = services.verify(None, number, year, symbol, commune)
    elif form.validate_on_submit():
        upload = form.file.data
        data = upload.read(max_bytes + 1) if upload else None
        if data is not None and len(data) == 0:
            data = None
        if data is None and form.number.data is None:
            form.file.errors.append("Hãy chọn tệp PDF, hoặc nhập số và năm của quyết định.")
        elif data is not None and len(data) > max_bytes:
            form.file.errors.append(
                f"Tệp lớn hơn {format_size(max_bytes)}: không phải quyết định do hệ thống cấp "
                "(một quyết định thường nhỏ hơn 1 MB)."
            )
        else:
            try:
                result = services.verify(data, form.number.data, form.year.data, form.symbol.data)
            except DomainError as err:
                apply_domain_error(form, err)
    if result is not None and result.decision is not None and not current_user.is_authenticated:
        tenancy.enter(db.session(), result.decision.commune_id)  # its commune heads the page
    return render_template(
        "decisions/verify.html", form=form, result=result, max_size=format_size(max_bytes)
    )
