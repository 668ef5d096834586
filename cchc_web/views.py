"""View helpers shared by every blueprint: htmx fragments, redirects after POST, paging."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, redirect, render_template, request
from flask_htmx import make_response as htmx_response

from .extensions import db, htmx


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


def query_args(**overrides: Any) -> dict[str, Any]:
    """The current query string with some values replaced, for links that keep the filters."""
    args = {k: v for k, v in request.args.items() if v != ""}
    args.update({k: v for k, v in overrides.items()})
    return {k: v for k, v in args.items() if v not in (None, "")}


def plan_from_args(plans: list[Any]) -> Any:
    """The plan a workspace or dashboard shows: the one `?plan=` names among `plans` (the
    active and closed ones: 404 for a draft or an unknown id), else the current one."""
    from .models.plans import Plan

    plan_id = request.args.get("plan", type=int)
    if not plan_id:
        return Plan.current(plans)
    plan = next((p for p in plans if p.id == plan_id), None)
    if plan is None:
        abort(404)
    return plan
