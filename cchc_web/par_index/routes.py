from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.spreadsheets import MAX_IMPORT_BYTES
from ..core.storage import ACCEPT_ATTRIBUTE, UPLOAD_HELP_TEXT
from ..core.timeutil import local_today
from ..models import IndexItem, IndexSet, Office, SelfScore, SetStatus
from ..records import attachments
from ..web.forms import ConfirmForm, apply_domain_error
from ..web.security import get_or_404, get_or_404_for, require, secretariat_only
from ..web.views import (
    paginate,
    render_page_or_fragment,
    run_action,
    search_query,
    send_attachment,
)
from . import bp, reports, services, tabular
from .forms import AppraiseForm, AssignForm, NewSetForm, ScoreForm, SettingsForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def _require_overview(user) -> None:
    require(user.sees_all_offices)


def _load_set(set_id: int) -> IndexSet:
    """The set with its whole tree eagerly loaded; 404 if missing, 403 unless visible."""
    index_set = services.load_set(set_id)
    if index_set is None:
        abort(404)
    require(index_set.can_view(current_user))
    return index_set


@bp.get("/")
@login_required
def index():
    sets = services.all_sets()
    search = search_query()
    found = paginate(services.visible_items(current_user, search)) if search.text else None
    return render_template(
        "par_index/index.html",
        sets=sets,
        confirm_form=ConfirmForm(),
        search=search,
        found=found,
        set_years={s.id: s.year for s in sets},
    )


@bp.route("/new", methods=["GET", "POST"])
@secretariat_only
def new_set():
    form = NewSetForm()
    if request.method == "GET":
        form.year.data = local_today().year
    issues: list[tabular.TableIssue] = []

    def refused(err: DomainError) -> None:
        if isinstance(err, _TableRefused):
            issues.extend(err.issues)  # listed on the page
        else:
            apply_domain_error(form, err)

    if done := run_action(
        lambda: _create_from_form(form),
        form=form,
        on_refusal=refused,
        success=lambda index_set: f"Đã tạo {index_set.title} với {len(index_set.items)} mục.",
        to=lambda index_set: url_for("par_index.overview", set_id=index_set.id),
    ):
        return done
    return render_template("par_index/new.html", form=form, issues=issues)


class _TableRefused(DomainError):
    """The imported table has problems: nothing is created, the page lists them."""

    def __init__(self, issues: list[tabular.TableIssue]) -> None:
        super().__init__(f"Tệp có {len(issues)} lỗi: chưa lưu gì.")
        self.issues = issues


def _create_from_form(form: NewSetForm) -> IndexSet:
    year, source = form.year.data, form.source.data
    if source == "copy":
        previous = services.set_for_year(year - 1)
        if previous is None:
            raise DomainError(f"Chưa có bộ chỉ số năm {year - 1} để sao chép.", field="source")
        return services.copy_set(previous, year, form.deadline.data, actor=current_user)
    if source == "file":
        upload = form.file.data
        if upload is None or not upload.filename:
            raise DomainError("Hãy chọn tệp CSV hoặc .xlsx.", field="file")
        table = tabular.read_table(upload.filename, upload.read(MAX_IMPORT_BYTES + 1))
        rows, found = tabular.parse_rows(table, services.office_codes())
        if found:
            raise _TableRefused(found)
    else:
        rows = tabular.default_rows(services.office_codes())
    return services.create_set(
        year,
        form.title.data or "",
        form.deadline.data,
        rows,
        with_offices=form.with_offices.data,
        source=source,
        actor=current_user,
    )


@bp.get("/template.csv")
@secretariat_only
def template_csv():
    """The default set as a CSV: the shape an import expects."""
    data = "\ufeff".encode() + tabular.DEFAULT_SET_PATH.read_bytes()  # BOM: Excel reads UTF-8
    return _download(data, "text/csv", "bo-chi-so-mau.csv")


@bp.get("/<int:set_id>")
@login_required
def overview(set_id: int):
    index_set = _load_set(set_id)
    if not current_user.sees_all_offices:
        return redirect(url_for("par_index.mine", set_id=set_id))
    totals = services.compute_totals(index_set)
    return render_template(
        "par_index/overview.html",
        index_set=index_set,
        totals=totals,
        progress=services.office_progress(index_set),
        weakest=services.weakest_items(index_set),
        confirm_form=ConfirmForm(),
        statuses=SetStatus,
    )


@bp.post("/<int:set_id>/status")
@secretariat_only
def change_status(set_id: int):
    index_set = _load_set(set_id)
    try:
        status = SetStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    return run_action(
        lambda: services.set_status(index_set, status, actor=current_user),
        success=f"Bộ chỉ số chuyển sang “{status.label}”.",
        to=_overview_url(index_set),
        failed=_overview_url(index_set),
    )


def _overview_url(index_set: IndexSet) -> str:
    return url_for("par_index.overview", set_id=index_set.id)


@bp.post("/<int:set_id>/discard")
@secretariat_only
def discard(set_id: int):
    index_set = _load_set(set_id)
    return run_action(
        lambda: services.delete_set(index_set, actor=current_user),
        success="Đã xóa bộ chỉ số.",
        to=url_for("par_index.index"),
        failed=_overview_url(index_set),
    )


@bp.route("/<int:set_id>/settings", methods=["GET", "POST"])
@secretariat_only
def settings(set_id: int):
    index_set = _load_set(set_id)
    form = SettingsForm(obj=index_set if request.method == "GET" else None)
    if done := run_action(
        lambda: services.update_settings(
            index_set,
            deadline=form.deadline.data,
            survey_score=form.survey_score.data,
            bonus_points=form.bonus_points.data or Decimal("0"),
            penalty_points=form.penalty_points.data or Decimal("0"),
            actor=current_user,
        ),
        form=form,
        success="Đã lưu thông tin bộ chỉ số.",
        to=_overview_url(index_set),
    ):
        return done
    return render_template("par_index/settings.html", form=form, index_set=index_set)


@bp.get("/<int:set_id>/export.<fmt>")
@login_required
def export_set(set_id: int, fmt: str):
    index_set = _load_set(set_id)
    _require_overview(current_user)
    rows = reports.set_table(index_set)
    name = f"bo-chi-so-cchc-{index_set.year}"
    if fmt == "csv":
        return _download(tabular.rows_to_csv(rows), "text/csv", f"{name}.csv")
    if fmt == "xlsx":
        header = list(tabular.COLUMNS.values())
        return _download(tabular.xlsx_bytes([("Bộ chỉ số", header, rows)]), XLSX, f"{name}.xlsx")
    abort(404)


# -- assignment --------------------------------------------------------------------------------
@bp.route("/<int:set_id>/assign", methods=["GET", "POST"])
@secretariat_only
def assign(set_id: int):
    index_set = _load_set(set_id)
    offices = [o for o in db.session.query(Office).order_by(Office.sort_order) if o.active]
    form = AssignForm()
    form.office.choices = [("", "— Bỏ giao —")] + [(str(o.id), o.name) for o in offices]

    def assign_now() -> str:
        # (validate_office has checked that the value is one of the listed offices)
        office = db.session.get(Office, int(form.office.data)) if form.office.data else None
        changed = services.assign_leaves(
            index_set, form.items.data or [], office, actor=current_user
        )
        form.items.data = []  # the table comes back with nothing ticked
        return f"Đã giao {changed} tiêu chí cho {office.name if office else 'không đơn vị nào'}."

    # Answered in place (the table, to htmx), not redirected.
    run_action(assign_now, form=form, success=lambda message: message)
    return render_page_or_fragment(
        "par_index/assign.html",
        "par_index/_assign_table.html",
        index_set=index_set,
        form=form,
        leaves=services.scorable_leaves(index_set),
    )


@bp.get("/<int:set_id>/assignment.<fmt>")
@login_required
def assignment_export(set_id: int, fmt: str):
    index_set = _load_set(set_id)
    name = f"phu-luc-phan-cong-chi-so-cchc-{index_set.year}"
    if fmt == "pdf":
        return _download(reports.assignment_pdf(index_set), "application/pdf", f"{name}.pdf")
    if fmt == "xlsx":
        return _download(reports.assignment_xlsx(index_set), XLSX, f"{name}.xlsx")
    abort(404)


# -- self-assessment ---------------------------------------------------------------------------
@bp.get("/<int:set_id>/mine")
@login_required
def mine(set_id: int):
    index_set = _load_set(set_id)
    if current_user.office_id is None:
        abort(403)
    leaves = services.leaves_of_office(index_set, current_user.office_id)
    return render_template(
        "par_index/mine.html",
        index_set=index_set,
        leaves=leaves,
        today=local_today(),
    )


@bp.route("/items/<int:item_id>/score", methods=["GET", "POST"])
@login_required
def score(item_id: int):
    item = get_or_404_for(current_user, IndexItem, item_id, check="can_score")
    existing = item.self_score
    form = ScoreForm(obj=existing if request.method == "GET" else None)
    form.remove_evidence.choices = [
        (a.id, a.original_name) for a in (existing.evidence if existing else [])
    ]

    def save() -> None:
        services.check_can_score(item, current_user)
        services.check_score_range(item, form.score.data)
        stored = attachments.store_uploads(
            request.files.getlist("evidence"), current_user, field="evidence"
        )
        services.save_self_score(
            item,
            current_user,
            form.score.data,
            form.explanation.data or "",
            stored,
            form.remove_evidence.data or [],
        )

    if done := run_action(
        save,
        form=form,
        success=f"Đã lưu điểm tự chấm tiêu chí {item.code}.",
        to=url_for("par_index.mine", set_id=item.set_id),
    ):
        return done
    try:
        services.check_can_score(item, current_user)
        closed_reason = None
    except DomainError as err:  # shown before the user types anything; POST refuses it too
        closed_reason = err.message
    return render_template(
        "par_index/score.html",
        item=item,
        form=form,
        existing=existing,
        closed_reason=closed_reason,
        upload_help=UPLOAD_HELP_TEXT,
        accept=ACCEPT_ATTRIBUTE,
        today=local_today(),
    )


@bp.get("/scores/<int:score_id>/evidence/<int:attachment_id>")
@login_required
def evidence(score_id: int, attachment_id: int):
    self_score = get_or_404_for(current_user, SelfScore, score_id)
    found = next((a for a in self_score.evidence if a.id == attachment_id), None)
    if found is None:
        abort(404)
    return send_attachment(found)


# -- appraisal ---------------------------------------------------------------------------------
@bp.route("/items/<int:item_id>/appraise", methods=["GET", "POST"])
@secretariat_only
def appraise(item_id: int):
    item = get_or_404(IndexItem, item_id)
    self_score = item.self_score
    if self_score is None:
        flash(f"Tiêu chí {item.code} chưa có điểm tự chấm để thẩm định.", "error")
        return redirect(url_for("par_index.overview", set_id=item.set_id))
    appraisal = self_score.appraisal
    form = AppraiseForm()
    if request.method == "GET" and appraisal is not None:
        form.decision.data = "accept" if appraisal.accepted else "adjust"
        form.adjusted_score.data = None if appraisal.accepted else appraisal.score
        form.reason.data = appraisal.reason
    if done := run_action(
        lambda: services.appraise(
            self_score,
            current_user,
            accepted=form.decision.data == "accept",
            adjusted_score=form.adjusted_score.data,
            reason=form.reason.data or "",
        ),
        form=form,
        success=f"Đã thẩm định tiêu chí {item.code}.",
        to=url_for("par_index.overview", set_id=item.set_id) + f"#item-{item.id}",
    ):
        return done
    return render_template("par_index/appraise.html", item=item, score=self_score, form=form)


# -- totals ------------------------------------------------------------------------------------
@bp.get("/<int:set_id>/totals")
@login_required
def totals(set_id: int):
    index_set = _load_set(set_id)
    _require_overview(current_user)
    return render_template(
        "par_index/totals.html", index_set=index_set, totals=services.compute_totals(index_set)
    )


@bp.get("/<int:set_id>/totals.<fmt>")
@login_required
def totals_export(set_id: int, fmt: str):
    index_set = _load_set(set_id)
    _require_overview(current_user)
    result = services.compute_totals(index_set)
    name = f"ket-qua-tu-danh-gia-chi-so-cchc-{index_set.year}"
    if fmt == "pdf":
        return _download(reports.totals_pdf(result), "application/pdf", f"{name}.pdf")
    if fmt == "xlsx":
        return _download(reports.totals_xlsx(result), XLSX, f"{name}.xlsx")
    abort(404)
