"""Plans (kế hoạch CCHC): the secretariat creates, imports, edits and exports plans."""

from flask import Blueprint

from ..web.nav import nav_item

bp = Blueprint("plans", __name__, url_prefix="/plans")

nav_item(
    "Kế hoạch",
    "plans.index",
    order=20,
    visible=lambda u: u.is_authenticated,
    commune_only=True,
)

from . import decision_kinds, demo, inbox, routes  # noqa: E402,F401
