"""Browser test: the city's administrator onboards a commune from the admin pages with an
Excel file of users, then one of the new commune's people signs in and sees their commune."""

import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_city, seed_organisation
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db

pytestmark = pytest.mark.e2e


def _users_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["username", "full_name", "position_title", "office_code", "roles", "email"])
    sheet.append(["dan.admin", "Quản trị Đường An", "Chuyên viên", None, "admin", None])
    sheet.append(["dan.vhxh", "Lê Văn Thường", "Trưởng phòng", "VHXH", "head; secretariat", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sign_in(page: Page, server: str, username: str, password: str) -> None:
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_city_admin_onboards_a_commune_whose_user_then_signs_in(live_server, page: Page):
    seed_organisation()
    seed_city()
    db.session.commit()
    _sign_in(page, live_server, "tp.admin", DEMO_PASSWORD)
    page.get_by_role("link", name="Quản lý xã, phường").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quản lý xã, phường của Thành phố")
    expect(page.locator("main")).to_contain_text("CHIMINH")
    page.get_by_role("link", name="+ Thêm xã, phường").click()
    page.get_by_label("Mã xã, phường").fill("DUONGAN")
    page.get_by_label("Tên xã, phường").fill("Xã Đường An")
    page.get_by_label("Loại").select_option("xa")
    page.get_by_label("Tệp người dùng").set_input_files(
        {
            "name": "nguoi-dung.xlsx",
            "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "buffer": _users_xlsx(),
        }
    )
    page.get_by_role("button", name="Tạo xã, phường").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã tạo Xã Đường An")
    row = page.locator("tr", has_text="dan.vhxh")
    password = row.locator("code.one-time-password").inner_text()
    assert len(password) == 14
    page.get_by_role("link", name="Về danh sách xã, phường").click()
    expect(page.locator("main")).to_contain_text("DUONGAN")
    page.get_by_role("button", name="Đăng xuất").click()

    _sign_in(page, live_server, "dan.vhxh", password)
    expect(page.get_by_role("heading", level=1)).to_have_text("Xin chào, Lê Văn Thường")
    expect(page.locator("footer")).to_contain_text("Xã Đường An")
    expect(page.locator("body")).not_to_contain_text("Xã Chí Minh")
