"""The organisation: the commune (xã), its offices (đơn vị) and their people."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    event,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core import tenancy
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.settings import available, setting
from ..core.tenancy import CommuneOwned
from ..core.timeutil import utcnow
from ..text import fold
from .columns import enum_column
from .search import Searchable


class Role(enum.StrEnum):
    """What a user may do (SPEC §1). A user may hold several roles."""

    STAFF = "staff"  # Cán bộ, công chức
    HEAD = "head"  # Lãnh đạo đơn vị
    SECRETARIAT = "secretariat"  # Thường trực CCHC (Phòng VH-XH)
    COUNCIL_MEMBER = "council_member"  # Thành viên Hội đồng đánh giá sáng kiến
    CHAIRMAN = "chairman"  # Chủ tịch UBND
    VICE_CHAIRMAN = "vice_chairman"  # Phó Chủ tịch UBND
    ADMIN = "admin"  # Quản trị hệ thống

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.STAFF: "Cán bộ, công chức",
    Role.HEAD: "Lãnh đạo đơn vị",
    Role.SECRETARIAT: "Thường trực CCHC",
    Role.COUNCIL_MEMBER: "Thành viên Hội đồng",
    Role.CHAIRMAN: "Chủ tịch UBND",
    Role.VICE_CHAIRMAN: "Phó Chủ tịch UBND",
    Role.ADMIN: "Quản trị hệ thống",
}
LEADER_ROLES = frozenset({Role.CHAIRMAN, Role.VICE_CHAIRMAN})
ROLE_VALUES = tuple(r.value for r in Role)


_CURRENT_COMMUNE = "cchc_current_commune"


class CommuneKind(enum.StrEnum):
    """What a tenant is: a commune-level unit (xã, phường, đặc khu) or the city above them."""

    XA = "xa"
    PHUONG = "phuong"
    DAC_KHU = "dac_khu"
    CITY = "thanh_pho"

    @property
    def label(self) -> str:
        return COMMUNE_KIND_LABELS[self]


COMMUNE_KIND_LABELS = {
    CommuneKind.XA: "Xã",
    CommuneKind.PHUONG: "Phường",
    CommuneKind.DAC_KHU: "Đặc khu",
    CommuneKind.CITY: "Thành phố",
}
COMMUNE_KIND_VALUES = tuple(k.value for k in CommuneKind)


@dataclass(frozen=True)
class CommuneHeading:
    name: str
    province: str


def code_from_name(name: str) -> str:
    """ "CHIMINH" from "Xã Chí Minh": the place name folded, upper case, letters and digits."""
    place = name
    for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu ", "Thành phố "):
        if place.startswith(prefix):
            place = place[len(prefix) :]
    return "".join(ch for ch in fold(place).upper() if ch.isalnum())[:32] or "DONVI"


def kind_from_name(name: str) -> CommuneKind:
    """The kind a name says: "Phường Gia Viên" → phường (a thị trấn is of the xã level)."""
    for prefix, kind in (
        ("Phường ", CommuneKind.PHUONG),
        ("Đặc khu ", CommuneKind.DAC_KHU),
        ("Thành phố ", CommuneKind.CITY),
    ):
        if name.startswith(prefix):
            return kind
    return CommuneKind.XA


class Commune(db.Model):
    """A tenant: a xã / phường / đặc khu (its name heads every document), or the city level
    above them (kind ``thanh_pho``: Sở Nội vụ, the city's council, its own Decisions), which
    reads its communes (``parent_id``) where the city has a say."""

    __tablename__ = "communes"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{v}'" for v in COMMUNE_KIND_VALUES) + ")",
            name="commune_kind_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A short code, unique across the city ("CHIMINH"): onboarding refuses a duplicate.
    code: Mapped[str] = mapped_column(
        String(32), unique=True, default=lambda ctx: code_from_name(ctx.current_parameters["name"])
    )
    kind: Mapped[CommuneKind] = enum_column(
        CommuneKind,
        length=16,
        default=lambda ctx: kind_from_name(ctx.current_parameters["name"]),
    )
    name: Mapped[str] = mapped_column(String(120))  # "Xã Chí Minh"
    province: Mapped[str] = mapped_column(String(120))  # "Thành phố Hải Phòng"
    # The city a commune reports to (the city level's tenant); None for the city itself.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def is_city(self) -> bool:
        return self.kind == CommuneKind.CITY

    @property
    def secretariat_office_code(self) -> str:
        """The office of the standing secretariat of administrative reform (Thường trực CCHC):
        Phòng Văn hóa - Xã hội in a commune, Sở Nội vụ at the city level, unless set."""
        configured = (self.settings or {}).get("secretariat_office")
        return configured or ("SNV" if self.is_city else "VHXH")

    @property
    def short_name(self) -> str:
        """ "Chí Minh" from "Xã Chí Minh": the place name of documents."""
        for prefix in ("Xã ", "Phường ", "Thị trấn ", "Đặc khu ", "Thành phố "):
            if self.name.startswith(prefix):
                return self.name[len(prefix) :]
        return self.name

    @classmethod
    def current(cls) -> Commune | None:
        """The request's commune (the signed-in user's, core/tenancy.py); without one (the
        CLI, the demo, a city-level page, a sign-in page), the first commune: the deployment's
        only one before the city had several. Looked up once per unit of work (every page
        shows it): remembered in the session itself, so it lasts as long as its objects."""
        session = db.session()
        wanted = tenancy.commune_id(session)
        asked, cached = session.info.get(_CURRENT_COMMUNE, (None, None))
        if cached is not None and cached in session and asked == wanted:
            return cached
        if wanted is not None:
            found = session.get(cls, wanted)
        else:
            found = session.scalars(select(cls).order_by(cls.id).limit(1)).first()
        if found is not None:
            session.info[_CURRENT_COMMUNE] = (wanted, found)
        return found

    @classmethod
    def several(cls) -> bool:
        """The deployment serves more than one commune (a city's)."""
        return len(db.session.scalars(select(cls.id).limit(2)).all()) > 1

    def heading(self) -> CommuneHeading:
        return CommuneHeading(self.name, self.province)


class Office(CommuneOwned, db.Model):
    """Đơn vị: an office of the People's Committee (VP, KT, VHXH, ...)."""

    __tablename__ = "offices"
    __table_args__ = (UniqueConstraint("commune_id", "code", name="uq_offices_commune_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    # "CQCM" in a plan means every specialised office (cơ quan chuyên môn), not the centres.
    is_specialised: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    # In the city level's tenant: the office that stands for a commune (it submits the
    # initiatives that commune nominates to the city, as an office submits to its commune).
    represents_commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"))

    users: Mapped[list[User]] = relationship(back_populates="office")

    def __repr__(self) -> str:
        return f"<Office {self.code}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{v}'" for v in ROLE_VALUES) + ")", name="role_known"
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = enum_column(Role, length=32, primary_key=True)


class User(CommuneOwned, Searchable, UserMixin, db.Model):
    """A person who logs in. Never deleted once they have history: deactivated instead.
    Of one commune, or of the city level (no commune). User names are unique across the city:
    one sign-in page serves every commune."""

    __tablename__ = "users"
    commune_parents = ("office",)
    search_fields = ("full_name", "username", "position_title")

    id: Mapped[int] = mapped_column(primary_key=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id"), index=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    position_title: Mapped[str] = mapped_column(String(120), default="")  # chức vụ
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Copied into the session at sign-in and compared on every request: raising it (sign-out,
    # password change or reset) ends every session opened before (auth/sessions.py).
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Where the daily digest of deadlines goes ("" : none is sent), and whether they want it.
    email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    reminders_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    office: Mapped[Office | None] = relationship(back_populates="users", lazy="joined")
    # Its tenant: a commune, or the city level's (a many-to-one by key: the identity map's
    # copy, which `Commune.current()` has loaded on every page, answers without a statement).
    commune: Mapped[Commune | None] = relationship(foreign_keys=[commune_id])
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def search_parts(self) -> tuple[str, str]:
        return f"{self.full_name} {self.username}", self.position_title

    # -- roles -------------------------------------------------------------------------------
    @property
    def roles(self) -> frozenset[Role]:
        # Asked dozens of times a page (menu, permissions); recomputed when role_rows change.
        cached = self.__dict__.get("_roles")
        if cached is None:
            cached = self.__dict__["_roles"] = frozenset(Role(r.role) for r in self.role_rows)
        return cached

    def set_roles(self, roles: set[Role] | set[str]) -> None:
        wanted = {Role(r) for r in roles}
        self.role_rows = [r for r in self.role_rows if Role(r.role) in wanted]
        have = {Role(r.role) for r in self.role_rows}
        self.role_rows.extend(UserRole(role=r) for r in sorted(wanted - have))

    def has_role(self, *roles: Role) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def at_city_level(self) -> bool:
        """Of the city level's tenant (Sở Nội vụ, the city's council and Chairman): reads the
        communes below it where the city has a say, writes only the city's own records."""
        return self.commune is not None and self.commune.is_city

    @property
    def is_leader(self) -> bool:
        return self.has_role(*LEADER_ROLES)

    @property
    def is_admin(self) -> bool:
        return self.has_role(Role.ADMIN)

    @property
    def is_secretariat(self) -> bool:
        return self.has_role(Role.SECRETARIAT)

    def require_secretariat(self) -> None:
        """For the services: refuse what only the standing office may do, in one wording."""
        if not self.is_secretariat:
            raise DomainError("Chỉ Thường trực CCHC (Phòng VH-XH) được làm việc này.")

    @property
    def sees_all_offices(self) -> bool:
        """Cross-office reading is for the secretariat, leaders and admin (SPEC §1)."""
        return self.is_secretariat or self.is_leader or self.is_admin

    def belongs_to(self, office: Office | int | None) -> bool:
        office_id = office.id if isinstance(office, Office) else office
        return office_id is not None and self.office_id == office_id

    def can_see_office(self, office: Office | int | None) -> bool:
        return self.sees_all_offices or self.belongs_to(office)

    @property
    def position_in_office(self) -> str:
        """The position with the office, as documents name people: "Chuyên viên" of Phòng
        Kinh tế → "Chuyên viên Phòng Kinh tế"; "Giám đốc Trung tâm" of Trung tâm Phục vụ
        hành chính công → "Giám đốc Trung tâm Phục vụ hành chính công"; "Trưởng phòng Văn hóa
        - Xã hội" stays as it is."""
        title, office = self.position_title.strip(), self.office.name if self.office else ""
        if not office:
            return title
        if not title:
            return office
        low_title, low_office = title.lower(), office.lower()
        rest = low_office.split(" ", 1)[1] if " " in low_office else low_office
        if rest in low_title:
            return title
        for size in range(min(len(title), len(office)), 0, -1):
            if low_title.endswith(low_office[:size]) and (
                size == len(title) or title[-size - 1] == " "
            ):
                return title + office[size:]
        return f"{title} {office}"

    @property
    def role_labels(self) -> list[str]:
        return [r.label for r in Role if r in self.roles]

    # -- passwords ---------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        method = setting("PASSWORD_HASH_METHOD") if available() else "scrypt"
        self.password_hash = generate_password_hash(password, method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    # -- Flask-Login -------------------------------------------------------------------------
    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.username}>"


@event.listens_for(User.role_rows, "append")
@event.listens_for(User.role_rows, "remove")
@event.listens_for(User.role_rows, "bulk_replace")
@event.listens_for(User, "refresh")
@event.listens_for(User, "expire")
def _forget_roles(user: User | None, *args) -> None:
    if user is not None:  # an expiring instance may already be garbage-collected
        user.__dict__.pop("_roles", None)


def _only_commune(session) -> int | None:
    """A new row's commune when nothing names one (core/tenancy.py): the first commune."""
    with session.no_autoflush:
        found = session.scalar(select(Commune.id).order_by(Commune.id).limit(1))
    return found


tenancy.set_fallback(_only_commune)
