"""Onboarding a commune (issue 20, item 2): its row under the city, its offices and accounts
from a CSV or XLSX file each, and the registered setup steps (`admin.services.set_up_commune`:
the satisfaction survey's defaults). All or nothing: any bad row refuses the whole, naming the
row and the column; nothing is written.

The files (first row: the column names; CSV in UTF-8, "," or ";"; XLSX: the first sheet):

- offices: ``code`` (required, 1–16 letters or digits, unique), ``name`` (required),
  ``is_specialised`` (co/khong, x, 1/0, true/false; empty: no). Without a file the commune
  gets the default offices of a commune after the 2025 reform, named for its kind.
- users: ``username`` (required, unique across the city), ``full_name`` (required),
  ``position_title``, ``office_code`` (one of the offices; required for staff and heads),
  ``roles`` (required, separated by ``;`` or ``,``: the role's code ``admin``, ``head`` … or
  its Vietnamese name "Quản trị hệ thống", "Lãnh đạo đơn vị" …), ``email``.

Passwords are never in the file: each account gets a one-time password, shown once on the
result page (printed by the command), for the administrator to hand over; the user changes it
at Tài khoản › Đổi mật khẩu.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import func, select

from ..admin import services as org
from ..core import tenancy
from ..core.emails import clean_email
from ..core.errors import DomainError
from ..core.extensions import db
from ..models import ROLE_LABELS, Commune, Office, Role, User, UserRole
from ..models.org import CommuneKind
from ..plans.importer import ImportFileError, read_table
from ..records import audit
from . import services

OFFICE_COLUMNS = ("code", "name", "is_specialised")
USER_COLUMNS = ("username", "full_name", "position_title", "office_code", "roles", "email")
_OFFICE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_COMMUNE_CODE = re.compile(r"^[A-Z0-9_-]{2,32}$")
_YES = {"co", "x", "1", "true", "yes", "c"}
_NO = {"", "khong", "0", "false", "no", "k"}
# Unambiguous letters and digits (no 0/O, 1/l/I): read aloud or copied from paper.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class OnboardingRefused(DomainError):
    """A bad file or row: `message` names the file, the row and the column."""


@dataclass
class OfficeRow:
    row: int
    code: str
    name: str
    is_specialised: bool


@dataclass
class UserRow:
    row: int
    username: str
    full_name: str
    position_title: str
    office_code: str
    roles: set[Role]
    email: str


@dataclass
class Onboarded:
    commune: Commune
    offices: list[Office] = field(default_factory=list)
    # (username, full name, roles, one-time password): shown once, never stored in clear
    accounts: list[tuple[str, str, str, str]] = field(default_factory=list)
    has_admin: bool = False


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


_ROLE_BY_NAME = {_plain(label).replace(",", ""): role for role, label in ROLE_LABELS.items()} | {
    r.value: r for r in Role
}


def one_time_password() -> str:
    """14 characters in three groups ("k7Qm-x3Rt-p9Wd"): long enough for the password rule."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def _rows(label: str, upload: tuple[str, bytes], columns: tuple[str, ...], required: set[str]):
    filename, data = upload
    try:
        table = read_table(filename, data)
    except ImportFileError as err:
        raise OnboardingRefused(f"Tệp {label}: {err}") from err
    header = table[0][1]["__header__"].split(",")
    missing = [c for c in columns if c in required and c not in header]
    if missing:
        raise OnboardingRefused(
            f"Tệp {label}: thiếu cột {', '.join(missing)} ở dòng đầu (các cột: "
            + ", ".join(columns)
            + ")."
        )
    return table[1:]


def _refuse(label: str, row: int, column: str, why: str) -> OnboardingRefused:
    return OnboardingRefused(f"Tệp {label}, dòng {row}, cột {column}: {why}")


def parse_offices(upload: tuple[str, bytes]) -> list[OfficeRow]:
    label = "đơn vị"
    found: list[OfficeRow] = []
    for row, values in _rows(label, upload, OFFICE_COLUMNS, {"code", "name"}):
        code = values.get("code", "").strip().upper()
        name = values.get("name", "").strip()
        flag = _plain(values.get("is_specialised", ""))
        if not _OFFICE_CODE.match(code):
            raise _refuse(label, row, "code", "mã đơn vị gồm 1–16 chữ không dấu hoặc số.")
        if code == "CQCM":
            raise _refuse(label, row, "code", "“CQCM” là tất cả cơ quan chuyên môn, không là mã.")
        if any(o.code == code for o in found):
            raise _refuse(label, row, "code", f"mã “{code}” bị trùng.")
        if not name or len(name) > 200:
            raise _refuse(label, row, "name", "hãy ghi tên đơn vị (tối đa 200 ký tự).")
        if flag not in _YES | _NO:
            raise _refuse(label, row, "is_specialised", "ghi “có” hoặc “không”.")
        found.append(OfficeRow(row, code, name, flag in _YES))
    if not found:
        raise OnboardingRefused(f"Tệp {label}: không có dòng nào.")
    return found


def parse_users(upload: tuple[str, bytes], office_codes: set[str]) -> list[UserRow]:
    label = "người dùng"
    found: list[UserRow] = []
    for row, values in _rows(label, upload, USER_COLUMNS, {"username", "full_name", "roles"}):
        username = values.get("username", "").strip().lower()
        full_name = values.get("full_name", "").strip()
        office_code = values.get("office_code", "").strip().upper()
        if not _USERNAME.match(username):
            raise _refuse(
                label,
                row,
                "username",
                "tên đăng nhập gồm 3–64 ký tự: chữ không dấu, số, dấu chấm, gạch ngang.",
            )
        if any(u.username == username for u in found):
            raise _refuse(label, row, "username", f"“{username}” bị trùng trong tệp.")
        if org.user_by_username(username) is not None:
            raise _refuse(label, row, "username", f"“{username}” đã có người dùng trong thành phố.")
        if not full_name or len(full_name) > 120:
            raise _refuse(label, row, "full_name", "hãy ghi họ và tên (tối đa 120 ký tự).")
        title = values.get("position_title", "").strip()
        if len(title) > 120:
            raise _refuse(label, row, "position_title", "chức vụ dài tối đa 120 ký tự.")
        if office_code and office_code not in office_codes:
            raise _refuse(
                label, row, "office_code", f"không có đơn vị mã “{office_code}” trong xã, phường."
            )
        roles: set[Role] = set()
        for part in re.split(r"[;,]", values.get("roles", "")):
            if not part.strip():
                continue
            role = _ROLE_BY_NAME.get(" ".join(_plain(part).split()))
            if role is None:
                raise _refuse(
                    label,
                    row,
                    "roles",
                    f"không có vai trò “{part.strip()}” (dùng: "
                    + ", ".join(r.value for r in Role)
                    + ").",
                )
            roles.add(role)
        if not roles:
            raise _refuse(label, row, "roles", "hãy ghi ít nhất một vai trò.")
        if roles & {Role.STAFF, Role.HEAD} and not office_code:
            raise _refuse(
                label, row, "office_code", "cán bộ và lãnh đạo đơn vị phải thuộc một đơn vị."
            )
        email = values.get("email", "").strip()
        if email:
            try:
                email = clean_email(email)
            except DomainError as err:
                raise _refuse(label, row, "email", err.message) from err
        found.append(UserRow(row, username, full_name, title, office_code, roles, email))
    if not found:
        raise OnboardingRefused(f"Tệp {label}: không có dòng nào.")
    return found


def default_offices(kind: CommuneKind) -> list[OfficeRow]:
    """The default offices (admin.services.DEFAULT_OFFICES) named for the kind: a ward's
    "Công an phường"."""
    word = {CommuneKind.PHUONG: "phường", CommuneKind.DAC_KHU: "đặc khu"}.get(kind, "xã")
    rows = []
    for code, name, specialised in org.DEFAULT_OFFICES:
        if name.endswith(" xã"):
            name = f"{name[:-3]} {word}"
        rows.append(OfficeRow(0, code, name, specialised))
    return rows


@dataclass
class CommuneData:
    code: str
    name: str
    kind: str
    province: str = ""


def check_commune(data: CommuneData) -> tuple[str, str, CommuneKind]:
    code = (data.code or "").strip().upper()
    name = (data.name or "").strip()
    if not _COMMUNE_CODE.match(code):
        raise DomainError("Mã gồm 2–32 chữ in hoa không dấu, số, “-” hoặc “_”.", field="code")
    clash = db.session.scalar(select(Commune.name).where(func.upper(Commune.code) == code).limit(1))
    if clash:
        raise DomainError(f"Mã “{code}” đã được dùng cho {clash}.", field="code")
    if not name or len(name) > 120:
        raise DomainError("Hãy nhập tên xã, phường (tối đa 120 ký tự).", field="name")
    same = db.session.scalar(select(Commune.name).where(func.lower(Commune.name) == name.lower()))
    if same:
        raise DomainError(f"Đã có {same}.", field="name")
    if data.kind not in {k.value for k in services.COMMUNE_KINDS}:
        raise DomainError("Hãy chọn loại: xã, phường hoặc đặc khu.", field="kind")
    return code, name, CommuneKind(data.kind)


def onboard(
    data: CommuneData,
    *,
    offices_file: tuple[str, bytes] | None = None,
    users_file: tuple[str, bytes] | None = None,
    city: Commune | None,
    actor: User | None,
) -> Onboarded:
    """Create the commune under `city` (None: a deployment without a city level), its
    offices, its accounts and its setup steps; refuse everything on the first bad row."""
    code, name, kind = check_commune(data)
    province = (data.province or "").strip() or (city.province if city else "")
    if not province:
        raise DomainError("Hãy nhập tỉnh, thành phố.", field="province")
    office_rows = parse_offices(offices_file) if offices_file else default_offices(kind)
    codes = {o.code for o in office_rows}
    user_rows = parse_users(users_file, codes) if users_file else []
    commune = Commune(
        code=code,
        name=name,
        kind=kind,
        province=province,
        parent_id=city.id if city else None,
        settings={},
    )
    db.session.add(commune)
    db.session.flush()
    result = Onboarded(commune)
    session = db.session()
    with tenancy.acting_for(session, commune.id):
        for order, row in enumerate(office_rows, start=1):
            office = Office(
                code=row.code, name=row.name, is_specialised=row.is_specialised, sort_order=order
            )
            db.session.add(office)
            result.offices.append(office)
        db.session.flush()
        org.set_up_commune(name, province, default_offices=False)
        by_code = {o.code: o for o in result.offices}
        for row in user_rows:
            office = by_code.get(row.office_code)
            password = one_time_password()
            try:
                org.create_user(
                    org.UserData(
                        row.username,
                        row.full_name,
                        row.position_title,
                        office.id if office else None,
                        row.roles,
                        email=row.email,
                    ),
                    password,
                    actor=None,  # the commune's log: "the system" (the city's says who)
                )
            except DomainError as err:
                column = {"office_id": "office_code", "new_password": "username"}.get(
                    err.field or "", err.field or "roles"
                )
                raise _refuse("người dùng", row.row, column, err.message) from err
            result.has_admin = result.has_admin or Role.ADMIN in row.roles
            roles = ", ".join(ROLE_LABELS[r] for r in Role if r in row.roles)
            result.accounts.append((row.username, row.full_name, roles, password))
        db.session.flush()
    audit.record(
        "commune.create",
        commune,
        after={
            "code": code,
            "name": name,
            "kind": kind.value,
            "province": province,
            "offices": sorted(codes),
            "users": [u.username for u in user_rows],
        },
        actor=actor,
    )
    return result


def _admins_of_communes():
    return (
        select(User.commune_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.ADMIN, User.active, User.commune_id.is_not(None))
    )


def without_administrator(city: Commune) -> list[Commune]:
    """The city's communes where nobody may administer yet (onboarded without an admin)."""
    return list(
        db.session.scalars(
            select(Commune)
            .where(Commune.parent_id == city.id, Commune.id.not_in(_admins_of_communes()))
            .order_by(Commune.name)
            .execution_options(**{tenancy.ALL_COMMUNES: True})
        )
    )


def commune_of_city(city: Commune, code: str) -> Commune | None:
    """One of the city's communes by its code (None: no such commune of this city)."""
    return db.session.scalar(
        select(Commune)
        .where(Commune.parent_id == city.id, func.upper(Commune.code) == (code or "").upper())
        .execution_options(**{tenancy.ALL_COMMUNES: True})
    )


@dataclass
class AdminData:
    username: str
    full_name: str
    position_title: str = ""
    email: str = ""


def add_administrator(
    commune: Commune, data: AdminData, *, city: Commune, actor: User | None
) -> tuple[User, str]:
    """An administrator account for one of the city's communes (one onboarded without one, or
    whose administrator left), with a one-time password: (the account, the password)."""
    if commune.parent_id != city.id:
        raise DomainError("Xã, phường này không thuộc thành phố.")
    password = one_time_password()
    with tenancy.acting_for(db.session(), commune.id):
        user = org.create_user(
            org.UserData(
                data.username,
                data.full_name,
                data.position_title or "",
                None,
                {Role.ADMIN},
                email=data.email or "",
            ),
            password,
            actor=None,  # the commune's log: "the system" (the city's says who)
        )
        db.session.flush()
    audit.record(
        "commune.add_admin",
        commune,
        after={"username": user.username, "full_name": user.full_name},
        actor=actor,
    )
    return user, password
