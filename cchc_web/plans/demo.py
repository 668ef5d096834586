"""Demo data of the plans domain: the real plan of Xã Chí Minh (seed 001) shipped as CSV in
`cchc_web/plans/data/`, objective values and three months of progress updates, and reports
in each state including a returned one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from ..demo import demo_seeder
from ..models.plans import Plan, Task
from . import services

DATA_DIR = Path(__file__).resolve().parent / "data"
TASKS_CSV = DATA_DIR / "ke_hoach_cchc_2025_h2_chi_minh.csv"
OBJECTIVES_CSV = DATA_DIR / "muc_tieu_cchc_2025_h2_chi_minh.csv"
DEMO_PLAN = services.PlanData(
    title="Kế hoạch cải cách hành chính 6 tháng cuối năm 2025",
    period_start=date(2025, 7, 1),
    period_end=date(2025, 12, 31),
    theme="Đẩy mạnh cải cách thủ tục hành chính, chuyển đổi số, nâng cao sự hài lòng "
    "của người dân và doanh nghiệp",
    doc_number="125/KH-UBND",
    doc_date=date(2025, 7, 8),
)


def import_shipped_plan(actor=None) -> Plan:
    """Import the shipped CSVs; the files are part of the package, checked like any upload."""
    parsed = services.parse_plan_files(
        (TASKS_CSV.name, TASKS_CSV.read_bytes()),
        (OBJECTIVES_CSV.name, OBJECTIVES_CSV.read_bytes()),
        (DEMO_PLAN.period_start, DEMO_PLAN.period_end),
    )
    return services.import_plan(DEMO_PLAN, parsed, actor)


def demo_plan() -> Plan | None:
    from ..extensions import db

    return db.session.scalar(select(Plan).where(Plan.title == DEMO_PLAN.title))


# (task code, office code, status, progress, result, late?) per demo month: the
# monthly updates that offices post between the 15th and the 14th.
_LATE = {
    "cause_type": "subjective",
    "cause": "Cán bộ phụ trách kiêm nhiệm nhiều việc sau sắp xếp bộ máy.",
    "catchup_action": "Phân công lại cán bộ, họp rà soát hằng tuần đến khi hoàn thành.",
}
_MONTHS: list[tuple[date, list[tuple[str, str, str, int, str]]]] = [
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
            ("1.2", "VHXH", "late", 30, "Chưa có hướng dẫn chấm điểm của Thành phố."),
            ("7.3", "KT", "in_progress", 50, "Kết nối phần mềm chuyên ngành nông nghiệp."),
        ],
    ),
]
# What coordinating offices did for tasks they do not lead (no status: the lead's stays).
_CONTRIBUTIONS = [
    (
        date(2025, 11, 6),
        "6.1",
        "VP",
        "Đăng tải công khai dự toán ngân sách năm 2025 lên Cổng "
        "thông tin điện tử xã theo đề nghị của Phòng Kinh tế.",
    ),  # fmt: skip
    (
        date(2025, 12, 3),
        "3.5",
        "VHXH",
        "Phối hợp khảo sát mức độ hài lòng tại bộ phận một cửa: 120 phiếu, tổng hợp gửi Trung tâm.",
    ),  # fmt: skip
]
# Objective values per month (October → December 2025).
_VALUES = {
    "MT1": ("VP", ["100", "100", "100"]),
    "MT2": ("HCC", ["98", "97", "94"]),
    "MT2b": ("HCC", ["0", "2", "6"]),
    "MT3": ("HCC", ["91", "89", "92"]),
    "MT4": ("VHXH", ["0", "0", "0"]),
    "MT6": ("VP", ["92", "96", "100"]),
    "MT6b": ("VP", ["97", "99", "100"]),
    "MT7": ("HCC", ["100", "100", "100"]),
}


@demo_seeder(order=30)
def seed_plan_progress() -> None:
    """The plan of Xã Chí Minh, three months of updates (with late tasks and their catch-up
    plans), objective values, and monthly reports in every state including a returned one."""
    from ..admin.services import user_by_username
    from ..extensions import db
    from ..models.plans import TaskUpdate
    from ..models.reports import Report
    from ..reports import periods
    from ..reports import services as reports

    secretary = user_by_username("vhxh.canbo")
    if secretary is None:
        return
    plan = demo_plan()
    if plan is None:
        plan = import_shipped_plan(secretary)
        # Active, so that it feeds the workspaces, the dashboard and the reports.
        services.activate_plan(plan, secretary)
        db.session.flush()
    has_updates = db.session.scalar(
        select(TaskUpdate.id).join(TaskUpdate.task).where(Task.plan_id == plan.id).limit(1)
    )
    if has_updates is None:
        tasks = {t.code: t for t in plan.tasks}
        for when, rows in _MONTHS:
            for code, office_code, status, progress, result in rows:
                author = user_by_username(f"{office_code.lower()}.canbo")
                task = tasks[code]
                late = status == "late"
                update = services.record_task_update(
                    task,
                    services.UpdateData(
                        status,
                        progress,
                        result,
                        based_on_id=task.latest_update.id if task.latest_update else None,
                        catchup_deadline=date(2025, 12, 26) if late else None,
                        catchup_responsible=author.full_name if late else "",
                        **(_LATE if late else {}),
                    ),
                    author,
                    today=when,  # the catch-up deadline is checked against that day
                )
                update.created_at = datetime.combine(when, time(9), UTC)
                db.session.flush()
                db.session.refresh(task)
        for when, code, office_code, text in _CONTRIBUTIONS:
            author = user_by_username(f"{office_code.lower()}.canbo")
            contribution = services.record_contribution(tasks[code], text, author)
            contribution.created_at = datetime.combine(when, time(9), UTC)
        objectives = {o.code: o for o in plan.objectives}
        for code, (office_code, values) in _VALUES.items():
            author = user_by_username(f"{office_code.lower()}.canbo")
            for month, value in zip((10, 11, 12), values, strict=True):
                services.record_objective_value(
                    objectives[code], date(2025, month, 1), Decimal(value), "", author
                )
    if db.session.scalar(select(Report.id).limit(1)) is None:
        _seed_reports(reports, periods)


def _seed_reports(reports, periods) -> None:
    from ..admin.services import office_by_code, user_by_username

    def submit(code: str, month: int, day: int, hour: int = 10):
        head = user_by_username(f"{code.lower()}.lanhdao")
        report = reports.start_report(
            office_by_code(code),
            periods.month_period(2025, month),
            user_by_username(f"{code.lower()}.canbo"),
        )
        report.direction = (
            f"{head.office.name} quán triệt Kế hoạch CCHC của UBND xã, phân công cán bộ "
            "theo dõi từng nhiệm vụ và báo cáo tiến độ hằng tháng."
        )
        report.strengths_limits = "Ưu điểm: nhiệm vụ trọng tâm được triển khai đúng kế hoạch.\n"
        report.strengths_limits += "Hạn chế: một số nhiệm vụ còn chậm do thiếu nhân lực."
        report.next_tasks = "Tiếp tục thực hiện các nhiệm vụ thường xuyên; khắc phục nhiệm vụ chậm."
        reports.submit_report(
            report, head, now=datetime.combine(date(2025, month, day), time(hour - 7), UTC)
        )
        return report

    secretariat = user_by_username("vhxh.lanhdao")
    for code in ("VP", "KT", "VHXH", "HCC", "VHTT", "CA", "QS"):
        # November: everyone reported, KT after the deadline.
        report = submit(code, 11, 22 if code == "KT" else 17)
        reports.accept_report(report, secretariat, "Tiếp nhận.")
    for code in ("VP", "KT", "VHXH", "HCC"):
        report = submit(code, 12, 18)
        if code == "VP":
            reports.return_report(
                report,
                secretariat,
                "Đề nghị bổ sung nguyên nhân và giải pháp khắc phục của nhiệm vụ 3.1, "
                "kèm minh chứng.",
            )
        else:
            reports.accept_report(report, secretariat)
    # VHTT, CA and QS have not reported December: flagged from the 20th.
