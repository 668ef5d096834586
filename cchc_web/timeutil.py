"""Time helpers: the database stores UTC, people read Asia/Ho_Chi_Minh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# The demo tells its story at the moments it happened: while it is seeded, "now" is the
# moment of each step (every timestamp a service or a column default writes).
_story_time: ContextVar[datetime | None] = ContextVar("story_time", default=None)


@contextmanager
def story_time(moment: datetime) -> Iterator[None]:
    """Run the block as if ``moment`` (aware, or naive local time) were now."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    token = _story_time.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _story_time.reset(token)


def utcnow() -> datetime:
    return _story_time.get() or datetime.now(UTC)


def local_now() -> datetime:
    return utcnow().astimezone(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def to_local(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def format_date(value: date | datetime | None) -> str:
    """20/09/2025, as on every page."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return value.strftime("%d/%m/%Y")


def format_datetime(value: datetime | None) -> str:
    """20/09/2025 14:05, in local time."""
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")
