"""Browser test: a staff member logs in, sees their home page, logs out."""

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db

pytestmark = pytest.mark.e2e


def test_staff_logs_in_sees_home_and_logs_out(live_server, page: Page):
    seed_organisation()
    db.session.commit()
    page.goto(f"{live_server}/")
    expect(page).to_have_url(f"{live_server}/login?next=%2F")
    page.get_by_label("Tên đăng nhập").fill("vp.canbo")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_contain_text("không đúng")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Nguyễn Thị Lan")
    expect(page.locator("main")).to_contain_text("Văn phòng HĐND và UBND xã")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.locator("#flashes")).to_contain_text("Bạn đã đăng xuất.")
