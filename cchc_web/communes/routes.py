from flask import abort, make_response, render_template, request, url_for
from flask_login import current_user

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.spreadsheets import MAX_IMPORT_BYTES
from ..models import Commune
from ..models import commune_settings as cs
from ..models.org import COMMUNE_KIND_LABELS
from ..web.forms import apply_domain_error
from ..web.security import admin_only, require
from ..web.views import paginate_rows, run_action
from . import bp, onboarding, services
from .forms import AdminAccountForm, NewCommuneForm, SettingsForm


def _fill(form: SettingsForm, commune: Commune) -> None:
    settings = cs.of(commune)
    form.name.data = commune.name
    form.kind.data = str(commune.kind)
    form.plan_fields.data = services.fields_text(settings.plan_fields)
    form.initiative_fields.data = services.fields_text(settings.initiative_fields)
    form.report_start_day.data = settings.report_start_day
    form.report_deadline_day.data = settings.report_deadline_day
    form.round_submission.data = "{}/{}".format(*settings.round_submission)
    form.round_decision.data = "{}/{}".format(*settings.round_decision)
    form.rubric.data = services.rubric_text(settings.rubric)
    form.issuer_lines.data = "\n".join(settings.issuer_lines_set)
    form.secretariat_office.data = settings.secretariat_office


def _data(form: SettingsForm, commune: Commune) -> services.SettingsData:
    return services.SettingsData(
        name=form.name.data or "",
        kind=str(commune.kind) if commune.is_city else (form.kind.data or ""),
        plan_fields=form.plan_fields.data or "",
        initiative_fields=form.initiative_fields.data or "",
        report_start_day=form.report_start_day.data,
        report_deadline_day=form.report_deadline_day.data,
        round_submission=form.round_submission.data or "",
        round_decision=form.round_decision.data or "",
        rubric=form.rubric.data or "",
        issuer_lines=form.issuer_lines.data or "",
        secretariat_office=form.secretariat_office.data or "",
    )


@bp.route("/settings", methods=["GET", "POST"])
@admin_only
def settings():
    """Quản trị › Thiết lập: the administrator's own commune (the city's for the city's)."""
    commune = Commune.current()
    require(commune is not None)
    form = SettingsForm()
    form.secretariat_office.choices = [
        (o.code, f"{o.code} — {o.name}") for o in services.org.active_offices()
    ]
    if request.method == "GET":
        _fill(form, commune)
    if done := run_action(
        lambda: services.save_settings(commune, _data(form, commune), actor=current_user),
        form=form,
        success="Đã lưu thiết lập.",
        to=url_for("communes.settings"),
    ):
        return done
    return render_template(
        "communes/settings.html",
        form=form,
        commune=commune,
        kind_label=COMMUNE_KIND_LABELS.get(commune.kind, ""),
        preview=cs.of(commune),
    )


def _city():
    require(current_user.is_admin and current_user.at_city_level)
    return current_user.commune


@bp.get("/communes")
@admin_only
def index():
    """Quản trị › Xã, phường: the city's communes (for the city's administrator)."""
    city = _city()
    page = paginate_rows(services.communes_query(city), list)
    return render_template(
        "communes/index.html", page=page, city=city, kind_labels=COMMUNE_KIND_LABELS
    )


def _upload(name: str) -> tuple[str, bytes] | None:
    upload = request.files.get(name)
    if upload is None or not upload.filename:
        return None
    return upload.filename, upload.read(MAX_IMPORT_BYTES + 1)


@bp.route("/communes/new", methods=["GET", "POST"])
@admin_only
def new():
    """Thêm xã, phường: its code, name and kind, and optionally its offices and users from a
    CSV or Excel file each. The one-time passwords are shown once, on the answer itself."""
    city = _city()
    form = NewCommuneForm()
    if request.method == "GET":
        form.province.data = city.province
    if form.validate_on_submit():
        data = onboarding.CommuneData(
            form.code.data, form.name.data, form.kind.data, form.province.data or ""
        )
        try:
            result = onboarding.onboard(
                data,
                offices_file=_upload("offices_file"),
                users_file=_upload("users_file"),
                city=city,
                actor=current_user,
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            response = make_response(render_template("communes/created.html", result=result))
            response.headers["Cache-Control"] = "no-store"  # the passwords, shown once
            return response
    return render_template(
        "communes/new.html",
        form=form,
        office_columns=onboarding.OFFICE_COLUMNS,
        user_columns=onboarding.USER_COLUMNS,
        roles=services.ROLE_CODES,
    )


@bp.route("/communes/<code>/admin", methods=["GET", "POST"])
@admin_only
def new_admin(code: str):
    """An administrator account for one of the city's communes (one onboarded without one):
    its one-time password is shown once, on the answer itself."""
    city = _city()
    commune = onboarding.commune_of_city(city, code)
    if commune is None:
        abort(404)
    form = AdminAccountForm()
    if form.validate_on_submit():
        data = onboarding.AdminData(
            form.username.data,
            form.full_name.data,
            form.position_title.data or "",
            form.email.data or "",
        )
        try:
            user, password = onboarding.add_administrator(
                commune, data, city=city, actor=current_user
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            result = onboarding.Onboarded(
                commune,
                accounts=[(user.username, user.full_name, "Quản trị hệ thống", password)],
                has_admin=True,
            )
            response = make_response(
                render_template("communes/created.html", result=result, added_admin=True)
            )
            response.headers["Cache-Control"] = "no-store"
            return response
    return render_template("communes/admin_form.html", form=form, commune=commune)
