"""Decisions (quyết định) of the Chairman: drafted by the secretariat, approved and signed.

A Decision is about a subject, tied by a real foreign key: the council it establishes or
whose results it recognises (``council_id``), the plan it issues (``plan_id``), the
initiatives it recognises or nominates (:class:`DecisionItem` rows). What signing does to the
subject is owned by the module that registered the kind (see ``decisions/providers.py``).
The content is stored as plain data (JSON lists), frozen at approval together with the signed
PDF's bytes and their SHA-256.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..core.extensions import db
from ..core.tenancy import CommuneChild, CommuneOwned
from ..core.timeutil import utcnow
from .columns import enum_column, one_of
from .org import User
from .search import Searchable

if TYPE_CHECKING:
    from .council import Council
    from .initiatives import Initiative, Round
    from .plans import Plan


class DecisionKind(enum.StrEnum):
    PLAN_APPROVAL = "plan_approval"  # Kế hoạch CCHC ban hành (seed 001)
    COUNCIL_ESTABLISHMENT = "council_establishment"  # Quyết định thành lập Hội đồng
    INITIATIVE_RECOGNITION = "initiative_recognition"  # Quyết định công nhận sáng kiến
    NOMINATION_DOSSIER = "nomination_dossier"  # Hồ sơ đề nghị cấp thành phố (Tờ trình)
    OTHER = "other"


#: The document type each kind is issued as (Nghị định 30: "Quyết định", "Tờ trình", ...).
DOC_TYPES = {
    DecisionKind.PLAN_APPROVAL: "Kế hoạch",
    DecisionKind.NOMINATION_DOSSIER: "Tờ trình",
}
#: Kinds whose body is paragraphs, not "Điều 1., Điều 2." under "QUYẾT ĐỊNH:".
PROSE_KINDS = frozenset(DOC_TYPES)


class DecisionState(enum.StrEnum):
    DRAFT = "draft"  # Dự thảo
    SUBMITTED = "submitted"  # Đã trình lãnh đạo
    APPROVED = "approved"  # Đã ký ban hành
    RETURNED = "returned"  # Bị trả lại (to be edited and submitted again)


class Competence(enum.StrEnum):
    """Whose competence the Decision is (SPEC §6): it decides the signature block."""

    CHAIRMAN = "chairman"  # thẩm quyền riêng của Chủ tịch: "CHỦ TỊCH"
    COMMITTEE = "committee"  # tập thể UBND: "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH"


STATE_LABELS = {
    DecisionState.DRAFT: "Dự thảo",
    DecisionState.SUBMITTED: "Chờ lãnh đạo duyệt",
    DecisionState.APPROVED: "Đã ký ban hành",
    DecisionState.RETURNED: "Bị trả lại",
}
EDITABLE_STATES = frozenset({DecisionState.DRAFT, DecisionState.RETURNED})


class DecisionCounter(CommuneOwned, db.Model):
    """The last number issued in a series (year, symbol).

    Its row is what approvals lock (SELECT ... FOR UPDATE) so that two approvals of the same
    series never compute the same number; it is written in the approval's own transaction,
    so a failed approval leaves no gap.
    """

    __tablename__ = "decision_counters"

    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Decision(CommuneOwned, Searchable, db.Model):
    """Quyết định: one document of the Chairman, from draft to signed PDF."""

    __tablename__ = "decisions"
    commune_parents = ("council", "plan", "round")
    search_fields = ("number", "symbol", "summary", "appendix_title")
    __table_args__ = (
        CheckConstraint(one_of("kind", DecisionKind), name="kind_known"),
        CheckConstraint(one_of("state", DecisionState), name="state_known"),
        CheckConstraint(one_of("competence", Competence), name="competence_known"),
        # Approved means numbered, dated, signed and frozen; nothing else may carry a number.
        CheckConstraint(
            "(state = 'approved' AND number IS NOT NULL AND issued_on IS NOT NULL "
            "AND pdf_sha256 IS NOT NULL AND approved_by_id IS NOT NULL "
            "AND approved_at IS NOT NULL) "
            "OR (state <> 'approved' AND number IS NULL AND pdf_sha256 IS NULL "
            "AND approved_at IS NULL)",
            name="approved_is_numbered_and_frozen",
        ),
        CheckConstraint("number IS NULL OR number >= 1", name="number_positive"),
        CheckConstraint(
            "state <> 'returned' OR return_comment IS NOT NULL", name="returned_has_comment"
        ),
        UniqueConstraint(
            "commune_id", "year", "symbol", "number", name="uq_decisions_year_symbol_number"
        ),
        # Every kind but "other" is about a subject it names by foreign key.
        CheckConstraint(
            "kind NOT IN ('council_establishment', 'initiative_recognition') "
            "OR council_id IS NOT NULL",
            name="council_kinds_name_council",
        ),
        CheckConstraint(
            "kind <> 'plan_approval' OR plan_id IS NOT NULL", name="plan_kind_names_plan"
        ),
        CheckConstraint("locked_articles >= 0", name="locked_articles_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    kind: Mapped[DecisionKind] = enum_column(DecisionKind, length=32, default=DecisionKind.OTHER)
    state: Mapped[DecisionState] = enum_column(
        DecisionState, length=16, default=DecisionState.DRAFT, index=True
    )
    competence: Mapped[Competence] = enum_column(Competence, length=16, default=Competence.CHAIRMAN)
    # What the Decision is about (see the CHECK constraints): the council it establishes or
    # recognises the results of, the plan it issues, the round of a nomination.
    council_id: Mapped[int | None] = mapped_column(ForeignKey("councils.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("initiative_rounds.id"), index=True)
    # The first `locked_articles` articles and the appendix are built from the subject's data
    # (members, results, tasks): the secretariat edits the rest, and "Cập nhật theo dữ liệu"
    # builds them again. `source_fingerprint` is the subject's data when they were built:
    # submitting or signing a draft whose subject changed since is refused.
    locked_articles: Mapped[int] = mapped_column(Integer, default=0)
    source_fingerprint: Mapped[str] = mapped_column(String(64), default="")

    # Số và ký hiệu: "12/QĐ-UBND"; the number per (year, symbol) is given at approval.
    year: Mapped[int] = mapped_column(Integer)
    symbol: Mapped[str] = mapped_column(String(32), default="QĐ-UBND")
    number: Mapped[int | None] = mapped_column(Integer)
    issued_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(120), default="")
    issuer_lines: Mapped[list] = mapped_column(JSON, default=list)  # ["ỦY BAN NHÂN DÂN", ...]
    issuer_authority: Mapped[str] = mapped_column(String(200), default="")  # "CHỦ TỊCH UBND XÃ…"

    summary: Mapped[str] = mapped_column(Text, default="")  # trích yếu: "Về việc ..."
    addressee: Mapped[str] = mapped_column(String(300), default="")  # Tờ trình: "Kính gửi: ..."
    bases: Mapped[list] = mapped_column(JSON, default=list)  # căn cứ
    articles: Mapped[list] = mapped_column(JSON, default=list)  # Điều 1, 2, 3 ... (text)
    recipients: Mapped[list] = mapped_column(JSON, default=list)  # nơi nhận
    appendix_title: Mapped[str] = mapped_column(String(300), default="")
    appendix_columns: Mapped[list] = mapped_column(JSON, default=list)
    appendix_widths: Mapped[list] = mapped_column(JSON, default=list)
    appendix_rows: Mapped[list] = mapped_column(JSON, default=list)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_comment: Mapped[str | None] = mapped_column(Text)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # Frozen at approval: who signed, in which capacity, and the signed bytes.
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    signer_name: Mapped[str | None] = mapped_column(String(120))
    authority_lines: Mapped[list] = mapped_column(JSON, default=list)  # ["KT. CHỦ TỊCH", ...]
    # The bytes live in the row, not in the upload store: they are committed or rolled back
    # with the number in one transaction (no orphan file, no number without its PDF), are
    # backed up with the database, and a Decision PDF is small (tens of kB, a few a year).
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    council: Mapped[Council | None] = relationship(foreign_keys=[council_id])
    plan: Mapped[Plan | None] = relationship(foreign_keys=[plan_id])
    round: Mapped[Round | None] = relationship(foreign_keys=[round_id])
    items: Mapped[list[DecisionItem]] = relationship(
        back_populates="decision", cascade="all, delete-orphan", order_by="DecisionItem.position"
    )

    # -- state -------------------------------------------------------------------------------
    @property
    def state_label(self) -> str:
        return STATE_LABELS[DecisionState(self.state)]

    @property
    def is_approved(self) -> bool:
        return self.state == DecisionState.APPROVED

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    @property
    def number_symbol(self) -> str | None:
        """ "05/QĐ-UBND", or None before approval."""
        from ..documents import format_number_symbol

        return format_number_symbol(self.number, self.symbol) if self.number else None

    @property
    def doc_type(self) -> str:
        """The document's type name: a Tờ trình to the city, a Kế hoạch, or a Quyết định."""
        return DOC_TYPES.get(DecisionKind(self.kind), "Quyết định")

    @property
    def is_prose(self) -> bool:
        return DecisionKind(self.kind) in PROSE_KINDS

    @property
    def kept_items(self) -> list[DecisionItem]:
        return [item for item in self.items if not item.dropped]

    @property
    def display_name(self) -> str:
        if self.number_symbol:
            return f"{self.doc_type} số {self.number_symbol}"
        return f"Dự thảo {self.doc_type.lower()} #{self.id}"

    # -- permissions -------------------------------------------------------------------------
    def can_view(self, user: User) -> bool:
        """Drafts are the secretariat's and the leaders' work; issued Decisions are public
        inside the committee (anyone logged in may read and download them)."""
        if not getattr(user, "is_authenticated", False):
            return False
        return self.is_approved or user.is_secretariat or user.is_leader or user.is_admin

    def can_edit(self, user: User) -> bool:
        return user.is_secretariat and self.is_editable

    def can_decide(self, user: User) -> bool:
        """Approving or returning is for the Chairman and the Vice-Chairmen only."""
        return user.is_leader

    def __repr__(self) -> str:
        return f"<Decision {self.id} {self.state} {self.number_symbol or ''}>"

    def search_parts(self) -> tuple[str, str]:
        number = f"{self.number}/{self.symbol}" if self.number else ""
        return f"{number} {self.summary}", self.appendix_title


class DecisionItem(CommuneChild, db.Model):
    """An initiative a Decision recognises or nominates, in the appendix's order.

    The recognition Decision's items are exactly the initiatives its council recommended: the
    secretariat may drop one with a written reason (it is then not recognised), never add one.
    """

    __tablename__ = "decision_items"
    commune_through = "decision"
    __table_args__ = (
        UniqueConstraint("decision_id", "initiative_id", name="uq_decision_items_initiative"),
        CheckConstraint("NOT dropped OR drop_reason <> ''", name="dropped_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[float | None] = mapped_column(Float)  # the council's mean total
    dropped: Mapped[bool] = mapped_column(Boolean, default=False)
    drop_reason: Mapped[str] = mapped_column(Text, default="")

    decision: Mapped[Decision] = relationship(back_populates="items")
    initiative: Mapped[Initiative] = relationship(lazy="joined")
