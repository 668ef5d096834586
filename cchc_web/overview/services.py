"""The dashboard's figures, each with the filter of the list it summarises."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from ..models import Office
from ..models.plans import FIELDS, OfficeRole, Plan, Task, TaskStatus
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
        return self.counts.get(TaskStatus.LATE.value, 0)

    @property
    def done(self) -> int:
        return self.counts.get(TaskStatus.DONE.value, 0)


def _group(key: str, label: str, tasks: list[Task]) -> Group:
    average = sum(t.progress for t in tasks) / len(tasks) if tasks else 0.0
    return Group(key, label, len(tasks), average, Counter(t.status for t in tasks))


def reference_date(plan: Plan, today: date) -> date:
    """Figures of a finished plan are read at its end, not today."""
    return min(today, plan.period_end)


def by_field(plan: Plan) -> list[Group]:
    grouped: dict[str, list[Task]] = defaultdict(list)
    for task in plan.tasks:
        grouped[task.field].append(task)
    return [_group(code, label, grouped[code]) for code, label in FIELDS.items() if grouped[code]]


def by_office(plan: Plan, offices: list[Office]) -> list[Group]:
    """Each office's tasks as lead (a CQCM task counts for each specialised office)."""
    grouped: dict[int, list[Task]] = defaultdict(list)
    for task in plan.tasks:
        for link in task.office_links:
            if link.role == OfficeRole.LEAD:
                grouped[link.office_id].append(task)
    return [_group(o.code, o.name, grouped[o.id]) for o in offices if grouped[o.id]]


def late_tasks(plan: Plan) -> list[Task]:
    return [t for t in plan.tasks if t.status == TaskStatus.LATE]


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
