from flask import render_template
from flask_login import current_user, login_required

from ..nav import items_for
from . import bp


@bp.get("/")
@login_required
def home():
    return render_template("dashboard/home.html", shortcuts=items_for(current_user))
