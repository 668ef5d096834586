"""Time helpers: the database stores UTC, people read Asia/Ho_Chi_Minh."""

from __future__ import annotations

import re
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


_ISO_IN_TEXT = re.compile(
    r"(?<![\d-])(\d{4}-\d{2}-\d{2})"
    r"(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?(?![\d-])"
)


def localise_dates(text: str) -> str:
    """The ISO dates and times inside a text (the audit log's before/after JSON) as people
    read them: "2025-12-26" → "26/12/2025", a stored (UTC) timestamp → local "26/12/2025 14:05"."""

    def replace(match: re.Match) -> str:
        day, clock, zone = match.groups()
        try:
            if clock is None:
                return format_date(date.fromisoformat(day))
            moment = datetime.fromisoformat(f"{day}T{clock}{(zone or '').replace('Z', '+00:00')}")
        except ValueError:
            return match.group(0)
        return format_datetime(moment)

    return _ISO_IN_TEXT.sub(replace, str(text))
