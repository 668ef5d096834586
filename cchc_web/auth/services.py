"""Logging in: password check and the lockout after repeated failures."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select

from ..extensions import db
from ..models import LoginAttempt, User
from ..timeutil import utcnow


class LoginRefused(Exception):
    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


WRONG_CREDENTIALS = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED = (
    "Đăng nhập sai quá {n} lần trong {m} phút. Vui lòng thử lại sau {m} phút "
    "hoặc liên hệ quản trị hệ thống."
)


def _failures_since(column, value: str, since) -> int:
    stmt = select(func.count()).where(column == value, ~LoginAttempt.succeeded)
    stmt = stmt.where(LoginAttempt.at >= since)
    if column is LoginAttempt.username:
        # A successful login clears the account's earlier failures.
        last_ok = (
            select(func.max(LoginAttempt.at))
            .where(LoginAttempt.username == value, LoginAttempt.succeeded)
            .scalar_subquery()
        )
        stmt = stmt.where(or_(last_ok.is_(None), LoginAttempt.at > last_ok))
    return db.session.scalar(stmt) or 0


def is_locked(username: str, address: str) -> bool:
    """Five failures for one account or one address within the window lock both out."""
    window: timedelta = current_app.config["LOGIN_WINDOW"]
    limit: int = current_app.config["LOGIN_MAX_FAILURES"]
    since = utcnow() - window
    return (
        _failures_since(LoginAttempt.username, username, since) >= limit
        or _failures_since(LoginAttempt.address, address, since) >= limit
    )


def authenticate(username: str, password: str, address: str) -> User:
    """Return the user for valid credentials or raise LoginRefused; every attempt is recorded."""
    username = username.strip().lower()[:64]
    address = (address or "unknown")[:64]
    window: timedelta = current_app.config["LOGIN_WINDOW"]
    if is_locked(username, address):
        minutes = int(window.total_seconds() // 60)
        raise LoginRefused(
            LOCKED.format(n=current_app.config["LOGIN_MAX_FAILURES"], m=minutes), locked=True
        )
    user = db.session.scalar(select(User).where(User.username == username))
    ok = user is not None and user.check_password(password) and user.active
    db.session.add(LoginAttempt(username=username, address=address, succeeded=ok))
    # Old rows serve no rule; trimming here keeps the table small without a cron job.
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.at < utcnow() - window * 8))
    if ok:
        user.last_login_at = utcnow()
    db.session.commit()
    if user is not None and not user.active and user.check_password(password):
        raise LoginRefused("Tài khoản đã bị khóa. Vui lòng liên hệ quản trị hệ thống.")
    if not ok:
        raise LoginRefused(WRONG_CREDENTIALS)
    return user
