"""CCHC Web: the administrative-reform intranet of a commune People's Committee."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import HTTPException

from . import inputs, page_cache, ratelimit
from .cache import remember_version, version_subquery
from .config import CONFIGS, INSTANCE_DIR
from .extensions import csrf, db, htmx, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent

# Vietnamese titles and explanations of the error pages: never a stack trace.
ERROR_TEXTS = {
    400: ("Yêu cầu không hợp lệ", "Máy chủ không hiểu yêu cầu này."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được phép xem hoặc làm việc này."),
    404: ("Không tìm thấy trang", "Trang hoặc mục bạn tìm không có, hoặc đã bị chuyển đi."),
    405: ("Thao tác không được hỗ trợ", "Trang này không nhận thao tác đó."),
    413: (
        "Dữ liệu gửi lên quá lớn",
        "Tổng dung lượng tệp gửi lên vượt quá giới hạn. Mỗi tệp tối đa 20 MB.",
    ),
    429: ("Quá nhiều yêu cầu", "Vui lòng thử lại sau ít phút."),
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
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # SQLite serialises writers; a writer waits up to 30 s for the lock instead of the
        # driver's 5 s (20 simultaneous Decision approvals, each signing a PDF, need more).
        # A file has no server to lose the connection to: no ping before every checkout.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": {"timeout": 30}}
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment for production.")
    _check_public_url(app.config.get("CCHC_PUBLIC_URL") or "")
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    page_cache.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    ratelimit.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
    login_manager.login_message_category = "info"

    from . import models  # noqa: F401 - registers every table with the metadata

    @login_manager.user_loader
    def load_user(user_id: str):
        # Every request starts here: one statement for the user, their office and roles.
        if not user_id.isdigit() or int(user_id) > 2**62:
            return None
        # The data version comes in the same statement: cached fragments need nothing more.
        row = (
            db.session.execute(
                select(models.User, version_subquery())
                .options(joinedload(models.User.role_rows))
                .where(models.User.id == int(user_id), models.User.active.is_(True))
            )
            .unique()
            .one_or_none()
        )
        if row is None:
            return None
        remember_version(row[1])
        return row[0]

    _register_blueprints(app)
    _register_error_pages(app)
    _require_login_everywhere(app)
    _register_template_helpers(app)
    _register_security_headers(app)

    from .cli import register_cli

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
    "dashboard",
    "admin",
    "plans",
    "offices",
    "reports",
    "overview",
    "initiatives",
    "council",
    "par_index",
    "decisions",
    "sipas",
)


def _register_blueprints(app: Flask) -> None:
    for name in BLUEPRINT_PACKAGES:
        app.register_blueprint(importlib.import_module(f".{name}", __name__).bp)


def _register_error_pages(app: Flask) -> None:
    def render_error(code: int, detail: str | None = None):
        title, message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
        return render_template(
            "errors/error.html", code=code, title=title, message=detail or message
        ), code

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        db.session.rollback()
        return render_error(
            400,
            "Phiên làm việc của biểu mẫu đã hết hạn hoặc không hợp lệ. "
            "Vui lòng tải lại trang và gửi lại.",
        )

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        if err.code is None or err.code < 400:
            return err
        db.session.rollback()
        if err.response is not None:  # a page made for the occasion (a rate limit's)
            return err.response
        return render_error(err.code)

    @app.errorhandler(Exception)
    def unexpected_error(err: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return render_error(500)


def _number_vn(value: Any, decimals: int = 2, fixed: bool = False) -> str:
    """85,5 and 1.240 on pages as in documents; text passes through unchanged."""
    from decimal import Decimal

    from .documents import format_number

    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "" if value is None else str(value)
    return format_number(value, decimals, fixed)


def _register_template_helpers(app: Flask) -> None:
    from .models import ROLE_LABELS
    from .nav import items_for
    from .timeutil import format_date, format_datetime, localise_dates

    app.jinja_env.filters["date_vn"] = format_date
    app.jinja_env.filters["datetime_vn"] = format_datetime
    app.jinja_env.filters["number_vn"] = _number_vn
    app.jinja_env.filters["dates_vn"] = localise_dates
    app.jinja_env.globals["clean_args"] = lambda args: {
        k: v for k, v in args.items() if v not in (None, "")
    }
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def inject_layout() -> dict[str, Any]:
        from .models import Commune

        try:
            commune = Commune.heading()
        except SQLAlchemyError:
            # The error page must still render when the database itself is what failed.
            db.session.rollback()
            commune = None
        return {
            "nav_items": items_for(current_user),
            "commune": commune,
            "role_labels": ROLE_LABELS,
        }


def _require_login_everywhere(app: Flask) -> None:
    """Every page except /login, static files and views marked @public needs a login, even
    if a route forgets its own decorator (unknown URLs too: no probing while anonymous)."""
    from .security import is_public_endpoint

    @app.before_request
    def require_login():
        if current_user.is_authenticated:
            return None
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        if is_public_endpoint(request.endpoint, view):
            return None
        return login_manager.unauthorized()


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
