"""The dashboard's figures, each with the filter of the list it summarises."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ..core.extensions import db
from ..models import Office, commune_settings
from ..models.plans import OfficeRole, Plan, Task, TaskOffice, TaskStatus, TaskUpdate
from ..plans import queries
from ..plans import services as plan_services
from ..reports import periods
from ..reports import services as report_services


@dataclass
class Group:
    key: str
    label: str
    tasks: int
    average: float  # mean progress %, from each task's latest update
    counts: Counter

    @property
    def late(self) -> int:
        return self.counts.get(TaskStatus.LATE, 0)

    @property
    def done(self) -> int:
        return self.counts.get(TaskStatus.DONE, 0)


@dataclass
class TaskFigures:
    """A plan's task counts: by status, by field and by lead office, and how many catch-up
    plans are overdue."""

    total: int
    status_counts: Counter
    fields: list[Group]
    offices: list[Group]
    overdue: int = 0


LATE_SHOWN = 10  # late tasks listed on the dashboard; the rest are one click away


def _group(key: str, label: str, rows: list[tuple[str, int]]) -> Group:
    average = sum(progress for _, progress in rows) / len(rows) if rows else 0.0
    return Group(key, label, len(rows), average, Counter(status for status, _ in rows))


def reference_date(plan: Plan, today: date) -> date:
    """Figures of a finished plan are read at its end, not today."""
    return min(today, plan.period_end)


def task_figures(plan: Plan, offices: list[Office], today: date | None = None) -> TaskFigures:
    """Two queries whatever the plan's size: each task's newest status and progress (its lead
    office's), and the lead offices. A CQCM task (several leads) counts for each of its lead
    offices. A late task whose catch-up deadline is before `today` counts as overdue."""
    tasks = (
        select(Task.id, Task.field, queries.newest_update_id().label("update_id"))
        .where(Task.plan_id == plan.id)
        .subquery()
    )
    rows = db.session.execute(
        queries.through_tasks(
            select(
                tasks.c.id,
                tasks.c.field,
                TaskUpdate.status,
                TaskUpdate.progress,
                TaskUpdate.catchup_deadline,
            ).outerjoin(TaskUpdate, TaskUpdate.id == tasks.c.update_id)
        )
    ).all()
    state = {
        task_id: (status or TaskStatus.NOT_STARTED, progress or 0)
        for task_id, _, status, progress, _ in rows
    }
    overdue = sum(
        1
        for _, _, status, _, deadline in rows
        if today and status == TaskStatus.LATE and deadline and deadline < today
    )
    by_field: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for task_id, field, *_ in rows:
        by_field[field].append(state[task_id])
    by_office: dict[int, list[tuple[str, int]]] = defaultdict(list)
    leads = db.session.execute(
        select(TaskOffice.task_id, TaskOffice.office_id)
        .join(Task, Task.id == TaskOffice.task_id)
        .where(Task.plan_id == plan.id, TaskOffice.role == OfficeRole.LEAD)
    )
    for task_id, office_id in leads:
        by_office[office_id].append(state[task_id])
    return TaskFigures(
        total=len(rows),
        status_counts=Counter(status for status, _ in state.values()),
        fields=[
            _group(code, label, by_field[code])
            for code, label in commune_settings.current().plan_fields_with(list(by_field)).items()
            if by_field[code]
        ],
        offices=[_group(o.code, o.name, by_office[o.id]) for o in offices if by_office[o.id]],
        overdue=overdue,
    )


def late_tasks(plan: Plan, limit: int = LATE_SHOWN) -> list[Task]:
    """The first late tasks of the plan, in plan order, with their catch-up plans."""
    return list(
        db.session.scalars(queries.tasks_query(plan.id, status=TaskStatus.LATE).limit(limit))
    )


def objective_states(plan: Plan, until: date) -> list[tuple]:
    rows = []
    for objective in plan.objectives:
        value = plan_services.latest_value(objective, until)
        state = plan_services.objective_state(objective, value.value if value else None)
        rows.append((objective, value, state))
    return rows


def compliance(today: date) -> tuple[periods.Period, list]:
    period = periods.last_due_month_period(today)
    return period, report_services.compliance(period)


def period_has_plan(period: periods.Period, plans: list[Plan]) -> bool:
    return report_services.has_plan(period, plans)
