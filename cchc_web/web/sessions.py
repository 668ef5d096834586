"""Sessions that can end: at sign-out (everywhere), at a password change (elsewhere), after
SESSION_IDLE_MINUTES without a request.

The session cookie is signed, not stored: until issue 15 a copy taken before sign-out kept
working. Now each account has a `session_version`; sign-in copies it into the session, the user
loader compares it on every request (with the user, in the same statement), and sign-out or a
password change raises it. Sign-in starts from an empty session, so the CSRF token and anything
planted in the cookie before are gone.

A session that ended answers in a way that keeps what the user was typing: an htmx request gets
401 (static/js/app.js says so above the form, which stays as it is), a plain form POST gets the
sign-in page with the text shown back, a page request is sent to sign in with the reason.
"""

from __future__ import annotations

import time

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user

from ..core.extensions import htmx
from .faults import shown_fields
from .forms import LoginForm

VERSION_KEY = "_sv"
SEEN_KEY = "_seen"
SEEN_RESOLUTION = 60  # seconds: the cookie is rewritten at most once a minute for the idle clock

IDLE = (
    "Phiên làm việc đã hết hạn vì không có thao tác nào trong {minutes} phút. "
    "Vui lòng đăng nhập lại."
)
REVOKED = (
    "Phiên đăng nhập đã kết thúc (tài khoản đã đăng xuất, đổi mật khẩu hoặc bị khóa). "
    "Vui lòng đăng nhập lại."
)


def start(user) -> None:
    """Sign `user` in on a fresh session: a new CSRF token, nothing kept from before."""
    session.clear()
    login_user(user)
    session[VERSION_KEY] = user.session_version or 0
    session[SEEN_KEY] = int(time.time())


def end() -> None:
    logout_user()
    session.clear()


def version_matches(user) -> bool:
    """Called by the user loader: a session from before the last sign-out or password change
    (or a cookie copied then) no longer signs anyone in. A session without the key predates
    session versions and counts as version 0."""
    return session.get(VERSION_KEY, 0) == (user.session_version or 0)


def keep_current(user) -> None:
    """After a password change: this session goes on, every other one has ended."""
    session[VERSION_KEY] = user.session_version or 0


def idle_expired() -> bool:
    """Has the signed-in session been idle too long? Refreshes the idle clock otherwise."""
    if "_user_id" not in session:
        return False
    now = int(time.time())
    seen = session.get(SEEN_KEY)
    limit = current_app.config["SESSION_IDLE_MINUTES"] * 60
    if isinstance(seen, int) and limit > 0 and now - seen > limit:
        return True
    if not isinstance(seen, int) or now - seen >= SEEN_RESOLUTION:
        session[SEEN_KEY] = now
    return False


def ended_response(reason: str, public: bool):
    """The answer to a request whose session just ended (`reason`: "idle" or "revoked")."""
    message = (
        IDLE.format(minutes=current_app.config["SESSION_IDLE_MINUTES"])
        if reason == "idle"
        else REVOKED
    )
    shown = shown_fields()
    end()
    if public:
        flash(message, "info")
        return None
    if htmx:
        response = current_app.response_class(status=401)
        response.headers["X-CCHC-Error"] = "session"
        response.headers["X-CCHC-Saved"] = "0"
        return response
    if request.method == "POST" and request.endpoint != "auth.logout":
        page = render_template(
            "auth/login.html",
            form=LoginForm(formdata=None),
            error=None,
            notice=message,
            shown=shown,
            action=url_for("auth.login"),
        )
        return page, 401
    flash(message, "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
