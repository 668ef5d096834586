"""Decisions (quyết định) of the Chairman: drafting, approval, the signed PDF, verification.

Other modules plug in without this one importing them:

* :func:`register_draft_provider` pre-fills a new Decision of a kind from a subject
  (texts in :mod:`.texts`);
* :data:`decision_approved` is sent inside the approval transaction.

``/verify`` is public on purpose (no login): the QR code printed on every Decision leads
there, and whoever holds the paper or the file must be able to check it.
"""

from flask import Blueprint

from ..nav import nav_item
from .providers import DraftContent, register_draft_provider
from .signals import decision_approved, decision_returned

# cli_group=None: `flask demo-pki`, not `flask decisions demo-pki`.
bp = Blueprint("decisions", __name__, cli_group=None)


@bp.record_once
def _load_signing_key(state) -> None:
    from . import signing

    signing.init_app(state.app)


nav_item("Quyết định", "decisions.index", order=60)
nav_item("Kiểm tra văn bản", "decisions.verify", order=61)

__all__ = [
    "DraftContent",
    "bp",
    "decision_approved",
    "decision_returned",
    "register_draft_provider",
]

from . import cli, demo_data, routes  # noqa: E402,F401
