"""Decisions waiting: to sign (the Chairman and the Vice-Chairmen), to correct after a return
(the standing office)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..core.extensions import db
from ..core.inbox import InboxItem, inbox_provider
from ..models import Decision, DecisionState, User


def _about(decision: Decision) -> str:
    summary = decision.summary.strip()
    if summary and len(summary) > 120:
        summary = summary[:119].rstrip() + "…"
    return f"{decision.doc_type} {summary}".strip()


@inbox_provider(order=50)
def decisions_waiting(user: User, today: date) -> list[InboxItem]:
    items: list[InboxItem] = []
    if user.is_leader:
        for decision in db.session.scalars(
            select(Decision)
            .where(Decision.state == DecisionState.SUBMITTED)
            .order_by(Decision.submitted_at)
        ):
            items.append(
                InboxItem(
                    key=f"decision-sign:{decision.id}",
                    kind="decision",
                    title=f"Xem và ký {_about(decision)}",
                    detail=f"Trình ký ngày {decision.submitted_at:%d/%m/%Y}.",
                    action="Xem và ký",
                    endpoint="decisions.show",
                    args={"decision_id": decision.id},
                    due=today,
                )
            )
    if user.is_secretariat:
        for decision in db.session.scalars(
            select(Decision)
            .where(Decision.state == DecisionState.RETURNED)
            .order_by(Decision.returned_at)
        ):
            items.append(
                InboxItem(
                    key=f"decision-fix:{decision.id}",
                    kind="decision",
                    title=f"Sửa và trình lại {_about(decision)} (bị trả lại)",
                    detail=f"Lý do trả lại: {decision.return_comment or 'không ghi'}",
                    action="Sửa dự thảo",
                    endpoint="decisions.show",
                    args={"decision_id": decision.id},
                    due=today,
                )
            )
    return items
