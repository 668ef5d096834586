"""Quản trị › Chứng thư số: the administrator registers each signer's personal certificate."""

from __future__ import annotations

from flask import render_template, url_for
from flask_login import current_user

from ..core.errors import DomainError
from ..core.extensions import db
from ..models import CAPACITY_LABELS, User
from ..web.forms import ConfirmForm
from ..web.security import admin_only, get_or_404
from ..web.views import run_action
from . import bp, certificates
from .forms import CertificateForm


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

    def register():
        user = db.session.get(User, form.user_id.data)
        if user is None:
            raise DomainError("Hãy chọn người trong danh sách.", "user_id")
        data = form.file.data.read(certificates.MAX_P12_BYTES + 1) if form.file.data else b""
        return certificates.register(
            user, data, form.passphrase.data or "", current_user, form.capacity.data or None
        )

    if done := run_action(
        register,
        form=form,
        success=lambda row: (
            f"Đã đăng ký chứng thư số của {row.user.full_name}: {row.holder} "
            f"({row.capacity_label}), hạn đến {row.not_after:%d/%m/%Y}."
        ),
        to=url_for("decisions.certificates_page"),
    ):
        return done
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
    return run_action(
        lambda: certificates.remove(user, current_user),
        success=f"Đã gỡ chứng thư số của {user.full_name}.",
        to=url_for("decisions.certificates_page"),
        failed=url_for("decisions.certificates_page"),
    )
