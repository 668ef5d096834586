"""Browser test of issue 14, "reports that tell the truth", on today's date: a closed 2025
plan (the real one of Xã Chí Minh) and a current active plan with the same task codes.

The secretariat imports the 2025 plan again as a draft (allowed beside a closed plan) and is
refused a copy over the active plan; a coordinating office's contribution shows under its
name while the lead's status stays; a past catch-up deadline is refused with every problem
shown at once; an overdue catch-up plan is flagged on the dashboard; VP's reports for past
months list each task once, from active and closed plans only; a quarterly report for the
previous quarter can be made; no date on the pages reads yyyy-mm-dd."""

import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.admin.services import user_by_username
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.plans import demo
from cchc_web.plans import services as plans
from cchc_web.reports import periods

from ..factories import import_demo_plan, make_plan, make_task

pytestmark = pytest.mark.e2e
SHARED = Path("/work/shared/data")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def data_file(name: str) -> Path:
    """The real plan's CSV from the shared data folder, else the copy shipped in the package."""
    return SHARED / name if (SHARED / name).exists() else demo.DATA_DIR / name


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()


def no_iso_dates(page: Page) -> None:
    text = page.inner_text("body")
    assert not ISO_DATE.search(text), (page.url, ISO_DATE.findall(text)[:3])


def made_at(update, day: date) -> None:
    update.created_at = datetime.combine(day, time(2), UTC)


def setup_plans(today: date):
    """The 2025 plan closed with some history; a current plan with tasks of the same codes:
    KT leads 6.1 at 50% (VP coordinates), VHXH's 1.2 has an overdue catch-up plan."""
    seed_organisation()
    db.session.commit()
    secretariat = user_by_username("vhxh.canbo")
    old = import_demo_plan()
    old_61 = next(t for t in old.tasks if t.code == "6.1")
    update = plans.record_task_update(
        old_61, plans.UpdateData("in_progress", 40, "Công khai dự toán."),
        user_by_username("kt.canbo"), today=date(2025, 11, 1),
    )  # fmt: skip
    made_at(update, date(2025, 11, 1))
    plans.close_plan(old, secretariat)
    current = make_plan(
        "Kế hoạch cải cách hành chính năm 2026",
        period_start=max(today - timedelta(days=200), date(2026, 1, 1)),
        period_end=today + timedelta(days=150),
    )
    make_task(
        current, "2.1", lead="VP", coordinating=["HCC"], content="Nâng cao chất lượng văn bản QPPL"
    )
    make_task(current, "3.1", lead="VP", content="Kiểm soát thủ tục hành chính năm 2026")
    t61 = make_task(
        current, "6.1", lead="KT", coordinating=["VP"], content="Công khai ngân sách năm 2026"
    )
    t12 = make_task(
        current, "1.2", lead="VHXH", coordinating=["VP"], content="Tự chấm điểm chỉ số CCHC"
    )
    update = plans.record_task_update(
        t61, plans.UpdateData("in_progress", 50, "Công khai dự toán 2026."),
        user_by_username("kt.canbo"), today=today - timedelta(days=25),
    )  # fmt: skip
    made_at(update, today - timedelta(days=25))
    update = plans.record_task_update(
        t12,
        plans.UpdateData(
            "late", 30, "Chưa có hướng dẫn.", cause_type="objective",
            cause="Thành phố chưa ban hành bộ chỉ số.",
            catchup_action="Chấm ngay khi có bộ chỉ số.",
            catchup_deadline=today - timedelta(days=5), catchup_responsible="Bùi Văn Tuấn",
        ),
        secretariat,
        today=today - timedelta(days=20),
    )  # fmt: skip
    made_at(update, today - timedelta(days=20))
    db.session.commit()
    return old, current, t61


def report_codes(page: Page) -> list[str]:
    return [
        c.strip() for c in page.locator(".report-tasks tbody tr td:first-child").all_inner_texts()
    ]


def test_reports_tell_the_truth(live_server, page: Page):
    today = local_today()
    old, current, t61 = setup_plans(today)
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. The secretariat imports the 2025 plan again: a draft beside the closed plan.
    login(page, live_server, "vhxh.lanhdao")
    page.goto(f"{live_server}/plans/import")
    page.get_by_label("Tên kế hoạch").fill("Kế hoạch CCHC 6 tháng cuối năm 2025 (bản nhập lại)")
    page.get_by_label("Từ ngày").fill("01/07/2025")
    page.get_by_label("Đến ngày").fill("31/12/2025")
    page.get_by_label("Tệp nhiệm vụ").set_input_files(
        str(data_file("ke_hoach_cchc_2025_h2_chi_minh.csv"))
    )
    page.get_by_label("Tệp mục tiêu").set_input_files(
        str(data_file("muc_tieu_cchc_2025_h2_chi_minh.csv"))
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.get_by_role("button", name=re.compile("Xác nhận nhập 29 nhiệm vụ")).click()
    expect(page.locator("#flashes")).to_contain_text("Đã nhập kế hoạch: 29 nhiệm vụ, 13 mục tiêu.")
    expect(page.locator("main")).to_contain_text("Kế hoạch đang là dự thảo")
    expect(page.get_by_role("button", name="Soạn văn bản ban hành")).to_be_visible()
    no_iso_dates(page)
    # ... and is refused a copy over the active plan: a clear message, the form kept.
    page.goto(f"{live_server}/plans/import")
    page.get_by_label("Tên kế hoạch").fill("Bản trùng kế hoạch đang thực hiện")
    page.get_by_label("Từ ngày").fill("01/07/2025")
    page.get_by_label("Đến ngày").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Tệp nhiệm vụ").set_input_files(
        str(data_file("ke_hoach_cchc_2025_h2_chi_minh.csv"))
    )
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator("main")).to_contain_text(
        "Trùng với “Kế hoạch cải cách hành chính năm 2026”"
    )
    expect(page.get_by_label("Tên kế hoạch")).to_have_value("Bản trùng kế hoạch đang thực hiện")
    expect(page.get_by_role("button", name=re.compile("Xác nhận nhập"))).to_have_count(0)
    logout(page)

    # 2. VP coordinates 6.1 (KT leads): it sends its part; KT's status stays.
    login(page, live_server, "vp.canbo")
    page.goto(f"{live_server}/offices/vp/tasks/{t61.id}")
    expect(page.locator(".facts")).to_contain_text("Đang thực hiện 50%")
    page.get_by_label("Phần việc đơn vị đã thực hiện").fill(
        "Văn phòng đăng tải công khai dự toán năm 2026 lên Cổng thông tin điện tử xã."
    )
    page.get_by_role("button", name="Gửi phần việc phối hợp").click()
    expect(page.locator("#flashes")).to_contain_text("Đã gửi phần việc phối hợp")
    expect(page.locator(".history")).to_contain_text("Văn phòng HĐND và UBND xã")
    expect(page.locator(".facts")).to_contain_text("Đang thực hiện 50%")
    no_iso_dates(page)

    # 3. VP's late task 3.1: every problem at once, then a past deadline refused.
    t31 = next(t for t in current.tasks if t.code == "3.1")
    page.goto(f"{live_server}/offices/vp/tasks/{t31.id}/update")
    form = page.locator("form[hx-post]")
    form.get_by_label("Chậm tiến độ").check()
    form.get_by_label("Tiến độ (%)").fill("30")
    form.get_by_role("button", name="Lưu cập nhật").click()
    for message in (
        "Hãy nêu nguyên nhân chậm tiến độ.",
        "Hãy nêu giải pháp khắc phục.",
        "Hãy chọn thời hạn hoàn thành mới.",
        "Hãy ghi người chịu trách nhiệm.",
    ):
        expect(page.locator("main")).to_contain_text(message)
    form = page.locator("form[hx-post]")
    form.get_by_label("Khách quan").check()
    form.get_by_label("Nguyên nhân", exact=True).fill("Chờ hướng dẫn của Sở Nội vụ.")
    form.get_by_label("Giải pháp khắc phục").fill("Hoàn thành ngay khi có hướng dẫn.")
    yesterday = (today - timedelta(days=1)).strftime("%d/%m/%Y")
    form.get_by_label("Thời hạn hoàn thành mới").fill(yesterday)
    form.get_by_label("Người chịu trách nhiệm").fill("Phạm Văn Minh")
    form.get_by_role("button", name="Lưu cập nhật").click()
    expect(page.locator("main")).to_contain_text(
        f"Thời hạn hoàn thành mới phải sau hôm nay ({today:%d/%m/%Y})."
    )
    expect(page.locator("form[hx-post]").get_by_label("Nguyên nhân", exact=True)).to_have_value(
        "Chờ hướng dẫn của Sở Nội vụ."
    )
    expect(page.locator("form[hx-post]").get_by_label("Thời hạn hoàn thành mới")).to_have_value(
        yesterday
    )
    logout(page)

    # 4. The lead office KT sees VP's part in its workspace.
    login(page, live_server, "kt.canbo")
    page.get_by_role("navigation", name="Chức năng chính").get_by_role(
        "link", name="Đơn vị của tôi"
    ).click()
    expect(page.locator("main")).to_contain_text("Phần việc các đơn vị phối hợp gửi gần đây")
    expect(page.locator("main")).to_contain_text("Văn phòng đăng tải công khai dự toán năm 2026")
    expect(page.locator(f"#task-{t61.id}")).to_contain_text("50%")
    no_iso_dates(page)
    logout(page)

    # 5. VP's head: reports for past months list each task once, from non-draft plans.
    login(page, live_server, "vp.lanhdao")
    last_month = periods.last_due_month_period(today)
    for period in (periods.month_period(2025, 11), last_month):
        page.goto(f"{live_server}/reports/office/vp/")
        page.get_by_label("Lập báo cáo cho kỳ").select_option(period.key)
        page.get_by_role("button", name="Lập báo cáo").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(
            f"Báo cáo {period.label.lower()}"
        )
        codes = report_codes(page)
        assert codes and len(codes) == len(set(codes)), (period.label, codes)
        expect(page.locator("main")).not_to_contain_text("bản nhập lại")
        no_iso_dates(page)
    # The last one opened is the current plan's.
    expect(page.locator("main")).to_contain_text("Thực hiện Kế hoạch cải cách hành chính năm 2026")
    # A quarterly report for the previous quarter (Q2 and Q4 are the 6-month and yearly).
    quarter = max(
        (p for p in periods.reportable_periods([old, current], today) if p.kind == "quarter"
         and p.end < today),
        key=lambda p: p.end,
    )  # fmt: skip
    page.goto(f"{live_server}/reports/office/vp/")
    page.get_by_label("Lập báo cáo cho kỳ").select_option(quarter.key)
    page.get_by_role("button", name="Lập báo cáo").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Báo cáo {quarter.label.lower()}")
    no_iso_dates(page)
    page.goto(f"{live_server}/reports/office/vp/")
    no_iso_dates(page)
    logout(page)

    # 6. The Chairman's dashboard flags the overdue catch-up plan.
    login(page, live_server, "chutich")
    page.goto(f"{live_server}/dashboard/")
    expect(page.locator("main")).to_contain_text("1 nhiệm vụ quá hạn khắc phục")
    late = page.locator("section", has_text="Nhiệm vụ chậm tiến độ và kế hoạch khắc phục")
    expect(late.locator("tr", has_text="1.2")).to_contain_text("Quá hạn khắc phục")
    no_iso_dates(page)
    page.screenshot(path="/tmp/e2e_reports_truth_dashboard.png", full_page=True)
