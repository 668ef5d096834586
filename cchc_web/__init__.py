"""CCHC Web: the administrative-reform intranet of a commune People's Committee."""

from __future__ import annotations

import importlib
import logging
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from .core import tenancy
from .core.cache import remember_version, version_subquery
from .core.config import CONFIGS, INSTANCE_DIR, engine_options, private_dir
from .core.extensions import csrf, db, htmx, limiter, login_manager, migrate
from .core.filestores import store_from_config
from .records import attachments
from .web import faults, inputs

ROOT = Path(__file__).resolve().parent.parent

# Vietnamese titles and explanations of the error pages: never a stack trace.
ERROR_TEXTS = {
    400: ("Yêu cầu không hợp lệ", "Máy chủ không hiểu yêu cầu này."),
    403: (
        "Không có quyền truy cập",
        "Vai trò của tài khoản bạn không được xem hoặc làm việc này (trang của đơn vị khác, hay "
        "việc dành cho vai trò khác). Nếu công việc cần đến, hãy đề nghị quản trị hệ thống gán "
        "vai trò phù hợp; các việc đang chờ bạn có ở trang Việc cần làm.",
    ),
    404: ("Không tìm thấy trang", "Trang hoặc mục bạn tìm không có, hoặc đã bị chuyển đi."),
    405: ("Thao tác không được hỗ trợ", "Trang này không nhận thao tác đó."),
    413: (
        "Dữ liệu gửi lên quá lớn",
        "Tổng dung lượng tệp gửi lên vượt quá giới hạn. Mỗi tệp tối đa 20 MB.",
    ),
    429: (
        "Quá nhiều yêu cầu",
        "Máy của bạn đã gửi quá nhiều yêu cầu. Vui lòng thử lại sau ít phút.",
    ),
    503: (
        "Hệ thống tạm thời không phục vụ được",
        "Thao tác vừa rồi chưa được lưu. Vui lòng thử lại sau ít phút.",
    ),
    500: (
        "Lỗi hệ thống",
        "Đã có lỗi ngoài ý muốn; dữ liệu bạn đã lưu trước đó không bị ảnh hưởng. "
        "Vui lòng thử lại hoặc báo cho quản trị hệ thống.",
    ),
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def _config_class(config: Any) -> Any:
    if config is None:
        return CONFIGS[os.environ.get("CCHC_CONFIG", "development")]
    if isinstance(config, str):
        return CONFIGS[config]
    return config


def create_app(config: Any = None, **overrides: Any) -> Flask:
    """Build the app: config, extensions, blueprints, CLI, error pages, security headers."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    inputs.init_app(app)
    app.config.from_object(_config_class(config))
    app.config.update(overrides)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment for production.")
    _check_public_url(app.config.get("CCHC_PUBLIC_URL") or "")
    _refuse_demo_certificate(app)
    _private_instance_files(app)
    if app.config["TRUSTED_PROXIES"] > 0:
        # Behind nginx: the client's address, scheme and host come from X-Forwarded-* set by
        # that many proxies (and only them); without it every user has the proxy's address.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    _owner_only_sqlite(app)
    db.init_app(app)
    faults.init_app(app)  # its teardown runs after that of attachments (reverse order)
    attachments.init_app(app)
    limiter.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"

    from . import models  # noqa: F401 - registers every table with the metadata
    from .web import sessions

    # Every request starts here: one statement for the user and their roles, with the data
    # version in the same statement (cached fragments need nothing more). Built once: only
    # the id changes from one request to the next.
    user_statement = (
        select(models.User, version_subquery())
        .options(joinedload(models.User.role_rows))
        .where(models.User.id == bindparam("user_id"), models.User.active.is_(True))
    )
    # On PostgreSQL the same statement sets the row-level security key of the transaction to
    # the user's commune (core/tenancy.py): no statement of its own.
    keyed_user_statement = user_statement.add_columns(tenancy.database_key(models.User.commune_id))

    @login_manager.user_loader
    def load_user(user_id: str):
        # A database fault propagates to faults.py, whose 503 page never asks for the user.
        if not user_id.isdigit() or int(user_id) > 2**62:
            return None
        session = db.session()
        keyed = session.get_bind().dialect.name == "postgresql"
        statement = keyed_user_statement if keyed else user_statement
        row = session.execute(statement, {"user_id": int(user_id)}).unique().one_or_none()
        if row is None:
            return None
        if not sessions.version_matches(row[0]):
            if keyed:
                tenancy.enter(session, None)  # the key the statement set goes with the user
            return None
        remember_version(row[1])
        # Everything else the request reads or writes is of the user's commune (a city-level
        # user has none: every commune), by the one mechanism of core/tenancy.py.
        tenancy.enter(session, row[0].commune_id, database_key_set=keyed)
        return row[0]

    _register_blueprints(app)
    _register_error_pages(app)
    _require_login_everywhere(app)
    _register_template_helpers(app)
    _register_security_headers(app)

    from .admin.cli import register_cli

    register_cli(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
    return app


def _check_public_url(url: str) -> None:
    """Documents print this address in their QR codes: without it, or with a malformed one, a
    signed document would carry a wrong link for ever, so the app does not start."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(
            "CCHC_PUBLIC_URL must be set to the address users reach the system at, e.g. "
            "https://cchc.chiminh.gov.vn (it is printed in the QR code of every signed document)."
        )


# One blueprint package per domain, each exposing `bp`.
BLUEPRINT_PACKAGES = (
    "auth",
    "home",
    "search",
    "admin",
    "plans",
    "offices",
    "reports",
    "dashboard",
    "initiatives",
    "council",
    "par_index",
    "decisions",
    "sipas",
    "communes",
    "city",
)


def _register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_PACKAGES:
        app.register_blueprint(importlib.import_module(f".{name}", __name__).bp)


def _register_error_pages(app: Flask) -> None:
    def render_error(code: int, detail: str | None = None):
        title, message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
        try:
            page = render_template(
                "errors/error.html",
                code=code,
                title=title,
                message=detail or message,
                saved=faults.committed_in_request(),
                shown=faults.shown_fields() if code == 500 else [],
            )
        except Exception as err:  # noqa: BLE001 - e.g. the layout needed the database
            app.logger.warning("The error page needed what failed (%s): the static one", err)
            return faults.static_error_response(app, code, "error", text=(title, detail or message))
        return faults.mark_error(app.make_response((page, code)))

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        faults.safe_rollback(db.session)
        return render_error(
            400,
            "Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ. "
            "Vui lòng tải lại trang và gửi lại.",
        )

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code is None or err.code < 400:
            return err
        faults.safe_rollback(db.session)
        if err.response is not None:  # a page made for the occasion (the kiosk's rate limit)
            return err.response
        own = err.code in (429, 503) and _is_own_text(err.description)
        response = render_error(err.code, err.description if own else None)
        if err.code in (429, 503) and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = "60" if err.code == 429 else "30"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(err: Exception):
        faults.safe_rollback(db.session)
        kind = faults.classify(err)
        if kind is not None:
            return faults.database_fault_response(app, err, kind)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)


def _number_vn(value: Any, decimals: int = 2, fixed: bool = False) -> str:
    """85,5 and 1.240 on pages as in documents (points, objective values, counts: ints,
    floats and Decimals alike); text passes through unchanged, None shows nothing."""
    from .documents import format_number

    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    return format_number(value, decimals, fixed)


def _is_own_text(text: str | None) -> bool:
    """A message written for users here (Vietnamese), not werkzeug's English default."""
    return bool(text) and any(ord(ch) > 127 for ch in text)


def _register_template_helpers(app: Flask) -> None:
    from .auth.forms import PASSWORD_HELP
    from .core.timeutil import format_date, format_datetime, localise_dates
    from .models import ROLE_LABELS
    from .text import highlight, snippet
    from .web.nav import items_for, task_url, url_pattern

    app.jinja_env.globals["password_help"] = PASSWORD_HELP
    app.jinja_env.filters["date_vn"] = format_date
    app.jinja_env.filters["datetime_vn"] = format_datetime
    app.jinja_env.filters["number_vn"] = _number_vn
    app.jinja_env.filters["dates_vn"] = localise_dates
    app.jinja_env.filters["highlight"] = highlight
    app.jinja_env.filters["snippet"] = snippet
    app.jinja_env.globals["task_url"] = task_url
    app.jinja_env.globals["url_pattern"] = url_pattern
    app.jinja_env.globals["clean_args"] = lambda args: {
        k: v for k, v in args.items() if v not in (None, "")
    }
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_layout() -> dict[str, Any]:
        from .core.cache import fragments
        from .models import Commune

        def heading():
            if tenancy.commune_id(db.session()) is None and Commune.several():
                return None  # a sign-in page of the whole city: no commune of its own
            found = Commune.current()
            return found.heading() if found is not None else None

        try:
            # Cached per data version (and commune): the header costs no statement of its own.
            commune = fragments.get_or_build(("commune-heading",), heading)
        except SQLAlchemyError:
            # The error page must still render when the database itself is what failed.
            db.session.rollback()
            commune = None
        return {
            "nav_items": items_for(current_user),
            "commune": commune,
            "role_labels": ROLE_LABELS,
            "inbox_counts": _inbox_counts(),
        }


def _inbox_counts() -> dict[str, int]:
    """The menu's counts of waiting work ({"": all, blueprint: its items}), read from the
    inbox cached per data version; nothing when the database itself failed."""
    from .core.inbox import counts_by_blueprint, waiting_for
    from .core.timeutil import local_today

    if not current_user.is_authenticated:
        return {}
    try:
        items = waiting_for(current_user, local_today())
    except SQLAlchemyError:
        db.session.rollback()
        return {}
    return {"": len(items), **counts_by_blueprint(items)}


def _require_login_everywhere(app: Flask) -> None:
    """Every page except /login, static files and views marked @public needs a login, even
    if a route forgets its own decorator (unknown URLs too: no probing while anonymous).
    A session that was idle too long, or whose version no longer matches the account's
    (auth/sessions.py), ends here."""
    from .web import sessions
    from .web.security import is_public_endpoint

    @app.before_request
    def require_login():
        if request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        public = is_public_endpoint(request.endpoint, view)
        if sessions.idle_expired():
            response = sessions.ended_response("idle", public)
            if response is not None:
                return response
        if current_user.is_authenticated:
            return None
        if "_user_id" in session:  # signed in once, refused by the loader now
            response = sessions.ended_response("revoked", public)
            if response is not None:
                return response
        if public:
            return None
        return login_manager.unauthorized()


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static" and "_user_id" in session:
            # Anything answered to a signed-in user (pages, exports, evidence, PDFs) is theirs
            # alone: no shared proxy keeps it, no browser cache keeps it after sign-out.
            response.headers["Cache-Control"] = "private, no-store"
        elif response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        if app.config["HSTS_SECONDS"] > 0:
            response.headers.setdefault(
                "Strict-Transport-Security",
                f"max-age={app.config['HSTS_SECONDS']}; includeSubDomains",
            )
        return response


def _refuse_demo_certificate(app: Flask) -> None:
    """Production signs Decisions with the commune's own certificate, never the demo one."""
    from .decisions import signing

    if app.config["REQUIRE_SIGNING_CERTIFICATE"] and not signing.configured(app):
        raise RuntimeError(
            "Production refuses to start with the DEMO signing certificate: set "
            "CCHC_SIGNING_P12 and CCHC_SIGNING_PASSPHRASE to the commune's PKCS#12 file "
            "(Cấu hình chứng thư số thật của UBND trước khi chạy ở chế độ production)."
        )


def _private_instance_files(app: Flask) -> None:
    """The instance folder (database, secret key, demo key) and the uploads: owner-only."""
    private_dir(app.instance_path)
    private_dir(app.config["UPLOAD_DIR"])
    store_from_config(app.config)  # a misspelt STORAGE_BACKEND stops the start, not an upload


def _owner_only_sqlite(app: Flask) -> None:
    """SQLite would create its file with the process umask (world-readable by default): create
    it owner-only first, or tighten an existing one. Its journal takes the same mode."""
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///") or uri.endswith(":memory:"):
        return
    path = Path(uri.removeprefix("sqlite:///").split("?", 1)[0])
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # an empty file is a database
        elif path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
            path.chmod(0o600)
    except OSError as err:
        app.logger.warning("Cannot make %s owner-only: %s", path, err)
