"""Migration 0012_search on a database with rows of the revision before: each row gets the key
a later write would give it; down and up again. On its own SQLite file (test_app.py runs the
whole chain on PostgreSQL, where the trigram indexes are made)."""

from datetime import date, datetime

import flask_migrate
from sqlalchemy import create_engine, inspect, text

from cchc_web import create_app

BEFORE = "0015_file_store"


def test_migration_0012_fills_the_search_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "up"))
    engine = create_engine(url)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO users (id, username, full_name, position_title, password_hash,"
                " active, session_version, created_at) VALUES (1, 'hoa', 'Lê Thị Hoà',"
                " 'Công chức TTHC', 'x', true, 0, '2026-01-01')"
            ))  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO plans (id, title, theme, period_start, period_end, doc_number,"
                    " status, created_at) VALUES (1, 'KH', '', :s, :e, '', 'active', :n)"
                ),
                {"s": date(2026, 1, 1), "e": date(2026, 12, 31), "n": datetime(2026, 1, 2)},
            )
            conn.execute(text(
                "INSERT INTO tasks (id, plan_id, code, field, content, timing, sort_order)"
                " VALUES (1, 1, '3.1', 'tthc', 'Số hóa hồ sơ, kết quả giải quyết TTHC',"
                " 'ongoing', 1)"
            ))  # fmt: skip
        flask_migrate.upgrade()
        with engine.begin() as conn:
            assert conn.execute(text("SELECT search_key FROM users")).scalar() == (
                " le thi hoa hoa ~ cong chuc thu tuc hanh chinh "
            )
            assert conn.execute(text("SELECT search_key FROM tasks")).scalar() == (
                " 3 1 so hoa ho so ket qua giai quyet thu tuc hanh chinh"
                " ~ cai cach thu tuc hanh chinh "
            )
            assert conn.execute(text("SELECT search_key FROM decisions")).all() == []
        flask_migrate.downgrade(revision=BEFORE)
        assert "search_key" not in {c["name"] for c in inspect(engine).get_columns("tasks")}
        flask_migrate.upgrade()
        with engine.begin() as conn:
            assert "le thi hoa" in conn.execute(text("SELECT search_key FROM users")).scalar()
