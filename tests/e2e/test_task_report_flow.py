"""Browser test of the monthly cycle: staff updates a task with evidence, the head submits the
monthly report, the secretariat returns it, the head resubmits, the secretariat accepts."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today

from ..factories import make_plan, make_task

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()


def test_update_submit_return_resubmit_accept(live_server, page: Page, tmp_path):
    seed_organisation()
    today = local_today()
    plan = make_plan(
        "Kế hoạch CCHC thử nghiệm",
        period_start=today - timedelta(days=90),
        period_end=today + timedelta(days=120),
    )
    make_task(plan, "3.1", lead="VP", coordinating=["HCC"], content="Rà soát thủ tục hành chính")
    db.session.commit()
    page.on("dialog", lambda dialog: dialog.accept())
    evidence = tmp_path / "Biên bản rà soát.pdf"
    evidence.write_bytes(PDF)

    # 1. Staff of VP updates the task inline, with an evidence file.
    login(page, live_server, "vp.canbo")
    nav = page.get_by_role("navigation", name="Chức năng chính")
    nav.get_by_role("link", name="Đơn vị của tôi").click()
    page.get_by_role("link", name="Cập nhật").click()  # htmx loads the form into the row
    form = page.locator("form[hx-post]")
    form.get_by_label("Đang thực hiện").check()
    form.get_by_label("Tiến độ (%)").fill("60")
    form.get_by_label("Kết quả thực hiện").fill("Đã rà soát 45 thủ tục, đề nghị bãi bỏ 3.")
    form.get_by_label("Minh chứng").set_input_files(str(evidence))
    form.get_by_role("button", name="Lưu cập nhật").click()
    expect(page.locator("#flashes")).to_contain_text("Đã lưu cập nhật nhiệm vụ 3.1")
    expect(page.locator(".history")).to_contain_text("Đã rà soát 45 thủ tục")
    expect(page.get_by_role("link", name="Biên bản rà soát.pdf")).to_be_visible()
    page.screenshot(path="/tmp/e2e_task.png", full_page=True)
    logout(page)

    # 2. The head opens this month's report and submits it.
    login(page, live_server, "vp.lanhdao")
    page.get_by_role("navigation", name="Chức năng chính").get_by_role(
        "link", name="Báo cáo"
    ).click()
    page.get_by_role("button", name="Lập báo cáo").click()
    expect(page.locator(".report-preview")).to_contain_text("Đã rà soát 45 thủ tục")
    page.get_by_label("I. Công tác chỉ đạo, điều hành").fill(
        "Lãnh đạo Văn phòng chỉ đạo rà soát TTHC."
    )
    page.get_by_role("button", name="Nộp báo cáo").click()
    expect(page.locator("#flashes")).to_contain_text("Đã nộp báo cáo.")
    expect(page.locator("main")).to_contain_text("Đã nộp, chờ tiếp nhận")
    report_url = page.url
    logout(page)

    # 3. The secretariat returns it with a comment.
    login(page, live_server, "vhxh.lanhdao")
    page.get_by_role("navigation", name="Chức năng chính").get_by_role(
        "link", name="Báo cáo"
    ).click()
    page.locator("section", has_text="Chờ tiếp nhận").get_by_role("link").first.click()
    page.get_by_label("Ý kiến của Thường trực CCHC").fill("Bổ sung số liệu hồ sơ đúng hạn.")
    page.get_by_role("button", name="Trả lại").click()
    expect(page.locator("main")).to_contain_text("Bị trả lại")
    logout(page)

    # 4. The head sees why, corrects and resubmits.
    login(page, live_server, "vp.lanhdao")
    page.goto(report_url)
    expect(page.locator(".history")).to_contain_text("Bổ sung số liệu hồ sơ đúng hạn.")
    page.get_by_label("III. Đánh giá chung: ưu điểm, hạn chế").fill("Tỷ lệ hồ sơ đúng hạn 98%.")
    page.get_by_role("button", name="Nộp lại báo cáo").click()
    expect(page.locator("main")).to_contain_text("Đã nộp, chờ tiếp nhận")
    logout(page)

    # 5. The secretariat accepts.
    login(page, live_server, "vhxh.lanhdao")
    page.goto(report_url)
    page.get_by_role("button", name="Tiếp nhận").click()
    expect(page.locator("#flashes")).to_contain_text("Đã tiếp nhận báo cáo.")
    expect(page.locator("main")).to_contain_text("Đã tiếp nhận")
    page.screenshot(path="/tmp/e2e_report.png", full_page=True)
