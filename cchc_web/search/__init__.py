"""One search box in the header (/search?q=): every kind of record the user may open, each
kind found by the same rule as its own list (the domains' visible_* selects)."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from . import routes  # noqa: E402,F401
