from flask import Blueprint

from ..models import Role
from ..web.nav import at_city_level, nav_item

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

nav_item(
    "Sáng kiến",
    "initiatives.index",
    order=40,
    visible=lambda u: u.sees_all_offices or u.has_role(Role.STAFF, Role.HEAD),
)
# The initiatives the communes nominate to the city, for the city's secretariat and leaders.
# After "Sáng kiến" (40), so that the initiatives' other pages still belong to that item.
nav_item(
    "Đề nghị của các xã, phường",
    "initiatives.nominated",
    order=42,
    visible=lambda u: at_city_level(u) and (u.is_secretariat or u.is_leader),
)

from . import cli, decision_kinds, demo, inbox, routes  # noqa: E402,F401
