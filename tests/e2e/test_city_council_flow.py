"""Browser test of the city's chain (issue 20, item 3) on the demo, as the city's real roles:

Sở Nội vụ's specialist (tp.snv.canbo) finds Xã Chí Minh's nomination in the inbox and receives
it into the city's round → composes the city's council and drafts its establishment Decision →
the city's Chairman (tp.chutich) signs it → scoring opens, the three members score, the chair
(tp.snv.lanhdao) closes → the recognition Decision is drafted from the results, submitted and
signed by tp.chutich under the city's header and seal → Xã Chí Minh's Chairman reads the
city's answer on the nominated initiative and downloads the city's Decision.

The signed PDF carries two valid signatures (pdfsig) and the city's header (pdftotext).
"""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from cchc_web.admin.services import user_by_username
from cchc_web.core import tenancy
from cchc_web.core.demo import seeders
from cchc_web.core.extensions import db
from cchc_web.core.settings import application
from cchc_web.decisions import certificates, signing
from cchc_web.decisions.demo import ensure_demo_signers
from cchc_web.initiatives import services
from cchc_web.models import Commune, Council, Initiative, InitiativeState
from cchc_web.models.org import CommuneKind

from ..decisions_support import pki, run_tool  # noqa: F401
from .test_initiative_flow import flash, login, logout, shot, sign

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("pki")]
CITY_ROUND = "Sáng kiến cải cách hành chính cấp thành phố năm {year}"


def decision_id_of(page: Page) -> int:
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def setup_city() -> tuple[int, str]:
    """The demo up to the city's own story (not told: this test tells it in the browser),
    then what Sở Nội vụ did before: the city's round of this year (the round form is the
    communes' own), the city's seal and its signers' certificates."""
    for seeder in seeders():
        if seeder.name != "seed_city_council":
            seeder.run()
            db.session.commit()
    city = db.session.scalar(select(Commune).where(Commune.kind == CommuneKind.CITY))
    with tenancy.acting_for(db.session(), city.id):
        from datetime import timedelta

        from cchc_web.core.timeutil import local_today

        today = local_today()
        rnd = services.create_round(
            services.RoundData(
                year=today.year,
                title=CITY_ROUND.format(year=today.year),
                submission_deadline=today + timedelta(days=10),
                decision_deadline=today + timedelta(days=25),
            ),
            user_by_username("tp.snv.lanhdao"),
        )
        certificates.register_demo_seal(signing.demo_ca_folder(application()), city)
        ensure_demo_signers(
            [user_by_username(u) for u in ("tp.chutich", "tp.snv.lanhdao", "tp.snv.canbo")]
        )
        db.session.commit()
        return rnd.id, rnd.title


def test_the_city_receives_scores_and_recognises_a_communes_nomination(
    app, live_server, page: Page, tmp_path
):
    round_id, round_title = setup_city()
    hcc = db.session.scalar(select(Initiative).where(Initiative.state == InitiativeState.NOMINATED))
    hcc_id, title = hcc.id, hcc.title
    page.on("dialog", lambda dialog: dialog.accept())

    # Sở Nội vụ's specialist receives Xã Chí Minh's nomination from the inbox.
    login(page, live_server, "tp.snv.canbo")
    item = page.locator("main li", has_text="Tiếp nhận hoặc trả lại đề nghị")
    expect(item).to_contain_text("Xã Chí Minh đề nghị theo Tờ trình số 01/TTr-UBND")
    item.get_by_role("link", name=re.compile("^Tiếp nhận hoặc trả lại đề nghị")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tờ trình số 01/TTr-UBND (bản ký số)").click()
    with open(download.value.path(), "rb") as handle:
        assert run_tool("pdfsig", handle.read(), tmp_path).count("Signature is Valid") == 2
    shot(page, "city-1-nomination")
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    flash(page).to_contain_text("Đã tiếp nhận đề nghị của Xã Chí Minh")
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator("main")).to_contain_text("UBND xã Chí Minh")

    # The city's council, composed and its establishment Decision drafted.
    page.get_by_role("navigation").get_by_role("link", name="Hội đồng sáng kiến").click()
    page.get_by_label("Đợt sáng kiến").select_option(label=round_title)
    page.get_by_role("button", name="Lập Hội đồng").click()
    for person, position in (
        ("Nguyễn Thị Thu Hằng", "Chủ tịch Hội đồng"),
        ("Trần Đức Anh", "Thư ký Hội đồng"),
        ("Phạm Văn Thịnh", "Ủy viên"),
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
    expect(page.locator(".decision-text")).to_contain_text("thành phố Hải Phòng")
    establishment_id = decision_id_of(page)
    page.get_by_role("button", name="Trình lãnh đạo duyệt").click()
    flash(page).to_contain_text("Đã trình lãnh đạo")
    logout(page)

    # The city's Chairman signs it (the city numbers its own Decisions).
    sign(
        page, live_server, "tp.chutich", establishment_id, "Đã ký ban hành Quyết định số 01/QĐ-UBND"
    )
    logout(page)
    login(page, live_server, "tp.snv.canbo")
    page.goto(council_url)
    page.get_by_role("button", name="Mở chấm điểm").click()
    flash(page).to_contain_text("Đã mở chấm điểm")
    logout(page)

    # The three members score the city's copy (a commune's own id is not theirs to open).
    council = db.session.scalar(select(Council).where(Council.round_id == round_id))
    copy = db.session.scalar(
        select(Initiative)
        .where(Initiative.source_initiative_id == hcc_id)
        .execution_options(**{tenancy.ALL_COMMUNES: True})
    )
    for username, pts in (
        ("tp.snv.lanhdao", ("27", "35", "26")),
        ("tp.snv.canbo", ("25", "33", "24")),
        ("tp.khcn.lanhdao", ("26", "34", "25")),
    ):
        login(page, live_server, username)
        # The inbox's line opens the sheet left to score.
        page.get_by_role("link", name=re.compile(r"^Chấm 1.1 sáng kiến")).click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(title[:40])
        page.get_by_label("Tính mới, sáng tạo (0–30)").fill(pts[0])
        page.get_by_label("Hiệu quả (có số liệu chứng minh) (0–40)").fill(pts[1])
        page.get_by_label("Khả năng áp dụng, nhân rộng (0–30)").fill(pts[2])
        page.get_by_label("Đề nghị công nhận sáng kiến").check()
        page.get_by_role("button", name="Nộp phiếu chấm").click()
        flash(page).to_contain_text("Đã nộp phiếu chấm")
        response = page.goto(f"{live_server}/council/{council.id}/initiatives/{hcc_id}")
        assert response.status == 404
        logout(page)

    # The chair closes; the recognition Decision is drafted from the results and submitted.
    login(page, live_server, "tp.snv.lanhdao")
    page.goto(council_url)
    page.get_by_role("button", name="Kết thúc chấm điểm").click()
    flash(page).to_contain_text("Đã kết thúc chấm điểm")
    results_url = page.url
    page.get_by_role("button", name="Soạn Quyết định công nhận").click()
    expect(page.locator("#items")).to_contain_text(title)
    expect(page.locator(".decision-text")).to_contain_text("cấp thành phố")
    recognition_id = decision_id_of(page)
    page.get_by_role("button", name="Trình lãnh đạo duyệt").click()
    flash(page).to_contain_text("Đã trình lãnh đạo")
    shot(page, "city-2-recognition-draft")
    logout(page)

    # The city's Chairman signs it, under the city's header and seal.
    sign(page, live_server, "tp.chutich", recognition_id, "Đã ký ban hành Quyết định số 02/QĐ-UBND")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bản PDF đã ký").click()
    with open(download.value.path(), "rb") as handle:
        signed = handle.read()
    signatures = run_tool("pdfsig", signed, tmp_path)
    assert signatures.count("Signature Validation: Signature is Valid.") == 2
    assert "UBND Thành phố Hải Phòng" in signatures and "Lê Ngọc Châu" in signatures
    text = " ".join(run_tool("pdftotext", signed, tmp_path).split())
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in text
    assert "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG" in text
    assert "Hải Phòng, ngày" in text and "UBND xã Chí Minh" in text and title[:40] in text
    logout(page)
    assert results_url.endswith("/results")

    # Xã Chí Minh's Chairman reads the city's answer on the nominated initiative.
    login(page, live_server, "chutich")
    page.goto(f"{live_server}/initiatives/{hcc_id}")
    expect(page.locator("main")).to_contain_text("Được công nhận cấp thành phố")
    expect(page.locator("main")).to_contain_text("Quyết định số 02/QĐ-UBND")
    shot(page, "city-3-commune-reads")
    with page.expect_download() as download:
        page.get_by_role("link", name="Quyết định của thành phố (PDF)").click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == signed
    assert page.goto(f"{live_server}/initiatives/{copy.id}").status == 404


def test_a_returned_nomination_reaches_the_commune_and_is_nominated_again(
    app, live_server, page: Page
):
    """Sở Nội vụ returns Xã Chí Minh's nomination with a reason → the commune's standing
    office finds it in its inbox, drafts a new Tờ trình with it and submits it → the
    commune's Chairman signs → the city finds the nomination waiting again, under the new
    Tờ trình."""
    setup_city()
    hcc = db.session.scalar(select(Initiative).where(Initiative.state == InitiativeState.NOMINATED))
    hcc_id, title = hcc.id, hcc.title
    page.on("dialog", lambda dialog: dialog.accept())
    reason = "Thiếu số liệu hiệu quả sau 6 tháng áp dụng."

    login(page, live_server, "tp.snv.canbo")
    page.locator("main li", has_text="Tiếp nhận hoặc trả lại đề nghị").get_by_role(
        "link", name=re.compile("^Tiếp nhận hoặc trả lại đề nghị")
    ).click()
    page.get_by_role("button", name="Trả lại").click()  # no reason: refused, nothing changed
    expect(page.locator("main")).to_contain_text("Hãy ghi lý do trả lại")
    page.get_by_label("Lý do trả lại").fill(reason)
    page.get_by_role("button", name="Trả lại").click()
    flash(page).to_contain_text("Đã trả lại đề nghị cho Xã Chí Minh.")
    logout(page)

    # Xã Chí Minh's standing office reads it in its inbox and nominates it again.
    login(page, live_server, "vhxh.canbo")
    item = page.locator("main li", has_text="Thành phố trả lại đề nghị công nhận sáng kiến")
    expect(item).to_contain_text(reason)
    item.get_by_role("link", name=re.compile("Đề nghị lại|Thành phố trả lại")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Đề nghị công nhận cấp thành phố")
    choice = page.locator("label.check", has_text=title[:40])
    expect(choice).to_contain_text("thành phố đã trả lại")
    choice.locator("input").check()
    page.get_by_role("button", name="Lập Tờ trình").click()
    flash(page).to_contain_text("Đã lập dự thảo Tờ trình đề nghị cấp thành phố")
    dossier_id = decision_id_of(page)
    page.get_by_role("button", name="Trình lãnh đạo duyệt").click()
    flash(page).to_contain_text("Đã trình lãnh đạo")
    page.goto(f"{live_server}/")
    expect(page.locator("main")).not_to_contain_text("Thành phố trả lại đề nghị công nhận")
    logout(page)

    sign(page, live_server, "chutich", dossier_id, "Đã ký ban hành")
    number = re.search(r"\d+/TTr-UBND", page.get_by_role("heading", level=1).inner_text())[0]
    page.goto(f"{live_server}/initiatives/{hcc_id}")
    expect(page.locator("main")).to_contain_text("Đang chờ thành phố tiếp nhận")
    logout(page)

    # The city finds it waiting again, under the new Tờ trình.
    login(page, live_server, "tp.snv.canbo")
    item = page.locator("main li", has_text="Tiếp nhận hoặc trả lại đề nghị")
    expect(item).to_contain_text(f"theo Tờ trình số {number}")
    db.session.expire_all()
    assert db.session.get(Initiative, hcc_id).nomination_decision_id == dossier_id
