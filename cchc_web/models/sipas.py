"""Citizens' satisfaction (SIPAS, SPEC §8): the questionnaire and its versions, the answers
given at a kiosk or through a receipt's one-time code, their corrections, and the feedback
items that suggestions become.

Glossary: khảo sát sự hài lòng = satisfaction survey; bảng hỏi / phiếu khảo sát =
questionnaire; khía cạnh / yếu tố = aspect; lĩnh vực thủ tục hành chính = procedure field;
quầy = counter; giấy tiếp nhận hồ sơ = dossier receipt; mã đánh giá = one-time code;
góp ý, phản ánh, kiến nghị = suggestion, complaint, request (a feedback item);
hiệu chỉnh = correction (never an edit of the answer itself).

Nothing here stores who answered: no account, no IP address. A phone number is kept only with
the person's explicit consent, to reply to their suggestion.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.extensions import db
from ..core.tenancy import CommuneChild, CommuneOwned
from ..core.timeutil import utcnow
from .columns import enum_column, one_of
from .org import Office, Role, User

# The office that runs the one-stop centre (SPEC §1): it issues receipts and reads results.
CENTRE_OFFICE_CODE = "HCC"
SCALE_POINTS = 5  # a five-point scale: 1 very dissatisfied … 5 very satisfied
SATISFIED_FROM = 4  # "hài lòng" and "rất hài lòng" count as satisfied (SIPAS)
MAX_SUGGESTION = 2000
MAX_QUESTION = 500


def can_view_results(user: User) -> bool:
    """Cross-office readers and the centre's own people read the results."""
    return user.is_authenticated and (
        user.sees_all_offices or bool(user.office and user.office.code == CENTRE_OFFICE_CODE)
    )


def can_issue_receipts(user: User) -> bool:
    """The centre's staff and heads print receipt slips; the secretariat may too."""
    if not user.is_authenticated:
        return False
    centre = bool(user.office and user.office.code == CENTRE_OFFICE_CODE)
    return user.is_secretariat or (centre and user.has_role(Role.STAFF, Role.HEAD))


def can_manage(user: User) -> bool:
    """The questionnaire, fields, counters, kiosks, corrections and objective links are the
    secretariat's (Thường trực CCHC runs the survey, seed 001 task 1.4)."""
    return user.is_authenticated and user.is_secretariat


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"  # Bản nháp: edited by the secretariat, never shown to people
    PUBLISHED = "published"  # Đang dùng: the kiosk and the phone page ask these questions
    RETIRED = "retired"  # Đã thay thế: its answers keep its questions


VERSION_STATUS_LABELS = {
    VersionStatus.DRAFT: "Bản nháp",
    VersionStatus.PUBLISHED: "Đang sử dụng",
    VersionStatus.RETIRED: "Đã thay thế",
}


class Channel(enum.StrEnum):
    KIOSK = "kiosk"  # the tablet at the counter
    RECEIPT = "receipt"  # the QR code on the dossier receipt, on the person's phone


CHANNEL_LABELS = {Channel.KIOSK: "Máy tính bảng tại quầy", Channel.RECEIPT: "Mã QR trên phiếu hẹn"}


class FeedbackStatus(enum.StrEnum):
    OPEN = "open"  # Chưa trả lời
    ANSWERED = "answered"  # Đã trả lời


FEEDBACK_STATUS_LABELS = {
    FeedbackStatus.OPEN: "Chưa trả lời",
    FeedbackStatus.ANSWERED: "Đã trả lời",
}


class ObjectiveScope(enum.StrEnum):
    OVERALL = "overall"  # every answer
    FIELDS = "fields"  # the answers about dossiers of some procedure fields


class ProcedureField(CommuneOwned, db.Model):
    """Lĩnh vực thủ tục hành chính (đất đai, xây dựng, hộ tịch …) and the office that answers
    the suggestions about it."""

    __tablename__ = "sipas_procedure_fields"
    __table_args__ = (
        UniqueConstraint("commune_id", "code", name="uq_sipas_procedure_fields_commune_code"),
    )
    commune_parents = ("office",)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(120))
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    office: Mapped[Office] = relationship(lazy="joined")


class ServiceCounter(CommuneOwned, db.Model):
    """Quầy: a counter of the one-stop centre."""

    __tablename__ = "sipas_counters"
    __table_args__ = (
        UniqueConstraint("commune_id", "name", name="uq_sipas_counters_commune_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Kiosk(CommuneOwned, db.Model):
    """A tablet at a counter. Its page is reached by a secret token in the URL (the tablet's
    home page); the token identifies the device for the rate limit and can be renewed."""

    __tablename__ = "sipas_kiosks"
    commune_parents = ("counter",)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("sipas_counters.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    counter: Mapped[ServiceCounter | None] = relationship(lazy="joined")


class SurveyVersion(CommuneOwned, db.Model):
    """One version of the questionnaire. Published versions are never changed: editing starts
    a draft, and publishing it retires the one in use, so answers keep their questions."""

    __tablename__ = "sipas_versions"
    __table_args__ = (
        CheckConstraint(one_of("status", VersionStatus), name="status_known"),
        CheckConstraint("status = 'draft' OR published_at IS NOT NULL", name="published_has_date"),
        # At most one draft and one version in use at any time.
        Index(
            "uq_sipas_versions_live_status",
            "commune_id",
            "status",
            unique=True,
            sqlite_where=text("status IN ('draft', 'published')"),
            postgresql_where=text("status IN ('draft', 'published')"),
        ),
        UniqueConstraint("commune_id", "number", name="uq_sipas_versions_commune_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    number: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    # The five labels of the answer scale, from 1 to 5.
    scale_labels: Mapped[list] = mapped_column(JSON)
    status: Mapped[VersionStatus] = enum_column(
        VersionStatus, length=16, default=VersionStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    aspects: Mapped[list[SurveyAspect]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        order_by="SurveyAspect.position",
        lazy="selectin",
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def status_label(self) -> str:
        return VERSION_STATUS_LABELS[VersionStatus(self.status)]

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def questions(self) -> list[SurveyQuestion]:
        return [q for aspect in self.aspects for q in aspect.questions]

    @property
    def scale(self) -> list[tuple[int, str]]:
        return list(enumerate(self.scale_labels, start=1))


class SurveyAspect(CommuneChild, db.Model):
    """Khía cạnh (yếu tố) of SIPAS: access, procedure, civil servant, result, suggestions.
    `code` stays the same across versions, so results are compared over time."""

    __tablename__ = "sipas_aspects"
    commune_through = "version"
    __table_args__ = (UniqueConstraint("version_id", "code", name="uq_sipas_aspects_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("sipas_versions.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    version: Mapped[SurveyVersion] = relationship(back_populates="aspects")
    questions: Mapped[list[SurveyQuestion]] = relationship(
        back_populates="aspect",
        cascade="all, delete-orphan",
        order_by="SurveyQuestion.position",
        lazy="selectin",
    )


class SurveyQuestion(CommuneChild, db.Model):
    """A statement rated on the five-point scale; an optional one may be skipped (the
    suggestions aspect: only people who made one can judge how it was handled)."""

    __tablename__ = "sipas_questions"
    commune_through = "aspect"
    __table_args__ = (CheckConstraint("text <> ''", name="text_present"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    aspect_id: Mapped[int] = mapped_column(
        ForeignKey("sipas_aspects.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(Text)
    required: Mapped[bool] = mapped_column(Boolean, default=True)

    aspect: Mapped[SurveyAspect] = relationship(back_populates="questions")


class Receipt(CommuneOwned, db.Model):
    """The survey slip printed with a dossier's receipt (giấy tiếp nhận hồ sơ và hẹn trả kết
    quả): the dossier's number, field and date, and a one-time code (in a QR code) with which
    the person answers once on their phone."""

    __tablename__ = "sipas_receipts"
    __table_args__ = (
        UniqueConstraint("commune_id", "number", name="uq_sipas_receipts_commune_number"),
    )
    commune_parents = ("procedure_field",)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))  # số biên nhận hồ sơ
    procedure_field_id: Mapped[int] = mapped_column(
        ForeignKey("sipas_procedure_fields.id"), index=True
    )
    procedure: Mapped[str] = mapped_column(String(300), default="")  # tên thủ tục
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("sipas_counters.id"))
    received_on: Mapped[date] = mapped_column(Date)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    expires_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    procedure_field: Mapped[ProcedureField] = relationship(lazy="joined")
    counter: Mapped[ServiceCounter | None] = relationship(lazy="joined")
    issued_by: Mapped[User | None] = relationship()

    @property
    def code_display(self) -> str:
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


class SurveyResponse(CommuneOwned, db.Model):
    """Phiếu trả lời: one person's answers, never changed or deleted (a correction is a new
    record). One per receipt code and one per form shown (`nonce`): both enforced by unique
    keys, so a second submission of the same code, or the same form sent twice, cannot be
    stored, however simultaneous."""

    __tablename__ = "sipas_responses"
    commune_parents = ("version",)
    __table_args__ = (
        CheckConstraint(one_of("channel", Channel), name="channel_known"),
        CheckConstraint(
            "(channel = 'receipt' AND receipt_id IS NOT NULL AND kiosk_id IS NULL) "
            "OR (channel = 'kiosk' AND kiosk_id IS NOT NULL AND receipt_id IS NULL)",
            name="channel_source",
        ),
        CheckConstraint("phone IS NULL OR phone_consent", name="phone_needs_consent"),
        CheckConstraint(f"length(suggestion) <= {MAX_SUGGESTION}", name="suggestion_length"),
        Index("ix_sipas_responses_month_field", "month", "procedure_field_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("sipas_versions.id"), index=True)
    channel: Mapped[Channel] = enum_column(Channel, length=16)
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    month: Mapped[date] = mapped_column(Date)  # first day of the local month of submission
    procedure_field_id: Mapped[int | None] = mapped_column(ForeignKey("sipas_procedure_fields.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("sipas_counters.id"), index=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("sipas_kiosks.id"), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("sipas_receipts.id"), unique=True)
    nonce: Mapped[str] = mapped_column(String(40), unique=True)
    suggestion: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(20))
    phone_consent: Mapped[bool] = mapped_column(Boolean, default=False)

    version: Mapped[SurveyVersion] = relationship()
    procedure_field: Mapped[ProcedureField | None] = relationship(lazy="joined")
    counter: Mapped[ServiceCounter | None] = relationship(lazy="joined")
    answers: Mapped[list[SurveyAnswer]] = relationship(
        back_populates="response", order_by="SurveyAnswer.question_id"
    )
    corrections: Mapped[list[SurveyCorrection]] = relationship(
        back_populates="response", order_by="SurveyCorrection.id.desc()"
    )

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS[Channel(self.channel)]


class SurveyAnswer(CommuneChild, db.Model):
    """The rating of one question in one response (1 to 5)."""

    __tablename__ = "sipas_answers"
    commune_through = "response"
    __table_args__ = (
        CheckConstraint(f"value >= 1 AND value <= {SCALE_POINTS}", name="value_on_scale"),
    )

    response_id: Mapped[int] = mapped_column(ForeignKey("sipas_responses.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("sipas_questions.id"), primary_key=True, index=True
    )
    value: Mapped[int] = mapped_column(SmallInteger)

    response: Mapped[SurveyResponse] = relationship(back_populates="answers")
    question: Mapped[SurveyQuestion] = relationship(lazy="joined")


class SurveyCorrection(CommuneChild, db.Model):
    """Hiệu chỉnh: how a response counts from now on (excluded, or under another procedure
    field), with the reason and who decided it. The newest correction of a response is the
    one that counts; the answers themselves never change."""

    __tablename__ = "sipas_corrections"
    commune_through = "response"
    __table_args__ = (CheckConstraint("reason <> ''", name="has_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("sipas_responses.id"), index=True)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    procedure_field_id: Mapped[int | None] = mapped_column(ForeignKey("sipas_procedure_fields.id"))
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    response: Mapped[SurveyResponse] = relationship(back_populates="corrections")
    procedure_field: Mapped[ProcedureField | None] = relationship(lazy="joined")
    created_by: Mapped[User | None] = relationship(lazy="joined")


class FeedbackItem(CommuneOwned, db.Model):
    """Kiến nghị, phản ánh: a suggestion from the survey, routed to the office responsible
    for its procedure field with a deadline, and answered by it (seed 001, task 1.3)."""

    __tablename__ = "sipas_feedback"
    commune_parents = ("response", "office")
    __table_args__ = (
        CheckConstraint(one_of("status", FeedbackStatus), name="status_known"),
        CheckConstraint(
            "status <> 'answered' OR (reply <> '' AND replied_at IS NOT NULL)",
            name="answer_has_reply",
        ),
        Index("ix_sipas_feedback_office_status", "office_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("sipas_responses.id"), unique=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[FeedbackStatus] = enum_column(
        FeedbackStatus, length=16, default=FeedbackStatus.OPEN
    )
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    response: Mapped[SurveyResponse] = relationship(lazy="joined")
    office: Mapped[Office] = relationship(lazy="joined")
    replied_by: Mapped[User | None] = relationship(lazy="joined")

    @property
    def status_label(self) -> str:
        return FEEDBACK_STATUS_LABELS[FeedbackStatus(self.status)]

    @property
    def is_open(self) -> bool:
        return self.status == FeedbackStatus.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.deadline < today

    def can_view(self, user: User) -> bool:
        return user.is_authenticated and user.can_see_office(self.office_id)

    def can_reply(self, user: User) -> bool:
        """The responsible office's staff and heads answer; the secretariat may too."""
        return user.is_secretariat or (
            user.belongs_to(self.office_id) and user.has_role(Role.STAFF, Role.HEAD)
        )

    def can_reroute(self, user: User) -> bool:
        return user.is_secretariat


class ObjectiveSurveyField(db.Model):
    """The procedure fields whose answers compute an objective linked with scope 'fields'
    (e.g. MT3b: land and construction)."""

    __tablename__ = "sipas_objective_fields"

    objective_id: Mapped[int] = mapped_column(
        ForeignKey("objectives.id", ondelete="CASCADE"), primary_key=True
    )
    procedure_field_id: Mapped[int] = mapped_column(
        ForeignKey("sipas_procedure_fields.id"), primary_key=True
    )
