from flask import Blueprint

from ..web.nav import nav_item

bp = Blueprint("admin", __name__, url_prefix="/admin")

nav_item("Người dùng", "admin.users", order=90, visible=lambda u: u.is_admin)
nav_item("Đơn vị", "admin.offices", order=91, visible=lambda u: u.is_admin)
nav_item("Nhật ký", "admin.audit_log", order=92, visible=lambda u: u.is_admin)

from . import inbox, routes  # noqa: E402,F401
