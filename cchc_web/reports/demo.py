"""Demo data of the reports domain: the offices' monthly reports on the demo's two plans
(told by `plans/demo.py`), at the moments they were written, submitted and decided, never
later than when the demo is built (SPEC §7):

- the 2025 plan: every office's reports of November and December 2025, accepted;
- the current plan: reports accepted, one late, one returned, one office missing for the
  latest due month, and the running month's report in preparation, not yet due.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..admin.services import office_by_code, user_by_username
from ..core.demo import demo_seeder
from ..core.extensions import db
from ..core.timeutil import story_time
from ..models.reports import Report
from ..plans.demo import OFFICES, Clock, demo_plan, demo_user, month_shift, window
from . import periods, services


@demo_seeder(order=32)
def seed_reports() -> None:
    """The monthly reports of both plans (once: nothing when a report exists)."""
    if user_by_username("vhxh.canbo") is None or demo_plan() is None:
        return
    if db.session.scalar(select(Report.id).limit(1)) is not None:
        return
    clock = Clock()
    for month in (11, 12):
        for n, code in enumerate(OFFICES):
            _report(code, 2025, month, clock, submitted=17 + n % 2, decided=21)
    first, _last, current = window(clock.today)
    if first > clock.today:
        return  # the 2025 plan is still running: its reports are all there is
    for back in range(-4, 1):
        month = month_shift(current, back)
        if month < first:
            continue
        latest_due = back == (0 if clock.today.day > 20 else -1)
        due_passed = clock.today > month.replace(day=20)
        for n, code in enumerate(OFFICES):
            if not due_passed:
                if code == "VHXH" and clock.happened(month.replace(day=16)):
                    _report(code, month.year, month.month, clock, draft_on=16)
                continue
            if latest_due and code == "QS":
                continue  # not reported: flagged after the 20th
            late = back == -2 and code == "KT"
            _report(
                code,
                month.year,
                month.month,
                clock,
                submitted=22 if late else 17 + n % 2,
                decided=23,
                returned=latest_due and code == "VP",
            )


def _report(
    code: str,
    year: int,
    month: int,
    clock: Clock | None = None,
    *,
    submitted: int | None = None,
    decided: int | None = None,
    returned: bool = False,
    draft_on: int | None = None,
) -> None:
    """An office's monthly report: written on the 16th, submitted, then accepted or
    returned by the secretariat."""
    period = periods.month_period(year, month)
    office = office_by_code(code)
    staff = demo_user(f"{code.lower()}.canbo")
    head = demo_user(f"{code.lower()}.lanhdao")
    clock = clock or Clock()
    with story_time(clock.at(date(year, month, draft_on or 16), 8, 30)):
        report = services.start_report(office, period, staff)
        report.direction = (
            f"{office.name} quán triệt Kế hoạch CCHC của UBND xã, phân công cán bộ theo dõi "
            "từng nhiệm vụ và báo cáo tiến độ hằng tháng."
        )
        report.strengths_limits = (
            "Ưu điểm: nhiệm vụ trọng tâm được triển khai đúng kế hoạch.\n"
            "Hạn chế: một số nhiệm vụ còn chậm do thiếu nhân lực."
        )
        report.next_tasks = "Tiếp tục thực hiện các nhiệm vụ thường xuyên; khắc phục nhiệm vụ chậm."
    if submitted is None:
        return
    with story_time(clock.at(date(year, month, submitted), 10)):
        services.submit_report(report, head)
    secretariat = demo_user("vhxh.lanhdao")
    with story_time(clock.at(date(year, month, decided or 21), 9)):
        if returned:
            services.return_report(
                report,
                secretariat,
                "Đề nghị bổ sung nguyên nhân và giải pháp khắc phục của nhiệm vụ chậm, "
                "kèm minh chứng.",
            )
        else:
            services.accept_report(report, secretariat, "Tiếp nhận.")
