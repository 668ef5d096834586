from flask import Response, render_template, request, url_for
from flask_login import current_user
from openpyxl import Workbook
from sqlalchemy import select

from ..auth import throttle
from ..core.extensions import db
from ..core.spreadsheets import csv_bytes, workbook_bytes
from ..models import ROLE_LABELS, Office, Role, User
from ..web.forms import ConfirmForm
from ..web.security import admin_only, get_or_404
from ..web.views import paginate, render_page_or_fragment, run_action, search_query
from . import audit_view, bp, services
from .forms import NewUserForm, OfficeForm, ResetPasswordForm, UserForm


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
        email=form.email.data or "",
        reminders_enabled=bool(form.reminders_enabled.data),
    )


@bp.get("/users")
@admin_only
def users():
    search = search_query()
    office_id = request.args.get("office", type=int)
    role = request.args.get("role", "")
    role = role if role in {r.value for r in Role} else ""
    status = request.args.get("status", "")
    page = paginate(services.search_users(search, office_id, role, status))
    return render_page_or_fragment(
        "admin/users.html",
        "admin/_users_table.html",
        page=page,
        search=search,
        filters={"q": search.text, "office": office_id, "role": role, "status": status},
        offices=db.session.scalars(select(Office).order_by(Office.sort_order)).all(),
        role_labels=ROLE_LABELS,
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_only
def new_user():
    form = NewUserForm()
    form.office_id.choices = _office_choices()
    if done := run_action(
        lambda: services.create_user(_user_data(form), form.new_password.data, actor=current_user),
        form=form,
        success=lambda user: f"Đã tạo tài khoản {user.username}.",
        to=url_for("admin.users"),
    ):
        return done
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_user(user_id: int):
    user = get_or_404(User, user_id)
    form = UserForm(obj=user if request.method == "GET" else None)
    if request.method == "GET":
        form.roles.data = [r.value for r in user.roles]
    form.office_id.choices = _office_choices(include=user.office)
    if done := run_action(
        lambda: services.update_user(user, _user_data(form), actor=current_user),
        form=form,
        success=lambda _: f"Đã lưu tài khoản {user.username}.",
        to=url_for("admin.users"),
    ):
        return done
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
    if done := run_action(
        lambda: services.reset_password(user, password_form.new_password.data, actor=current_user),
        form=password_form,
        success=f"Đã đặt lại mật khẩu cho {user.username}.",
        to=_user_url(user),
    ):
        return done
    return _render_user(user, password_form)


def _user_url(user: User) -> str:
    return url_for("admin.edit_user", user_id=user.id)


@bp.post("/users/<int:user_id>/unlock")
@admin_only
def unlock_login(user_id: int):
    user = get_or_404(User, user_id)
    return run_action(
        lambda: services.unlock_login(user, actor=current_user),
        success=f"Đã mở khóa đăng nhập cho {user.username}: có thể đăng nhập lại ngay.",
        to=_user_url(user),
        failed=_user_url(user),
    )


@bp.post("/users/<int:user_id>/active")
@admin_only
def set_user_active(user_id: int):
    user = get_or_404(User, user_id)
    active = request.form.get("active") == "1"
    return run_action(
        lambda: services.set_user_active(user, active, actor=current_user),
        success=f"Đã {'mở khóa' if active else 'khóa'} tài khoản {user.username}.",
        to=_user_url(user),
        failed=_user_url(user),
    )


@bp.get("/offices")
@admin_only
def offices():
    rows = db.session.scalars(select(Office).order_by(Office.sort_order, Office.code)).all()
    return render_template("admin/offices.html", offices=rows, confirm_form=ConfirmForm())


@bp.route("/offices/new", methods=["GET", "POST"])
@admin_only
def new_office():
    form = OfficeForm()
    if done := run_action(
        lambda: services.create_office(
            form.code.data, form.name.data, form.is_specialised.data, actor=current_user
        ),
        form=form,
        success=lambda office: f"Đã thêm đơn vị {office.code}.",
        to=url_for("admin.offices"),
    ):
        return done
    return render_template("admin/office_form.html", form=form, office=None)


@bp.route("/offices/<int:office_id>/edit", methods=["GET", "POST"])
@admin_only
def edit_office(office_id: int):
    office = get_or_404(Office, office_id)
    form = OfficeForm(obj=office)
    form.code.data = office.code  # the code is fixed: plans and imports refer to it
    if done := run_action(
        lambda: services.update_office(
            office, form.name.data, form.is_specialised.data, actor=current_user
        ),
        form=form,
        success=f"Đã lưu đơn vị {office.code}.",
        to=url_for("admin.offices"),
    ):
        return done
    return render_template("admin/office_form.html", form=form, office=office)


@bp.post("/offices/<int:office_id>/active")
@admin_only
def set_office_active(office_id: int):
    office = get_or_404(Office, office_id)
    active = request.form.get("active") == "1"
    return run_action(
        lambda: services.set_office_active(office, active, actor=current_user),
        success=f"Đã {'mở lại' if active else 'ngừng hoạt động'} đơn vị {office.code}.",
        to=url_for("admin.offices"),
        failed=url_for("admin.offices"),
    )


@bp.get("/audit")
@admin_only
def audit_log():
    """The audit log in sentences, filtered by person, office, kind and dates; a bad date is
    said next to its field and not applied (what was typed stays)."""
    filters = audit_view.filters_from(request.args)
    page = paginate(audit_view.query(filters), 50)
    return render_template(
        "admin/audit.html",
        page=page,
        entries=audit_view.entries(list(page.items)),
        filters=filters,
        typed=request.args,
        kinds=audit_view.KINDS,
        # The filter's choices: names only, not every user's roles.
        people=db.session.execute(
            select(User.id, User.full_name, User.username).order_by(User.full_name)
        ).all(),
        offices=db.session.scalars(select(Office).order_by(Office.sort_order)).all(),
    )


@bp.get("/audit/export")
@admin_only
def audit_export():
    """The filtered audit log as CSV (?format=csv) or Excel (default), in the same sentences."""
    filters = audit_view.filters_from(request.args)
    rows = audit_view.export_rows(filters)
    if request.args.get("format") == "csv":
        data = csv_bytes(audit_view.EXPORT_HEADER, rows)
        mimetype, name = "text/csv", "nhat-ky-thay-doi.csv"
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "Nhật ký"
        sheet.append(audit_view.EXPORT_HEADER)
        for row in rows:
            sheet.append(row)
        for letter, width in zip("ABCDEF", (17, 24, 16, 70, 60, 24), strict=True):
            sheet.column_dimensions[letter].width = width
        data = workbook_bytes(workbook)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        name = "nhat-ky-thay-doi.xlsx"
    response = Response(data, mimetype=mimetype)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
