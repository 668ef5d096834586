"""The evaluation council's operations (SPEC §5): composing it, scoring with conflicts of
interest, closing, the result by the pass rule, and the minutes. Each operation checks the role
and the state, writes the audit log and raises DomainError on refusal; routes commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import joinedload

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.locking import lock_row
from ..core.timeutil import utcnow
from ..initiatives import services as initiative_ops
from ..initiatives.evaluation import register_result_of
from ..models import (
    Council,
    CouncilMember,
    CouncilState,
    Decision,
    DecisionKind,
    DecisionState,
    Initiative,
    InitiativeAuthor,
    InitiativeState,
    Position,
    Role,
    Round,
    Score,
    User,
)
from ..records import audit

MIN_MEMBERS = 3


def _require_state(council: Council, state: CouncilState, message: str) -> None:
    if council.state != state:
        raise DomainError(message)


# -- composing ----------------------------------------------------------------------------------
def create_council(rnd: Round, actor: User) -> Council:
    """One council per round, composed by the secretariat."""
    actor.require_secretariat()
    if rnd.council is not None:
        raise DomainError(f"Đợt {rnd.year} đã có Hội đồng.")
    council = Council(round=rnd, state=CouncilState.COMPOSING)
    db.session.add(council)
    audit.record("council.create", council, after={"round": rnd.year}, actor=actor)
    return council


def _require_changeable(council: Council) -> None:
    """Members change only while composing, and not while the Decision that names them waits
    for the leaders' signature."""
    _require_state(
        council,
        CouncilState.COMPOSING,
        "Hội đồng đã được thành lập theo Quyết định: không đổi thành viên được.",
    )
    draft = establishment_draft(council)
    if draft is not None and draft.state == DecisionState.SUBMITTED:
        raise DomainError(
            "Quyết định thành lập Hội đồng đang chờ lãnh đạo ký: muốn đổi thành viên, đề nghị "
            "lãnh đạo trả lại dự thảo."
        )


def add_member(council: Council, user: User, position: str, actor: User) -> CouncilMember:
    """Add a member (one chair, one secretary) and give them the council-member role."""
    actor.require_secretariat()
    _require_changeable(council)
    if position not in {p.value for p in Position}:
        raise DomainError("Chức danh trong Hội đồng không hợp lệ.", field="position")
    if not user.active:
        raise DomainError("Tài khoản này đang bị khóa.", field="user_id")
    if council.member_for(user) is not None:
        raise DomainError(f"{user.full_name} đã là thành viên Hội đồng.", field="user_id")
    if position != Position.MEMBER and any(m.position == position for m in council.members):
        raise DomainError(f"Hội đồng đã có {Position(position).label.lower()}.", field="position")
    member = CouncilMember(user=user, position=position)
    council.members.append(member)
    if not user.has_role(Role.COUNCIL_MEMBER):
        user.set_roles(user.roles | {Role.COUNCIL_MEMBER})
    audit.record(
        "council.add_member",
        council,
        after={"user": user.username, "position": position},
        actor=actor,
    )
    return member


def remove_member(council: Council, member: CouncilMember, actor: User) -> None:
    """Take a member off while composing; the role goes when they sit on no other council."""
    actor.require_secretariat()
    _require_changeable(council)
    user = member.user
    council.members.remove(member)
    others = db.session.scalar(
        select(CouncilMember.id).where(
            CouncilMember.user_id == user.id, CouncilMember.id != member.id
        )
    )
    if others is None:
        user.set_roles(user.roles - {Role.COUNCIL_MEMBER})
    audit.record(
        "council.remove_member",
        council,
        before={"user": user.username, "position": member.position},
        actor=actor,
    )


def establishment_draft(council: Council) -> Decision | None:
    """The establishment Decision being drafted, submitted or returned (not signed yet)."""
    return db.session.scalars(
        select(Decision).where(
            Decision.council_id == council.id,
            Decision.kind == DecisionKind.COUNCIL_ESTABLISHMENT,
            Decision.state != DecisionState.APPROVED,
        )
    ).first()


def check_composition(council: Council) -> None:
    """A chair, a secretary and at least MIN_MEMBERS people: what a Decision can establish."""
    positions = [m.position for m in council.members]
    if Position.CHAIR not in positions or Position.SECRETARY not in positions:
        raise DomainError("Hội đồng cần có Chủ tịch Hội đồng và Thư ký Hội đồng.")
    if len(positions) < MIN_MEMBERS:
        raise DomainError(f"Hội đồng cần ít nhất {MIN_MEMBERS} thành viên.")


def establish(council: Council, decision: Decision, signer: User) -> None:
    """composing → established: only by signing its establishment Decision, which names
    exactly these members (the Decision kind's state change; see decision_kinds.py)."""
    _require_state(council, CouncilState.COMPOSING, "Hội đồng đã được thành lập.")
    check_composition(council)
    council.decision = decision
    council.state = CouncilState.ESTABLISHED
    audit.record(
        "council.establish",
        council,
        before={"state": "composing"},
        after={"state": "established", "decision": decision.number_symbol},
        actor=signer,
    )


def open_scoring(council: Council, actor: User) -> None:
    """established → scoring: the secretariat opens scoring once the Decision is signed."""
    actor.require_secretariat()
    if council.state == CouncilState.COMPOSING:
        raise DomainError(
            "Hội đồng chưa được thành lập: cần Quyết định thành lập Hội đồng đã được lãnh đạo "
            "ký ban hành trước khi mở chấm."
        )
    _require_state(council, CouncilState.ESTABLISHED, "Hội đồng đã mở chấm điểm.")
    check_composition(council)
    council.state = CouncilState.SCORING
    council.opened_at = utcnow()
    audit.record(
        "council.open_scoring",
        council,
        before={"state": "established"},
        after={"state": "scoring"},
        actor=actor,
    )


# -- scoring ------------------------------------------------------------------------------------
BEFORE_COUNCIL_STATES = frozenset(
    s.value
    for s in InitiativeState
    if s not in (InitiativeState.DRAFT, InitiativeState.SUBMITTED, InitiativeState.RETURNED)
)


def to_score_query(council: Council, member: CouncilMember) -> Select:
    """The initiatives this member scores: accepted ones of the round, minus conflicts (their
    own office's and the ones they authored; the same rule as `Council.conflicted`)."""
    stmt = _accepted_query(council).where(
        ~exists().where(
            InitiativeAuthor.initiative_id == Initiative.id,
            InitiativeAuthor.user_id == member.user_id,
        )
    )
    if member.user.office_id is not None:
        stmt = stmt.where(Initiative.office_id != member.user.office_id)
    return stmt.options(joinedload(Initiative.office))


def _accepted_query(council: Council) -> Select:
    return (
        select(Initiative)
        .where(
            Initiative.round_id == council.round_id,
            Initiative.state.in_(BEFORE_COUNCIL_STATES),
        )
        .order_by(Initiative.id)
    )


def accepted_initiatives(council: Council) -> list[Initiative]:
    """Initiatives before the council (accepted, or already through scoring)."""
    return list(db.session.scalars(_accepted_query(council)))


def sheets_of(member: CouncilMember, initiative_ids: Sequence[int]) -> dict[int, Score]:
    """The member's score sheets for these initiatives, in one query."""
    found = db.session.scalars(
        select(Score).where(Score.member_id == member.id, Score.initiative_id.in_(initiative_ids))
    )
    return {score.initiative_id: score for score in found}


def sheet(member: CouncilMember, initiative: Initiative) -> Score | None:
    return db.session.scalar(
        select(Score).where(Score.member_id == member.id, Score.initiative_id == initiative.id)
    )


def may_score(council: Council, user: User, initiative: Initiative) -> CouncilMember | None:
    """The member record when `user` may open the score sheet of `initiative`, else None."""
    member = council.member_for(user)
    if member is None or initiative.round_id != council.round_id:
        return None
    if council.conflicted(member, initiative):
        return None
    if initiative.state in (
        InitiativeState.DRAFT,
        InitiativeState.SUBMITTED,
        InitiativeState.RETURNED,
    ):
        return None
    return member


def check_points(
    rubric: Sequence[dict], raw: Mapping[str, object]
) -> tuple[dict[str, int], dict[str, str]]:
    """The rule of a score sheet, without raising: the whole points of every criterion within
    0..max, and the problem of every other criterion, keyed by its field (`points-<code>`)."""
    points: dict[str, int] = {}
    problems: dict[str, str] = {}
    for criterion in rubric:
        code, maximum = criterion["code"], int(criterion["max"])
        name = f"points-{code}"
        value = raw.get(code)
        try:
            number = int(str(value).strip()) if value is not None else None
        except ValueError:
            number = None
        if number is None:
            problems[name] = f"{criterion['label']}: nhập số nguyên từ 0 đến {maximum}."
        elif not 0 <= number <= maximum:
            problems[name] = f"{criterion['label']}: {number} điểm vượt quá khung 0–{maximum}."
        else:
            points[code] = number
    return points, problems


def parse_points(rubric: Sequence[dict], raw: Mapping[str, object]) -> dict[str, int]:
    """Whole points for every criterion, each within 0..max (a sheet over a maximum is void)."""
    points, problems = check_points(rubric, raw)
    if problems:
        field, message = next(iter(problems.items()))
        raise DomainError(message, field=field)
    return points


def submit_score(
    council: Council,
    user: User,
    initiative: Initiative,
    raw_points: Mapping[str, object],
    recommend: bool,
    comment: str,
) -> Score:
    """A member submits their sheet for one initiative: not conflicted, once, within 0..max."""
    _require_state(council, CouncilState.SCORING, "Hội đồng không trong thời gian chấm điểm.")
    member = council.member_for(user)
    if member is None:
        raise DomainError("Bạn không phải thành viên Hội đồng này.")
    if council.conflicted(member, initiative):
        raise DomainError("Bạn không được chấm sáng kiến của đơn vị mình hoặc do mình là tác giả.")
    if initiative.state != InitiativeState.ACCEPTED or initiative.round_id != council.round_id:
        raise DomainError("Sáng kiến này không thuộc danh sách chấm của Hội đồng.")
    # The same member submitting from two tabs at once: the second waits here for the first
    # to commit, then finds the sheet submitted (no second row, no overwritten points).
    lock_row(CouncilMember, member.id)
    existing = db.session.scalar(
        select(Score)
        .where(Score.member_id == member.id, Score.initiative_id == initiative.id)
        .execution_options(populate_existing=True)
    )
    if existing is not None and existing.is_submitted:
        raise DomainError(
            "Bạn đã nộp phiếu chấm sáng kiến này. Muốn sửa, đề nghị Chủ tịch Hội đồng mở lại phiếu."
        )
    points = parse_points(initiative.round.rubric, raw_points)
    score = existing or Score(member=member, initiative=initiative)
    before = {"points": score.points, "recommend": score.recommend} if existing else None
    score.points = points
    score.total = sum(points.values())
    score.recommend = recommend
    score.comment = comment.strip()
    score.submitted_at = utcnow()
    db.session.add(score)
    audit.record(
        "score.submit",
        score,
        before=before,
        after={
            "initiative_id": initiative.id,
            "points": points,
            "total": score.total,
            "recommend": recommend,
        },
        actor=user,
    )
    return score


def reopen_score(council: Council, score: Score, reason: str, actor: User) -> None:
    """Only the chair reopens a submitted sheet, with a reason, while scoring is open."""
    _require_state(council, CouncilState.SCORING, "Hội đồng không trong thời gian chấm điểm.")
    if not council.member_in(actor, Position.CHAIR):
        raise DomainError("Chỉ Chủ tịch Hội đồng được mở lại phiếu chấm.")
    if score.member.council_id != council.id or not score.is_submitted:
        raise DomainError("Phiếu chấm này chưa được nộp.")
    if not reason.strip():
        raise DomainError("Hãy ghi lý do mở lại phiếu chấm.", field="reason")
    score.submitted_at = None
    score.reopened = True
    score.reopen_reason = reason.strip()
    audit.record(
        "score.reopen",
        score,
        before={"submitted": True, "total": score.total},
        after={"submitted": False, "reason": reason.strip()},
        actor=actor,
    )


def can_see_scores(council: Council, user: User, initiative: Initiative) -> bool:
    """Others' sheets: after closing, for the council, secretariat and leaders; before, only for
    a member without conflict who has submitted their own sheet for that initiative."""
    if council.state == CouncilState.CLOSED:
        return council.can_view(user)
    member = may_score(council, user, initiative)
    if member is None:
        return False
    own = sheet(member, initiative)
    return own is not None and own.is_submitted


def submitted_sheets(council: Council, initiative: Initiative) -> list[Score]:
    return list(
        db.session.scalars(
            select(Score)
            .join(CouncilMember)
            .where(
                CouncilMember.council_id == council.id,
                Score.initiative_id == initiative.id,
                Score.submitted_at.is_not(None),
            )
            .order_by(CouncilMember.id)
        )
    )


def submitted_by_initiative(council: Council) -> dict[int, list[Score]]:
    """Every submitted sheet of the council in one query, grouped by initiative id."""
    grouped: dict[int, list[Score]] = {}
    for score in db.session.scalars(
        select(Score)
        .join(CouncilMember)
        .where(CouncilMember.council_id == council.id, Score.submitted_at.is_not(None))
        .order_by(CouncilMember.id)
    ):
        grouped.setdefault(score.initiative_id, []).append(score)
    return grouped


def members_done(council: Council) -> list[CouncilMember]:
    """Members who have submitted a sheet for every initiative they may score."""
    initiatives = accepted_initiatives(council)
    submitted = {
        (s.member_id, initiative_id)
        for initiative_id, sheets in submitted_by_initiative(council).items()
        for s in sheets
    }
    return [
        member
        for member in council.members
        if all(
            (member.id, i.id) in submitted for i in initiatives if not council.conflicted(member, i)
        )
    ]


def _fraction_met(count: int, total: int, num: int, den: int) -> bool:
    return total > 0 and count * den >= total * num


def close_scoring(council: Council, actor: User) -> list[Result]:
    """scoring → closed, by the chair once ≥ quorum of members have scored everything; each
    initiative becomes scored, then recommended or not by the round's rule."""
    _require_state(council, CouncilState.SCORING, "Hội đồng không trong thời gian chấm điểm.")
    if not council.member_in(actor, Position.CHAIR):
        raise DomainError("Chỉ Chủ tịch Hội đồng được kết thúc chấm điểm.")
    rnd = council.round
    done = len(members_done(council))
    total = len(council.members)
    if not _fraction_met(done, total, rnd.quorum_num, rnd.quorum_den):
        raise DomainError(
            f"Chưa đủ túc số: mới {done}/{total} thành viên chấm xong; cần ít nhất "
            f"{rnd.quorum_num}/{rnd.quorum_den} số thành viên."
        )
    initiatives = accepted_initiatives(council)
    if not initiatives:
        raise DomainError("Chưa có sáng kiến nào được tiếp nhận để chấm.")
    results = council_results(council)
    council.state = CouncilState.CLOSED
    council.closed_at = utcnow()
    council.closed_by = actor
    audit.record(
        "council.close_scoring",
        council,
        before={"state": "scoring"},
        after={"state": "closed", "members_done": done, "members": total},
        actor=actor,
    )
    for result in results:
        if result.initiative.state == InitiativeState.ACCEPTED:
            initiative_ops.mark_scored(result.initiative, actor)
            initiative_ops.mark_recommendation(result.initiative, result.recommended, actor)
    return results


# -- results ------------------------------------------------------------------------------------
@dataclass
class Sheet:
    """What the result needs of one submitted score sheet."""

    points: Mapping[str, int]
    total: int
    recommend: bool


@dataclass
class Result:
    initiative: Initiative | None
    scorers: int
    means: dict[str, Fraction]
    mean_total: Fraction
    lowest: int | None
    highest: int | None
    yes_votes: int
    quorum: bool
    recommended: bool
    reasons: list[str] = field(default_factory=list)
    rank: int = 0
    tied: bool = False


def evaluate(
    rnd: Round, member_count: int, sheets: Sequence[Sheet], initiative: Initiative | None = None
) -> Result:
    """The SPEC §5 rule for one initiative: quorum of the council's members scored it, mean total
    ≥ the round's threshold, mean novelty > 0, and ≥ 2/3 of its scorers vote to recommend."""
    n = len(sheets)
    means = {
        c["code"]: (
            Fraction(sum(s.points.get(c["code"], 0) for s in sheets), n) if n else Fraction(0)
        )
        for c in rnd.rubric
    }
    mean_total = Fraction(sum(s.total for s in sheets), n) if n else Fraction(0)
    yes = sum(1 for s in sheets if s.recommend)
    quorum = _fraction_met(n, member_count, rnd.quorum_num, rnd.quorum_den)
    reasons = []
    if not quorum:
        reasons.append(f"Không đủ túc số ({n}/{member_count} thành viên chấm)")
    if mean_total < rnd.pass_min_total:
        reasons.append(f"Điểm trung bình dưới {rnd.pass_min_total}")
    if means.get(rnd.novelty_code, Fraction(0)) <= 0:
        reasons.append("Không có tính mới")
    if not _fraction_met(yes, n, rnd.vote_num, rnd.vote_den):
        reasons.append(f"Chưa đủ {rnd.vote_num}/{rnd.vote_den} phiếu đề nghị ({yes}/{n})")
    totals = [s.total for s in sheets]
    return Result(
        initiative=initiative,
        scorers=n,
        means=means,
        mean_total=mean_total,
        lowest=min(totals) if totals else None,
        highest=max(totals) if totals else None,
        yes_votes=yes,
        quorum=quorum,
        recommended=not reasons,
        reasons=reasons,
    )


def rank(results: list[Result]) -> list[Result]:
    """Highest mean total first; equal means share a rank (1, 1, 3) and are marked tied."""
    ordered = sorted(results, key=lambda r: (-r.mean_total, r.initiative.id if r.initiative else 0))
    for index, result in enumerate(ordered):
        if index and result.mean_total == ordered[index - 1].mean_total:
            result.rank = ordered[index - 1].rank
            result.tied = ordered[index - 1].tied = True
        else:
            result.rank = index + 1
    return ordered


def council_results(council: Council) -> list[Result]:
    member_count = len(council.members)
    submitted = submitted_by_initiative(council)
    results = []
    for initiative in accepted_initiatives(council):
        sheets = [Sheet(s.points, s.total, s.recommend) for s in submitted.get(initiative.id, [])]
        results.append(evaluate(council.round, member_count, sheets, initiative))
    return rank(results)


@register_result_of
def result_of(initiative: Initiative) -> Result | None:
    """The initiative's result once its round's council has closed scoring (else None)."""
    council = initiative.round.council
    if council is None or council.state != CouncilState.CLOSED:
        return None
    return next((r for r in council_results(council) if r.initiative is initiative), None)


def progress(council: Council) -> list[tuple[Initiative, list[Score], int]]:
    """Per initiative: its submitted sheets (the page shows who, never the points) and how
    many members may score it."""
    submitted = submitted_by_initiative(council)
    rows = []
    for initiative in accepted_initiatives(council):
        eligible = sum(1 for m in council.members if not council.conflicted(m, initiative))
        rows.append((initiative, submitted.get(initiative.id, []), eligible))
    return rows


def councils_for(user: User) -> list[Council]:
    stmt = select(Council).join(Round).order_by(Round.year.desc())
    if not (user.is_secretariat or user.is_leader):
        stmt = stmt.where(
            Council.id.in_(select(CouncilMember.council_id).where(CouncilMember.user_id == user.id))
        )
    return list(db.session.scalars(stmt))
