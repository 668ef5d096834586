from flask import Blueprint

from ..models import Role
from ..web.nav import nav_item

bp = Blueprint("council", __name__, url_prefix="/council")

nav_item(
    "Hội đồng sáng kiến",
    "council.index",
    order=41,
    visible=lambda u: u.is_secretariat or u.is_leader or u.has_role(Role.COUNCIL_MEMBER),
)

from . import decision_kinds, demo, inbox, routes  # noqa: E402,F401
