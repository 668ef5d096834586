"""Demo data of the plans domain, told at the moments it happened and relative to the day the
demo is built (SPEC §7):

- the real plan of Xã Chí Minh for the second half of 2025 (seed 001, shipped as CSV in
  `cchc_web/plans/data/`), issued by its signed Kế hoạch and closed in January 2026, with its
  history: monthly updates (late tasks with catch-up plans), objective values;
- a current plan around today (from eight months back to three ahead) with the same tasks,
  issued by its signed Kế hoạch: tasks done, in progress and late (one catch-up plan already
  overdue), contributions of coordinating offices, objective values (one corrected, with its
  reason).

The monthly reports on both plans are told by `reports/demo.py`, which runs next.

Nothing is dated after the moment the demo is built.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ..core.demo import demo_seeder
from ..core.timeutil import LOCAL_TZ, local_now, story_time
from ..models.plans import Plan
from . import services

DATA_DIR = Path(__file__).resolve().parent / "data"
TASKS_CSV = DATA_DIR / "ke_hoach_cchc_2025_h2_chi_minh.csv"
OBJECTIVES_CSV = DATA_DIR / "muc_tieu_cchc_2025_h2_chi_minh.csv"
DEMO_PLAN = services.PlanData(
    title="Kế hoạch cải cách hành chính 6 tháng cuối năm 2025",
    period_start=date(2025, 7, 1),
    period_end=date(2025, 12, 31),
    theme="Lấy sự hài lòng của người dân, doanh nghiệp làm thước đo cải cách hành chính",
)
OFFICES = ("VP", "KT", "VHXH", "HCC", "VHTT", "CA", "QS")


def import_shipped_plan(actor=None, data: services.PlanData = DEMO_PLAN, month_of=None) -> Plan:
    """Import the shipped CSVs; the files are part of the package, checked like any upload.
    ``month_of`` moves each dated task's month (the current plan reuses the seed's tasks)."""
    parsed = services.parse_plan_files(
        (TASKS_CSV.name, TASKS_CSV.read_bytes()),
        (OBJECTIVES_CSV.name, OBJECTIVES_CSV.read_bytes()),
        (DEMO_PLAN.period_start, DEMO_PLAN.period_end),
    )
    if month_of is not None:
        parsed.tasks = [
            dataclasses.replace(t, due_month=month_of(t.code)) if t.due_month else t
            for t in parsed.tasks
        ]
    return services.import_plan(data, parsed, actor)


def demo_plan() -> Plan | None:
    from ..core.extensions import db

    return db.session.scalar(select(Plan).where(Plan.title == DEMO_PLAN.title))


# -- the story's clock -------------------------------------------------------------------------
def month_shift(first: date, shift: int) -> date:
    """The first day of the month ``shift`` months after ``first``'s."""
    index = first.year * 12 + first.month - 1 + shift
    return date(index // 12, index % 12 + 1, 1)


class Clock:
    """Moments of the story, never later than when the demo is built."""

    def __init__(self) -> None:
        self.now = local_now()
        self.today = self.now.date()

    def at(self, day: date, hour: int = 9, minute: int = 0) -> datetime:
        moment = datetime.combine(day, time(hour, minute), LOCAL_TZ)
        return min(moment, self.now - timedelta(minutes=10))

    def happened(self, day: date, hour: int = 9) -> bool:
        return datetime.combine(day, time(hour), LOCAL_TZ) < self.now - timedelta(minutes=10)


def demo_user(username: str):
    from ..admin.services import user_by_username

    user = user_by_username(username)
    assert user is not None, f"demo account {username} missing: seed_organisation runs first"
    return user


def _issue(plan: Plan, drafted: datetime, signed: datetime, signer: str) -> None:
    """The plan's Kế hoạch drafted by the secretariat and signed by a leader: the plan is
    active from the signature (SPEC §3, seed 001 is signed "KT. CHỦ TỊCH")."""
    from ..decisions import services as decisions
    from ..models import DecisionKind

    secretary = demo_user("vhxh.canbo")
    with story_time(drafted):
        document = decisions.create_draft(DecisionKind.PLAN_APPROVAL, plan.id, secretary)
        decisions.submit(document, secretary)
    with story_time(signed):
        decisions.approve(document, demo_user(signer))


def _update(task, office: str, status: str, progress: int, result: str, **late) -> None:
    author = demo_user(f"{office.lower()}.canbo")
    services.record_task_update(
        task,
        services.UpdateData(
            status,
            progress,
            result,
            based_on_id=task.latest_update.id if task.latest_update else None,
            catchup_responsible=author.full_name if late else "",
            **late,
        ),
        author,
    )


def _late(deadline: date, cause: str) -> dict:
    return {
        "cause_type": "subjective",
        "cause": cause,
        "catchup_action": "Phân công lại cán bộ, họp rà soát hằng tuần đến khi hoàn thành.",
        "catchup_deadline": deadline,
    }


# -- the 2025 plan (seed 001): closed, with its history ----------------------------------------
_MONTHS_2025: list[tuple[date, list[tuple[str, str, str, int, str]]]] = [
    (
        date(2025, 10, 6),
        [
            ("1.1", "VHXH", "done", 100, "Đã ban hành Kế hoạch CCHC 6 tháng cuối năm 2025."),
            ("3.1", "VP", "in_progress", 60, "Đã xây dựng dự thảo Kế hoạch kiểm soát TTHC."),
            ("7.1", "VHXH", "in_progress", 50, "Đang lấy ý kiến các cơ quan chuyên môn."),
            ("3.5", "HCC", "in_progress", 70, "Tiếp nhận 1.245 hồ sơ, 98% đúng hạn."),
            ("6.1", "KT", "in_progress", 50, "Công khai dự toán ngân sách năm 2025."),
            ("2.1", "VP", "in_progress", 40, "Tham mưu 03 văn bản QPPL."),
        ],
    ),
    (
        date(2025, 11, 5),
        [
            ("3.1", "VP", "late", 70, "Kế hoạch chưa được ký ban hành."),
            ("7.1", "VHXH", "done", 100, "Đã ban hành Kế hoạch chuyển đổi số."),
            ("3.5", "HCC", "in_progress", 80, "Tiếp nhận 1.310 hồ sơ, 97% đúng hạn."),
            ("5.4", "VHXH", "late", 40, "Mới cập nhật 60% dữ liệu cán bộ."),
            ("6.2", "KT", "in_progress", 60, "Kiểm soát chi theo dự toán."),
        ],
    ),
    (
        date(2025, 12, 4),
        [
            ("3.1", "VP", "done", 100, "Đã ban hành Kế hoạch kiểm soát TTHC (muộn 4 tháng)."),
            ("2.1", "VP", "in_progress", 70, "Tham mưu thêm 02 văn bản QPPL."),
            ("3.5", "HCC", "in_progress", 85, "Tiếp nhận 1.402 hồ sơ, 96% đúng hạn."),
            ("5.4", "VHXH", "done", 100, "Đã cập nhật đủ dữ liệu cán bộ, công chức."),
            ("7.3", "KT", "in_progress", 50, "Kết nối phần mềm chuyên ngành nông nghiệp."),
        ],
    ),
]
_VALUES_2025 = {
    "MT1": ("VP", ["100", "100", "100"]),
    "MT2": ("HCC", ["98", "97", "94"]),
    "MT2b": ("HCC", ["0", "2", "6"]),
    "MT3": ("HCC", ["91", "89", "92"]),
    "MT4": ("VHXH", ["0", "0", "0"]),
    "MT6": ("VP", ["92", "96", "100"]),
    "MT6b": ("VP", ["97", "99", "100"]),
    "MT7": ("HCC", ["100", "100", "100"]),
}


def _seed_2025(clock: Clock) -> None:
    from ..core.extensions import db

    secretary = demo_user("vhxh.canbo")
    with story_time(datetime(2025, 7, 2, 9, 0)):
        plan = import_shipped_plan(secretary)
    _issue(plan, datetime(2025, 7, 3, 10, 0), datetime(2025, 7, 8, 8, 30), "phochutich")
    db.session.flush()
    tasks = {t.code: t for t in plan.tasks}
    for when, rows in _MONTHS_2025:
        for code, office, status, progress, result in rows:
            late = (
                _late(date(2025, 12, 26), "Cán bộ phụ trách kiêm nhiệm nhiều việc sau sắp xếp.")
                if status == "late"
                else {}
            )
            with story_time(datetime.combine(when, time(9))):
                _update(tasks[code], office, status, progress, result, **late)
            db.session.flush()
            db.session.refresh(tasks[code])
    objectives = {o.code: o for o in plan.objectives}
    for code, (office, values) in _VALUES_2025.items():
        for month, value in zip((10, 11, 12), values, strict=True):
            with story_time(datetime(2025, month, 28, 15, 0)):
                services.record_objective_value(
                    objectives[code],
                    date(2025, month, 1),
                    Decimal(value),
                    "",
                    demo_user(f"{office.lower()}.canbo"),
                )
    closing = datetime(2026, 1, 12, 9, 0)
    if clock.happened(closing.date()):
        with story_time(closing):
            services.close_plan(plan, secretary)


# -- the current plan, around today -------------------------------------------------------------
# The seed's dated tasks move to months around today (months from the current one).
_DUE = {"1.1": -7, "3.1": -5, "7.1": -3, "1.2": -2, "1.4": 3}
_ONGOING_LEADS = {"2.1": "VP", "3.5": "HCC", "6.1": "KT", "6.2": "KT", "1.3": "VHXH"}


def window(today: date) -> tuple[date, date, date]:
    """(first day, last day, first day of today's month) of the current plan."""
    current = date(today.year, today.month, 1)
    first = max(month_shift(current, -8), DEMO_PLAN.period_end + timedelta(days=1))
    return first, month_shift(current, 4) - timedelta(days=1), current


def _current_title(first: date, last: date) -> str:
    return (
        f"Kế hoạch cải cách hành chính từ tháng {first.month}/{first.year} "
        f"đến tháng {last.month}/{last.year}"
    )


def _seed_current(clock: Clock) -> None:
    from ..core.extensions import db

    first, last, current = window(clock.today)
    if first > clock.today:
        return  # the 2025 plan is still running: it is the current plan
    secretary = demo_user("vhxh.canbo")

    def due(code: str) -> date:
        return min(max(month_shift(current, _DUE.get(code, 0)), first), month_shift(last, 0))

    data = services.PlanData(
        title=_current_title(first, last),
        period_start=first,
        period_end=last,
        theme="Chính quyền số phục vụ người dân: hồ sơ trực tuyến, kết quả đúng hẹn",
    )
    with story_time(clock.at(first - timedelta(days=12))):
        plan = import_shipped_plan(secretary, data, month_of=due)
    _issue(
        plan,
        clock.at(first - timedelta(days=11), 10),
        clock.at(first - timedelta(days=6), 8),
        "chutich",
    )
    db.session.flush()
    tasks = {t.code: t for t in plan.tasks}

    def post(
        month: date, day: int, code: str, office: str, status: str, progress: int, text: str, **late
    ) -> None:
        moment = datetime.combine(month.replace(day=day), time(9), LOCAL_TZ)
        if month < first or not clock.happened(moment.date()):
            return
        with story_time(moment):
            _update(tasks[code], office, status, progress, text, **late)
        db.session.flush()
        db.session.refresh(tasks[code])

    # Dated tasks: done in their month; 3.1 late then caught up; 7.1 late with a catch-up
    # plan whose deadline has passed; 1.2 late with a catch-up plan still running.
    post(due("1.1"), 8, "1.1", "VHXH", "done", 100, "Đã ban hành kế hoạch CCHC của kỳ.")
    d31 = due("3.1")
    post(
        d31,
        8,
        "3.1",
        "VP",
        "late",
        60,
        "Dự thảo Kế hoạch kiểm soát TTHC chưa trình ký.",
        **_late(d31 + timedelta(days=40), "Chờ ý kiến góp ý của các cơ quan chuyên môn."),
    )
    post(month_shift(d31, 1), 20, "3.1", "VP", "done", 100, "Đã ban hành Kế hoạch kiểm soát TTHC.")
    d71 = due("7.1")
    post(
        d71,
        10,
        "7.1",
        "VHXH",
        "late",
        40,
        "Chưa hoàn thành rà soát hạ tầng số.",
        **_late(d71 + timedelta(days=30), "Thiếu kinh phí mua sắm thiết bị."),
    )
    d12 = due("1.2")
    post(d12, 10, "1.2", "VHXH", "in_progress", 50, "Đang tự chấm điểm các tiêu chí.")
    catchup = min(clock.today + timedelta(days=20), last)
    if clock.happened(month_shift(current, -1).replace(day=12)):
        post(
            month_shift(current, -1),
            12,
            "1.2",
            "VHXH",
            "late",
            70,
            "Chưa có hướng dẫn chấm điểm của Thành phố.",
            **_late(catchup, "Chờ hướng dẫn của Sở Nội vụ."),
        )
    post(
        month_shift(current, -1),
        15,
        "1.4",
        "VHXH",
        "in_progress",
        20,
        "Đã xây dựng phiếu khảo sát.",
    )
    # Ongoing tasks: a result each month.
    for back in range(-6, 1):
        month = month_shift(current, back)
        for n, (code, office) in enumerate(_ONGOING_LEADS.items()):
            progress = min(30 + 10 * (back + 6) + n, 95)
            post(
                month,
                6 + n,
                code,
                office,
                "in_progress",
                progress,
                f"Kết quả tháng {month.month}/{month.year}: thực hiện theo kế hoạch.",
            )
    # What coordinating offices did: under their name, the lead's status unchanged.
    for month, code, office, text in (
        (
            month_shift(current, -2),
            "6.1",
            "VP",
            "Đăng tải công khai dự toán ngân sách lên Cổng thông "
            "tin điện tử xã theo đề nghị của Phòng Kinh tế.",
        ),
        (
            month_shift(current, -1),
            "3.5",
            "VHXH",
            "Phối hợp khảo sát mức độ hài lòng tại bộ phận một "
            "cửa: 120 phiếu, tổng hợp gửi Trung tâm.",
        ),
    ):
        if month >= first and clock.happened(month.replace(day=16)):
            with story_time(clock.at(month.replace(day=16), 14)):
                services.record_contribution(
                    tasks[code], text, demo_user(f"{office.lower()}.canbo")
                )
    _values(plan, clock, first, current)


def _values(plan: Plan, clock: Clock, first: date, current: date) -> None:
    objectives = {o.code: o for o in plan.objectives}
    # (owner, the latest month's value): satisfaction (MT3) misses its target, MT6 is at risk.
    # MT3 (satisfaction) is not typed: sipas/demo.py links it with the survey, which computes it.
    figures = {"MT2": ("HCC", 97), "MT6": ("VP", 96), "MT7": ("HCC", 100)}
    for back in range(-7, 0):
        month = month_shift(current, back)
        if month < first:
            continue
        entered = month_shift(month, 1).replace(day=3)
        if not clock.happened(entered):
            continue
        for code, (office, base) in figures.items():
            value = min(Decimal(base + (0 if back == -1 else (back % 3) - 1)), Decimal(100))
            with story_time(clock.at(entered, 15)):
                services.record_objective_value(
                    objectives[code], month, value, "", demo_user(f"{office.lower()}.canbo")
                )
    # One value corrected afterwards: the earlier figure stays in the history.
    month = month_shift(current, -2)
    corrected = month_shift(current, -1).replace(day=9)
    if month >= first and clock.happened(corrected):
        with story_time(clock.at(corrected, 10)):
            services.record_objective_value(
                objectives["MT2"],
                month,
                Decimal("93.5"),
                "",
                demo_user("hcc.lanhdao"),
                reason="Số liệu tháng trước tính cả hồ sơ đã rút; tính lại theo phần mềm một cửa.",
            )


@demo_seeder(order=30)
def seed_plan_progress() -> None:
    """The 2025 plan with its history, closed; the current plan around today with tasks in
    every state and reports in every state (see the module's docstring)."""
    from ..admin.services import user_by_username

    if user_by_username("vhxh.canbo") is None or demo_plan() is not None:
        return
    clock = Clock()
    _seed_2025(clock)
    _seed_current(clock)
