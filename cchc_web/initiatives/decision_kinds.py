"""The nomination to city level (Tờ trình đề nghị công nhận cấp thành phố, seeds 000 and 002),
registered with the Decisions module: a leader picks recognised initiatives of a round, the
Tờ trình is drafted from them, and signing it makes them nominated."""

from __future__ import annotations

from sqlalchemy import select

from ..core.errors import DomainError
from ..core.extensions import db
from ..decisions import Draft, DraftProvider, Selection, register_draft_provider
from ..decisions.providers import fingerprint_of
from ..decisions.texts import nomination_content
from ..documents import format_date_short
from ..models import Commune, Decision, DecisionKind, Initiative, InitiativeState, Role, Round, User
from . import services


def _round(round_id: int | None) -> Round:
    rnd = db.session.get(Round, round_id) if round_id else None
    if rnd is None:
        raise DomainError("Không tìm thấy đợt sáng kiến của văn bản này.")
    return rnd


def _subjects() -> list[tuple[int, str]]:
    rounds = db.session.scalars(
        select(Round)
        .where(
            Round.id.in_(
                select(Initiative.round_id).where(Initiative.state == InitiativeState.RECOGNISED)
            )
        )
        .order_by(Round.year.desc())
    ).all()
    return [(r.id, f"sáng kiến đã công nhận năm {r.year}") for r in rounds]


def _recognition_reference(initiatives: list[Initiative]) -> str | None:
    decision = next((i.recognition_decision for i in initiatives if i.recognition_decision), None)
    if decision is None or not decision.is_approved:
        return None
    commune = Commune.current()
    name = commune.name if commune else ""
    return (
        f"Quyết định số {decision.number_symbol} ngày {format_date_short(decision.issued_on)} "
        f"của Chủ tịch Ủy ban nhân dân {name[:1].lower() + name[1:]} về việc công nhận sáng "
        f"kiến cải cách hành chính cấp xã năm {decision.year}"
    )


def _picked(rnd: Round, selection: Selection) -> list[Initiative]:
    """The picked initiatives, each a recognised initiative of the round (never anything
    else, whatever ids a form posted)."""
    available = {i.id: i for i in services.recognised_in(rnd)}
    if selection.picked is None:
        return list(available.values())
    nominated = {i.id: i for i in rnd.initiatives if i.state == InitiativeState.NOMINATED}
    chosen = []
    for initiative_id in selection.picked:
        initiative = available.get(initiative_id) or nominated.get(initiative_id)
        if initiative is None:
            raise DomainError(
                "Chỉ đề nghị cấp thành phố được sáng kiến đã được công nhận cấp xã của đợt này.",
                "initiatives",
            )
        chosen.append(initiative)
    if not chosen:
        raise DomainError("Hãy chọn ít nhất một sáng kiến đã được công nhận.", "initiatives")
    return chosen


def _build(round_id: int | None, selection: Selection) -> Draft:
    rnd = _round(round_id)
    chosen = _picked(rnd, selection)
    commune = Commune.current()
    content = nomination_content(
        commune.name if commune else "",
        commune.province if commune else "",
        rnd.year,
        [
            {
                "title": i.title,
                "authors": [a.name for a in i.authors],
                "office": i.office.name,
                "field": i.field_label,
                "solution": i.solution,
                "effectiveness": i.effectiveness,
            }
            for i in chosen
        ],
        recognition_decision=_recognition_reference(chosen),
    )
    return Draft(
        content,
        items=[(i.id, None) for i in chosen],
        fingerprint=_fingerprint_of(chosen),
        year=rnd.year,
    )


def _fingerprint_of(initiatives: list[Initiative]) -> str:
    return fingerprint_of(
        [
            (i.id, i.title, i.solution, i.effectiveness, i.recognition_decision_id)
            for i in initiatives
        ]
    )


def _fingerprint(decision: Decision) -> str:
    return _fingerprint_of([item.initiative for item in decision.items])


def _validate(decision: Decision) -> None:
    if not decision.items:
        raise DomainError("Tờ trình cần ít nhất một sáng kiến.")
    for item in decision.items:
        if item.initiative.round_id != decision.round_id:
            raise DomainError(f"“{item.initiative.title}” không thuộc đợt sáng kiến này.")
        if not services.may_nominate(item.initiative):
            raise DomainError(
                f"“{item.initiative.title}” không ở trạng thái đã được công nhận "
                f"({item.initiative.state.label.lower()}): không đề nghị cấp thành phố được."
            )


def _nominate(decision: Decision, signer: User) -> None:
    services.mark_nominated([item.initiative for item in decision.items], decision, signer)


register_draft_provider(
    DraftProvider(
        kind=DecisionKind.NOMINATION_DOSSIER,
        label="Tờ trình đề nghị công nhận cấp thành phố:",
        build=_build,
        subject_column="round_id",
        subjects=_subjects,
        fingerprint=_fingerprint,
        validate=_validate,
        apply=_nominate,
        drafters=frozenset({Role.SECRETARIAT, Role.CHAIRMAN, Role.VICE_CHAIRMAN}),
    )
)
