"""Decisions (quyết định) of the Chairman: drafting, approval, the signed PDF, verification.

Other modules plug in without this one importing them: :func:`register_draft_provider`
registers a kind (how its draft is built from its subject, what signing it changes), e.g. the
council registers its establishment and recognition Decisions (texts in :mod:`.texts`).

``/verify`` is public on purpose (no login): the QR code printed on every Decision leads
there, and whoever holds the paper or the file must be able to check it.
"""

from flask import Blueprint

from ..web.nav import nav_item
from .providers import Draft, DraftContent, DraftProvider, Selection, register_draft_provider

# cli_group=None: `flask demo-pki`, not `flask decisions demo-pki`.
bp = Blueprint("decisions", __name__, cli_group=None)


@bp.record_once
def _load_signing_key(state) -> None:
    from . import signing

    signing.init_app(state.app)


nav_item("Quyết định", "decisions.index", order=60)
nav_item("Kiểm tra văn bản", "decisions.verify", order=61)
nav_item("Chứng thư số", "decisions.certificates_page", order=93, visible=lambda u: u.is_admin)

__all__ = [
    "Draft",
    "DraftContent",
    "DraftProvider",
    "Selection",
    "bp",
    "register_draft_provider",
]

from . import certificate_routes, cli, demo, inbox, routes  # noqa: E402,F401
