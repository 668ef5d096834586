"""When the database fails: error answers that never touch it again, and say what was saved.

Issue 15 found the 500 page rendering the layout, which loads `current_user` and the commune,
which queried the database that had just failed: gunicorn then answered its own English
"Internal Server Error". Here:

* a database fault (connection refused or lost, a statement or lock timeout, SQLite's lock
  wait running out) answers **503 with Retry-After**, from a page rendered straight from the
  Jinja environment (no context processor, no `current_user`, no query);
* `busy` (a timeout, a lock, a deadlock: the server is up) and `down` (no connection) get their
  own Vietnamese explanation;
* every error answer says whether this request committed anything (`X-CCHC-Saved`, read by
  static/js/app.js for htmx forms), and a failed plain form POST shows the text the user typed
  with a button that sends it again (files have to be chosen again);
* any other unexpected error renders the usual page and, should that fail too, the static one.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

from flask import Flask, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

# PostgreSQL SQLSTATEs that mean "the server is there but the work did not finish in time":
# query_canceled (statement_timeout), lock_not_available (lock_timeout), deadlock_detected,
# serialization_failure, idle_in_transaction_session_timeout.
BUSY_SQLSTATES = frozenset({"57014", "55P03", "40P01", "40001", "25P03"})
_SQLITE_BUSY = ("database is locked", "database table is locked", "interrupted")

TEXTS = {
    "busy": (
        "Hệ thống đang bận",
        "Máy chủ đang xử lý nhiều việc hoặc dữ liệu này đang được người khác cập nhật, nên "
        "chưa làm xong thao tác của bạn trong thời gian cho phép.",
    ),
    "down": (
        "Tạm thời không truy cập được cơ sở dữ liệu",
        "Máy chủ cơ sở dữ liệu đang không trả lời (có thể đang khởi động lại hoặc bảo trì).",
    ),
    "error": (
        "Lỗi hệ thống",
        "Đã có lỗi ngoài ý muốn. Vui lòng thử lại hoặc báo cho quản trị hệ thống.",
    ),
}
NOT_SAVED = "Thao tác vừa rồi chưa được lưu; dữ liệu đã lưu trước đó không bị ảnh hưởng."
SAVED = (
    "Dữ liệu đã được lưu, nhưng trang kết quả không hiển thị được. Hãy tải lại trang để xem, "
    "đừng gửi lại."
)
# When even the error template cannot be rendered: plain, static, Vietnamese.
LAST_RESORT = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Lỗi hệ thống</title>'
    "</head><body><h1>Hệ thống tạm thời gặp sự cố</h1><p>Thao tác vừa rồi chưa được lưu. "
    "Vui lòng thử lại sau ít phút hoặc báo cho quản trị hệ thống.</p></body></html>"
)
_SECRET_FIELDS = ("password", "passphrase")


def classify(err: BaseException) -> str | None:
    """ "busy", "down", or None when `err` is not the database failing (a bug, bad input…)."""
    if isinstance(err, sa_exc.TimeoutError):  # no pooled connection came free in time
        return "busy"
    if not isinstance(err, sa_exc.DBAPIError):
        return None
    orig = err.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate in BUSY_SQLSTATES:
        return "busy"
    if isinstance(orig, sqlite3.OperationalError) and any(
        text in str(orig).lower() for text in _SQLITE_BUSY
    ):
        return "busy"
    if isinstance(err, sa_exc.OperationalError | sa_exc.InterfaceError) or (
        err.connection_invalidated
    ):
        return "down"
    return None


def committed_in_request() -> bool:
    return bool(has_app_context() and g.get("_cchc_committed"))


@event.listens_for(Session, "after_commit")
def _note_commit(session: Session) -> None:
    if has_app_context():
        g._cchc_committed = True


def posted_fields() -> list[tuple[str, str]]:
    """What a plain form POST carried, minus passwords, to show it back and send it again."""
    if request.method != "POST" or request.mimetype not in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        return []
    try:
        items = list(request.form.items(multi=True))
    except Exception:  # noqa: BLE001 - a body we cannot parse is simply not shown back
        return []
    secret = [any(word in name.lower() for word in _SECRET_FIELDS) for name, _value in items]
    # A password form's "confirm" field holds the password typed again.
    if any(secret):
        secret = [s or name == "confirm" for s, (name, _value) in zip(secret, items, strict=True)]
    return [item for item, hidden in zip(items, secret, strict=True) if not hidden][:200]


def shown_fields() -> list[str]:
    """The texts of a failed POST worth showing back (not the token, ids or flags)."""
    if committed_in_request():
        return []
    return [value for name, value in posted_fields() if name != "csrf_token" and _is_text(value)]


def _render_static(
    app: Flask, code: int, kind: str, retry_after: int | None, text: tuple[str, str] | None
) -> str:
    """The error page from the Jinja environment directly: context processors (which read the
    commune and `current_user`) never run, so nothing here can query the database."""
    title, message = text or TEXTS[kind]
    saved = committed_in_request()
    fields = [] if saved else posted_fields()
    shown = shown_fields()
    try:
        template = app.jinja_env.get_template("errors/unavailable.html")
        return template.render(
            code=code,
            title=title,
            message=message,
            outcome=SAVED if saved else NOT_SAVED,
            retry_after=retry_after,
            fields=fields,
            shown=shown,
            has_files=bool(request.files) if request.method == "POST" else False,
            action=request.full_path.rstrip("?") if request.method == "POST" else None,
        )
    except Exception:  # noqa: BLE001 - the answer must still go out
        log.exception("The static error page failed to render")
        return LAST_RESORT


def _is_text(value: str) -> bool:
    return any(ch.isalpha() for ch in value)


def static_error_response(
    app: Flask,
    code: int,
    kind: str,
    retry_after: int | None = None,
    text: tuple[str, str] | None = None,
):
    """An error answer that cannot fail for want of the database; `text` (title, message)
    replaces the one of `kind`."""
    response = app.response_class(
        _render_static(app, code, kind, retry_after, text), status=code, mimetype="text/html"
    )
    _mark(response, kind)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _mark(response: Any, kind: str) -> None:
    response.headers["X-CCHC-Error"] = kind
    response.headers["X-CCHC-Saved"] = "1" if committed_in_request() else "0"
    response.headers["Cache-Control"] = "no-store"


def safe_rollback(session: Any) -> None:
    """Roll back, but never let a dead connection turn the error page into another error:
    a rollback that fails (the server went away) drops the session's connections instead."""
    try:
        session.rollback()
    except Exception as err:  # noqa: BLE001
        log.warning("Rollback failed while answering an error: %s", err)
        _invalidate(session)


def _invalidate(session: Any) -> None:
    """Close the session's connections without a rollback (the server ends the transaction
    when the connection goes), so that nothing stays checked out holding locks."""
    real = session.registry() if hasattr(session, "registry") else session  # scoped_session
    try:
        real.invalidate()
    except Exception as err:  # noqa: BLE001 - nothing more can be done with that connection
        log.warning("Could not invalidate the session: %s", err)


def init_app(app: Flask) -> None:
    """Close the request's session before Flask-SQLAlchemy removes it (teardown functions run
    in reverse order of registration: call this after db.init_app). Its close rolls back, and a
    rollback on a connection the server has just terminated raises: outside the request, that
    reached gunicorn as its English 500 although the 503 was already made."""
    from ..core.extensions import db

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        try:
            db.session.close()
        except Exception as err:  # noqa: BLE001
            log.warning("Closing the session failed: %s", err)
            _invalidate(db.session)


def database_fault_response(app: Flask, err: BaseException, kind: str):
    log.warning("Database %s on %s %s: %s", kind, request.method, request.path, err)
    return static_error_response(app, 503, kind, app.config["RETRY_AFTER_SECONDS"])


def mark_error(response: Any, kind: str = "error") -> Any:
    _mark(response, kind)
    return response
