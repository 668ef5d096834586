"""Migration 0016_tenancy on a populated database: the demo's first commune (every table filled
by the seeders of `flask seed-demo`) taken back to the single-commune schema before it and brought
forward again loses no row and no value, every root lands in the first commune, and the keys
that became per commune let a second commune reuse a code while still refusing a duplicate
within one. On the suite's kind of database (SQLite, or a database of its own beside
TEST_DATABASE_URL)."""

from __future__ import annotations

import flask_migrate
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from cchc_web import create_app
from cchc_web.core import demo
from cchc_web.core.extensions import db
from cchc_web.core.tenancy import CommuneOwned

from .test_migrations import blank_database  # noqa: F401 - the fixture

BEFORE = "0013_inbox_mail"
# Columns of later migrations (0017_city_level): gone with the downgrade.
LATER = {
    "communes": {"code", "kind", "parent_id"},
    "offices": {"represents_commune_id"},
    "initiatives": {"source_initiative_id", "title_vector"},
}
# Tables of later migrations (0018_city_appraisal, 0018_city_council: the city's appraisals,
# answers and seals, none in a database of one commune): gone with the downgrade too.
LATER_TABLES = {"city_par_appraisals", "city_results", "seal_certificates"}


def _rows(conn) -> dict[str, list[dict]]:
    """Every row of every table of the models, without the commune, in key order."""
    found = {}
    for table in db.metadata.sorted_tables:
        if table.name in LATER_TABLES:
            continue
        keys = ", ".join(c.name for c in table.primary_key.columns if c.name != "commune_id")
        rows = conn.execute(text(f"SELECT * FROM {table.name} ORDER BY {keys}"))  # noqa: S608
        found[table.name] = [
            {
                k: v
                for k, v in row._mapping.items()
                if k != "commune_id" and k not in LATER.get(table.name, ())
            }
            for row in rows
        ]
    return found


def _owned_tables() -> list[str]:
    mappers = db.Model.registry.mappers
    return sorted(m.class_.__table__.name for m in mappers if issubclass(m.class_, CommuneOwned))


def test_a_populated_database_moves_into_its_commune_without_loss(blank_database, tmp_path):  # noqa: F811
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=blank_database, UPLOAD_DIR=str(tmp_path / "up")
    )
    with app.app_context():
        flask_migrate.upgrade()
        # Xã Chí Minh's demo alone: a database of before the city had several communes.
        for seeder in demo.seeders():
            if "second_commune" not in seeder.name and "seed_city" not in seeder.name:
                seeder.run()
                db.session.commit()
        db.session.remove()
        with db.engine.connect() as conn:
            before = _rows(conn)
        assert all(
            before[t]
            for t in _owned_tables()
            if t != "signing_certificates" and t not in LATER_TABLES
        )

        flask_migrate.downgrade(revision=BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("offices")}
            assert "commune_id" not in columns
            assert _rows(conn) == before  # the single-commune schema holds every row
        flask_migrate.upgrade()

        with db.engine.connect() as conn:
            assert _rows(conn) == before
            first = conn.scalar(text("SELECT MIN(id) FROM communes"))
            assert conn.scalar(text("SELECT COUNT(*) FROM communes")) == 1
            for table in _owned_tables():
                communes = conn.execute(text(f"SELECT DISTINCT commune_id FROM {table}"))  # noqa: S608
                assert {c for (c,) in communes} <= {first}, table
            assert conn.scalar(text("SELECT COUNT(*) FROM decision_counters")) >= 1

        # Per commune: a second commune may have its own KT office and its own 2025 round...
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO communes (id, code, kind, name, province, settings, created_at) "
                    "VALUES (99, 'GIAVIEN', 'phuong', 'Phường Gia Viên', 'Thành phố Hải Phòng', "
                    "'{}', CURRENT_TIMESTAMP)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO offices (commune_id, code, name, is_specialised, active, "
                    "sort_order) VALUES (99, 'KT', 'Phòng Kinh tế', true, true, 1)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO decision_counters (commune_id, year, symbol, last_number) "
                    "SELECT 99, year, symbol, 0 FROM decision_counters"
                )
            )
        # ... but not a second KT office in its own commune, nor a commune-less office.
        for bad in (
            "INSERT INTO offices (commune_id, code, name, is_specialised, active, sort_order) "
            "VALUES (99, 'KT', 'Phòng Kinh tế 2', true, true, 2)",
            "INSERT INTO offices (code, name, is_specialised, active, sort_order) "
            "VALUES ('ZZ', 'Không xã', true, true, 3)",
        ):
            with pytest.raises(IntegrityError), db.engine.begin() as conn:
                conn.execute(text(bad))
    db.engine.dispose()


def test_rows_without_any_commune_get_one_to_rename(blank_database, tmp_path):  # noqa: F811
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=blank_database, UPLOAD_DIR=str(tmp_path / "up")
    )
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO offices (id, code, name, is_specialised, active, sort_order) "
                    "VALUES (1, 'HCC', 'Trung tâm', false, true, 1)"
                )
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            (commune_id, name) = conn.execute(text("SELECT id, name FROM communes")).one()
            assert name == "Xã chưa đặt tên"
            assert conn.scalar(text("SELECT commune_id FROM offices")) == commune_id
    db.engine.dispose()
