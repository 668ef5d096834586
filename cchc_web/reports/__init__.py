"""Periodic reports (/reports/): offices write and submit, the standing office decides."""

from flask import Blueprint

from ..web.nav import nav_item

bp = Blueprint("reports", __name__, url_prefix="/reports")

nav_item(
    "Báo cáo",
    "reports.index",
    order=30,
    visible=lambda u: u.office is not None or u.sees_all_offices,
    commune_only=True,
)

from . import demo, inbox, routes  # noqa: E402,F401
