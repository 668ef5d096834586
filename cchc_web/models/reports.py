"""Progress reports (báo cáo định kỳ): an office's monthly, quarterly, half-year or yearly
report to the standing office (VHXH), and the commune report compiled from the accepted ones.

Glossary: báo cáo tháng / quý / 6 tháng / năm = monthly / quarterly / half-year / yearly
report; nộp = submit; tiếp nhận = accept; trả lại = return; nộp muộn = submitted late.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.extensions import db
from ..core.tenancy import CommuneChild, CommuneOwned
from ..core.timeutil import to_local, utcnow
from .columns import enum_column, one_of
from .org import Office, Role, User
from .search import Searchable


class ReportKind(enum.StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF_YEAR = "half_year"
    YEAR = "year"


REPORT_KIND_LABELS = {
    ReportKind.MONTH: "Báo cáo tháng",
    ReportKind.QUARTER: "Báo cáo quý",
    ReportKind.HALF_YEAR: "Báo cáo 6 tháng",
    ReportKind.YEAR: "Báo cáo năm",
}


class ReportStatus(enum.StrEnum):
    DRAFT = "draft"  # Đang soạn
    SUBMITTED = "submitted"  # Đã nộp
    ACCEPTED = "accepted"  # Đã tiếp nhận
    RETURNED = "returned"  # Bị trả lại


REPORT_STATUS_LABELS = {
    ReportStatus.DRAFT: "Đang soạn",
    ReportStatus.SUBMITTED: "Đã nộp, chờ tiếp nhận",
    ReportStatus.ACCEPTED: "Đã tiếp nhận",
    ReportStatus.RETURNED: "Bị trả lại",
}


class Report(CommuneOwned, Searchable, db.Model):
    """One office's report for one period (office NULL: the commune report by VHXH)."""

    __tablename__ = "reports"
    commune_parents = ("office",)
    search_fields = ("kind", "period_end", "direction", "strengths_limits", "next_tasks")
    __table_args__ = (
        CheckConstraint(one_of("kind", ReportKind), name="kind_known"),
        CheckConstraint(one_of("status", ReportStatus), name="status_known"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        # One report per office, kind and period (two clicks on "Lập báo cáo" make one).
        UniqueConstraint(
            "commune_id", "office_id", "kind", "period_end", name="uq_reports_office_period"
        ),
        # A report that left the office has a submission time; a draft has none.
        CheckConstraint(
            "(status = 'draft' AND submitted_at IS NULL) "
            "OR (status <> 'draft' AND submitted_at IS NOT NULL)",
            name="submitted_at_with_status",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    kind: Mapped[ReportKind] = enum_column(ReportKind, length=16)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # Due before this date (seed 004 §7: "trước ngày 20").
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[ReportStatus] = enum_column(ReportStatus, length=16, default=ReportStatus.DRAFT)
    # Parts I, III and IV are written by the office; part II and the appendix are compiled.
    direction: Mapped[str] = mapped_column(Text, default="")
    strengths_limits: Mapped[str] = mapped_column(Text, default="")
    next_tasks: Mapped[str] = mapped_column(Text, default="")
    # The compiled figures frozen at submission, so that later updates do not rewrite it.
    compiled: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    office: Mapped[Office | None] = relationship(lazy="joined")
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    comments: Mapped[list[ReportComment]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportComment.id"
    )

    @property
    def kind_label(self) -> str:
        return REPORT_KIND_LABELS[ReportKind(self.kind)]

    @property
    def status_label(self) -> str:
        return REPORT_STATUS_LABELS[ReportStatus(self.status)]

    @property
    def is_commune_report(self) -> bool:
        return self.office_id is None

    @property
    def period_label(self) -> str:
        end = self.period_end
        if self.kind == ReportKind.MONTH:
            return f"tháng {end.month}/{end.year}"
        if self.kind == ReportKind.QUARTER:
            return f"quý {(end.month - 1) // 3 + 1}/{end.year}"
        if self.kind == ReportKind.HALF_YEAR:
            return f"6 tháng đầu năm {end.year}"
        return f"năm {end.year}"

    @property
    def name(self) -> str:
        """ "Báo cáo tháng 12/2025", "Báo cáo 6 tháng đầu năm 2026", "Báo cáo năm 2025"."""
        if self.kind in (ReportKind.MONTH, ReportKind.QUARTER):
            return f"{self.kind_label} {self.period_label.split(' ', 1)[1]}"
        return f"Báo cáo {self.period_label}"

    @property
    def title(self) -> str:
        who = self.office.name if self.office else "UBND xã"
        return f"{self.name} — {who}"

    @property
    def is_late(self) -> bool:
        """Submitted on or after the deadline day (local time): it had to come before the 20th."""
        return self.submitted_at is not None and to_local(self.submitted_at).date() >= self.deadline

    # -- permissions -------------------------------------------------------------------------
    def can_view(self, user: User) -> bool:
        if self.office_id is None:
            return user.sees_all_offices
        return user.can_see_office(self.office_id)

    def can_edit(self, user: User) -> bool:
        """The office's staff and head write a draft or a returned report."""
        if self.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            return False
        if self.office_id is None:
            return user.is_secretariat
        return user.belongs_to(self.office_id) and user.has_role(Role.STAFF, Role.HEAD)

    def can_submit(self, user: User) -> bool:
        if self.status not in (ReportStatus.DRAFT, ReportStatus.RETURNED):
            return False
        if self.office_id is None:
            return user.is_secretariat
        return user.belongs_to(self.office_id) and user.has_role(Role.HEAD)

    def can_decide(self, user: User) -> bool:
        return (
            self.status == ReportStatus.SUBMITTED
            and self.office_id is not None
            and user.is_secretariat
        )

    def search_parts(self) -> tuple[str, str]:
        return self.name, f"{self.direction} {self.strengths_limits} {self.next_tasks}"


class ReportComment(CommuneChild, db.Model):
    """What happened to a report and why: a return's reason, an acceptance, a resubmission."""

    __tablename__ = "report_comments"
    commune_through = "report"
    __table_args__ = (
        CheckConstraint(
            one_of("action", ("submit", "accept", "return", "comment")), name="action_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    report: Mapped[Report] = relationship(back_populates="comments")
    author: Mapped[User | None] = relationship(lazy="joined")

    ACTION_LABELS = {
        "submit": "Nộp báo cáo",
        "accept": "Tiếp nhận",
        "return": "Trả lại",
        "comment": "Ý kiến",
    }

    @property
    def action_label(self) -> str:
        return self.ACTION_LABELS.get(self.action, self.action)
