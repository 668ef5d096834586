"""Reporting periods (SPEC §3): the Ministry's windows run from the 15th to the 14th.

Month M of year Y: 15/(M-1) → 14/M; Q1: 15/12 of the previous year → 14/3; half-year: 15/12 →
14/6; Q3: 15/6 → 14/9; year: 15/12 → 14/12. A report is due before the 20th of the month in
which its period ends (seed 004 §7). The start day can be configured per commune
(Quản trị › Thiết lập: `models/commune_settings.py`) for provinces that close on another day,
and so can the deadline day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from ..core.timeutil import LOCAL_TZ
from ..models import commune_settings
from ..models.reports import ReportKind

DEADLINE_DAY = commune_settings.DEFAULT_REPORT_DEADLINE_DAY  # 20
DEFAULT_START_DAY = commune_settings.DEFAULT_REPORT_START_DAY  # 15


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date
    deadline: date

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.end.isoformat()}"

    @property
    def label(self) -> str:
        if self.kind == ReportKind.MONTH:
            return f"Tháng {self.end.month}/{self.end.year}"
        if self.kind == ReportKind.QUARTER:
            return f"Quý {(self.end.month - 1) // 3 + 1}/{self.end.year}"
        if self.kind == ReportKind.HALF_YEAR:
            return f"6 tháng đầu năm {self.end.year}"
        return f"Năm {self.end.year}"

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start of the first day, start of the day after the last) in UTC."""
        first = datetime.combine(self.start, time.min, LOCAL_TZ).astimezone(UTC)
        after = datetime.combine(self.end + timedelta(days=1), time.min, LOCAL_TZ)
        return first, after.astimezone(UTC)

    @property
    def objective_month(self) -> date:
        """Objective values are monthly: a period reports the month it ends in."""
        return self.end.replace(day=1)


def start_day() -> int:
    """The commune's report day (Quản trị › Thiết lập; the 20th by default)."""
    return commune_settings.current().report_start_day


def deadline_day() -> int:
    """The day of the month a report is due (the 20th by default)."""
    return commune_settings.current().report_deadline_day


def _previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def _ending(kind: str, year: int, end_month: int, first_year: int, first_month: int) -> Period:
    day = start_day()
    return Period(
        kind,
        date(first_year, first_month, day),
        date(year, end_month, day - 1),
        date(year, end_month, deadline_day()),
    )


def month_period(year: int, month: int) -> Period:
    return _ending(ReportKind.MONTH, year, month, *_previous_month(year, month))


def quarter_period(year: int, quarter: int) -> Period:
    """Q1 and Q3 (Q2 is the half-year report, Q4 the yearly one)."""
    if quarter == 1:
        return _ending(ReportKind.QUARTER, year, 3, year - 1, 12)
    if quarter == 3:
        return _ending(ReportKind.QUARTER, year, 9, year, 6)
    raise ValueError("quarter must be 1 or 3")


def half_year_period(year: int) -> Period:
    return _ending(ReportKind.HALF_YEAR, year, 6, year - 1, 12)


def year_period(year: int) -> Period:
    return _ending(ReportKind.YEAR, year, 12, year - 1, 12)


def period_for(kind: str, end: date) -> Period:
    """The period of `kind` that ends in the month of `end`."""
    if kind == ReportKind.MONTH:
        return month_period(end.year, end.month)
    if kind == ReportKind.QUARTER:
        return quarter_period(end.year, 1 if end.month <= 3 else 3)
    if kind == ReportKind.HALF_YEAR:
        return half_year_period(end.year)
    if kind == ReportKind.YEAR:
        return year_period(end.year)
    raise ValueError(kind)


def current_month_period(today: date) -> Period:
    """The monthly report people work on today: the period that is running, or the one that
    has just ended while its deadline has not come (15th–19th)."""
    if today.day < deadline_day():
        return month_period(today.year, today.month)
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return month_period(year, month)


def last_due_month_period(today: date) -> Period:
    """The latest monthly period whose deadline has come (the one compliance is checked on)."""
    if today.day >= deadline_day():
        return month_period(today.year, today.month)
    return month_period(*_previous_month(today.year, today.month))


KIND_ORDER = [k.value for k in ReportKind]
KIND_GROUP_LABELS = {
    ReportKind.MONTH: "Báo cáo tháng",
    ReportKind.QUARTER: "Báo cáo quý (quý I, quý III)",
    ReportKind.HALF_YEAR: "Báo cáo 6 tháng (thay báo cáo quý II)",
    ReportKind.YEAR: "Báo cáo năm (thay báo cáo quý IV)",
}


def parse_key(key: str) -> Period | None:
    """ "month:2025-11-14" → that period; None for anything that is not exactly the end of a
    period of that kind (a report cannot be opened for a made-up period)."""
    try:
        kind, end_text = key.split(":", 1)
        if kind not in KIND_ORDER:
            return None
        end = date.fromisoformat(end_text)
        period = period_for(kind, end)
    except ValueError:
        return None
    return period if period.end == end else None


def periods_overlapping(start: date, end: date) -> list[Period]:
    """Every reporting period, of every kind, that shares at least one day with
    [start, end]."""
    found: list[Period] = []
    year, month = start.year, start.month
    while True:
        period = month_period(year, month)
        if period.start > end:
            break
        if period.end >= start:
            found.append(period)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    for year in range(start.year, end.year + 2):
        for period in (
            quarter_period(year, 1),
            half_year_period(year),
            quarter_period(year, 3),
            year_period(year),
        ):
            if period.start <= end and period.end >= start:
                found.append(period)
    return found


def reportable_periods(plans, today: date) -> list[Period]:
    """The periods a report may be made for: every period of every kind that shares a day
    with one of `plans` (active or closed ones) and has begun by `today`; newest first."""
    found: dict[str, Period] = {}
    for plan in plans:
        for period in periods_overlapping(plan.period_start, plan.period_end):
            if period.start <= today:
                found[period.key] = period
    return sorted(found.values(), key=lambda p: (p.end, -KIND_ORDER.index(p.kind)), reverse=True)


def grouped_by_kind(periods: list[Period]) -> list[tuple[str, list[Period]]]:
    """(group label, periods newest first) for each kind that has any, months first."""
    return [
        (KIND_GROUP_LABELS[kind], [p for p in periods if p.kind == kind])
        for kind in KIND_ORDER
        if any(p.kind == kind for p in periods)
    ]


def recent_month_periods(today: date, count: int = 6) -> list[Period]:
    period = current_month_period(today)
    result = [period]
    while len(result) < count:
        result.append(month_period(*_previous_month(result[-1].end.year, result[-1].end.month)))
    return result
