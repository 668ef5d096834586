"""The initiatives waiting for someone: the office's drafts and returned ones to complete and
send before the round's deadline; the standing office's submitted ones to accept or return;
the city's standing office's nominations to receive; a commune's nominations the city
returned, to nominate again."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload

from ..core.extensions import db
from ..core.inbox import LISTED, InboxItem, inbox_provider
from ..core.timeutil import format_date
from ..models import (
    CityOutcome,
    CityResult,
    Commune,
    Decision,
    DecisionItem,
    DecisionKind,
    Initiative,
    InitiativeState,
    Role,
    Round,
    User,
)
from ..models.decisions import DecisionState
from ..models.initiatives import EDITABLE_STATES


def _quoted(title: str) -> str:
    return f"«{title if len(title) <= 80 else title[:79].rstrip() + '…'}»"


@inbox_provider(order=30)
def office_initiatives(user: User, today: date) -> list[InboxItem]:
    if user.office is None or not user.has_role(Role.STAFF, Role.HEAD):
        return []
    rows = db.session.scalars(
        select(Initiative)
        .join(Round, Round.id == Initiative.round_id)
        .options(contains_eager(Initiative.round).selectinload(Round.reopenings))
        .where(Initiative.office_id == user.office_id, Initiative.state.in_(EDITABLE_STATES))
        .order_by(Initiative.id)
    ).all()
    head = user.has_role(Role.HEAD)
    items = []
    for initiative in rows:
        rnd = initiative.round
        if not rnd.submission_open_for(user.office_id, today):
            continue  # too late: only the standing office's reopening brings it back
        due = max(rnd.submission_deadline, rnd.reopened_until(user.office_id) or date.min)
        returned = initiative.state == InitiativeState.RETURNED
        if returned:
            title = f"Hoàn thiện và gửi lại sáng kiến {_quoted(initiative.title)} (bị trả lại)"
            detail = f"Lý do trả lại: {initiative.return_comment or 'không ghi'}"
        else:
            verb = "Hoàn thiện và gửi" if head else "Hoàn thiện"
            title = f"{verb} sáng kiến {_quoted(initiative.title)}"
            detail = (
                "Hồ sơ đang là dự thảo, chưa gửi Thường trực CCHC."
                if head
                else "Hồ sơ đang là dự thảo; lãnh đạo đơn vị gửi khi xong."
            )
        items.append(
            InboxItem(
                key=f"initiative:{initiative.id}",
                kind="initiative",
                title=title,
                detail=detail,
                action="Mở hồ sơ",
                endpoint="initiatives.detail",
                args={"initiative_id": initiative.id},
                due=due,
            )
        )
    return items


@inbox_provider(order=31)
def initiatives_to_accept(user: User, today: date) -> list[InboxItem]:
    """One line each while they are few; one line with the count (to the filtered list) when
    they are many."""
    if not user.is_secretariat:
        return []
    rows = db.session.scalars(
        select(Initiative)
        .options(joinedload(Initiative.office), joinedload(Initiative.round))
        .where(Initiative.state == InitiativeState.SUBMITTED)
        .order_by(Initiative.submitted_at, Initiative.id)
        .limit(LISTED + 1)
    ).all()
    if len(rows) > LISTED:
        count = db.session.scalar(
            select(func.count(Initiative.id)).where(Initiative.state == InitiativeState.SUBMITTED)
        )
        return [
            InboxItem(
                key="initiative-accept:many",
                kind="initiative",
                title=f"Tiếp nhận hoặc trả lại {count} sáng kiến các đơn vị đã gửi",
                detail=f"Sáng kiến gửi sớm nhất: {_quoted(rows[0].title)} "
                f"({rows[0].office.name}, {rows[0].submitted_at:%d/%m/%Y}).",
                action="Xem danh sách",
                endpoint="initiatives.index",
                args={"state": InitiativeState.SUBMITTED.value, "year": rows[0].round.year},
                remind=False,
            )
        ]
    return [
        InboxItem(
            key=f"initiative-accept:{initiative.id}",
            kind="initiative",
            title=f"Tiếp nhận hoặc trả lại sáng kiến {_quoted(initiative.title)}",
            detail=f"{initiative.office.name} gửi ngày {initiative.submitted_at:%d/%m/%Y}.",
            action="Xem hồ sơ",
            endpoint="initiatives.detail",
            args={"initiative_id": initiative.id},
            remind=False,
        )
        for initiative in rows
    ]


@inbox_provider(order=32)
def nominations_to_receive(user: User, today: date) -> list[InboxItem]:
    """The city's standing office: what the communes nominated and nobody has received or
    returned yet (read across the city's communes, `nominations.waiting_query`)."""
    from . import nominations

    city = nominations.city_of(user)
    if city is None or not user.is_secretariat:
        return []
    rows = db.session.scalars(nominations.waiting_query(city).limit(LISTED + 1)).all()
    if len(rows) > LISTED:
        return [
            InboxItem(
                key="nomination-receive:many",
                kind="initiative",
                title="Tiếp nhận hoặc trả lại các đề nghị công nhận sáng kiến của xã, phường",
                detail=f"Đề nghị sớm nhất: {_quoted(rows[0].title)}.",
                action="Xem danh sách",
                endpoint="initiatives.nominated",
                remind=False,
            )
        ]
    names = dict(
        db.session.execute(
            select(Commune.id, Commune.name).where(Commune.id.in_({i.commune_id for i in rows}))
        ).all()
    )
    return [
        InboxItem(
            key=f"nomination-receive:{initiative.id}",
            kind="initiative",
            title=f"Tiếp nhận hoặc trả lại đề nghị {_quoted(initiative.title)}",
            detail=f"{names.get(initiative.commune_id, '')} đề nghị theo Tờ trình số "
            f"{initiative.nomination_decision.number_symbol} ngày "
            f"{initiative.nomination_decision.issued_on:%d/%m/%Y}.",
            action="Xem hồ sơ",
            endpoint="initiatives.nomination",
            args={"initiative_id": initiative.id},
            remind=False,
        )
        for initiative in rows
    ]


@inbox_provider(order=33)
def nominations_returned(user: User, today: date) -> list[InboxItem]:
    """A commune's standing office: the city returned a nomination (its reason in the
    commune's `CityResult`); a new Tờ trình nominates it again. The line goes once a Tờ
    trình being drafted or signed holds it."""
    if not user.is_secretariat or user.at_city_level:
        return []
    in_a_new_dossier = (
        select(DecisionItem.id)
        .join(Decision, Decision.id == DecisionItem.decision_id)
        .where(
            DecisionItem.initiative_id == Initiative.id,
            Decision.kind == DecisionKind.NOMINATION_DOSSIER,
            Decision.state.in_(
                (DecisionState.DRAFT, DecisionState.SUBMITTED, DecisionState.RETURNED)
            ),
        )
        .exists()
    )
    rows = db.session.execute(
        select(Initiative, CityResult.note, CityResult.decided_at)
        .join(CityResult, CityResult.initiative_id == Initiative.id)
        .where(
            Initiative.state == InitiativeState.NOMINATED,
            CityResult.outcome == CityOutcome.RETURNED,
            ~in_a_new_dossier,
        )
        .order_by(CityResult.decided_at, Initiative.id)
    ).all()
    return [
        InboxItem(
            key=f"nomination-returned:{initiative.id}",
            kind="initiative",
            title=f"Thành phố trả lại đề nghị công nhận sáng kiến {_quoted(initiative.title)}",
            detail=f"Trả lại ngày {format_date(decided_at)}. "
            f"Lý do: {(note or 'không ghi').rstrip(' .')}. Bổ sung rồi lập Tờ trình đề nghị lại.",
            action="Đề nghị lại",
            endpoint="initiatives.nominate",
            args={"round_id": initiative.round_id},
            remind=False,
        )
        for initiative, note, decided_at in rows
    ]
