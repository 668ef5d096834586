"""The office workspace (/offices/<code>/): one blueprint serving every office."""

from flask import Blueprint

from ..web.nav import nav_item

bp = Blueprint("offices", __name__, url_prefix="/offices")


def _own_office(user) -> dict:
    return {"code": user.office.code.lower()} if user.office else {}


nav_item(
    "Đơn vị của tôi",
    "offices.workspace",
    order=10,
    visible=lambda u: u.office is not None,
    url_kwargs=_own_office,
    commune_only=True,
)
nav_item(
    "Các đơn vị",
    "offices.index",
    order=11,
    visible=lambda u: u.sees_all_offices,
    commune_only=True,
)

from . import routes  # noqa: E402,F401
