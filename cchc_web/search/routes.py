from flask_login import current_user, login_required

from ..web.views import render_page_or_fragment, search_query
from . import bp, services


@bp.get("/search")
@login_required
def index():
    """Every kind of record the user may open that the query finds, grouped by kind; to htmx
    (typing in the box) just the results."""
    search = search_query()
    return render_page_or_fragment(
        "search/index.html",
        "search/_results.html",
        search=search,
        groups=services.search_everything(current_user, search),
    )
