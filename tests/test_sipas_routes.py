"""The survey's pages through the test client (issue 19): answering without an account at the
kiosk and through a receipt's code, the bad input of the issue (a used or forged code, a
missing answer, a value off the scale, a huge or HTML suggestion, a thousand kiosk posts in a
minute, a questionnaire changed while a form is open), and the staff pages and exports."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models.plans import ObjectiveValue
from cchc_web.models.sipas import FeedbackItem, SurveyResponse
from cchc_web.plans import services as plans
from cchc_web.sipas import services as sipas

from . import factories
from .factories import answers_for, submit


@pytest.fixture
def version(commune):
    return factories.sipas_setup()


@pytest.fixture
def kiosk(version):
    return factories.make_kiosk()


def responses() -> int:
    return db.session.scalar(select(func.count(SurveyResponse.id)))


def form_of(page: str) -> dict[str, str]:
    """The hidden fields of the answer form in `page` (version, nonce)."""
    return dict(re.findall(r'name="(version_id|nonce)" value="([^"]*)"', page))


def filled(version, page: str, *values: int, **extra) -> dict:
    data = form_of(page)
    data.update({f"q{qid}": value for qid, value in answers_for(version, *values).items()})
    data.update(extra)
    return data


# -- the kiosk ---------------------------------------------------------------------------------
def test_the_kiosk_answers_without_an_account(client, version, kiosk):
    url = f"/sipas/kiosk/{kiosk.token}"
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "data-stepper" in html and 'data-idle-seconds="60"' in html
    assert "Tiếp cận dịch vụ" in html and "Rất hài lòng" in html
    assert "<script>" not in html and "style=" not in html  # the CSP forbids inline code
    for _ in range(3):
        page = client.get(url).get_data(as_text=True)
        done = client.post(url, data=filled(version, page, 5, 4))
        assert done.status_code == 303 and done.location.endswith(f"{url}/thanks")
    assert responses() == 3
    thanks = client.get(f"{url}/thanks").get_data(as_text=True)
    assert 'data-return-url="' in thanks and "Xin cảm ơn" in thanks
    assert client.get("/sipas/kiosk/not-a-token").status_code == 404


def test_the_same_kiosk_form_sent_twice_counts_once(client, version, kiosk):
    url = f"/sipas/kiosk/{kiosk.token}"
    data = filled(version, client.get(url).get_data(as_text=True), 4)
    assert client.post(url, data=data).status_code == 303
    assert client.post(url, data=data).status_code == 303  # a double tap: thanked, not stored
    assert responses() == 1


def test_missing_answers_and_values_off_the_scale_are_shown_not_lost(client, version, kiosk):
    url = f"/sipas/kiosk/{kiosk.token}"
    data = filled(version, client.get(url).get_data(as_text=True), 4)
    first, second = version.questions[0].id, version.questions[1].id
    data[f"q{first}"] = ""
    data[f"q{second}"] = "9"
    data["suggestion"] = "Nên có thêm quạt"
    page = client.post(url, data=data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and responses() == 0
    assert "Xin Ông/Bà chọn một mức đánh giá cho câu này." in html
    assert "Mức đánh giá phải từ 1 đến 5" in html
    third = version.questions[2].id
    assert re.search(rf'name="q{third}" value="4" checked', html)  # kept as chosen
    assert "Nên có thêm quạt" in html


def test_a_thousand_kiosk_posts_in_a_minute(client, version, kiosk):
    """Six are stored (the device's limit per minute), the rest refused politely: 429 with a
    Vietnamese page, never a 500, nothing counted twice."""
    url = f"/sipas/kiosk/{kiosk.token}"
    data = filled(version, client.get(url).get_data(as_text=True), 5)
    statuses: dict[int, int] = {}
    for n in range(1000):
        data["nonce"] = f"stuffing-nonce-{n:08d}"
        status = client.post(url, data=data).status_code
        statuses[status] = statuses.get(status, 0) + 1
    assert statuses == {303: 6, 429: 994}
    assert responses() == 6
    busy = client.post(url, data=data)
    assert "Xin Ông/Bà chờ một phút" in busy.get_data(as_text=True)
    assert 0 < int(busy.headers["Retry-After"]) <= 60
    other = factories.make_kiosk("Máy quầy 2")  # another device is not slowed down
    page = client.get(f"/sipas/kiosk/{other.token}").get_data(as_text=True)
    assert (
        client.post(f"/sipas/kiosk/{other.token}", data=filled(version, page, 4)).status_code == 303
    )


def test_a_form_of_the_version_replaced_meanwhile_keeps_its_version(client, version, kiosk):
    url = f"/sipas/kiosk/{kiosk.token}"
    data = filled(version, client.get(url).get_data(as_text=True), 5)
    secretary = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    draft = sipas.start_draft(secretary)
    sipas.publish(draft, secretary)
    db.session.commit()
    assert client.post(url, data=data).status_code == 303
    stored = db.session.scalar(select(SurveyResponse))
    assert stored.version_id == version.id and len(stored.answers) == 8
    fresh = client.get(url).get_data(as_text=True)
    assert form_of(fresh)["version_id"] == str(draft.id)


def test_csrf_is_required_on_the_public_forms(client, version, kiosk):
    page = client.get(f"/sipas/kiosk/{kiosk.token}").get_data(as_text=True)
    refused = client.post(f"/sipas/kiosk/{kiosk.token}", data=filled(version, page, 5), csrf=False)
    assert refused.status_code == 400 and responses() == 0


# -- the receipt's code ------------------------------------------------------------------------
def test_a_receipt_code_answers_once_on_a_phone(client, version):
    receipt = factories.make_receipt("BN-0001", field="xay_dung")
    url = f"/sipas/r/{receipt.code}"
    page = client.get(url).get_data(as_text=True)
    assert "BN-0001" in page and "Xây dựng" in page and "data-stepper" not in page
    assert client.post(url, data=filled(version, page, 4)).location.endswith("/sipas/thanks")
    again = client.post(url, data=filled(version, page, 1))
    assert again.status_code == 409 and "đã được dùng" in again.get_data(as_text=True)
    assert "đã được dùng" in client.get(url).get_data(as_text=True)
    assert responses() == 1
    assert db.session.scalar(select(SurveyResponse)).procedure_field.code == "xay_dung"


def test_forged_and_typed_codes(client, version):
    receipt = factories.make_receipt()
    forged = client.get("/sipas/r/ZZZZZZZZZZZZ")
    assert forged.status_code == 404 and "không đúng" in forged.get_data(as_text=True)
    assert client.post("/sipas/r/ZZZZZZZZZZZZ", data={}).status_code == 404
    typed = client.get("/sipas/r", query_string={"code": receipt.code_display.lower()})
    assert typed.status_code == 303 and typed.location.endswith(f"/sipas/r/{receipt.code}")
    lower = client.get(f"/sipas/r/{receipt.code.lower()}")
    assert lower.status_code == 303
    assert client.get("/sipas/r").status_code == 200


def test_guessing_codes_is_slowed_down_but_not_real_codes(client, version):
    for n in range(20):
        assert client.get(f"/sipas/r/WRONG{n:07d}").status_code == 404
    assert client.get("/sipas/r/WRONG9999999").status_code == 429
    receipt = factories.make_receipt()
    assert client.get(f"/sipas/r/{receipt.code}").status_code != 200  # the address is limited


def test_a_huge_or_html_suggestion(client, version, login_as):
    receipt = factories.make_receipt("BN-0002", field="dat_dai")
    url = f"/sipas/r/{receipt.code}"
    page = client.get(url).get_data(as_text=True)
    huge = client.post(url, data=filled(version, page, 3, suggestion="à" * 100_000))
    assert huge.status_code == 200 and "tối đa 2.000 ký tự" in huge.get_data(as_text=True)
    assert responses() == 0
    html = '<img src=x onerror="alert(1)"> =HYPERLINK("http://x") Trả kết quả chậm'
    assert client.post(url, data=filled(version, page, 3, suggestion=html)).status_code == 303
    item = db.session.scalar(select(FeedbackItem))
    assert item.office.code == "KT"
    login_as("staff", office="KT")
    shown = client.get(f"/sipas/feedback/{item.id}").get_data(as_text=True)
    assert "&lt;img src=x" in shown and "<img src=x" not in shown
    workspace = client.get("/offices/kt/").get_data(as_text=True)
    assert "Kiến nghị, phản ánh của người dân chờ trả lời" in workspace
    reply = client.post(f"/sipas/feedback/{item.id}", data={"reply-reply": "Đã xin lỗi."})
    assert reply.status_code == 303
    db.session.refresh(item)
    assert item.status == "answered"


def test_phone_only_with_consent(client, version):
    receipt = factories.make_receipt()
    url = f"/sipas/r/{receipt.code}"
    page = client.get(url).get_data(as_text=True)
    refused = client.post(
        url, data=filled(version, page, 4, suggestion="Gọi lại", phone="0912345678")
    )
    assert "đánh dấu đồng ý" in refused.get_data(as_text=True) and responses() == 0
    client.post(url, data=filled(version, page, 4, suggestion="Gọi lại", phone="0912 345 678",
                                 phone_consent="1"))  # fmt: skip
    stored = db.session.scalar(select(SurveyResponse))
    assert stored.phone == "0912345678" and stored.phone_consent


# -- staff pages -------------------------------------------------------------------------------
def test_the_centre_prints_a_slip_whose_qr_leads_to_the_configured_address(
    app, client, version, login_as, tmp_path
):
    from .decisions_support import qr_codes

    login_as("staff", office="HCC")
    land = factories.sipas_field("dat_dai")
    done = client.post(
        "/sipas/receipts",
        data={"number": "000.22.31.H23-261205-0001", "procedure_field_id": land.id,
              "received_on": local_today().strftime("%d/%m/%Y")},
    )  # fmt: skip
    assert done.status_code == 303
    receipt = db.session.scalar(select(sipas.Receipt))
    again = client.post("/sipas/receipts", data={"number": receipt.number,
                        "procedure_field_id": land.id, "received_on": "01/12/2026"})  # fmt: skip
    assert "đã có phiếu đánh giá" in again.get_data(as_text=True)
    # Asked through another host name: the QR still carries CCHC_PUBLIC_URL, never the Host.
    session = client.get_cookie("session")
    client.set_cookie("session", session.value, domain="evil.example.com")
    slip = client.get(f"/sipas/receipts/{receipt.id}/slip.pdf", base_url="http://evil.example.com")
    assert slip.mimetype == "application/pdf"
    codes = qr_codes(slip.data, tmp_path)
    assert codes == [f"{app.config['CCHC_PUBLIC_URL']}/sipas/r/{receipt.code}"]


def test_results_exports_and_the_objective_they_feed(client, version, kiosk, login_as):
    from datetime import date, timedelta

    today = local_today()
    plan = factories.make_plan(
        "Kế hoạch hiện hành",
        period_start=today.replace(day=1) - timedelta(days=40),
        period_end=today + timedelta(days=60),
    )
    objective = plans.create_objective(plan, plans.ObjectiveData(
        "MT3", "Mức độ hài lòng", ">=", Decimal(90), "%", factories.office("HCC").id))  # fmt: skip
    db.session.commit()
    secretary = login_as("staff", "secretariat", office="VHXH")
    linked = client.post(f"/sipas/objectives/{objective.id}/link", data={"scope": "overall"})
    assert linked.status_code == 303
    land = factories.sipas_field("dat_dai")
    submit(version, answers_for(version, 5, 4, 3), kiosk=kiosk, procedure_field_id=land.id,
           suggestion='=CMD|"/C calc"!A0 @SUM(1)')  # fmt: skip
    submit(version, answers_for(version, 2), kiosk=kiosk)
    page = client.get("/sipas/").get_data(as_text=True)
    month_share = results_share = None
    from cchc_web.sipas import results

    found = results.compute(results.Filters())
    results_share = found.by_month[0].percent
    month_share = db.session.scalar(
        select(ObjectiveValue.value).where(ObjectiveValue.objective_id == objective.id,
                                           ObjectiveValue.month == today.replace(day=1))
    )  # fmt: skip
    assert month_share == results_share
    assert f"{float(results_share):.1f}".replace(".", ",") + "%" in page
    assert "Đất đai" in page and "Mẫu nhỏ" in page and "<svg" in page
    objective_page = client.get(f"/plans/objectives/{objective.id}").get_data(as_text=True)
    assert "Số liệu tính tự động từ mọi phiếu khảo sát" in objective_page
    typed = client.post(f"/plans/objectives/{objective.id}",
                        data={"month": today.strftime("%Y-%m"), "value": "99"})  # fmt: skip
    assert "tính tự động từ phiếu khảo sát" in typed.get_data(as_text=True)
    workbook = load_workbook(io.BytesIO(client.get("/sipas/results.xlsx").data))
    cell = workbook["Góp ý"]["D2"]
    assert cell.value.startswith("=CMD") and cell.data_type == "s" and cell.quotePrefix
    pdf = client.get("/sipas/results.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert date.today()  # the page shows today's period
    del secretary


def test_the_questionnaire_is_edited_as_a_new_version(client, version, login_as):
    login_as("staff", "secretariat", office="VHXH")
    created = client.post("/sipas/questionnaire/draft", data={})
    draft = sipas.draft_version()
    assert created.location.endswith(f"/sipas/questionnaire/{draft.id}/edit")
    page = client.get(created.location).get_data(as_text=True)
    fields = dict(re.findall(r'name="([^"]+)" (?:type="text" )?value="([^"]*)"', page))
    data = {k: v for k, v in fields.items() if k != "csrf_token"}
    data.update({f"scale_{n}": label for n, label in enumerate(version.scale_labels, start=1)})
    data["title"] = "Phiếu khảo sát 2027"
    # The first aspect keeps one question and gains a new one in its blank slot.
    data["aspects-0-questions-0-text"] = "Nơi ngồi chờ có đủ ghế"
    data["aspects-0-questions-0-required"] = "y"
    data["aspects-0-questions-2-text"] = "Nhà vệ sinh sạch sẽ"
    for a, aspect in enumerate(version.aspects[1:], start=1):
        for q, question in enumerate(aspect.questions):
            data[f"aspects-{a}-questions-{q}-text"] = question.text
    saved = client.post(created.location, data=data)
    assert saved.status_code == 303, saved.get_data(as_text=True)[:2000]
    db.session.expire_all()
    texts = [q.text for q in sipas.draft_version().aspects[0].questions]
    assert texts == ["Nơi ngồi chờ có đủ ghế", "Nhà vệ sinh sạch sẽ"]
    assert client.post(f"/sipas/questionnaire/{draft.id}/publish", data={}).status_code == 303
    assert sipas.published_version().title == "Phiếu khảo sát 2027"
    assert client.get(f"/sipas/questionnaire/{version.id}/edit").status_code == 303
