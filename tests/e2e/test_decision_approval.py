"""Browser test: the Chairman opens a submitted draft, previews it, approves it and downloads
the signed PDF."""

import hashlib
import os
import re

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.admin.services import user_by_username
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.models import Decision

from .. import factories
from ..decisions_support import pki  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("pki")]
SHOTS = os.environ.get("CCHC_SCREENSHOTS")  # a folder, to look at the pages by eye


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def test_chairman_previews_approves_and_downloads(live_server, page: Page, tmp_path):
    seed_organisation()
    db.session.commit()
    factories.give_certificate(user_by_username("chutich"))
    decision = factories.make_decision(user_by_username("vhxh.canbo"), rows=4)
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("chutich")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    # The menu entry, with the count of what waits for him there ("Quyết định 1 việc đang chờ").
    page.get_by_role("navigation").get_by_role("link", name=re.compile(r"^Quyết định\b")).click()
    expect(page.locator("main")).to_contain_text("Chờ lãnh đạo duyệt")
    _shot(page, "decisions-list")
    page.get_by_role("link", name=f"Dự thảo #{decision.id}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dự thảo quyết định #{decision.id}")

    preview_link = page.get_by_role("link", name="Xem bản in thử (PDF)")
    preview = page.request.get(f"{live_server}{preview_link.get_attribute('href')}")
    assert preview.headers["content-type"] == "application/pdf"
    assert preview.body().startswith(b"%PDF")
    _shot(page, "decision-submitted")

    page.get_by_role("button", name="Duyệt và ký ban hành").click()
    expect(page.locator("#flashes")).to_contain_text("Đã ký ban hành Quyết định số 01/QĐ-UBND")
    _shot(page, "decision-approved")

    with page.expect_download() as info:
        page.get_by_role("link", name="Tải bản PDF đã ký").click()
    path = tmp_path / "signed.pdf"
    info.value.save_as(path)
    data = path.read_bytes()
    db.session.expire_all()
    assert hashlib.sha256(data).hexdigest() == db.session.get(Decision, decision.id).pdf_sha256

    page.goto(f"{live_server}/verify")
    page.get_by_label("Tệp PDF cần kiểm tra").set_input_files(str(path))
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator(".verify-result")).to_contain_text("còn nguyên vẹn")
    expect(page.locator(".verify-result")).to_contain_text("2 chữ ký số, tất cả hợp lệ")
    expect(page.locator(".verify-result")).to_contain_text("Chủ tịch UBND xã Chí Minh")
    _shot(page, "verify")
