"""The council's two Decisions, registered with the Decisions module: the Decision that
establishes the council (drafted from its members; signing it establishes the council) and the
Decision that recognises the initiatives the council recommended (drafted from its results;
signing it recognises them)."""

from __future__ import annotations

from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..decisions import Draft, DraftProvider, Selection, register_draft_provider
from ..decisions.providers import fingerprint_of
from ..decisions.texts import council_establishment_content, recognition_content
from ..documents import format_date_short
from ..initiatives import nominations
from ..initiatives import services as initiative_ops
from ..models import (
    Commune,
    Council,
    CouncilState,
    Decision,
    DecisionKind,
    InitiativeState,
    User,
)
from . import services


def _commune_name() -> str:
    commune = Commune.current()
    return commune.name if commune else ""


def _council(council_id: int | None) -> Council:
    council = db.session.get(Council, council_id) if council_id else None
    if council is None:
        raise DomainError("Không tìm thấy Hội đồng của văn bản này.")
    return council


# -- establishment ------------------------------------------------------------------------------
def _members(council: Council) -> list[dict]:
    order = {"chair": 0, "secretary": 1, "member": 2}
    members = sorted(council.members, key=lambda m: order[m.position])  # stable: list order
    return [
        {
            "user_id": m.user_id,
            "name": m.user.full_name,
            "position": m.user.position_in_office,
            "role": m.position_label,
        }
        for m in members
    ]


def _establishment_subjects() -> list[tuple[int, str]]:
    councils = db.session.scalars(
        select(Council).where(Council.state == CouncilState.COMPOSING)
    ).all()
    return [(c.id, f"Hội đồng đánh giá sáng kiến năm {c.round.year}") for c in councils]


def _build_establishment(council_id: int | None, _selection: Selection) -> Draft:
    council = _council(council_id)
    services.check_composition(council)
    members = _members(council)
    return Draft(
        council_establishment_content(_commune_name(), council.round.year, members),
        fingerprint=fingerprint_of(members),
    )


def _establishment_fingerprint(decision: Decision) -> str:
    return fingerprint_of(_members(_council(decision.council_id)))


def _validate_establishment(decision: Decision) -> None:
    council = _council(decision.council_id)
    if council.state != CouncilState.COMPOSING:
        raise DomainError(f"Hội đồng năm {council.round.year} đã được thành lập.")
    services.check_composition(council)


def _establish(decision: Decision, signer: User) -> None:
    services.establish(_council(decision.council_id), decision, signer)


# -- recognition --------------------------------------------------------------------------------
def establishment_reference(council: Council) -> str | None:
    """ "Quyết định số 01/QĐ-UBND ngày 18/9/2025 của Chủ tịch UBND xã về việc thành lập …"."""
    if council.decision is not None and council.decision.is_approved:
        return (
            f"Quyết định số {council.decision.number_symbol} ngày "
            f"{format_date_short(council.decision.issued_on)} của Chủ tịch Ủy ban nhân dân "
            f"{_commune_name()[:1].lower() + _commune_name()[1:]} về việc thành lập Hội đồng "
            f"đánh giá sáng kiến cải cách hành chính năm {council.round.year}"
        )
    if council.legacy_decision_ref:
        return f"Quyết định số {council.legacy_decision_ref} thành lập Hội đồng"
    return None


def _recommended(council: Council):
    """The council's results it recommends and whose initiative awaits recognition."""
    return [
        r
        for r in services.council_results(council)
        if r.recommended and r.initiative.state == InitiativeState.RECOMMENDED
    ]


def _recognition_subjects() -> list[tuple[int, str]]:
    councils = db.session.scalars(select(Council).where(Council.state == CouncilState.CLOSED)).all()
    return [
        (c.id, f"kết quả Hội đồng năm {c.round.year}")
        for c in councils
        if any(i.state == InitiativeState.RECOMMENDED for i in c.round.initiatives)
    ]


def _build_recognition(council_id: int | None, selection: Selection) -> Draft:
    council = _council(council_id)
    if council.state != CouncilState.CLOSED:
        raise DomainError("Hội đồng chưa kết thúc chấm điểm: chưa lập Quyết định công nhận được.")
    results = _recommended(council)
    if not results:
        raise DomainError("Hội đồng không đề nghị công nhận sáng kiến nào đang chờ công nhận.")
    kept = [r for r in results if r.initiative.id not in selection.dropped]
    content = recognition_content(
        _commune_name(),
        council.round.year,
        [
            {
                "title": r.initiative.title,
                "authors": [
                    f"{a.name} ({a.share}%)" if len(r.initiative.authors) > 1 else a.name
                    for a in r.initiative.authors
                ],
                "office": r.initiative.office.name,
                "field": r.initiative.field_label,
                "score": float(r.mean_total),
            }
            for r in kept
        ],
        council_decision=establishment_reference(council),
    )
    return Draft(
        content,
        items=[(r.initiative.id, round(float(r.mean_total), 2)) for r in results],
        fingerprint=_results_fingerprint(results),
        year=council.round.year,
    )


def _results_fingerprint(results) -> str:
    return fingerprint_of([(r.initiative.id, str(r.mean_total)) for r in results])


def _recognition_fingerprint(decision: Decision) -> str:
    return _results_fingerprint(_recommended(_council(decision.council_id)))


def _validate_recognition(decision: Decision) -> None:
    council = _council(decision.council_id)
    if council.state != CouncilState.CLOSED:
        raise DomainError(
            f"Hội đồng năm {council.round.year} chưa kết thúc chấm điểm: chưa công nhận được."
        )
    if not decision.kept_items:
        raise DomainError("Quyết định cần ít nhất một sáng kiến được công nhận.")
    for item in decision.items:
        if item.initiative.state != InitiativeState.RECOMMENDED:
            raise DomainError(
                f"“{item.initiative.title}” không còn ở trạng thái được đề nghị công nhận "
                f"({item.initiative.state.label.lower()})."
            )


def _recognise(decision: Decision, signer: User) -> None:
    initiative_ops.mark_recognised([i.initiative for i in decision.kept_items], decision, signer)
    dropped = [i.initiative for i in decision.items if i.dropped]
    if dropped:
        initiative_ops.mark_not_recognised(dropped, decision, signer)
    city = db.session.get(Commune, decision.commune_id)
    if city is not None and city.is_city:
        # The city's Decision answers the communes that nominated (their own record).
        council = _council(decision.council_id)
        nominations.report_decision(decision, city, signer, round_id=council.round_id)


def recognition_decisions(council: Council) -> list[Decision]:
    return list(
        db.session.scalars(
            select(Decision)
            .where(
                Decision.council_id == council.id,
                Decision.kind == DecisionKind.INITIATIVE_RECOGNITION,
            )
            .order_by(Decision.id)
        )
    )


register_draft_provider(
    DraftProvider(
        kind=DecisionKind.COUNCIL_ESTABLISHMENT,
        label="Thành lập Hội đồng đánh giá sáng kiến",
        build=_build_establishment,
        subject_column="council_id",
        subjects=_establishment_subjects,
        fingerprint=_establishment_fingerprint,
        validate=_validate_establishment,
        apply=_establish,
    )
)
register_draft_provider(
    DraftProvider(
        kind=DecisionKind.INITIATIVE_RECOGNITION,
        label="Công nhận sáng kiến theo",
        build=_build_recognition,
        subject_column="council_id",
        subjects=_recognition_subjects,
        fingerprint=_recognition_fingerprint,
        validate=_validate_recognition,
        apply=_recognise,
        droppable_items=True,
    )
)
