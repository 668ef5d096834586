"""Time helpers: the database stores UTC, people read Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    return datetime.now(UTC)


def local_now() -> datetime:
    return datetime.now(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def to_local(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def format_date(value: date | datetime | str | None) -> str:
    """20/09/2025, as on every page; also for the ISO dates ("2025-09-20") kept in JSON, such
    as a frozen report's figures."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """20/09/2025 14:05, in local time."""
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")
