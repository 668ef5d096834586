"""Task lists shared by the office workspace, the dashboard and the reports."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import lazyload, selectinload

from ..models.plans import (
    OfficeRole,
    Task,
    TaskOffice,
    TaskStatus,
    TaskUpdate,
    Timing,
    newest_progress_id,
)
from ..models.search import searched
from ..text import Query


def newest_update_id():
    """The id of a task's newest progress update, the lead office's (NULL when it has none),
    for queries over tasks: contributions of coordinating offices never set the status."""
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


def tasks_query(
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
    """Tasks of a plan, filtered; `period` is "2025-07" (due that month), "ongoing" or "none";
    `overdue_on` keeps the tasks whose catch-up plan is overdue on that day; `query` those a
    search finds (code, content, field), best first."""
    stmt = select(Task).options(LIST_LOADING).order_by(Task.sort_order, Task.id)
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
    return searched(stmt, Task, query)
