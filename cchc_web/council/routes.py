from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..decisions import services as decision_ops
from ..initiatives import services as initiative_ops
from ..initiatives import similarity
from ..models import (
    Council,
    CouncilMember,
    CouncilState,
    DecisionKind,
    Initiative,
    Position,
    Role,
    Round,
    Score,
    User,
)
from ..web.forms import ConfirmForm
from ..web.security import get_or_404, get_or_404_for, require, require_secretariat
from ..web.views import paginate, render_page_or_fragment, run_action, send_attachment
from . import bp, decision_kinds, minutes, services
from .forms import MemberForm, NewCouncilForm, ReopenScoreForm, ScoreForm


def _council(council_id: int) -> Council:
    return get_or_404_for(current_user, Council, council_id)


def _secretariat_council(council_id: int) -> Council:
    council = _council(council_id)
    require_secretariat()
    return council


def _detail_url(council: Council) -> str:
    return url_for("council.detail", council_id=council.id)


def _results_url(council: Council) -> str:
    return url_for("council.results", council_id=council.id)


def _scoring_target(council: Council, initiative_id: int) -> tuple[Initiative, CouncilMember]:
    """403 for non-members and for conflicts: the rule holds on every read and write."""
    initiative = get_or_404(Initiative, initiative_id)
    member = services.may_score(council, current_user, initiative)
    require(member is not None)
    return initiative, member


@bp.route("/", methods=["GET", "POST"])
@login_required
def index():
    require(
        current_user.is_secretariat
        or current_user.is_leader
        or current_user.has_role(Role.COUNCIL_MEMBER)
    )
    form = NewCouncilForm()
    free_rounds = [r for r in initiative_ops.rounds() if r.council is None]
    form.round_id.choices = [(r.id, f"{r.title}") for r in free_rounds]
    if request.method == "POST":
        require_secretariat()
        if done := run_action(
            lambda: services.create_council(
                db.session.get(Round, form.round_id.data), current_user
            ),
            form=form,
            success="Đã lập Hội đồng; hãy thêm thành viên.",
            to=_detail_url,
        ):
            return done
    return render_template(
        "council/index.html",
        councils=services.councils_for(current_user),
        form=form,
        free_rounds=free_rounds,
    )


@bp.get("/<int:council_id>")
@login_required
def detail(council_id: int):
    council = _council(council_id)
    member_form = MemberForm()
    people = db.session.scalars(select(User).where(User.active).order_by(User.full_name)).all()
    member_form.user_id.choices = [(0, "— Chọn người —")] + [
        (
            u.id,
            f"{u.full_name} — {u.position_title}" + (f" ({u.office.code})" if u.office else ""),
        )
        for u in people
        if council.member_for(u) is None
    ]
    me = council.member_for(current_user)
    return render_template(
        "council/detail.html",
        council=council,
        me=me,
        member_form=member_form,
        establishment_draft=services.establishment_draft(council),
        confirm_form=ConfirmForm(),
        reopen_form=ReopenScoreForm(),
        progress=services.progress(council),
        done=services.members_done(council),
        S=CouncilState,
        P=Position,
    )


@bp.post("/<int:council_id>/members")
@login_required
def add_member(council_id: int):
    council = _secretariat_council(council_id)
    form = MemberForm()
    form.user_id.choices = [(u.id, "") for u in db.session.scalars(select(User).where(User.active))]
    return run_action(
        lambda: services.add_member(
            council, db.session.get(User, form.user_id.data), form.position.data, current_user
        ),
        form=form,
        success="Đã thêm thành viên Hội đồng.",
        to=_detail_url(council),
        failed=_detail_url(council),
    )


@bp.post("/<int:council_id>/members/<int:member_id>/remove")
@login_required
def remove_member(council_id: int, member_id: int):
    council = _secretariat_council(council_id)
    member = next((m for m in council.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return run_action(
        lambda: services.remove_member(council, member, current_user),
        success="Đã bỏ thành viên khỏi Hội đồng.",
        to=_detail_url(council),
        failed=_detail_url(council),
    )


def _draft(council: Council, kind: DecisionKind, back: str):
    """The secretariat drafts one of the council's Decisions from its data, then reviews it."""
    return run_action(
        lambda: decision_ops.create_draft(kind, council.id, current_user),
        success="Đã soạn dự thảo từ dữ liệu Hội đồng: rà soát rồi trình lãnh đạo ký.",
        to=lambda decision: url_for("decisions.show", decision_id=decision.id),
        failed=back,
    )


@bp.post("/<int:council_id>/establishment")
@login_required
def draft_establishment(council_id: int):
    council = _secretariat_council(council_id)
    return _draft(council, DecisionKind.COUNCIL_ESTABLISHMENT, _detail_url(council))


@bp.post("/<int:council_id>/recognition")
@login_required
def draft_recognition(council_id: int):
    council = _secretariat_council(council_id)
    return _draft(council, DecisionKind.INITIATIVE_RECOGNITION, _results_url(council))


@bp.post("/<int:council_id>/open")
@login_required
def open_scoring(council_id: int):
    council = _secretariat_council(council_id)
    return run_action(
        lambda: services.open_scoring(council, current_user),
        success="Đã mở chấm điểm: thành viên Hội đồng có thể chấm.",
        to=_detail_url(council),
        failed=_detail_url(council),
    )


@bp.post("/<int:council_id>/close")
@login_required
def close_scoring(council_id: int):
    council = _council(council_id)
    require(council.member_in(current_user, Position.CHAIR))
    return run_action(
        lambda: services.close_scoring(council, current_user),
        success="Đã kết thúc chấm điểm. Kết quả đã được tổng hợp.",
        to=_results_url(council),
        failed=_detail_url(council),
    )


# -- scoring ------------------------------------------------------------------------------------
@bp.get("/<int:council_id>/score")
@login_required
def my_list(council_id: int):
    council = _council(council_id)
    member = council.member_for(current_user)
    require(member is not None)
    page = paginate(services.to_score_query(council, member))
    sheets = services.sheets_of(member, [i.id for i in page.items])
    rows = [(i, sheets.get(i.id)) for i in page.items]
    return render_template(
        "council/my_list.html", council=council, member=member, rows=rows, page=page
    )


def _score_page(council, initiative, member, form, values, errors, status=200):
    own = services.sheet(member, initiative)
    return render_template(
        "council/score.html",
        council=council,
        initiative=initiative,
        member=member,
        own=own,
        form=form,
        values=values,
        errors=errors,
        **_running_total(initiative.round, values),
        can_see=services.can_see_scores(council, current_user, initiative),
        earlier=similarity.closest_earlier(initiative, current_user),
        S=CouncilState,
    ), status


def _running_total(rnd: Round, values: dict[str, str]) -> dict:
    """The total of the points typed so far, and the problem of each value typed that the
    sheet's rule refuses (services.check_points: the rule a submitted sheet must meet)."""
    typed = {code: value for code, value in values.items() if str(value).strip()}
    points, problems = services.check_points(rnd.rubric, typed)
    return {
        "total": sum(points.values()),
        "max_total": rnd.max_total,
        "problems": [
            message for name, message in problems.items() if name.removeprefix("points-") in typed
        ],
    }


@bp.route("/<int:council_id>/initiatives/<int:initiative_id>", methods=["GET", "POST"])
@login_required
def score(council_id: int, initiative_id: int):
    council = _council(council_id)
    initiative, member = _scoring_target(council, initiative_id)
    rubric = initiative.round.rubric
    form = ScoreForm()
    values = {c["code"]: request.form.get(f"points-{c['code']}", "") for c in rubric}
    errors: dict[str, str] = {}

    def refused(err: DomainError) -> None:
        # The points are typed in the page's own inputs, not fields of the form.
        if err.field and err.field.startswith("points-"):
            errors[err.field] = err.message
        else:
            flash(err.message, "error")

    if done := run_action(
        lambda: services.submit_score(
            council,
            current_user,
            initiative,
            values,
            bool(form.recommend.data),
            form.comment.data or "",
        ),
        form=form,
        on_refusal=refused,
        success="Đã nộp phiếu chấm.",
        to=url_for("council.score", council_id=council.id, initiative_id=initiative.id),
    ):
        return done
    if request.method == "GET":
        own = services.sheet(member, initiative)
        if own is not None:
            values = {k: str(v) for k, v in own.points.items()}
            form.recommend.data = own.recommend
            form.comment.data = own.comment
    return _score_page(council, initiative, member, form, values, errors)


@bp.post("/<int:council_id>/initiatives/<int:initiative_id>/total")
@login_required
def live_total(council_id: int, initiative_id: int):
    """htmx: the running total of the sheet being typed, with a note on any value out of range."""
    council = _council(council_id)
    initiative, _member = _scoring_target(council, initiative_id)
    values = {
        c["code"]: request.form.get(f"points-{c['code']}", "") for c in initiative.round.rubric
    }
    return render_template("council/_total.html", **_running_total(initiative.round, values))


@bp.get("/<int:council_id>/initiatives/<int:initiative_id>/scores")
@login_required
def sheets(council_id: int, initiative_id: int):
    """Every submitted sheet of one initiative: only for those allowed to see them yet."""
    council = _council(council_id)
    initiative = get_or_404(Initiative, initiative_id)
    require(initiative.round_id == council.round_id)
    require(services.can_see_scores(council, current_user, initiative))
    return render_page_or_fragment(
        "council/sheets.html",
        "council/_sheets.html",
        council=council,
        initiative=initiative,
        sheets=services.submitted_sheets(council, initiative),
    )


@bp.post("/<int:council_id>/scores/<int:score_id>/reopen")
@login_required
def reopen_score(council_id: int, score_id: int):
    council = _council(council_id)
    require(council.member_in(current_user, Position.CHAIR))
    score_row = get_or_404(Score, score_id)
    require(score_row.member.council_id == council.id)
    form = ReopenScoreForm()
    return run_action(
        lambda: services.reopen_score(council, score_row, form.reason.data, current_user),
        form=form,
        success=f"Đã mở lại phiếu chấm của {score_row.member.user.full_name}.",
        to=_detail_url(council),
        failed=_detail_url(council),
    )


# -- results and minutes ------------------------------------------------------------------------
@bp.get("/<int:council_id>/results")
@login_required
def results(council_id: int):
    council = _council(council_id)
    closed = council.state == CouncilState.CLOSED
    return render_template(
        "council/results.html",
        council=council,
        results=services.council_results(council) if closed else [],
        closed=closed,
        me=council.member_for(current_user),
        confirm_form=ConfirmForm(),
        recognitions=decision_kinds.recognition_decisions(council),
    )


@bp.post("/<int:council_id>/minutes")
@login_required
def produce_minutes(council_id: int):
    council = _council(council_id)
    require(council.member_in(current_user, Position.SECRETARY))
    return run_action(
        lambda: minutes.produce_minutes(council, current_user),
        success="Đã lập biên bản họp Hội đồng.",
        to=_results_url(council),
        failed=_results_url(council),
    )


@bp.post("/<int:council_id>/minutes/sign")
@login_required
def sign_minutes(council_id: int):
    council = _council(council_id)
    require(council.member_in(current_user, Position.CHAIR))
    return run_action(
        lambda: minutes.sign_minutes(council, current_user),
        success="Đã ký biên bản họp Hội đồng.",
        to=_results_url(council),
        failed=_results_url(council),
    )


@bp.get("/<int:council_id>/minutes.pdf")
@login_required
def minutes_pdf(council_id: int):
    council = _council(council_id)
    if council.minutes is None:
        abort(404)
    return send_attachment(council.minutes)
