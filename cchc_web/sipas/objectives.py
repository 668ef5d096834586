"""Objectives fed by the survey (SPEC §8, seed 001 objective 3): an objective linked to a
survey measure (every answer, or those of some procedure fields) gets its monthly value
computed from the answers: the share of ratings 4–5, in percent.

The values are kept as the objective's monthly values (`ObjectiveValue`), so that the plan,
the dashboard, the office workspace and the reports show them, met / at risk / missed, like
any other objective's. They are written by the system (no author), refreshed in the same
transaction as each answer (and each correction) for the month concerned, and for every month
of the plan when the objective is linked. Typing a value for such an objective is refused
(`plans.services.record_objective_value`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.locking import lock_row
from ..core.timeutil import local_today, utcnow
from ..models import User
from ..models.plans import Objective, ObjectiveValue, ObjectiveValueRevision, Plan, PlanStatus
from ..models.sipas import ObjectiveScope, ObjectiveSurveyField, ProcedureField
from ..plans.sources import register_source
from ..records import audit
from . import results

# Plans whose objectives still follow the answers: a closed plan's history is frozen.
LIVE_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.ACTIVE)


@dataclass(frozen=True)
class SurveyLink:
    """What an objective's page says about where its values come from."""

    scope: str
    fields: list[ProcedureField]

    @property
    def label(self) -> str:
        if self.scope == ObjectiveScope.OVERALL:
            return "mọi phiếu khảo sát"
        return "phiếu khảo sát lĩnh vực " + ", ".join(f.name for f in self.fields)


def linked_field_ids(objective: Objective) -> list[int]:
    return list(
        db.session.scalars(
            select(ObjectiveSurveyField.procedure_field_id).where(
                ObjectiveSurveyField.objective_id == objective.id
            )
        )
    )


@register_source
def survey_link(objective: Objective) -> SurveyLink | None:
    if not objective.is_computed:
        return None
    ids = linked_field_ids(objective)
    fields = (
        list(
            db.session.scalars(
                select(ProcedureField)
                .where(ProcedureField.id.in_(ids))
                .order_by(ProcedureField.sort_order)
            )
        )
        if ids
        else []
    )
    return SurveyLink(objective.survey_scope, fields)


def _months(plan: Plan, until: date) -> list[date]:
    last = min(plan.period_end, until)
    return (
        list(results.months_between(plan.period_start, last)) if last >= plan.period_start else []
    )


def link_objective(
    objective: Objective, scope: str | None, field_ids: Sequence[int], actor: User
) -> None:
    """Link (scope "overall" or "fields" with at least one field) or unlink (None). On link,
    every month of the plan up to today is computed at once; a value typed before stays in
    the month's history. Unlinked, the values stay and the owner office types the next ones."""
    if not actor.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC liên kết chỉ tiêu với khảo sát.")
    if objective.plan.status == PlanStatus.CLOSED:
        raise DomainError("Kế hoạch đã kết thúc: không thay đổi nguồn số liệu của chỉ tiêu.")
    if scope is not None and scope not in {s.value for s in ObjectiveScope}:
        raise DomainError("Hãy chọn cách tính.", field="scope")
    if (objective.unit or "").strip() != "%" and scope is not None:
        raise DomainError(
            "Chỉ tiêu tính từ khảo sát là một tỷ lệ phần trăm: đơn vị tính của chỉ tiêu phải là %.",
            field="scope",
        )
    fields: list[ProcedureField] = []
    if scope == ObjectiveScope.FIELDS:
        fields = list(
            db.session.scalars(select(ProcedureField).where(ProcedureField.id.in_(field_ids)))
        )
        if not fields:
            raise DomainError("Hãy chọn ít nhất một lĩnh vực.", field="field_ids")
    before = {"scope": objective.survey_scope, "fields": sorted(linked_field_ids(objective))}
    lock_row(Objective, objective.id)
    objective.survey_scope = scope
    db.session.execute(
        ObjectiveSurveyField.__table__.delete().where(
            ObjectiveSurveyField.objective_id == objective.id
        )
    )
    for item in fields:
        db.session.add(ObjectiveSurveyField(objective_id=objective.id, procedure_field_id=item.id))
    db.session.flush()
    after = {"scope": scope, "fields": sorted(f.id for f in fields)}
    audit.record("objective.survey_link", objective, before=before, after=after, actor=actor)
    if scope is not None:
        for month in _months(objective.plan, local_today()):
            _refresh(objective, month, [f.id for f in fields] if fields else None, actor)


def refresh_for_response(month: date, field_id: int | None) -> None:
    """After an answer (or a correction) of `month`: every live linked objective whose plan
    covers the month and whose measure includes the field is computed again."""
    candidates = db.session.scalars(
        select(Objective)
        .join(Plan, Plan.id == Objective.plan_id)
        .where(
            Objective.survey_scope.is_not(None),
            Plan.status.in_(LIVE_PLAN_STATUSES),
            Plan.period_start <= _month_end(month),
            Plan.period_end >= month,
        )
        .order_by(Objective.id)  # locks always taken in the same order: no deadlock
    ).all()
    for objective in candidates:
        ids = (
            linked_field_ids(objective) if objective.survey_scope == ObjectiveScope.FIELDS else None
        )
        if ids is not None and field_id not in ids:
            continue
        _refresh(objective, month, ids, None)


def _month_end(month: date) -> date:
    from datetime import timedelta

    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


def _refresh(objective: Objective, month: date, field_ids: list[int] | None, actor) -> None:
    """Compute the month's value and keep it: one row per month as for a typed value. A typed
    value the computation replaces stays in the history; a month whose answers were all
    excluded loses its computed value."""
    # Two answers of the same month at once: the second waits here, then counts both.
    lock_row(Objective, objective.id)
    found = results.measure(month, field_ids)
    row = db.session.scalar(
        select(ObjectiveValue)
        .where(ObjectiveValue.objective_id == objective.id, ObjectiveValue.month == month)
        .execution_options(populate_existing=True)
    )
    note = f"Tính từ {found.responses} phiếu khảo sát ({found.ratings} ý kiến đánh giá)."
    now = utcnow()
    if found.value is None:
        if (
            row is not None
            and row.entered_by_id is None
            and all(r.entered_by_id is None for r in row.revisions)
        ):
            db.session.delete(row)
        return
    if row is None:
        row = ObjectiveValue(objective_id=objective.id, month=month)
        db.session.add(row)
        row.revisions.append(
            ObjectiveValueRevision(value=found.value, note=note, is_first=True, entered_at=now)
        )
    elif row.entered_by_id is not None:
        # A value typed before the link: replaced, and the replacement is in its history.
        row.revisions.append(
            ObjectiveValueRevision(
                value=found.value,
                note=note,
                reason="Chỉ tiêu được liên kết với khảo sát sự hài lòng: số liệu tính từ phiếu.",
                entered_by=actor,
                entered_at=now,
            )
        )
    row.value, row.note, row.entered_by, row.entered_at = found.value, note, None, now
    db.session.flush()


def refresh_month(objective: Objective, month: date) -> None:
    """Compute one month of a linked objective again (the demo's months, a repair)."""
    if not objective.is_computed:
        raise DomainError("Chỉ tiêu chưa liên kết với khảo sát.")
    ids = linked_field_ids(objective) if objective.survey_scope == ObjectiveScope.FIELDS else None
    _refresh(objective, month.replace(day=1), ids, None)
