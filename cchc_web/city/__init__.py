"""The city level's pages (issue 20, item 3): the city dashboard comparing its communes, one
commune read-only, and Sở Nội vụ's appraisal of a commune's PAR Index. For the users of the
city's own tenant only (`User.at_city_level`); everyone else gets 404, as for any page that is
not theirs. The city reads its communes through services.py (ALL_COMMUNES and an explicit
filter on its communes) and writes only its own rows."""

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from ..web.nav import at_city_level, nav_item
from ..web.security import is_public_endpoint

bp = Blueprint("city", __name__, url_prefix="/city")


nav_item("Tổng quan thành phố", "city.dashboard", order=4, visible=at_city_level)
nav_item("Xã, phường", "city.communes", order=6, visible=at_city_level)
# A commune's own work: the city reads it on its own pages, never through the commune's.
COMMUNE_ONLY_BLUEPRINTS = frozenset(
    {"plans", "offices", "reports", "dashboard", "par_index", "sipas"}
)
CITY_REDIRECT_MESSAGE = (
    "Trang này là công việc riêng của từng xã, phường. Thành phố xem kế hoạch, báo cáo và "
    "chỉ số CCHC của các xã, phường tại Tổng quan thành phố."
)


@bp.before_request
def _city_users_only():
    if not at_city_level(current_user):
        abort(404)


@bp.before_app_request
def _send_city_users_to_their_pages():
    """A city user on a commune's own page (a bookmark, a typed address): the city's dashboard
    for a page to read; a refusal for an action (nothing of the commune's is changed)."""
    if request.blueprint not in COMMUNE_ONLY_BLUEPRINTS or not at_city_level(current_user):
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    if is_public_endpoint(request.endpoint, view):
        return None
    if request.method in ("GET", "HEAD"):
        flash(CITY_REDIRECT_MESSAGE, "info")
        return redirect(url_for("city.dashboard"), code=303)
    abort(403)


from . import demo, inbox, routes  # noqa: E402,F401
