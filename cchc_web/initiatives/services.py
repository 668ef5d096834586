"""Initiative operations (SPEC §5): one function per transition, each checking the role and the
state, writing the audit log, and raising DomainError (Vietnamese) on refusal. Routes commit."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, selectinload

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import local_today, utcnow
from ..models import (
    Attachment,
    CityOutcome,
    CityResult,
    Decision,
    Initiative,
    InitiativeAttachment,
    InitiativeAuthor,
    InitiativeState,
    Office,
    Position,
    Role,
    Round,
    SubmissionReopening,
    User,
    commune_settings,
)
from ..models.initiatives import (
    DEFAULT_RUBRIC,  # noqa: F401 - re-exported: the round form and tests use it
    EDITABLE_STATES,
    HANDED_IN_STATES,
    RECOGNISED_STATES,
    WAS_RECOMMENDED_STATES,
)
from ..models.search import searched
from ..records import audit
from ..text import Query

S = InitiativeState
CONTENT_FIELDS = (
    "title",
    "field",
    "current_situation",
    "solution",
    "novelty",
    "piloted",
    "first_applied_on",
    "applied_where",
    "conditions",
    "replication",
    "effectiveness",
)


# -- rounds -------------------------------------------------------------------------------------
@dataclass
class RoundData:
    year: int
    title: str
    submission_deadline: date
    decision_deadline: date
    # None: the commune's initiative fields (Quản trị › Thiết lập)
    open_fields: list[str] | None = None
    pass_min_total: int = 50
    rubric: list[dict] | None = None


def _round_snapshot(rnd: Round) -> dict:
    return audit.snapshot(
        rnd,
        ("year", "title", "submission_deadline", "decision_deadline", "open_fields", "rubric"),
    ) | {"pass_min_total": rnd.pass_min_total}


def _check_round(data: RoundData, rnd: Round | None) -> None:
    if data.decision_deadline < data.submission_deadline:
        raise DomainError(
            "Hạn Quyết định công nhận phải sau hạn nộp sáng kiến.", field="decision_deadline"
        )
    settings = commune_settings.current()
    if data.open_fields is None:
        data.open_fields = list(settings.initiative_fields)
    if not data.open_fields:
        raise DomainError("Hãy chọn ít nhất một lĩnh vực.", field="open_fields")
    allowed = set(settings.initiative_fields) | set(rnd.open_fields if rnd is not None else ())
    if not set(data.open_fields) <= allowed:
        raise DomainError(
            "Lĩnh vực không có trong danh mục lĩnh vực sáng kiến của đơn vị "
            "(Quản trị › Thiết lập).",
            field="open_fields",
        )
    other = db.session.scalar(select(Round).where(Round.year == data.year))
    if other is not None and other is not rnd:
        raise DomainError(f"Đã có đợt sáng kiến năm {data.year}.", field="year")
    rubric = data.rubric if data.rubric is not None else settings.rubric
    if data.pass_min_total > sum(int(c["max"]) for c in rubric):
        raise DomainError("Điểm sàn vượt quá tổng điểm tối đa.", field="pass_min_total")


def create_round(data: RoundData, actor: User) -> Round:
    """Open a yearly round (secretariat only), with the commune's default rubric (Quản trị ›
    Thiết lập) unless one is given; the round keeps its own copy."""
    actor.require_secretariat()
    _check_round(data, None)
    rnd = Round(
        year=data.year,
        title=data.title.strip(),
        submission_deadline=data.submission_deadline,
        decision_deadline=data.decision_deadline,
        open_fields=list(data.open_fields),
        pass_min_total=data.pass_min_total,
        rubric=[dict(c) for c in (data.rubric or commune_settings.current().rubric)],
    )
    db.session.add(rnd)
    audit.record("round.create", rnd, after=_round_snapshot(rnd), actor=actor)
    return rnd


def update_round(rnd: Round, data: RoundData, actor: User) -> Round:
    """Change a round; its rubric is frozen once the council has begun scoring."""
    actor.require_secretariat()
    _check_round(data, rnd)
    before = _round_snapshot(rnd)
    if data.rubric is not None and data.rubric != rnd.rubric:
        if rnd.council is not None and rnd.council.state != "composing":
            raise DomainError("Hội đồng đã bắt đầu chấm: không thể sửa thang điểm.", field="rubric")
        rnd.rubric = [dict(c) for c in data.rubric]
    rnd.year = data.year
    rnd.title = data.title.strip()
    rnd.submission_deadline = data.submission_deadline
    rnd.decision_deadline = data.decision_deadline
    rnd.open_fields = list(data.open_fields)
    rnd.pass_min_total = data.pass_min_total
    audit.record("round.update", rnd, before=before, after=_round_snapshot(rnd), actor=actor)
    return rnd


def parse_rubric(text: str) -> list[dict]:
    """One criterion per line: `code | label | max | bands`. Refuses duplicates and bad maxima."""
    rubric: list[dict] = []
    for n, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = [p.strip() for p in raw.split("|")]
        if len(parts) < 3 or not parts[0] or not parts[1]:
            raise DomainError(
                f"Dòng {n}: cần dạng “mã | tên tiêu chí | điểm tối đa | mô tả mức điểm”.",
                field="rubric",
            )
        try:
            maximum = int(parts[2])
        except ValueError:
            maximum = 0
        if not 1 <= maximum <= 100:
            raise DomainError(f"Dòng {n}: điểm tối đa phải từ 1 đến 100.", field="rubric")
        if any(c["code"] == parts[0] for c in rubric):
            raise DomainError(f"Dòng {n}: mã “{parts[0]}” bị trùng.", field="rubric")
        rubric.append(
            {"code": parts[0], "label": parts[1], "max": maximum, "bands": " | ".join(parts[3:])}
        )
    if not rubric:
        raise DomainError("Thang điểm cần ít nhất một tiêu chí.", field="rubric")
    return rubric


def rubric_text(rubric: Sequence[dict]) -> str:
    return "\n".join(f"{c['code']} | {c['label']} | {c['max']} | {c['bands']}" for c in rubric)


def reopen_submission(
    rnd: Round, office: Office, reason: str, until: date, actor: User, *, today: date | None = None
) -> SubmissionReopening:
    """After the deadline the secretariat may reopen submission for one office, with a reason."""
    actor.require_secretariat()
    today = today or local_today()
    if not reason.strip():
        raise DomainError("Hãy nêu lý do mở lại.", field="reason")
    if until < today:
        raise DomainError("Hạn mở lại phải từ hôm nay trở đi.", field="until")
    if until > rnd.decision_deadline and today <= rnd.decision_deadline:
        raise DomainError(
            "Hạn mở lại không được sau hạn Quyết định công nhận "
            f"({rnd.decision_deadline:%d/%m/%Y}).",
            field="until",
        )
    reopening = SubmissionReopening(
        round=rnd, office=office, reason=reason.strip(), until=until, reopened_by=actor
    )
    db.session.add(reopening)
    audit.record(
        "round.reopen_submission",
        rnd,
        after={"office": office.code, "reason": reason.strip(), "until": until},
        actor=actor,
    )
    return reopening


def rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.year.desc())))


def current_round(all_rounds: Sequence[Round] | None = None) -> Round | None:
    """This year's round, else the latest; picked from `all_rounds` (newest first, as
    `rounds()` gives them) when the caller has them already."""
    year = local_today().year
    if all_rounds is not None:
        return next((r for r in all_rounds if r.year == year), None) or next(iter(all_rounds), None)
    return db.session.scalar(select(Round).where(Round.year == year)) or db.session.scalar(
        select(Round).order_by(Round.year.desc()).limit(1)
    )


# -- initiatives: drafting ----------------------------------------------------------------------
@dataclass
class AuthorData:
    user_id: int | None = None
    external_name: str = ""
    share: int | None = None
    date_of_birth: date | None = None
    qualification: str = ""


@dataclass
class InitiativeData:
    title: str
    field: str
    current_situation: str = ""
    solution: str = ""
    novelty: str = ""
    piloted: bool = False
    first_applied_on: date | None = None
    applied_where: str = ""
    conditions: str = ""
    replication: str = ""
    effectiveness: str = ""
    authors: list[AuthorData] = field(default_factory=list)


def _check_authors(office: Office, authors: list[AuthorData]) -> list[AuthorData]:
    """Authors are users of the office (or named outsiders); shares are whole % summing to 100."""
    rows = [a for a in authors if a.user_id or a.external_name.strip() or a.share]
    if not rows:
        raise DomainError("Hãy ghi ít nhất một tác giả.", field="authors")
    seen: set[int] = set()
    for a in rows:
        if not a.user_id and not a.external_name.strip():
            raise DomainError("Mỗi dòng tác giả cần chọn người hoặc ghi họ tên.", field="authors")
        if a.user_id:
            user = db.session.get(User, a.user_id)
            if user is None or not user.belongs_to(office):
                raise DomainError(
                    "Tác giả phải là cán bộ của đơn vị (người ngoài đơn vị: ghi họ tên).",
                    field="authors",
                )
            if a.user_id in seen:
                raise DomainError(f"{user.full_name} được ghi hai lần.", field="authors")
            seen.add(a.user_id)
        if a.share is None or not 1 <= a.share <= 100:
            raise DomainError(
                "Tỷ lệ đóng góp của mỗi tác giả là số nguyên từ 1 đến 100 (%).", field="authors"
            )
    total = sum(a.share or 0 for a in rows)
    if total != 100:
        raise DomainError(
            f"Tổng tỷ lệ đóng góp của các tác giả phải bằng 100% (hiện là {total}%).",
            field="authors",
        )
    return rows


def _check_content(rnd: Round, data: InitiativeData) -> None:
    if not data.title.strip():
        raise DomainError("Hãy nhập tên sáng kiến.", field="title")
    if data.field not in rnd.open_fields:
        raise DomainError("Lĩnh vực này không thuộc đợt sáng kiến.", field="field")


def _apply(initiative: Initiative, data: InitiativeData, authors: list[AuthorData]) -> None:
    for name in CONTENT_FIELDS:
        value = getattr(data, name)
        setattr(initiative, name, value.strip() if isinstance(value, str) else value)
    # Keep the row of an author who stays (matched by user), so that the flush never inserts
    # a second row for the same user before deleting the first (unique per initiative).
    by_user = {a.user_id: a for a in initiative.authors if a.user_id}
    outsiders = [a for a in initiative.authors if not a.user_id]
    rows = []
    for a in authors:
        if a.user_id and a.user_id in by_user:
            row = by_user.pop(a.user_id)
        elif not a.user_id and outsiders:
            row = outsiders.pop(0)
        else:
            row = InitiativeAuthor()
        row.user_id = a.user_id or None
        row.external_name = "" if a.user_id else a.external_name.strip()
        row.share = a.share
        row.date_of_birth = a.date_of_birth
        row.qualification = a.qualification.strip()
        rows.append(row)
    initiative.authors = rows


def _snapshot(initiative: Initiative) -> dict:
    data = audit.snapshot(initiative, ("state", *CONTENT_FIELDS))
    data["authors"] = [
        {"user_id": a.user_id, "name": a.external_name, "share": a.share}
        for a in initiative.authors
    ]
    return data


def create_initiative(
    rnd: Round,
    office: Office,
    data: InitiativeData,
    actor: User,
    evidence: Iterable[Attachment] = (),
) -> Initiative:
    """Staff or head of an office draft an initiative of their office."""
    if not (actor.belongs_to(office) and actor.has_role(Role.STAFF, Role.HEAD)):
        raise DomainError("Chỉ cán bộ, lãnh đạo của đơn vị được soạn sáng kiến của đơn vị.")
    _check_content(rnd, data)
    authors = _check_authors(office, data.authors)
    initiative = Initiative(round=rnd, office=office, created_by=actor, state=S.DRAFT)
    _apply(initiative, data, authors)
    initiative.evidence = [InitiativeAttachment(attachment=a) for a in evidence]
    db.session.add(initiative)
    audit.record("initiative.create", initiative, after=_snapshot(initiative), actor=actor)
    return initiative


def update_initiative(
    initiative: Initiative,
    data: InitiativeData,
    actor: User,
    evidence: Iterable[Attachment] = (),
    remove_evidence: Iterable[int] = (),
) -> Initiative:
    """Edit a draft or returned initiative (staff or head of its office)."""
    if not initiative.can_edit(actor):
        raise DomainError("Sáng kiến này không sửa được ở trạng thái hiện tại.")
    _check_content(initiative.round, data)
    authors = _check_authors(initiative.office, data.authors)
    before = _snapshot(initiative)
    _apply(initiative, data, authors)
    drop = set(remove_evidence)
    initiative.evidence = [e for e in initiative.evidence if e.attachment_id not in drop] + [
        InitiativeAttachment(attachment=a) for a in evidence
    ]
    audit.record(
        "initiative.update", initiative, before=before, after=_snapshot(initiative), actor=actor
    )
    return initiative


# -- initiatives: transitions -------------------------------------------------------------------
def _transition(
    initiative: Initiative, to: InitiativeState, action: str, actor: User | None, **extra
) -> None:
    before = {"state": initiative.state}
    initiative.state = to
    audit.record(action, initiative, before=before, after={"state": to.value, **extra}, actor=actor)


def submit_initiative(initiative: Initiative, actor: User, *, today: date | None = None) -> None:
    """draft/returned → submitted: the head of the office, while submission is open for it."""
    if initiative.state not in EDITABLE_STATES:
        raise DomainError(
            f"Sáng kiến này đã được gửi ({initiative.state.label.lower()}): không gửi lại được."
        )
    if not initiative.can_submit(actor):
        raise DomainError("Chỉ lãnh đạo đơn vị được gửi sáng kiến của đơn vị.")
    today = today or local_today()
    rnd = initiative.round
    if not rnd.submission_open_for(initiative.office_id, today):
        raise DomainError(
            f"Đã hết hạn nộp sáng kiến ({rnd.submission_deadline:%d/%m/%Y}). "
            "Liên hệ Phòng Văn hóa - Xã hội nếu cần mở lại."
        )
    _check_authors(initiative.office, [_author_data(a) for a in initiative.authors])
    initiative.submitted_at = utcnow()
    initiative.submitted_by = actor
    _transition(initiative, S.SUBMITTED, "initiative.submit", actor)


def _author_data(a: InitiativeAuthor) -> AuthorData:
    return AuthorData(a.user_id, a.external_name, a.share, a.date_of_birth, a.qualification)


def return_initiative(initiative: Initiative, comment: str, actor: User) -> None:
    """submitted → returned: the secretariat, with a comment saying what to complete."""
    actor.require_secretariat()
    if initiative.state != S.SUBMITTED:
        raise DomainError("Chỉ trả lại được sáng kiến đang chờ tiếp nhận.")
    if not comment.strip():
        raise DomainError("Hãy ghi nội dung cần hoàn thiện khi trả lại.", field="comment")
    initiative.return_comment = comment.strip()
    _transition(initiative, S.RETURNED, "initiative.return", actor, comment=comment.strip())


def accept_initiative(initiative: Initiative, actor: User, note: str = "") -> None:
    """submitted → accepted for review: the secretariat puts it before the council.

    Nghị định 13/2012 (Điều 3) recognises only what has been applied or piloted: without that
    evidence (a first application date, where, an evidence file) the secretariat writes why it
    accepts the initiative anyway, and the reason stays with it."""
    actor.require_secretariat()
    if initiative.state != S.SUBMITTED:
        raise DomainError("Chỉ tiếp nhận được sáng kiến đang chờ tiếp nhận.")
    council = initiative.round.council
    if council is not None and council.state == "closed":
        raise DomainError("Hội đồng đã kết thúc chấm điểm: không tiếp nhận thêm được.")
    note = (note or "").strip()
    if not initiative.has_application_evidence and not note:
        raise DomainError(
            "Sáng kiến chưa có minh chứng đã áp dụng hoặc áp dụng thử (ngày áp dụng, nơi áp "
            "dụng và tệp minh chứng): hãy ghi lý do vẫn tiếp nhận, hoặc trả lại để đơn vị bổ sung.",
            field="note",
        )
    if len(note) > 2000:
        raise DomainError("Lý do dài tối đa 2000 ký tự.", field="note")
    initiative.accepted_at = utcnow()
    initiative.return_comment = ""
    initiative.acceptance_note = note
    _transition(initiative, S.ACCEPTED, "initiative.accept", actor, note=note)


def _require_council_chair(initiative: Initiative, actor: User) -> None:
    council = initiative.round.council
    if council is None or not council.member_in(actor, Position.CHAIR):
        raise DomainError("Chỉ Chủ tịch Hội đồng kết luận kết quả chấm.")


def mark_scored(initiative: Initiative, actor: User) -> None:
    """accepted → scored: by the council's chair, when closing scoring."""
    _require_council_chair(initiative, actor)
    if initiative.state != S.ACCEPTED:
        raise DomainError("Sáng kiến chưa được tiếp nhận để chấm.")
    _transition(initiative, S.SCORED, "initiative.scored", actor)


def mark_recommendation(initiative: Initiative, recommended: bool, actor: User) -> None:
    """scored → recommended / not recommended, from the council's result (SPEC §5 rule)."""
    _require_council_chair(initiative, actor)
    if initiative.state != S.SCORED:
        raise DomainError("Sáng kiến chưa được Hội đồng chấm xong.")
    to = S.RECOMMENDED if recommended else S.NOT_RECOMMENDED
    _transition(initiative, to, f"initiative.{to.value}", actor)


def mark_recognised(initiatives: Iterable[Initiative], decision: Decision, actor: User) -> None:
    """recommended → recognised, by the signed recognition Decision (called when it is
    signed, with the signing leader as ``actor``); an initiative is recognised only once."""
    _mark_decided(initiatives, decision, S.RECOGNISED, actor)


def mark_not_recognised(initiatives: Iterable[Initiative], decision: Decision, actor: User) -> None:
    """recommended → not recognised: left out of the signed Decision, with a written reason."""
    _mark_decided(initiatives, decision, S.NOT_RECOGNISED, actor)


def _require_signed(decision: Decision, actor: User | None) -> None:
    if actor is None or not actor.is_leader:
        raise DomainError("Chỉ Chủ tịch, Phó Chủ tịch UBND quyết định công nhận sáng kiến.")
    if not decision.is_approved:
        raise DomainError("Văn bản chưa được ký ban hành.")


def _mark_decided(
    initiatives: Iterable[Initiative], decision: Decision, to: InitiativeState, actor: User
) -> None:
    _require_signed(decision, actor)
    items = list(initiatives)
    for initiative in items:
        if initiative.state != S.RECOMMENDED:
            raise DomainError(
                f"“{initiative.title}” không ở trạng thái được đề nghị công nhận "
                f"({initiative.state.label.lower()})."
            )
    for initiative in items:
        initiative.recognition_decision = decision
        _transition(
            initiative, to, f"initiative.{to.value}", actor, decision=decision.number_symbol
        )


def returned_by_city():
    """The condition of an initiative the city returned (its `CityResult` of this commune):
    nominated, it may be nominated again by a new Tờ trình."""
    return (
        select(CityResult.id)
        .where(
            CityResult.initiative_id == Initiative.id,
            CityResult.outcome == CityOutcome.RETURNED,
        )
        .exists()
    )


def may_nominate(initiative: Initiative) -> bool:
    """Recognised and not nominated yet, or nominated and returned by the city."""
    if initiative.state == S.RECOGNISED:
        return True
    return initiative.state == S.NOMINATED and _returned_result(initiative) is not None


def _returned_result(initiative: Initiative) -> CityResult | None:
    return db.session.scalar(
        select(CityResult).where(
            CityResult.initiative_id == initiative.id,
            CityResult.outcome == CityOutcome.RETURNED,
        )
    )


def mark_nominated(initiatives: Iterable[Initiative], decision: Decision, actor: User) -> None:
    """recognised → nominated to city level, by the signed Tờ trình ``decision``; a
    nomination the city returned is nominated again by it (the return's record gives way to
    the new Tờ trình, the audit log keeps both)."""
    _require_signed(decision, actor)
    # Each with the city's return it answers (None: recognised, nominated for the first time).
    items = [
        (initiative, _returned_result(initiative) if initiative.state == S.NOMINATED else None)
        for initiative in initiatives
    ]
    for initiative, returned in items:
        if initiative.state != S.RECOGNISED and returned is None:
            raise DomainError(
                f"“{initiative.title}” chưa được công nhận cấp xã: không đề nghị cấp thành phố "
                "được."
            )
    for initiative, returned in items:
        extra = {"decision": decision.number_symbol}
        if returned is not None:
            extra["again_after_return"] = {
                "returned_on": returned.decided_at.isoformat(),
                "reason": returned.note,
            }
            db.session.delete(returned)
        initiative.nomination_decision = decision
        _transition(initiative, S.NOMINATED, "initiative.nominate", actor, **extra)


def recognised_in(rnd: Round) -> list[Initiative]:
    """What a nomination may pick: the round's recognised initiatives not nominated yet, and
    those nominated that the city returned (`may_nominate`)."""
    return list(
        db.session.scalars(
            select(Initiative)
            .where(
                Initiative.round_id == rnd.id,
                (Initiative.state == S.RECOGNISED.value)
                | ((Initiative.state == S.NOMINATED.value) & returned_by_city()),
            )
            .order_by(Initiative.id)
        )
    )


# -- queries ------------------------------------------------------------------------------------
def visible_initiative_rows(
    user: User,
    rnd: Round | None,
    state: str = "",
    office_id: int | None = None,
    query: Query | None = None,
):
    """The initiatives a user may list as plain rows, the columns the list shows
    (`initiative_rows` adds the authors): no ORM object per initiative, author and account."""
    stmt = (
        select(
            Initiative.id,
            Initiative.title,
            Initiative.field,
            Initiative.state,
            Office.code,
            Round.year,
        )
        .join(Office, Office.id == Initiative.office_id)
        .join(Round, Round.id == Initiative.round_id)
    )
    return _visible(stmt, user, rnd, state, office_id, query)


def visible_initiatives(
    user: User,
    rnd: Round | None,
    state: str = "",
    office_id: int | None = None,
    query: Query | None = None,
    *,
    with_authors: bool = True,
):
    """The initiatives a user may list, as ORM objects with their office (and authors)."""
    stmt = select(Initiative).join(Office).options(contains_eager(Initiative.office))
    if with_authors:
        stmt = stmt.options(selectinload(Initiative.authors).selectinload(InitiativeAuthor.user))
    return _visible(stmt, user, rnd, state, office_id, query)


def _visible(
    stmt, user: User, rnd: Round | None, state: str, office_id: int | None, query: Query | None
):
    """`stmt` kept to what `user` may list: their office's, or all for cross-office readers
    (whose view of other offices starts at the first submission: drafts are the office's own);
    with a query, those it finds (title, field, solution), best first."""
    if rnd is not None:
        stmt = stmt.where(Initiative.round_id == rnd.id)
    own = Initiative.office_id == (user.office_id or -1)
    if user.sees_all_offices:
        stmt = stmt.where(own | Initiative.submitted_at.is_not(None))
        if office_id:
            stmt = stmt.where(Initiative.office_id == office_id)
    else:
        stmt = stmt.where(own)
    if state in {s.value for s in S}:
        stmt = stmt.where(Initiative.state == state)
    return searched(stmt.order_by(Office.sort_order, Initiative.id.desc()), Initiative, query)


@dataclass(slots=True)
class InitiativeRow:
    """An initiative as the list shows it."""

    id: int
    title: str
    field: str
    state: InitiativeState
    office_code: str
    year: int  # of its round (shown when a search lists every year)
    authors: list[tuple[str, int | None]]  # (name, share %) in the order they were entered

    @property
    def field_label(self) -> str:
        return commune_settings.current().initiative_field_label(self.field)


def initiative_rows(rows: Sequence) -> list[InitiativeRow]:
    """Rows of `visible_initiative_rows` with their authors, read in one more statement."""
    items = [InitiativeRow(r.id, r.title, r.field, r.state, r.code, r.year, []) for r in rows]
    if items:
        by_id = {item.id: item for item in items}
        for author in db.session.execute(
            select(
                InitiativeAuthor.initiative_id,
                func.coalesce(User.full_name, InitiativeAuthor.external_name).label("name"),
                InitiativeAuthor.share,
            )
            .outerjoin(User, User.id == InitiativeAuthor.user_id)
            .where(InitiativeAuthor.initiative_id.in_(by_id))
            .order_by(InitiativeAuthor.id)
        ):
            by_id[author.initiative_id].authors.append((author.name, author.share))
    return items


def offices_and_missing(rnd: Round | None, with_missing: bool) -> tuple[list[Office], list[Office]]:
    """The active offices (for a filter), and with `with_missing` those with no initiative
    handed in `rnd` (SPEC §5: at least one a year), in one statement."""
    if rnd is None or not with_missing:
        offices = db.session.scalars(
            select(Office).where(Office.active).order_by(Office.sort_order, Office.code)
        ).all()
        return list(offices), []
    handed_in = (
        select(Initiative.id)
        .where(
            Initiative.office_id == Office.id,
            Initiative.round_id == rnd.id,
            Initiative.state.in_([s for s in HANDED_IN_STATES]),
        )
        .exists()
    )
    rows = db.session.execute(
        select(Office, handed_in).where(Office.active).order_by(Office.sort_order, Office.code)
    ).all()
    return [o for o, _ in rows], [o for o, has in rows if not has]


def offices_without_submission(rnd: Round) -> list[Office]:
    """Active offices with no initiative handed in this round (SPEC §5: at least one a year)."""
    return offices_and_missing(rnd, with_missing=True)[1]


@dataclass
class EmulationRow:
    office: Office
    year: int
    submitted: int
    recommended: int
    recognised: int


def emulation_table(year: int | None = None) -> list[EmulationRow]:
    """Per office and year: initiatives handed in, recommended by the council, recognised."""
    years = [year] if year else [r.year for r in rounds()]
    offices = list(db.session.scalars(select(Office).order_by(Office.sort_order, Office.code)))
    counts = db.session.execute(
        select(Round.year, Initiative.office_id, Initiative.state, func.count(Initiative.id))
        .join(Round)
        .group_by(Round.year, Initiative.office_id, Initiative.state)
    ).all()
    table: dict[tuple[int, int], list[int]] = {}
    for yr, office_id, state, n in counts:
        cell = table.setdefault((yr, office_id), [0, 0, 0])
        if state in HANDED_IN_STATES:
            cell[0] += n
        if state in WAS_RECOMMENDED_STATES:
            cell[1] += n
        if state in RECOGNISED_STATES:
            cell[2] += n
    rows = []
    for yr in years:
        for office in offices:
            cell = table.get((yr, office.id), [0, 0, 0])
            if office.active or any(cell):
                rows.append(EmulationRow(office, yr, *cell))
    return rows
