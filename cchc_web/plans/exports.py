"""The plan as a PDF, through the one documents module: its objectives, then its tasks by
reform field, issued by the committee (the export; the signed Kế hoạch that issues a plan is
drafted by `decision_kinds.py`)."""

from __future__ import annotations

from .. import documents as doc
from ..models import Commune, commune_settings
from ..models.plans import Plan


def plan_document(plan: Plan) -> doc.OfficialDocument:
    commune = Commune.current()
    settings = commune_settings.of(commune)
    issuer = settings.issuer_lines
    body: list[doc.Block] = []
    if plan.theme:
        body.append(doc.Paragraph(f"Chủ đề: {plan.theme}"))
    body.append(doc.Heading("I. MỤC TIÊU"))
    body.append(
        doc.Table(
            columns=["Mã", "Chỉ tiêu", "Mục tiêu", "Phụ trách"],
            rows=[
                [o.code, o.indicator, o.target_text, o.owner_office.code] for o in plan.objectives
            ]
            or [["", "Không có chỉ tiêu.", "", ""]],
            col_widths=[1, 6, 1.6, 1.4],
        )
    )
    body.append(doc.Heading("II. NHIỆM VỤ"))
    fields = settings.plan_fields_with(t.field for t in plan.tasks)
    for number, (code, label) in enumerate(fields.items(), start=1):
        tasks = [t for t in plan.tasks if t.field == code]
        if not tasks:
            continue
        body.append(doc.Heading(f"{number}. {label}", level=2))
        body.append(
            doc.Table(
                columns=["Mã", "Nội dung", "Chủ trì", "Phối hợp", "Thời gian"],
                rows=[
                    [
                        t.code,
                        t.content,
                        ", ".join(o.code for o in t.lead_offices),
                        ", ".join(o.code for o in t.coordinating_offices),
                        t.timing_label,
                    ]
                    for t in tasks
                ],
                col_widths=[0.8, 6, 1.3, 1.6, 1.6],
                font_size=11,
            )
        )
    return doc.OfficialDocument(
        issuer_lines=issuer,
        number_symbol=plan.doc_number or None,
        symbol="KH-UBND",
        place=commune.short_name if commune else "",
        date=plan.doc_date,
        draft_year=plan.period_start.year,
        doc_type="Kế hoạch",
        summary=plan.title,
        body=body,
        signature=doc.SignatureBlock(doc.capacity_lines("committee", False), ""),
        recipients=["Các cơ quan chuyên môn", "Lưu: VT, VHXH"],
        title=plan.title,
    )


def plan_pdf(plan: Plan) -> bytes:
    return doc.render(plan_document(plan)).pdf
