"""Browser test of the city level (issue 20, item 3): Sở Nội vụ's officer signs in, opens the
city dashboard, sorts it by a column, opens Phường Gia Viên, appraises a criterion of its PAR
Index with an adjusted score and a reason, and sees the total change; screenshots of the
dashboard at 1280 and 390 px (no horizontal overflow, chart labels at least 12 px)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.models import Commune

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "instance/screenshots"))


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(f"{base}/")


def _overflow(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def _chart_label_sizes(page: Page) -> list[float]:
    return page.eval_on_selector_all(
        "svg.chart text",
        """els => els.map(e => {
            const svg = e.ownerSVGElement;
            const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
            return parseFloat(getComputedStyle(e).fontSize) * scale;
        })""",
    )


def test_the_city_appraises_a_communes_par_index(live_server, browser, demo_data):
    SHOTS.mkdir(parents=True, exist_ok=True)
    giavien = db.session.scalar(db.select(Commune.id).where(Commune.name == "Phường Gia Viên"))
    db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, live_server, "tp.snv.canbo")
    # The inbox: the appraisal of each commune, one click away.
    expect(page.locator("main")).to_contain_text(
        "Thẩm định chỉ số CCHC năm 2025 của Phường Gia Viên"
    )

    page.get_by_role("navigation", name="Chức năng chính").get_by_role(
        "link", name="Tổng quan thành phố"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thành phố Hải Phòng")
    table = page.locator("table.city-table")
    expect(table).to_contain_text("Xã Chí Minh")
    expect(table).to_contain_text("Phường Gia Viên")
    assert _overflow(page) <= 0
    sizes = _chart_label_sizes(page)
    assert sizes and min(sizes) >= 12, sizes
    page.screenshot(path=str(SHOTS / "city_dashboard-1280.png"), full_page=True)

    # Sorted by the self-scores, largest first: the column says so.
    page.get_by_role("columnheader", name="Tự chấm").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="Tự chấm")).to_have_attribute(
        "aria-sort", "descending"
    )
    assert "sort=-self" in page.url
    names = page.locator("table.city-table tbody td.stack-main").all_inner_texts()
    assert sorted(names) == ["Phường Gia Viên", "Xã Chí Minh"]

    # Phường Gia Viên, read-only, then its PAR Index.
    page.locator("table.city-table").get_by_role("link", name="Phường Gia Viên").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Phường Gia Viên")
    expect(page.locator("main form[method=post]")).to_have_count(0)  # nothing to edit here
    page.get_by_role("link", name="Thẩm định chỉ số CCHC").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Phường Gia Viên")
    total = page.locator("#city-total")
    before = total.inner_text()

    item = page.locator("article.par-city-item").filter(has=page.locator("summary")).first
    code = item.locator("h3").inner_text().split(" ")[0]
    item.locator("summary").click()
    item.get_by_label("Điều chỉnh điểm").check()
    item.get_by_label("Điểm thẩm định").fill("99")
    item.get_by_role("button", name="Lưu thẩm định").click()
    expect(page.locator("main")).to_contain_text("Điểm thẩm định phải từ 0 đến")
    assert total.inner_text() == before  # refused: nothing saved
    item = page.locator("article.par-city-item").filter(has=page.locator("summary")).first
    item.get_by_label("Điểm thẩm định").fill("0")
    item.get_by_label("Lý do điều chỉnh").fill(
        "Minh chứng không có chữ ký của người có thẩm quyền."
    )
    item.get_by_role("button", name="Lưu thẩm định").click()
    expect(page.locator("main")).to_contain_text("Đã lưu điểm thẩm định tiêu chí")
    expect(total).not_to_have_text(before)
    expect(page.locator("main")).to_contain_text(
        "Điều chỉnh: Minh chứng không có chữ ký của người có thẩm quyền."
    )
    assert code  # the criterion's code was on its heading
    page.screenshot(path=str(SHOTS / "city_par_appraisal-1280.png"), full_page=False)
    context.close()

    # The dashboard at phone width: no horizontal overflow, labels still 12 px.
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, "tp.snv.canbo")
    for path, name in (
        ("/city/", "city_dashboard"),
        (f"/city/communes/{giavien}", "city_commune"),
        (f"/city/communes/{giavien}/par", "city_par_appraisal"),
    ):
        response = page.goto(f"{live_server}{path}")
        assert response.status == 200, path
        assert _overflow(page) <= 0, path
        if name == "city_dashboard":
            sizes = _chart_label_sizes(page)
            assert sizes and min(sizes) >= 12, sizes
        page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    context.close()
