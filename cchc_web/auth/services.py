"""Signing in and changing one's own password: throttled, timed alike, audited."""

from __future__ import annotations

import secrets
from functools import lru_cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.emails import clean_email
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.settings import setting
from ..core.timeutil import utcnow
from ..models import User
from ..records import audit
from . import throttle
from .passwords import password_problem


class LoginRefused(Exception):
    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.locked = locked


# One message for a wrong password, an unknown username and a deactivated account, whether
# the password given for it was right or not: nothing tells which accounts exist.
WRONG_CREDENTIALS = (
    "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã ngừng hoạt động. "
    "Hãy kiểm tra lại, hoặc liên hệ quản trị hệ thống."
)
THROTTLED = (
    "Đăng nhập sai nhiều lần. Vui lòng thử lại sau {wait}, hoặc liên hệ quản trị hệ thống "
    "để được mở khóa."
)
CHANGE_THROTTLED = "Nhập sai mật khẩu hiện tại nhiều lần. Vui lòng thử lại sau {wait}."


@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    return generate_password_hash(secrets.token_hex(16), method)


def _check_unknown(password: str) -> None:
    """The same hashing work as for a real account, so that timing does not tell that the
    username does not exist."""
    check_password_hash(_dummy_hash(setting("PASSWORD_HASH_METHOD")), password)


def authenticate(username: str, password: str, address: str) -> User:
    """Return the user for valid credentials or raise LoginRefused.

    The attempt is counted before the password is checked (auth/throttle.py); a successful
    sign-in and every lock-out (a counter using up its free failures) go to the audit log.
    """
    username = username.strip().lower()[:64]
    address = (address or "unknown")[:64]
    reservation = throttle.reserve(username, address)
    if not reservation.allowed:
        raise LoginRefused(
            THROTTLED.format(wait=throttle.describe_wait(reservation.wait)), locked=True
        )
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        _check_unknown(password)
        ok = False
    else:
        ok = user.check_password(password) and user.active
    if not ok:
        if reservation.reached_limit:
            _record_lockout(username, address, user, reservation)
            db.session.commit()
        raise LoginRefused(WRONG_CREDENTIALS)
    throttle.succeeded(reservation, username, address)
    user.last_login_at = utcnow()
    audit.record("auth.login", user, after={"address": address}, actor=user)
    db.session.commit()
    return user


def _record_lockout(
    username: str, address: str, user: User | None, reservation: throttle.Reservation
) -> None:
    kinds = {"p": "account_address", "a": "address", "u": "account"}
    after = {
        "username": username,
        "address": address,
        "counters": sorted(kinds[key.name[0]] for key in reservation.reached_limit),
    }
    if user is not None:
        audit.record("auth.lockout", user, after=after, actor=None)
    else:
        audit.record_event("auth.lockout", "Login", username, after=after)


def record_logout(user: User) -> None:
    """Signing out ends every session of the account (copied cookies included)."""
    user.session_version = (user.session_version or 0) + 1
    audit.record("auth.logout", user, actor=user)


def change_own_password(user: User, current: str, new: str) -> None:
    """The current password proves it is the owner (five wrong tries, then growing waits);
    the new one follows the password rule; every other session of the account ends."""
    key = f"c:{user.id}"
    reservation = throttle.reserve_key(key, setting("LOGIN_FREE_FAILURES"))
    if not reservation.allowed:
        raise DomainError(
            CHANGE_THROTTLED.format(wait=throttle.describe_wait(reservation.wait)),
            field="current_password",
        )
    if not user.check_password(current):
        raise DomainError("Mật khẩu hiện tại không đúng.", field="current_password")
    throttle.clear_key(key)
    if current == new:
        raise DomainError("Mật khẩu mới phải khác mật khẩu hiện tại.", field="new_password")
    problem = password_problem(new, user.username)
    if problem:
        raise DomainError(problem, field="new_password")
    user.set_password(new)
    user.session_version = (user.session_version or 0) + 1
    audit.record("user.change_password", user, actor=user)


def set_own_reminders(user: User, email: str, enabled: bool) -> None:
    """The person's own e-mail address and whether they want the daily reminder e-mail."""
    before = {"email": user.email, "reminders_enabled": user.reminders_enabled}
    user.email = clean_email(email)
    user.reminders_enabled = enabled
    after = {"email": user.email, "reminders_enabled": user.reminders_enabled}
    if after != before:
        audit.record("user.update", user, before=before, after=after, actor=user)
