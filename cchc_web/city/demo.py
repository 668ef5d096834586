"""Demo: Sở Nội vụ has begun appraising Xã Chí Minh's 2025 PAR Index (a few criteria
accepted, one adjusted with its reason); Phường Gia Viên's waits for it (the inbox of
tp.snv.canbo and tp.snv.lanhdao). Timestamps are the run's: nothing in the future."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..admin import services as org
from ..core import tenancy
from ..core.demo import demo_seeder
from ..core.extensions import db
from ..models import CityAppraisal, Commune, IndexItem, IndexSet, ScoringMethod, SelfScore
from . import services

APPRAISED = 8  # criteria of Xã Chí Minh the city has appraised


@demo_seeder(order=97)
def seed_city_appraisal() -> None:
    city = db.session.scalar(select(Commune).where(Commune.kind == "thanh_pho"))
    commune = db.session.scalar(select(Commune).where(Commune.name == "Xã Chí Minh"))
    if city is None or commune is None or commune.parent_id != city.id:
        return
    with tenancy.acting_for(db.session(), city.id):
        appraiser = org.user_by_username("tp.snv.canbo")
        if appraiser is None or db.session.scalar(select(CityAppraisal.id).limit(1)):
            return
        item_ids = db.session.scalars(
            services.across(
                select(IndexItem.id)
                .join(IndexSet, IndexSet.id == IndexItem.set_id)
                .join(SelfScore, SelfScore.item_id == IndexItem.id)
                .where(
                    IndexSet.commune_id == commune.id,
                    IndexSet.year == 2025,
                    IndexItem.method == ScoringMethod.SELF,
                )
                .order_by(IndexItem.sort_order)
                .limit(APPRAISED)
            )
        ).all()
        for n, item_id in enumerate(item_ids):
            item = services.item_of_city(city.id, item_id)
            score = item.self_score.score
            if n == 2 and score > 0:
                services.appraise(
                    city,
                    item,
                    appraiser,
                    accepted=False,
                    adjusted_score=max(score - Decimal("0.5"), Decimal("0")),
                    reason="Minh chứng chưa thể hiện việc ban hành đúng hạn theo quy định.",
                )
            else:
                services.appraise(city, item, appraiser, accepted=True)
        db.session.flush()
