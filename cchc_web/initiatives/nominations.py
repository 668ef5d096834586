"""The city receives what its communes nominate (issue 20, item 3).

A commune's Chairman nominates recognised initiatives to the city by a signed Tờ trình
(`decision_kinds.py`): they are NOMINATED, with ``nomination_decision_id``. The city level is
its own tenant (a ``communes`` row of kind thanh_pho), so:

- **Reading the communes' nominations** is this module's explicit city query: every statement
  reads across communes (`tenancy.ALL_COMMUNES`) AND keeps only the communes whose
  ``parent_id`` is the city (SQLite has no row-level security; on PostgreSQL the
  ``city_reads`` policy lets the city's session read those rows, and nothing else).
- **Receiving** ("Tiếp nhận") makes an initiative of the city's own round of the current year,
  ``source_initiative_id`` = the commune's, handed in by the city's office standing for that
  commune (`Office.represents_commune_id`, made on first need: "UBND xã Chí Minh"), its
  texts, authors (by name: the city does not point at another tenant's accounts) and shares
  copied, and its evidence files copied into the city's own files through the file store.
  Receiving is the standing office's acceptance: the copy is ACCEPTED, before the city's
  council at once (the same state the acceptance step gives a commune's initiative).
- **The commune hears back** through a `CityResult` row of the *commune's* tenant: the
  commune's session cannot read the city's rows, so the city's services write that small
  record acting explicitly for the commune (`tenancy.acting_for`) when they receive, return,
  and when the city's recognition Decision is signed (its number, date and a copy of the
  signed PDF in the commune's own files).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from werkzeug.datastructures import FileStorage

from ..core import tenancy
from ..core.errors import DomainError
from ..core.extensions import db
from ..core.timeutil import local_today, utcnow
from ..documents import format_date_short
from ..models import (
    CityOutcome,
    CityResult,
    Commune,
    Decision,
    Initiative,
    InitiativeAttachment,
    InitiativeAuthor,
    InitiativeState,
    Office,
    Round,
    User,
)
from ..models.council import CouncilState
from ..records import attachments, audit
from . import services

S = InitiativeState
ACROSS = {tenancy.ALL_COMMUNES: True}


# -- who and where ------------------------------------------------------------------------------
def city_of(user: User) -> Commune | None:
    """The city tenant of a city-level user, else None."""
    return user.commune if user.at_city_level else None


def may_read(user: User) -> bool:
    """The city's standing office and leaders read the communes' nominations."""
    return user.at_city_level and (user.is_secretariat or user.is_leader)


def _require_city_secretariat(user: User) -> Commune:
    city = city_of(user)
    if city is None or not user.is_secretariat:
        raise DomainError("Chỉ Thường trực CCHC của thành phố (Sở Nội vụ) tiếp nhận đề nghị.")
    return city


def _below(city: Commune):
    """The ids of the communes reporting to `city` (the explicit filter of every read)."""
    return select(Commune.id).where(Commune.parent_id == city.id)


def unit_name(commune: Commune) -> str:
    """ "UBND xã Chí Minh", "UBND phường Gia Viên": the commune as a submitting unit."""
    return f"UBND {commune.name[:1].lower()}{commune.name[1:]}"


# -- reading the communes' nominations ----------------------------------------------------------
@dataclass
class Nomination:
    """One nominated initiative of a commune, as the city sees it."""

    initiative: Initiative
    commune: Commune
    decision: Decision  # the commune's signed Tờ trình
    copy_id: int | None  # the city's initiative received from it
    result: CityResult | None  # what the city answered (received, returned, decided)

    @property
    def waiting(self) -> bool:
        return self.copy_id is None and self.result is None

    @property
    def status(self) -> str:
        if self.result is not None:
            return self.result.label
        if self.copy_id is not None:
            return CityOutcome.RECEIVED.label
        return "Chờ tiếp nhận"


def _nominated_query(city: Commune):
    return (
        select(Initiative)
        .options(
            joinedload(Initiative.nomination_decision),
            joinedload(Initiative.office),
            joinedload(Initiative.round),
        )
        .where(
            Initiative.commune_id.in_(_below(city)),
            Initiative.state == S.NOMINATED,
            Initiative.nomination_decision_id.is_not(None),
        )
        .execution_options(**ACROSS)
    )


def _assemble(city: Commune, rows: list[Initiative]) -> list[Nomination]:
    if not rows:
        return []
    ids = [i.id for i in rows]
    copies = dict(
        db.session.execute(
            select(Initiative.source_initiative_id, Initiative.id).where(
                Initiative.commune_id == city.id, Initiative.source_initiative_id.in_(ids)
            )
        ).all()
    )
    results = {
        r.initiative_id: r
        for r in db.session.scalars(
            select(CityResult)
            .where(CityResult.initiative_id.in_(ids), CityResult.commune_id.in_(_below(city)))
            .execution_options(**ACROSS)
        )
    }
    communes = {
        c.id: c
        for c in db.session.scalars(
            select(Commune).where(Commune.id.in_({i.commune_id for i in rows}))
        )
    }
    return [
        Nomination(
            i, communes[i.commune_id], i.nomination_decision, copies.get(i.id), results.get(i.id)
        )
        for i in rows
    ]


def nominations(city: Commune) -> list[Nomination]:
    """Every initiative the city's communes nominated, the newest Tờ trình first."""
    rows = db.session.scalars(
        _nominated_query(city).order_by(Initiative.nomination_decision_id.desc(), Initiative.id)
    ).all()
    return _assemble(city, list(rows))


def nomination(city: Commune, initiative_id: int) -> Nomination | None:
    """One nominated initiative of a commune of `city` (None: not one, whatever the id)."""
    found = db.session.scalars(_nominated_query(city).where(Initiative.id == initiative_id)).first()
    return _assemble(city, [found])[0] if found is not None else None


def waiting_query(city: Commune):
    """The nominations not received nor returned yet (the inbox of the city's standing office)."""
    copy = aliased(Initiative)
    return (
        _nominated_query(city)
        .where(
            ~exists().where(copy.source_initiative_id == Initiative.id, copy.commune_id == city.id),
            ~exists().where(CityResult.initiative_id == Initiative.id),
        )
        .order_by(Initiative.nomination_decision_id, Initiative.id)
    )


def source_of(copy: Initiative) -> Nomination | None:
    """The commune's nomination a city initiative was received from."""
    if copy.source_initiative_id is None:
        return None
    city = db.session.get(Commune, copy.commune_id)
    return nomination(city, copy.source_initiative_id) if city is not None else None


# -- receiving ----------------------------------------------------------------------------------
def receiving_round(today: date | None = None) -> Round | None:
    """The city's round of the current year (the session acts for the city)."""
    year = (today or local_today()).year
    return db.session.scalar(select(Round).where(Round.year == year))


def standing_office(commune: Commune) -> Office:
    """The city's office standing for `commune` (made on first need): code = the commune's
    code, name "UBND xã Chí Minh"."""
    office = db.session.scalar(select(Office).where(Office.represents_commune_id == commune.id))
    if office is None:
        office = Office(
            code=commune.code[:16],
            name=unit_name(commune),
            is_specialised=False,
            sort_order=100 + commune.id,
            represents_commune_id=commune.id,
        )
        db.session.add(office)
    return office


def _copy_evidence(files: Iterable[InitiativeAttachment], actor: User) -> list:
    """The commune's evidence files, copied into the city's own files (the file store)."""
    uploads = []
    for link in files:
        attachment = link.attachment
        uploads.append(
            FileStorage(
                stream=io.BytesIO(attachments.read_attachment(attachment)),
                filename=attachment.original_name,
                content_type=attachment.content_type,
            )
        )
    return attachments.store_uploads(uploads, actor)


def _check_open(found: Nomination, what: str) -> None:
    if found.copy_id is not None:
        raise DomainError(
            f"Đề nghị “{found.initiative.title}” đã được tiếp nhận vào đợt sáng kiến của "
            f"thành phố: không {what} lại được."
        )
    if found.result is not None and found.result.outcome == CityOutcome.RETURNED:
        raise DomainError(
            f"Đề nghị “{found.initiative.title}” đã bị trả lại ngày "
            f"{format_date_short(found.result.decided_at)}: không {what} được nữa."
        )


def receive(found: Nomination, actor: User, *, today: date | None = None) -> Initiative:
    """Tiếp nhận: the city's copy of a commune's nominated initiative, in the city's round of
    this year, before the city's council (ACCEPTED). Refused: not the city's standing office,
    already received or returned, no city round this year, its council closed, a field the
    round does not open."""
    _require_city_secretariat(actor)
    _check_open(found, "tiếp nhận")
    source, commune, decision = found.initiative, found.commune, found.decision
    rnd = receiving_round(today)
    year = (today or local_today()).year
    if rnd is None:
        raise DomainError(
            f"Thành phố chưa có đợt sáng kiến năm {year}: hãy tạo đợt (Sáng kiến › Đợt sáng "
            "kiến › Mở đợt mới) rồi tiếp nhận đề nghị."
        )
    if rnd.council is not None and rnd.council.state == CouncilState.CLOSED:
        raise DomainError(
            f"Hội đồng cấp thành phố năm {rnd.year} đã kết thúc chấm điểm: không tiếp nhận "
            "thêm được."
        )
    if source.field not in rnd.open_fields:
        raise DomainError(
            f"Lĩnh vực “{source.field_label}” không thuộc đợt sáng kiến năm {rnd.year} của thành "
            "phố: hãy mở lĩnh vực này trong đợt, hoặc trả lại đề nghị."
        )
    office = standing_office(commune)
    reference = (
        f"Tờ trình số {decision.number_symbol} ngày {format_date_short(decision.issued_on)} "
        f"của {unit_name(commune)}"
    )
    now = utcnow()
    # Everything read from the commune's rows before the city's row exists (no autoflush of
    # a half-built initiative).
    authors = [
        InitiativeAuthor(
            external_name=author.name[:120],
            share=author.share,
            date_of_birth=author.date_of_birth,
            qualification=author.qualification,
        )
        for author in source.authors
    ]
    evidence = [InitiativeAttachment(attachment=a) for a in _copy_evidence(source.evidence, actor)]
    content = {name: getattr(source, name) for name in services.CONTENT_FIELDS}
    title = source.title  # for a refusal after a failed flush (the rows expire)
    with db.session.no_autoflush:
        copy = Initiative(
            round=rnd,
            office=office,
            source_initiative_id=source.id,
            state=S.ACCEPTED,
            created_by=actor,
            submitted_at=decision.approved_at or now,
            accepted_at=now,
            acceptance_note=f"Tiếp nhận theo {reference}.",
            authors=authors,
            evidence=evidence,
            **content,
        )
    db.session.add(copy)
    _refuse_a_second_copy(title)
    audit.record(
        "initiative.receive",
        copy,
        after={
            "state": S.ACCEPTED.value,
            "source_initiative_id": source.id,
            "commune": commune.code,
            "nomination": decision.number_symbol,
        },
        actor=actor,
    )
    try:
        _write_result(commune.id, source.id, CityOutcome.RECEIVED, received_at=now)
    except IntegrityError as err:
        raise _received_meanwhile(title) from err
    return copy


def _received_meanwhile(title: str) -> DomainError:
    return DomainError(f"Đề nghị “{title}” vừa được tiếp nhận: không tiếp nhận lại được.")


def _refuse_a_second_copy(title: str) -> None:
    """Another request received it at the same moment: the copy's unique source (and the
    commune's answer's unique initiative) refuse the second, as a second receive is refused;
    the caller rolls back (its copied files go with it)."""
    try:
        db.session.flush()
    except IntegrityError as err:
        raise _received_meanwhile(title) from err


def return_nomination(found: Nomination, reason: str, actor: User) -> None:
    """Trả lại: the city sends a nomination back, with the reason the commune reads."""
    _require_city_secretariat(actor)
    _check_open(found, "trả lại")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Hãy ghi lý do trả lại để xã, phường biết cần bổ sung gì.", "comment")
    if len(reason) > 2000:
        raise DomainError("Lý do dài tối đa 2000 ký tự.", "comment")
    audit.record(
        "initiative.return_nomination",
        found.initiative,
        after={"commune": found.commune.code, "reason": reason},
        actor=actor,
    )
    _write_result(found.commune.id, found.initiative.id, CityOutcome.RETURNED, note=reason)


# -- the commune hears back ---------------------------------------------------------------------
def _write_result(commune_id: int, initiative_id: int, outcome: CityOutcome, **values) -> None:
    """Write the commune's `CityResult` acting for that commune: its own tenant's row, which
    the row-level security of PostgreSQL lets the session write only while it acts for it.
    The city's pending rows are flushed first (a flush acting for the commune would refuse
    them as foreign)."""
    session = db.session()
    session.flush()
    with tenancy.acting_for(session, commune_id):
        row = session.scalar(select(CityResult).where(CityResult.initiative_id == initiative_id))
        if row is None:
            row = CityResult(commune_id=commune_id, initiative_id=initiative_id)
            session.add(row)
        row.outcome = outcome
        row.decided_at = utcnow()
        for name, value in values.items():
            setattr(row, name, value)
        session.flush()


def report_decision(
    decision: Decision, city: Commune, signer: User, round_id: int | None = None
) -> None:
    """After the city's recognition Decision is signed (its state change, in the signing's
    transaction): each commune whose initiative the city decided gets the answer, with the
    Decision's number and date and a copy of the signed PDF; the city's initiatives the
    council did not recommend are answered "not recognised" too."""
    decided: dict[int, tuple[CityOutcome, float | None, str]] = {}
    for item in decision.items:
        copy = item.initiative
        if copy.source_initiative_id is None:
            continue
        outcome = CityOutcome.NOT_RECOGNISED if item.dropped else CityOutcome.RECOGNISED
        decided[copy.source_initiative_id] = (outcome, item.score, item.drop_reason or "")
    if round_id is not None:
        for copy in db.session.scalars(
            select(Initiative).where(
                Initiative.round_id == round_id,
                Initiative.source_initiative_id.is_not(None),
                Initiative.state == S.NOT_RECOMMENDED,
            )
        ):
            decided.setdefault(
                copy.source_initiative_id,
                (
                    CityOutcome.NOT_RECOGNISED,
                    None,
                    "Hội đồng đánh giá sáng kiến cấp thành phố không đề nghị công nhận.",
                ),
            )
    if not decided:
        return
    communes = dict(
        db.session.execute(
            select(Initiative.id, Initiative.commune_id)
            .where(Initiative.id.in_(decided), Initiative.commune_id.in_(_below(city)))
            .execution_options(**ACROSS)
        ).all()
    )
    reference = (
        f"Quyết định số {decision.number_symbol} ngày {format_date_short(decision.issued_on)} "
        f"của Chủ tịch UBND {city.name[:1].lower()}{city.name[1:]}"
    )
    copies: dict[int, int] = {}  # commune → its copy of the signed PDF
    for source_id, (outcome, score, note) in decided.items():
        commune_id = communes.get(source_id)
        if commune_id is None:
            continue  # no longer a commune of this city: nothing to tell
        if commune_id not in copies:
            [pdf] = attachments.store_uploads(
                [
                    FileStorage(
                        stream=io.BytesIO(decision.pdf),
                        filename=f"QD-{decision.number:02d}-{decision.year}-UBND-thanh-pho.pdf",
                        content_type="application/pdf",
                    )
                ],
                signer,
            )
            db.session.flush()
            copies[commune_id] = pdf.id
        _write_result(
            commune_id,
            source_id,
            outcome,
            decision_ref=reference,
            mean_score=score,
            note=note,
            decision_pdf_id=copies[commune_id],
        )


def result_for(initiative: Initiative) -> CityResult | None:
    """The city's answer to one of the session's commune's initiatives."""
    return db.session.scalar(select(CityResult).where(CityResult.initiative_id == initiative.id))
