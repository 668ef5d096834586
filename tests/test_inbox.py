"""The inbox on `/` (issue 18): what waits for the signed-in person, most urgent first, each
line a link to the page where it is done; counts in the menu; a constant statement count; and
on the demo, every demo account has real work that links to a page where it can be done."""

from __future__ import annotations

from datetime import date, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from sqlalchemy import select

from cchc_web.core import inbox
from cchc_web.core.cache import fragments
from cchc_web.core.demo import DEMO_PASSWORD
from cchc_web.core.extensions import db
from cchc_web.core.timeutil import LOCAL_TZ
from cchc_web.models import User
from cchc_web.models.reports import Report, ReportComment, ReportKind, ReportStatus
from cchc_web.reports import periods

from .decisions_support import pki  # noqa: F401
from .factories import make_decision, make_initiative, make_plan, make_round, make_user, office
from .test_contributions import statements
from .test_demo_story import build_demo

TODAY = date(2025, 12, 5)


class InboxLinks(HTMLParser):
    """The links of the inbox's lines (their titles)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "a" and attrs.get("class") == "inbox-title":
            self.links.append(attrs["href"])


def links_of(html: str) -> list[str]:
    parser = InboxLinks()
    parser.feed(html)
    return parser.links


def returned_report(plan_office: str = "VP", reason: str = "Bổ sung số liệu mục 2") -> Report:
    period = periods.month_period(2025, 11)
    report = Report(
        office=office(plan_office),
        kind=ReportKind.MONTH,
        period_start=period.start,
        period_end=period.end,
        deadline=period.deadline,
        status=ReportStatus.RETURNED,
        submitted_at=datetime(2025, 11, 18, 3, 0),
    )
    report.comments.append(ReportComment(action="return", body=reason))
    db.session.add(report)
    db.session.commit()
    return report


# -- services ----------------------------------------------------------------------------------
def test_an_office_sees_its_returned_report_with_the_reason_and_the_report_to_write(
    commune, set_today
):
    set_today(TODAY)
    make_plan(period_start=date(2025, 7, 1), period_end=date(2025, 12, 31))
    report = returned_report()
    head = make_user(roles=("head",), office="VP")
    staff = make_user(roles=("staff",), office="VP")
    other = make_user(roles=("head",), office="KT")

    items = inbox.collect(head, TODAY)
    titles = [i.title for i in items]
    assert titles[0] == "Sửa và nộp lại báo cáo tháng 11/2025 (bị trả lại)"
    assert items[0].detail == "Lý do trả lại: Bổ sung số liệu mục 2"
    assert items[0].endpoint == "reports.show" and items[0].args == {"report_id": report.id}
    assert items[0].due_text(TODAY) == "Quá hạn 15 ngày (hạn 20/11/2025)"
    assert "Lập và nộp báo cáo tháng 12/2025" in titles
    assert "Lập và nộp báo cáo năm 2025" in titles
    # The staff member writes; the head submits: the wording says who does what.
    staff_titles = [i.title for i in inbox.collect(staff, TODAY)]
    assert "Lập báo cáo tháng 12/2025" in staff_titles
    # Another office sees nothing of it: its own reports to write only (November's is late).
    other_items = inbox.collect(other, TODAY)
    assert all(i.endpoint == "reports.office_reports" for i in other_items)
    assert other_items[0].title == "Lập và nộp báo cáo tháng 11/2025"
    assert other_items[0].tone(TODAY) == "error"


def test_most_urgent_first_and_undated_last(commune, set_today):
    set_today(TODAY)
    make_plan(period_start=date(2025, 7, 1), period_end=date(2025, 12, 31))
    returned_report("KT")
    submitted = returned_report("VP")
    submitted.status = ReportStatus.SUBMITTED
    db.session.commit()
    secretariat = make_user(roles=("secretariat", "head"), office="VHXH")
    items = inbox.collect(secretariat, TODAY)
    dues = [i.due for i in items if i.due is not None]
    assert dues == sorted(dues)
    assert items[-1].due is None and items[-1].title.startswith("Tiếp nhận hoặc trả lại")


def test_decisions_to_sign_for_the_leaders_and_initiatives_for_the_office(commune, set_today):
    set_today(TODAY)
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    decision = make_decision(secretariat)
    chairman = make_user(roles=("chairman",), office=None)
    staff = make_user(roles=("staff",), office="KT")
    rnd = make_round(2025, deadline=date(2025, 12, 17))
    initiative = make_initiative(rnd, "KT")
    signing = inbox.collect(chairman, TODAY)
    assert [i.endpoint for i in signing] == ["decisions.show"]
    assert signing[0].args == {"decision_id": decision.id}
    office_items = [i for i in inbox.collect(staff, TODAY) if i.kind == "initiative"]
    assert office_items and office_items[0].args == {"initiative_id": initiative.id}
    assert office_items[0].due == date(2025, 12, 17)
    assert office_items[0].due_text(TODAY) == "Hạn 17/12/2025 (còn 12 ngày)"


def test_inbox_statement_count_does_not_grow_with_the_data(commune, set_today):
    set_today(TODAY)
    make_plan(period_start=date(2025, 7, 1), period_end=date(2025, 12, 31))
    secretariat = make_user(roles=("secretariat", "head"), office="VHXH")
    rnd = make_round(2025, deadline=date(2025, 12, 17))

    def count() -> int:
        db.session.expire_all()
        with statements() as seen:
            inbox.collect(secretariat, TODAY)
        return len(seen)

    returned_report("VHXH")
    make_initiative(rnd, "VHXH")
    before = count()
    for code in ("KT", "HCC", "CA"):
        returned_report(code).status = ReportStatus.SUBMITTED
        make_initiative(rnd, "VHXH", title=f"Sáng kiến thử của {code}")
    db.session.commit()
    assert count() == before


# -- routes ------------------------------------------------------------------------------------
def test_home_lists_the_work_with_links_and_counts_in_the_menu(
    client, login_as, commune, set_today
):
    set_today(TODAY)
    make_plan(period_start=date(2025, 7, 1), period_end=date(2025, 12, 31))
    report = returned_report()
    fragments.clear()
    login_as("head", office="VP")
    page = client.get("/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"/reports/{report.id}" in links_of(html)[0]
    assert "Lý do trả lại: Bổ sung số liệu mục 2" in html
    assert 'class="nav-count"' in html  # the menu counts what waits
    assert "Quá hạn 15 ngày" in html


def test_home_without_work_says_so(client, login_as, commune):
    login_as("staff", office=None)
    html = client.get("/").get_data(as_text=True)
    assert "Không có việc cần làm" in html
    assert not links_of(html)


# -- the demo: every demo account has real work, one click away ---------------------------------
# What a page where something is done shows: a form that saves, a scoring or update link, the
# administrator's edit links.
ACTION_MARKS = ('method="post"', "/score", "/update", "/edit", "hx-post")


@pytest.mark.usefixtures("pki")
@pytest.mark.parametrize("day", [None, date(2027, 2, 3)], ids=["today", "early-in-a-month"])
def test_every_demo_account_has_real_work_linking_to_where_it_is_done(app, day):
    moment = (
        datetime.combine(day, datetime.min.time().replace(hour=10), LOCAL_TZ)
        if day
        else datetime.now(LOCAL_TZ)
    )
    with time_machine.travel(moment, tick=True):
        build_demo()
        fragments.clear()
        usernames = db.session.scalars(select(User.username).order_by(User.id)).all()
        assert len(usernames) >= 17
        for username in usernames:
            client = app.test_client()
            response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code in (302, 303), username
            links = links_of(client.get("/").get_data(as_text=True))
            assert links, f"{username}: nothing in the inbox"
            for link in links:
                target = client.get(link)
                assert target.status_code == 200, (username, link, target.status_code)
                html = target.get_data(as_text=True)
                main = html[html.index("<main") : html.index("</main>")]  # not the header's forms
                assert any(mark in main for mark in ACTION_MARKS), (username, link)


def test_many_initiatives_to_accept_become_one_line_to_the_list(commune, set_today):
    set_today(TODAY)
    rnd = make_round(2025, deadline=date(2025, 12, 17))
    secretariat = make_user(roles=("secretariat",), office="VHXH")
    for n in range(inbox.LISTED):
        make_initiative(rnd, "KT", title=f"Sáng kiến {n}", state="submitted")
    few = [i for i in inbox.collect(secretariat, TODAY) if i.kind == "initiative"]
    assert len(few) == inbox.LISTED and all(i.endpoint == "initiatives.detail" for i in few)
    make_initiative(rnd, "HCC", title="Sáng kiến thêm", state="submitted")
    [many] = [i for i in inbox.collect(secretariat, TODAY) if i.kind == "initiative"]
    assert many.title == f"Tiếp nhận hoặc trả lại {inbox.LISTED + 1} sáng kiến các đơn vị đã gửi"
    assert many.endpoint == "initiatives.index"
    assert many.args == {"state": "submitted", "year": 2025}


def test_council_members_see_what_is_left_to_score_and_the_chair_the_quorum(commune, set_today):
    from cchc_web.council import services as council_services

    from .factories import make_council, score_as

    set_today(TODAY)
    rnd = make_round(2025, deadline=date(2025, 12, 17), decision_deadline=date(2025, 12, 30))
    chair = make_user(roles=("council_member",), office="VP")
    member = make_user(roles=("council_member",), office="KT")
    third = make_user(roles=("council_member",), office="HCC")
    secretary = make_user(roles=("council_member",), office="VHTT")
    kt = make_initiative(rnd, "KT", title="Của Phòng Kinh tế", state="accepted")
    ca = make_initiative(rnd, "CA", title="Của Công an", state="accepted")
    council = make_council(
        rnd, [(chair, "chair"), (secretary, "secretary"), (member, "member"), (third, "member")]
    )
    score_as(council, secretary, kt, 20, 30, 20)
    score_as(council, secretary, ca, 20, 30, 20)
    score_as(council, member, ca, 20, 30, 20)  # KT's member does not score KT's initiative
    score_as(council, chair, ca, 20, 30, 20)

    def council_items(user):
        return [i for i in inbox.collect(user, TODAY) if i.kind == "council"]

    assert council_items(member) == []  # done: the only one it may score is scored
    [third_line] = council_items(third)
    assert third_line.title == f"Chấm 2/2 sáng kiến ({rnd.title})"
    # It opens the first sheet left to score (issue 20: the sheet is where the work is done).
    assert third_line.endpoint == "council.score"
    assert third_line.args == {"council_id": council.id, "initiative_id": kt.id}
    chair_lines = {i.key.split(":")[0]: i for i in council_items(chair)}
    assert chair_lines["council-score"].title.startswith("Chấm 1/2 sáng kiến")
    quorum = chair_lines["council-quorum"]
    done = len(council_services.members_done(council))
    assert done == 2  # the secretary and the KT member
    assert quorum.detail.startswith(f"{done}/4 thành viên đã chấm xong")
    assert quorum.title == "Hội đồng chờ đủ túc số để kết thúc chấm điểm"
    score_as(council, chair, kt, 20, 30, 20)
    fragments.clear()
    quorum = {i.key.split(":")[0]: i for i in council_items(chair)}["council-quorum"]
    assert quorum.title == "Kết thúc chấm điểm: Hội đồng đã đủ túc số"  # 3 of 4 ≥ 2/3
