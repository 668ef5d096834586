"""The audit log (nhật ký) and the counters of failed sign-ins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.extensions import db
from ..core.tenancy import CommuneOwned
from ..core.timeutil import utcnow
from .org import User


class AuditLog(CommuneOwned, db.Model):
    """Who changed what, when, from which state to which: written by every state change."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_object", "object_type", "object_id"),
        # The log's page and export read a commune's entries newest first (migration 0019).
        Index("ix_audit_log_commune_at", "commune_id", "at", "id"),
    )
    commune_parents = ("actor",)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped[User | None] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Failed sign-ins counted per key, shared by every worker (auth/throttle.py).

    Keys: ``p:<username>|<address>`` (an account from one address), ``a:<address>`` and
    ``u:<username>`` (an account from addresses it never signed in from), ``c:<user id>``
    (the password-change form). Counting is one upsert that locks the row, so parallel guesses
    are counted one after another."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # On a ``p:`` key: this account signed in from this address then (a known address).
    last_success_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
