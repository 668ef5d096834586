"""Demo data: the demo PKI and one approved, signed Decision.

The 2025 council-establishment and recognition Decisions proper need the initiatives data;
once wired, the initiatives seeder makes them through the same services. Until then the
demo council Decision is built from the demo accounts with the same default texts.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from ..admin import services as org
from ..demo import demo_seeder
from ..extensions import db
from ..models import Commune, Decision, DecisionKind
from . import services, signing
from .texts import council_establishment_content

DEMO_COUNCIL = [
    ("vhxh.lanhdao", "Chủ tịch Hội đồng"),
    ("vp.lanhdao", "Phó Chủ tịch Hội đồng"),
    ("vhxh.canbo", "Thư ký Hội đồng"),
    ("kt.lanhdao", "Ủy viên"),
    ("hcc.lanhdao", "Ủy viên"),
]


def _members() -> list[dict]:
    members = []
    for username, role in DEMO_COUNCIL:
        user = org.user_by_username(username)
        if user is not None:
            members.append({"name": user.full_name, "position": user.position_title, "role": role})
    return members


@demo_seeder(order=90)
def seed_decisions() -> None:
    """A demo PKI and the 2025 council-establishment Decision, approved and signed."""
    app = current_app._get_current_object()
    commune = Commune.current()
    secretariat = org.user_by_username("vhxh.canbo")
    chairman = org.user_by_username("chutich")
    if commune is None or secretariat is None or chairman is None:
        return
    if not signing.configured(app):
        signing.make_demo_pki(signing.demo_dir(app), commune.name)
    if signing.state(app).signer is None:
        signing.reload(app)
    already = db.session.scalars(
        select(Decision.id).where(Decision.kind == DecisionKind.COUNCIL_ESTABLISHMENT.value)
    ).first()
    if already is not None:
        return
    content = council_establishment_content(commune.name, 2025, _members())
    decision = services.create_from_content(
        DecisionKind.COUNCIL_ESTABLISHMENT, content, secretariat, year=2025
    )
    services.submit(decision, secretariat)
    services.approve(decision, chairman, issued_on=date(2025, 9, 10))
