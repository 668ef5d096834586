"""Personal signing certificates (chứng thư số cá nhân) of the people who sign.

As Vietnamese offices sign today, the signer's personal certificate signs a document first
and the organisation's certificate then adds its seal (SPEC §6). Each leader (and each council
chair or secretary who signs minutes) has their PKCS#12 file registered here by the
administrator: the file itself (encrypted by its passphrase) and the passphrase, encrypted with
a key derived from the application's SECRET_KEY, so a copy of the database alone signs nothing.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..core.extensions import db
from ..core.tenancy import CommuneOwned
from ..core.timeutil import utcnow
from .columns import enum_column, one_of
from .org import User


class Capacity(enum.StrEnum):
    """In what capacity a certificate signs: read from its title, checked against the role."""

    CHAIRMAN = "chairman"  # Chủ tịch UBND
    VICE_CHAIRMAN = "vice_chairman"  # Phó Chủ tịch UBND
    OFFICIAL = "official"  # another official (council chair or secretary signing minutes)

    @property
    def label(self) -> str:
        return CAPACITY_LABELS[self]


CAPACITY_LABELS = {
    Capacity.CHAIRMAN: "Chủ tịch UBND",
    Capacity.VICE_CHAIRMAN: "Phó Chủ tịch UBND",
    Capacity.OFFICIAL: "Cán bộ, công chức",
}


class SigningCertificate(CommuneOwned, db.Model):
    """One person's signing certificate; registering a new one replaces the old one."""

    __tablename__ = "signing_certificates"
    commune_parents = ("user",)
    __table_args__ = (
        CheckConstraint(
            one_of("capacity", Capacity),
            name="capacity_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    capacity: Mapped[Capacity] = enum_column(Capacity, length=16)
    holder: Mapped[str] = mapped_column(String(200))  # the certificate's common name
    title: Mapped[str] = mapped_column(String(200), default="")  # its title (chức danh)
    issuer: Mapped[str] = mapped_column(String(300), default="")
    serial: Mapped[str] = mapped_column(String(80), default="")
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    p12: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    passphrase_token: Mapped[str] = deferred(mapped_column(Text, nullable=False))  # Fernet token
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    registered_by: Mapped[User | None] = relationship(foreign_keys=[registered_by_id])

    @property
    def capacity_label(self) -> str:
        return CAPACITY_LABELS[Capacity(self.capacity)]

    def __repr__(self) -> str:
        return f"<SigningCertificate {self.holder} {self.capacity}>"


class SealCertificate(CommuneOwned, db.Model):
    """A tenant's own seal (the organisation's certificate that follows the signer's
    signature): the city's "UBND thành phố Hải Phòng" beside each commune's. A tenant without
    one seals with the deployment's configured certificate (CCHC_SIGNING_P12, or the demo's)."""

    __tablename__ = "seal_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), unique=True)
    holder: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(300), default="")
    serial: Mapped[str] = mapped_column(String(80), default="")
    not_before: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    not_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    p12: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    passphrase_token: Mapped[str] = deferred(mapped_column(Text, nullable=False))  # Fernet token
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def __repr__(self) -> str:
        return f"<SealCertificate {self.holder}>"
