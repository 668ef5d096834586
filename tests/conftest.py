"""Shared fixtures: one app per test session whose schema comes from the migrations,
a clean database for every test, a CSRF-aware test client and `login_as`.

TEST_DATABASE_URL selects PostgreSQL (postgresql+psycopg://...); SQLite in a temporary file
otherwise. The whole suite runs unchanged on both. Under pytest-xdist (`make test`) each worker
process has its own database and instance folder (tests/__init__.py).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import threading
from pathlib import Path

import flask_migrate
import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from cchc_web import create_app
from cchc_web.admin.services import ensure_commune
from cchc_web.core.config import normalise_database_url
from cchc_web.core.extensions import db
from cchc_web.models import Commune

from . import SHARED_DATABASE_URL, WORKER, factories, snapshots

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class CSRFClient(FlaskClient):
    """A test client that adds a valid CSRF token to form posts unless told `csrf=False`."""

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            raw = sess.setdefault("csrf_token", secrets.token_hex(20))
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def open(self, *args, **kwargs):
        # Each request gets its own app context (its own `g` and database session), as in
        # production, even though the test itself runs inside one.
        with self.application.app_context():
            return super().open(*args, **kwargs)

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


def _reset_schema() -> None:
    """Drop everything so that the migrations build the schema from nothing."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        db.drop_all()
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@contextlib.contextmanager
def _worker_database():
    """Under pytest-xdist on PostgreSQL: this worker's own database (tests/__init__.py named
    it), created beside the one TEST_DATABASE_URL names and dropped at the end."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not (WORKER and url.startswith("postgres")):
        yield
        return
    name = make_url(url).database
    admin = create_engine(normalise_database_url(SHARED_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp_dir = tmp_path_factory.mktemp("cchc")
    with _worker_database():
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=_database_url(tmp_dir),
            UPLOAD_DIR=str(tmp_dir / "uploads"),
        )
        app.test_client_class = CSRFClient
        with app.app_context():
            _reset_schema()
            flask_migrate.upgrade()
        yield app
        with app.app_context():
            db.engine.dispose()


def _truncate_all() -> None:
    tables = [t for t in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in reversed(tables):
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture(autouse=True)
def _app_context(app):
    """Every test runs in an app context and leaves an empty database and upload dir behind."""
    from cchc_web.core.extensions import limiter

    limiter.reset()  # rate limits count per test, not across the session
    with app.app_context():
        yield
        db.session.rollback()
        _truncate_all()
        db.session.remove()
    shutil.rmtree(app.config["UPLOAD_DIR"], ignore_errors=True)
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)


@pytest.fixture
def commune() -> Commune:
    """Xã Chí Minh with the default offices of SPEC §1."""
    result = ensure_commune("Xã Chí Minh", "Thành phố Hải Phòng")
    db.session.commit()
    return result


_SNAPSHOTS = snapshots.Cache()


@pytest.fixture
def demo_data(app, tmp_path_factory) -> None:
    """The demo's data (`factories.build_demo`), built once per session, local day (its story
    is told relative to today) and signing key, then copied back for each test that asks for
    it: every such test starts from the demo as built, whatever the previous one changed."""
    from cchc_web.core.timeutil import local_today

    key = ("demo", local_today(), app.config.get("CCHC_SIGNING_P12"))
    _SNAPSHOTS.load(app, key, factories.build_demo, lambda: tmp_path_factory.mktemp("demo-uploads"))


@pytest.fixture
def set_today(monkeypatch):
    """Move the local date the app sees (deadlines, periods, "today" on pages) to a given
    day: `set_today(date(2025, 11, 20))`. Stored timestamps keep the real clock."""
    from datetime import datetime, time

    from cchc_web.core import timeutil

    def move(day):
        monkeypatch.setattr(
            timeutil, "local_now", lambda: datetime.combine(day, time(9), timeutil.LOCAL_TZ)
        )
        return day

    return move


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login_as(client, commune):
    """Log the test client in as a new user with these roles: `login_as("head", office="KT")`."""

    def login(*roles: str, office: str | None = "VP", **fields):
        user = factories.make_user(roles=roles or ("staff",), office=office, **fields)
        with client.session_transaction() as sess:
            sess["_user_id"] = str(user.id)
            sess["_fresh"] = True
        return user

    return login


@pytest.fixture(scope="session")
def live_server(app):
    """The app served over HTTP on 127.0.0.1 for browser tests."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium: Playwright cannot download its own browser here."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run must install chromium")
        pytest.skip(f"{CHROMIUM} is not installed")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
