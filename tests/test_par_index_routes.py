"""PAR Index pages: who may do what (403s), bad input kept with a message, exports."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage

from cchc_web.admin.cli import seed_organisation
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import local_today
from cchc_web.models import Attachment, IndexSet, SelfScore
from cchc_web.par_index import services, tabular
from cchc_web.par_index.demo import seed_par_index
from cchc_web.records import attachments

from .factories import make_par_set, make_user, office, par_item
from .test_par_index_services import score_small_set, sixty_leaf_table

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def score_form(score="2", **extra):
    return {"score": score, "explanation": "Đã ban hành kế hoạch.", **extra}


def self_score_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SelfScore))


# -- the office scores only its own leaves ---------------------------------------------------
def test_office_scores_its_own_leaf_with_evidence(client, login_as):
    index_set = make_par_set()
    item_id = par_item(index_set, "1.1.1").id
    user = login_as("staff", office="VP")
    page = client.get(f"/par-index/items/{item_id}/score")
    assert page.status_code == 200
    assert "Điểm tối đa: <strong>2,5</strong>" in page.get_data(as_text=True)
    response = client.post(
        f"/par-index/items/{item_id}/score",
        data=score_form("2,5", evidence=[(io.BytesIO(PDF), "ke-hoach.pdf")]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    saved = db.session.scalar(select(SelfScore))
    assert saved.score == Decimal("2.5") and saved.scored_by_id == user.id
    assert [a.original_name for a in saved.evidence] == ["ke-hoach.pdf"]
    mine = client.get(f"/par-index/{index_set.id}/mine").get_data(as_text=True)
    assert "1 tệp" in mine
    download = client.get(f"/par-index/scores/{saved.id}/evidence/{saved.evidence[0].id}")
    assert download.status_code == 200 and download.data == PDF


@pytest.mark.parametrize("roles", [("staff",), ("head",), ("secretariat", "staff")])
def test_scoring_a_leaf_of_another_office_is_403(client, login_as, roles):
    index_set = make_par_set()
    item_id = par_item(index_set, "1.1.1").id  # assigned to VP
    login_as(*roles, office="VHXH")
    assert client.get(f"/par-index/items/{item_id}/score").status_code == 403
    response = client.post(f"/par-index/items/{item_id}/score", data=score_form())
    assert response.status_code == 403
    assert self_score_count() == 0


def test_fields_survey_items_and_unassigned_leaves_cannot_be_scored(client, login_as):
    spec = [("1", None, "2", "self", None), ("1.1", "1", "1", "self", "VP"),
            ("1.2", "1", "1", "self", None), ("2", None, "1", "survey", None)]  # fmt: skip
    index_set = make_par_set(spec=spec, status="draft")
    login_as("staff", office="VP")
    for code in ("1", "1.2", "2"):
        item_id = par_item(index_set, code).id
        assert (
            client.post(f"/par-index/items/{item_id}/score", data=score_form()).status_code == 403
        )


def test_evidence_of_another_office_is_403(client, login_as):
    index_set = make_par_set()
    vp = make_user(roles=("staff",), office="VP")
    files = attachments.store_uploads([FileStorage(io.BytesIO(PNG), filename="a.png")], vp)
    saved = services.save_self_score(par_item(index_set, "1.1.1"), vp, Decimal("1"), "", files)
    db.session.commit()
    login_as("staff", office="KT")
    assert client.get(f"/par-index/scores/{saved.id}/evidence/{files[0].id}").status_code == 403


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3", "Điểm phải từ 0 đến 2,5 (điểm tối đa của tiêu chí 1.1.1)."),
        ("-1", "Điểm không được là số âm."),
        ("hai", "“hai” không phải là số; hãy nhập dạng 14,5."),
        ("", "Hãy nhập điểm."),
    ],
)
def test_bad_score_is_refused_with_message_and_input_kept(client, login_as, typed, message):
    index_set = make_par_set()
    item_id = par_item(index_set, "1.1.1").id
    login_as("staff", office="VP")
    response = client.post(
        f"/par-index/items/{item_id}/score",
        data=score_form(typed, evidence=[(io.BytesIO(PNG), "anh.png")]),
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert f'value="{typed}"' in page if typed else 'name="score"' in page
    assert "Đã ban hành kế hoạch." in page
    assert self_score_count() == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_deadline_is_shown_and_enforced(client, login_as):
    index_set = make_par_set(deadline=local_today() - timedelta(days=1))
    item_id = par_item(index_set, "1.1.1").id
    login_as("staff", office="VP")
    mine = client.get(f"/par-index/{index_set.id}/mine").get_data(as_text=True)
    assert "đã quá hạn" in mine
    response = client.post(f"/par-index/items/{item_id}/score", data=score_form())
    assert response.status_code == 200
    assert "Đã quá hạn tự chấm điểm" in response.get_data(as_text=True)
    assert self_score_count() == 0


def test_wrong_file_type_is_refused_and_no_score_saved(client, login_as):
    index_set = make_par_set()
    item_id = par_item(index_set, "1.1.1").id
    login_as("staff", office="VP")
    response = client.post(
        f"/par-index/items/{item_id}/score",
        data=score_form(evidence=[(io.BytesIO(b"MZ\x90\x00"), "virus.exe")]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert "Chỉ chấp nhận tệp" in response.get_data(as_text=True)
    assert self_score_count() == 0


def test_missing_evidence_is_flagged(client, login_as):
    index_set = make_par_set()
    score_small_set(index_set)
    login_as("staff", office="VP")
    assert "Thiếu minh chứng" in client.get(f"/par-index/{index_set.id}/mine").get_data(
        as_text=True
    )


# -- secretariat pages -----------------------------------------------------------------------
@pytest.mark.parametrize("roles", [("staff",), ("head",), ("chairman",), ("admin",)])
def test_secretariat_pages_are_403_for_others(client, login_as, roles):
    index_set = make_par_set()
    item = par_item(index_set, "1.1.1")
    login_as(*roles, office="VP")
    for url in (
        "/par-index/new",
        f"/par-index/{index_set.id}/assign",
        f"/par-index/{index_set.id}/settings",
        f"/par-index/items/{item.id}/appraise",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post("/par-index/new", data={"year": "2030"}).status_code == 403
    response = client.post(
        f"/par-index/{index_set.id}/assign", data={"items": [item.id], "office": office("KT").id}
    )
    assert response.status_code == 403
    db.session.refresh(item)
    assert item.office.code == "VP"


def test_office_staff_cannot_see_the_whole_set_or_totals(client, login_as):
    index_set = make_par_set()
    login_as("staff", office="KT")
    overview = client.get(f"/par-index/{index_set.id}")
    assert overview.status_code == 302 and overview.location.endswith("/mine")
    for url in ("totals", "totals.pdf", "totals.xlsx", "export.csv"):
        assert client.get(f"/par-index/{index_set.id}/{url}").status_code == 403, url


def test_import_of_sixty_leaves_through_the_page(client, login_as):
    login_as("secretariat", "staff", office="VHXH")
    response = client.post(
        "/par-index/new",
        data={
            "year": "2025",
            "source": "file",
            "with_offices": "y",
            "file": (io.BytesIO(tabular.rows_to_csv(sixty_leaf_table())), "bo-chi-so.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    index_set = db.session.scalar(select(IndexSet))
    assert len(index_set.leaves) == 60


def test_broken_import_lists_errors_and_saves_nothing(client, login_as):
    login_as("secretariat", "staff", office="VHXH")
    table = sixty_leaf_table()
    table[1][3] = "3"  # wrong sum under 1.1
    table[5][1] = "1.9"  # unknown parent
    table[6][0] = "1.1.3"  # duplicate of the row above
    response = client.post(
        "/par-index/new",
        data={
            "year": "2025",
            "source": "file",
            "file": (io.BytesIO(tabular.rows_to_csv(table)), "bo-chi-so.csv"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "chưa lưu gì" in page
    assert "Mục cha “1.9” không có trong tệp." in page
    assert "Mã “1.1.3” trùng với dòng 6." in page
    assert "Điểm tối đa của “1.1” là 3" in page
    assert db.session.scalar(select(func.count()).select_from(IndexSet)) == 0


def test_create_default_set_and_copy_last_year(client, login_as):
    login_as("secretariat", "staff", office="VHXH")
    response = client.post(
        "/par-index/new",
        data={"year": "2024", "source": "default", "with_offices": "y", "deadline": "2024-12-15"},
    )
    assert response.status_code == 303
    refused = client.post("/par-index/new", data={"year": "2024", "source": "default"})
    assert "Năm 2024 đã có bộ chỉ số." in refused.get_data(as_text=True)
    none_before = client.post("/par-index/new", data={"year": "2030", "source": "copy"})
    assert "Chưa có bộ chỉ số năm 2029 để sao chép." in none_before.get_data(as_text=True)
    copied = client.post("/par-index/new", data={"year": "2025", "source": "copy"})
    assert copied.status_code == 303
    sets = {s.year: s for s in db.session.scalars(select(IndexSet))}
    assert len(sets[2025].items) == len(sets[2024].items) == 94
    assert sets[2025].max_total == Decimal("100")


def test_bulk_assignment_with_htmx_returns_the_table(client, login_as):
    spec = [("1", None, "2", "self", None), ("1.1", "1", "1", "self", None),
            ("1.2", "1", "1", "self", None)]  # fmt: skip
    index_set = make_par_set(spec=spec, status="draft")
    ids = [par_item(index_set, "1.1").id, par_item(index_set, "1.2").id]
    login_as("secretariat", "staff", office="VHXH")
    response = client.post(
        f"/par-index/{index_set.id}/assign",
        data={"items": ids, "office": str(office("KT").id)},
        headers={"HX-Request": "true"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in page and "Đã giao 2 tiêu chí cho Phòng Kinh tế." in page
    assert {i.office.code for i in services.scorable_leaves(index_set)} == {"KT"}
    empty = client.post(f"/par-index/{index_set.id}/assign", data={"office": str(office("KT").id)})
    assert "Hãy chọn ít nhất một tiêu chí." in empty.get_data(as_text=True)


def test_open_refused_while_leaves_unassigned(client, login_as):
    spec = [("1", None, "1", "self", None), ("1.1", "1", "1", "self", None)]
    index_set = make_par_set(spec=spec, status="draft")
    login_as("secretariat", "staff", office="VHXH")
    response = client.post(
        f"/par-index/{index_set.id}/status", data={"status": "open"}, follow_redirects=True
    )
    assert "Còn 1 tiêu chí chưa giao đơn vị: 1.1." in response.get_data(as_text=True)
    db.session.refresh(index_set)
    assert index_set.status == "draft"


def test_appraisal_adjust_needs_reason_then_totals_show(client, login_as):
    index_set = make_par_set()
    vp = make_user(roles=("staff",), office="VP")
    item = par_item(index_set, "1.1.2")
    services.save_self_score(item, vp, Decimal("3.5"), "")
    db.session.commit()
    login_as("secretariat", "staff", office="VHXH")
    url = f"/par-index/items/{item.id}/appraise"
    refused = client.post(url, data={"decision": "adjust", "adjusted_score": "2,75"})
    page = refused.get_data(as_text=True)
    assert "Hãy nêu lý do điều chỉnh điểm." in page and 'value="2,75"' in page
    too_high = client.post(url, data={"decision": "adjust", "adjusted_score": "4", "reason": "x"})
    assert "Điểm phải từ 0 đến 3,5" in too_high.get_data(as_text=True)
    ok = client.post(
        url, data={"decision": "adjust", "adjusted_score": "2,75", "reason": "Thiếu biên bản."}
    )
    assert ok.status_code == 303
    db.session.refresh(item)
    assert item.self_score.appraisal.score == Decimal("2.75")
    totals = client.get(f"/par-index/{index_set.id}/totals").get_data(as_text=True)
    # 2,75 of 20 → 13,75 on 100.
    assert "13,75 · D" in totals


def test_settings_refuse_survey_over_its_maximum(client, login_as):
    index_set = make_par_set()
    login_as("secretariat", "staff", office="VHXH")
    response = client.post(
        f"/par-index/{index_set.id}/settings",
        data={"survey_score": "6", "bonus_points": "", "penalty_points": "0"},
    )
    page = response.get_data(as_text=True)
    assert "Điểm điều tra xã hội học phải từ 0 đến 5." in page and 'value="6"' in page
    db.session.refresh(index_set)
    assert index_set.survey_score is None


def test_exports_are_pdf_and_xlsx(client, login_as):
    index_set = make_par_set()
    score_small_set(index_set)
    login_as("secretariat", "staff", office="VHXH")
    base = f"/par-index/{index_set.id}"
    pdf = client.get(f"{base}/assignment.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.mimetype == "application/pdf"
    totals_pdf = client.get(f"{base}/totals.pdf")
    assert totals_pdf.data.startswith(b"%PDF")
    workbook = load_workbook(io.BytesIO(client.get(f"{base}/totals.xlsx").data))
    summary = workbook["Tổng hợp"]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][:5] == ("Mã", "Lĩnh vực", "Điểm tối đa", "Tự chấm", "Thẩm định")
    assert rows[-1][1] == "Chỉ số quy đổi thang 100" and Decimal(str(rows[-1][4])) == Decimal(
        "62.5"
    )
    appendix = load_workbook(io.BytesIO(client.get(f"{base}/assignment.xlsx").data)).active
    assert ("1.1.1", "Tiêu chí 1.1.1", 2.5, "Văn phòng HĐND và UBND xã") in [
        tuple(r) for r in appendix.iter_rows(values_only=True)
    ]
    csv = client.get(f"{base}/export.csv")
    assert csv.data.startswith("\ufeffMã,".encode())
    assert client.get(f"{base}/export.pdf").status_code == 404


def test_pages_render_for_secretariat_and_leaders(client, login_as):
    index_set = make_par_set()
    score_small_set(index_set)
    login_as("secretariat", "staff", office="VHXH")
    for url in ("/par-index/", f"/par-index/{index_set.id}", f"/par-index/{index_set.id}/totals",
                f"/par-index/{index_set.id}/assign", "/par-index/new",
                f"/par-index/{index_set.id}/settings"):  # fmt: skip
        assert client.get(url).status_code == 200, url
    page = client.get(f"/par-index/{index_set.id}").get_data(as_text=True)
    assert "Tiêu chí yếu nhất" in page and "Thiếu minh chứng" in page
    client.post("/logout", data={})
    login_as("chairman", office=None)
    assert client.get(f"/par-index/{index_set.id}/totals").status_code == 200


def test_template_csv_imports_as_is(client, login_as):
    login_as("secretariat", "staff", office="VHXH")
    response = client.get("/par-index/template.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeffMã".encode())
    rows, issues = tabular.parse_rows(
        tabular.read_table("mau.csv", response.data), services.office_codes()
    )
    assert issues == [] and len(rows) == 94


def test_score_page_says_when_scoring_is_closed(client, login_as):
    index_set = make_par_set(status="closed")
    item_id = par_item(index_set, "1.1.1").id
    login_as("staff", office="VP")
    page = client.get(f"/par-index/items/{item_id}/score").get_data(as_text=True)
    assert "Bộ chỉ số đã khóa tự chấm điểm. Điểm chưa thể lưu." in page
    assert "disabled" in page
    response = client.post(f"/par-index/items/{item_id}/score", data=score_form())
    assert "Bộ chỉ số đã khóa tự chấm điểm." in response.get_data(as_text=True)
    assert self_score_count() == 0


def test_xlsx_import_through_the_page(client, login_as):
    login_as("secretariat", "staff", office="VHXH")
    data = tabular.xlsx_bytes([("Bộ chỉ số", list(tabular.COLUMNS.values()), sixty_leaf_table())])
    response = client.post(
        "/par-index/new",
        data={"year": "2026", "source": "file", "file": (io.BytesIO(data), "bo.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    index_set = db.session.scalar(select(IndexSet))
    # Without "with_offices" the leaves come unassigned.
    assert len(index_set.leaves) == 60 and all(i.office is None for i in index_set.leaves)


def test_garbage_in_forms_gets_vietnamese_messages_not_500(client, login_as):
    index_set = make_par_set()
    login_as("secretariat", "staff", office="VHXH")
    page = client.post(
        "/par-index/new", data={"year": "năm nay", "source": "default", "deadline": "31/02/2025"}
    ).get_data(as_text=True)
    assert "Năm phải là số, ví dụ 2025." in page
    assert "Ngày không hợp lệ. Hãy nhập dạng 26/12/2025." in page and 'value="31/02/2025"' in page
    assert "Not a valid" not in page
    typed_date = client.post(
        "/par-index/new", data={"year": "2031", "source": "default", "deadline": "15/12/2031"}
    )
    assert typed_date.status_code == 303
    assert services.set_for_year(2031).deadline.isoformat() == "2031-12-15"
    url = f"/par-index/{index_set.id}/assign"
    bad_office = client.post(url, data={"items": [par_item(index_set, "1.2").id], "office": "x"})
    assert "Hãy chọn một đơn vị trong danh sách." in bad_office.get_data(as_text=True)
    bad_items = client.post(url, data={"items": ["abc"], "office": str(office("KT").id)})
    assert "Lựa chọn “Tiêu chí” không hợp lệ." in bad_items.get_data(as_text=True)
    assert par_item(index_set, "1.2").office.code == "KT"


def test_unknown_radio_values_are_refused_in_vietnamese(client, login_as):
    index_set = make_par_set()
    vp = make_user(roles=("staff",), office="VP")
    item = par_item(index_set, "1.2")
    services.save_self_score(par_item(index_set, "1.1.1"), vp, Decimal("1"), "")
    db.session.commit()
    login_as("secretariat", "staff", office="VHXH")
    page = client.post("/par-index/new", data={"year": "2030", "source": "x"}).get_data(
        as_text=True
    )
    assert "Hãy chọn một mục trong danh sách." in page
    scored = par_item(index_set, "1.1.1").id
    page = client.post(f"/par-index/items/{scored}/appraise", data={"decision": "x"})
    assert "Hãy chọn một mục trong danh sách." in page.get_data(as_text=True)
    unscored = client.get(f"/par-index/items/{item.id}/appraise")
    assert unscored.status_code == 302


def test_overview_of_the_demo_set_needs_few_queries(client, login_as):
    """The pages walk the whole tree: it must be loaded eagerly, not item by item."""
    seed_organisation()
    seed_par_index()
    db.session.commit()
    set_id = services.set_for_year(2025).id
    login_as("secretariat", "staff", office="VHXH")
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(f"/par-index/{set_id}").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) < 40
