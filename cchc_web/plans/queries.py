"""Task lists shared by the office workspace, the dashboard and the reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Select, String, and_, cast, exists, func, select
from sqlalchemy.orm import lazyload, selectinload

from ..core import tenancy
from ..core.extensions import db
from ..models import Office
from ..models.plans import (
    Objective,
    ObjectiveValue,
    OfficeRole,
    Plan,
    Task,
    TaskFacts,
    TaskOffice,
    TaskStatus,
    TaskUpdate,
    Timing,
    newest_progress_id,
)
from ..models.search import searched
from ..text import Query


@cache
def newest_update_id():
    """The id of a task's newest progress update, the lead office's (NULL when it has none),
    for queries over tasks: contributions of coordinating offices never set the status.
    Built once per process (an expression is immutable; every query may embed it)."""
    return newest_progress_id(Task.id).correlate(Task)


def latest_status():
    """The status of a task's newest update; "not started" when it has none."""
    newest = select(TaskUpdate.status).where(TaskUpdate.id == newest_update_id()).scalar_subquery()
    return func.coalesce(newest, TaskStatus.NOT_STARTED)


def catchup_overdue(today: date):
    """Quá hạn khắc phục: the newest progress update says late and its catch-up deadline is
    before `today` (the task was not reported done or otherwise since)."""
    return exists(
        select(TaskUpdate.id).where(
            TaskUpdate.id == newest_update_id(),
            TaskUpdate.status == TaskStatus.LATE,
            TaskUpdate.catchup_deadline < today,
        )
    )


# A task list shows each task's newest status, percent and date, never who wrote it or its
# files: those are loaded on the task's own page only.
LIST_LOADING = selectinload(Task.newest_update).options(
    lazyload(TaskUpdate.author), lazyload(TaskUpdate.attachments), lazyload(TaskUpdate.office)
)


def tasks_query(plan_id: int | None, **filters: Any) -> Select:
    """Tasks of a plan as ORM objects, filtered as `_filtered` says."""
    stmt = select(Task).options(LIST_LOADING).order_by(Task.sort_order, Task.id)
    return _filtered(stmt, plan_id, **filters)


def count_tasks(plan_id: int | None, **filters: Any) -> int:
    """How many tasks `tasks_query` would list, counted without loading them."""
    return db.session.scalar(_filtered(select(func.count(Task.id)), plan_id, **filters)) or 0


def task_rows_query(plan_id: int | None, **filters: Any) -> Select:
    """`tasks_query` as plain rows: the columns a task list shows and its newest progress
    update's status, percent, date and catch-up deadline, in one statement, no ORM objects
    (read-only lists; `task_rows` adds the offices)."""
    return _filtered(_task_rows_select(), plan_id, **filters)


@cache
def _task_rows_select() -> Select:
    """Built once per process: only the filters differ from one list to the next. Each
    task's offices come in the same row, as "role:sort order:id:code" joined by OFFICE_SEP
    (`aggregate_strings`: group_concat on SQLite, string_agg on PostgreSQL)."""
    link = (
        cast(TaskOffice.role, String)
        .concat(":")
        .concat(cast(Office.sort_order, String))
        .concat(":")
        .concat(cast(Office.id, String))
        .concat(":")
        .concat(Office.code)
    )
    offices = (
        select(func.aggregate_strings(link, OFFICE_SEP))
        .select_from(TaskOffice)
        .join(Office, Office.id == TaskOffice.office_id)
        .where(TaskOffice.task_id == Task.id)
        .correlate(Task)
        .scalar_subquery()
    )
    return (
        select(
            Task.id,
            Task.code,
            Task.field,
            Task.content,
            Task.timing,
            Task.due_month,
            TaskUpdate.status,
            TaskUpdate.progress,
            TaskUpdate.created_at,
            TaskUpdate.catchup_deadline,
            offices.label("offices"),
        )
        .outerjoin(TaskUpdate, TaskUpdate.id == newest_update_id())
        .order_by(Task.sort_order, Task.id)
    )


OFFICE_SEP = "\x1f"  # the ASCII unit separator: no office code contains it


def _filtered(
    stmt: Select,
    plan_id: int | None,
    *,
    office_id: int | None = None,
    role: str = "",
    field: str = "",
    status: str = "",
    period: str = "",
    overdue_on: date | None = None,
    query: Query | None = None,
) -> Select:
    """`stmt` over tasks, kept to a plan's and filtered: `office_id` (and `role`, lead or
    coordinating), `field`, `status` (the newest progress update's), `period` ("2025-07": due
    that month, "ongoing" or "none") and `overdue_on` (the tasks whose catch-up plan is overdue
    on that day) and `query` (those a search finds: code, content, field), best first."""
    if plan_id is not None:
        stmt = stmt.where(Task.plan_id == plan_id)
    if office_id is not None:
        link = select(TaskOffice.task_id).where(
            TaskOffice.task_id == Task.id, TaskOffice.office_id == office_id
        )
        if role in (OfficeRole.LEAD, OfficeRole.COORDINATING):
            link = link.where(TaskOffice.role == role)
        stmt = stmt.where(exists(link))
    if field:
        stmt = stmt.where(Task.field == field)
    if status:
        stmt = stmt.where(latest_status() == status)
    if overdue_on is not None:
        stmt = stmt.where(catchup_overdue(overdue_on))
    if period in (Timing.ONGOING, Timing.NONE):
        stmt = stmt.where(Task.timing == period)
    elif period:
        try:
            year, month = (int(p) for p in period.split("-", 1))
            stmt = stmt.where(Task.due_month == date(year, month, 1))
        except ValueError:
            pass  # an unknown period filters nothing rather than failing
    return searched(through_tasks(stmt), Task, query)


def through_tasks(stmt: Select) -> Select:
    """`stmt` reaches updates only as the newest of its tasks, which are scoped: it skips the
    updates' own tenancy criteria (core/tenancy.py, `THROUGH_PARENT`)."""
    return stmt.execution_options(**{tenancy.THROUGH_PARENT: (TaskUpdate,)})


class OfficeRef(NamedTuple):
    """The little of an office a task list shows (its code) and sorts by."""

    id: int
    code: str
    sort_order: int


class LinkRow(NamedTuple):
    office_id: int
    role: OfficeRole
    office: OfficeRef


@dataclass(slots=True)
class TaskRow(TaskFacts):
    """A task as a list shows it, built from `task_rows_query`: the same labels and
    permissions as `Task` (TaskFacts), without an ORM object per task, link and update."""

    id: int
    code: str
    field: str
    content: str
    timing: Timing
    due_month: date | None
    status: TaskStatus
    progress: int
    updated_at: datetime | None
    catchup_deadline: date | None
    plan: Plan
    office_links: list[LinkRow]

    def catchup_overdue(self, today: date) -> bool:
        """As `Task.catchup_overdue`: the newest progress update says late and its catch-up
        deadline is before `today`."""
        return (
            self.status == TaskStatus.LATE
            and self.catchup_deadline is not None
            and self.catchup_deadline < today
        )


def task_rows(rows: Sequence, plan: Plan) -> list[TaskRow]:
    """Rows of `task_rows_query` (all of one plan) as TaskRows."""
    return [
        TaskRow(
            id=r.id,
            code=r.code,
            field=r.field,
            content=r.content,
            timing=r.timing,
            due_month=r.due_month,
            status=r.status or TaskStatus.NOT_STARTED,
            progress=r.progress or 0,
            updated_at=r.created_at,
            catchup_deadline=r.catchup_deadline,
            plan=plan,
            office_links=_links(r.offices),
        )
        for r in rows
    ]


def _links(text: str | None) -> list[LinkRow]:
    links = []
    for item in (text or "").split(OFFICE_SEP) if text else ():
        role, order, office_id, code = item.split(":", 3)
        links.append(
            LinkRow(int(office_id), OfficeRole(role), OfficeRef(int(office_id), code, int(order)))
        )
    return links


def objectives_with_latest(*where) -> list[tuple[Objective, ObjectiveValue | None]]:
    """Objectives (in plan order) with their newest value, in one statement: not every
    month's value of every objective, as `Objective.values` loads."""
    newest = (
        select(func.max(ObjectiveValue.month))
        .where(ObjectiveValue.objective_id == Objective.id)
        .correlate(Objective)
        .scalar_subquery()
    )
    stmt = (
        select(Objective, ObjectiveValue)
        .outerjoin(
            ObjectiveValue,
            and_(ObjectiveValue.objective_id == Objective.id, ObjectiveValue.month == newest),
        )
        .options(lazyload(Objective.values))
        .where(*where)
        .order_by(Objective.sort_order)
    )
    return [(o, v) for o, v in db.session.execute(stmt)]
