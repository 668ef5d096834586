from decimal import Decimal

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import attachments
from ..errors import DomainError
from ..extensions import db
from ..forms import apply_domain_error
from ..models import Attachment, IndexItem, IndexSet, Office, Role, SelfScore, SetStatus
from ..page_cache import cached_page
from ..security import get_or_404, get_or_404_for, require, roles_required
from ..spreadsheets import MAX_IMPORT_BYTES
from ..storage import ACCEPT_ATTRIBUTE, UPLOAD_HELP_TEXT
from ..timeutil import local_today
from ..views import redirect_after_post, render_page_or_fragment
from . import bp, reports, services, tabular
from .forms import AppraiseForm, AssignForm, ConfirmForm, NewSetForm, ScoreForm, SettingsForm

secretariat_only = roles_required(Role.SECRETARIAT)
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
@cached_page
def index():
    sets = services.all_sets()
    return render_template("par_index/index.html", sets=sets, confirm_form=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@secretariat_only
def new_set():
    form = NewSetForm()
    if request.method == "GET":
        form.year.data = local_today().year
    issues: list[tabular.TableIssue] = []
    if form.validate_on_submit():
        try:
            index_set = _create_from_form(form, issues)
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            if index_set is not None:
                db.session.commit()
                flash(
                    f"Đã tạo {index_set.title} với {len(index_set.items)} mục.",
                    "success",
                )
                return redirect_after_post(url_for("par_index.overview", set_id=index_set.id))
            db.session.rollback()
    return render_template("par_index/new.html", form=form, issues=issues)


def _create_from_form(form: NewSetForm, issues: list) -> IndexSet | None:
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
            issues.extend(found)
            return None
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
@cached_page
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
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        status = SetStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    try:
        services.set_status(index_set, status, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(f"Bộ chỉ số chuyển sang “{status.label}”.", "success")
    return redirect_after_post(url_for("par_index.overview", set_id=set_id))


@bp.post("/<int:set_id>/discard")
@secretariat_only
def discard(set_id: int):
    index_set = _load_set(set_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_set(index_set, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect_after_post(url_for("par_index.overview", set_id=set_id))
    db.session.commit()
    flash("Đã xóa bộ chỉ số.", "success")
    return redirect_after_post(url_for("par_index.index"))


@bp.route("/<int:set_id>/settings", methods=["GET", "POST"])
@secretariat_only
def settings(set_id: int):
    index_set = _load_set(set_id)
    form = SettingsForm(obj=index_set if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.update_settings(
                index_set,
                deadline=form.deadline.data,
                survey_score=form.survey_score.data,
                bonus_points=form.bonus_points.data or Decimal("0"),
                penalty_points=form.penalty_points.data or Decimal("0"),
                actor=current_user,
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            flash("Đã lưu thông tin bộ chỉ số.", "success")
            return redirect_after_post(url_for("par_index.overview", set_id=set_id))
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
    if form.validate_on_submit():
        office = db.session.get(Office, int(form.office.data)) if form.office.data else None
        # (validate_office has checked that the value is one of the listed offices)
        try:
            changed = services.assign_leaves(
                index_set, form.items.data or [], office, actor=current_user
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            target = office.name if office else "không đơn vị nào"
            flash(f"Đã giao {changed} tiêu chí cho {target}.", "success")
            form.items.data = []
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
@cached_page
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
    if form.validate_on_submit():
        stored: list[Attachment] = []
        try:
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
        except DomainError as err:
            db.session.rollback()
            attachments.discard(stored)
            apply_domain_error(form, err)
        else:
            db.session.commit()
            flash(f"Đã lưu điểm tự chấm tiêu chí {item.code}.", "success")
            return redirect_after_post(url_for("par_index.mine", set_id=item.set_id))
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
    return attachments.send_attachment(found)


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
    if form.validate_on_submit():
        try:
            services.appraise(
                self_score,
                current_user,
                accepted=form.decision.data == "accept",
                adjusted_score=form.adjusted_score.data,
                reason=form.reason.data or "",
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            flash(f"Đã thẩm định tiêu chí {item.code}.", "success")
            return redirect_after_post(
                url_for("par_index.overview", set_id=item.set_id) + f"#item-{item.id}"
            )
    return render_template("par_index/appraise.html", item=item, score=self_score, form=form)


# -- totals ------------------------------------------------------------------------------------
@bp.get("/<int:set_id>/totals")
@login_required
@cached_page
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
