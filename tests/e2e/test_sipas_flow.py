"""Browser test of issue 19, citizens' satisfaction, as the people who use it:

- the centre's staff print a receipt slip for a construction dossier; its QR code, read from
  the PDF as a phone would (pdftoppm + zbarimg), opens the phone page at 390×844; the citizen
  answers and sends; the same code again is refused;
- the kiosk: three surveys in a row, one question per screen, one of them by keyboard; an
  abandoned survey returns to the first screen after the idle time (shortened on the form's
  data attribute);
- the secretariat: the results page shows these answers in the right aspects and field, and
  objective 3's value for the month equals the month's computed share.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from cchc_web.admin.cli import seed_organisation
from cchc_web.admin.services import user_by_username
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models.plans import ObjectiveValue
from cchc_web.models.sipas import Kiosk, ServiceCounter
from cchc_web.plans import services as plans
from cchc_web.sipas import objectives, results
from cchc_web.sipas import services as sipas

from ..decisions_support import qr_codes
from ..factories import make_plan, office

pytestmark = pytest.mark.e2e


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def setup() -> tuple[int, str]:
    """The demo's people, the default survey, a kiosk at counter 1 and the current plan with
    its objective 3 linked to the survey."""
    seed_organisation()
    sipas.ensure_defaults()
    counter = db.session.scalars(select(ServiceCounter).order_by(ServiceCounter.id)).first()
    kiosk = Kiosk(name="Máy tính bảng quầy 1", counter=counter, token=sipas.new_token())
    db.session.add(kiosk)
    today = local_today()
    plan = make_plan(
        "Kế hoạch cải cách hành chính năm nay",
        period_start=date(today.year, today.month, 1) - timedelta(days=40),
        period_end=today + timedelta(days=120),
    )
    mt3 = plans.create_objective(
        plan,
        plans.ObjectiveData(
            "MT3", "Mức độ hài lòng của người dân, doanh nghiệp về giải quyết thủ tục hành chính",
            ">=", Decimal(90), "%", office("HCC").id,
        ),
    )  # fmt: skip
    objectives.link_objective(mt3, "overall", [], user_by_username("vhxh.canbo"))
    db.session.commit()
    return mt3.id, kiosk.token


def answer_on_screen(page: Page, level: str) -> None:
    """Tap a level on the current question (the kiosk moves on by itself)."""
    step = page.locator("[data-step]:visible")
    step.locator("label.choice", has_text=level).first.click()


def kiosk_survey(page: Page, url: str, levels: list[str], field: str) -> None:
    page.goto(url)
    expect(page.get_by_role("heading", name="Phiếu khảo sát sự hài lòng")).to_be_visible()
    page.get_by_label(field).check()
    page.get_by_role("button", name="Bắt đầu ›").click()
    for n in range(10):
        step = page.locator("[data-step]:visible")
        expect(step.locator("legend")).to_contain_text(f"Câu {n + 1}.")
        if n >= 8:  # the two optional questions of the suggestions aspect: left out
            step.get_by_label(re.compile("Tôi chưa góp ý")).click()
            continue
        answer_on_screen(page, levels[n % len(levels)])
    expect(page.get_by_role("heading", name=re.compile("Góp ý, kiến nghị"))).to_be_visible()
    page.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.get_by_role("heading", name="Xin cảm ơn Ông/Bà!")).to_be_visible()


def test_citizens_answer_and_the_plan_is_fed(live_server, browser, page: Page, tmp_path, app):
    mt3_id, token = setup()
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. The centre prints the slip of a construction dossier.
    login(page, live_server, "hcc.canbo")
    page.get_by_role("navigation", name="Chức năng chính").get_by_role(
        "link", name="Sự hài lòng"
    ).click()
    page.get_by_role("link", name="Phiếu đánh giá kèm giấy hẹn").click()
    page.get_by_label("Số biên nhận hồ sơ").fill("000.22.31.H23-261205-0042")
    page.get_by_label("Lĩnh vực").select_option(label="Xây dựng")
    page.get_by_label("Tên thủ tục (không bắt buộc)").fill("Cấp giấy phép xây dựng nhà ở riêng lẻ")
    page.get_by_role("button", name="Tạo phiếu đánh giá").click()
    expect(page.locator("#flashes")).to_contain_text("Đã tạo phiếu đánh giá")
    slip_url = page.get_by_role("link", name=re.compile("In phiếu")).get_attribute("href")
    slip = page.request.get(f"{live_server}{slip_url}")
    assert slip.headers["content-type"] == "application/pdf"
    (qr,) = qr_codes(slip.body(), tmp_path)
    assert qr.startswith(app.config["CCHC_PUBLIC_URL"] + "/sipas/r/")

    # 2. The citizen "scans" it on a phone: the same path on this test server.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    mobile = phone.new_page()
    answer_url = f"{live_server}{urlsplit(qr).path}"
    mobile.goto(answer_url)
    expect(mobile.get_by_role("heading", name="Đánh giá sự hài lòng")).to_be_visible()
    expect(mobile.locator(".receipt-facts")).to_contain_text("Xây dựng")
    questions = mobile.locator("fieldset.scale")
    assert questions.count() == 10
    # Sent with one required question left out: told, nothing lost.
    for n in range(1, 8):
        questions.nth(n).get_by_label(re.compile("^2 ")).check()
    mobile.get_by_label(re.compile("góp ý, kiến nghị gì")).fill("Cần hướng dẫn rõ hơn về hồ sơ.")
    mobile.get_by_role("button", name="Gửi đánh giá").click()
    expect(mobile.locator("#form-errors")).to_be_visible()
    expect(mobile.locator(".step.has-error")).to_have_count(1)
    expect(mobile.get_by_label(re.compile("góp ý, kiến nghị gì"))).to_have_value(
        "Cần hướng dẫn rõ hơn về hồ sơ."
    )
    mobile.locator("fieldset.scale").nth(0).get_by_label(re.compile("^4 ")).check()
    mobile.get_by_role("button", name="Gửi đánh giá").click()
    expect(mobile.get_by_role("heading", name="Xin cảm ơn Ông/Bà!")).to_be_visible()
    # The same code again: refused.
    mobile.goto(answer_url)
    expect(mobile.locator("main")).to_contain_text("Mã đánh giá này đã được dùng")
    phone.close()

    # 3. The kiosk: three surveys in a row, the third by keyboard only.
    tablet = browser.new_context(viewport={"width": 1024, "height": 768}, has_touch=True)
    kiosk = tablet.new_page()
    kiosk_url = f"{live_server}/sipas/kiosk/{token}"
    kiosk_survey(kiosk, kiosk_url, ["5 Rất hài lòng", "4 Hài lòng"], "Hộ tịch")
    kiosk.get_by_role("link", name="Người tiếp theo đánh giá").click()
    kiosk_survey(kiosk, kiosk_url, ["3 Bình thường", "4 Hài lòng"], "Đất đai")
    kiosk.goto(kiosk_url)
    kiosk.get_by_role("button", name="Bắt đầu ›").focus()
    kiosk.keyboard.press("Enter")
    for _ in range(8):
        heading = kiosk.locator("[data-step]:visible h2")
        expect(heading).to_be_focused()
        kiosk.keyboard.press("Tab")  # the first level of the scale
        kiosk.keyboard.press("ArrowDown")  # choose "2", then "3"…: arrows choose, never move on
        kiosk.keyboard.press("ArrowDown")
        kiosk.keyboard.press("ArrowDown")
        kiosk.keyboard.press("ArrowDown")  # "5 Rất hài lòng"
        kiosk.keyboard.press("Enter")
    for _ in range(2):
        kiosk.keyboard.press("Enter")  # the optional ones: left out
    expect(kiosk.get_by_role("heading", name=re.compile("Góp ý, kiến nghị"))).to_be_focused()
    kiosk.get_by_role("button", name="Gửi đánh giá").press("Enter")
    expect(kiosk.get_by_role("heading", name="Xin cảm ơn Ông/Bà!")).to_be_visible()

    # 4. Someone walks away mid-survey: back to the first screen after the idle time.
    kiosk.goto(kiosk_url)
    kiosk.get_by_role("button", name="Bắt đầu ›").click()
    answer_on_screen(kiosk, "1 Rất không hài lòng")
    expect(kiosk.locator("[data-step]:visible legend")).to_contain_text("Câu 2.")
    kiosk.locator("form[data-stepper]").evaluate("form => form.dataset.idleSeconds = '2'")
    expect(kiosk.get_by_role("button", name="Bắt đầu ›")).to_be_visible(timeout=8000)
    assert kiosk.locator("input[type=radio][value='1']:checked").count() == 0
    tablet.close()

    # 5. The secretariat: the answers in their aspects and fields; MT3 = the month's share.
    page.get_by_role("button", name="Đăng xuất").click()
    login(page, live_server, "vhxh.canbo")
    page.get_by_role("navigation", name="Chức năng chính").get_by_role(
        "link", name="Sự hài lòng"
    ).click()
    expect(page.locator("[data-overall]")).to_be_visible()
    month = local_today().replace(day=1)
    with app.app_context():
        found = results.compute(results.Filters(first=month, last=month))
        share = found.overall.percent
        value = db.session.scalar(
            select(ObjectiveValue.value).where(
                ObjectiveValue.objective_id == mt3_id, ObjectiveValue.month == month
            )
        )
    assert found.overall.responses == 4
    assert value == share
    shown = f"{float(share):.1f}".replace(".", ",") + "%"
    expect(page.locator(f'tr[data-group="{month.isoformat()}"] [data-share]')).to_have_text(shown)
    fields = {s.label: s for s in found.by_field}
    assert set(fields) == {"Xây dựng", "Hộ tịch", "Đất đai", "Không rõ lĩnh vực"}
    assert fields["Xây dựng"].responses == 1 and fields["Xây dựng"].satisfied == 1  # its one 4
    for label in ("Xây dựng", "Hộ tịch", "Đất đai"):
        expect(page.locator("tr", has_text=label).first).to_be_visible()
    for aspect in ("Tiếp cận dịch vụ", "Công chức trực tiếp giải quyết công việc"):
        expect(page.locator("tr", has_text=aspect).first).to_be_visible()
    page.get_by_role("link", name=re.compile("Mức độ hài lòng của người dân")).click()
    expect(page.locator("main")).to_contain_text("Số liệu tính tự động từ mọi phiếu khảo sát")
    expect(page.locator("main table").first).to_contain_text(
        f"{value.normalize():f}".replace(".", ",")
    )
