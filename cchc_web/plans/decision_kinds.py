"""The plan's issuing document (Kế hoạch CCHC, seed 001), registered with the Decisions
module: drafted from the plan's objectives and tasks; signing it issues the plan, which then
feeds the offices' workspaces and reports."""

from __future__ import annotations

from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..decisions import Draft, DraftProvider, Selection, register_draft_provider
from ..decisions.providers import fingerprint_of
from ..decisions.texts import plan_content
from ..models import Commune, Decision, DecisionKind, User
from ..models.plans import Plan, PlanStatus
from ..records import audit
from . import services


def _plan(plan_id: int | None) -> Plan:
    plan = db.session.get(Plan, plan_id) if plan_id else None
    if plan is None:
        raise DomainError("Không tìm thấy kế hoạch của văn bản này.")
    return plan


def _subjects() -> list[tuple[int, str]]:
    plans = db.session.scalars(
        select(Plan).where(Plan.status == PlanStatus.DRAFT).order_by(Plan.period_start.desc())
    ).all()
    return [(p.id, p.title) for p in plans if p.tasks]


def _rows(plan: Plan) -> list[list[str]]:
    return [
        [
            task.code,
            task.content,
            ", ".join(o.code for o in task.lead_offices),
            ", ".join(o.code for o in task.coordinating_offices),
            task.timing_label,
        ]
        for task in plan.tasks
    ]


def _objectives(plan: Plan) -> list[str]:
    return [f"{o.indicator} (chỉ tiêu: {o.target_text})" for o in plan.objectives]


def _data(plan: Plan) -> list:
    return [plan.title, plan.theme, str(plan.period_start), str(plan.period_end)] + [
        _objectives(plan),
        _rows(plan),
    ]


def _title(plan: Plan) -> str:
    """The plan's title as the document's summary ("Cải cách hành chính … năm 2025 …")."""
    title = plan.title.strip()
    for prefix in ("Kế hoạch ", "KẾ HOẠCH "):
        if title.startswith(prefix):
            title = title[len(prefix) :]
    return title[:1].upper() + title[1:]


def _build(plan_id: int | None, _selection: Selection) -> Draft:
    plan = _plan(plan_id)
    if not plan.tasks:
        raise DomainError("Kế hoạch chưa có nhiệm vụ nào, chưa ban hành được.")
    commune = Commune.current()
    content = plan_content(
        commune.name if commune else "", _title(plan), plan.theme, _objectives(plan), _rows(plan)
    )
    return Draft(content, fingerprint=fingerprint_of(_data(plan)), year=plan.period_start.year)


def _fingerprint(decision: Decision) -> str:
    return fingerprint_of(_data(_plan(decision.plan_id)))


def _validate(decision: Decision) -> None:
    plan = _plan(decision.plan_id)
    if plan.status != PlanStatus.DRAFT:
        raise DomainError("Kế hoạch này đã được ban hành.")
    if not plan.tasks:
        raise DomainError("Kế hoạch chưa có nhiệm vụ nào, chưa ban hành được.")


def _issue(decision: Decision, signer: User) -> None:
    """Signing the Kế hoạch makes the plan active, with the document's number and date."""
    plan = _plan(decision.plan_id)
    services.activate_plan(plan, signer, decision=decision)
    before = audit.snapshot(plan, ("doc_number", "doc_date"))
    plan.decision = decision
    plan.doc_number = decision.number_symbol or ""
    plan.doc_date = decision.issued_on
    audit.record(
        "plan.document",
        plan,
        before=before,
        after=audit.snapshot(plan, ("doc_number", "doc_date")),
        actor=signer,
    )


register_draft_provider(
    DraftProvider(
        kind=DecisionKind.PLAN_APPROVAL,
        label="Ban hành kế hoạch CCHC:",
        build=_build,
        subject_column="plan_id",
        subjects=_subjects,
        fingerprint=_fingerprint,
        validate=_validate,
        apply=_issue,
    )
)
