"""The council's work waiting for someone: sheets to score, the quorum the chair waits for
(or may close on), the minutes to produce and sign, a council to compose."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..core.extensions import db
from ..core.inbox import InboxItem, inbox_provider
from ..models import (
    Council,
    CouncilMember,
    CouncilState,
    Decision,
    DecisionKind,
    DecisionState,
    Initiative,
    InitiativeAuthor,
    InitiativeState,
    Position,
    Round,
    Score,
    User,
)
from . import services


def _may_score():
    """The join condition of an initiative a member (CouncilMember joined with its Council
    and User) may score: `Council.conflicted` in SQL."""
    authored = (
        select(InitiativeAuthor.initiative_id)
        .where(
            InitiativeAuthor.initiative_id == Initiative.id,
            InitiativeAuthor.user_id == CouncilMember.user_id,
        )
        .exists()
    )
    return (
        (Initiative.round_id == Council.round_id)
        & Initiative.state.in_(services.BEFORE_COUNCIL_STATES)
        & (User.office_id.is_(None) | (Initiative.office_id != User.office_id))
        & ~authored
    )


def _sheets(
    council_ids: list[int], own: list[int]
) -> tuple[dict[int, list[int]], dict[int, tuple[int, int]], dict[int, int]]:
    """For the scoring councils the person chairs (`council_ids`): their members' ids; and per
    member, of those and of the person's `own` memberships, (sheets to score, sheets
    submitted) and the first initiative left to score (where the inbox's line leads: the sheet
    itself), counting only the initiatives the member may score (not their office's, not
    their own: `Council.conflicted`). One statement whatever the number of sheets; a member
    with nothing to score is there with (0, 0)."""
    if not council_ids and not own:
        return {}, {}, {}
    # A member's sheets are unique per initiative, and the services open one only for an
    # initiative the member may score: the submitted sheets joined to those initiatives.
    rows = db.session.execute(
        select(
            CouncilMember.id,
            CouncilMember.council_id,
            func.count(Initiative.id),
            func.count(Score.id),
            func.min(case((Score.id.is_(None), Initiative.id))),
        )
        .join(Council, Council.id == CouncilMember.council_id)
        .join(User, User.id == CouncilMember.user_id)
        .outerjoin(Initiative, _may_score())
        .outerjoin(
            Score,
            (Score.member_id == CouncilMember.id)
            & (Score.initiative_id == Initiative.id)
            & Score.submitted_at.is_not(None),
        )
        .where(CouncilMember.council_id.in_(council_ids) | CouncilMember.id.in_(own))
        .group_by(CouncilMember.id, CouncilMember.council_id)
    ).all()
    members: dict[int, list[int]] = defaultdict(list)
    progress: dict[int, tuple[int, int]] = {}
    next_sheet: dict[int, int] = {}
    chaired = set(council_ids)
    for member_id, council_id, total, done, first_left in rows:
        if council_id in chaired:
            members[council_id].append(member_id)
        progress[member_id] = (total, done)
        if first_left is not None:
            next_sheet[member_id] = first_left
    return members, progress, next_sheet


@inbox_provider(order=40)
def council_work(user: User, today: date) -> list[InboxItem]:
    memberships = db.session.scalars(
        select(CouncilMember)
        .join(CouncilMember.council)
        .join(Council.round)
        .options(contains_eager(CouncilMember.council).contains_eager(Council.round))
        .where(
            CouncilMember.user_id == user.id,
            Council.state.in_((CouncilState.SCORING, CouncilState.CLOSED)),
        )
    ).all()
    scoring = [m for m in memberships if m.council.state == CouncilState.SCORING]
    members, progress, next_sheet = _sheets(
        [m.council_id for m in scoring if m.position == Position.CHAIR], [m.id for m in scoring]
    )
    items: list[InboxItem] = []
    for member in memberships:
        council = member.council
        rnd = council.round
        args = {"council_id": council.id}
        if council.state == CouncilState.SCORING:
            total, done = progress.get(member.id, (0, 0))
            if done < total:
                items.append(
                    InboxItem(
                        key=f"council-score:{member.id}",
                        kind="council",
                        title=f"Chấm {total - done}/{total} sáng kiến ({rnd.title})",
                        detail="Phiếu chấm của tôi: sáng kiến chưa chấm hoặc chưa gửi phiếu.",
                        action="Chấm điểm",
                        # The first sheet left (the list of every sheet is one click away).
                        endpoint="council.score" if member.id in next_sheet else "council.my_list",
                        args=(
                            {**args, "initiative_id": next_sheet[member.id]}
                            if member.id in next_sheet
                            else args
                        ),
                        due=rnd.decision_deadline,
                    )
                )
            if member.position == Position.CHAIR:
                everyone = members[council.id]
                finished = sum(
                    1 for m in everyone if progress.get(m, (0, 0))[1] >= progress.get(m, (0, 0))[0]
                )
                met = finished * rnd.quorum_den >= len(everyone) * rnd.quorum_num
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
                            f"{finished}/{len(everyone)} thành viên đã chấm xong; cần ít nhất "
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


@inbox_provider(order=42)
def councils_to_set_up(user: User, today: date) -> list[InboxItem]:
    """The city's standing office: its round has received the communes' nominations and has
    no council yet. (A commune's standing office composes its council before accepting, from
    the round's deadline: `councils_to_compose`; its pages keep their statements.)"""
    if not (user.is_secretariat and user.at_city_level):
        return []
    accepted = (
        select(Initiative.id)
        .where(
            Initiative.round_id == Round.id,
            Initiative.state == InitiativeState.ACCEPTED,
        )
        .exists()
    )
    without = ~select(Council.id).where(Council.round_id == Round.id).exists()
    rounds = db.session.scalars(select(Round).where(accepted, without).order_by(Round.year)).all()
    return [
        InboxItem(
            key=f"council-setup:{rnd.id}",
            kind="council",
            title=f"Lập Hội đồng đánh giá sáng kiến ({rnd.title})",
            detail="Đã có sáng kiến được tiếp nhận chờ Hội đồng chấm điểm.",
            action="Lập Hội đồng",
            endpoint="council.index",
            due=rnd.decision_deadline,
        )
        for rnd in rounds
    ]
