from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import SQLAlchemyError

from ..core.extensions import db
from ..web import sessions
from ..web.faults import safe_rollback
from ..web.forms import LoginForm
from ..web.views import run_action
from . import bp
from .forms import ChangePasswordForm, RemindersForm
from .services import (
    LoginRefused,
    authenticate,
    change_own_password,
    record_logout,
    set_own_reminders,
)


def safe_next(target: str | None) -> str:
    """Only a local path may follow login: no scheme, no host, no protocol-relative URL."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for("home.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    error, status = None, 200
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr)
        except LoginRefused as refused:
            error = refused.message
            status = 429 if refused.locked else 200
        else:
            sessions.start(user)
            return redirect(safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    user = current_user._get_current_object()
    try:
        record_logout(user)
        db.session.commit()
    except SQLAlchemyError:
        # This browser is signed out all the same; the other sessions could not be ended.
        safe_rollback(db.session)
        current_app.logger.warning("Sign-out could not raise the session version", exc_info=True)
        sessions.end()
        flash(
            "Đã đăng xuất trên máy này. Hệ thống chưa kết thúc được các phiên đăng nhập ở nơi "
            "khác vì cơ sở dữ liệu không trả lời; hãy đăng xuất lại sau.",
            "warning",
        )
        return redirect(url_for("auth.login"))
    sessions.end()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()

    def changed(_) -> str:
        sessions.keep_current(user)  # once committed: this session goes on, the others end
        return "Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc."

    if done := run_action(
        lambda: change_own_password(user, form.current_password.data, form.new_password.data),
        form=form,
        success=changed,
        to=url_for("home.home"),
    ):
        return done
    return render_template("auth/password.html", form=form)


@bp.route("/account/reminders", methods=["GET", "POST"])
@login_required
def reminders():
    """The person's e-mail address and their choice of the daily reminder e-mail."""
    user = current_user._get_current_object()
    form = RemindersForm(obj=user if request.method == "GET" else None)
    if done := run_action(
        lambda: set_own_reminders(user, form.email.data or "", bool(form.reminders_enabled.data)),
        form=form,
        success="Đã lưu cách nhận thư nhắc việc.",
        to=url_for("home.home"),
    ):
        return done
    return render_template("auth/reminders.html", form=form)
