"""Browser test: a secretariat member types in the header's search box, without accents and
with an abbreviation, and opens what they were looking for; the results appear while typing."""

import unicodedata

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db

from .. import factories

pytestmark = pytest.mark.e2e


def test_global_search_finds_accent_free_and_abbreviated_queries(live_server, page: Page):
    seed_organisation()
    db.session.commit()
    plan = factories.make_plan()
    factories.make_task(plan, "3.1", lead="HCC", content="Số hóa hồ sơ, kết quả giải quyết TTHC")
    factories.make_task(plan, "5.2", lead="VP", content="Hoà giải ở cơ sở")
    rnd = factories.make_round()
    factories.make_initiative(
        rnd, "HCC", title="Thủy lợi nội đồng: lịch tưới qua Zalo", state="submitted"
    )

    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("vhxh.canbo")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()

    # The header's box: a plain GET to /search.
    header = page.get_by_role("search").first
    header.get_by_label("Tìm kiếm trong toàn hệ thống").fill("so hoa ho so")
    header.get_by_role("button", name="Tìm").click()
    expect(page).to_have_url(f"{live_server}/search?q=so+hoa+ho+so")
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name="Nhiệm vụ")).to_be_visible()
    expect(results.locator("mark").first).to_have_text("Số hóa hồ sơ")

    # Typing on the search page: the results follow without a page load (htmx).
    box = page.locator("#search-q")
    box.fill("")
    box.type("Thuỷ lợi", delay=30)
    expect(results).to_contain_text("Thủy lợi nội đồng: lịch tưới qua Zalo")
    expect(page).to_have_url(f"{live_server}/search?q=Thu%E1%BB%B7%20l%E1%BB%A3i")  # pushed
    box.fill(unicodedata.normalize("NFD", "Hòa giải"))
    box.press("Enter")
    expect(results).to_contain_text("Hoà giải ở cơ sở")
    box.fill("a")
    box.press("Enter")
    expect(results.get_by_role("alert")).to_have_text("Hãy nhập ít nhất 2 ký tự để tìm.")

    # An abbreviation finds the words it stands for; the result opens the task.
    box.fill("thủ tục hành chính")
    box.press("Enter")
    results.get_by_role("link", name="Số hóa hồ sơ").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhiệm vụ 3.1")
    expect(page.locator("main")).to_contain_text("Số hóa hồ sơ, kết quả giải quyết TTHC")
