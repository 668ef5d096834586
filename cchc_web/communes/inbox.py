"""The city administrator's waiting work: a commune onboarded without an administrator."""

from __future__ import annotations

from datetime import date

from ..core.inbox import InboxItem, inbox_provider
from ..models import User
from . import onboarding


@inbox_provider(order=91)
def communes_without_administrator(user: User, today: date) -> list[InboxItem]:
    if not user.is_admin or not user.at_city_level:
        return []
    return [
        InboxItem(
            key=f"commune-admin-{commune.id}",
            kind="commune",
            title=f"Tạo tài khoản quản trị cho {commune.name}",
            detail="Chưa ai quản trị được người dùng, đơn vị và thiết lập của xã, phường này.",
            action="Tạo tài khoản quản trị",
            endpoint="communes.new_admin",
            args={"code": commune.code},
            remind=False,
        )
        for commune in onboarding.without_administrator(user.commune)
    ]
