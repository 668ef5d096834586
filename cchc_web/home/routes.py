from flask import render_template
from flask_login import current_user, login_required

from ..web.nav import items_for
from . import bp


@bp.get("/")
@login_required
def home():
    return render_template("home/home.html", shortcuts=items_for(current_user))
