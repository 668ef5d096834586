"""Users, offices and the commune: the admin's operations, each audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from ..auth import throttle
from ..auth.passwords import password_problem
from ..core import tenancy
from ..core.emails import clean_email
from ..core.errors import DomainError
from ..core.extensions import db
from ..models import Commune, Office, Role, User
from ..models.search import searched
from ..records import audit
from ..text import Query

USER_FIELDS = ("username", "full_name", "position_title", "office_code", "roles", "active")
OFFICE_FIELDS = ("code", "name", "is_specialised", "active")

# Offices of a commune after the 2025 two-level reform (SPEC §1); editable by the admin.
DEFAULT_OFFICES: tuple[tuple[str, str, bool], ...] = (
    ("VP", "Văn phòng HĐND và UBND xã", True),
    ("KT", "Phòng Kinh tế", True),
    ("VHXH", "Phòng Văn hóa - Xã hội", True),
    ("HCC", "Trung tâm Phục vụ hành chính công", False),
    ("VHTT", "Trung tâm Văn hóa - Thể thao và Truyền thông", False),
    ("CA", "Công an xã", False),
    ("QS", "Ban Chỉ huy Quân sự xã", False),
)


def _same(user: User, actor: User | None) -> bool:
    return actor is not None and user.id == actor.id


def _user_snapshot(user: User) -> dict:
    data = audit.snapshot(
        user, ("username", "full_name", "position_title", "active", "email", "reminders_enabled")
    )
    data["office_code"] = user.office.code if user.office else None
    data["roles"] = sorted(r.value for r in user.roles)
    return data


def ensure_commune(
    name: str, province: str, *, settings: dict | None = None, default_offices: bool = True
) -> Commune:
    """Create the deployment's commune and its default offices, or return the existing one
    (the acting one: onboarding a commune acts for it). `default_offices=False`: its offices
    came from a file (communes/onboarding.py)."""
    commune = Commune.current()
    if commune is None:
        commune = Commune(name=name, province=province, settings=settings or {})
        db.session.add(commune)
        db.session.flush()  # its offices are its: they need its id
    if not default_offices:
        return commune
    for order, (code, office_name, specialised) in enumerate(DEFAULT_OFFICES, start=1):
        if office_by_code(code) is None:
            db.session.add(
                Office(code=code, name=office_name, is_specialised=specialised, sort_order=order)
            )
    db.session.flush()
    return commune


# What a new commune needs besides its offices, registered by the packages that provide it
# (the satisfaction survey's default questionnaire): the administration never imports them.
_COMMUNE_SETUP: list[Callable[[], None]] = []


def commune_setup(step: Callable[[], None]) -> Callable[[], None]:
    """Register ``step`` to run when a new commune is set up (`flask init-commune`)."""
    _COMMUNE_SETUP.append(step)
    return step


def set_up_commune(name: str, province: str, *, default_offices: bool = True) -> Commune:
    """A new deployment's commune (or the acting one, being onboarded): its default offices
    unless it has its own, then every registered setup step."""
    commune = ensure_commune(name, province, default_offices=default_offices)
    for step in _COMMUNE_SETUP:
        step()
    return commune


def office_by_code(code: str) -> Office | None:
    return db.session.scalar(select(Office).where(func.upper(Office.code) == code.upper()))


def active_offices() -> list[Office]:
    return list(
        db.session.scalars(
            select(Office).where(Office.active).order_by(Office.sort_order, Office.code)
        )
    )


def user_by_username(username: str) -> User | None:
    """Of any commune: user names are unique across the city (one sign-in page)."""
    return db.session.scalar(
        select(User)
        .where(User.username == username.strip().lower())
        .execution_options(**{tenancy.ALL_COMMUNES: True})
    )


@dataclass
class UserData:
    username: str
    full_name: str
    position_title: str
    office_id: int | None
    roles: set[Role]
    active: bool = True
    # None: unchanged (callers that do not edit them, the command line)
    email: str | None = None
    reminders_enabled: bool | None = None


def _check_user_data(data: UserData, user: User | None) -> Office | None:
    existing = user_by_username(data.username)
    if existing is not None and existing is not user:
        raise DomainError("Tên đăng nhập này đã có người dùng.", field="username")
    office = None
    if data.office_id is not None:
        office = db.session.get(Office, data.office_id)
        if office is None or (not office.active and (user is None or user.office is not office)):
            raise DomainError("Đơn vị không tồn tại hoặc đã ngừng hoạt động.", field="office_id")
    office_roles = {Role.STAFF, Role.HEAD}
    if office is None and data.roles & office_roles:
        raise DomainError("Cán bộ và lãnh đạo đơn vị phải thuộc một đơn vị.", field="office_id")
    commune = Commune.current()
    wanted = commune.secretariat_office_code if commune else "VHXH"
    if Role.SECRETARIAT in data.roles and (office is None or office.code != wanted):
        standing = office_by_code(wanted)
        raise DomainError(
            f"Vai trò Thường trực CCHC dành cho người của {standing.name if standing else wanted}.",
            field="roles",
        )
    return office


def _check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        raise DomainError(problem, field="new_password")


def create_user(
    data: UserData, password: str, *, actor: User | None = None, enforce_policy: bool = True
) -> User:
    """Create an account; usernames are unique, lower case, and checked before anything is
    saved; the password follows the rule of auth/passwords.py (`enforce_policy=False` only for
    the demo accounts, whose password the README publishes)."""
    office = _check_user_data(data, None)
    if enforce_policy:
        _check_password(password, data.username.strip().lower())
    user = User(
        username=data.username.strip().lower(),
        full_name=data.full_name.strip(),
        position_title=data.position_title.strip(),
        office=office,
        active=data.active,
        email=clean_email(data.email),
        reminders_enabled=data.reminders_enabled is not False,
    )
    user.set_password(password)
    user.set_roles(data.roles)
    db.session.add(user)
    audit.record("user.create", user, after=_user_snapshot(user), actor=actor)
    return user


def update_user(user: User, data: UserData, *, actor: User | None = None) -> User:
    before = _user_snapshot(user)
    office = _check_user_data(data, user)
    if _same(user, actor) and Role.ADMIN not in data.roles:
        raise DomainError("Không thể tự bỏ vai trò quản trị của chính mình.", field="roles")
    if _same(user, actor) and not data.active:
        raise DomainError("Không thể tự khóa tài khoản của chính mình.", field="active")
    user.username = data.username.strip().lower()
    user.full_name = data.full_name.strip()
    user.position_title = data.position_title.strip()
    user.office = office
    user.active = data.active
    if data.email is not None:
        user.email = clean_email(data.email)
    if data.reminders_enabled is not None:
        user.reminders_enabled = data.reminders_enabled
    user.set_roles(data.roles)
    after = _user_snapshot(user)
    if after != before:
        audit.record("user.update", user, before=before, after=after, actor=actor)
    return user


def reset_password(user: User, password: str, *, actor: User | None = None) -> None:
    """A new password set by an administrator: it follows the password rule, ends every
    session of the account and clears its sign-in counters."""
    _check_password(password, user.username)
    user.set_password(password)
    user.session_version = (user.session_version or 0) + 1
    throttle.unlock_account(user.username)
    audit.record("user.reset_password", user, actor=actor)


def unlock_login(user: User, *, actor: User | None = None) -> int:
    """Forget the account's failed sign-ins (after a guessing attack, or a user who forgot):
    it may sign in again at once from anywhere."""
    cleared = throttle.unlock_account(user.username)
    audit.record("user.unlock_login", user, after={"counters": cleared}, actor=actor)
    return cleared


def set_user_active(user: User, active: bool, *, actor: User | None = None) -> None:
    """Deactivate instead of delete: a user with history must stay for the audit trail."""
    if _same(user, actor) and not active:
        raise DomainError("Không thể tự khóa tài khoản của chính mình.")
    if user.active == active:
        return
    user.active = active
    if not active:
        user.session_version = (user.session_version or 0) + 1  # its sessions end at once
    audit.record(
        "user.activate" if active else "user.deactivate",
        user,
        before={"active": not active},
        after={"active": active},
        actor=actor,
    )


def search_users(
    query: Query | None = None, office_id: int | None = None, role: str = "", status: str = ""
):
    """The select behind the user list: search by name, username or position (folded: "hoa"
    finds "Hoà" and "Hòa"), filter by office/role/status."""
    stmt = (
        select(User).outerjoin(User.office).order_by(Office.sort_order.nulls_first(), User.username)
    )
    stmt = searched(stmt, User, query)
    if office_id:
        stmt = stmt.where(User.office_id == office_id)
    if role:
        stmt = stmt.where(User.role_rows.any(role=role))
    if status == "active":
        stmt = stmt.where(User.active)
    elif status == "inactive":
        stmt = stmt.where(~User.active)
    elif status == "no_email":
        stmt = stmt.where(User.active, User.email == "")
    return stmt


def _office_snapshot(office: Office) -> dict:
    return audit.snapshot(office, OFFICE_FIELDS)


def create_office(
    code: str, name: str, is_specialised: bool, *, actor: User | None = None
) -> Office:
    code = code.strip().upper()
    if office_by_code(code) is not None:
        raise DomainError("Mã đơn vị này đã có.", field="code")
    if code == "CQCM":
        raise DomainError(
            "“CQCM” nghĩa là tất cả các cơ quan chuyên môn, không thể là mã một đơn vị.",
            field="code",
        )
    next_order = (db.session.scalar(select(func.max(Office.sort_order))) or 0) + 1
    office = Office(
        code=code, name=name.strip(), is_specialised=is_specialised, sort_order=next_order
    )
    db.session.add(office)
    audit.record("office.create", office, after=_office_snapshot(office), actor=actor)
    return office


def update_office(
    office: Office, name: str, is_specialised: bool, *, actor: User | None = None
) -> Office:
    """Rename an office; its code stays, since plans and imports refer to it."""
    before = _office_snapshot(office)
    office.name = name.strip()
    office.is_specialised = is_specialised
    after = _office_snapshot(office)
    if after != before:
        audit.record("office.update", office, before=before, after=after, actor=actor)
    return office


def set_office_active(office: Office, active: bool, *, actor: User | None = None) -> None:
    if office.active == active:
        return
    office.active = active
    audit.record(
        "office.activate" if active else "office.deactivate",
        office,
        before={"active": not active},
        after={"active": active},
        actor=actor,
    )
