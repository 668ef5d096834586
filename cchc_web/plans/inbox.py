"""The tasks waiting for their lead office: a late task without a catch-up plan, a catch-up
plan whose new deadline has passed (quá hạn khắc phục) or falls within a week."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from ..core.extensions import db
from ..core.inbox import InboxItem, inbox_provider
from ..models import Role, User
from ..models.plans import OfficeRole, Plan, PlanStatus, Task, TaskOffice, TaskStatus, TaskUpdate
from .queries import newest_update_id, through_tasks

CATCHUP_SOON = timedelta(days=7)


@inbox_provider(order=20)
def late_tasks(user: User, today: date) -> list[InboxItem]:
    if user.office is None or not user.has_role(Role.STAFF, Role.HEAD):
        return []
    rows = db.session.execute(
        through_tasks(
            select(
                Task.id,
                Task.code,
                Task.content,
                TaskUpdate.catchup_action,
                TaskUpdate.catchup_deadline,
            )
        )
        .join(Plan, Plan.id == Task.plan_id)
        .join(
            TaskOffice,
            (TaskOffice.task_id == Task.id)
            & (TaskOffice.office_id == user.office_id)
            & (TaskOffice.role == OfficeRole.LEAD),
        )
        .join(TaskUpdate, TaskUpdate.id == newest_update_id())
        .where(Plan.status == PlanStatus.ACTIVE, TaskUpdate.status == TaskStatus.LATE)
        .order_by(Task.plan_id, Task.sort_order)
    ).all()
    code = user.office.code.lower()
    items = []
    for task_id, task_code, content, action, deadline in rows:
        short = content if len(content) <= 90 else content[:89].rstrip() + "…"
        args = {"code": code, "task_id": task_id}
        if not action.strip() or deadline is None:
            items.append(
                InboxItem(
                    key=f"task-plan:{task_id}",
                    kind="task",
                    title=f"Lập kế hoạch khắc phục nhiệm vụ {task_code} (chậm tiến độ)",
                    detail=short,
                    action="Cập nhật nhiệm vụ",
                    endpoint="offices.update_task",
                    args=args,
                    due=today,
                )
            )
        elif deadline < today or deadline - today <= CATCHUP_SOON:
            overdue = deadline < today
            items.append(
                InboxItem(
                    key=f"task-catchup:{task_id}:{deadline.isoformat()}",
                    kind="task",
                    title=(
                        f"Kế hoạch khắc phục nhiệm vụ {task_code} đã quá hạn"
                        if overdue
                        else f"Hoàn thành khắc phục nhiệm vụ {task_code}"
                    ),
                    detail=f"{short} Biện pháp: {action}",
                    action="Cập nhật nhiệm vụ",
                    endpoint="offices.update_task",
                    args=args,
                    due=deadline,
                )
            )
    return items
