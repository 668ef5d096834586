"""Browser test of the PAR Index workflow: assign → score with evidence → appraise → totals."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.models import IndexSet

from ..factories import SMALL_PAR_SET, par_rows

pytestmark = pytest.mark.e2e
SHOTS = Path("/tmp/par_index_shots")


def login(page: Page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()


def test_assign_score_with_evidence_appraise_and_totals(live_server, page: Page, tmp_path):
    from cchc_web.par_index import services

    seed_organisation()
    # The small set without its offices: the secretariat assigns them in the browser.
    rows = par_rows(SMALL_PAR_SET)
    index_set = services.create_set(2025, "", None, rows, with_offices=False)
    db.session.commit()
    set_id = index_set.id
    SHOTS.mkdir(exist_ok=True)
    evidence = tmp_path / "bien-ban-kiem-tra.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    # 1. The secretariat assigns 1.1.1 and 1.1.2 to VP, 1.2 to KT, 2.1 to HCC, then opens.
    login(page, live_server, "vhxh.canbo")
    page.goto(f"{live_server}/par-index/{set_id}/assign")
    for code, office in (
        (("1.1.1", "1.1.2"), "Văn phòng HĐND và UBND xã"),
        (("1.2",), "Phòng Kinh tế"),
        (("2.1",), "Trung tâm Phục vụ hành chính công"),
    ):
        for leaf in code:
            page.get_by_label(leaf, exact=True).check()
        page.get_by_label("Giao các tiêu chí đã chọn cho").select_option(label=office)
        page.get_by_role("button", name="Giao", exact=True).click()
        expect(page.locator("#assign-area")).to_contain_text(
            f"Đã giao {len(code)} tiêu chí cho {office}."
        )
    page.screenshot(path=str(SHOTS / "assign.png"), full_page=True)
    page.goto(f"{live_server}/par-index/{set_id}")
    page.get_by_role("button", name="Mở tự chấm điểm").click()
    expect(page.locator("#flashes")).to_contain_text("Đang tự chấm điểm")
    logout(page)

    # 2. VP scores 1.1.2 with evidence; a score above the maximum is refused first.
    login(page, live_server, "vp.canbo")
    page.goto(f"{live_server}/par-index/{set_id}/mine")
    expect(page.locator("main")).to_contain_text("1.1.2")
    page.get_by_role("row", name="1.1.2").get_by_role("link", name="Chấm điểm").click()
    page.get_by_label("Điểm tự chấm").fill("4")
    page.get_by_label("Giải trình").fill("Đã ban hành kế hoạch kiểm tra.")
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator(".error")).to_contain_text("Điểm phải từ 0 đến 3,5")
    expect(page.get_by_label("Giải trình")).to_have_value("Đã ban hành kế hoạch kiểm tra.")
    page.get_by_label("Điểm tự chấm").fill("3,5")
    page.get_by_label("Thêm minh chứng").set_input_files(str(evidence))
    page.get_by_role("button", name="Lưu điểm").click()
    expect(page.locator("#flashes")).to_contain_text("Đã lưu điểm tự chấm tiêu chí 1.1.2")
    expect(page.get_by_role("row", name="1.1.2")).to_contain_text("1 tệp")
    page.screenshot(path=str(SHOTS / "mine.png"), full_page=True)
    logout(page)

    # 3. The secretariat adjusts it to 2,5 with a reason and enters the survey result.
    login(page, live_server, "vhxh.lanhdao")
    page.goto(f"{live_server}/par-index/{set_id}")
    page.locator("tr", has_text="1.1.2").get_by_role("link", name="Thẩm định").click()
    expect(page.locator("main")).to_contain_text("bien-ban-kiem-tra.pdf")
    page.get_by_label("Điều chỉnh điểm").check()
    page.get_by_label("Điểm thẩm định").fill("2,5")
    page.get_by_label("Lý do điều chỉnh").fill("Biên bản chưa có chữ ký.")
    page.get_by_role("button", name="Lưu thẩm định").click()
    expect(page.locator("#flashes")).to_contain_text("Đã thẩm định tiêu chí 1.1.2")
    page.goto(f"{live_server}/par-index/{set_id}/settings")
    page.get_by_label("Điểm điều tra xã hội học").fill("4,5")
    page.get_by_role("button", name="Lưu").click()
    page.screenshot(path=str(SHOTS / "overview.png"), full_page=True)

    # 4. Totals: 2,5 appraised + 4,5 survey = 7 of 20 → 35 on 100, grade D.
    page.goto(f"{live_server}/par-index/{set_id}/totals")
    expect(page.locator("#index-100")).to_have_text("35,00 · D")
    expect(page.get_by_role("row", name="Tổng điểm")).to_contain_text("7")
    page.screenshot(path=str(SHOTS / "totals.png"), full_page=True)
    db.session.expire_all()
    assert db.session.get(IndexSet, set_id).survey_score == 4.5
