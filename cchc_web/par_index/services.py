"""PAR Index operations: building a set, assigning leaves, self-scoring, appraisal, totals.

Every operation checks its rule, changes state, writes the audit log and raises DomainError
(Vietnamese) on refusal; the route commits or rolls back. Points are Decimal throughout.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import format_date, local_today, utcnow
from ..models import (
    Appraisal,
    Attachment,
    IndexItem,
    IndexSet,
    Office,
    SelfScore,
    SetStatus,
    User,
)
from ..models.search import searched
from ..records import audit
from ..text import Query
from .tabular import ItemRow, points

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")

# Grades of SPEC §4 on the 100-point index. Each lower bound belongs to its grade:
# exactly 90 is A, exactly 80 is B, exactly 70 is C (the text says "≥ 90" for A and we read
# "80–90" the same way: from 80 inclusive up to, not including, 90). The grade is taken from
# the index rounded to 2 decimals, the figure people see, so 89,996 shows as 90,00 and is A.
GRADES: tuple[tuple[Decimal, str, str], ...] = (
    (Decimal("90"), "A", "Xuất sắc"),
    (Decimal("80"), "B", "Tốt"),
    (Decimal("70"), "C", "Khá"),
    (ZERO, "D", "Trung bình"),
)


def office_codes() -> set[str]:
    return set(db.session.scalars(select(Office.code).where(Office.active)))


def _whole_set():
    """Load a set's tree, offices, scores, evidence and appraisals in a handful of queries
    (the pages walk the whole tree; lazy loading took ~500 queries for the default set)."""
    items = selectinload(IndexSet.items)
    return (
        items.selectinload(IndexItem.children),
        items.joinedload(IndexItem.office),
        items.selectinload(IndexItem.self_score).options(
            selectinload(SelfScore.evidence),
            selectinload(SelfScore.appraisal),
            joinedload(SelfScore.scored_by),
        ),
    )


def load_set(set_id: int) -> IndexSet | None:
    return db.session.get(IndexSet, set_id, options=_whole_set())


def set_for_year(year: int) -> IndexSet | None:
    return db.session.scalar(select(IndexSet).where(IndexSet.year == year).options(*_whole_set()))


def all_sets() -> list[IndexSet]:
    return list(db.session.scalars(select(IndexSet).order_by(IndexSet.year.desc())))


def _set_snapshot(index_set: IndexSet) -> dict:
    return audit.snapshot(
        index_set,
        ("year", "title", "deadline", "status", "survey_score", "bonus_points", "penalty_points"),
    )


# -- building a set ---------------------------------------------------------------------------
def create_set(
    year: int,
    title: str,
    deadline: date | None,
    rows: list[ItemRow],
    *,
    with_offices: bool = True,
    source: str = "import",
    actor: User | None = None,
) -> IndexSet:
    """Create the set of `year` from checked rows (see tabular.parse_rows).

    One set per year; the rows must already be free of issues.
    """
    if set_for_year(year) is not None:
        raise DomainError(f"Năm {year} đã có bộ chỉ số.", field="year")
    if not rows:
        raise DomainError("Bộ chỉ số phải có ít nhất một mục.")
    offices = {o.code: o for o in db.session.scalars(select(Office))}
    index_set = IndexSet(
        year=year,
        title=title.strip() or f"Bộ chỉ số cải cách hành chính năm {year}",
        deadline=deadline,
        status=SetStatus.DRAFT,
        bonus_points=ZERO,
        penalty_points=ZERO,
    )
    db.session.add(index_set)
    items: dict[str, IndexItem] = {}
    # Parents first, so that each child finds its parent; sort_order keeps the file's order.
    for row in sorted(rows, key=lambda r: r.level):
        item = IndexItem(
            index_set=index_set,
            code=row.code,
            title=row.title,
            max_points=row.max_points,
            guidance=row.guidance,
            method=row.method,
            level=row.level,
            sort_order=row.row,
            parent=items[row.parent_code] if row.parent_code else None,
            office=offices.get(row.office_code) if with_offices and row.office_code else None,
        )
        db.session.add(item)
        items[row.code] = item
    db.session.flush()
    db.session.expire(index_set, ["items"])  # reload in the file's order
    audit.record(
        "par.set.create",
        index_set,
        after={**_set_snapshot(index_set), "source": source, "items": len(items)},
        actor=actor,
    )
    return index_set


def set_rows(index_set: IndexSet) -> list[ItemRow]:
    """The set as rows again: for export and for copying it to another year."""
    return [
        ItemRow(
            row=item.sort_order,
            code=item.code,
            parent_code=item.parent.code if item.parent else None,
            title=item.title,
            max_points=item.max_points,
            method=item.method_enum,
            guidance=item.guidance,
            office_code=item.office.code if item.office else None,
            level=item.level,
        )
        for item in index_set.items
    ]


def copy_set(
    source: IndexSet, year: int, deadline: date | None, actor: User | None = None
) -> IndexSet:
    """Next year's set from this one: same tree and assignment, no scores."""
    return create_set(
        year,
        source.title.replace(str(source.year), str(year)),
        deadline,
        set_rows(source),
        source=f"copy:{source.year}",
        actor=actor,
    )


def delete_set(index_set: IndexSet, actor: User | None = None) -> None:
    """Only a draft set without scores may be deleted (to import a corrected table)."""
    if index_set.status != SetStatus.DRAFT or any(i.self_score for i in index_set.items):
        raise DomainError("Chỉ xóa được bộ chỉ số đang xây dựng và chưa có điểm.")
    audit.record("par.set.delete", index_set, before=_set_snapshot(index_set), actor=actor)
    db.session.delete(index_set)


def update_settings(
    index_set: IndexSet,
    *,
    deadline: date | None,
    survey_score: Decimal | None,
    bonus_points: Decimal,
    penalty_points: Decimal,
    actor: User | None = None,
) -> None:
    """Deadline, the survey part's result (0..its maximum), bonus and penalty points."""
    if survey_score is not None:
        if index_set.survey_max == 0:
            raise DomainError("Bộ chỉ số không có phần điều tra xã hội học.", field="survey_score")
        if not ZERO <= survey_score <= index_set.survey_max:
            raise DomainError(
                f"Điểm điều tra xã hội học phải từ 0 đến {points(index_set.survey_max)}.",
                field="survey_score",
            )
    before = _set_snapshot(index_set)
    index_set.deadline = deadline
    index_set.survey_score = survey_score
    index_set.bonus_points = bonus_points
    index_set.penalty_points = penalty_points
    audit.record(
        "par.set.settings", index_set, before=before, after=_set_snapshot(index_set), actor=actor
    )


def set_status(index_set: IndexSet, status: SetStatus, actor: User | None = None) -> None:
    """draft → open (every self-assessed leaf assigned) → closed → open again (extension)."""
    current = index_set.status
    if status == current:
        return
    allowed = {
        SetStatus.DRAFT: {SetStatus.OPEN},
        SetStatus.OPEN: {SetStatus.CLOSED, SetStatus.DRAFT},
        SetStatus.CLOSED: {SetStatus.OPEN},
    }
    if status not in allowed[current]:
        raise DomainError(f"Không thể chuyển từ “{current.label}” sang “{status.label}”.")
    if status == SetStatus.OPEN:
        unassigned = [i.code for i in scorable_leaves(index_set) if i.office is None]
        if unassigned:
            shown = ", ".join(unassigned[:8]) + (" …" if len(unassigned) > 8 else "")
            raise DomainError(
                f"Còn {len(unassigned)} tiêu chí chưa giao đơn vị: {shown}. "
                "Hãy phân công trước khi mở tự chấm điểm."
            )
    if status == SetStatus.DRAFT and any(i.self_score for i in index_set.items):
        raise DomainError("Đã có đơn vị chấm điểm: không thể trả bộ chỉ số về xây dựng.")
    before = _set_snapshot(index_set)
    index_set.status = status
    audit.record(
        "par.set.status", index_set, before=before, after=_set_snapshot(index_set), actor=actor
    )


# -- assignment (Phụ lục phân công) -----------------------------------------------------------
def scorable_leaves(index_set: IndexSet) -> list[IndexItem]:
    return [i for i in index_set.items if i.is_leaf and not i.is_survey]


def assign_leaves(
    index_set: IndexSet, item_ids: Iterable[int], office: Office | None, actor: User | None = None
) -> int:
    """Give the chosen self-assessed leaves to `office` (None: unassign).

    A closed set is not changed, and a leaf that has already been scored keeps its office
    (its score belongs to that office). Returns how many leaves changed.
    """
    ids = set(item_ids)
    if not ids:
        raise DomainError("Hãy chọn ít nhất một tiêu chí.", field="items")
    if index_set.status == SetStatus.CLOSED:
        raise DomainError("Bộ chỉ số đã khóa: không thay đổi phân công.")
    if office is not None and not office.active:
        raise DomainError("Đơn vị này đã ngừng hoạt động.", field="office")
    by_id = {i.id: i for i in scorable_leaves(index_set)}
    unknown = ids - set(by_id)
    if unknown:
        raise DomainError("Chỉ giao được tiêu chí lá tự đánh giá của bộ chỉ số này.", field="items")
    new_office_id = office.id if office else None
    blocked = [
        by_id[i].code
        for i in sorted(ids)
        if by_id[i].self_score is not None and _office_id(by_id[i]) != new_office_id
    ]
    if blocked:
        raise DomainError(
            "Tiêu chí đã có điểm tự chấm, không giao lại được: " + ", ".join(blocked) + ".",
            field="items",
        )
    changed = 0
    for item_id in sorted(ids):
        item = by_id[item_id]
        if _office_id(item) == new_office_id:
            continue
        before = {"office": item.office.code if item.office else None}
        item.office = office
        audit.record(
            "par.item.assign",
            item,
            before=before,
            after={"office": office.code if office else None},
            actor=actor,
        )
        changed += 1
    return changed


def _office_id(item: IndexItem) -> int | None:
    # The relationship, not the column: the column is only updated at the next flush.
    return item.office.id if item.office is not None else None


# -- self-assessment --------------------------------------------------------------------------
def check_can_score(item: IndexItem, actor: User) -> None:
    """The rules besides ownership: the set is open and the deadline has not passed."""
    if not item.can_score(actor):
        raise DomainError("Tiêu chí này không được giao cho đơn vị của bạn.")
    index_set = item.index_set
    if index_set.status == SetStatus.DRAFT:
        raise DomainError("Bộ chỉ số chưa mở tự chấm điểm.")
    if index_set.status == SetStatus.CLOSED:
        raise DomainError("Bộ chỉ số đã khóa tự chấm điểm.")
    if index_set.deadline is not None and local_today() > index_set.deadline:
        raise DomainError(f"Đã quá hạn tự chấm điểm (hạn {format_date(index_set.deadline)}).")


def check_score_range(item: IndexItem, score: Decimal | None, field_name: str = "score") -> None:
    if score is None:
        raise DomainError("Hãy nhập điểm.", field=field_name)
    if not ZERO <= score <= item.max_points:
        raise DomainError(
            f"Điểm phải từ 0 đến {points(item.max_points)} (điểm tối đa của tiêu chí {item.code}).",
            field=field_name,
        )


def _score_snapshot(score: SelfScore) -> dict:
    return {
        "item": score.item.code,
        "score": score.score,
        "explanation": score.explanation,
        "evidence": [a.original_name for a in score.evidence],
    }


def save_self_score(
    item: IndexItem,
    actor: User,
    score: Decimal | None,
    explanation: str,
    new_evidence: list[Attachment] = (),  # type: ignore[assignment]
    remove_evidence_ids: Iterable[int] = (),
) -> SelfScore:
    """The office's own score of its leaf: 0..max, while the set is open and before the deadline.

    Last wins: the audit log keeps the earlier value. A changed score drops the appraisal of
    the old one, which the secretariat must then appraise again.
    """
    check_can_score(item, actor)
    check_score_range(item, score)
    assert score is not None
    existing = item.self_score
    before = _score_snapshot(existing) if existing else None
    if existing is None:
        existing = SelfScore(item=item, score=score, explanation="")
        db.session.add(existing)
    elif existing.appraisal is not None and existing.score != score:
        audit.record(
            "par.appraisal.reset",
            existing.appraisal,
            before={"score": existing.appraisal.score, "accepted": existing.appraisal.accepted},
            actor=actor,
        )
        db.session.delete(existing.appraisal)
        existing.appraisal = None
    remove = set(remove_evidence_ids)
    existing.evidence = [a for a in existing.evidence if a.id not in remove] + list(new_evidence)
    existing.score = score
    existing.explanation = explanation.strip()
    existing.scored_by = actor
    existing.scored_at = utcnow()
    db.session.flush()
    audit.record(
        "par.self_score.save", existing, before=before, after=_score_snapshot(existing), actor=actor
    )
    return existing


# -- appraisal ---------------------------------------------------------------------------------
def appraise(
    self_score: SelfScore,
    actor: User,
    *,
    accepted: bool,
    adjusted_score: Decimal | None = None,
    reason: str = "",
) -> Appraisal:
    """The secretariat accepts the self-score, or sets another one (0..max) with a reason."""
    if not actor.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC được thẩm định điểm.")
    if self_score.item.index_set.status == SetStatus.DRAFT:
        raise DomainError("Bộ chỉ số chưa mở chấm điểm.")
    reason = reason.strip()
    if accepted:
        value = self_score.score
    else:
        check_score_range(self_score.item, adjusted_score, "adjusted_score")
        assert adjusted_score is not None
        if not reason:
            raise DomainError("Hãy nêu lý do điều chỉnh điểm.", field="reason")
        value = adjusted_score
    appraisal = self_score.appraisal
    before = (
        {"accepted": appraisal.accepted, "score": appraisal.score, "reason": appraisal.reason}
        if appraisal
        else None
    )
    if appraisal is None:
        appraisal = Appraisal(self_score=self_score, accepted=accepted, score=value)
        db.session.add(appraisal)
    appraisal.accepted = accepted
    appraisal.score = value
    appraisal.reason = reason
    appraisal.appraised_by = actor
    appraisal.appraised_at = utcnow()
    db.session.flush()
    audit.record(
        "par.appraisal.save",
        appraisal,
        before=before,
        after={
            "item": self_score.item.code,
            "accepted": accepted,
            "score": value,
            "reason": reason,
        },
        actor=actor,
    )
    return appraisal


# -- totals -----------------------------------------------------------------------------------
def grade_for(index_100: Decimal) -> tuple[str, str]:
    """(letter, label) of a 100-point index; see GRADES for the boundaries."""
    value = index_100.quantize(CENT, rounding=ROUND_HALF_UP)
    for lower, letter, label in GRADES:
        if value >= lower:
            return letter, label
    return GRADES[-1][1], GRADES[-1][2]


def leaf_scores(item: IndexItem) -> tuple[Decimal | None, Decimal | None]:
    """(self score, appraised score) of a leaf; None where there is none yet."""
    score = item.self_score
    if score is None:
        return None, None
    return score.score, score.appraisal.score if score.appraisal else None


def effective_score(item: IndexItem) -> Decimal:
    """What a leaf counts for: the appraised score, else (provisionally) the self score, else 0."""
    self_value, appraised = leaf_scores(item)
    if appraised is not None:
        return appraised
    return self_value if self_value is not None else ZERO


@dataclass
class NodeTotal:
    """Totals of one item (a field or a criterion) over its leaves."""

    item: IndexItem
    max_points: Decimal
    self_total: Decimal = ZERO
    appraised_total: Decimal = ZERO  # appraised where appraised, else self (provisional)
    leaves: int = 0
    scored: int = 0
    appraised: int = 0
    previous: Decimal | None = None

    @property
    def share(self) -> Decimal:
        return (self.appraised_total / self.max_points) if self.max_points else ZERO


@dataclass
class Totals:
    index_set: IndexSet
    fields: list[NodeTotal] = field(default_factory=list)
    self_max: Decimal = ZERO
    self_total: Decimal = ZERO
    appraised_total: Decimal = ZERO
    survey_max: Decimal = ZERO
    survey_score: Decimal | None = None
    bonus: Decimal = ZERO
    penalty: Decimal = ZERO
    max_total: Decimal = ZERO
    total: Decimal = ZERO
    index_100: Decimal = ZERO
    grade: str = "D"
    grade_label: str = ""
    leaves: int = 0
    scored: int = 0
    appraised: int = 0
    previous: Totals | None = None

    @property
    def provisional(self) -> bool:
        """Not final while a leaf is unappraised or the survey part is missing."""
        return self.appraised < self.leaves or (self.survey_max > 0 and self.survey_score is None)

    @property
    def change(self) -> Decimal | None:
        return self.index_100 - self.previous.index_100 if self.previous else None


def node_total(item: IndexItem) -> NodeTotal:
    result = NodeTotal(item=item, max_points=item.max_points)
    stack = [item]
    while stack:
        node = stack.pop()
        if node.children:
            stack.extend(node.children)
            continue
        self_value, appraised = leaf_scores(node)
        result.leaves += 1
        result.scored += self_value is not None
        result.appraised += appraised is not None
        result.self_total += self_value or ZERO
        result.appraised_total += effective_score(node)
    return result


def compute_totals(index_set: IndexSet, *, with_previous: bool = True) -> Totals:
    """Totals per field and overall, the 100-point index and its grade.

    total = Σ appraised (self where not yet appraised) + survey + bonus − penalty;
    index = total × 100 / (Σ maxima of all fields), kept within 0..100, rounded half up to
    2 decimals. Survey fields count through the set's survey result, not through leaves.
    """
    totals = Totals(index_set=index_set)
    for item in index_set.fields:
        totals.max_total += item.max_points
        if item.is_survey:
            totals.survey_max += item.max_points
            continue
        node = node_total(item)
        totals.fields.append(node)
        totals.self_max += node.max_points
        totals.self_total += node.self_total
        totals.appraised_total += node.appraised_total
        totals.leaves += node.leaves
        totals.scored += node.scored
        totals.appraised += node.appraised
    totals.survey_score = index_set.survey_score
    totals.bonus = index_set.bonus_points or ZERO
    totals.penalty = index_set.penalty_points or ZERO
    totals.total = (
        totals.appraised_total + (totals.survey_score or ZERO) + totals.bonus - totals.penalty
    )
    if totals.max_total > 0:
        raw = totals.total * HUNDRED / totals.max_total
        totals.index_100 = min(max(raw, ZERO), HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    totals.grade, totals.grade_label = grade_for(totals.index_100)
    if with_previous:
        previous_set = set_for_year(index_set.year - 1)
        if previous_set is not None:
            totals.previous = compute_totals(previous_set, with_previous=False)
            previous_by_code = {n.item.code: n for n in totals.previous.fields}
            for node in totals.fields:
                before = previous_by_code.get(node.item.code)
                node.previous = before.appraised_total if before else None
    return totals


# -- dashboard --------------------------------------------------------------------------------
@dataclass
class OfficeProgress:
    office: Office
    leaves: int = 0
    scored: int = 0
    missing_evidence: int = 0
    appraised: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.scored / self.leaves) if self.leaves else 0


def office_progress(index_set: IndexSet) -> list[OfficeProgress]:
    """Completion per office: leaves assigned, scored, scored without evidence, appraised."""
    rows: dict[int, OfficeProgress] = {}
    for item in scorable_leaves(index_set):
        if item.office is None:
            continue
        row = rows.setdefault(item.office.id, OfficeProgress(item.office))
        row.leaves += 1
        if item.self_score is not None:
            row.scored += 1
            row.missing_evidence += item.self_score.missing_evidence
            row.appraised += item.self_score.appraisal is not None
    return sorted(rows.values(), key=lambda r: (r.office.sort_order, r.office.code))


def weakest_items(index_set: IndexSet, limit: int = 10) -> list[tuple[IndexItem, Decimal]]:
    """Scored leaves with the lowest share of their maximum: where catch-up work should go."""
    scored = [
        (item, effective_score(item))
        for item in scorable_leaves(index_set)
        if item.self_score is not None and item.max_points > 0
    ]
    scored.sort(key=lambda pair: (pair[1] / pair[0].max_points, pair[0].sort_order))
    return [(item, value) for item, value in scored if value < item.max_points][:limit]


def leaves_of_office(index_set: IndexSet, office_id: int | None) -> list[IndexItem]:
    return [i for i in scorable_leaves(index_set) if i.office_id == office_id]


def visible_items(user: User, query: Query | None, set_id: int | None = None):
    """The PAR Index items a user may read (IndexItem.can_view): every item for cross-office
    readers, their office's for the others; with a query, those it finds (code, title,
    guidance), best first."""
    stmt = select(IndexItem).order_by(IndexItem.set_id.desc(), IndexItem.sort_order)
    if not user.sees_all_offices:
        stmt = stmt.where(IndexItem.office_id == (user.office_id or -1))
    if set_id is not None:
        stmt = stmt.where(IndexItem.set_id == set_id)
    return searched(stmt, IndexItem, query)
