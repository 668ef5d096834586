"""The reform dashboard (/dashboard/) for leaders and the standing office: progress by field
and office, late tasks with their catch-up plans, objectives, report compliance."""

from flask import Blueprint

from ..web.nav import nav_item

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


def can_see_dashboard(user) -> bool:
    return user.is_leader or user.is_secretariat


nav_item("Tổng quan CCHC", "dashboard.index", order=5, visible=can_see_dashboard, commune_only=True)

from . import routes  # noqa: E402,F401
