from __future__ import annotations

from flask import abort, current_app, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..core.cache import fragments
from ..core.extensions import db
from ..core.storage import UPLOAD_HELP_TEXT
from ..core.timeutil import local_today
from ..decisions import services as decision_ops
from ..documents import render
from ..models import (
    Decision,
    DecisionKind,
    Initiative,
    InitiativeAuthor,
    InitiativeState,
    Office,
    Role,
    Round,
    User,
    commune_settings,
)
from ..models.initiatives import STATE_LABELS
from ..records import attachments
from ..web.forms import ConfirmForm
from ..web.security import (
    get_or_404,
    get_or_404_for,
    require,
    require_secretariat,
    roles_required,
    secretariat_only,
    secretariat_or_leaders,
)
from ..web.views import (
    paginate_rows,
    pdf_response,
    redirect_after_post,
    render_page_or_fragment,
    run_action,
    search_query,
    send_attachment,
)
from . import bp, documents, dossier, evaluation, nominations, services, similarity
from .forms import (
    AUTHOR_ROWS,
    AcceptForm,
    InitiativeForm,
    NominationForm,
    NominationReturnForm,
    ReopenForm,
    ReturnForm,
    RoundForm,
)


def _selected_round(
    all_rounds: list[Round] | None = None, *, searching: bool = False
) -> Round | None:
    """The year chosen; every year ("all", or a search typed without choosing one): None."""
    if request.args.get("year") == "all" or (searching and not request.args.get("year")):
        return None
    year = request.args.get("year", type=int)
    if year:
        if all_rounds is not None:
            return next((r for r in all_rounds if r.year == year), None)
        return db.session.scalar(select(Round).where(Round.year == year))
    return services.current_round(all_rounds)


@bp.get("/")
@login_required
def index():
    require(current_user.sees_all_offices or current_user.office_id is not None)
    search = search_query()
    rounds = services.rounds()
    rnd = _selected_round(rounds, searching=bool(search.text))
    state = request.args.get("state", "")
    office_id = request.args.get("office", type=int)
    page = paginate_rows(
        services.visible_initiative_rows(current_user, rnd, state, office_id, search),
        services.initiative_rows,
    )
    offices, missing = services.offices_and_missing(rnd, current_user.sees_all_offices)
    return render_page_or_fragment(
        "initiatives/index.html",
        "initiatives/_list.html",
        rnd=rnd,
        rounds=rounds,
        page=page,
        search=search,
        filters={
            "year": rnd.year if rnd else "all",
            "state": state,
            "office": office_id,
            "q": search.text,
        },
        state_labels=STATE_LABELS,
        offices=offices,
        missing=missing,
        can_draft=current_user.office_id is not None
        and current_user.has_role(Role.STAFF, Role.HEAD),
        today=local_today(),
        city_reader=_city_reader(),
    )


def _city_reader() -> bool:
    """The signed-in user reads the communes' nominations (the city's standing office and
    leaders): remembered per data version, so the list costs no statement for it."""
    if not (current_user.is_secretariat or current_user.is_leader):
        return False
    user = current_user._get_current_object()
    return fragments.get_or_build(("city-reader", user.id), lambda: nominations.may_read(user))


# -- drafting -----------------------------------------------------------------------------------
def _prepare_form(form: InitiativeForm, office: Office, rnd: Round | None) -> None:
    rounds = [r for r in services.rounds() if rnd is None or r.id == rnd.id]
    form.round_id.choices = [
        (r.id, f"{r.title} (hạn nộp {r.submission_deadline:%d/%m/%Y})") for r in rounds
    ]
    settings = commune_settings.current()
    opened = [code for r in rounds for code in r.open_fields]
    form.field.choices = [
        ("", "— Chọn lĩnh vực —"),
        *settings.initiative_fields_with(opened).items(),
    ]
    people = db.session.scalars(
        select(User).where(User.office_id == office.id, User.active).order_by(User.full_name)
    ).all()
    similar_kw = {
        "hx-post": url_for("initiatives.similar"),
        "hx-trigger": "input changed delay:600ms",
        "hx-target": "#similar-warning",
        "hx-params": "title,solution,initiative_id",
        "hx-sync": "closest form:replace",
    }
    form.title.render_kw = similar_kw
    form.solution.render_kw = similar_kw
    for entry in form.authors:
        entry.form.user_id.choices = [(0, "— Không chọn —")] + [(u.id, u.full_name) for u in people]


def _form_data(form: InitiativeForm) -> services.InitiativeData:
    return services.InitiativeData(
        title=form.title.data or "",
        field=form.field.data or "",
        current_situation=form.current_situation.data or "",
        solution=form.solution.data or "",
        novelty=form.novelty.data or "",
        piloted=bool(form.piloted.data),
        first_applied_on=form.first_applied_on.data,
        applied_where=form.applied_where.data or "",
        conditions=form.conditions.data or "",
        replication=form.replication.data or "",
        effectiveness=form.effectiveness.data or "",
        authors=[
            services.AuthorData(
                user_id=e.form.user_id.data or None,
                external_name=e.form.external_name.data or "",
                share=e.form.share.data,
                date_of_birth=e.form.date_of_birth.data,
                qualification=e.form.qualification.data or "",
            )
            for e in form.authors
        ],
    )


def _render_form(form: InitiativeForm, initiative: Initiative | None, office: Office):
    return render_template(
        "initiatives/form.html",
        form=form,
        initiative=initiative,
        office=office,
        upload_help=UPLOAD_HELP_TEXT,
        author_rows=AUTHOR_ROWS,
    )


def _evidence() -> list:
    """The evidence files of the form, stored (and deleted again if the action is refused)."""
    return attachments.store_uploads(
        request.files.getlist("evidence"), current_user, field="evidence"
    )


def _detail_url(initiative: Initiative) -> str:
    return url_for("initiatives.detail", initiative_id=initiative.id)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.STAFF, Role.HEAD)
def new():
    office = current_user.office
    require(office is not None)
    form = InitiativeForm()
    _prepare_form(form, office, None)
    if request.method == "GET":
        rnd = services.current_round()
        form.round_id.data = rnd.id if rnd else None
        form.authors[0].form.user_id.data = current_user.id
        form.authors[0].form.share.data = 100
    if not form.round_id.choices:
        flash("Chưa có đợt sáng kiến nào. Phòng Văn hóa - Xã hội mở đợt trước.", "info")
        return redirect_after_post(url_for("initiatives.index"))
    if done := run_action(
        lambda: services.create_initiative(
            db.session.get(Round, form.round_id.data),
            office,
            _form_data(form),
            current_user,
            _evidence(),
        ),
        form=form,
        success="Đã lưu dự thảo sáng kiến.",
        to=_detail_url,
    ):
        return done
    return _render_form(form, None, office)


@bp.route("/<int:initiative_id>/edit", methods=["GET", "POST"])
@login_required
def edit(initiative_id: int):
    initiative = get_or_404_for(current_user, Initiative, initiative_id, check="can_edit")
    form = InitiativeForm(obj=initiative if request.method == "GET" else None)
    _prepare_form(form, initiative.office, initiative.round)
    form.remove_evidence.choices = [
        (e.attachment_id, e.attachment.original_name) for e in initiative.evidence
    ]
    if request.method == "GET":
        form.round_id.data = initiative.round_id
        for entry, author in zip(form.authors, initiative.authors, strict=False):
            entry.form.user_id.data = author.user_id or 0
            entry.form.external_name.data = author.external_name
            entry.form.share.data = author.share
            entry.form.date_of_birth.data = author.date_of_birth
            entry.form.qualification.data = author.qualification
    if done := run_action(
        lambda: services.update_initiative(
            initiative, _form_data(form), current_user, _evidence(), form.remove_evidence.data
        ),
        form=form,
        success="Đã lưu sáng kiến.",
        to=_detail_url(initiative),
    ):
        return done
    return _render_form(form, initiative, initiative.office)


@bp.post("/similar")
@login_required
def similar():
    """htmx: past initiatives like the title/content being typed."""
    title = request.form.get("title", "")[:300]
    content = request.form.get("solution", "")[:4000]
    matches = similarity.similar_initiatives(
        title,
        content,
        viewer=current_user._get_current_object(),
        exclude_id=request.form.get("initiative_id", type=int),
    )
    return render_template("initiatives/_similar.html", matches=matches)


# -- reading ------------------------------------------------------------------------------------
@bp.get("/<int:initiative_id>")
@login_required
def detail(initiative_id: int):
    # What the page shows in three statements rather than one per relationship: the
    # initiative with its round and office, its authors with their accounts (not their roles),
    # its evidence.
    initiative = db.session.scalar(
        select(Initiative)
        .options(
            joinedload(Initiative.round),
            joinedload(Initiative.office),
            selectinload(Initiative.authors)
            .joinedload(InitiativeAuthor.user)
            .lazyload(User.role_rows),
            selectinload(Initiative.evidence),
        )
        .where(Initiative.id == initiative_id)
    )
    if initiative is None:
        abort(404)
    require(initiative.can_view(current_user))
    return _detail_page(initiative, evaluation.result_of(initiative))


def _detail_page(initiative: Initiative, result=None, accept_form=None, return_form=None):
    reviewing = current_user.is_secretariat and initiative.state == InitiativeState.SUBMITTED
    return render_template(
        "initiatives/detail.html",
        initiative=initiative,
        result=result,
        # A commune's nominated initiative: what the city answered (the commune's own record);
        # a city initiative received from a commune: where it came from.
        city_result=(
            nominations.result_for(initiative)
            if initiative.state == InitiativeState.NOMINATED
            else None
        ),
        source=(
            nominations.source_of(initiative)
            if initiative.source_initiative_id and nominations.may_read(current_user)
            else None
        ),
        confirm_form=ConfirmForm(),
        return_form=return_form or ReturnForm(),
        accept_form=accept_form or AcceptForm(),
        earlier=similarity.closest_earlier(initiative, current_user) if reviewing else None,
        submission_open=initiative.round.submission_open_for(initiative.office_id, local_today()),
        S=InitiativeState,
    )


@bp.get("/<int:initiative_id>/description.pdf")
@login_required
def description_pdf(initiative_id: int):
    """Báo cáo mô tả sáng kiến, rendered from the current record."""
    initiative = get_or_404_for(current_user, Initiative, initiative_id)
    rendered = render(documents.description(initiative))
    return pdf_response(rendered.pdf, f"bao-cao-mo-ta-sang-kien-{initiative.id}.pdf", download=True)


@bp.get("/<int:initiative_id>/files/<int:attachment_id>")
@login_required
def download(initiative_id: int, attachment_id: int):
    initiative = get_or_404_for(current_user, Initiative, initiative_id)
    link = next((e for e in initiative.evidence if e.attachment_id == attachment_id), None)
    if link is None:
        abort(404)
    return send_attachment(link.attachment)


# -- transitions --------------------------------------------------------------------------------
@bp.post("/<int:initiative_id>/submit")
@roles_required(Role.HEAD)
def submit(initiative_id: int):
    initiative = get_or_404_for(current_user, Initiative, initiative_id)
    return run_action(
        lambda: services.submit_initiative(initiative, current_user),
        success="Đã gửi sáng kiến đến Phòng Văn hóa - Xã hội.",
        to=_detail_url(initiative),
        failed=_detail_url(initiative),
    )


@bp.post("/<int:initiative_id>/return")
@secretariat_only
def return_(initiative_id: int):
    initiative = get_or_404_for(current_user, Initiative, initiative_id)
    form = ReturnForm()
    return run_action(
        lambda: services.return_initiative(initiative, form.comment.data or "", current_user),
        form=form,
        success="Đã trả lại sáng kiến để đơn vị hoàn thiện.",
        to=_detail_url(initiative),
        failed=_detail_url(initiative),
    )


@bp.post("/<int:initiative_id>/accept")
@secretariat_only
def accept(initiative_id: int):
    """Accept for the council; without application evidence the form asks why (its text is
    kept on a refusal: the page is rendered again, not redirected)."""
    initiative = get_or_404_for(current_user, Initiative, initiative_id)
    form = AcceptForm()
    if done := run_action(
        lambda: services.accept_initiative(initiative, current_user, form.note.data or ""),
        form=form,
        success="Đã tiếp nhận sáng kiến để đưa ra Hội đồng.",
        to=_detail_url(initiative),
    ):
        return done
    return _detail_page(initiative, accept_form=form)


# -- nomination to the city ---------------------------------------------------------------------
@bp.route("/rounds/<int:round_id>/nominate", methods=["GET", "POST"])
@secretariat_or_leaders
def nominate(round_id: int):
    """The Chairman (or the secretariat) picks recognised initiatives for the city: the
    Tờ trình is drafted from them, and signing it nominates them."""
    rnd = get_or_404(Round, round_id)
    form = NominationForm()
    available = services.recognised_in(rnd)
    form.initiatives.choices = [(i.id, i.title) for i in available]
    if done := run_action(
        lambda: decision_ops.create_draft(
            DecisionKind.NOMINATION_DOSSIER,
            rnd.id,
            current_user,
            picked=list(form.initiatives.data or []),
        ),
        form=form,
        success=lambda decision: (
            "Đã lập dự thảo Tờ trình đề nghị cấp thành phố"
            + (" và trình ký." if decision.state == "submitted" else ".")
        ),
        to=lambda decision: url_for("decisions.show", decision_id=decision.id),
    ):
        return done
    return render_template("initiatives/nominate.html", rnd=rnd, form=form, available=available)


def _dossier(decision_id: int):
    decision = get_or_404_for(current_user, Decision, decision_id)
    require(current_user.is_secretariat or current_user.is_leader)
    if not (decision.is_approved and decision.kind == DecisionKind.NOMINATION_DOSSIER):
        abort(404)
    return decision, dossier.files(decision)


@bp.get("/nominations/<int:decision_id>/dossier.zip")
@login_required
def dossier_zip(decision_id: int):
    decision, files = _dossier(decision_id)
    response = current_app.response_class(dossier.as_zip(files), mimetype="application/zip")
    name = f"ho-so-de-nghi-cap-thanh-pho-{decision.year}-{decision.number:02d}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/nominations/<int:decision_id>/dossier.pdf")
@login_required
def dossier_pdf(decision_id: int):
    decision, files = _dossier(decision_id)
    name = f"ho-so-de-nghi-cap-thanh-pho-{decision.year}-{decision.number:02d}.pdf"
    return pdf_response(dossier.as_pdf(files), name, download=True)


@bp.get("/<int:initiative_id>/city-decision.pdf")
@login_required
def city_decision_pdf(initiative_id: int):
    """The city's signed Decision about a nominated initiative: the commune's own copy."""
    initiative = get_or_404_for(current_user, Initiative, initiative_id)
    found = nominations.result_for(initiative)
    if found is None or found.decision_pdf is None:
        abort(404)
    return send_attachment(found.decision_pdf)


# -- the city: what the communes nominate -------------------------------------------------------
def _require_city_reader() -> None:
    require(nominations.may_read(current_user))


def _nomination(initiative_id: int) -> nominations.Nomination:
    """A nominated initiative of one of the city's communes (403 for anyone but the city's
    standing office and leaders, 404 for any other id)."""
    _require_city_reader()
    found = nominations.nomination(current_user.commune, initiative_id)
    if found is None:
        abort(404)
    return found


def _nomination_url(found: nominations.Nomination) -> str:
    return url_for("initiatives.nomination", initiative_id=found.initiative.id)


@bp.get("/nominated")
@login_required
def nominated():
    """Đề nghị của các xã, phường: the initiatives the city's communes nominated."""
    _require_city_reader()
    items = nominations.nominations(current_user.commune)
    return render_template(
        "initiatives/nominated.html",
        items=items,
        rnd=nominations.receiving_round(),
        year=local_today().year,
    )


@bp.get("/nominated/<int:initiative_id>")
@login_required
def nomination(initiative_id: int):
    found = _nomination(initiative_id)
    return _nomination_page(found)


def _nomination_page(found, return_form=None):
    return render_template(
        "initiatives/nomination.html",
        found=found,
        source=found.initiative,
        rnd=nominations.receiving_round(),
        year=local_today().year,
        confirm_form=ConfirmForm(),
        return_form=return_form or NominationReturnForm(),
    )


@bp.post("/nominated/<int:initiative_id>/receive")
@login_required
def receive_nomination(initiative_id: int):
    found = _nomination(initiative_id)
    require(current_user.is_secretariat)
    return run_action(
        lambda: nominations.receive(found, current_user),
        success=lambda copy: (
            f"Đã tiếp nhận đề nghị của {found.commune.name} vào đợt sáng kiến năm "
            f"{copy.round.year} của thành phố."
        ),
        to=_detail_url,
        failed=_nomination_url(found),
    )


@bp.post("/nominated/<int:initiative_id>/return")
@login_required
def return_nomination(initiative_id: int):
    found = _nomination(initiative_id)
    require(current_user.is_secretariat)
    form = NominationReturnForm()
    if done := run_action(
        lambda: nominations.return_nomination(found, form.comment.data or "", current_user),
        form=form,
        success=f"Đã trả lại đề nghị cho {found.commune.name}.",
        to=_nomination_url(found),
    ):
        return done
    return _nomination_page(found, return_form=form)


@bp.get("/nominated/<int:initiative_id>/to-trinh.pdf")
@login_required
def nomination_pdf(initiative_id: int):
    """The commune's signed Tờ trình, as it was signed (its signatures intact)."""
    found = _nomination(initiative_id)
    decision = found.decision
    name = f"to-trinh-{found.commune.code.lower()}-{decision.year}-{decision.number:02d}.pdf"
    return pdf_response(decision.pdf, name, download=True)


@bp.get("/nominated/<int:initiative_id>/dossier.zip")
@login_required
def nomination_zip(initiative_id: int):
    found = _nomination(initiative_id)
    decision = found.decision
    response = current_app.response_class(
        dossier.as_zip(dossier.files(decision)), mimetype="application/zip"
    )
    name = f"ho-so-{found.commune.code.lower()}-{decision.year}-{decision.number:02d}.zip"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/nominated/<int:initiative_id>/dossier.pdf")
@login_required
def nomination_dossier_pdf(initiative_id: int):
    found = _nomination(initiative_id)
    decision = found.decision
    name = f"ho-so-{found.commune.code.lower()}-{decision.year}-{decision.number:02d}.pdf"
    return pdf_response(dossier.as_pdf(dossier.files(decision)), name, download=True)


@bp.get("/nominated/<int:initiative_id>/files/<int:attachment_id>")
@login_required
def nomination_file(initiative_id: int, attachment_id: int):
    """One evidence file of the commune's initiative, as the commune attached it."""
    found = _nomination(initiative_id)
    link = next((e for e in found.initiative.evidence if e.attachment_id == attachment_id), None)
    if link is None:
        abort(404)
    return send_attachment(link.attachment)


# -- rounds (secretariat) -----------------------------------------------------------------------
@bp.get("/rounds")
@secretariat_or_leaders
def rounds():
    return render_template("initiatives/rounds.html", rounds=services.rounds())


def _round_data(form: RoundForm) -> services.RoundData:
    return services.RoundData(
        year=form.year.data,
        title=form.title.data,
        submission_deadline=form.submission_deadline.data,
        decision_deadline=form.decision_deadline.data,
        open_fields=list(form.open_fields.data or []),
        pass_min_total=form.pass_min_total.data,
        rubric=services.parse_rubric(form.rubric.data or ""),
    )


@bp.route("/rounds/new", methods=["GET", "POST"])
@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@secretariat_only
def round_form(round_id: int | None = None):
    rnd = get_or_404(Round, round_id) if round_id else None
    form = RoundForm(obj=rnd if request.method == "GET" else None)
    form.open_fields.choices = list(
        commune_settings.current().initiative_fields_with(rnd.open_fields if rnd else ()).items()
    )
    if request.method == "GET":
        if rnd is None:
            year = local_today().year
            form.year.data = year
            form.title.data = f"Sáng kiến cải cách hành chính năm {year}"
            settings = commune_settings.current()
            form.open_fields.data = list(settings.initiative_fields)
            form.rubric.data = services.rubric_text(settings.rubric)
            deadlines = settings.round_deadlines(year)
            form.submission_deadline.data, form.decision_deadline.data = deadlines
        else:
            form.rubric.data = services.rubric_text(rnd.rubric)

    def save() -> Round:
        data = _round_data(form)
        if rnd is None:
            return services.create_round(data, current_user)
        services.update_round(rnd, data, current_user)
        return rnd

    if done := run_action(
        save,
        form=form,
        success=lambda saved: f"Đã lưu đợt sáng kiến năm {saved.year}.",
        to=lambda saved: url_for("initiatives.round_detail", round_id=saved.id),
    ):
        return done
    return render_template("initiatives/round_form.html", form=form, rnd=rnd)


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"])
@secretariat_or_leaders
def round_detail(round_id: int):
    """The round, its reopenings, and (for the secretariat) the form to reopen submission for
    one office."""
    if request.method == "POST":
        require_secretariat()
    rnd = get_or_404(Round, round_id)
    form = ReopenForm()
    offices = db.session.scalars(select(Office).where(Office.active).order_by(Office.sort_order))
    form.office_id.choices = [(0, "— Chọn đơn vị —")] + [(o.id, o.name) for o in offices]

    def reopen() -> Office:
        office = get_or_404(Office, form.office_id.data)
        services.reopen_submission(rnd, office, form.reason.data, form.until.data, current_user)
        return office

    if done := run_action(
        reopen,
        form=form,
        success=lambda office: f"Đã mở lại việc nộp sáng kiến cho {office.name}.",
        to=url_for("initiatives.round_detail", round_id=rnd.id),
    ):
        return done
    return render_template(
        "initiatives/round_detail.html",
        rnd=rnd,
        form=form,
        missing=services.offices_without_submission(rnd),
        field_labels=commune_settings.current().initiative_fields_with(rnd.open_fields),
    )


# -- emulation ----------------------------------------------------------------------------------
@bp.get("/emulation")
@login_required
def emulation():
    """Thi đua: per office and year, initiatives handed in, recommended, recognised."""
    require(current_user.sees_all_offices or current_user.office_id is not None)
    year = request.args.get("year", type=int)
    return render_template(
        "initiatives/emulation.html",
        rows=services.emulation_table(year),
        years=[r.year for r in services.rounds()],
        year=year,
    )
