"""The PAR Index waiting: the office's leaves to self-score before the set's deadline; the
standing office's self-scores to appraise."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ..core.extensions import db
from ..core.inbox import InboxItem, inbox_provider
from ..models import Appraisal, IndexItem, IndexSet, Role, ScoringMethod, SelfScore, SetStatus, User


def _leaf():
    child = aliased(IndexItem)
    return ~select(child.id).where(child.parent_id == IndexItem.id).exists()


@inbox_provider(order=60)
def par_to_score(user: User, today: date) -> list[InboxItem]:
    if user.office is None or not user.has_role(Role.STAFF, Role.HEAD):
        return []
    rows = db.session.execute(
        select(IndexSet.id, IndexSet.year, IndexSet.deadline, func.count(IndexItem.id))
        .join(IndexItem, IndexItem.set_id == IndexSet.id)
        .outerjoin(SelfScore, SelfScore.item_id == IndexItem.id)
        .where(
            IndexSet.status == SetStatus.OPEN,
            IndexItem.office_id == user.office_id,
            IndexItem.method == ScoringMethod.SELF,
            SelfScore.id.is_(None),
            _leaf(),
        )
        .group_by(IndexSet.id, IndexSet.year, IndexSet.deadline)
        .order_by(IndexSet.year)
    ).all()
    return [
        InboxItem(
            key=f"par-score:{set_id}:{user.office_id}",
            kind="par",
            title=f"Tự chấm {count} tiêu chí Chỉ số CCHC năm {year}",
            detail="Tiêu chí giao đơn vị chưa có điểm tự đánh giá và minh chứng.",
            action="Tự chấm điểm",
            endpoint="par_index.mine",
            args={"set_id": set_id},
            due=deadline,
        )
        for set_id, year, deadline, count in rows
    ]


@inbox_provider(order=61)
def par_to_appraise(user: User, today: date) -> list[InboxItem]:
    if not user.is_secretariat:
        return []
    rows = db.session.execute(
        select(IndexSet.id, IndexSet.year, IndexSet.deadline, func.count(SelfScore.id))
        .join(IndexItem, IndexItem.set_id == IndexSet.id)
        .join(SelfScore, SelfScore.item_id == IndexItem.id)
        .outerjoin(Appraisal, Appraisal.self_score_id == SelfScore.id)
        .where(IndexSet.status != SetStatus.DRAFT, Appraisal.id.is_(None))
        .group_by(IndexSet.id, IndexSet.year, IndexSet.deadline)
        .order_by(IndexSet.year)
    ).all()
    return [
        InboxItem(
            key=f"par-appraise:{set_id}",
            kind="par",
            title=f"Thẩm định {count} điểm tự chấm Chỉ số CCHC năm {year}",
            detail="Các đơn vị đã tự chấm; Thường trực CCHC thẩm định từng tiêu chí.",
            action="Thẩm định",
            endpoint="par_index.overview",
            args={"set_id": set_id},
            due=deadline,
            remind=False,
        )
        for set_id, year, deadline, count in rows
    ]
