"""When the database fails (issue 15): Vietnamese 503 pages with Retry-After that never touch
the database again, the text of a failed form shown back, bounded waits on every connection."""

from __future__ import annotations

import contextlib
import importlib.util
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, select, text
from sqlalchemy import exc as sa_exc

from cchc_web import create_app
from cchc_web.core.config import engine_options
from cchc_web.core.extensions import db
from cchc_web.models import User
from cchc_web.web import faults

from .factories import import_demo_plan

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ("Internal Server Error", "Traceback", "Service Unavailable", "OperationalError")


def _dbapi_error(kind: str):
    """A DBAPI exception of the database under test, as its driver raises it."""
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        import psycopg

        if kind == "busy":
            return psycopg.errors.QueryCanceled("canceling statement due to statement timeout")
        return psycopg.OperationalError("connection to server at 127.0.0.1 failed: refused")
    if kind == "busy":
        return sqlite3.OperationalError("database is locked")
    return sqlite3.OperationalError("unable to open database file")


@contextlib.contextmanager
def database_fails(kind: str = "down"):
    """Every statement and every new connection fails, as when the server is stopped (or, for
    `busy`, as when every statement hits the statement timeout)."""
    engine = db.engine
    error = _dbapi_error(kind)

    def refuse_statement(conn, cursor, statement, parameters, context, executemany):
        raise sa_exc.OperationalError(statement, parameters, error)

    def refuse_connect(dialect, conn_rec, cargs, cparams):
        raise error

    event.listen(engine, "before_cursor_execute", refuse_statement)
    event.listen(engine, "do_connect", refuse_connect)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse_statement)
        event.remove(engine, "do_connect", refuse_connect)


def assert_vietnamese_503(response, words: str):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["X-CCHC-Saved"] == "0"
    assert words in response.text
    assert "chưa được lưu" in response.text
    assert '<html lang="vi">' in response.text
    for english in ENGLISH:
        assert english not in response.text


def test_signed_in_page_with_the_database_down_is_a_vietnamese_503(client, login_as):
    login_as("staff")
    with database_fails("down"):
        response = client.get("/")
    assert_vietnamese_503(response, "Tạm thời không truy cập được cơ sở dữ liệu")
    assert response.headers["X-CCHC-Error"] == "down"
    assert client.get("/").status_code == 200  # back at once when the database is


def test_anonymous_pages_and_the_login_post_also_answer_503(client, commune):
    with database_fails("down"):
        assert_vietnamese_503(
            client.post("/login", data={"username": "a", "password": "b"}),
            "Tạm thời không truy cập được cơ sở dữ liệu",
        )
        assert client.get("/verify?number=1&year=2025").status_code == 503


def test_a_plain_form_post_keeps_what_was_typed(client, login_as, commune):
    plan = import_demo_plan()
    task = next(t for t in plan.tasks if t.code == "2.1")
    url = f"/offices/vp/tasks/{task.id}/update"
    login_as("staff", office="VP")
    typed = "Đã rà soát 12 thủ tục <b>hành chính</b> & công khai trên cổng."
    with database_fails("down"):
        response = client.post(
            url, data={"status": "in_progress", "progress": "40", "result": typed, "based_on": ""}
        )
    assert_vietnamese_503(response, "Tạm thời không truy cập được cơ sở dữ liệu")
    page = response.text
    # Shown back (escaped) and ready to be sent again with the same fields and token.
    assert "Đã rà soát 12 thủ tục &lt;b&gt;hành chính&lt;/b&gt; &amp; công khai" in page
    assert f'action="{url}"' in page
    assert 'name="csrf_token"' in page and 'name="progress" value="40"' in page
    assert "Gửi lại" in page
    # Sending it again once the database is back saves it.
    resend = client.post(
        url, data={"status": "in_progress", "progress": "40", "result": typed, "based_on": ""}
    )
    assert resend.status_code == 303


def test_passwords_are_never_shown_back(client, login_as):
    login_as("staff")
    with database_fails("down"):
        response = client.post(
            "/account/password",
            data={
                "current_password": "Bí mật hiện tại",
                "new_password": "Một câu rất dài mới",
                "confirm": "Một câu rất dài mới",
            },
        )
    assert response.status_code == 503
    assert "Bí mật" not in response.text and "câu rất dài" not in response.text


def test_an_htmx_post_gets_headers_for_the_message_above_the_form(client, login_as):
    login_as("staff")
    with database_fails("busy"):
        response = client.post(
            "/initiatives/similar", data={"title": "Số hóa hồ sơ"}, headers={"HX-Request": "true"}
        )
    assert response.status_code == 503
    assert response.headers["X-CCHC-Error"] == "busy"
    assert response.headers["X-CCHC-Saved"] == "0"
    assert "Hệ thống đang bận" in response.text


def test_busy_database_is_a_hệ_thống_đang_bận_page(client, login_as):
    login_as("staff")
    with database_fails("busy"):
        response = client.get("/plans/")
    assert_vietnamese_503(response, "Hệ thống đang bận")


def test_a_rollback_that_fails_after_the_answer_stays_inside_the_app(client, login_as):
    """`make faults` found it: the server shut down mid-request; the 503 was made, then closing
    the session rolled back on the dead connection and that reached gunicorn (English 500)."""
    login_as("staff")

    def refuse_rollback(conn):
        conn.connection.dbapi_connection.close()  # the server has terminated it
        raise sa_exc.OperationalError("ROLLBACK", {}, _dbapi_error("down"))

    event.listen(db.engine, "rollback", refuse_rollback)
    try:
        response = client.get("/plans/")
    finally:
        event.remove(db.engine, "rollback", refuse_rollback)
    assert response.status_code == 200


def test_classify_database_errors():
    import psycopg

    def wrap(orig, cls=sa_exc.OperationalError):
        return cls("SELECT 1", {}, orig)

    assert faults.classify(wrap(psycopg.errors.QueryCanceled("statement timeout"))) == "busy"
    assert faults.classify(wrap(psycopg.errors.LockNotAvailable("lock timeout"))) == "busy"
    assert faults.classify(wrap(psycopg.errors.DeadlockDetected("deadlock"))) == "busy"
    assert faults.classify(wrap(psycopg.OperationalError("connection refused"))) == "down"
    assert faults.classify(wrap(sqlite3.OperationalError("database is locked"))) == "busy"
    assert faults.classify(wrap(sqlite3.OperationalError("disk I/O error"))) == "down"
    assert faults.classify(sa_exc.TimeoutError("QueuePool limit reached")) == "busy"
    assert (
        faults.classify(wrap(psycopg.errors.UndefinedTable("x"), sa_exc.ProgrammingError)) is None
    )
    assert faults.classify(ValueError("a bug")) is None


def _scratch_app(tmp_path, **overrides):
    app = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'scratch.db'}",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        **overrides,
    )
    with app.app_context():
        db.create_all()
    return app


def test_an_error_page_that_needs_the_database_falls_back_to_the_static_page(tmp_path):
    """The 500 handler used to render the layout, which loads the user: with the database
    gone that raised again and gunicorn answered in English."""
    app = _scratch_app(tmp_path)
    engine_down = threading.Event()

    @app.get("/boom")
    def boom():
        db.session.scalar(select(User).limit(1))
        engine_down.set()
        raise RuntimeError("a bug, and then the database goes")

    with app.app_context():

        @event.listens_for(db.engine, "before_cursor_execute")
        def refuse(conn, cursor, statement, parameters, context, executemany):
            if engine_down.is_set():
                raise sa_exc.OperationalError(statement, parameters, sqlite3.OperationalError("x"))

        user = User(username="u1", full_name="Người dùng", password_hash="x")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Lỗi hệ thống" in response.text
    for english in ENGLISH:
        assert english not in response.text


def test_an_error_after_a_commit_says_the_data_was_saved(tmp_path):
    app = _scratch_app(tmp_path)

    @app.post("/save-then-fail")
    def save_then_fail():
        db.session.add(User(username="moi", full_name="Người mới", password_hash="x"))
        db.session.commit()
        raise RuntimeError("the page after the save failed")

    with app.app_context():
        db.session.add(User(username="u2", full_name="Người dùng", password_hash="x"))
        db.session.commit()
        user_id = db.session.scalar(select(User.id).where(User.username == "u2"))
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user_id)
    app.config["WTF_CSRF_ENABLED"] = False
    response = client.post("/save-then-fail", data={"note": "x"})
    assert response.status_code == 500
    assert response.headers["X-CCHC-Saved"] == "1"
    assert "Dữ liệu đã được lưu" in response.text and "đừng gửi lại" in response.text


# -- bounded waits --------------------------------------------------------------------------
def test_engine_options_bound_every_wait():
    config = {
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DB_CONNECT_TIMEOUT": 5,
        "DB_STATEMENT_TIMEOUT_MS": 15000,
        "DB_LOCK_TIMEOUT_MS": 5000,
        "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": 60000,
        "DB_POOL_TIMEOUT": 10,
        "DB_POOL_SIZE": 10,
        "DB_MAX_OVERFLOW": 5,
        "DB_BUSY_TIMEOUT": 30,
    }
    pg = engine_options("postgresql+psycopg://u@h/db", config)
    assert pg["connect_args"]["connect_timeout"] == 5
    options = pg["connect_args"]["options"]
    assert "-c statement_timeout=15000" in options and "-c lock_timeout=5000" in options
    assert "-c idle_in_transaction_session_timeout=60000" in options
    assert pg["pool_timeout"] == 10 and pg["pool_pre_ping"] is True
    sqlite = engine_options("sqlite:///x.db", config)
    assert sqlite["connect_args"] == {"timeout": 30} and "pool_pre_ping" not in sqlite


def test_the_connections_really_carry_the_limits(app):
    if db.engine.dialect.name == "postgresql":
        show = {
            name: db.session.execute(text(f"SHOW {name}")).scalar()
            for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
        }
        assert show == {
            "statement_timeout": "15s",
            "lock_timeout": "5s",
            "idle_in_transaction_session_timeout": "1min",
        }
    else:
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def test_a_statement_over_the_timeout_is_a_busy_page(app, client, login_as):
    """PostgreSQL: a real statement_timeout cancels the query; the user gets 'đang bận'."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("statement_timeout is a PostgreSQL setting")
    fast = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        DB_STATEMENT_TIMEOUT_MS=200,
        DB_LOCK_TIMEOUT_MS=200,
    )
    with fast.app_context():
        with pytest.raises(sa_exc.OperationalError) as cancelled:
            db.session.execute(text("SELECT pg_sleep(2)"))
        assert faults.classify(cancelled.value) == "busy"
        db.session.rollback()
        db.engines[None].dispose()


def test_a_locked_table_fails_the_page_cleanly_within_the_lock_timeout(app, login_as):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("lock_timeout is a PostgreSQL setting")
    user = login_as("staff")
    fast = create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        UPLOAD_DIR=app.config["UPLOAD_DIR"],
        DB_LOCK_TIMEOUT_MS=300,
    )
    client = fast.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)
    db.session.rollback()  # the test's own session must not hold a lock on users
    holder = db.engine.connect()
    transaction = holder.begin()
    holder.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
    try:
        started = time.monotonic()
        response = client.get("/")
        elapsed = time.monotonic() - started
    finally:
        transaction.rollback()
        holder.close()
        with fast.app_context():
            db.engines[None].dispose()
    assert_vietnamese_503(response, "Hệ thống đang bận")
    assert elapsed < 3


def test_gunicorn_configuration_is_threaded_with_a_timeout_above_the_database():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    from cchc_web.core.config import Config

    assert conf.worker_class == "gthread" and conf.threads >= 4
    assert conf.timeout > (Config.DB_STATEMENT_TIMEOUT_MS / 1000) + Config.DB_CONNECT_TIMEOUT
    assert conf.accesslog == "-"
    assert conf.threads <= Config.DB_POOL_SIZE + Config.DB_MAX_OVERFLOW
    soak = (ROOT / "bench" / "soak.py").read_text()
    assert "gunicorn.conf.py" in soak
    assert "gunicorn.conf.py" in (ROOT / "README.md").read_text()
