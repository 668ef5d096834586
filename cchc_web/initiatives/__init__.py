from flask import Blueprint

from ..models import Role
from ..web.nav import nav_item

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

nav_item(
    "Sáng kiến",
    "initiatives.index",
    order=40,
    visible=lambda u: u.sees_all_offices or u.has_role(Role.STAFF, Role.HEAD),
)

from . import decision_kinds, demo, inbox, routes  # noqa: E402,F401
