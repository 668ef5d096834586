from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth import throttle
from ..errors import DomainError
from ..extensions import db
from ..forms import apply_domain_error
from ..models import ROLE_LABELS, AuditLog, Office, Role, User
from ..page_cache import cached_page
from ..security import get_or_404, roles_required
from ..views import paginate, redirect_after_post, render_page_or_fragment
from . import bp, services
from .forms import ConfirmForm, NewUserForm, OfficeForm, ResetPasswordForm, UserForm

admin_only = roles_required(Role.ADMIN)


def _office_choices(include: Office | None = None) -> list[tuple[int | None, str]]:
    offices = services.active_offices()
    if include is not None and include not in offices:
        offices.append(include)
    return [(None, "— Không thuộc đơn vị nào —")] + [
        (o.id, f"{o.code} — {o.name}") for o in offices
    ]


def _user_data(form: UserForm) -> services.UserData:
    return services.UserData(
        username=form.username.data,
        full_name=form.full_name.data,
        position_title=form.position_title.data or "",
        office_id=form.office_id.data,
        roles={Role(r) for r in form.roles.data},
        active=form.active.data,
    )


@bp.get("/users")
@admin_only
@cached_page
def users():
    q = request.args.get("q", "").strip()[:100]
    office_id = request.args.get("office", type=int)
    role = request.args.get("role", "")
    role = role if role in {r.value for r in Role} else ""
    status = request.args.get("status", "")
    page = paginate(services.search_users(q, office_id, role, status))
    return render_page_or_fragment(
        "admin/users.html",
        "admin/_users_table.html",
        page=page,
        filters={"q": q, "office": office_id, "role": role, "status": status},
        offices=db.session.scalars(select(Office).order_by(Office.sort_order)).all(),
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user():
    form = NewUserForm()
    form.office_id.choices = _office_choices()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                _user_data(form), form.new_password.data, actor=current_user
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            flash(f"Đã tạo tài khoản {user.username}.", "success")
            return redirect_after_post(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
    form.office_id.choices = _office_choices(include=user.office)
    if form.validate_on_submit():
        try:
            services.update_user(user, _user_data(form), actor=current_user)
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            flash(f"Đã lưu tài khoản {user.username}.", "success")
            return redirect_after_post(url_for("admin.users"))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        password_form=ResetPasswordForm(formdata=None),
        confirm_form=ConfirmForm(),
        throttled=throttle.is_throttled(user.username),
    )


def _render_user(user: User, password_form: ResetPasswordForm | None = None):
    form = UserForm(obj=user)
    form.roles.data = [r.value for r in user.roles]
    form.office_id.choices = _office_choices(include=user.office)
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        password_form=password_form or ResetPasswordForm(formdata=None),
        confirm_form=ConfirmForm(),
        throttled=throttle.is_throttled(user.username),
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_only
def reset_password(user_id: int):
    user = get_or_404(User, user_id)
    password_form = ResetPasswordForm()
    if password_form.validate_on_submit():
        try:
            services.reset_password(user, password_form.new_password.data, actor=current_user)
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(password_form, err)
        else:
            db.session.commit()
            flash(f"Đã đặt lại mật khẩu cho {user.username}.", "success")
            return redirect_after_post(url_for("admin.edit_user", user_id=user.id))
    return _render_user(user, password_form)


@bp.post("/users/<int:user_id>/unlock")
@admin_only
def unlock_login(user_id: int):
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.unlock_login(user, actor=current_user)
    db.session.commit()
    flash(f"Đã mở khóa đăng nhập cho {user.username}: có thể đăng nhập lại ngay.", "success")
    return redirect_after_post(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/active")
@admin_only
def set_user_active(user_id: int):
    user = get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_user_active(user, active, actor=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
    else:
        db.session.commit()
        flash(
            f"Đã {'mở khóa' if active else 'khóa'} tài khoản {user.username}.",
            "success",
        )
    return redirect_after_post(url_for("admin.edit_user", user_id=user.id))


@bp.get("/offices")
@admin_only
@cached_page
def offices():
    rows = db.session.scalars(select(Office).order_by(Office.sort_order, Office.code)).all()
    return render_template("admin/offices.html", offices=rows, confirm_form=ConfirmForm())


@bp.route("/offices/new", methods=["GET", "POST"])
@admin_only
def new_office():
    form = OfficeForm()
    if form.validate_on_submit():
        try:
            office = services.create_office(
                form.code.data, form.name.data, form.is_specialised.data, actor=current_user
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            flash(f"Đã thêm đơn vị {office.code}.", "success")
            return redirect_after_post(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=None)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_office(office_id: int):
    office = get_or_404(Office, office_id)
    form = OfficeForm(obj=office)
    form.code.data = office.code  # the code is fixed: plans and imports refer to it
    if form.validate_on_submit():
        services.update_office(office, form.name.data, form.is_specialised.data, actor=current_user)
        db.session.commit()
        flash(f"Đã lưu đơn vị {office.code}.", "success")
        return redirect_after_post(url_for("admin.offices"))
    return render_template("admin/office_form.html", form=form, office=office)


@bp.post("/offices/<int:office_id>/active")
@admin_only
def set_office_active(office_id: int):
    office = get_or_404(Office, office_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    services.set_office_active(office, active, actor=current_user)
    db.session.commit()
    flash(f"Đã {'mở lại' if active else 'ngừng hoạt động'} đơn vị {office.code}.", "success")
    return redirect_after_post(url_for("admin.offices"))


@bp.get("/audit")
@admin_only
@cached_page
def audit_log():
    page = paginate(select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc()), 50)
    return render_template("admin/audit.html", page=page)
