"""The council's work waiting for someone: sheets to score, the quorum the chair waits for
(or may close on), the minutes to produce and sign, a council to compose."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..core.extensions import db
from ..core.inbox import InboxItem, inbox_provider
from ..models import (
    Council,
    CouncilMember,
    CouncilState,
    Decision,
    DecisionKind,
    DecisionState,
    Position,
    Score,
    User,
)
from . import services


@inbox_provider(order=40)
def council_work(user: User, today: date) -> list[InboxItem]:
    memberships = db.session.scalars(
        select(CouncilMember)
        .join(Council, Council.id == CouncilMember.council_id)
        .options(selectinload(CouncilMember.council).selectinload(Council.round))
        .where(
            CouncilMember.user_id == user.id,
            Council.state.in_((CouncilState.SCORING, CouncilState.CLOSED)),
        )
    ).all()
    items: list[InboxItem] = []
    for member in memberships:
        council = member.council
        rnd = council.round
        args = {"council_id": council.id}
        if council.state == CouncilState.SCORING:
            mine = services.to_score_query(council, member).subquery()
            total = db.session.scalar(select(func.count()).select_from(mine)) or 0
            done = (
                db.session.scalar(
                    select(func.count())
                    .select_from(Score)
                    .where(
                        Score.member_id == member.id,
                        Score.submitted_at.is_not(None),
                        Score.initiative_id.in_(select(mine.c.id)),
                    )
                )
                or 0
            )
            if done < total:
                items.append(
                    InboxItem(
                        key=f"council-score:{member.id}",
                        kind="council",
                        title=f"Chấm {total - done}/{total} sáng kiến ({rnd.title})",
                        detail="Phiếu chấm của tôi: sáng kiến chưa chấm hoặc chưa gửi phiếu.",
                        action="Chấm điểm",
                        endpoint="council.my_list",
                        args=args,
                        due=rnd.decision_deadline,
                    )
                )
            if member.position == Position.CHAIR:
                finished = len(services.members_done(council))
                members = len(council.members)
                met = finished * rnd.quorum_den >= members * rnd.quorum_num
                items.append(
                    InboxItem(
                        key=f"council-quorum:{council.id}",
                        kind="council",
                        title=(
                            "Kết thúc chấm điểm: Hội đồng đã đủ túc số"
                            if met
                            else "Hội đồng chờ đủ túc số để kết thúc chấm điểm"
                        ),
                        detail=(
                            f"{finished}/{members} thành viên đã chấm xong; cần ít nhất "
                            f"{rnd.quorum_num}/{rnd.quorum_den} số thành viên."
                        ),
                        action="Mở Hội đồng",
                        endpoint="council.detail",
                        args=args,
                        due=rnd.decision_deadline,
                    )
                )
        elif council.minutes_attachment_id is None and member.position == Position.SECRETARY:
            items.append(
                InboxItem(
                    key=f"council-minutes:{council.id}",
                    kind="council",
                    title="Lập và ký biên bản họp Hội đồng",
                    detail=f"{rnd.title}: Hội đồng đã kết thúc chấm điểm.",
                    action="Mở Hội đồng",
                    endpoint="council.detail",
                    args=args,
                    due=rnd.decision_deadline,
                )
            )
        elif (
            council.minutes_attachment_id is not None
            and council.minutes_chair_signed_at is None
            and member.position == Position.CHAIR
        ):
            items.append(
                InboxItem(
                    key=f"council-minutes-sign:{council.id}",
                    kind="council",
                    title="Ký biên bản họp Hội đồng",
                    detail=f"{rnd.title}: Thư ký Hội đồng đã lập và ký biên bản.",
                    action="Mở Hội đồng",
                    endpoint="council.detail",
                    args=args,
                    due=rnd.decision_deadline,
                )
            )
    return items


@inbox_provider(order=41)
def councils_to_compose(user: User, today: date) -> list[InboxItem]:
    """The standing office composes a council and drafts the Decision that establishes it."""
    if not user.is_secretariat:
        return []
    waiting = (
        select(Decision.id)
        .where(
            Decision.council_id == Council.id,
            Decision.kind == DecisionKind.COUNCIL_ESTABLISHMENT,
            Decision.state == DecisionState.SUBMITTED,
        )
        .exists()
    )
    councils = db.session.scalars(
        select(Council)
        .options(selectinload(Council.round))
        .where(Council.state == CouncilState.COMPOSING, ~waiting)
    ).all()
    return [
        InboxItem(
            key=f"council-compose:{council.id}",
            kind="council",
            title="Lập danh sách Hội đồng và trình Quyết định thành lập",
            detail=f"{council.round.title}: Hội đồng chưa được thành lập.",
            action="Mở Hội đồng",
            endpoint="council.detail",
            args={"council_id": council.id},
            due=council.round.submission_deadline,
        )
        for council in councils
    ]
