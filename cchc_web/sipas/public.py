"""The pages people answer on, without an account: the kiosk at the counter and the phone
page a receipt's QR code opens. Both are `public`; neither stores who answered."""

from __future__ import annotations

import secrets

from flask import abort, current_app, redirect, render_template, request, url_for

from ..core import tenancy
from ..core.errors import DomainError, FieldErrors
from ..core.extensions import db, limiter
from ..web.ratelimit import remote_address_key, view_arg_key
from ..web.security import public
from ..web.views import redirect_after_post, run_action
from . import bp, services
from .forms import submission_from


def _kiosk_limit() -> str:
    return current_app.config["SIPAS_KIOSK_RATE_LIMIT"]


def _code_limit() -> str:
    return current_app.config["SIPAS_CODE_RATE_LIMIT"]


def _kiosk_busy(limit):
    """Too many answers from one tablet in a minute: said politely, in the kiosk's own page."""
    token = (request.view_args or {}).get("token", "")
    return current_app.make_response(
        (
            render_template(
                "sipas/busy.html", start_url=url_for("sipas.kiosk", token=token), seconds=60
            ),
            429,
            {"Retry-After": "60"},
        )
    )


def _wrong_code(response) -> bool:
    """Only failed look-ups count towards the guessing limit: a person with a real code is
    never slowed down, however many share the centre's address."""
    return response.status_code == 404


def _form_page(
    template: str,
    version,
    status: int = 200,
    *,
    values: dict | None = None,
    errors: dict | None = None,
    nonce: str | None = None,
    **context,
):
    return (
        render_template(
            template,
            version=version,
            nonce=nonce if nonce and services.NONCE.match(nonce) else secrets.token_urlsafe(18),
            fields=services.procedure_fields(),
            idle_seconds=current_app.config["SIPAS_KIOSK_IDLE_SECONDS"],
            values=values or {},
            errors=errors or {},
            **context,
        ),
        status,
    )


def _refused(template: str, version, err: DomainError, **context):
    """The form again with what the person chose and every problem next to its question."""
    errors = err.errors if isinstance(err, FieldErrors) else {"form": err.message}
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    return _form_page(
        template, version, 200, values=values, errors=errors, nonce=values.get("nonce"), **context
    )


# -- the kiosk ---------------------------------------------------------------------------------
@bp.route("/kiosk/<token>", methods=["GET", "POST"])
@public
@limiter.limit(
    _kiosk_limit, key_func=view_arg_key("token"), methods=["POST"], on_breach=_kiosk_busy
)
def kiosk(token: str):
    """The tablet at the counter: one question per screen (with the script), back to the
    start after a minute without a touch; the whole form on one page without it."""
    device = services.kiosk_by_token(token)
    if device is None:
        abort(404)
    tenancy.enter(db.session(), device.commune_id)  # the page is the kiosk's commune's
    version = services.published_version()
    if version is None:
        return render_template("sipas/closed.html"), 503
    context = {"kiosk": device, "action": url_for("sipas.kiosk", token=token)}
    if request.method == "POST":
        try:
            posted = services.answerable_version(
                services.int_or_none(request.form.get("version_id"))
            )
        except DomainError as err:
            return _refused("sipas/kiosk.html", version, err, **context)
        submission = submission_from(request.form, services.ratings_of(request.form, posted))
        thanks = url_for("sipas.kiosk_thanks", token=token)
        refused: list[DomainError] = []
        if done := run_action(
            lambda: services.submit_response(submission, kiosk=device),
            on_refusal=refused.append,
            to=thanks,
        ):
            return done
        if isinstance(refused[0], services.AlreadyRecorded):  # sent twice: stored once
            return redirect_after_post(thanks)
        return _refused("sipas/kiosk.html", posted, refused[0], **context)
    return _form_page("sipas/kiosk.html", version, **context)


@bp.get("/kiosk/<token>/thanks")
@public
def kiosk_thanks(token: str):
    if services.kiosk_by_token(token) is None:
        abort(404)
    return render_template(
        "sipas/thanks.html", start_url=url_for("sipas.kiosk", token=token), kiosk=True
    )


# -- the receipt's QR code ---------------------------------------------------------------------
@bp.get("/r")
@public
@limiter.limit(_code_limit, key_func=remote_address_key, deduct_when=_wrong_code)
def enter_code():
    """Where the slip's address leads without its code: type the code printed on the slip."""
    typed = request.args.get("code", "")
    if typed:
        code = services.normalise_code(typed)
        receipt = services.receipt_by_code(code)
        if receipt is not None:
            return redirect(url_for("sipas.answer", code=receipt.code), code=303)
        return render_template("sipas/enter_code.html", typed=typed[:40], unknown=True), 404
    return render_template("sipas/enter_code.html", typed="", unknown=False)


@bp.route("/r/<code>", methods=["GET", "POST"])
@public
@limiter.limit(_code_limit, key_func=remote_address_key, deduct_when=_wrong_code)
def answer(code: str):
    """The phone page of one dossier: its code answers once."""
    receipt = services.receipt_by_code(code)
    if receipt is None:
        return render_template("sipas/enter_code.html", typed=code[:40], unknown=True), 404
    if receipt.code != code:
        return redirect(url_for("sipas.answer", code=receipt.code), code=303)
    tenancy.enter(db.session(), receipt.commune_id)  # the page is the receipt's commune's
    if services.receipt_used(receipt):
        status = 409 if request.method == "POST" else 200
        return render_template("sipas/used.html", message=services.USED_MESSAGE), status
    from ..core.timeutil import local_today

    if receipt.expires_on < local_today():
        message = services.EXPIRED_MESSAGE.format(days=services.CODE_DAYS)
        return render_template("sipas/used.html", message=message), 410
    version = services.published_version()
    if version is None:
        return render_template("sipas/closed.html"), 503
    context = {"receipt": receipt, "action": url_for("sipas.answer", code=code)}
    if request.method == "POST":
        version_id = services.int_or_none(request.form.get("version_id"))
        try:
            posted = services.answerable_version(version_id)
        except DomainError as err:
            return _refused("sipas/answer.html", version, err, **context)
        submission = submission_from(request.form, services.ratings_of(request.form, posted))
        refused: list[DomainError] = []
        if done := run_action(
            lambda: services.submit_response(submission, receipt=receipt),
            on_refusal=refused.append,
            to=url_for("sipas.thanks"),
        ):
            return done
        if isinstance(refused[0], services.AlreadyRecorded):  # sent twice: stored once
            return redirect_after_post(url_for("sipas.thanks"))
        if refused[0].message == services.USED_MESSAGE:
            return render_template("sipas/used.html", message=refused[0].message), 409
        return _refused("sipas/answer.html", posted, refused[0], **context)
    return _form_page("sipas/answer.html", version, **context)


@bp.get("/thanks")
@public
def thanks():
    return render_template("sipas/thanks.html", start_url=None, kiosk=False)
