"""A commune's own settings (Quản trị › Thiết lập) and the onboarding of new communes by the
city's administrator (Quản trị › Xã, phường; `flask add-commune`), issue 20 item 2."""

from flask import Blueprint

from ..web.nav import nav_item

# cli_group=None: `flask add-commune`, beside `flask init-commune`.
bp = Blueprint("communes", __name__, url_prefix="/admin", cli_group=None)

nav_item("Thiết lập", "communes.settings", order=94, visible=lambda u: u.is_admin)
# Before "Thiết lập": the blueprint's other pages (onboarding, a commune's administrator) are
# this item's. Not "Xã, phường": the city's menu has that item already (its communes' figures).
nav_item(
    "Quản lý xã, phường",
    "communes.index",
    order=93,
    visible=lambda u: u.is_admin and u.at_city_level,
)

from . import cli, inbox, routes  # noqa: E402,F401
