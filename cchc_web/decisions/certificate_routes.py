"""Quản trị › Chứng thư số: the administrator registers each signer's personal certificate."""

from __future__ import annotations

from flask import flash, render_template, url_for
from flask_login import current_user

from ..errors import DomainError
from ..extensions import db
from ..forms import apply_domain_error
from ..models import CAPACITY_LABELS, Role, User
from ..security import get_or_404, roles_required
from ..views import redirect_after_post
from . import bp, certificates
from .forms import CertificateForm, ConfirmForm

admin_only = roles_required(Role.ADMIN)


@bp.route("/admin/certificates", methods=["GET", "POST"])
@admin_only
def certificates_page():
    form = CertificateForm()
    people = certificates.signing_users()
    form.user_id.choices = [(0, "— Chọn người —")] + [
        (u.id, f"{u.full_name} — {', '.join(u.role_labels)}") for u in people
    ]
    form.capacity.choices = [("", "Theo chức danh ghi trong chứng thư")] + [
        (c.value, label) for c, label in CAPACITY_LABELS.items()
    ]
    if form.validate_on_submit():
        user = db.session.get(User, form.user_id.data)
        data = form.file.data.read(certificates.MAX_P12_BYTES + 1) if form.file.data else b""
        try:
            if user is None:
                raise DomainError("Hãy chọn người trong danh sách.", "user_id")
            row = certificates.register(
                user, data, form.passphrase.data or "", current_user, form.capacity.data or None
            )
        except DomainError as err:
            db.session.rollback()
            apply_domain_error(form, err)
        else:
            db.session.commit()
            flash(
                f"Đã đăng ký chứng thư số của {user.full_name}: {row.holder} "
                f"({row.capacity_label}), hạn đến {row.not_after:%d/%m/%Y}.",
                "success",
            )
            return redirect_after_post(url_for("decisions.certificates_page"))
    registered = {c.user_id: c for c in certificates.registered_signers()}
    return render_template(
        "decisions/certificates.html",
        form=form,
        people=people,
        registered=registered,
        confirm_form=ConfirmForm(),
    )


@bp.post("/admin/certificates/<int:user_id>/remove")
@admin_only
def remove_certificate(user_id: int):
    user = get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        try:
            certificates.remove(user, current_user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            db.session.commit()
            flash(f"Đã gỡ chứng thư số của {user.full_name}.", "success")
    return redirect_after_post(url_for("decisions.certificates_page"))
