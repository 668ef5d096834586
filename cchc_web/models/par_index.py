"""PAR Index self-assessment (Bộ chỉ số cải cách hành chính, SPEC §4, seeds 003 and 004).

Glossary:
- IndexSet — Bộ chỉ số của một năm: the tree of items, the deadline for self-scoring, the
  survey part (điều tra xã hội học) and the bonus/penalty points (điểm thưởng / điểm trừ).
- IndexItem — lĩnh vực (level 1) → tiêu chí (level 2) → tiêu chí thành phần (level 3), with its
  maximum points (điểm tối đa). A leaf is assigned to one office (Phụ lục phân công).
- SelfScore — điểm tự đánh giá of a leaf by its office, with explanation and evidence
  (minh chứng). One row per leaf, last wins: every change is in the audit log with before/after.
- Appraisal — điểm thẩm định by the secretariat (Phòng VH-XH): accepted, or adjusted with reason.

Points are decimals (14,5): Numeric columns and Decimal in Python, never float.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.extensions import db
from ..core.tenancy import CommuneChild, CommuneOwned
from ..core.timeutil import utcnow
from .columns import enum_column, one_of
from .files import Attachment
from .org import Office, Role, User
from .search import Searchable

POINTS = Numeric(6, 2)
# Roles that work inside an office (the secretariat appraises, it does not score others' leaves).
_OFFICE_ROLES = (Role.STAFF, Role.HEAD)


class SetStatus(enum.StrEnum):
    DRAFT = "draft"  # Đang xây dựng: structure and assignment are edited
    OPEN = "open"  # Đang tự chấm điểm: offices score their leaves until the deadline
    CLOSED = "closed"  # Đã khóa: no more self-scores; appraisal may still be finished

    @property
    def label(self) -> str:
        return {
            "draft": "Đang xây dựng",
            "open": "Đang tự chấm điểm",
            "closed": "Đã khóa tự chấm",
        }[self.value]


class ScoringMethod(enum.StrEnum):
    SELF = "self"  # Tự đánh giá: scored by the assigned office
    SURVEY = "survey"  # Điều tra xã hội học: the survey part, entered by the secretariat

    @property
    def label(self) -> str:
        return {"self": "Tự đánh giá", "survey": "Điều tra xã hội học"}[self.value]


class IndexSet(CommuneOwned, db.Model):
    """Bộ chỉ số CCHC of one year."""

    __tablename__ = "par_index_sets"
    __table_args__ = (
        CheckConstraint(one_of("status", SetStatus), name="status_known"),
        CheckConstraint("year BETWEEN 2000 AND 2100", name="year_range"),
        CheckConstraint("survey_score IS NULL OR survey_score >= 0", name="survey_not_negative"),
        CheckConstraint("bonus_points >= 0 AND penalty_points >= 0", name="bonus_penalty_positive"),
        UniqueConstraint("commune_id", "year", name="uq_par_index_sets_commune_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    deadline: Mapped[date | None] = mapped_column(Date)  # hạn tự chấm điểm, inclusive
    status: Mapped[SetStatus] = enum_column(SetStatus, length=16, default=SetStatus.DRAFT)
    # The survey part's maximum is the sum of the survey-method fields of the tree (never typed
    # twice); its result is entered (or imported) by the secretariat as one value.
    survey_score: Mapped[Decimal | None] = mapped_column(POINTS)
    bonus_points: Mapped[Decimal] = mapped_column(POINTS, default=Decimal("0"))
    penalty_points: Mapped[Decimal] = mapped_column(POINTS, default=Decimal("0"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    items: Mapped[list[IndexItem]] = relationship(
        back_populates="index_set",
        cascade="all, delete-orphan",
        order_by="IndexItem.sort_order",
    )

    @property
    def is_open(self) -> bool:
        return self.status == SetStatus.OPEN

    @property
    def fields(self) -> list[IndexItem]:
        return [item for item in self.items if item.parent_id is None]

    @property
    def leaves(self) -> list[IndexItem]:
        return [item for item in self.items if item.is_leaf]

    @property
    def survey_max(self) -> Decimal:
        return sum((f.max_points for f in self.fields if f.is_survey), Decimal("0"))

    @property
    def max_total(self) -> Decimal:
        return sum((f.max_points for f in self.fields), Decimal("0"))

    def can_view(self, user: User) -> bool:
        """Every office reads the set (it must know its own duties); scores are filtered."""
        return bool(user.is_authenticated)

    def can_manage(self, user: User) -> bool:
        return user.is_secretariat

    def __repr__(self) -> str:
        return f"<IndexSet {self.year}>"


class IndexItem(CommuneChild, Searchable, db.Model):
    """A node of the set's tree: lĩnh vực, tiêu chí or tiêu chí thành phần."""

    __tablename__ = "par_index_items"
    commune_through = "index_set"
    search_fields = ("code", "title", "guidance")
    __table_args__ = (
        UniqueConstraint("set_id", "code", name="uq_par_index_items_set_code"),
        CheckConstraint("max_points >= 0", name="max_not_negative"),
        CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
        CheckConstraint(one_of("method", ScoringMethod), name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("par_index_sets.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("par_index_items.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(20))  # "3.2.1"
    title: Mapped[str] = mapped_column(String(500))
    max_points: Mapped[Decimal] = mapped_column(POINTS)
    guidance: Mapped[str] = mapped_column(Text, default="")  # hướng dẫn chấm điểm
    method: Mapped[ScoringMethod] = enum_column(
        ScoringMethod, length=16, default=ScoringMethod.SELF
    )
    level: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    # Phụ lục phân công: the office responsible for a leaf (None on fields and criteria).
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)

    index_set: Mapped[IndexSet] = relationship(back_populates="items")
    parent: Mapped[IndexItem | None] = relationship(
        remote_side="IndexItem.id", back_populates="children"
    )
    children: Mapped[list[IndexItem]] = relationship(
        back_populates="parent", order_by="IndexItem.sort_order"
    )
    office: Mapped[Office | None] = relationship()
    self_score: Mapped[SelfScore | None] = relationship(
        back_populates="item", cascade="all, delete-orphan", uselist=False
    )

    @property
    def is_leaf(self) -> bool:
        return not self.children

    @property
    def is_survey(self) -> bool:
        return self.method == ScoringMethod.SURVEY

    @property
    def method_enum(self) -> ScoringMethod:
        return ScoringMethod(self.method)

    @property
    def field(self) -> IndexItem:
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    def can_view(self, user: User) -> bool:
        return user.sees_all_offices or user.belongs_to(self.office_id)

    def can_score(self, user: User) -> bool:
        """Only the assigned office's own staff or head score a self-assessed leaf."""
        return (
            self.is_leaf
            and not self.is_survey
            and self.office_id is not None
            and user.belongs_to(self.office_id)
            and user.has_role(*_OFFICE_ROLES)
        )

    def search_parts(self) -> tuple[str, str]:
        return f"{self.code} {self.title}", self.guidance

    def __repr__(self) -> str:
        return f"<IndexItem {self.code}>"


self_score_attachments = Table(
    "par_self_score_attachments",
    db.metadata,
    Column(
        "self_score_id",
        ForeignKey("par_self_scores.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("attachment_id", ForeignKey("attachments.id", ondelete="CASCADE"), primary_key=True),
)


class SelfScore(CommuneChild, db.Model):
    """Điểm tự đánh giá of a leaf. Last wins; the audit log keeps every earlier value."""

    __tablename__ = "par_self_scores"
    commune_through = "item"
    __table_args__ = (CheckConstraint("score >= 0", name="score_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("par_index_items.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[Decimal] = mapped_column(POINTS)
    explanation: Mapped[str] = mapped_column(Text, default="")
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    item: Mapped[IndexItem] = relationship(back_populates="self_score")
    scored_by: Mapped[User | None] = relationship()
    evidence: Mapped[list[Attachment]] = relationship(
        secondary=self_score_attachments, order_by="Attachment.id"
    )
    appraisal: Mapped[Appraisal | None] = relationship(
        back_populates="self_score", cascade="all, delete-orphan", uselist=False
    )

    @property
    def missing_evidence(self) -> bool:
        return not self.evidence

    def can_view(self, user: User) -> bool:
        return self.item.can_view(user)


class Appraisal(CommuneChild, db.Model):
    """Điểm thẩm định: the secretariat accepts the self-score, or adjusts it with a reason."""

    __tablename__ = "par_appraisals"
    commune_through = "self_score"
    __table_args__ = (
        CheckConstraint("score >= 0", name="score_not_negative"),
        CheckConstraint("accepted OR length(reason) > 0", name="adjustment_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    self_score_id: Mapped[int] = mapped_column(
        ForeignKey("par_self_scores.id", ondelete="CASCADE"), unique=True
    )
    accepted: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[Decimal] = mapped_column(POINTS)
    reason: Mapped[str] = mapped_column(Text, default="")
    appraised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appraised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    self_score: Mapped[SelfScore] = relationship(back_populates="appraisal")
    appraised_by: Mapped[User | None] = relationship()


class CityAppraisal(CommuneOwned, db.Model):
    """Điểm thẩm định của thành phố (Sở Nội vụ) for one leaf of a commune's self-assessment:
    a row of the CITY's tenant (`commune_id` is the city) that names the commune appraised and
    its item. It accepts the commune's self-score or adjusts it with a reason; the self-score it
    was given is kept, so a later change of the commune's score shows as needing a new look."""

    __tablename__ = "city_par_appraisals"
    __table_args__ = (
        CheckConstraint("score >= 0", name="score_not_negative"),
        CheckConstraint("accepted OR length(reason) > 0", name="adjustment_has_reason"),
        UniqueConstraint("item_id", name="uq_city_par_appraisals_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    # The commune whose self-assessment is appraised, its set and the leaf.
    subject_commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    set_id: Mapped[int] = mapped_column(
        ForeignKey("par_index_sets.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("par_index_items.id", ondelete="CASCADE"))
    self_score_id: Mapped[int | None] = mapped_column(
        ForeignKey("par_self_scores.id", ondelete="SET NULL")
    )
    self_score_value: Mapped[Decimal] = mapped_column(POINTS)  # the self-score appraised
    accepted: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[Decimal] = mapped_column(POINTS)
    reason: Mapped[str] = mapped_column(Text, default="")
    appraised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appraised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    appraised_by: Mapped[User | None] = relationship()
