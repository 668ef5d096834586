"""The city section of `make bench` (issue 20, item 6): its data set is what the application
itself would have stored, the application's role is held by row-level security while it is
measured, the city's aggregate queries count what a count in Python counts, and every commune
page the bench measures opens in communes of different sizes.

The data set's shape is checked on any database; the rest builds a three-commune city on
PostgreSQL (the bench's own code path, as the role the bench measures with)."""

from __future__ import annotations

import os
import random
import tempfile
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bench import city, city_dataset, city_queries
from cchc_web import create_app
from cchc_web.core import tenancy
from cchc_web.core.extensions import db
from cchc_web.models import Decision, Initiative, Report, Task, TaskUpdate, User
from cchc_web.models.par_index import IndexItem
from cchc_web.models.search import search_key

ON_POSTGRES = os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql")


def test_the_city_has_114_communes_of_different_sizes_and_reaches_the_issues_volumes():
    rng = random.Random(2026)
    names = city_dataset.commune_names(rng)
    factors = city_dataset.size_factors(names, rng)
    assert len(names) == 114 == len({city_dataset.code_from_name(n) for n, _ in names})
    assert Counter(kind for _, kind in names) == {"xa": 67, "phuong": 45, "dac_khu": 2}
    assert abs(sum(factors) / len(factors) - 1) < 1e-9
    assert max(factors) / min(factors) > 10  # small, medium and large communes
    per = city_dataset.PER_COMMUNE
    tasks = sum(3 * max(25, round(per["tasks_per_year"] * f)) for f in factors)
    initiatives = sum(3 * max(4, round(per["initiatives_per_year"] * f)) for f in factors)
    assert tasks >= city_dataset.TARGETS["tasks"]
    assert tasks * per["updates_per_task"] >= city_dataset.TARGETS["task_updates"]
    assert initiatives >= city_dataset.TARGETS["initiatives"]


@pytest.fixture(scope="module")
def city_set():
    """A city of three communes built by the bench's own code into a throwaway database."""
    if not ON_POSTGRES:
        pytest.skip("the city data set is loaded with PostgreSQL's COPY")
    server = make_url(os.environ["TEST_DATABASE_URL"]).set(drivername="postgresql", database=None)
    name = f"bench_city_test_{os.getpid()}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(city, "SERVER", server.render_as_string(hide_password=False))
        if not city.server_available():
            pytest.skip("the city bench needs a PostgreSQL superuser")
        meta = city.rebuild(name, communes=3)
        work = tempfile.mkdtemp(prefix="cchc-city-test-")
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=city.app_url(name), UPLOAD_DIR=work)
        try:
            yield app, meta, name
        finally:
            with app.app_context():
                db.engine.dispose()
            import psycopg

            with psycopg.connect(city._dsn("postgres"), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_the_application_runs_as_the_tables_owner_held_by_row_level_security(city_set):
    app, meta, _ = city_set
    first, second = (c["id"] for c in meta["communes"][:2])
    with app.app_context():
        session = db.session()
        role = session.execute(
            db.text(
                "SELECT rolsuper, rolbypassrls, current_user = "
                "(SELECT tableowner FROM pg_tables WHERE tablename = 'plans') "
                "FROM pg_roles WHERE rolname = current_user"
            )
        ).one()
        assert tuple(role) == (False, False, True)
        tenancy.enter(session, first)
        # A deliberately unscoped statement: row-level security alone keeps the others out.
        communes = session.execute(db.text("SELECT DISTINCT commune_id FROM plans")).scalars()
        assert set(communes) == {first}
        session.rollback()
        tenancy.enter(session, meta["city"]["id"])
        communes = session.execute(db.text("SELECT DISTINCT commune_id FROM plans")).scalars()
        assert {first, second} <= set(communes)
        session.rollback()
        tenancy.enter(session, None)


def test_bulk_rows_carry_the_search_keys_the_application_computes(city_set):
    app, _, _ = city_set
    with app.app_context():
        for model in (Task, Initiative, Report, User, Decision, IndexItem):
            rows = db.session.scalars(select(model).order_by(model.id).limit(40)).all()
            assert rows, model
            for row in rows:
                assert row.search_key == search_key(*row.search_parts()), (model, row.id)
        db.session.rollback()


def test_the_city_aggregates_count_what_python_counts(city_set):
    app, meta, _ = city_set
    city_id = meta["city"]["id"]
    today = date.today()
    measured = city_queries.measure(app, city_id, requests=1)
    # One row per commune (the nominations: per commune and year of the rounds that nominated).
    assert all(row["rows"] == 3 for n, row in measured.items() if n != "nominated_initiatives")
    assert 0 < measured["nominated_initiatives"]["rows"] <= 3 * 2
    with app.app_context():
        session = db.session()
        tenancy.enter(session, city_id)
        progress = {
            row.commune_id: (row.tasks, row.done, row.overdue)
            for row in session.execute(
                city_queries.plan_progress(city_id, today), execution_options=city_queries.ALL
            )
        }
        session.rollback()
        tenancy.enter(session, None)
        expected = {}
        for commune in meta["communes"]:
            tenancy.enter(session, commune["id"])
            tasks = session.scalars(select(Task).where(Task.plan.has(status="active"))).all()
            done = overdue = 0
            for task in tasks:
                newest = session.scalar(
                    select(TaskUpdate)
                    .where(TaskUpdate.task_id == task.id, TaskUpdate.kind == "progress")
                    .order_by(TaskUpdate.id.desc())
                    .limit(1)
                )
                done += newest is not None and newest.status == "done"
                overdue += (
                    newest is not None
                    and newest.status == "late"
                    and newest.catchup_deadline < today
                )
            expected[commune["id"]] = (len(tasks), done, overdue)
            session.rollback()
        tenancy.enter(session, None)
    assert progress == expected
    assert any(done for _, done, _ in expected.values())


def test_every_commune_page_the_bench_measures_opens_in_communes_of_every_size(city_set):
    app, meta, name = city_set
    results = city.time_commune_pages(app, meta, requests=1, warmup=1, database=name)
    for name, commune in results.items():
        assert set(commune["pages"]) == {page for page, *_ in city.PAGES}, name
        assert all(row["statements"] > 0 for row in commune["pages"].values())


def test_the_city_dashboard_is_measured_once_the_page_exists(city_set):
    app, meta, _ = city_set
    result = city.time_city_dashboard(app, meta, requests=2)
    if city.CITY_ENDPOINT not in app.view_functions:
        assert result == {"available": False}
    else:
        assert "error" not in result and result["p95_ms"] > 0
