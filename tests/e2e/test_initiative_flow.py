"""Browser test of the whole recognition chain on a fresh database, as the real roles:

the administrator registers a leader's certificate → an office drafts (with a similar past
initiative warning), its head submits, the secretariat accepts (another initiative without
proof of application needs a reason) → the council is composed and its establishment Decision
drafted from it → the Chairman signs it → scoring opens, members score, the chair closes →
the secretary and the chair sign the minutes → the recognition Decision is drafted from the
results → a Vice-Chairman signs it → the initiatives show "đã được công nhận" with the
Decision's number, the emulation page counts them → the Chairman nominates one to the city,
signs the Tờ trình and downloads the dossier.

Every signed PDF carries two valid signatures (pdfsig), the recognition Decision's text holds
every recognised title (pdftotext), its QR code decodes to CCHC_PUBLIC_URL (zbarimg).
"""

import io
import os
import zipfile
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from cchc_web.admin.cli import seed_organisation
from cchc_web.admin.services import office_by_code, user_by_username
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.decisions import signing
from cchc_web.initiatives import services
from cchc_web.models import Council, Decision, Initiative

from .. import factories
from ..decisions_support import pki, qr_codes, run_tool  # noqa: F401

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("pki")]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHOTS = os.environ.get("E2E_SCREENSHOTS")  # a folder: save screenshots to look at
HCC_TITLE = "Số hóa hồ sơ thủ tục hành chính tại Trung tâm HCC"
KT_TITLE = "Thu phí chợ bằng mã QR"


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


def flash(page: Page):
    return expect(page.locator("#flashes"))


def sign(page: Page, base: str, username: str, decision_id: int, signed: str) -> None:
    """`username` signs the submitted Decision: the page says `signed` ("Đã ký ban hành…")."""
    login(page, base, username)
    page.goto(f"{base}/decisions/{decision_id}")
    page.get_by_role("button", name="Duyệt và ký ban hành").click()
    flash(page).to_contain_text(signed)


def setup_round() -> int:
    """The demo accounts, an open round, a past similar initiative (2023), and KT's
    initiative submitted without proof of application. Certificates for the Chairman and
    the council's secretary (the Vice-Chairman's is registered through the admin page)."""
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
            title=KT_TITLE,
            field="tai_chinh_cong",
            solution="Mỗi hộ kinh doanh có mã QR riêng để nộp phí chợ.",
            authors=[services.AuthorData(user_id=u("kt.canbo").id, share=100)],
        ),
        u("kt.canbo"),
    )
    services.submit_initiative(kt, u("kt.lanhdao"))
    db.session.commit()
    factories.give_certificate(u("chutich"))
    factories.give_certificate(u("vhxh.lanhdao"))
    return rnd.id


def decision_id_of(page: Page) -> int:
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def test_recognition_chain_from_application_to_city_nomination(
    app, live_server, page: Page, tmp_path
):
    round_id = setup_round()
    year = local_today().year
    page.on("dialog", lambda dialog: dialog.accept())

    # The administrator registers the Vice-Chairman's personal certificate.
    p12, passphrase = signing.issue_demo_certificate(
        signing.demo_ca_folder(app), "Lê Thị Thanh Hoa", "Phó Chủ tịch UBND xã Chí Minh"
    )
    (tmp_path / "pct.p12").write_bytes(p12)
    login(page, live_server, "admin")
    page.get_by_role("navigation").get_by_role("link", name="Chứng thư số").click()
    page.get_by_label("Người ký").select_option(label="Lê Thị Thanh Hoa — Phó Chủ tịch UBND")
    page.get_by_label("Tệp chứng thư số (.p12, .pfx)").set_input_files(str(tmp_path / "pct.p12"))
    page.get_by_label("Mật khẩu của tệp").fill("sai mật khẩu")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.locator("main")).to_contain_text("sai mật khẩu hoặc tệp không phải PKCS#12")
    page.get_by_label("Tệp chứng thư số (.p12, .pfx)").set_input_files(str(tmp_path / "pct.p12"))
    page.get_by_label("Mật khẩu của tệp").fill(passphrase.decode())
    page.get_by_role("button", name="Đăng ký").click()
    flash(page).to_contain_text("Đã đăng ký chứng thư số của Lê Thị Thanh Hoa")
    shot(page, "0-certificates")
    logout(page)

    # Staff of HCC drafts with two authors and evidence; the similar warning shows up.
    login(page, live_server, "hcc.canbo")
    page.goto(f"{live_server}/initiatives/new")
    page.get_by_label("Tên sáng kiến").fill(HCC_TITLE)
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
    page.get_by_label("Ngày áp dụng lần đầu (hoặc áp dụng thử)").fill(
        f"{local_today() - timedelta(days=60):%d/%m/%Y}"
    )
    page.get_by_label("Nơi đã áp dụng").fill("Trung tâm Phục vụ hành chính công xã")
    page.get_by_label("Hiệu quả, lợi ích thu được (có số liệu)").fill("1.240 hồ sơ trong 3 tháng.")
    evidence = tmp_path / "Báo cáo kết quả số hóa.pdf"
    evidence.write_bytes(PDF)
    page.get_by_label("Minh chứng", exact=True).set_input_files(str(evidence))
    page.get_by_role("button", name="Lưu dự thảo").click()
    flash(page).to_contain_text("Đã lưu dự thảo sáng kiến")
    initiative_url = page.url
    logout(page)
    login(page, live_server, "hcc.lanhdao")
    page.goto(initiative_url)
    page.get_by_role("button", name="Gửi Phòng VH-XH").click()
    flash(page).to_contain_text("Đã gửi sáng kiến")
    logout(page)

    # The secretariat accepts both: HCC's has its proof; KT's needs a written reason.
    kt = db.session.scalar(db.select(Initiative).where(Initiative.title == KT_TITLE))
    login(page, live_server, "vhxh.lanhdao")
    page.goto(initiative_url)
    expect(page.locator(".review-facts")).to_contain_text("Có minh chứng đã áp dụng")
    expect(page.locator(".review-facts")).to_contain_text("năm 2023")
    page.get_by_role("button", name="Tiếp nhận, đưa ra Hội đồng").click()
    flash(page).to_contain_text("Đã tiếp nhận")
    page.goto(f"{live_server}/initiatives/{kt.id}")
    expect(page.locator(".review-facts")).to_contain_text("Chưa ghi ngày áp dụng")
    shot(page, "1-acceptance")
    page.get_by_role("button", name="Tiếp nhận, đưa ra Hội đồng").click()
    expect(page.locator("main")).to_contain_text("hãy ghi lý do vẫn tiếp nhận")
    page.get_by_label("Lý do vẫn tiếp nhận khi chưa có minh chứng áp dụng").fill(
        "Phòng Kinh tế nộp bản giấy báo cáo kết quả thu phí 3 tháng."
    )
    page.get_by_role("button", name="Tiếp nhận, đưa ra Hội đồng").click()
    flash(page).to_contain_text("Đã tiếp nhận")

    # The council is composed, and its establishment Decision drafted from it.
    page.get_by_role("navigation").get_by_role("link", name="Hội đồng sáng kiến").click()
    page.get_by_label("Đợt sáng kiến").select_option(label=f"Sáng kiến năm {year}")
    page.get_by_role("button", name="Lập Hội đồng").click()
    for person, position in (
        ("Lê Thị Thanh Hoa", "Chủ tịch Hội đồng"),
        ("Đỗ Thị Hương", "Thư ký Hội đồng"),
        ("Hoàng Văn Nam", "Ủy viên"),
        ("Phạm Văn Minh", "Ủy viên"),
    ):
        options = page.get_by_label("Người").locator("option").all_inner_texts()
        page.get_by_label("Người").select_option(
            label=next(o for o in options if o.startswith(person))
        )
        page.get_by_label("Chức danh trong Hội đồng").select_option(label=position)
        page.get_by_role("button", name="Thêm", exact=True).click()
        flash(page).to_contain_text("Đã thêm thành viên")
    council_url = page.url
    page.get_by_role("button", name="Soạn Quyết định thành lập").click()
    flash(page).to_contain_text("Đã soạn dự thảo từ dữ liệu Hội đồng")
    for name in ("Lê Thị Thanh Hoa", "Đỗ Thị Hương", "Hoàng Văn Nam", "Phạm Văn Minh"):
        expect(page.locator(".decision-text")).to_contain_text(name)
    establishment_id = decision_id_of(page)
    page.get_by_role("button", name="Trình lãnh đạo duyệt").click()
    flash(page).to_contain_text("Đã trình lãnh đạo")
    page.goto(council_url)
    expect(page.get_by_role("button", name="Mở chấm điểm")).to_have_count(0)  # not yet
    expect(page.locator("#establishment")).to_contain_text("Chờ lãnh đạo duyệt")
    logout(page)

    # The Chairman signs it: the council is established.
    sign(page, live_server, "chutich", establishment_id, "Đã ký ban hành Quyết định số 01/QĐ-UBND")
    logout(page)

    login(page, live_server, "vhxh.lanhdao")
    page.goto(council_url)
    link = page.locator("#establishment").get_by_role("link", name="Quyết định số 01/QĐ-UBND")
    expect(link).to_have_attribute("href", f"/decisions/{establishment_id}")
    shot(page, "2-council-established")
    page.get_by_role("button", name="Mở chấm điểm").click()
    flash(page).to_contain_text("Đã mở chấm điểm")
    logout(page)

    # Members score HCC's initiative in the browser; the chair sees what reviewers need.
    council = db.session.scalar(db.select(Council).where(Council.round_id == round_id))
    hcc = db.session.scalar(db.select(Initiative).where(Initiative.title == HCC_TITLE))
    score_url = f"{live_server}/council/{council.id}/initiatives/{hcc.id}"
    for username, pts in (
        ("phochutich", ("27", "35", "26")),
        ("vhxh.lanhdao", ("25", "33", "24")),
        ("vp.lanhdao", ("26", "34", "25")),
    ):
        login(page, live_server, username)
        page.goto(score_url)
        expect(page.locator(".review-facts")).to_contain_text("Áp dụng chính thức từ")
        page.get_by_label("Tính mới, sáng tạo (0–30)").fill(pts[0])
        page.get_by_label("Hiệu quả (có số liệu chứng minh) (0–40)").fill(pts[1])
        page.get_by_label("Khả năng áp dụng, nhân rộng (0–30)").fill(pts[2])
        expect(page.locator("#live-total")).to_contain_text(str(sum(map(int, pts))))
        page.get_by_label("Đề nghị công nhận sáng kiến").check()
        page.get_by_role("button", name="Nộp phiếu chấm").click()
        flash(page).to_contain_text("Đã nộp phiếu chấm")
        logout(page)
    db.session.expire_all()  # the browser's requests changed the rows
    for username in ("phochutich", "vhxh.lanhdao", "vp.lanhdao"):  # KT's, by the services
        factories.score_as(council, user_by_username(username), kt, 20, 28, 20)

    # The chair closes; the secretary, then the chair sign the minutes.
    login(page, live_server, "phochutich")
    page.goto(council_url)
    page.get_by_role("button", name="Kết thúc chấm điểm").click()
    flash(page).to_contain_text("Đã kết thúc chấm điểm")
    rows = page.locator("table.results tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(HCC_TITLE)
    results_url = page.url
    logout(page)
    login(page, live_server, "vhxh.lanhdao")
    page.goto(results_url)
    page.get_by_role("button", name="Lập và ký biên bản").click()
    flash(page).to_contain_text("Đã lập biên bản")
    logout(page)
    login(page, live_server, "phochutich")
    page.goto(results_url)
    page.get_by_role("button", name="Ký biên bản").click()
    flash(page).to_contain_text("Đã ký biên bản")
    expect(page.locator("main")).to_contain_text("Đã ký đủ")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải biên bản PDF").click()
    with open(download.value.path(), "rb") as handle:
        minutes = handle.read()
    assert run_tool("pdfsig", minutes, tmp_path).count("Signature is Valid") == 2
    logout(page)

    # The recognition Decision, drafted from the results, signed by the Vice-Chairman.
    login(page, live_server, "vhxh.lanhdao")
    page.goto(results_url)
    page.get_by_role("button", name="Soạn Quyết định công nhận").click()
    expect(page.locator("#items")).to_contain_text(HCC_TITLE)
    expect(page.locator("#items")).to_contain_text(KT_TITLE)
    shot(page, "3-recognition-draft")
    recognition_id = decision_id_of(page)
    page.get_by_role("button", name="Trình lãnh đạo duyệt").click()
    flash(page).to_contain_text("Đã trình lãnh đạo")
    logout(page)
    sign(page, live_server, "phochutich", recognition_id, "Đã ký ban hành Quyết định số 02/QĐ-UBND")
    logout(page)

    # The initiatives are recognised, with the Decision's number; the emulation counts them.
    login(page, live_server, "hcc.canbo")
    page.goto(initiative_url)
    expect(page.locator("main")).to_contain_text("Đã được công nhận")
    expect(page.locator("main")).to_contain_text("Quyết định số 02/QĐ-UBND")
    page.goto(f"{live_server}/initiatives/emulation?year={year}")
    hcc_row = page.locator("tr", has_text="Trung tâm Phục vụ hành chính công")
    expect(hcc_row.locator("td").last).to_have_text("1")
    logout(page)

    # The Chairman nominates HCC's initiative to the city and downloads the dossier.
    login(page, live_server, "chutich")
    page.goto(initiative_url)
    page.get_by_role("link", name="Đề nghị cấp thành phố…").click()
    page.get_by_label(HCC_TITLE).check()
    page.get_by_role("button", name="Lập Tờ trình").click()
    flash(page).to_contain_text("trình ký")
    shot(page, "4-to-trinh")
    page.get_by_role("button", name="Duyệt và ký ban hành").click()
    flash(page).to_contain_text("Đã ký ban hành Tờ trình số 01/TTr-UBND")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải hồ sơ gửi thành phố (ZIP)").click()
    with open(download.value.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    names = archive.namelist()
    assert names[0].startswith("01-To-trinh-01") and names[1].startswith("02-Quyet-dinh")
    assert any(n.startswith("03-01-Bao-cao-mo-ta") for n in names)
    assert any(n.startswith("04-Bien-ban-Hoi-dong") for n in names)
    with page.expect_download() as download:
        page.get_by_role("link", name="Bản gộp một tệp PDF").click()
    with open(download.value.path(), "rb") as handle:
        merged = handle.read()
    assert HCC_TITLE in " ".join(run_tool("pdftotext", merged, tmp_path).split())
    page.goto(initiative_url)
    expect(page.locator("main")).to_contain_text("Tờ trình số 01/TTr-UBND")

    # Every signed PDF: the person, then the seal; the texts; the QR code.
    db.session.expire_all()
    for decision in db.session.scalars(db.select(Decision)):
        report = run_tool("pdfsig", decision.pdf, tmp_path)
        assert report.count("Signature is Valid") == 2, decision.display_name
    recognition = db.session.get(Decision, recognition_id)
    text = " ".join(run_tool("pdftotext", recognition.pdf, tmp_path).split())
    assert HCC_TITLE in text and KT_TITLE in text
    assert "KT. CHỦ TỊCH" in text and "PHÓ CHỦ TỊCH" in text
    assert qr_codes(recognition.pdf, tmp_path) == [
        f"{app.config['CCHC_PUBLIC_URL']}/verify?number=2&year={recognition.year}"
    ]
