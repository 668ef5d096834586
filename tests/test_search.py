"""Search where records live and in the header (issue 17): each pair of "How it will be
checked" found by the search box of the page where that kind of record lives; the global
search finds only what its user may open; bad queries get a Vietnamese message or nothing."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import pytest
from sqlalchemy import event

from cchc_web.core.extensions import db
from cchc_web.models import Report, User
from cchc_web.models.reports import ReportKind, ReportStatus

from . import factories
from .factories import office

# The texts stored, one record of each kind per text.
STORED = [
    "Trung tâm Phục vụ hành chính công",
    "Hoà giải ở cơ sở",
    "Thủy lợi nội đồng",
    "Số hóa hồ sơ",
    "Rà soát thủ tục hành chính",
    "Công khai TTHC tại bộ phận một cửa",
]
# What is typed → what it must find (and one stored text it must not).
PAIRS = [
    (unicodedata.normalize("NFD", "hành chính công"), STORED[0], STORED[2]),
    ("Hòa giải", STORED[1], STORED[3]),
    ("Thuỷ lợi", STORED[2], STORED[1]),
    ("so hoa ho so", STORED[3], STORED[0]),
    ("TTHC", STORED[4], STORED[1]),
    ("thủ tục hành chính", STORED[5], STORED[2]),
]


def visible_text(response) -> str:
    """The page's <main> as a person reads it: tags gone (a <mark> splits no word)."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    main = body[body.find("<main") : body.find("</main>")] if "<main" in body else body
    return " ".join(re.sub(r"<[^>]+>", "", main).split())


def results_text(response) -> str:
    """The visible text without the forms (the filters list every office by name)."""
    body = response.get_data(as_text=True)
    assert response.status_code == 200, body[:500]
    main = body[body.find("<main") : body.find("</main>")] if "<main" in body else body
    main = re.sub(r"<form.*?</form>", "", main, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", "", main).split())


def check_pairs(client, url: str, **args) -> None:
    for typed, found, not_found in PAIRS:
        text = results_text(client.get(url, query_string={**args, "q": typed}))
        assert found in text, (url, typed)
        assert not_found not in text, (url, typed)


# -- each kind on its own page --------------------------------------------------------------------
def test_tasks_found_on_the_plan_page_the_office_workspace_and_the_dashboard(client, login_as):
    plan = factories.make_plan()
    for n, text in enumerate(STORED, start=1):
        # Not in "Cải cách thủ tục hành chính": the field's name is searched too.
        factories.make_task(plan, f"9.{n}", lead="VP", content=text, field="the_che")
    login_as("secretariat", office="VHXH")
    check_pairs(client, f"/plans/{plan.id}")
    check_pairs(client, "/dashboard/tasks", plan=plan.id)
    login_as("staff", office="VP")
    check_pairs(client, "/offices/vp/")
    page = client.get("/offices/vp/?q=Hòa giải", headers={"HX-Request": "true"})
    assert "<html" not in page.get_data(as_text=True)
    assert "<mark>Hoà giải</mark> ở cơ sở" in page.get_data(as_text=True)


def test_initiatives_of_every_year_found_on_the_initiatives_list(client, login_as):
    earlier = factories.make_round(2024, deadline=date(2024, 9, 20))
    current = factories.make_round()
    for n, text in enumerate(STORED):
        found = factories.make_initiative(earlier if n % 2 else current, "VP", title=text)
        found.field = "the_che"  # not "Cải cách thủ tục hành chính": its name is searched too
    db.session.commit()
    login_as("staff", office="VP")
    check_pairs(client, "/initiatives/")


def test_decisions_found_by_summary_and_number_on_the_decisions_list(client, login_as):
    creator = factories.make_user(roles=("staff", "secretariat"), office="VHXH")
    for text in STORED:
        factories.make_decision(
            creator, submit=False, summary=f"Về việc {text}", appendix_title="Danh sách"
        )
    login_as("secretariat", office="VHXH")
    check_pairs(client, "/decisions/")


def _report(office_code: str | None, month: int, text: str) -> Report:
    end = date(2025, month + 1, 1).replace(day=1)
    report = Report(
        office_id=office(office_code).id if office_code else None,
        kind=ReportKind.MONTH,
        period_start=date(2025, month, 1),
        period_end=date(2025, month, 28 if month == 2 else 30),
        deadline=end.replace(day=20),
        status=ReportStatus.DRAFT,
        direction=f"Kết quả nổi bật: {text}.",
    )
    db.session.add(report)
    return report


def test_reports_found_on_the_reports_pages(client, login_as, commune):
    for n, text in enumerate(STORED, start=3):
        _report("VP", n, text)
    db.session.commit()
    login_as("secretariat", office="VHXH")
    check_pairs(client, "/reports/")
    login_as("staff", office="VP")
    check_pairs(client, "/reports/office/vp/")


def test_par_items_found_on_the_index_page(client, login_as):
    index_set = factories.make_par_set()
    leaves = ["1.1.1", "1.1.2", "1.2", "2.1", "1.1", "2"]
    for code, text in zip(leaves, STORED, strict=True):
        factories.par_item(index_set, code).title = text
    db.session.commit()
    login_as("secretariat", office="VHXH")
    check_pairs(client, "/par-index/")


def test_users_found_on_the_admin_list(client, login_as):
    for n, text in enumerate(STORED):
        factories.make_user(username=f"u{n}", full_name=f"Cán bộ {n}", position_title=text)
    login_as("admin", office=None)
    check_pairs(client, "/admin/users")


# -- the header's search ------------------------------------------------------------------------
def test_global_search_groups_by_kind_and_finds_only_what_the_user_may_open(client, login_as):
    rnd = factories.make_round()
    factories.make_initiative(rnd, "VP", title="Số hóa hồ sơ lưu trữ của Văn phòng")
    factories.make_initiative(rnd, "KT", title="Số hóa hồ sơ đất đai", state="submitted")
    plan = factories.make_plan()
    factories.make_task(plan, "3.1", lead="KT", content="Số hóa hồ sơ, kết quả giải quyết TTHC")
    factories.make_decision(submit=False, summary="Về việc số hóa hồ sơ lưu trữ")
    factories.make_user(username="sohoa", full_name="Số Hóa Hồ Sơ")

    login_as("staff", office="KT")
    text = visible_text(client.get("/search?q=so hoa ho so"))
    assert "Số hóa hồ sơ đất đai" in text  # KT's own initiative
    assert "lưu trữ của Văn phòng" not in text  # VP's draft: VP's business
    assert "Về việc số hóa hồ sơ lưu trữ" not in text  # a draft Decision
    assert "Số hóa hồ sơ, kết quả giải quyết TTHC" in text  # a task of an active plan
    assert "Người dùng" not in text  # users are the admin's

    login_as("admin", office=None)
    body = client.get("/search?q=so hoa ho so").get_data(as_text=True)
    for kind in ("Nhiệm vụ", "Sáng kiến", "Quyết định", "Người dùng"):
        assert f">{kind} <span" in body
    assert "lưu trữ của Văn phòng" not in body  # another office's draft, even for the admin
    assert "<mark>Số hóa hồ sơ</mark> đất đai" in body

    fragment = client.get("/search?q=TTHC", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "<mark>TTHC</mark>" in html


def test_search_results_are_escaped(client, login_as):
    plan = factories.make_plan()
    factories.make_task(plan, "1.1", content="<script>alert('x')</script> số hóa hồ sơ")
    login_as("secretariat", office="VHXH")
    body = client.get("/search?q=so hoa").get_data(as_text=True)
    assert "<script>alert" not in body
    assert "&lt;script&gt;" in body
    assert "<mark>số hóa</mark>" in body


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("a", "Hãy nhập ít nhất 2 ký tự để tìm."),
        ("x" * 10_000, "Từ khóa dài quá: hãy nhập tối đa 200 ký tự."),
        ("%%% ___ !!!", "Hãy nhập chữ hoặc số để tìm."),
        ("\x00\x01\x02", None),
    ],
)
def test_bad_queries_get_a_message_or_nothing(client, login_as, typed, message):
    plan = factories.make_plan()
    factories.make_task(plan, "1.1", content="Số hóa hồ sơ 100% bản_gốc")
    login_as("admin", office=None)
    for url in ("/search", f"/plans/{plan.id}", "/initiatives/", "/decisions/", "/admin/users"):
        response = client.get(url, query_string={"q": typed})
        assert response.status_code == 200, url
        text = visible_text(response)
        if message:
            assert message in text, url
            assert "Số hóa hồ sơ 100%" not in text, url  # a refused query finds nothing


def test_wildcards_are_taken_literally(client, login_as):
    plan = factories.make_plan()
    factories.make_task(plan, "1.1", content="Đạt 100% hồ sơ")
    factories.make_task(plan, "1.2", content="Một nhiệm vụ khác")
    login_as("secretariat", office="VHXH")
    text = visible_text(client.get(f"/plans/{plan.id}", query_string={"q": "_%"}))
    assert "Hãy nhập chữ hoặc số để tìm." in text
    assert "Một nhiệm vụ khác" not in text


def test_global_search_runs_the_same_statements_whatever_the_data(client, login_as):
    plan = factories.make_plan()
    login_as("admin", office=None)

    def statements() -> int:
        count = 0

        def counter(*_args):
            nonlocal count
            count += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            client.get("/search?q=hồ sơ")
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        return count

    factories.make_task(plan, "1.1", content="Hồ sơ một")
    few = statements()
    for n in range(2, 30):
        factories.make_task(plan, f"1.{n}", content=f"Hồ sơ số {n}", lead="KT" if n % 2 else "VP")
    assert statements() <= few + 2  # the count of a group with more than a page


def test_global_search_counts_each_kind_up_to_a_hundred(commune):
    from cchc_web.search import services
    from cchc_web.text import search_terms

    plan = factories.make_plan()
    for n in range(1, 8):
        factories.make_task(plan, f"1.{n}", content=f"Rà soát quy chế số {n}")
    for n in range(1, services.COUNT_UP_TO + 3):
        factories.make_task(plan, f"2.{n}", content=f"Niêm yết công khai số {n}")
    admin = factories.make_user(username="quantri", roles=("admin",))

    (few,) = services.search_everything(admin, search_terms("ra soat quy che"))
    assert (few.total, few.more_than, len(few.items)) == (7, False, services.PER_KIND)
    # The best first: the newest of equal rank.
    assert [t.code for t in few.items] == ["1.7", "1.6", "1.5", "1.4", "1.3"]
    (many,) = services.search_everything(admin, search_terms("niem yet cong khai"))
    assert many.more_than and many.total == services.COUNT_UP_TO + 1
    assert len(many.items) == services.PER_KIND


def test_nfd_typed_into_a_form_is_stored_nfc(client, login_as):
    login_as("admin", office=None)
    user = factories.make_user(username="nfd.user", full_name="Tên cũ", office="VP")
    typed = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "username": "nfd.user",
            "full_name": typed,
            "position_title": unicodedata.normalize("NFD", "Chuyên viên"),
            "office_id": str(office("VP").id),
            "roles": "staff",
            "active": "y",
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.full_name == "Nguyễn Thị Hoà" == unicodedata.normalize("NFC", typed)
    assert stored.position_title == "Chuyên viên"
    text = results_text(client.get("/admin/users", query_string={"q": typed}))
    assert "Nguyễn Thị Hoà" in text
