from flask import render_template
from flask_login import current_user, login_required

from ..core.inbox import KINDS, waiting_for
from ..core.timeutil import local_today
from ..web.nav import items_for
from . import bp


@bp.get("/")
@login_required
def home():
    """The inbox: what waits for the signed-in person, most urgent first, each line a link to
    the page where it is done; when nothing waits, what is next and the person's pages."""
    today = local_today()
    items = waiting_for(current_user, today)
    return render_template(
        "home/home.html",
        items=items,
        today=today,
        kinds=KINDS,
        overdue=sum(1 for item in items if item.due is not None and item.due < today),
        shortcuts=items_for(current_user),
    )
