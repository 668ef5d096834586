"""Migration 0011_sipas on a database with data of the revision before it: objectives and
their values survive the rebuilt objectives table, the new link column is empty (typed by
hand, as before), its CHECK and the answers' rules hold; down and up again. On its own SQLite
file, whatever TEST_DATABASE_URL says (test_app.py runs the whole chain on PostgreSQL)."""

from datetime import date, datetime

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from cchc_web import create_app

BEFORE = "0009_faults_abuse"


def test_migration_0011_keeps_objectives_and_enforces_the_survey_rules(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "up"))
    engine = create_engine(url)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO offices (id, code, name, is_specialised, active, sort_order) "
                "VALUES (1, 'HCC', 'Trung tâm', false, true, 1)"
            ))  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO plans (id, title, theme, period_start, period_end, doc_number,"
                    " status, created_at) VALUES (1, 'KH', '', :s, :e, '', 'active', :n)"
                ),
                {"s": date(2026, 1, 1), "e": date(2026, 12, 31), "n": datetime(2026, 1, 2)},
            )
            conn.execute(text(
                "INSERT INTO objectives (id, plan_id, code, indicator, comparison, target, unit,"
                " owner_office_id, sort_order) VALUES (1, 1, 'MT3', 'HL', '>=', 90, '%', 1, 1)"
            ))  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO objective_values (id, objective_id, month, value, note,"
                    " entered_at) VALUES (1, 1, :m, 88.5, '', :n)"
                ),
                {"m": date(2026, 3, 1), "n": datetime(2026, 4, 3)},
            )
        flask_migrate.upgrade()
        with engine.begin() as conn:
            assert conn.execute(text("SELECT code, survey_scope FROM objectives")).all() == [
                ("MT3", None)
            ]
            assert conn.execute(text("SELECT value FROM objective_values")).scalar() == 88.5
        for bad in (
            "UPDATE objectives SET survey_scope = 'sometimes'",
            "INSERT INTO sipas_versions (number, title, intro, scale_labels, status, created_at)"
            " VALUES (1, 'x', '', '[]', 'published', '2026-01-01')",  # in use without a date
        ):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text(bad))
        flask_migrate.downgrade(revision=BEFORE)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT code FROM objectives")).scalar() == "MT3"
            names = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master"))}
            assert not any(n.startswith("sipas_") for n in names)
        flask_migrate.upgrade()
    engine.dispose()
