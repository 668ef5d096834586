"""The page shell: error pages, security headers, static files, the migration itself."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import abort
from sqlalchemy import inspect, text

from cchc_web import create_app
from cchc_web.core.extensions import db
from cchc_web.web.security import public


def test_404_page_is_vietnamese(client, login_as):
    login_as("staff")
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)


def test_500_and_403_pages_hide_the_stack_trace(tmp_path):
    # A separate app: routes cannot be added to the shared one once it has served requests.
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path))

    @app.get("/boom")
    @public
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/forbidden")
    @public
    def forbidden():
        abort(403)

    client = app.test_client()
    response = client.get("/boom")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Lỗi hệ thống" in page
    assert "secret internals" not in page and "Traceback" not in page
    forbidden_page = client.get("/forbidden")
    assert forbidden_page.status_code == 403
    assert "Không có quyền truy cập" in forbidden_page.get_data(as_text=True)


def test_static_files_need_no_login_and_htmx_is_vendored(client):
    response = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert response.status_code == 200
    assert b"htmx 2.0.11" in response.data[:200]
    assert client.get("/static/css/app.css").status_code == 200


def test_pages_load_nothing_from_outside(client, login_as):
    login_as("admin", office=None)
    for url in ("/login", "/", "/admin/users"):
        page = client.get(url).get_data(as_text=True)
        assert "http://" not in page and "https://" not in page, url


def test_security_headers(client):
    response = client.get("/login")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_csrf_token_header_for_htmx_on_body(client, login_as):
    login_as("staff")
    page = client.get("/").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in page


def _not_a_trigram_index(obj, name, type_, reflected, compare_to) -> bool:
    """The search keys' trigram indexes (migration 0012_search) exist on PostgreSQL only,
    when the pg_trgm extension could be created: the models do not declare them."""
    return not (type_ == "index" and reflected and str(name).endswith("_search_key_trgm"))


def test_schema_from_migrations_matches_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _not_a_trigram_index})
        diff = compare_metadata(context, db.metadata)
        if conn.dialect.name == "postgresql":
            trigram = conn.execute(
                text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE :name"),
                {"name": "%search_key_trgm"},
            ).scalar()
            assert trigram == 6
    assert diff == []


def test_migrations_downgrade_and_upgrade_from_empty(app):
    flask_migrate.downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    flask_migrate.upgrade()
    tables = set(inspect(db.engine).get_table_names())
    assert {"users", "offices", "communes", "user_roles", "audit_log", "login_throttles"} <= tables


def test_every_page_needs_login_even_unknown_ones(client):
    for url in ("/", "/admin/users", "/account/password", "/khong-co-trang-nay"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url
    assert client.get("/login").status_code == 200


def test_public_views_and_forgotten_decorators(tmp_path):
    app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=str(tmp_path))

    @app.get("/forgot-login-required")
    def forgot():
        return "secret"

    @app.get("/open")
    @public
    def open_view():
        return "hello"

    client = app.test_client()
    assert client.get("/forgot-login-required").status_code == 302
    assert client.get("/open").get_data(as_text=True) == "hello"


def test_htmx_post_redirect_is_a_full_page_load(app):
    from cchc_web.web.views import redirect_after_post

    with app.test_request_context("/", method="POST", headers={"HX-Request": "true"}):
        response = redirect_after_post("/admin/users")
        assert response.headers["HX-Redirect"] == "/admin/users"
        assert "HX-Location" not in response.headers
    with app.test_request_context("/", method="POST"):
        response = redirect_after_post("/admin/users")
        assert response.status_code == 303 and response.headers["Location"] == "/admin/users"


def test_only_one_nav_item_is_current(client, login_as):
    login_as("chairman", office=None)
    for url in ("/decisions/", "/verify"):
        page = client.get(url).get_data(as_text=True)
        assert page.count('aria-current="page"') == 1, url


def test_number_filter_is_one_and_registered_by_the_factory(app):
    """Points, objective values and counts share one filter (no blueprint registers its own)."""
    from decimal import Decimal

    number = app.jinja_env.filters["number_vn"]
    assert number(Decimal("95.50")) == "95,5"
    assert number(Decimal("1240.00")) == "1.240"
    assert number(Decimal("35"), 2, True) == "35,00"
    assert number(1240) == "1.240" and number(None) == "" and number("—") == "—"
    for name in ("vn_number", "points", "index_points"):
        assert name not in app.jinja_env.filters
    assert "task_url" in app.jinja_env.globals
