"""View helpers shared by every blueprint: running an action, htmx fragments, redirects after
POST, paging."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, abort, current_app, flash, redirect, render_template, request, send_file
from flask_htmx import make_response as htmx_response
from flask_sqlalchemy.pagination import SelectPagination
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound, ServiceUnavailable

from ..core import storage
from ..core.errors import DomainError
from ..core.extensions import db, htmx
from ..core.filestores import FileStore, StoreUnreachable
from ..models import Attachment
from ..records import attachments
from ..text import Query, search_terms
from .forms import apply_domain_error

T = TypeVar("T")


def wants_fragment() -> bool:
    """A plain htmx request gets the fragment; a boosted or normal request gets the page."""
    return bool(htmx) and not htmx.boosted


def render_page_or_fragment(page_template: str, fragment_template: str, **context: Any):
    """One URL serves the whole page and, to htmx, just the part that changes."""
    response = current_app.make_response(
        render_template(fragment_template if wants_fragment() else page_template, **context)
    )
    response.vary.add("HX-Request")
    return response


def pdf_response(data: bytes, filename: str, *, download: bool):
    """A PDF to show (inline) or save (attachment); never kept by a shared cache."""
    response = current_app.response_class(data, mimetype="application/pdf")
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def redirect_after_post(location: str):
    """After a successful POST: HX-Redirect for htmx (a full page load, so the target page is
    never mistaken for a fragment request), the usual 303 for a plain form."""
    if htmx:
        return htmx_response(redirect=location)
    return redirect(location, code=303)


def run_action(
    operation: Callable[[], T],
    *,
    success: str | Callable[[T], str] | None = None,
    to: str | Callable[[T], str] | None = None,
    form: FlaskForm | None = None,
    failed: str | None = None,
    on_refusal: Callable[[DomainError], None] | None = None,
) -> Any:
    """Run one action of a POST the one way every route does: `operation()` (a service call),
    then commit, flash `success` and go `to` (303, or HX-Redirect for htmx); or, when a service
    refuses with DomainError, roll back (which also deletes the files the transaction stored,
    see attachments.py) and show the refusal.

    - `form`: the submitted form, validated here first. Not submitted or invalid: None, and the
      view shows the form again with its errors (or, with `failed`, they are flashed and the
      user goes there). A refusal goes next to its field (`forms.apply_domain_error`).
    - `failed`: where to go after a refusal (flashed) when the view has no form page to show
      again; without it the answer is None and the view renders its page, the form kept.
    - `success` and `to` may be functions of what the operation returned, called once it is
      committed; `to=None` leaves the answer to the view after the commit too (None), for a
      page that shows the result in place (an htmx fragment).
    - `on_refusal(err)` replaces the default showing of a refusal (after the rollback).

    Only DomainError is a refusal: anything else propagates (the error pages roll back). The
    CSRF token of every POST is checked before any view runs (CSRFProtect), so a one-button
    form needs no form object here.
    """
    if form is not None and not form.validate_on_submit():
        if failed is None or not form.is_submitted():
            return None
        _flash_form_errors(form)
        return redirect_after_post(failed)
    try:
        result = operation()
    except DomainError as err:
        db.session.rollback()
        if on_refusal is not None:
            on_refusal(err)
        elif form is not None and failed is None:
            apply_domain_error(form, err)
        else:
            flash(err.message, err.category)
        return None if failed is None else redirect_after_post(failed)
    db.session.commit()
    if success is not None:
        flash(success(result) if callable(success) else success, "success")
    if to is None:
        return None
    return redirect_after_post(to(result) if callable(to) else to)


def _flash_form_errors(form: FlaskForm) -> None:
    """A form shown on another page (a one-button form with a reason): its errors as flashes."""
    for errors in form.errors.values():
        flash(" ".join(map(str, errors)) if isinstance(errors, list) else str(errors), "error")


def paginate(stmt, per_page: int | None = None):
    """Page through a select with the `page` query argument; a bad page number is page 1."""
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(
        stmt,
        page=max(page, 1),
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )


class _RowPagination(SelectPagination):
    """A page of plain rows (a Core select of columns), turned into what the page shows by
    `build`. The total comes with the rows (`count(*) OVER ()`, one statement for both);
    only an empty page past the first counts on its own."""

    def _query_items(self) -> list[Any]:
        stmt = self._query_args["select"]
        stmt = stmt.add_columns(func.count().over().label("_total"))
        rows = db.session.execute(stmt.limit(self.per_page).offset(self._query_offset)).all()
        self._total = rows[0]._total if rows else None
        return self._query_args["build"](rows)

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        if self.page == 1:
            return 0  # nothing on the first page: nothing at all
        sub = self._query_args["select"].order_by(None).subquery()
        return db.session.scalar(select(func.count()).select_from(sub)) or 0


def paginate_rows(stmt, build: Callable[[list[Any]], list[Any]], per_page: int | None = None):
    """`paginate` for read-only lists selected as rows, not ORM objects."""
    page = request.args.get("page", 1, type=int) or 1
    return _RowPagination(
        select=stmt,
        build=build,
        page=max(page, 1),
        per_page=per_page or current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )


def search_query() -> Query:
    """The search box's query (`q`) of this request as terms, or with its refusal."""
    return search_terms(request.args.get("q"))


def query_args(**overrides: Any) -> dict[str, Any]:
    """The current query string with some values replaced, for links that keep the filters."""
    args = {k: v for k, v in request.args.items() if v != ""}
    args.update({k: v for k, v in overrides.items()})
    return {k: v for k, v in args.items() if v not in (None, "")}


def plan_from_args(plans: list[Any]) -> Any:
    """The plan a workspace or dashboard shows: the one `?plan=` names among `plans` (the
    active and closed ones: 404 for a draft or an unknown id), else the current one."""
    from ..models.plans import Plan

    plan_id = request.args.get("plan", type=int)
    if not plan_id:
        return Plan.current(plans)
    plan = next((p for p in plans if p.id == plan_id), None)
    if plan is None:
        abort(404)
    return plan


# -- downloads -----------------------------------------------------------------------------------
def send_stored(
    where: str | os.PathLike[str] | FileStore, stored: storage.StoredFileLike
) -> Response:
    """Download response for a stored file: always an attachment (never rendered inline) under
    its original, possibly Vietnamese, name, with ``nosniff``. Missing file or bad key: 404; a
    file store that does not answer: 503 in Vietnamese (nothing is lost, try again later)."""
    store = storage.as_store(where)
    try:
        key = storage.check_key(stored.storage_key)
    except storage.InvalidStorageKey:
        raise NotFound() from None
    path = store.local_path(key)
    if path is not None:
        if not path.is_file():
            raise NotFound()
        body: Any = path
    else:
        try:
            body = store.open(key)
        except FileNotFoundError:
            raise NotFound() from None
        except StoreUnreachable:
            current_app.logger.exception("File store unreachable")
            raise ServiceUnavailable(
                "Kho lưu tệp của hệ thống tạm thời không truy cập được; tệp vẫn được giữ "
                "nguyên. Vui lòng thử tải lại sau ít phút."
            ) from None
    response = send_file(
        body,
        mimetype=stored.content_type or "application/octet-stream",
        as_attachment=True,
        download_name=stored.original_name or stored.storage_key,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Evidence is behind login: shared proxies must not keep a copy.
    response.cache_control.private = True
    return response


def send_attachment(attachment: Attachment) -> Response:
    """An evidence file as a download (Content-Disposition: attachment) under its original
    name. The caller has checked that the user may see what the attachment belongs to."""
    return send_stored(attachments.file_store(), attachment)
