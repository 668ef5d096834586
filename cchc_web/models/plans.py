"""The reform plan (kế hoạch CCHC): objectives, tasks and the offices' progress updates.

Glossary: kế hoạch = plan; mục tiêu / chỉ tiêu = objective; nhiệm vụ = task; chủ trì = lead
office; phối hợp = coordinating office; thường xuyên = ongoing; minh chứng = evidence;
chậm tiến độ = late; nguyên nhân chủ quan / khách quan = subjective / objective cause;
kế hoạch khắc phục = catch-up plan.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    func,
    select,
    text,
)
from sqlalchemy import true as sa_true
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from ..core.extensions import db
from ..core.tenancy import CommuneChild, CommuneOwned
from ..core.timeutil import utcnow
from .columns import enum_column, one_of
from .files import Attachment
from .org import Office, Role, User
from .search import Searchable

if TYPE_CHECKING:
    from .decisions import Decision

# SPEC §2: the reform fields (lĩnh vực CCHC). `chi_so` is for initiatives only.
FIELDS: dict[str, str] = {
    "chi_dao_dieu_hanh": "Công tác chỉ đạo, điều hành",
    "the_che": "Cải cách thể chế",
    "tthc": "Cải cách thủ tục hành chính",
    "to_chuc_bo_may": "Cải cách tổ chức bộ máy hành chính nhà nước",
    "cong_vu": "Cải cách chế độ công vụ",
    "tai_chinh_cong": "Cải cách tài chính công",
    "chinh_quyen_so": "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
}
FIELD_ROMAN = dict(zip(FIELDS, ("1", "2", "3", "4", "5", "6", "7"), strict=True))


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"  # Dự thảo: seen and edited by the secretariat only
    ACTIVE = "active"  # Đã ban hành, đang thực hiện: offices report on it
    CLOSED = "closed"  # Đã kết thúc: its history still feeds the reports of its periods


PLAN_STATUS_LABELS = {
    PlanStatus.DRAFT: "Dự thảo",
    PlanStatus.ACTIVE: "Đã ban hành",
    PlanStatus.CLOSED: "Đã kết thúc",
}
# Only these plans feed reports, dashboards and office workspaces; a draft feeds nothing.
REPORTABLE_PLAN_STATUSES = (PlanStatus.ACTIVE, PlanStatus.CLOSED)


class TaskStatus(enum.StrEnum):
    NOT_STARTED = "not_started"  # Chưa thực hiện
    IN_PROGRESS = "in_progress"  # Đang thực hiện
    DONE = "done"  # Hoàn thành
    LATE = "late"  # Chậm tiến độ


TASK_STATUS_LABELS = {
    TaskStatus.NOT_STARTED: "Chưa thực hiện",
    TaskStatus.IN_PROGRESS: "Đang thực hiện",
    TaskStatus.DONE: "Hoàn thành",
    TaskStatus.LATE: "Chậm tiến độ",
}


class CauseType(enum.StrEnum):
    SUBJECTIVE = "subjective"  # Chủ quan
    OBJECTIVE = "objective"  # Khách quan


CAUSE_LABELS = {CauseType.SUBJECTIVE: "Chủ quan", CauseType.OBJECTIVE: "Khách quan"}


class Timing(enum.StrEnum):
    MONTH = "month"  # a due month: "Tháng 7/2025"
    ONGOING = "ongoing"  # "Thường xuyên": reported every month
    NONE = "none"  # the plan gives no time (seed 001, tasks 4.x)


COMPARISONS = (">=", "<=", ">", "<", "=")
_REPORTING_ROLES = (Role.STAFF, Role.HEAD)
COMPARISON_LABELS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
SURVEY_SCOPES = ("overall", "fields")


class Plan(CommuneOwned, db.Model):
    """Kế hoạch CCHC: a period, a theme, the issuing document; draft → active → closed."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint(one_of("status", PlanStatus), name="status_known"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    theme: Mapped[str] = mapped_column(Text, default="")  # chủ đề
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    doc_number: Mapped[str] = mapped_column(String(60), default="")  # "125/KH-UBND"
    doc_date: Mapped[date | None] = mapped_column(Date)
    # The signed document that issued the plan (its number and date are copied above).
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", use_alter=True), index=True
    )
    status: Mapped[PlanStatus] = enum_column(PlanStatus, length=16, default=PlanStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tasks: Mapped[list[Task]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Task.sort_order"
    )
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="Objective.sort_order"
    )
    decision: Mapped[Decision | None] = relationship(foreign_keys=[decision_id])

    @property
    def status_label(self) -> str:
        return PLAN_STATUS_LABELS[PlanStatus(self.status)]

    @property
    def is_draft(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_active(self) -> bool:
        return self.status == PlanStatus.ACTIVE

    @property
    def is_reportable(self) -> bool:
        """Active or closed: its tasks and objectives feed reports, dashboards, workspaces."""
        return self.status in REPORTABLE_PLAN_STATUSES

    @property
    def period_label(self) -> str:
        return f"{self.period_start:%d/%m/%Y} – {self.period_end:%d/%m/%Y}"

    @classmethod
    def reportable(cls):
        """The SQL condition of `is_reportable`, for queries over plans."""
        return cls.status.in_(REPORTABLE_PLAN_STATUSES)

    @classmethod
    def visible_to(cls, user: User):
        """The plans `user` may list: a draft is the secretariat's alone."""
        return sa_true() if user.is_secretariat else cls.reportable()

    def can_view(self, user: User) -> bool:
        return user.is_authenticated and (self.is_reportable or user.is_secretariat)

    def can_edit(self, user: User) -> bool:
        return user.is_secretariat

    @classmethod
    def reportable_plans(cls) -> list[Plan]:
        """Every active or closed plan, newest first (a commune has a few per year)."""
        return list(
            db.session.scalars(
                select(cls).where(cls.reportable()).order_by(cls.period_start.desc(), cls.id.desc())
            )
        )

    @classmethod
    def current(cls, plans: list[Plan] | None = None) -> Plan | None:
        """The active plan whose period includes today (the latest starting one when several
        overlap), else the reportable plan that ended last; never a draft."""
        from ..core.timeutil import local_today

        today = local_today()
        plans = cls.reportable_plans() if plans is None else plans
        running = [p for p in plans if p.is_active and p.period_start <= today <= p.period_end]
        if running:
            return max(running, key=lambda p: (p.period_start, p.id))
        started = [p for p in plans if p.period_start <= today] or plans
        return max(started, key=lambda p: (p.period_end, p.id), default=None)


class Objective(CommuneChild, db.Model):
    """Mục tiêu: a measurable indicator "hồ sơ giải quyết đúng hạn ≥ 95 %" owned by an office."""

    __tablename__ = "objectives"
    commune_through = "plan"
    __table_args__ = (
        UniqueConstraint("plan_id", "code", name="uq_objectives_plan_code"),
        CheckConstraint(one_of("comparison", COMPARISONS), name="comparison_known"),
        CheckConstraint(
            "survey_scope IS NULL OR " + one_of("survey_scope", SURVEY_SCOPES),
            name="survey_scope_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    indicator: Mapped[str] = mapped_column(Text)  # chỉ tiêu
    comparison: Mapped[str] = mapped_column(String(2))
    target: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    unit: Mapped[str] = mapped_column(String(30), default="")
    owner_office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # Linked with the citizens' satisfaction survey (SPEC §8): the monthly values are computed
    # from the answers ("overall", or "fields": see sipas_objective_fields), never typed.
    survey_scope: Mapped[str | None] = mapped_column(String(16))

    plan: Mapped[Plan] = relationship(back_populates="objectives")
    owner_office: Mapped[Office] = relationship(lazy="joined")
    values: Mapped[list[ObjectiveValue]] = relationship(
        back_populates="objective",
        cascade="all, delete-orphan",
        order_by="ObjectiveValue.month",
        lazy="selectin",  # a plan's few objectives are always shown with their values
    )

    @property
    def target_text(self) -> str:
        target = f"{self.target:f}".rstrip("0").rstrip(".") if self.target is not None else ""
        unit = f" {self.unit}" if self.unit else ""
        return f"{COMPARISON_LABELS.get(self.comparison, self.comparison)} {target}{unit}"

    def can_view(self, user: User) -> bool:
        return self.plan.can_view(user)

    @property
    def is_computed(self) -> bool:
        """Its values come from the satisfaction survey, not from an office."""
        return self.survey_scope is not None

    def can_enter_values(self, user: User) -> bool:
        """The owner office reports the monthly values of an active plan; the secretariat may
        correct them (unless they are computed from the survey: the service refuses those)."""
        return self.plan.is_active and (
            user.belongs_to(self.owner_office_id) or user.is_secretariat
        )


class ObjectiveValue(CommuneChild, db.Model):
    """The current value of an objective for one month (first day of the month), one row per
    month; what reports and dashboards read. Every entry, the first and each correction, is
    kept in its `revisions` (who entered what, when, and why it was corrected)."""

    __tablename__ = "objective_values"
    commune_through = "objective"
    __table_args__ = (UniqueConstraint("objective_id", "month", name="uq_objective_values_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id", ondelete="CASCADE"), index=True
    )
    month: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    objective: Mapped[Objective] = relationship(back_populates="values")
    entered_by: Mapped[User | None] = relationship()
    # Newest first; loaded only where the history is shown (the objective's page).
    revisions: Mapped[list[ObjectiveValueRevision]] = relationship(
        back_populates="objective_value",
        cascade="all, delete-orphan",
        order_by="ObjectiveValueRevision.id.desc()",
    )

    @property
    def corrections(self) -> list[ObjectiveValueRevision]:
        """The entries the current value replaced, newest first (the first entry last)."""
        return self.revisions[1:]


class ObjectiveValueRevision(CommuneChild, db.Model):
    """One entry of a month's value: appended, never changed. The first has no reason; a
    correction must say why (like a task update, history is never overwritten)."""

    __tablename__ = "objective_value_revisions"
    commune_through = "objective_value"
    __table_args__ = (CheckConstraint("is_first OR reason <> ''", name="correction_has_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    objective_value_id: Mapped[int] = mapped_column(
        ForeignKey("objective_values.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # lý do sửa
    is_first: Mapped[bool] = mapped_column(default=False)
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    objective_value: Mapped[ObjectiveValue] = relationship(back_populates="revisions")
    entered_by: Mapped[User | None] = relationship(lazy="joined")


class OfficeRole(enum.StrEnum):
    LEAD = "lead"  # chủ trì
    COORDINATING = "coordinating"  # phối hợp


class TaskOffice(db.Model):
    """Which offices lead a task and which coordinate. A task usually has one lead office, but
    the plan may say "CQCM" (every specialised office) as the lead, so leads are rows too."""

    __tablename__ = "task_offices"
    __table_args__ = (CheckConstraint(one_of("role", OfficeRole), name="role_known"),)

    task_id: Mapped[int] = mapped_column(
        ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True
    )
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), primary_key=True, index=True)
    role: Mapped[OfficeRole] = enum_column(OfficeRole, length=16)

    office: Mapped[Office] = relationship(lazy="joined")


class TaskFacts:
    """What a task shows and who may act on it, from its office links, its plan and its
    status: shared by the ORM `Task` and the read-only rows of task lists
    (plans/queries.py `TaskRow`), so that a list and the task's own page agree.

    Needs `office_links` (each with `office_id`, `role` and `office`: `id`, `code`,
    `sort_order`), `plan`, `field`, `timing`, `due_month` and `status`."""

    @property
    def lead_offices(self) -> list[Office]:
        return sorted(
            (link.office for link in self.office_links if link.role == OfficeRole.LEAD),
            key=lambda o: o.sort_order,
        )

    @property
    def coordinating_offices(self) -> list[Office]:
        return sorted(
            (link.office for link in self.office_links if link.role == OfficeRole.COORDINATING),
            key=lambda o: o.sort_order,
        )

    @property
    def office_ids(self) -> set[int]:
        return {link.office_id for link in self.office_links}

    def workspace_office(self, user: User) -> Office | None:
        """The office workspace that shows this task to `user`: its first lead office they may
        open, else the coordinating office they belong to; None when they may not see it."""
        offices = [*self.lead_offices, *self.coordinating_offices]
        return next((o for o in offices if user.can_see_office(o.id)), None)

    @property
    def field_label(self) -> str:
        """Its field's name as the commune calls it (models/commune_settings.py)."""
        from . import commune_settings

        return commune_settings.current().plan_field_label(self.field)

    @property
    def timing_label(self) -> str:
        if self.timing == Timing.MONTH and self.due_month:
            return f"Tháng {self.due_month.month}/{self.due_month.year}"
        if self.timing == Timing.ONGOING:
            return "Thường xuyên"
        return "Không ghi thời gian"

    @property
    def status_label(self) -> str:
        return TASK_STATUS_LABELS[TaskStatus(self.status)]

    def is_lead(self, office: Office | int | None) -> bool:
        office_id = office.id if isinstance(office, Office) else office
        return any(
            link.office_id == office_id and link.role == OfficeRole.LEAD
            for link in self.office_links
        )

    def is_coordinating(self, office: Office | int | None) -> bool:
        office_id = office.id if isinstance(office, Office) else office
        return any(
            link.office_id == office_id and link.role == OfficeRole.COORDINATING
            for link in self.office_links
        )

    # -- permissions -------------------------------------------------------------------------
    def can_view(self, user: User) -> bool:
        if not self.plan.can_view(user):
            return False
        return user.sees_all_offices or user.office_id in self.office_ids

    def _may_report(self, user: User) -> bool:
        return self.plan.is_active and (user.has_role(*_REPORTING_ROLES) or user.is_secretariat)

    def can_report_progress(self, user: User) -> bool:
        """The lead office owns the status and percent: its staff and heads report them."""
        return self.is_lead(user.office_id) and self._may_report(user)

    def can_contribute(self, user: User) -> bool:
        """A coordinating office adds what it did (and evidence), never the status."""
        return self.is_coordinating(user.office_id) and self._may_report(user)

    def can_update(self, user: User) -> bool:
        """Staff and heads of a lead or coordinating office post to the task's history, while
        its plan is active."""
        return self.can_report_progress(user) or self.can_contribute(user)


class Task(CommuneChild, TaskFacts, Searchable, db.Model):
    """Nhiệm vụ: code "3.2", field, content, offices and timing (a due month, or ongoing)."""

    __tablename__ = "tasks"
    commune_through = "plan"
    search_fields = ("code", "content", "field")
    __table_args__ = (
        UniqueConstraint("plan_id", "code", name="uq_tasks_plan_code"),
        CheckConstraint(one_of("field", FIELDS), name="field_known"),
        CheckConstraint(one_of("timing", Timing), name="timing_known"),
        CheckConstraint(
            "(timing = 'month' AND due_month IS NOT NULL) "
            "OR (timing <> 'month' AND due_month IS NULL)",
            name="due_month_with_timing",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(32))
    content: Mapped[str] = mapped_column(Text)
    timing: Mapped[Timing] = enum_column(Timing, length=16, default=Timing.ONGOING)
    due_month: Mapped[date | None] = mapped_column(Date)  # first day of the due month
    sort_order: Mapped[int] = mapped_column(default=0)

    plan: Mapped[Plan] = relationship(back_populates="tasks")
    office_links: Mapped[list[TaskOffice]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    updates: Mapped[list[TaskUpdate]] = relationship(
        back_populates="task",
        cascade="all, delete-orphan",
        order_by="TaskUpdate.id.desc()",
    )
    # Only the newest progress update (a lead office's: it alone sets the status): task lists
    # show status and progress without loading every task's whole history (one query for the
    # whole list, whatever the history's length).
    newest_update: Mapped[TaskUpdate | None] = relationship(
        primaryjoin=lambda: _newest_update_join(),
        viewonly=True,
        uselist=False,
        lazy="selectin",
    )

    @property
    def latest_update(self) -> TaskUpdate | None:
        """The newest progress update, posted by a lead office: it alone sets the status."""
        return self.newest_update

    @property
    def status(self) -> str:
        latest = self.latest_update
        return latest.status if latest else TaskStatus.NOT_STARTED

    @property
    def progress(self) -> int:
        latest = self.latest_update
        return latest.progress if latest else 0

    def catchup_overdue(self, today: date) -> bool:
        """Quá hạn khắc phục: the lead reported the task late and the new deadline of its
        catch-up plan has passed without a newer report (done or otherwise)."""
        latest = self.latest_update
        return latest is not None and latest.catchup_overdue(today)

    def search_parts(self) -> tuple[str, str]:
        return f"{self.code} {self.content}", FIELDS.get(self.field, "")


class UpdateKind(enum.StrEnum):
    PROGRESS = "progress"  # a lead office's status and percent
    CONTRIBUTION = "contribution"  # a coordinating office's part: what it did, evidence


class TaskUpdate(CommuneChild, db.Model):
    """One entry of a task's history: appended, never overwritten. A lead office's progress
    update sets the task's status; a coordinating office's contribution does not."""

    __tablename__ = "task_updates"
    commune_through = "task"
    __table_args__ = (
        CheckConstraint(one_of("kind", UpdateKind), name="kind_known"),
        # A progress update states status and percent. A contribution states neither, except
        # the status updates coordinating offices posted before contributions existed
        # (migration 0010 turned them into contributions and kept what they said).
        CheckConstraint(
            "kind <> 'progress' OR (status IS NOT NULL AND progress IS NOT NULL)",
            name="progress_has_status",
        ),
        # (NULL, a contribution's status, passes a CHECK.)
        CheckConstraint(one_of("status", TaskStatus), name="status_known"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_percent"),
        CheckConstraint("status <> 'done' OR progress = 100", name="done_is_complete"),
        CheckConstraint(
            "cause_type IS NULL OR " + one_of("cause_type", CauseType),
            name="cause_type_known",
        ),
        # SPEC §3 / seed 004 §6: a late task carries its cause and a catch-up plan.
        CheckConstraint(
            "status <> 'late' OR (cause_type IS NOT NULL AND cause <> '' "
            "AND catchup_action <> '' AND catchup_deadline IS NOT NULL "
            "AND catchup_responsible <> '')",
            name="late_needs_catchup_plan",
        ),
        # Task lists read each task's newest progress update: max(id) per task and kind from
        # the index alone.
        Index("ix_task_updates_task_id_kind_id", "task_id", "kind", "id"),
        # The city level reads the newest progress update of every task of its communes'
        # active plans, status and catch-up deadline included, from this index alone
        # (migration 0018_city_scale_indexes).
        Index(
            "ix_task_updates_newest_progress",
            "task_id",
            "id",
            postgresql_include=["status", "catchup_deadline"],
            postgresql_where=text("kind = 'progress'"),
            sqlite_where=text("kind = 'progress'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    kind: Mapped[UpdateKind] = enum_column(
        UpdateKind, length=16, default=UpdateKind.PROGRESS, server_default=UpdateKind.PROGRESS
    )
    # The update the author saw when writing this one: optimistic concurrency.
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("task_updates.id"))
    status: Mapped[TaskStatus | None] = enum_column(TaskStatus, length=16)
    progress: Mapped[int | None] = mapped_column()
    result: Mapped[str] = mapped_column(Text, default="")
    cause_type: Mapped[CauseType | None] = enum_column(CauseType, length=16)
    cause: Mapped[str] = mapped_column(Text, default="")
    catchup_action: Mapped[str] = mapped_column(Text, default="")
    catchup_deadline: Mapped[date | None] = mapped_column(Date)
    catchup_responsible: Mapped[str] = mapped_column(String(200), default="")

    task: Mapped[Task] = relationship(back_populates="updates")
    office: Mapped[Office | None] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        secondary="task_update_attachments", lazy="selectin", order_by="Attachment.id"
    )

    @property
    def is_contribution(self) -> bool:
        return self.kind == UpdateKind.CONTRIBUTION

    @property
    def status_label(self) -> str:
        if self.status is None:
            return "Phối hợp"
        return TASK_STATUS_LABELS[TaskStatus(self.status)]

    @property
    def cause_label(self) -> str:
        return CAUSE_LABELS[CauseType(self.cause_type)] if self.cause_type else ""

    def catchup_overdue(self, today: date) -> bool:
        """A late progress update whose catch-up deadline is before `today`."""
        return (
            self.kind == UpdateKind.PROGRESS
            and self.status == TaskStatus.LATE
            and self.catchup_deadline is not None
            and self.catchup_deadline < today
        )


def newest_progress_id(task_id):
    """The id of the newest progress update of the task `task_id` (a column or a value):
    the one update that gives a task its status, everywhere it is shown."""
    newer = aliased(TaskUpdate)
    return (
        select(func.max(newer.id))
        .where(newer.task_id == task_id, newer.kind == UpdateKind.PROGRESS)
        .scalar_subquery()
    )


def _newest_update_join():
    return and_(
        TaskUpdate.task_id == Task.id, TaskUpdate.id == newest_progress_id(TaskUpdate.task_id)
    )


class TaskUpdateAttachment(db.Model):
    """Evidence (minh chứng) of a task update."""

    __tablename__ = "task_update_attachments"

    update_id: Mapped[int] = mapped_column(
        ForeignKey("task_updates.id", ondelete="CASCADE"), primary_key=True
    )
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachments.id"), primary_key=True, unique=True
    )
