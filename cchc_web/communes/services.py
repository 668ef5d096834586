"""A commune's settings page (Quản trị › Thiết lập) and the onboarding of a new commune by the
city's administrator (Quản trị › Xã, phường; `flask add-commune`). Every change is audited.

The settings themselves are read everywhere through `models/commune_settings.py`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from ..admin import services as org
from ..core import tenancy
from ..core.errors import DomainError, FieldErrors
from ..initiatives.services import parse_rubric, rubric_text
from ..models import ROLE_LABELS, Commune, Office, Role, User
from ..models import commune_settings as cs
from ..models.org import CommuneKind
from ..models.plans import FIELDS
from ..records import audit

# The kinds a commune-level unit may have (the city is created by the deployment, not here).
COMMUNE_KINDS = (CommuneKind.XA, CommuneKind.PHUONG, CommuneKind.DAC_KHU)
__all__ = ("org", "rubric_text")
# The roles a users file may name: their codes and Vietnamese names.
ROLE_CODES = [(r.value, ROLE_LABELS[r]) for r in Role]
_CODE = re.compile(r"^[a-z0-9_]{1,32}$")
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")


# -- the settings page ----------------------------------------------------------------------
@dataclass
class SettingsData:
    """What the form sends, as typed (the services parse and check it)."""

    name: str
    kind: str
    plan_fields: str  # one a line: "code | label"
    initiative_fields: str
    report_start_day: int | None
    report_deadline_day: int | None
    round_submission: str  # "20/9"
    round_decision: str  # "30/9"
    rubric: str  # one criterion a line: "code | label | max | bands"
    issuer_lines: str  # one a line; empty: the default
    secretariat_office: str


def fields_text(fields: dict[str, str]) -> str:
    return "\n".join(f"{code} | {label}" for code, label in fields.items())


def parse_fields(text: str, *, field: str, statutory: bool) -> list[list[str]]:
    """ "code | label" lines. Plan fields: codes among the seven of SPEC §2 (the tasks table
    accepts those only); initiative fields: any code of a–z, 0–9 and _."""
    found: list[list[str]] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        code, _, label = (p.strip() for p in raw.partition("|"))
        code = code.lower()
        if not label:
            raise DomainError(f"Dòng {n}: cần dạng “mã | tên lĩnh vực”.", field=field)
        if statutory and code not in FIELDS:
            raise DomainError(
                f"Dòng {n}: mã “{code}” không phải lĩnh vực CCHC; dùng một trong: "
                + ", ".join(FIELDS)
                + ".",
                field=field,
            )
        if not statutory and not _CODE.match(code):
            raise DomainError(
                f"Dòng {n}: mã “{code}” chỉ gồm chữ thường không dấu, số và dấu gạch dưới "
                "(tối đa 32 ký tự).",
                field=field,
            )
        if len(label) > 200:
            raise DomainError(f"Dòng {n}: tên lĩnh vực dài tối đa 200 ký tự.", field=field)
        if any(code == c for c, _ in found):
            raise DomainError(f"Dòng {n}: mã “{code}” bị trùng.", field=field)
        found.append([code, label])
    if not found:
        raise DomainError("Cần ít nhất một lĩnh vực.", field=field)
    return found


def parse_day_month(text: str, *, field: str) -> list[int]:
    match = _DAY_MONTH.match(text or "")
    day, month = (int(match[1]), int(match[2])) if match else (0, 0)
    if not 1 <= month <= 12 or not 1 <= day <= (
        29 if month == 2 else 30 + (month in (1, 3, 5, 7, 8, 10, 12))
    ):
        raise DomainError("Hãy nhập ngày/tháng, ví dụ 20/9.", field=field)
    return [day, month]


def _check_settings(commune: Commune, data: SettingsData) -> dict:
    """The new values (as `commune_settings.updated` takes them), or every problem at once."""
    problems: dict[str, str] = {}
    values: dict = {}

    def take(name: str, parse) -> None:
        try:
            values[name] = parse()
        except DomainError as err:
            problems[err.field or name] = err.message

    name = (data.name or "").strip()
    if not name:
        problems["name"] = "Hãy nhập tên xã, phường."
    elif len(name) > 120:
        problems["name"] = "Tên dài tối đa 120 ký tự."
    if not commune.is_city and data.kind not in {k.value for k in COMMUNE_KINDS}:
        problems["kind"] = "Hãy chọn loại: xã, phường hoặc đặc khu."
    take("plan_fields", lambda: parse_fields(data.plan_fields, field="plan_fields", statutory=True))
    take(
        "initiative_fields",
        lambda: parse_fields(data.initiative_fields, field="initiative_fields", statutory=False),
    )
    start, due = data.report_start_day, data.report_deadline_day
    if start is None or not cs.MIN_START_DAY <= start <= cs.MAX_START_DAY:
        problems["report_start_day"] = "Ngày bắt đầu kỳ báo cáo là một ngày từ 2 đến 28."
    elif due is None or not start <= due <= cs.MAX_START_DAY:
        problems["report_deadline_day"] = (
            f"Hạn nộp báo cáo là một ngày từ {start} (ngày bắt đầu kỳ) đến 28."
        )
    values["report_start_day"], values["report_deadline_day"] = start, due
    take(
        "round_submission", lambda: parse_day_month(data.round_submission, field="round_submission")
    )
    take("round_decision", lambda: parse_day_month(data.round_decision, field="round_decision"))
    sub, dec = values.get("round_submission"), values.get("round_decision")
    if sub and dec and (sub[1], sub[0]) > (dec[1], dec[0]):
        problems["round_decision"] = "Hạn Quyết định công nhận phải sau hạn nộp sáng kiến."
    take("rubric", lambda: parse_rubric(data.rubric or ""))
    lines = [line.strip() for line in (data.issuer_lines or "").splitlines() if line.strip()]
    if len(lines) > 3 or any(len(line) > 60 for line in lines):
        problems["issuer_lines"] = "Tối đa 3 dòng, mỗi dòng tối đa 60 ký tự."
    values["issuer_lines"] = [line.upper() for line in lines] or None
    office = org.office_by_code(data.secretariat_office or "")
    if office is None or not office.active:
        problems["secretariat_office"] = "Hãy chọn một đơn vị đang hoạt động."
    else:
        values["secretariat_office"] = office.code
    if problems:
        raise FieldErrors(problems)
    values["name"] = name
    return values


def save_settings(commune: Commune, data: SettingsData, *, actor: User | None) -> Commune:
    """The administrator's settings of their own commune (the city's for the city's)."""
    values = _check_settings(commune, data)
    before = _snapshot(commune)
    commune.name = values.pop("name")
    if not commune.is_city:
        commune.kind = CommuneKind(data.kind)
    commune.settings = cs.updated(commune, **values)
    after = _snapshot(commune)
    if after != before:
        audit.record("commune.settings", commune, before=before, after=after, actor=actor)
    return commune


def _snapshot(commune: Commune) -> dict:
    return {"name": commune.name, "kind": str(commune.kind), **cs.as_json(cs.of(commune))}


# -- the city's communes --------------------------------------------------------------------
def city_of(user: User) -> Commune:
    """The city whose communes `user` administers (a city-level administrator's tenant)."""
    if not (user.is_admin and user.at_city_level):
        raise DomainError("Chỉ quản trị hệ thống cấp thành phố được thêm xã, phường.")
    return user.commune


def communes_query(city: Commune):
    """The city's communes with their numbers of users and offices (one statement)."""
    users = (
        select(func.count(User.id))
        .where(User.commune_id == Commune.id)
        .correlate(Commune)
        .scalar_subquery()
    )
    offices = (
        select(func.count(Office.id))
        .where(Office.commune_id == Commune.id)
        .correlate(Commune)
        .scalar_subquery()
    )
    admins = (
        select(func.count(User.id))
        .where(User.commune_id == Commune.id, User.active, User.role_rows.any(role=Role.ADMIN))
        .correlate(Commune)
        .scalar_subquery()
    )
    return (
        select(
            Commune.id,
            Commune.code,
            Commune.name,
            Commune.kind,
            users.label("users"),
            offices.label("offices"),
            admins.label("admins"),
        )
        .where(Commune.parent_id == city.id)
        .order_by(Commune.name, Commune.id)
        .execution_options(**{tenancy.ALL_COMMUNES: True})
    )
