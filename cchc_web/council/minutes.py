"""The council's minutes (biên bản họp Hội đồng), laid out by cchc_web.documents and kept as an
Attachment of the council so that the file people sign is the file that was produced.

The secretary produces the minutes and signs them (their stamp drawn in the page, their
signature on the left); the chair then signs the same file in the field left empty for them
on the right (their stamp is the appearance of that signature): two PAdES signatures, each
by the person's own certificate, the second an incremental update that keeps the first valid."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date

from werkzeug.datastructures import FileStorage

from ..core.errors import DomainError
from ..core.timeutil import format_datetime, to_local, utcnow
from ..decisions import certificates, signing
from ..documents import (
    Heading,
    Markup,
    OfficialDocument,
    Paragraph,
    SignatureBlock,
    Table,
    format_date_short,
    format_number,
    render,
    render_stamp,
)
from ..models import Attachment, Commune, Council, CouncilState, Position, User, commune_settings
from ..records import attachments, audit
from .services import Result, council_results

SECRETARY_FIELD = "ChuKyThuKy"
CHAIR_FIELD = "ChuKyChuTich"
STAMP_WIDTH_MM = 62
STAMP_HEIGHT_MM = 24


def _member(council: Council, position: Position):
    return next((m for m in council.members if m.position == position), None)


def _mean(value) -> str:
    return format_number(float(value), 2)


def build_minutes(
    council: Council, results: list[Result], on: date, secretary_stamp: Sequence[str] = ()
) -> OfficialDocument:
    """The minutes: who sat, the Decision that established the council, the scores, the ranking
    and the conclusion by the round's rule, signed by the chair and the secretary."""
    commune = Commune.current()
    commune_name = commune.name if commune else "Xã"
    # "xã Chí Minh" inside a sentence: only the first letter of the unit lowers.
    in_text = commune_name[0].lower() + commune_name[1:]
    rnd = council.round
    chair, secretary = _member(council, Position.CHAIR), _member(council, Position.SECRETARY)
    members_rows = [
        [n, m.user.full_name, m.user.position_title, m.position_label]
        for n, m in enumerate(council.members, start=1)
    ]
    criteria = rnd.rubric
    result_rows = []
    for r in results:
        i = r.initiative
        result_rows.append(
            [
                f"{r.rank}{' (đồng hạng)' if r.tied else ''}",
                Markup("{}<br/><i>{}</i>").format(i.title, i.office.name),
                r.scorers,
                *[_mean(r.means[c["code"]]) for c in criteria],
                _mean(r.mean_total),
                f"{r.yes_votes}/{r.scorers}",
                "Đề nghị công nhận" if r.recommended else "Không đề nghị",
            ]
        )
    recommended = [r for r in results if r.recommended]
    if council.decision is not None and council.decision.is_approved:
        decision = (
            f"Quyết định số {council.decision.number_symbol} ngày "
            f"{format_date_short(council.decision.issued_on)}"
        )
    elif council.legacy_decision_ref:
        decision = f"Quyết định số {council.legacy_decision_ref}"
    else:
        decision = "Quyết định thành lập"
    body = [
        Paragraph(
            f"Hôm nay, {on:%d/%m/%Y}, Hội đồng đánh giá hiệu quả áp dụng và khả năng nhân rộng "
            f"sáng kiến cải cách hành chính {commune_name} năm {rnd.year} (thành lập theo "
            f"{decision} của Chủ tịch Ủy ban nhân dân {in_text}) họp đánh giá, chấm "
            "điểm các sáng kiến do các phòng chuyên môn, đơn vị đề xuất."
        ),
        Heading("I. THÀNH PHẦN"),
        Table(
            ["STT", "Họ và tên", "Chức vụ", "Chức danh Hội đồng"],
            members_rows,
            col_widths=[1, 5, 6, 4],
            align=["center", None, None, None],
        ),
        Paragraph(
            f"Hội đồng có {len(council.members)} thành viên. Việc chấm điểm bảo đảm túc số "
            f"({rnd.quorum_num}/{rnd.quorum_den} số thành viên); thành viên không chấm sáng kiến "
            "của đơn vị mình hoặc do mình là tác giả."
        ),
        Heading("II. KẾT QUẢ CHẤM ĐIỂM"),
        Paragraph(
            f"Số sáng kiến đưa ra Hội đồng: {len(results)}. Thang điểm "
            + "; ".join(f"{c['label']} tối đa {c['max']} điểm" for c in criteria)
            + f". Sáng kiến được đề nghị công nhận khi điểm trung bình đạt từ {rnd.pass_min_total} "
            f"điểm trở lên, điểm tính mới trung bình lớn hơn 0 và ít nhất {rnd.vote_num}/"
            f"{rnd.vote_den} số thành viên chấm đề nghị công nhận."
        ),
        Table(
            [
                "Hạng",
                "Sáng kiến, đơn vị",
                "Người chấm",
                *[c["label"] for c in criteria],
                "Điểm TB",
                "Phiếu đề nghị",
                "Kết luận",
            ],
            result_rows,
            col_widths=[1.2, 5.6, 1.3, *([1.5] * len(criteria)), 1.4, 1.4, 2.2],
            align=["center", None, *(["right"] * (len(criteria) + 3)), None],
            font_size=9,
        ),
        Heading("III. KẾT LUẬN"),
        Paragraph(
            f"Hội đồng thống nhất đề nghị Chủ tịch Ủy ban nhân dân {in_text} "
            "công nhận "
            f"{len(recommended):02d} sáng kiến: "
            + (
                "; ".join(
                    f"“{r.initiative.title}” ({r.initiative.office.name})" for r in recommended
                )
                or "không có"
            )
            + "."
        ),
        Paragraph(
            "Biên bản được lập thành 02 bản, thông qua trước Hội đồng và các thành viên "
            "thống nhất ký tên."
        ),
    ]
    return OfficialDocument(
        parent_issuer_lines=commune_settings.of(commune).issuer_lines,
        issuer_lines=["HỘI ĐỒNG ĐÁNH GIÁ", "SÁNG KIẾN CCHC"],
        symbol="BB-HĐSK",
        place=commune.short_name if commune else "",
        date=on,
        doc_type="Biên bản",
        summary=Markup("Họp Hội đồng đánh giá sáng kiến cải cách hành chính năm {}").format(
            rnd.year
        ),
        body=body,
        signature=SignatureBlock(
            ["CHỦ TỊCH HỘI ĐỒNG"],
            chair.user.full_name if chair else "",
            space_mm=STAMP_HEIGHT_MM,
            width_mm=STAMP_WIDTH_MM,
        ),
        secondary_signature=SignatureBlock(
            ["THƯ KÝ HỘI ĐỒNG"],
            secretary.user.full_name if secretary else "",
            space_mm=STAMP_HEIGHT_MM,
            width_mm=STAMP_WIDTH_MM,
            stamp_lines=list(secretary_stamp),
        ),
        title=f"Biên bản họp Hội đồng đánh giá sáng kiến năm {rnd.year}",
    )


def _stamp(name: str, credential: signing.Credential, when) -> list[str]:
    return [
        f"Ký bởi: {name}",
        f"Chứng thư số: {credential.holder}",
        f"Thời gian ký: {format_datetime(when)}",
    ]


def produce_minutes(council: Council, actor: User) -> list[Attachment]:
    """The secretary produces the minutes once scoring is closed and signs them with their
    own certificate; they may produce them again until the chair has signed."""
    if council.state != CouncilState.CLOSED:
        raise DomainError("Chỉ lập biên bản sau khi Chủ tịch Hội đồng kết thúc chấm điểm.")
    if not council.member_in(actor, Position.SECRETARY):
        raise DomainError("Chỉ Thư ký Hội đồng được lập biên bản.")
    if council.minutes_signed:
        raise DomainError("Biên bản đã được Chủ tịch Hội đồng ký: không lập lại được.")
    credential = certificates.credential_for(actor)
    now = utcnow()
    on = to_local(council.closed_at).date() if council.closed_at else to_local(now).date()
    document = build_minutes(
        council, council_results(council), on, _stamp(actor.full_name, credential, now)
    )
    rendered = render(document)
    chair_box, secretary_box = rendered.signature_box, rendered.secondary_signature_box
    reason = f"Biên bản họp Hội đồng đánh giá sáng kiến năm {council.round.year}"
    signed = signing.sign_pdf(
        rendered.pdf,
        signing.SignatureRequest(
            credential,
            SECRETARY_FIELD,
            reason,
            document.place,
            secretary_box.page_index,
            secretary_box.box,
        ),
        when=now,
        empty_fields=(signing.EmptyField(CHAIR_FIELD, chair_box.page_index, chair_box.box),),
    )
    stored = _store(council, signed, actor)
    before = {"minutes_attachment_id": council.minutes_attachment_id}
    council.minutes = stored[0]
    council.minutes_at = now
    council.minutes_chair_signed_at = None
    audit.record(
        "council.minutes",
        council,
        before=before,
        after={"sha256": stored[0].sha256, "pages": rendered.page_count, "signed_by": "secretary"},
        actor=actor,
    )
    return stored


def sign_minutes(council: Council, actor: User) -> list[Attachment]:
    """The chair signs the minutes the secretary signed, in the field left for them."""
    if not council.member_in(actor, Position.CHAIR):
        raise DomainError("Chỉ Chủ tịch Hội đồng ký biên bản ở ô của Chủ tịch.")
    if council.minutes is None:
        raise DomainError("Thư ký Hội đồng chưa lập và ký biên bản.")
    if council.minutes_signed:
        raise DomainError("Biên bản đã được Chủ tịch Hội đồng ký.")
    credential = certificates.credential_for(actor)
    pdf = attachments.read_attachment(council.minutes)
    box = signing.field_box(pdf, CHAIR_FIELD)
    if box is None:
        raise DomainError("Biên bản này không có ô chữ ký của Chủ tịch: Thư ký cần lập lại.")
    now = utcnow()
    appearance = render_stamp(
        _stamp(actor.full_name, credential, now), box[2] - box[0], box[3] - box[1]
    )
    signed = signing.sign_pdf(
        pdf,
        signing.SignatureRequest(
            credential,
            CHAIR_FIELD,
            f"Biên bản họp Hội đồng đánh giá sáng kiến năm {council.round.year}",
            appearance=appearance,
            existing=True,
        ),
        when=now,
    )
    stored = _store(council, signed, actor)
    before = {"minutes_attachment_id": council.minutes_attachment_id}
    council.minutes = stored[0]
    council.minutes_chair_signed_at = now
    audit.record(
        "council.minutes_sign",
        council,
        before=before,
        after={"sha256": stored[0].sha256, "signed_by": "chair"},
        actor=actor,
    )
    return stored


def _store(council: Council, pdf: bytes, actor: User) -> list[Attachment]:
    upload = FileStorage(
        stream=io.BytesIO(pdf),
        filename=f"Bien ban Hoi dong sang kien {council.round.year}.pdf",
        content_type="application/pdf",
    )
    return attachments.store_uploads([upload], actor)
