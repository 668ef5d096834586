"""The administrator's waiting work: accounts without an e-mail address receive no reminder."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from ..core.extensions import db
from ..core.inbox import InboxItem, inbox_provider
from ..models import User


@inbox_provider(order=90)
def accounts_without_email(user: User, today: date) -> list[InboxItem]:
    if not user.is_admin:
        return []
    missing = db.session.scalar(
        select(func.count(User.id)).where(User.active.is_(True), User.email == "")
    )
    if not missing:
        return []
    return [
        InboxItem(
            key="account-email",
            kind="account",
            title=f"Nhập địa chỉ e-mail cho {missing} tài khoản",
            detail="Tài khoản chưa có e-mail không nhận được thư nhắc hạn công việc.",
            action="Mở danh sách người dùng",
            endpoint="admin.users",
            args={"status": "no_email"},
            remind=False,
        )
    ]
