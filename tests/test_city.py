"""The city level's read-only views and its PAR Index appraisal (issue 20, item 3).

A city (Thành phố Hải Phòng) with two communes (Xã Chí Minh, Phường Gia Viên), and another
city's commune that must never appear: the dashboard's aggregates, the pages, the refusals
(commune users get 404 on /city/…, city users change nothing of a commune's), the
appraisal's validation; on PostgreSQL with row-level security, a city session reads its
communes through the `city_reads` policy and never another city's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from cchc_web.admin.services import ensure_commune
from cchc_web.city import services
from cchc_web.core import tenancy
from cchc_web.core.extensions import db
from cchc_web.models import (
    AuditLog,
    CityAppraisal,
    Commune,
    Office,
    Plan,
    SelfScore,
    TaskUpdate,
    User,
)
from cchc_web.models.reports import Report, ReportKind, ReportStatus

from . import factories
from .test_access_matrix import demo_world  # noqa: F401 - the fixture
from .test_tenancy import app_role  # noqa: F401 - the fixture

TODAY = date(2025, 12, 5)


@dataclass
class CityWorld:
    city: int
    chiminh: int
    giavien: int
    foreign: int
    other_city: int
    snv: int  # tp.snv.canbo: staff + secretariat of Sở Nội vụ
    chairman: int  # the city's chairman (no secretariat role)
    gv_item: int  # a scored leaf of Phường Gia Viên (max 2,5, self-score 2)
    foreign_item: int


def _commune(name: str, parent: int | None, kind: str | None = None) -> int:
    found = Commune(name=name, province="Thành phố Hải Phòng", parent_id=parent)
    if kind:
        found.kind = kind
    db.session.add(found)
    db.session.flush()
    return found.id


def _done(task, office_code: str, status="done", progress=100, **late):
    db.session.add(
        TaskUpdate(
            task=task,
            office=factories.office(office_code),
            kind="progress",
            status=status,
            progress=progress,
            **late,
        )
    )


def _report(code: str, month: int, submitted_at: datetime | None, status=ReportStatus.SUBMITTED):
    from cchc_web.reports import periods

    period = periods.month_period(2025, month)
    db.session.add(
        Report(
            office=factories.office(code),
            kind=ReportKind.MONTH,
            period_start=period.start,
            period_end=period.end,
            deadline=period.deadline,
            status=status,
            submitted_at=submitted_at,
        )
    )


def _fill(tasks_done: int, tasks_open: int, late: bool, scores: dict[str, str]) -> int:
    """In the acting commune: a plan with tasks, reports and a scored PAR set; the id of the
    set's leaf 1.1.1."""
    plan = factories.make_plan(period_start=date(2025, 7, 1), period_end=date(2025, 12, 31))
    for n in range(tasks_done):
        _done(factories.make_task(plan, code=f"1.{n + 1}", lead="VP"), "VP")
    for n in range(tasks_open):
        task = factories.make_task(plan, code=f"2.{n + 1}", lead="KT", field="the_che")
        if late and n == 0:
            _done(
                task,
                "KT",
                status="late",
                progress=40,
                cause_type="objective",
                cause="Chờ hướng dẫn",
                catchup_action="Làm bù",
                catchup_deadline=date(2025, 11, 30),
                catchup_responsible="Trưởng phòng",
            )
    index_set = factories.make_par_set(2025)
    for code, value in scores.items():
        db.session.add(SelfScore(item=factories.par_item(index_set, code), score=Decimal(value)))
    db.session.commit()
    return factories.par_item(index_set, "1.1.1").id


@pytest.fixture
def city_world(commune, set_today) -> CityWorld:
    set_today(TODAY)
    city = _commune("Thành phố Hải Phòng", None)
    other_city = _commune("Thành phố Hà Nội", None)
    commune.parent_id = city
    giavien = _commune("Phường Gia Viên", city)
    foreign = _commune("Xã Ngoại Thành", other_city)
    db.session.commit()
    # Xã Chí Minh: 2 of 3 tasks done, one late past its catch-up deadline; VP's November
    # report on time, KT's late, HCC's a draft.
    with tenancy.acting_for(db.session(), commune.id):
        _fill(2, 1, True, {"1.1.1": "2.5", "1.1.2": "3", "1.2": "4"})
        _report("VP", 11, datetime(2025, 11, 18, 3, 0, tzinfo=UTC))
        _report("KT", 11, datetime(2025, 11, 20, 3, 0, tzinfo=UTC))  # 10:00 on the 20th
        _report("HCC", 11, None, status=ReportStatus.DRAFT)
        db.session.commit()
    with tenancy.acting_for(db.session(), giavien):
        ensure_commune("Phường Gia Viên", "Thành phố Hải Phòng")
        gv_item = _fill(1, 3, False, {"1.1.1": "2", "2.1": "5"})
    with tenancy.acting_for(db.session(), foreign):
        ensure_commune("Xã Ngoại Thành", "Thành phố Hà Nội")
        foreign_item = _fill(5, 0, False, {"1.1.1": "1"})
    with tenancy.acting_for(db.session(), city):
        db.session.add(Office(code="SNV", name="Sở Nội vụ", is_specialised=True))
        db.session.flush()
        snv = factories.make_user(roles=("staff", "secretariat"), office="SNV", username="tp.x")
        chairman = factories.make_user(roles=("chairman",), office=None, username="tp.ct")
        db.session.commit()
        ids = snv.id, chairman.id
    chiminh = commune.id
    db.session.expunge_all()
    return CityWorld(city, chiminh, giavien, foreign, other_city, *ids, gv_item, foreign_item)


def _sign_in(client, user_id: int) -> None:
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True


# -- the aggregates -----------------------------------------------------------------------------
def test_the_dashboard_figures_are_the_citys_communes_only(city_world):
    w = city_world
    with tenancy.acting_for(db.session(), w.city):
        lines = {line.commune.id: line for line in services.dashboard(w.city, TODAY, 2025)}
    assert set(lines) == {w.chiminh, w.giavien}  # never the other city's commune
    cm, gv = lines[w.chiminh], lines[w.giavien]
    assert (cm.tasks, cm.done, cm.late, cm.overdue) == (3, 2, 1, 1)
    assert round(cm.done_percent, 1) == 66.7
    assert (gv.tasks, gv.done, gv.overdue) == (4, 1, 0)
    # Reports: due Jul–Nov (the plan's months) for every active office of each commune.
    offices = db.session.scalar(
        select(func.count()).select_from(Office).where(Office.commune_id == w.chiminh)
    )
    assert cm.reports_due == offices * 5
    assert (cm.reports_on_time, cm.reports_late) == (1, 1)  # the draft is not counted
    assert gv.reports_on_time == 0 and gv.reports_due > 0
    # PAR Index: self-assessed leaves 1.1.1, 1.1.2, 1.2, 2.1 (max 2,5 + 3,5 + 4 + 5).
    assert cm.par_max == Decimal("15") and cm.par_self == Decimal("9.5")
    assert (cm.par_leaves, cm.par_scored, cm.par_appraised) == (4, 3, 0)
    assert gv.par_self == Decimal("7") and gv.par_city == Decimal("7")


def test_one_statement_per_metric_whatever_the_number_of_communes(city_world):
    from .factories import statements

    w = city_world
    with tenancy.acting_for(db.session(), w.city):
        db.session.expire_all()
        with statements() as few:
            services.figures(w.city, TODAY, 2025)
        for n in range(5):
            _commune(f"Xã Thêm {n}", w.city)
        db.session.commit()
        db.session.expire_all()
        with statements() as many:
            found = services.figures(w.city, TODAY, 2025)
        lines = services.dashboard(w.city, TODAY, 2025)
    assert len(lines) == 7 and set(found) == {w.chiminh, w.giavien}

    def queries(seen) -> int:  # not the row-level security key a new transaction sets
        return sum("set_config" not in statement for statement in seen)

    assert queries(many) == queries(few) <= 8


def test_sorting_and_filtering_the_lines(city_world):
    w = city_world
    with tenancy.acting_for(db.session(), w.city):
        lines = services.dashboard(w.city, TODAY, 2025)
    done = services.sorted_lines(lines, *services.sort_key("-done"))
    assert [line.commune.id for line in done] == [w.chiminh, w.giavien]
    assert [line.commune.id for line in services.sorted_lines(lines, "done", False)] == [
        w.giavien,
        w.chiminh,
    ]
    assert services.sort_key("nonsense") == ("name", False)
    assert [line.commune.id for line in services.filtered(lines, "phuong", "")] == [w.giavien]
    assert [line.commune.id for line in services.filtered(lines, "", "chi minh")] == [w.chiminh]


# -- the pages and their refusals ---------------------------------------------------------------
def test_commune_users_get_404_on_every_city_page(client, city_world):
    w = city_world
    with tenancy.acting_for(db.session(), w.chiminh):
        secretariat = factories.make_user(roles=("secretariat", "head"), office="VHXH").id
    _sign_in(client, secretariat)
    for url in (
        "/city/",
        "/city/communes",
        f"/city/communes/{w.chiminh}",
        f"/city/communes/{w.chiminh}/par",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/city/communes/{w.chiminh}/par/items/{w.gv_item}", data={"i1-decision": "accept"}
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CityAppraisal)) == 0
    assert "Tổng quan thành phố" not in client.get("/").get_data(as_text=True)


def test_the_city_reads_its_communes_and_never_another_citys(client, city_world):
    w = city_world
    _sign_in(client, w.snv)
    page = client.get("/city/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Xã Chí Minh" in html and "Phường Gia Viên" in html
    assert "Xã Ngoại Thành" not in html
    assert 'aria-sort="ascending"' in html  # by name
    sorted_page = client.get("/city/?sort=-done").get_data(as_text=True)
    assert sorted_page.index("Xã Chí Minh") < sorted_page.index("Phường Gia Viên")
    assert client.get("/city/?kind=phuong").get_data(as_text=True).count("Xã Chí Minh") == 0
    assert "Phường Gia Viên" in client.get("/city/?q=gia+vien").get_data(as_text=True)
    one = client.get(f"/city/communes/{w.chiminh}").get_data(as_text=True)
    assert "Nộp muộn" in one and "Cải cách thể chế" in one
    for url in (
        f"/city/communes/{w.foreign}",
        f"/city/communes/{w.city}",
        f"/city/communes/{w.foreign}/par",
        "/city/communes/999999",
    ):
        assert client.get(url).status_code == 404, url
    par = client.get(f"/city/communes/{w.giavien}/par").get_data(as_text=True)
    assert "Thẩm định tiêu chí 1.1.1" in par
    menu = client.get("/").get_data(as_text=True)
    assert "Tổng quan thành phố" in menu and ">Kế hoạch<" not in menu


def test_a_city_user_on_a_communes_own_pages_is_sent_to_the_city_and_changes_nothing(
    client, city_world
):
    w = city_world
    _sign_in(client, w.snv)
    with tenancy.acting_for(db.session(), w.chiminh):
        plan = db.session.scalar(select(Plan.id))
    for url in ("/plans/", f"/plans/{plan}", "/reports/", "/dashboard/", "/par-index/"):
        response = client.get(url)
        assert response.status_code == 303 and response.location.endswith("/city/"), url
    follow = client.get("/plans/", follow_redirects=True).get_data(as_text=True)
    assert "công việc riêng của từng xã, phường" in follow
    before = db.session.scalar(select(func.count()).select_from(Plan))
    assert client.post(f"/plans/{plan}/close", data={}).status_code == 403
    assert client.post("/plans/new", data={"title": "Kế hoạch lạ"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Plan)) == before


# -- the appraisal ------------------------------------------------------------------------------
def _appraise(client, w: CityWorld, item: int, commune: int | None = None, htmx=False, **form):
    data = {f"i{item}-{k}": v for k, v in form.items()}
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(
        f"/city/communes/{commune or w.giavien}/par/items/{item}", data=data, headers=headers
    )


def test_the_appraisal_is_validated_and_stored_in_the_citys_tenant(client, city_world):
    w = city_world
    _sign_in(client, w.snv)

    def count() -> int:
        return db.session.scalar(select(func.count()).select_from(CityAppraisal))

    refused = _appraise(client, w, w.gv_item, decision="adjust", adjusted_score="1")
    assert refused.status_code == 200
    assert "Hãy nêu lý do điều chỉnh điểm." in refused.get_data(as_text=True)
    too_much = _appraise(client, w, w.gv_item, decision="adjust", adjusted_score="3", reason="x")
    assert "Điểm thẩm định phải từ 0 đến 2,5" in too_much.get_data(as_text=True)
    garbage = _appraise(client, w, w.gv_item, decision="adjust", adjusted_score="abc", reason="x")
    assert "Hãy nhập một số" in garbage.get_data(as_text=True)
    fine = _appraise(client, w, w.gv_item, decision="adjust", adjusted_score="1,125", reason="x")
    assert "tối đa 2 chữ số thập phân" in fine.get_data(as_text=True)
    empty = _appraise(client, w, w.gv_item, decision="adjust", reason="x")
    assert "Hãy nhập điểm thẩm định." in empty.get_data(as_text=True)
    assert count() == 0
    # A foreign city's item, or an item named under the wrong commune: not found.
    assert _appraise(client, w, w.foreign_item, decision="accept").status_code == 404
    assert _appraise(client, w, w.gv_item, commune=w.chiminh, decision="accept").status_code == 404
    assert count() == 0
    saved = _appraise(
        client, w, w.gv_item, decision="adjust", adjusted_score="1,5", reason="Thiếu minh chứng"
    )
    assert saved.status_code == 303 and saved.location.endswith(f"#item-{w.gv_item}")
    row = db.session.scalars(select(CityAppraisal)).one()
    assert (row.commune_id, row.subject_commune_id) == (w.city, w.giavien)
    assert (row.score, row.self_score_value, row.accepted) == (Decimal("1.5"), Decimal("2"), False)
    logged = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "city.par_appraisal.save")
    ).one()
    assert logged.commune_id == w.city and logged.after["reason"] == "Thiếu minh chứng"
    # htmx: the leaf and the totals (out of band) come back; the total drops by 0,5 again.
    partial = _appraise(client, w, w.gv_item, htmx=True, decision="accept")
    html = partial.get_data(as_text=True)
    assert partial.status_code == 200 and "<html" not in html
    assert 'id="par-totals"' in html and 'hx-swap-oob="true"' in html
    assert "Đã lưu điểm thẩm định tiêu chí 1.1.1" in html
    assert count() == 1
    with tenancy.acting_for(db.session(), w.city):
        gv = next(
            line for line in services.dashboard(w.city, TODAY, 2025) if line.commune.id == w.giavien
        )
    assert gv.par_city == Decimal("7") and gv.par_appraised == 1


def test_only_the_citys_secretariat_appraises(client, city_world):
    w = city_world
    _sign_in(client, w.chairman)
    assert client.get(f"/city/communes/{w.giavien}/par").status_code == 200
    assert _appraise(client, w, w.gv_item, decision="accept").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(CityAppraisal)) == 0


def test_the_inbox_of_the_citys_secretariat_names_each_commune_to_appraise(city_world):
    from cchc_web.core import inbox

    w = city_world
    with tenancy.acting_for(db.session(), w.city):
        user = db.session.get(User, w.snv)
        items = [i for i in inbox.collect(user, TODAY) if i.endpoint == "city.par"]
        chairman = db.session.get(User, w.chairman)
        assert not [i for i in inbox.collect(chairman, TODAY) if i.endpoint == "city.par"]
    titles = sorted(i.title for i in items)
    assert titles == [
        "Thẩm định chỉ số CCHC năm 2025 của Phường Gia Viên",
        "Thẩm định chỉ số CCHC năm 2025 của Xã Chí Minh",
    ]


# -- PostgreSQL: the `city_reads` policy ---------------------------------------------------------
def test_a_city_session_reads_its_communes_through_row_level_security(city_world, app_role):  # noqa: F811
    w = city_world
    session = db.session()
    with tenancy.acting_for(session, w.city):
        session.execute(text(f"SET LOCAL ROLE {app_role}"))
        plans = set(session.execute(text("SELECT commune_id FROM plans")).scalars())
        assert plans == {w.chiminh, w.giavien}  # the city's communes, never Hà Nội's
        lines = services.dashboard(w.city, TODAY, 2025)
        assert {line.commune.id for line in lines} == {w.chiminh, w.giavien}
        assert all(line.tasks for line in lines)
    session.rollback()
    with tenancy.acting_for(session, w.other_city):
        session.execute(text(f"SET LOCAL ROLE {app_role}"))
        plans = set(session.execute(text("SELECT commune_id FROM plans")).scalars())
        assert plans == {w.foreign}
    session.rollback()


# -- the access-control matrix as the city's users, against a commune's objects ----------------
CITY_ACTORS = ("tp.snv.lanhdao", "tp.snv.canbo", "tp.chutich", "tp.admin", "tp.khcn.lanhdao")


@pytest.mark.parametrize("username", CITY_ACTORS)
def test_a_city_user_changes_nothing_of_a_communes_objects(app, client, demo_world, username):  # noqa: F811
    """Every route of the matrix with a commune's ids (Xã Chí Minh's world), asked by a city
    account: a commune's object is not found (the city's tenant), a commune's own page sends
    the city user to the city's dashboard, an action is refused; nothing changes. The city's
    own pages read the commune (200); Sở Nội vụ's appraisal writes the city's own row only."""
    from .test_access_matrix import (
        ACCESS,
        _changes,
        _database_state,
        _session_version,
        _url,
        route_keys,
    )

    world = demo_world
    user_id = db.session.scalar(select(User.id).where(User.username == username))
    assert user_id is not None
    rules = route_keys(app)
    keys = sorted(
        (k for k in ACCESS if any(a.endswith("_id") for a in rules[k].arguments)),
        key=lambda key: not key.startswith("GET "),
    )
    assert len(keys) > 80
    mismatches = []
    for key in keys:
        method, rule = key.split(" ", 1)
        url = _url(rules[key], world)
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = str(user_id)
            session["_fresh"] = True
            session["_sv"] = _session_version(user_id)
        with db.engine.connect() as conn:
            before = _database_state(conn)
        response = client.get(url) if method == "GET" else client.post(url, data={})
        with db.engine.connect() as conn:
            changed = _changes(before, _database_state(conn))
        status = response.status_code
        city_page = rule.startswith("/city/")
        sent_to_city = status == 303 and response.location.endswith("/city/")
        own = city_page and method == "POST" and username.startswith("tp.snv.")
        if city_page and method == "GET":
            fine = status == 200 or (status == 404 and "evidence" in rule)
        elif city_page:
            fine = status in (200, 303) if own else status == 403
        else:
            fine = status in (403, 404) or (method == "GET" and sent_to_city)
        # The city's own appraisal (its tenant's row; "accept" is the form's default) is the
        # only write allowed, and only to the appraisal table and the audit log.
        if own and changed:
            changed = ", ".join(
                part
                for part in changed.split(", ")
                if not part.startswith(("audit_log", "data version", "city_par_appraisals"))
            )
        if not fine or changed or status >= 500:
            mismatches.append(
                f"{method} {url} as {username}: {status}"
                + (f" → {response.location}" if response.location else "")
                + (f", changed {changed}" if changed else "")
            )
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)
