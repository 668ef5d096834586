"""Migration 0010_reports_truth on a database with data of the revision before it: issued
plans become active, a coordinating office's old status update becomes a contribution (so
that only the lead's update sets the status), every objective value becomes the first entry
of its history; the new CHECKs hold; and it goes down and up again. Run on its own SQLite
file, whatever TEST_DATABASE_URL says, so the session's database is not touched."""

from datetime import date, datetime

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from cchc_web import create_app

BEFORE = "0007_read_performance"


def _rows(conn, sql):
    return [tuple(r) for r in conn.execute(text(sql))]


def test_migration_0010_moves_the_data_and_enforces_the_rules(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "up"))
    engine = create_engine(url)
    with app.app_context():
        flask_migrate.upgrade(revision=BEFORE)
        now, start, end = datetime(2025, 11, 1, 3), date(2025, 7, 1), date(2025, 12, 31)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO offices (id, code, name, is_specialised, active, sort_order) "
                "VALUES (1, 'VP', 'VP', true, true, 1), (2, 'KT', 'KT', true, true, 2)"
            ))  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO plans (id, title, theme, period_start, period_end, doc_number,"
                    " status, created_at) VALUES (1, 'KH', '', :s, :e, '', 'issued', :n),"
                    " (2, 'Dự thảo', '', :s, :e, '', 'draft', :n)"
                ),
                {"s": start, "e": end, "n": now},
            )
            conn.execute(text(
                "INSERT INTO tasks (id, plan_id, code, field, content, timing, sort_order) "
                "VALUES (1, 1, '6.1', 'tai_chinh_cong', 'Công khai ngân sách', 'ongoing', 1)"
            ))  # fmt: skip
            conn.execute(text(
                "INSERT INTO task_offices (task_id, office_id, role) "
                "VALUES (1, 2, 'lead'), (1, 1, 'coordinating')"
            ))  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO task_updates (id, task_id, office_id, created_at, status,"
                    " progress, result, cause, catchup_action, catchup_responsible) VALUES"
                    " (1, 1, 2, :n, 'in_progress', 50, 'KT 50%', '', '', ''),"
                    " (2, 1, 1, :n, 'not_started', 0, 'VP 0%', '', '', '')"
                ),
                {"n": now},
            )
            conn.execute(text(
                "INSERT INTO objectives (id, plan_id, code, indicator, comparison, target, unit,"
                " owner_office_id, sort_order) VALUES (1, 1, 'MT1', 'x', '>=', 95, '%', 1, 1)"
            ))  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO objective_values (id, objective_id, month, value, note,"
                    " entered_by_id, entered_at) VALUES (1, 1, :m, 97, 'ghi chú', NULL, :n)"
                ),
                {"m": date(2025, 10, 1), "n": now},
            )
        flask_migrate.upgrade()
        with engine.connect() as conn:
            assert _rows(conn, "SELECT id, status FROM plans ORDER BY id") == [
                (1, "active"), (2, "draft"),
            ]  # fmt: skip
            updates = "SELECT id, kind, status, progress FROM task_updates ORDER BY id"
            assert _rows(conn, updates) == [
                (1, "progress", "in_progress", 50), (2, "contribution", "not_started", 0),
            ]  # fmt: skip
            assert _rows(
                conn,
                "SELECT objective_value_id, value, note, reason, is_first "
                "FROM objective_value_revisions",
            ) == [(1, 97, "ghi chú", "", 1)]
        for bad in (
            "UPDATE plans SET status = 'issued' WHERE id = 1",
            "INSERT INTO task_updates (id, task_id, created_at, kind, result, cause,"
            " catchup_action, catchup_responsible) VALUES (9, 1, '2025-11-02', 'progress',"
            " '', '', '', '')",
            "INSERT INTO task_updates (id, task_id, created_at, kind, status, progress, result,"
            " cause, catchup_action, catchup_responsible) VALUES (9, 1, '2025-11-02', 'other',"
            " 'done', 100, '', '', '', '')",
            "INSERT INTO objective_value_revisions (id, objective_value_id, value, note, reason,"
            " is_first, entered_at) VALUES (9, 1, 1, '', '', false, '2025-11-02')",
        ):
            with pytest.raises(IntegrityError), engine.begin() as conn:
                conn.execute(text(bad))
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO task_updates (id, task_id, office_id, created_at, kind, result,"
                " cause, catchup_action, catchup_responsible) VALUES (3, 1, 1, '2025-11-02',"
                " 'contribution', 'VP đã phối hợp', '', '', '')"
            ))  # fmt: skip
        flask_migrate.downgrade(revision=BEFORE)
        with engine.connect() as conn:
            assert _rows(conn, "SELECT status FROM plans ORDER BY id") == [("issued",), ("draft",)]
            assert _rows(conn, "SELECT id FROM task_updates ORDER BY id") == [(1,), (2,)]
        flask_migrate.upgrade()
    engine.dispose()
