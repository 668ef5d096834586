"""/initiatives/: drafting with authors and evidence, bad input kept and refused, who may
submit, return and accept, the deadline, the secretariat's pages, and the 403s."""

import io
from datetime import timedelta

from sqlalchemy import func, select

from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models import Attachment, Initiative, SubmissionReopening

from .factories import make_initiative, make_round, make_user, office

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def form(rnd, authors, **overrides):
    data = {
        "round_id": str(rnd.id),
        "title": "Số hóa hồ sơ tại Trung tâm Phục vụ hành chính công",
        "field": "chinh_quyen_so",
        "solution": "Quét và ký số hồ sơ khi tiếp nhận.",
        "effectiveness": "1.240 hồ sơ trong 3 tháng.",
    }
    for n, (user_id, name, share) in enumerate(authors):
        data[f"authors-{n}-user_id"] = str(user_id or 0)
        data[f"authors-{n}-external_name"] = name
        data[f"authors-{n}-share"] = str(share)
    data.update(overrides)
    return data


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_staff_drafts_with_two_authors_and_evidence(client, login_as):
    rnd = make_round()
    staff = login_as("staff", office="HCC")
    colleague = make_user(roles=("head",), office="HCC")
    data = form(rnd, [(staff.id, "", 60), (colleague.id, "", 40)])
    data["evidence"] = [(io.BytesIO(PDF), "Báo cáo số hóa.pdf")]
    response = client.post("/initiatives/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    initiative = db.session.scalar(select(Initiative))
    assert initiative.office.code == "HCC" and initiative.state == "draft"
    assert sorted(a.share for a in initiative.authors) == [40, 60]
    assert [e.attachment.original_name for e in initiative.evidence] == ["Báo cáo số hóa.pdf"]
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "60%" in page and "40%" in page and "Báo cáo số hóa.pdf" in page
    att = initiative.evidence[0].attachment_id
    assert client.get(f"/initiatives/{initiative.id}/files/{att}").data == PDF


def test_shares_not_100_refused_input_kept_nothing_stored(client, login_as):
    rnd = make_round()
    staff = login_as("staff", office="HCC")
    data = form(rnd, [(staff.id, "", 60), (0, "Nguyễn Ngoài Đơn Vị", 30)])
    data["evidence"] = [(io.BytesIO(PDF), "minh chung.pdf")]
    response = client.post("/initiatives/new", data=data, content_type="multipart/form-data")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "phải bằng 100% (hiện là 90%)" in body
    assert "Nguyễn Ngoài Đơn Vị" in body and "Số hóa hồ sơ tại Trung tâm" in body
    assert count(Initiative) == 0 and count(Attachment) == 0


def test_bad_share_value_gets_a_vietnamese_message(client, login_as):
    rnd = make_round()
    staff = login_as("staff", office="HCC")
    body = client.post("/initiatives/new", data=form(rnd, [(staff.id, "", "abc")])).get_data(
        as_text=True
    )
    assert "Hãy nhập một số nguyên." in body and count(Initiative) == 0


def test_only_the_office_sees_and_edits_a_draft(client, login_as):
    initiative = make_initiative(make_round(), "VP")
    login_as("staff", office="KT")
    assert client.get(f"/initiatives/{initiative.id}").status_code == 403
    assert client.get(f"/initiatives/{initiative.id}/edit").status_code == 403
    assert client.post(f"/initiatives/{initiative.id}/submit", data={}).status_code == 403
    login_as("staff", office="VP")
    assert client.get(f"/initiatives/{initiative.id}/edit").status_code == 200


def test_staff_cannot_submit_head_submits_once(client, login_as):
    initiative = make_initiative(make_round(), "VP")
    login_as("staff", office="VP")
    assert client.post(f"/initiatives/{initiative.id}/submit", data={}).status_code == 403
    login_as("head", office="VP")
    client.post(f"/initiatives/{initiative.id}/submit", data={})
    db.session.refresh(initiative)
    assert initiative.state == "submitted"
    response = client.post(f"/initiatives/{initiative.id}/submit", data={}, follow_redirects=True)
    assert "không gửi lại được" in response.get_data(as_text=True)
    # Submitted: no longer editable.
    assert client.get(f"/initiatives/{initiative.id}/edit").status_code == 403


def test_submission_after_deadline_refused_with_message(client, login_as):
    today = local_today()
    rnd = make_round(
        deadline=today - timedelta(days=2), decision_deadline=today + timedelta(days=5)
    )
    initiative = make_initiative(rnd, "VP")
    login_as("head", office="VP")
    page = client.get(f"/initiatives/{initiative.id}").get_data(as_text=True)
    assert "Đã hết hạn nộp" in page
    response = client.post(f"/initiatives/{initiative.id}/submit", data={}, follow_redirects=True)
    assert "Đã hết hạn nộp sáng kiến" in response.get_data(as_text=True)
    db.session.refresh(initiative)
    assert initiative.state == "draft"


def test_secretariat_reopens_for_one_office_through_the_form(client, login_as):
    today = local_today()
    rnd = make_round(
        deadline=today - timedelta(days=2), decision_deadline=today + timedelta(days=5)
    )
    login_as("staff", "secretariat", office="VHXH")
    url = f"/initiatives/rounds/{rnd.id}"
    response = client.post(url, data={"office_id": office("CA").id, "reason": "", "until": ""})
    assert "Hãy nêu lý do mở lại." in response.get_data(as_text=True)
    assert count(SubmissionReopening) == 0
    client.post(
        url,
        data={"office_id": office("CA").id, "reason": "Đơn vị bận diễn tập", "until": today},
    )
    assert rnd.submission_open_for(office("CA").id, today)
    assert not rnd.submission_open_for(office("VP").id, today)
    assert "Đơn vị bận diễn tập" in client.get(url).get_data(as_text=True)


def test_secretariat_returns_with_comment_and_accepts(client, login_as):
    rnd = make_round()
    returned = make_initiative(rnd, "KT", state="submitted", title="Thu phí chợ bằng QR")
    accepted = make_initiative(rnd, "VP", state="submitted")
    login_as("head", office="KT")
    assert client.post(f"/initiatives/{returned.id}/accept", data={}).status_code == 403
    login_as("staff", "secretariat", office="VHXH")
    response = client.post(
        f"/initiatives/{returned.id}/return", data={"comment": ""}, follow_redirects=True
    )
    assert "Hãy ghi nội dung cần hoàn thiện" in response.get_data(as_text=True)
    client.post(f"/initiatives/{returned.id}/return", data={"comment": "Bổ sung số liệu."})
    # Without proof of application, the page asks why, keeping nothing half-done.
    page = client.post(f"/initiatives/{accepted.id}/accept", data={})
    assert page.status_code == 200 and "hãy ghi lý do vẫn tiếp nhận" in page.get_data(as_text=True)
    db.session.refresh(accepted)
    assert accepted.state == "submitted"
    client.post(f"/initiatives/{accepted.id}/accept", data={"note": "Minh chứng bản giấy."})
    db.session.refresh(returned)
    db.session.refresh(accepted)
    assert (returned.state, accepted.state) == ("returned", "accepted")
    login_as("staff", office="KT")
    assert "Bổ sung số liệu." in client.get(f"/initiatives/{returned.id}").get_data(as_text=True)


def test_secretariat_sees_offices_that_submitted_nothing(client, login_as):
    rnd = make_round()
    make_initiative(rnd, "VP", state="submitted")
    make_initiative(rnd, "KT")  # a draft does not count
    login_as("staff", "secretariat", office="VHXH")
    page = client.get("/initiatives/").get_data(as_text=True)
    assert "Đơn vị chưa gửi sáng kiến (6)" in page
    assert "Phòng Kinh tế" in page.split("Đơn vị chưa gửi sáng kiến")[1].split("</section>")[0]
    # Other offices' drafts are not listed to the secretariat.
    assert "Nhắc lịch hẹn" in page  # the VP one (submitted)


def test_office_list_shows_only_its_initiatives(client, login_as):
    rnd = make_round()
    make_initiative(rnd, "VP", title="Sáng kiến của Văn phòng")
    make_initiative(rnd, "KT", title="Sáng kiến của Kinh tế", state="submitted")
    login_as("staff", office="VP")
    page = client.get("/initiatives/").get_data(as_text=True)
    assert "Sáng kiến của Văn phòng" in page and "Sáng kiến của Kinh tế" not in page
    fragment = client.get("/initiatives/?state=draft", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True)


def test_similar_warning_fragment(client, login_as):
    old = make_round(year=2023)
    make_initiative(
        old, "VP", title="Số hóa hồ sơ thủ tục hành chính tại Trung tâm HCC", state="submitted"
    )
    login_as("staff", office="VP")  # the office's own initiative: it may open it
    body = client.post(
        "/initiatives/similar", data={"title": "so hoa ho so thu tuc hanh chinh"}
    ).get_data(as_text=True)
    assert "Có sáng kiến tương tự" in body and "năm 2023" in body
    body = client.post("/initiatives/similar", data={"title": "Trồng cây xanh"}).get_data(
        as_text=True
    )
    assert "tương tự" not in body


def test_secretariat_pages_are_403_for_others(client, login_as):
    rnd = make_round()
    login_as("head", office="KT")
    for url in ("/initiatives/rounds", "/initiatives/rounds/new", f"/initiatives/rounds/{rnd.id}"):
        assert client.get(url).status_code == 403, url


def test_leaders_read_the_rounds_but_cannot_change_them(client, login_as):
    today = local_today()
    rnd = make_round(
        deadline=today - timedelta(days=2), decision_deadline=today + timedelta(days=5)
    )
    login_as("chairman", office=None)
    listing = client.get("/initiatives/rounds").get_data(as_text=True)
    assert f"/initiatives/rounds/{rnd.id}" in listing and "Mở đợt mới" not in listing
    detail = client.get(f"/initiatives/rounds/{rnd.id}")
    assert detail.status_code == 200
    page = detail.get_data(as_text=True)
    assert "Thang điểm" in page and "Đơn vị chưa gửi sáng kiến" in page
    assert "Mở lại việc nộp" not in page and 'method="post" novalidate' not in page
    assert f"/initiatives/rounds/{rnd.id}/edit" not in page
    reopen = {"office_id": office("CA").id, "reason": "Lý do", "until": today}
    assert client.post(f"/initiatives/rounds/{rnd.id}", data=reopen).status_code == 403
    assert count(SubmissionReopening) == 0
    assert client.get("/initiatives/rounds/new").status_code == 403
    assert "Đợt sáng kiến" in client.get("/initiatives/").get_data(as_text=True)


def test_secretariat_creates_a_round_with_its_rubric(client, login_as):
    login_as("staff", "secretariat", office="VHXH")
    assert client.get("/initiatives/rounds/new").status_code == 200
    today = local_today()
    data = {
        "year": "2030",
        "title": "Sáng kiến CCHC năm 2030",
        "submission_deadline": today.isoformat(),
        "decision_deadline": (today - timedelta(days=1)).isoformat(),
        "open_fields": ["tthc", "chinh_quyen_so"],
        "pass_min_total": "50",
        "rubric": "novelty | Tính mới | 30 | mức\neffect | Hiệu quả | 70 | mức",
    }
    body = client.post("/initiatives/rounds/new", data=data).get_data(as_text=True)
    assert "phải sau hạn nộp" in body
    data["decision_deadline"] = (today + timedelta(days=10)).isoformat()
    assert client.post("/initiatives/rounds/new", data=data).status_code == 303
    from cchc_web.models import Round

    rnd = db.session.scalar(select(Round).where(Round.year == 2030))
    assert rnd.max_total == 100 and rnd.open_fields == ["tthc", "chinh_quyen_so"]


def test_emulation_view(client, login_as):
    rnd = make_round(year=2025)
    make_initiative(rnd, "VP", state="accepted")
    login_as("staff", office="KT")
    page = client.get("/initiatives/emulation?year=2025").get_data(as_text=True)
    assert "Văn phòng HĐND và UBND xã" in page and "Được công nhận" in page


def test_secretariat_does_not_open_another_offices_draft(client, login_as):
    draft = make_initiative(make_round(), "KT")
    login_as("staff", "secretariat", office="VHXH")
    assert client.get(f"/initiatives/{draft.id}").status_code == 403


def test_returned_initiative_is_edited_evidence_removed_and_resubmitted(client, login_as):
    rnd = make_round()
    initiative = make_initiative(rnd, "VP", state="returned")
    staff = login_as("staff", office="VP")
    data = form(rnd, [(staff.id, "", 100)], title="Nhắc lịch hẹn qua Zalo OA (bổ sung)")
    data["evidence"] = [(io.BytesIO(PDF), "so lieu.pdf")]
    client.post(f"/initiatives/{initiative.id}/edit", data=data, content_type="multipart/form-data")
    db.session.refresh(initiative)
    assert initiative.title.endswith("(bổ sung)") and len(initiative.evidence) == 1
    att = initiative.evidence[0].attachment_id
    data = form(rnd, [(staff.id, "", 100)], remove_evidence=[str(att)])
    client.post(f"/initiatives/{initiative.id}/edit", data=data)
    db.session.refresh(initiative)
    assert initiative.evidence == []
    login_as("head", office="VP")
    client.post(f"/initiatives/{initiative.id}/submit", data={})
    db.session.refresh(initiative)
    assert initiative.state == "submitted"


def test_description_pdf_follows_the_form_and_the_permissions(client, login_as):
    import shutil
    import subprocess

    rnd = make_round()
    staff = make_user(roles=("staff",), office="HCC", full_name="Đặng Văn Long")
    head = make_user(roles=("head",), office="HCC", full_name="Ngô Thị Thu")
    initiative = make_initiative(
        rnd, "HCC", title="Số hóa hồ sơ tại Trung tâm HCC", authors=[(staff, 60), (head, 40)]
    )
    login_as("staff", office="KT")
    assert client.get(f"/initiatives/{initiative.id}/description.pdf").status_code == 403
    login_as("staff", office="HCC")
    response = client.get(f"/initiatives/{initiative.id}/description.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=response.data,
            capture_output=True,
            check=True,
        ).stdout.decode()
        for expected in (
            "BÁO CÁO MÔ TẢ SÁNG KIẾN",
            "Số hóa hồ sơ tại Trung tâm HCC",
            "Đặng Văn Long",
            "60%",
            "40%",
            "Ngô Thị Thu",
        ):
            assert expected in text, expected
