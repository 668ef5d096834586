from flask import Blueprint

from ..web.nav import nav_item

bp = Blueprint("par_index", __name__, url_prefix="/par-index")

# Every office sees its own leaves; the secretariat and leaders see the whole set.
nav_item(
    "Chỉ số CCHC",
    "par_index.index",
    order=40,
    visible=lambda u: u.sees_all_offices or u.office_id is not None,
    commune_only=True,
)

from . import demo, inbox, routes  # noqa: E402,F401
