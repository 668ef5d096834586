"""An initiative's description (Báo cáo mô tả sáng kiến, after the form of Thông tư
18/2013/TT-BKHCN), laid out by cchc_web.documents like every other PDF of the system."""

from __future__ import annotations

from ..core.extensions import db
from ..core.timeutil import to_local
from ..documents import Heading, OfficialDocument, Paragraph, SignatureBlock, Table
from ..models import Commune, Initiative, Role


def _text(value: str) -> str:
    return value.strip() or "(chưa ghi)"


def description(initiative: Initiative) -> OfficialDocument:
    """The application as the council reads it: authors with their shares, the known solution,
    the content, what is new, when and where applied, conditions, replication, benefits, and
    the evidence list. Dated on submission; a draft keeps its date blank."""
    # The initiative's own commune (the city reads a commune's dossier: its place, not the
    # city's), one lookup in the identity map when it is the session's.
    commune = db.session.get(Commune, initiative.commune_id) or Commune.current()
    received = initiative.source_initiative_id is not None  # a city copy: authors by name
    authors = [
        [
            n,
            a.name,
            a.date_of_birth.strftime("%d/%m/%Y") if a.date_of_birth else "",
            initiative.office.name if a.user or received else "Ngoài đơn vị",
            a.user.position_title if a.user else "",
            a.qualification,
            f"{a.share}%",
        ]
        for n, a in enumerate(initiative.authors, start=1)
    ]
    applied = (
        ("Áp dụng thử" if initiative.piloted else "Áp dụng lần đầu")
        + (
            f" từ ngày {initiative.first_applied_on:%d/%m/%Y}"
            if initiative.first_applied_on
            else ""
        )
        + (f" tại {initiative.applied_where.strip()}" if initiative.applied_where.strip() else "")
        + "."
    )
    evidence = [e.attachment.original_name for e in initiative.evidence]
    body = [
        Heading("1. Tên sáng kiến"),
        Paragraph(initiative.title),
        Heading("2. Lĩnh vực áp dụng"),
        Paragraph(initiative.field_label),
        Heading("3. Tác giả"),
        Table(
            ["STT", "Họ và tên", "Ngày sinh", "Nơi công tác", "Chức danh", "Trình độ", "Tỷ lệ"],
            authors,
            col_widths=[1, 4, 2.4, 4, 3.4, 2.6, 1.6],
            align=["center", None, "center", None, None, None, "right"],
            font_size=11,
        ),
        Heading("4. Ngày áp dụng lần đầu hoặc áp dụng thử"),
        Paragraph(applied),
        Heading("5. Mô tả bản chất của sáng kiến"),
        Heading("5.1. Tình trạng giải pháp đã biết", level=3),
        Paragraph(_text(initiative.current_situation)),
        Heading("5.2. Nội dung giải pháp", level=3),
        Paragraph(_text(initiative.solution)),
        Heading("5.3. Tính mới", level=3),
        Paragraph(_text(initiative.novelty)),
        Heading("6. Những điều kiện cần thiết để áp dụng sáng kiến"),
        Paragraph(_text(initiative.conditions)),
        Heading("7. Khả năng áp dụng, nhân rộng"),
        Paragraph(_text(initiative.replication)),
        Heading("8. Hiệu quả, lợi ích thu được"),
        Paragraph(_text(initiative.effectiveness)),
        Heading("9. Tài liệu kèm theo"),
        Paragraph("; ".join(evidence) + "." if evidence else "Không có."),
        Paragraph(
            "Tôi (chúng tôi) xin cam đoan mọi thông tin nêu trong báo cáo là trung thực, "
            "đúng sự thật và hoàn toàn chịu trách nhiệm trước pháp luật."
        ),
    ]
    head = initiative.submitted_by
    if head is None:
        head = next(
            (u for u in initiative.office.users if u.active and u.has_role(Role.HEAD)), None
        )
    first_author = initiative.authors[0].name if initiative.authors else ""
    return OfficialDocument(
        place=commune.short_name if commune else "",
        date=to_local(initiative.submitted_at).date() if initiative.submitted_at else None,
        draft_year=initiative.round.year,
        doc_type="Báo cáo mô tả sáng kiến",
        summary=initiative.title,
        body=body,
        signature=SignatureBlock(["TÁC GIẢ"], first_author),
        secondary_signature=SignatureBlock(["THỦ TRƯỞNG ĐƠN VỊ"], head.full_name if head else ""),
        title=f"Báo cáo mô tả sáng kiến: {initiative.title}",
    )
