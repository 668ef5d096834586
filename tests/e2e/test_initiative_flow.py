"""Browser test of the whole initiative workflow: staff drafts with two authors (60/40) and
evidence, the head submits, the secretariat accepts, three members score, the chair closes,
the ranking and the minutes PDF appear."""

import os
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.services import office_by_code, user_by_username
from cchc_web.cli import seed_organisation
from cchc_web.council import services as council_ops
from cchc_web.demo import DEMO_PASSWORD
from cchc_web.extensions import db
from cchc_web.initiatives import services
from cchc_web.models import Initiative
from cchc_web.timeutil import local_today

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder: save screenshots to look at


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


def login(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xin chào")


def logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()


def setup_round():
    """An open round, a past similar initiative, a KT initiative already before the council,
    and a council of four: chair, secretary, KT and VP heads."""
    seed_organisation()
    u = user_by_username
    secretariat = u("vhxh.lanhdao")
    today = local_today()
    old = services.create_round(
        services.RoundData(2023, "Sáng kiến 2023", date(2023, 9, 20), date(2023, 9, 30)),
        secretariat,
    )
    # HCC's own past initiative: the warning shows only what the user may open (issue 15).
    past = services.create_initiative(
        old,
        office_by_code("HCC"),
        services.InitiativeData(
            title="Số hóa hồ sơ thủ tục hành chính tại bộ phận một cửa",
            field="tthc",
            authors=[services.AuthorData(user_id=u("hcc.canbo").id, share=100)],
        ),
        u("hcc.canbo"),
    )
    services.submit_initiative(past, u("hcc.lanhdao"), today=date(2023, 9, 1))
    rnd = services.create_round(
        services.RoundData(
            today.year,
            f"Sáng kiến năm {today.year}",
            today + timedelta(days=20),
            today + timedelta(days=30),
        ),
        secretariat,
    )
    kt = services.create_initiative(
        rnd,
        office_by_code("KT"),
        services.InitiativeData(
            title="Thu phí chợ bằng mã QR",
            field="tai_chinh_cong",
            authors=[services.AuthorData(user_id=u("kt.canbo").id, share=100)],
        ),
        u("kt.canbo"),
    )
    services.submit_initiative(kt, u("kt.lanhdao"))
    services.accept_initiative(kt, secretariat)
    council = council_ops.create_council(rnd, secretariat)
    for name, position in (
        ("phochutich", "chair"),
        ("vhxh.lanhdao", "secretary"),
        ("kt.lanhdao", "member"),
        ("vp.lanhdao", "member"),
    ):
        council_ops.add_member(council, u(name), position, secretariat)
    council_ops.record_decision(council, "112/QĐ-UBND", today, secretariat)
    council_ops.open_scoring(council, secretariat)
    for name, pts in (
        ("phochutich", (20, 30, 20)),
        ("vhxh.lanhdao", (18, 28, 20)),
        ("vp.lanhdao", (20, 25, 20)),
    ):
        council_ops.submit_score(
            council,
            u(name),
            kt,
            {"novelty": pts[0], "effectiveness": pts[1], "applicability": pts[2]},
            True,
            "",
        )
    db.session.commit()
    return council.id


def test_initiative_from_draft_to_minutes(live_server, page: Page, tmp_path):
    council_id = setup_round()
    page.on("dialog", lambda dialog: dialog.accept())

    # Staff of HCC drafts with two authors and evidence; the similar warning shows up.
    login(page, live_server, "hcc.canbo")
    page.goto(f"{live_server}/initiatives/new")
    page.get_by_label("Tên sáng kiến").fill("Số hóa hồ sơ thủ tục hành chính tại Trung tâm HCC")
    expect(page.locator("#similar-warning")).to_contain_text("Có sáng kiến tương tự")
    expect(page.locator("#similar-warning")).to_contain_text("năm 2023")
    page.get_by_label("Lĩnh vực").select_option("chinh_quyen_so")
    page.get_by_label("Tác giả 1: cán bộ").select_option(label="Đặng Văn Long")
    page.get_by_label("Tác giả 1: tỷ lệ đóng góp (%)").fill("60")
    page.get_by_label("Tác giả 2: cán bộ").select_option(label="Ngô Thị Thu")
    page.get_by_label("Tác giả 2: tỷ lệ đóng góp (%)").fill("40")
    page.get_by_label("Nội dung giải pháp: mục đích, các bước thực hiện").fill(
        "Quét, ký số hồ sơ khi tiếp nhận; lưu vào kho dữ liệu điện tử."
    )
    page.get_by_label("Hiệu quả, lợi ích thu được (có số liệu)").fill("1.240 hồ sơ trong 3 tháng.")
    evidence = tmp_path / "Báo cáo kết quả số hóa.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Minh chứng", exact=True).set_input_files(str(evidence))
    shot(page, "1-draft")
    page.get_by_role("button", name="Lưu dự thảo").click()
    expect(page.locator("#flashes")).to_contain_text("Đã lưu dự thảo sáng kiến")
    expect(page.locator("main")).to_contain_text("60%")
    expect(page.locator("main")).to_contain_text("40%")
    expect(page.get_by_role("link", name="Báo cáo kết quả số hóa.pdf")).to_be_visible()
    initiative_url = page.url
    logout(page)

    # The head submits.
    login(page, live_server, "hcc.lanhdao")
    page.goto(initiative_url)
    page.get_by_role("button", name="Gửi Phòng VH-XH").click()
    expect(page.locator("#flashes")).to_contain_text("Đã gửi sáng kiến")
    logout(page)

    # The secretariat accepts it.
    login(page, live_server, "vhxh.lanhdao")
    page.goto(initiative_url)
    page.get_by_role("button", name="Tiếp nhận, đưa ra Hội đồng").click()
    expect(page.locator("main")).to_contain_text("Đã tiếp nhận")
    logout(page)

    initiative_id = (
        db.session.query(Initiative.id)
        .filter(Initiative.title.like("Số hóa hồ sơ thủ tục hành chính tại Trung tâm HCC"))
        .scalar()
    )
    score_url = f"{live_server}/council/{council_id}/initiatives/{initiative_id}"

    # Three members score; the total follows the typing.
    for username, pts in (
        ("phochutich", ("27", "35", "26")),
        ("vhxh.lanhdao", ("25", "33", "24")),
        ("kt.lanhdao", ("26", "34", "25")),
    ):
        login(page, live_server, username)
        page.goto(score_url)
        expect(page.locator("main")).to_contain_text("sau khi nộp phiếu của mình")
        page.get_by_label("Tính mới, sáng tạo (0–30)").fill(pts[0])
        page.get_by_label("Hiệu quả (có số liệu chứng minh) (0–40)").fill(pts[1])
        page.get_by_label("Khả năng áp dụng, nhân rộng (0–30)").fill(pts[2])
        expect(page.locator("#live-total")).to_contain_text(str(sum(map(int, pts))))
        page.get_by_label("Đề nghị công nhận sáng kiến").check()
        if username == "phochutich":
            shot(page, "2-score")
        page.get_by_role("button", name="Nộp phiếu chấm").click()
        expect(page.locator("#flashes")).to_contain_text("Đã nộp phiếu chấm")
        # Now the member sees the others' sheets (loaded by htmx).
        expect(page.locator("table.sheets")).to_be_visible()
        logout(page)

    # The chair closes; the ranking appears.
    login(page, live_server, "phochutich")
    page.goto(f"{live_server}/council/{council_id}")
    page.get_by_role("button", name="Kết thúc chấm điểm").click()
    expect(page.locator("#flashes")).to_contain_text("Đã kết thúc chấm điểm")
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Số hóa hồ sơ thủ tục hành chính tại Trung tâm HCC")
    expect(rows.nth(0).locator("td.rank")).to_have_text("1")
    expect(rows.nth(0)).to_contain_text("Đề nghị công nhận")
    expect(rows.nth(1)).to_contain_text("Thu phí chợ bằng mã QR")
    logout(page)

    # The secretary produces the minutes.
    login(page, live_server, "vhxh.lanhdao")
    page.goto(f"{live_server}/council/{council_id}/results")
    page.get_by_role("button", name="Lập biên bản (PDF)").click()
    expect(page.locator("#flashes")).to_contain_text("Đã lập biên bản")
    shot(page, "3-results")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tải biên bản PDF").click()
    path = download_info.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
