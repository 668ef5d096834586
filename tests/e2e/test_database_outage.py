"""Browser test (issue 15): the database fails while a staff member saves a task update through
htmx: the text stays in the form, a Vietnamese message says it was not saved, and saving again
once the database is back works."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today

from ..factories import make_plan, make_task
from ..test_faults import database_fails

pytestmark = pytest.mark.e2e


def test_htmx_save_during_an_outage_keeps_the_text_and_says_so(live_server, page: Page):
    seed_organisation()
    today = local_today()
    plan = make_plan(
        "Kế hoạch CCHC thử nghiệm",
        period_start=today - timedelta(days=90),
        period_end=today + timedelta(days=120),
    )
    make_task(plan, "3.1", lead="VP", content="Rà soát thủ tục hành chính")
    db.session.commit()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("vp.canbo")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("navigation", name="Chức năng chính").get_by_role(
        "link", name="Đơn vị của tôi"
    ).click()
    page.get_by_role("link", name="Cập nhật").click()
    form = page.locator("form[hx-post]")
    form.get_by_label("Đang thực hiện").check()
    form.get_by_label("Tiến độ (%)").fill("60")
    typed = "Đã rà soát 45 thủ tục, đề nghị bãi bỏ 3."
    form.get_by_label("Kết quả thực hiện").fill(typed)
    with database_fails("down"):
        form.get_by_role("button", name="Lưu cập nhật").click()
        expect(page.locator("#flashes")).to_contain_text(
            "Tạm thời không truy cập được cơ sở dữ liệu nên dữ liệu chưa được lưu"
        )
    expect(form.get_by_label("Kết quả thực hiện")).to_have_value(typed)
    form.get_by_role("button", name="Lưu cập nhật").click()
    expect(page.locator("#flashes")).to_contain_text("Đã lưu cập nhật nhiệm vụ 3.1")
