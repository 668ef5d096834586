"""Reform initiatives (sáng kiến CCHC): the yearly round, the offices' applications, their authors
and evidence (SPEC §5, seeds 000 and 002, the form of Thông tư 18/2013/TT-BKHCN)."""

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
    Index,
    Integer,
    LargeBinary,
    String,
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

if TYPE_CHECKING:
    from .council import Council
    from .decisions import Decision

# Lĩnh vực CCHC (SPEC §2); "chi_so" is field h) of seed 002, for initiatives only.
INITIATIVE_FIELDS: dict[str, str] = {
    "chi_dao_dieu_hanh": "Công tác chỉ đạo, điều hành",
    "the_che": "Cải cách thể chế",
    "tthc": "Cải cách thủ tục hành chính",
    "to_chuc_bo_may": "Cải cách tổ chức bộ máy hành chính nhà nước",
    "cong_vu": "Cải cách chế độ công vụ",
    "tai_chinh_cong": "Cải cách tài chính công",
    "chinh_quyen_so": "Xây dựng và phát triển chính quyền điện tử, chính quyền số",
    "chi_so": "Nâng cao các chỉ số DTI, PCI, PAR Index, PGI",
}

# The default score sheet (SPEC §5): no national rubric exists, this follows common provincial
# score sheets. Each round keeps its own copy, so changing the default never rescores the past.
DEFAULT_RUBRIC: list[dict] = [
    {
        "code": "novelty",
        "label": "Tính mới, sáng tạo",
        "max": 30,
        "bands": "Hoàn toàn mới: 27–30; cải tiến tốt: 21–26; trung bình: 16–20; "
        "cải tiến nhỏ: 1–15; không mới hoặc sao chép: 0.",
    },
    {
        "code": "effectiveness",
        "label": "Hiệu quả (có số liệu chứng minh)",
        "max": 40,
        "bands": "Hiệu quả rõ rệt, có số liệu đo được: 33–40; hiệu quả khá: 25–32; "
        "hiệu quả trung bình: 15–24; hiệu quả thấp, chưa có số liệu: 1–14; không hiệu quả: 0.",
    },
    {
        "code": "applicability",
        "label": "Khả năng áp dụng, nhân rộng",
        "max": 30,
        "bands": "Nhân rộng được toàn thành phố: 25–30; trong toàn xã: 18–24; "
        "trong một vài đơn vị: 10–17; chỉ trong đơn vị đề xuất: 1–9; không áp dụng được: 0.",
    },
]


class InitiativeState(enum.StrEnum):
    """SPEC §5: draft → submitted → (returned → submitted)* → accepted → scored →
    recommended / not recommended → recognised / not recognised → nominated."""

    DRAFT = "draft"  # Dự thảo
    SUBMITTED = "submitted"  # Đã gửi Phòng VH-XH
    RETURNED = "returned"  # Trả lại để hoàn thiện
    ACCEPTED = "accepted"  # Đã tiếp nhận, đưa ra Hội đồng
    SCORED = "scored"  # Hội đồng đã chấm xong
    RECOMMENDED = "recommended"  # Hội đồng đề nghị công nhận
    NOT_RECOMMENDED = "not_recommended"  # Hội đồng không đề nghị
    RECOGNISED = "recognised"  # Được công nhận (Quyết định của Chủ tịch)
    NOT_RECOGNISED = "not_recognised"  # Không được công nhận
    NOMINATED = "nominated"  # Đề nghị công nhận cấp thành phố

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS = {
    InitiativeState.DRAFT: "Dự thảo",
    InitiativeState.SUBMITTED: "Đã gửi",
    InitiativeState.RETURNED: "Bị trả lại",
    InitiativeState.ACCEPTED: "Đã tiếp nhận",
    InitiativeState.SCORED: "Đã chấm điểm",
    InitiativeState.RECOMMENDED: "Được đề nghị công nhận",
    InitiativeState.NOT_RECOMMENDED: "Không được đề nghị",
    InitiativeState.RECOGNISED: "Đã được công nhận",
    InitiativeState.NOT_RECOGNISED: "Không được công nhận",
    InitiativeState.NOMINATED: "Đề nghị cấp thành phố",
}
STATE_VALUES = tuple(s.value for s in InitiativeState)
# States in which the office has handed the initiative over (for "who has submitted nothing").
HANDED_IN_STATES = frozenset(STATE_VALUES) - {InitiativeState.DRAFT, InitiativeState.RETURNED}
WAS_RECOMMENDED_STATES = frozenset(
    {
        InitiativeState.RECOMMENDED,
        InitiativeState.RECOGNISED,
        InitiativeState.NOT_RECOGNISED,
        InitiativeState.NOMINATED,
    }
)
RECOGNISED_STATES = frozenset({InitiativeState.RECOGNISED, InitiativeState.NOMINATED})
EDITABLE_STATES = frozenset({InitiativeState.DRAFT, InitiativeState.RETURNED})


class Round(CommuneOwned, db.Model):
    """Đợt sáng kiến: one per year, with its deadlines, open fields, rubric and pass rule."""

    __tablename__ = "initiative_rounds"
    __table_args__ = (
        CheckConstraint("submission_deadline <= decision_deadline", name="deadlines_ordered"),
        CheckConstraint("pass_min_total >= 0", name="pass_min_total_positive"),
        CheckConstraint(
            "vote_num > 0 AND vote_den >= vote_num AND quorum_num > 0 AND quorum_den >= quorum_num",
            name="fractions_valid",
        ),
        UniqueConstraint("commune_id", "year", name="uq_initiative_rounds_commune_year"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    submission_deadline: Mapped[date] = mapped_column(Date)  # hạn nộp (20/9 or 25/9)
    decision_deadline: Mapped[date] = mapped_column(Date)  # hạn Quyết định công nhận (30/9)
    open_fields: Mapped[list] = mapped_column(JSON, default=lambda: list(INITIATIVE_FIELDS))
    rubric: Mapped[list] = mapped_column(JSON, default=lambda: [dict(c) for c in DEFAULT_RUBRIC])
    # Pass rule (SPEC §5): mean total ≥ pass_min_total, mean of novelty_code > 0,
    # yes-votes ≥ vote_num/vote_den of the scorers, scorers ≥ quorum_num/quorum_den of members.
    pass_min_total: Mapped[int] = mapped_column(Integer, default=50)
    novelty_code: Mapped[str] = mapped_column(String(32), default="novelty")
    vote_num: Mapped[int] = mapped_column(Integer, default=2)
    vote_den: Mapped[int] = mapped_column(Integer, default=3)
    quorum_num: Mapped[int] = mapped_column(Integer, default=2)
    quorum_den: Mapped[int] = mapped_column(Integer, default=3)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    initiatives: Mapped[list[Initiative]] = relationship(back_populates="round")
    reopenings: Mapped[list[SubmissionReopening]] = relationship(
        back_populates="round", order_by="SubmissionReopening.created_at"
    )
    council: Mapped[Council | None] = relationship(back_populates="round", uselist=False)

    @property
    def max_total(self) -> int:
        return sum(int(c["max"]) for c in self.rubric)

    def criterion(self, code: str) -> dict | None:
        return next((c for c in self.rubric if c["code"] == code), None)

    def reopened_until(self, office_id: int) -> date | None:
        dates = [r.until for r in self.reopenings if r.office_id == office_id]
        return max(dates) if dates else None

    def submission_open_for(self, office_id: int, today: date) -> bool:
        """Open until the deadline, or until the secretariat's reopening for that office."""
        if today <= self.submission_deadline:
            return True
        until = self.reopened_until(office_id)
        return until is not None and today <= until

    def can_view(self, user: User) -> bool:
        return user.is_authenticated

    def __repr__(self) -> str:
        return f"<Round {self.year}>"


class SubmissionReopening(CommuneChild, db.Model):
    """The secretariat reopens submission for one office after the deadline, with a reason."""

    __tablename__ = "initiative_reopenings"
    commune_through = "round"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("initiative_rounds.id", ondelete="CASCADE"), index=True
    )
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    reason: Mapped[str] = mapped_column(Text)
    until: Mapped[date] = mapped_column(Date)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[Round] = relationship(back_populates="reopenings")
    office: Mapped[Office] = relationship()
    reopened_by: Mapped[User | None] = relationship()


class Initiative(CommuneOwned, Searchable, db.Model):
    """Sáng kiến: an office's application (Đơn yêu cầu công nhận sáng kiến + Báo cáo mô tả)."""

    __tablename__ = "initiatives"
    commune_parents = ("round", "office")
    search_fields = ("title", "field", "solution")
    __table_args__ = (
        CheckConstraint(one_of("state", InitiativeState), name="state_known"),
        CheckConstraint(
            "state = 'draft' OR submitted_at IS NOT NULL", name="handed_in_has_submitted_at"
        ),
        CheckConstraint(
            "state NOT IN ('recognised', 'not_recognised', 'nominated') "
            "OR recognition_decision_id IS NOT NULL",
            name="recognition_needs_decision",
        ),
        CheckConstraint(
            "state <> 'nominated' OR nomination_decision_id IS NOT NULL",
            name="nomination_needs_decision",
        ),
        # Initiatives of one state across communes: the nominations the city counts and
        # receives (migration 0018_city_scale_indexes).
        Index("ix_initiatives_state_commune_id", "state", "commune_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("initiative_rounds.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    # In the city level's round: the commune's initiative this one was received from (its
    # nomination to the city); the commune's row stays the commune's.
    # Unique (migration 0018): a nomination is received once, whatever two clicks race.
    source_initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiatives.id"), index=True, unique=True
    )
    state: Mapped[InitiativeState] = enum_column(
        InitiativeState, length=20, default=InitiativeState.DRAFT
    )
    title: Mapped[str] = mapped_column(String(300))  # tên sáng kiến
    # The title's sentence embedding for the similar-initiative warning, tagged with the model
    # and the title's hash (initiatives/semantic.py); None until computed.
    title_vector: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    field: Mapped[str] = mapped_column(String(32))  # lĩnh vực áp dụng
    current_situation: Mapped[str] = mapped_column(Text, default="")  # giải pháp đã biết, hạn chế
    solution: Mapped[str] = mapped_column(Text, default="")  # nội dung: mục đích, các bước
    novelty: Mapped[str] = mapped_column(Text, default="")  # tính mới
    piloted: Mapped[bool] = mapped_column(Boolean, default=False)  # áp dụng thử hay chính thức
    first_applied_on: Mapped[date | None] = mapped_column(Date)  # ngày áp dụng lần đầu
    applied_where: Mapped[str] = mapped_column(Text, default="")  # nơi áp dụng
    conditions: Mapped[str] = mapped_column(Text, default="")  # điều kiện cần thiết để áp dụng
    replication: Mapped[str] = mapped_column(Text, default="")  # khả năng áp dụng, nhân rộng
    effectiveness: Mapped[str] = mapped_column(Text, default="")  # hiệu quả, lợi ích (số liệu)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    return_comment: Mapped[str] = mapped_column(Text, default="")
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Accepted without proof that it was applied or piloted (Nghị định 13/2012, Điều 3):
    # the secretariat's written reason.
    acceptance_note: Mapped[str] = mapped_column(Text, default="")
    # The signed Decision that recognised it (or not), and the Tờ trình that nominated it.
    recognition_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id"), index=True
    )
    nomination_decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id"), index=True
    )

    round: Mapped[Round] = relationship(back_populates="initiatives")
    office: Mapped[Office] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    authors: Mapped[list[InitiativeAuthor]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="InitiativeAuthor.id"
    )
    evidence: Mapped[list[InitiativeAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="InitiativeAttachment.attachment_id"
    )
    recognition_decision: Mapped[Decision | None] = relationship(
        foreign_keys=[recognition_decision_id]
    )
    nomination_decision: Mapped[Decision | None] = relationship(
        foreign_keys=[nomination_decision_id]
    )

    @property
    def has_application_evidence(self) -> bool:
        """Applied or piloted (Nghị định 13/2012, Điều 3): a first date that is not in the
        future, where, and at least one evidence file."""
        from ..core.timeutil import local_today

        return (
            self.first_applied_on is not None
            and self.first_applied_on <= local_today()
            and bool(self.applied_where.strip())
            and bool(self.evidence)
        )

    @property
    def field_label(self) -> str:
        """Its field's name as the commune calls it (models/commune_settings.py)."""
        from . import commune_settings

        return commune_settings.current().initiative_field_label(self.field)

    @property
    def author_names(self) -> str:
        return ", ".join(a.name for a in self.authors)

    def authored_by(self, user: User) -> bool:
        return any(a.user_id == user.id for a in self.authors)

    # -- permissions ----------------------------------------------------------------------------
    def can_view(self, user: User) -> bool:
        """The office; the secretariat, leaders and admin once submitted; council members
        without a conflict once the initiative is before the council."""
        if user.belongs_to(self.office_id):
            return True
        if user.sees_all_offices:
            # Another office's draft is its own business until first submitted.
            return self.submitted_at is not None
        council = self.round.council
        if council is None or self.state in EDITABLE_STATES | {InitiativeState.SUBMITTED}:
            return False
        member = council.member_for(user)
        return member is not None and not council.conflicted(member, self)

    def can_edit(self, user: User) -> bool:
        """Staff or head of the office, while the initiative is a draft or returned."""
        return (
            self.state in EDITABLE_STATES
            and user.belongs_to(self.office_id)
            and user.has_role(Role.STAFF, Role.HEAD)
        )

    def can_submit(self, user: User) -> bool:
        return (
            self.state in EDITABLE_STATES
            and user.belongs_to(self.office_id)
            and user.has_role(Role.HEAD)
        )

    def __repr__(self) -> str:
        return f"<Initiative {self.id} {self.state}>"

    def search_parts(self) -> tuple[str, str]:
        return self.title, f"{self.field_label} {self.solution}"


class InitiativeAuthor(CommuneChild, db.Model):
    """Tác giả: a user of the office or a named outside person, with a % contribution."""

    __tablename__ = "initiative_authors"
    commune_through = "initiative"
    __table_args__ = (
        CheckConstraint("share > 0 AND share <= 100", name="share_in_range"),
        CheckConstraint("user_id IS NOT NULL OR external_name <> ''", name="author_is_named"),
        UniqueConstraint("initiative_id", "user_id", name="uq_initiative_authors_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    external_name: Mapped[str] = mapped_column(String(120), default="")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    qualification: Mapped[str] = mapped_column(String(120), default="")  # trình độ chuyên môn
    share: Mapped[int] = mapped_column(Integer)  # tỷ lệ đóng góp, %

    initiative: Mapped[Initiative] = relationship(back_populates="authors")
    user: Mapped[User | None] = relationship()

    @property
    def name(self) -> str:
        return self.user.full_name if self.user else self.external_name


class InitiativeAttachment(db.Model):
    """Minh chứng of an initiative."""

    __tablename__ = "initiative_attachments"

    initiative_id: Mapped[int] = mapped_column(
        ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True
    )
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"), primary_key=True)

    attachment: Mapped[Attachment] = relationship(lazy="joined")


class CityOutcome(enum.StrEnum):
    """What the city did with a commune's nominated initiative (issue 20, item 3)."""

    RECEIVED = "received"  # Thành phố đã tiếp nhận, đưa ra Hội đồng cấp thành phố
    RETURNED = "returned"  # Thành phố trả lại hồ sơ, có lý do
    RECOGNISED = "recognised"  # Được công nhận cấp thành phố (Quyết định của Chủ tịch UBND TP)
    NOT_RECOGNISED = "not_recognised"  # Không được công nhận cấp thành phố

    @property
    def label(self) -> str:
        return CITY_OUTCOME_LABELS[self]


CITY_OUTCOME_LABELS = {
    CityOutcome.RECEIVED: "Thành phố đã tiếp nhận",
    CityOutcome.RETURNED: "Thành phố trả lại hồ sơ",
    CityOutcome.RECOGNISED: "Được công nhận cấp thành phố",
    CityOutcome.NOT_RECOGNISED: "Không được công nhận cấp thành phố",
}


class CityResult(CommuneOwned, db.Model):
    """The city's answer to one nominated initiative, kept in the *commune's* tenant: the
    commune's users cannot read the city's rows (tenancy, row-level security), so the city's
    services write this small record acting explicitly for that commune
    (`tenancy.acting_for`) when they receive, return, or decide it by a signed Decision. It
    holds plain facts (the Decision's number and date, a copy of its signed PDF), never a link
    the commune could not follow."""

    __tablename__ = "city_results"
    commune_parents = ("initiative",)
    __table_args__ = (CheckConstraint(one_of("outcome", CityOutcome), name="outcome_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), unique=True)
    outcome: Mapped[CityOutcome] = enum_column(CityOutcome, length=20)
    note: Mapped[str] = mapped_column(Text, default="")  # the reason of a return
    # "Quyết định số 02/QĐ-UBND ngày 05/12/2026 của Chủ tịch UBND thành phố Hải Phòng"
    decision_ref: Mapped[str] = mapped_column(String(300), default="")
    mean_score: Mapped[float | None] = mapped_column(Float)
    # A copy of the city's signed Decision, in the commune's own files.
    decision_pdf_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    received_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    initiative: Mapped[Initiative] = relationship()
    decision_pdf: Mapped[Attachment | None] = relationship()

    @property
    def label(self) -> str:
        return CityOutcome(self.outcome).label
