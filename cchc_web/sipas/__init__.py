"""Citizens' satisfaction (SIPAS, SPEC §8): the questionnaire, answering without an account
(a kiosk at the counter, a receipt's QR code on a phone), results, feedback items, and the
objectives the answers feed."""

from flask import Blueprint

from ..models.sipas import can_issue_receipts, can_view_results
from ..web.nav import nav_item

bp = Blueprint("sipas", __name__, url_prefix="/sipas")

nav_item(
    "Sự hài lòng",
    "sipas.index",
    order=45,
    visible=lambda u: can_view_results(u) or can_issue_receipts(u),
    commune_only=True,
)

from . import demo, public, routes  # noqa: E402,F401


@bp.context_processor
def _permissions() -> dict:
    """What the survey's menu may show the current user (pages of this blueprint only)."""
    from flask_login import current_user

    from ..models.sipas import can_manage

    return {
        "sipas_may": {
            "results": can_view_results(current_user),
            "receipts": can_issue_receipts(current_user),
            "manage": can_manage(current_user),
        }
    }
