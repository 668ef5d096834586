"""Tenancy (issue 20, items 1 and 5): every commune sees, and writes, only its own rows.

- The mechanism of core/tenancy.py on its own: reads, ORM updates and deletes are scoped to
  the session's commune, new rows get it, another commune's row is not written, and
  `Commune.current()` is the request's commune.
- The access-control matrix with two communes: the demo's world (test_access_matrix.py) is
  moved into another commune, and every route with an id, asked by a user of
  the first commune holding the same roles as the matrix's actor, answers 404 and changes
  nothing.
- On PostgreSQL, row-level security: for a role that is not a superuser (the application's),
  a deliberately unscoped textual query in a session acting for one commune returns no other
  commune's row, and an insert for another commune is refused by the database itself.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from werkzeug.routing import IntegerConverter

from cchc_web.admin.services import ensure_commune
from cchc_web.core import tenancy
from cchc_web.core.extensions import db
from cchc_web.models import AuditLog, Commune, Office, Plan, User

from . import factories
from .test_access_matrix import (
    ACCESS,
    ADMIN,
    COUNCIL,
    FORBIDDEN,
    HEAD,
    LEADER,
    NOTFOUND,
    OK,
    SECRETARIAT,
    STAFF,
    USERS,
    _changes,
    _database_state,
    _outcome,
    _session_version,
    _url,
    demo_world,  # noqa: F401 - the fixture
    route_keys,
)

POSTGRES = "postgresql"


def _second_commune() -> int:
    found = Commune(name="Phường Gia Viên", province="Thành phố Hải Phòng")
    db.session.add(found)
    db.session.flush()
    with tenancy.acting_for(db.session(), found.id):
        ensure_commune(found.name, found.province)
    db.session.commit()
    return found.id


def _fresh() -> None:
    """Forget every object loaded so far: a request starts with an empty session."""
    db.session.commit()
    db.session.expunge_all()


# -- the mechanism ------------------------------------------------------------------------------
def test_a_session_acting_for_a_commune_reads_only_its_rows(commune):
    other, first = _second_commune(), commune.id
    _fresh()
    everywhere = db.session.scalars(select(Office.commune_id)).all()
    assert set(everywhere) == {first, other}  # the CLI and the city see both
    for mine, theirs in ((first, other), (other, first)):
        with tenancy.acting_for(db.session(), mine):
            offices = db.session.scalars(select(Office)).all()
            assert offices and {o.commune_id for o in offices} == {mine}
            kt = factories.office("KT")
            assert kt.commune_id == mine  # the same code, each commune its own office
            foreign = db.session.scalar(
                select(Office.id).where(Office.commune_id == theirs).limit(1)
            )
            assert foreign is None
            # Joined entities are scoped too: no user of the other commune through a join.
            assert db.session.scalar(
                select(func.count()).select_from(User).join(Office, User.office_id == Office.id)
            ) == db.session.scalar(select(func.count()).select_from(User))
        _fresh()


def test_a_task_list_reaches_updates_only_through_its_scoped_tasks(commune):
    """The task rows' statement skips the updates' own criteria (`THROUGH_PARENT`): every
    update it shows is the newest of a listed task, and the tasks are scoped."""
    from cchc_web.models.plans import TaskUpdate
    from cchc_web.plans.queries import task_rows_query

    other, first = _second_commune(), commune.id
    mine = factories.make_task(factories.make_plan(), "1.1", lead="VP")
    db.session.add(TaskUpdate(task=mine, status="in_progress", progress=30))
    with tenancy.acting_for(db.session(), other):
        theirs = factories.make_task(factories.make_plan(), "1.1", lead="VP")
        db.session.add(TaskUpdate(task=theirs, status="in_progress", progress=90))
    db.session.commit()
    mine, theirs = mine.id, theirs.id
    _fresh()
    for acting, task, progress in ((first, mine, 30), (other, theirs, 90)):
        with tenancy.acting_for(db.session(), acting):
            rows = db.session.execute(task_rows_query(None)).all()
            assert [(r.id, r.progress) for r in rows] == [(task, progress)]
        _fresh()


def test_orm_updates_and_deletes_touch_only_the_acting_commune(commune):
    other, first = _second_commune(), commune.id
    _fresh()
    with tenancy.acting_for(db.session(), other):
        db.session.execute(update(Office).values(name="Đổi tên"))
        db.session.execute(delete(Office).where(Office.code == "QS"))
    db.session.commit()
    names = dict(
        db.session.execute(
            select(Office.commune_id, func.count())
            .where(Office.name == "Đổi tên")
            .group_by(Office.commune_id)
        ).all()
    )
    assert names == {other: 6}
    qs = db.session.scalars(select(Office.commune_id).where(Office.code == "QS")).all()
    assert qs == [first]


def test_new_rows_get_their_commune_and_a_foreign_row_is_not_written(commune):
    other, first = _second_commune(), commune.id
    _fresh()
    with tenancy.acting_for(db.session(), other):
        assert Commune.current().id == other
        user = factories.make_user(office="KT", username="gv.canbo")
        assert user.commune_id == other
        plan = factories.make_plan("Kế hoạch CCHC phường 2025")
        assert plan.commune_id == other
    # Out of any commune (the CLI): the parent's commune, else the first commune.
    their_vp = db.session.scalar(
        select(Office).where(Office.commune_id == other, Office.code == "VP")
    )
    staff = User(username="gv.vp", full_name="Cán bộ phường", office=their_vp, password_hash="x")
    city = User(username="so.noivu", full_name="Sở Nội vụ", commune_id=None, password_hash="x")
    db.session.add_all([staff, city])
    db.session.commit()
    assert staff.commune_id == other  # its office's commune
    assert city.commune_id is None  # a city-level user, on purpose
    assert Commune.current().id == first
    assert factories.make_plan().commune_id == first
    # A session acting for one commune does not write another's row.
    mine = db.session.scalar(select(Office).where(Office.commune_id == first).limit(1))
    with tenancy.acting_for(db.session(), other):
        mine.name = "Đổi tên từ phường khác"
        with pytest.raises(tenancy.ForeignCommune):
            db.session.flush()
    db.session.rollback()


def test_bulk_inserts_of_roots_get_the_acting_or_the_first_commune(commune):
    from sqlalchemy import insert

    other = _second_commune()
    rows = [
        {"code": f"T{n}", "name": f"Tổ {n}", "is_specialised": False, "sort_order": n}
        for n in range(3)
    ]
    db.session.execute(insert(Office), rows[:1])
    with tenancy.acting_for(db.session(), other):
        db.session.execute(insert(Office), rows[1:])
    db.session.commit()
    found = dict(db.session.execute(select(Office.code, Office.commune_id).where(
        Office.code.like("T%"))).all())  # fmt: skip
    assert found == {"T0": commune.id, "T1": other, "T2": other}


def test_the_audit_log_and_reads_in_a_request_follow_the_signed_in_user(client, commune):
    other = _second_commune()
    with tenancy.acting_for(db.session(), other):
        factories.make_plan("Kế hoạch CCHC phường 2025")
        user = factories.make_user(roles=("staff", "secretariat"), office="VHXH").id
    mine = factories.make_plan("Kế hoạch CCHC xã 2025").id
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user)
        sess["_fresh"] = True
    page = client.get("/plans/").get_data(as_text=True)
    assert "Kế hoạch CCHC phường 2025" in page
    assert "Kế hoạch CCHC xã 2025" not in page
    assert "PHƯỜNG GIA VIÊN" in page.upper()
    assert client.get(f"/plans/{mine}").status_code == 404
    assert client.post("/logout", data={}).status_code in (302, 303)
    _fresh()
    logged = db.session.scalars(select(AuditLog).where(AuditLog.actor_id == user)).all()
    assert logged and {a.commune_id for a in logged} == {other}


def test_lists_and_their_counts_show_only_the_users_commune(client, commune):
    """Lists have no id to ask for: their rows and their totals are scoped all the same
    (paginated lists count through a subquery)."""
    other = _second_commune()
    factories.make_user(office="KT", username="cm.rieng", full_name="Người Xã Riêng")
    factories.make_plan("Kế hoạch CCHC xã 2025")
    with tenancy.acting_for(db.session(), other):
        admin = factories.make_user(roles=("admin",), office=None, username="gv.quantri").id
        secretariat = factories.make_user(
            roles=("staff", "secretariat"), office="VHXH", username="gv.thuongtruc"
        ).id
        factories.make_plan("Kế hoạch CCHC phường 2025")
    theirs = db.session.scalar(
        select(func.count()).select_from(User).where(User.commune_id == other)
    )
    for user, url, present, absent in (
        (admin, "/admin/users", "gv.thuongtruc", "cm.rieng"),
        (admin, "/admin/offices", "Phòng Kinh tế", "Người Xã Riêng"),
        (secretariat, "/plans/", "Kế hoạch CCHC phường 2025", "Kế hoạch CCHC xã 2025"),
    ):
        with client.session_transaction() as sess:
            sess.clear()
            sess["_user_id"] = str(user)
            sess["_fresh"] = True
        page = client.get(url).get_data(as_text=True)
        assert present in page and absent not in page, url
    with client.session_transaction() as sess:
        sess["_user_id"] = str(admin)
    listed = client.get("/admin/users").get_data(as_text=True)
    everyone = db.session.scalar(select(func.count()).select_from(User))
    assert everyone > theirs
    assert f"{theirs} mục" in listed and f"{everyone} mục" not in listed  # the list's total


def test_another_communes_ids_and_names_in_a_form_are_refused(client, login_as, commune):
    """Bad input of issue 20: a user of one commune posting another commune's ids."""
    other = _second_commune()
    with tenancy.acting_for(db.session(), other):
        their_kt = factories.office("KT").id
        factories.make_user(office="KT", username="gv.trung")
    login_as("admin", office=None)
    users = db.session.scalar(select(func.count()).select_from(User))
    form = {
        "username": "moi.canbo",
        "full_name": "Cán bộ mới",
        "office_id": str(their_kt),
        "roles": ["staff"],
        "active": "y",
        "new_password": "Mật khẩu mới 2025 rất dài",
        "confirm": "Mật khẩu mới 2025 rất dài",
    }
    page = client.post("/admin/users/new", data=form)
    assert page.status_code == 200
    assert "Hãy chọn một đơn vị trong danh sách." in page.get_data(as_text=True)
    # A user name is the city's: taken in the other commune, it is taken here too.
    mine = factories.office("KT").id
    page = client.post(
        "/admin/users/new", data={**form, "office_id": str(mine), "username": "gv.trung"}
    )
    assert "Tên đăng nhập này đã có người dùng." in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == users


def test_every_commune_numbers_and_verifies_its_own_decisions(commune):
    """1/QĐ-UBND of 2025 exists once per commune; a verification link names the commune
    (but the first commune's, printed before the city had several)."""
    from datetime import UTC, date, datetime

    from cchc_web.decisions import services as decisions
    from cchc_web.decisions.pdf import verify_url
    from cchc_web.models import Decision, DecisionState

    other = _second_commune()
    found = {}
    for where in (commune.id, other):
        with tenancy.acting_for(db.session(), where):
            signer = factories.make_user(roles=("chairman",), office=None)
            decision = Decision(
                state=DecisionState.APPROVED,
                year=2025,
                number=1,
                issued_on=date(2025, 9, 17),
                pdf_sha256=f"{where:064d}",
                approved_by_id=signer.id,
                approved_at=datetime(2025, 9, 17, 3, tzinfo=UTC),
                summary="Về việc thành lập Hội đồng",
            )
            db.session.add(decision)
            db.session.commit()
            found[where] = decision.id
    assert decisions.find_issued(1, 2025).id == found[commune.id]  # an old QR code
    assert decisions.find_issued(1, 2025, commune=other).id == found[other]
    with tenancy.acting_for(db.session(), other):  # a signed-in user of the ward
        assert decisions.find_issued(1, 2025).id == found[other]
    links = {
        where: verify_url(
            "https://cchc.example", 1, 2025, "QĐ-UBND",
            decisions._commune_in_links(db.session.get(Decision, found[where])),
        )
        for where in found
    }  # fmt: skip
    assert links[commune.id] == "https://cchc.example/verify?number=1&year=2025"
    assert links[other] == f"https://cchc.example/verify?number=1&year=2025&commune={other}"


# -- the matrix with two communes -------------------------------------------------------------
def _has_id(rule) -> bool:
    return any(isinstance(c, IntegerConverter) for c in rule._converters.values())


# The matrix's actors, in the first commune: the same roles and offices as the demo accounts.
ACTOR_ACCOUNTS = {
    STAFF: (("staff",), "KT"),
    HEAD: (("head",), "QS"),
    SECRETARIAT: (("staff", "secretariat"), "VHXH"),
    COUNCIL: (("head", "council_member"), "KT"),
    LEADER: (("chairman",), "VP"),
    ADMIN: (("admin",), None),
}


@pytest.fixture
def two_communes(demo_world):  # noqa: F811
    """The demo's world of Xã Chí Minh belongs to another commune now (Xã Đường An, seed 004);
    Xã Chí Minh keeps its commune row, gets its default offices back and one account per actor
    of the matrix."""
    first = db.session.scalar(select(func.min(Commune.id)))
    other = Commune(name="Xã Đường An", province="Thành phố Hải Phòng")
    db.session.add(other)
    db.session.flush()
    mappers = db.Model.registry.mappers
    for table in sorted(
        {m.class_.__table__.name for m in mappers if issubclass(m.class_, tenancy.CommuneOwned)}
    ):
        db.session.execute(
            text(f"UPDATE {table} SET commune_id = :b WHERE commune_id = :a"),  # noqa: S608
            {"a": first, "b": other.id},
        )
    db.session.commit()
    db.session.expunge_all()
    actors = {}
    with tenancy.acting_for(db.session(), first):
        ensure_commune("Xã Chí Minh", "Thành phố Hải Phòng")
        for actor, (roles, office) in ACTOR_ACCOUNTS.items():
            actors[actor] = factories.make_user(
                roles=roles, office=office, username=f"a.{actor}"
            ).id
    db.session.commit()
    assert db.session.get(User, actors[STAFF]).commune_id == first
    return demo_world, actors


@pytest.mark.parametrize("actor", USERS)
def test_a_user_of_one_commune_gets_404_for_every_object_of_another(
    app, client, two_communes, actor
):
    world, actors = two_communes
    rules = route_keys(app)
    keys = sorted(
        (k for k in ACCESS if _has_id(rules[k])), key=lambda key: not key.startswith("GET ")
    )
    assert len(keys) > 80
    mismatches = []
    for key in keys:
        method, _rule = key.split(" ", 1)
        url = _url(rules[key], world)
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = str(actors[actor])
            session["_fresh"] = True
            session["_sv"] = _session_version(actors[actor])
        with db.engine.connect() as conn:
            before = _database_state(conn)
        response = client.get(url) if method == "GET" else client.post(url, data={})
        with db.engine.connect() as conn:
            changed = _changes(before, _database_state(conn))
        got = _outcome(response, method)
        # Who may use the route on their own commune's object gets 404 for another's; who may
        # not is refused either way (403 before the object is looked up, or 404).
        expected = (NOTFOUND,) if ACCESS[key][actor] == OK else (FORBIDDEN, NOTFOUND)
        if got not in expected or changed:
            mismatches.append(
                f"{method} {url} as {actor}: {response.status_code}"
                + (f" → {response.location}" if response.location else "")
                + (f", changed {changed}" if changed else "")
            )
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(mismatches)


# -- PostgreSQL: row-level security ------------------------------------------------------------
APP_ROLE = "cchc_app_test"


@pytest.fixture
def app_role():
    """A role like the application's in production: not a superuser, no BYPASSRLS (the suite
    itself connects as a superuser, which row-level security never restricts)."""
    if db.engine.dialect.name != POSTGRES:
        pytest.skip("row-level security is PostgreSQL's")
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
                "'cchc_app_test') THEN CREATE ROLE cchc_app_test NOLOGIN NOSUPERUSER "
                "NOBYPASSRLS; END IF; END $$"
            )
        )
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}"))
        conn.execute(
            text(f"GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
        )
        conn.execute(text(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}"))
    return APP_ROLE


def test_every_root_table_has_forced_row_level_security(app_role):
    mappers = db.Model.registry.mappers
    roots = {m.class_.__table__.name for m in mappers if issubclass(m.class_, tenancy.CommuneOwned)}
    rows = db.session.execute(
        text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
            "WHERE relname = ANY(:names) AND relkind = 'r'"
        ),
        {"names": sorted(roots)},
    ).all()
    assert {r.relname for r in rows} == roots
    assert all(r.relrowsecurity and r.relforcerowsecurity for r in rows)
    policies = db.session.scalars(
        text("SELECT tablename FROM pg_policies WHERE policyname = 'commune_isolation'")
    ).all()
    assert set(policies) == roots


def test_an_unscoped_query_returns_no_foreign_rows_under_row_level_security(commune, app_role):
    other, first = _second_commune(), commune.id
    with tenancy.acting_for(db.session(), other):
        factories.make_plan("Kế hoạch CCHC phường 2025")
    factories.make_plan("Kế hoạch CCHC xã 2025")
    _fresh()
    session = db.session()
    with tenancy.acting_for(session, first):
        # The suite's superuser is above the policies: the unscoped query sees both communes.
        assert len(session.execute(text("SELECT title FROM plans")).all()) == 2
        session.execute(text(f"SET LOCAL ROLE {app_role}"))
        # Textual SQL: no loader criteria, only the database's policies stand in the way.
        offices = session.execute(text("SELECT DISTINCT commune_id FROM offices")).all()
        plans = session.execute(text("SELECT title FROM plans")).scalars().all()
        users = session.execute(text("SELECT count(*) FROM users WHERE commune_id = :o"), {
            "o": other
        }).scalar()  # fmt: skip
        assert offices == [(first,)]
        assert plans == ["Kế hoạch CCHC xã 2025"]
        assert users == 0
        # A Core select of the table (no ORM entity, so no loader criteria either).
        core = session.execute(select(Plan.__table__.c.title)).scalars().all()
        assert core == ["Kế hoạch CCHC xã 2025"]
        # Writing for the other commune is refused by the policy's WITH CHECK.
        with pytest.raises(DBAPIError, match="row-level security"), session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO offices (commune_id, code, name, is_specialised, active, "
                    "sort_order) VALUES (:c, 'ZZ', 'Lạ', false, true, 9)"
                ),
                {"c": other},
            )
    session.rollback()
    # Without a commune (CLI, migrations, city level) the policy lets every row through; a new
    # transaction as the application role sees both communes' plans.
    session.execute(text(f"SET LOCAL ROLE {app_role}"))
    assert session.execute(text("SELECT count(*) FROM plans")).scalar() == 2
    session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 2


def test_the_tables_owner_is_held_by_the_policies_too(commune, app_role):
    """FORCE ROW LEVEL SECURITY: an application that connects as the role owning the tables
    (the one that ran the migrations) is still held by the policies."""
    other = _second_commune()
    with tenancy.acting_for(db.session(), other):
        factories.make_plan("Kế hoạch CCHC phường 2025")
    factories.make_plan("Kế hoạch CCHC xã 2025")
    first = commune.id
    _fresh()
    session = db.session()
    with tenancy.acting_for(session, first):
        session.execute(text(f"ALTER TABLE plans OWNER TO {app_role}"))  # rolled back below
        session.execute(text(f"SET LOCAL ROLE {app_role}"))
        titles = session.execute(text("SELECT title FROM plans")).scalars().all()
        assert titles == ["Kế hoạch CCHC xã 2025"]
    session.rollback()


def test_a_signed_in_request_sets_the_database_key_to_its_commune(app, client, commune):
    """PostgreSQL: the user loader's own statement sets `cchc.commune_id` for the request's
    transaction (the policies' key), with no statement of its own."""
    if db.engine.dialect.name != POSTGRES:
        pytest.skip("row-level security is PostgreSQL's")
    other = _second_commune()
    with tenancy.acting_for(db.session(), other):
        user = factories.make_user(office="KT", username="gv.khoa").id
    seen = []

    def read_key(response):
        key = "SELECT current_setting('cchc.commune_id', true)"
        seen.append(db.session.execute(text(key)).scalar())
        return response

    hooks = app.after_request_funcs.setdefault(None, [])
    hooks.append(read_key)
    try:
        assert client.get("/login").status_code == 200  # nobody signed in: no key
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user)
            sess["_fresh"] = True
        assert client.get("/").status_code == 200
    finally:
        hooks.remove(read_key)
    assert seen[0] in (None, "")
    assert seen[1] == str(other)
