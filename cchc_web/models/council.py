"""The evaluation council (Hội đồng đánh giá hiệu quả áp dụng và khả năng nhân rộng sáng kiến),
its members and their score sheets (SPEC §5). Conflicts of interest are data, checked on the
server for every read and write (HotCRP's rule)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
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
from .initiatives import Initiative, Round
from .org import User

if TYPE_CHECKING:
    from .decisions import Decision


class CouncilState(enum.StrEnum):
    COMPOSING = "composing"  # Thường trực đang lập danh sách
    ESTABLISHED = "established"  # Quyết định thành lập đã ký, chờ mở chấm
    SCORING = "scoring"  # Đang chấm điểm
    CLOSED = "closed"  # Chủ tịch Hội đồng đã kết thúc chấm

    @property
    def label(self) -> str:
        return {
            CouncilState.COMPOSING: "Đang thành lập",
            CouncilState.ESTABLISHED: "Đã thành lập",
            CouncilState.SCORING: "Đang chấm điểm",
            CouncilState.CLOSED: "Đã kết thúc chấm",
        }[self]


class Position(enum.StrEnum):
    CHAIR = "chair"  # Chủ tịch Hội đồng
    SECRETARY = "secretary"  # Thư ký Hội đồng
    MEMBER = "member"  # Ủy viên

    @property
    def label(self) -> str:
        return POSITION_LABELS[self]


POSITION_LABELS = {
    Position.CHAIR: "Chủ tịch Hội đồng",
    Position.SECRETARY: "Thư ký Hội đồng",
    Position.MEMBER: "Ủy viên",
}


class Council(CommuneOwned, db.Model):
    """Hội đồng of one round, established by the Chairman's signed Decision."""

    __tablename__ = "councils"
    commune_parents = ("round",)
    __table_args__ = (
        CheckConstraint(one_of("state", CouncilState), name="state_known"),
        # Established means: by a signed Decision (the signing sets both in one transaction).
        # A council opened before Decisions were linked keeps the number typed then.
        CheckConstraint(
            "state = 'composing' OR decision_id IS NOT NULL OR legacy_decision_ref <> ''",
            name="established_by_decision",
        ),
        CheckConstraint(
            "minutes_chair_signed_at IS NULL OR minutes_attachment_id IS NOT NULL",
            name="chair_signs_existing_minutes",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("initiative_rounds.id"), unique=True)
    state: Mapped[CouncilState] = enum_column(
        CouncilState, length=16, default=CouncilState.COMPOSING
    )
    # The signed establishment Decision (Quyết định thành lập Hội đồng).
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", use_alter=True), index=True
    )
    # "112/QĐ-UBND ngày 22/09/2025": what a council opened before the link existed recorded.
    legacy_decision_ref: Mapped[str] = mapped_column(String(80), default="")
    opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The minutes: produced and signed by the secretary, then signed by the chair.
    minutes_attachment_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    minutes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    minutes_chair_signed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    round: Mapped[Round] = relationship(back_populates="council")
    members: Mapped[list[CouncilMember]] = relationship(
        back_populates="council", cascade="all, delete-orphan", order_by="CouncilMember.id"
    )
    closed_by: Mapped[User | None] = relationship()
    minutes: Mapped[Attachment | None] = relationship()
    decision: Mapped[Decision | None] = relationship(foreign_keys=[decision_id])

    @property
    def is_established(self) -> bool:
        return self.state != CouncilState.COMPOSING

    @property
    def establishment_label(self) -> str:
        """ "Quyết định số 01/QĐ-UBND ngày 18/09/2025", or the number typed before Decisions
        were linked; "" before the council is established."""
        if self.decision is not None and self.decision.is_approved:
            return (
                f"Quyết định số {self.decision.number_symbol} ngày "
                f"{self.decision.issued_on:%d/%m/%Y}"
            )
        return f"Quyết định số {self.legacy_decision_ref}" if self.legacy_decision_ref else ""

    @property
    def minutes_signed(self) -> bool:
        """Signed by both the secretary and the chair."""
        return self.minutes_chair_signed_at is not None

    def position_holder(self, position: Position) -> CouncilMember | None:
        return next((m for m in self.members if m.position == position), None)

    def member_for(self, user: User) -> CouncilMember | None:
        return next((m for m in self.members if m.user_id == user.id), None)

    def member_in(self, user: User, *positions: Position) -> bool:
        member = self.member_for(user)
        return member is not None and member.position in positions

    @staticmethod
    def conflicted(member: CouncilMember, initiative: Initiative) -> bool:
        """A member may not score (nor read the scores of) their own office's initiatives or
        the ones they authored."""
        return member.user.belongs_to(initiative.office_id) or initiative.authored_by(member.user)

    def can_view(self, user: User) -> bool:
        return user.is_secretariat or user.is_leader or self.member_for(user) is not None

    def __repr__(self) -> str:
        return f"<Council round={self.round_id} {self.state}>"


class CouncilMember(CommuneChild, db.Model):
    __tablename__ = "council_members"
    commune_through = "council"
    __table_args__ = (
        CheckConstraint(one_of("position", Position), name="position_known"),
        UniqueConstraint("council_id", "user_id", name="uq_council_members_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(
        ForeignKey("councils.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    position: Mapped[Position] = enum_column(Position, length=16, default=Position.MEMBER)

    council: Mapped[Council] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")
    scores: Mapped[list[Score]] = relationship(back_populates="member")

    @property
    def position_label(self) -> str:
        return POSITION_LABELS[Position(self.position)]


class Score(CommuneChild, db.Model):
    """Phiếu chấm: one member's points for one initiative, with the vote and a comment.

    `submitted_at` is NULL only after the chair reopened the sheet: the member must submit it
    again, and until then it does not count and does not let them see the others' sheets.
    """

    __tablename__ = "scores"
    commune_through = "initiative"
    __table_args__ = (
        UniqueConstraint("member_id", "initiative_id", name="uq_scores_member_initiative"),
        CheckConstraint("total >= 0", name="total_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("council_members.id", ondelete="CASCADE"), index=True
    )
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    points: Mapped[dict] = mapped_column(JSON, default=dict)  # {criterion code: points}
    total: Mapped[int] = mapped_column(Integer, default=0)
    recommend: Mapped[bool] = mapped_column(Boolean, default=False)  # đề nghị công nhận
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reopened: Mapped[bool] = mapped_column(Boolean, default=False)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[CouncilMember] = relationship(back_populates="scores", lazy="joined")
    initiative: Mapped[Initiative] = relationship()

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None
