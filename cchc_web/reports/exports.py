"""A report as a PDF (through the one documents module) and as an Excel workbook; the plan
as a PDF too. The outline follows SPEC §3: I. direction; II. results per reform field;
III. strengths and limits; IV. tasks for the next period; a numeric appendix."""

from __future__ import annotations

from datetime import date

from .. import documents as doc
from ..models import Commune
from ..models.plans import Plan
from ..models.reports import Report
from ..timeutil import to_local
from . import services

UNKNOWN = "—"


def _issuer_lines(report: Report | None, commune: Commune | None) -> tuple[list[str], list[str]]:
    """An office report is issued by the office under the People's Committee; the commune
    report and the plan by the committee itself."""
    committee = ["ỦY BAN NHÂN DÂN", (commune.name if commune else "XÃ").upper()]
    if report is not None and report.office is not None:
        return [report.office.name.upper()], committee
    return committee, []


def _paragraphs(text: str, empty: str) -> list[doc.Block]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [doc.Paragraph(line) for line in lines] or [doc.Paragraph(empty)]


def report_document(report: Report) -> doc.OfficialDocument:
    commune = Commune.current()
    data = services.report_data(report)
    issuer, parent = _issuer_lines(report, commune)
    when = to_local(report.submitted_at).date() if report.submitted_at else None
    body: list[doc.Block] = [
        doc.Paragraph(
            f"Thực hiện Kế hoạch cải cách hành chính ({'; '.join(data['plans']) or UNKNOWN}), "
            f"{report.office.name if report.office else 'Ủy ban nhân dân xã'} báo cáo kết quả "
            f"thực hiện công tác cải cách hành chính kỳ từ "
            f"{doc.format_date_short(report.period_start)} đến "
            f"{doc.format_date_short(report.period_end)} như sau:"
        ),
        doc.Heading("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        *_paragraphs(report.direction, "Không có nội dung."),
        doc.Heading("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH"),
    ]
    groups = services.rows_by_field(data)
    if not groups:
        body.append(doc.Paragraph("Đơn vị không có nhiệm vụ trong kỳ."))
    for number, (_code, label, rows) in enumerate(groups, start=1):
        body.append(doc.Heading(f"{number}. {label}", level=2))
        quiet = [row["code"] for row in rows if row["status"] is None]
        for row in rows:
            if row["status"] is None:
                continue
            progress = f" ({row['progress']}%)" if row["progress"] is not None else ""
            text = f"Nhiệm vụ {row['code']}: {row['content']} — {row['status_label']}{progress}."
            if row["result"]:
                text += f" Kết quả: {row['result']}"
            body.append(doc.Paragraph(text))
            if row["status"] == "late":
                body.append(
                    doc.Paragraph(
                        f"Nguyên nhân ({row['cause_type'].lower()}): {row['cause']}. "
                        f"Giải pháp khắc phục: {row['catchup_action']}; thời hạn "
                        f"{doc.format_date_short(date.fromisoformat(row['catchup_deadline']))}; "
                        f"người chịu trách nhiệm: {row['catchup_responsible']}."
                    )
                )
        if quiet:
            body.append(
                doc.Paragraph("Nhiệm vụ chưa có cập nhật trong kỳ: " + ", ".join(quiet) + ".")
            )
    body += [
        doc.Heading("III. ĐÁNH GIÁ CHUNG"),
        *_paragraphs(report.strengths_limits, "Không có nội dung."),
        doc.Heading("IV. NHIỆM VỤ TRỌNG TÂM KỲ TỚI"),
        *_paragraphs(report.next_tasks, "Không có nội dung."),
    ]
    counts = data["counts"]
    appendix_blocks: list[doc.Block] = [
        doc.Heading("1. Kết quả thực hiện chỉ tiêu", level=2),
        doc.Table(
            columns=["Mã", "Chỉ tiêu", "Mục tiêu", "Kết quả", "Đánh giá"],
            rows=[
                [
                    o["code"],
                    o["indicator"],
                    o["target"],
                    f"{o['value']} {o['unit']}".strip() if o["value"] is not None else UNKNOWN,
                    o["state_label"],
                ]
                for o in data["objectives"]
            ]
            or [["", "Đơn vị không phụ trách chỉ tiêu nào.", "", "", ""]],
            col_widths=[1, 5, 1.6, 1.6, 1.8],
        ),
        doc.Heading("2. Số lượng nhiệm vụ", level=2),
        doc.Table(
            columns=[
                "Tổng số",
                "Hoàn thành",
                "Đang thực hiện",
                "Chậm tiến độ",
                "Chưa thực hiện",
                "Chưa cập nhật",
            ],
            rows=[
                [
                    counts["total"],
                    counts["done"],
                    counts["in_progress"],
                    counts["late"],
                    counts["not_started"],
                    counts["no_update"],
                ]
            ],
        ),
    ]
    signer = report.submitted_by.full_name if report.submitted_by else ""
    return doc.OfficialDocument(
        issuer_lines=issuer,
        parent_issuer_lines=parent,
        number_symbol=None,
        symbol="BC-" + (report.office.code if report.office else "UBND"),
        place=commune.short_name if commune else "",
        date=when,
        draft_year=report.period_end.year,
        doc_type="Báo cáo",
        summary=f"Kết quả thực hiện công tác cải cách hành chính {report.period_label}",
        body=body,
        signature=doc.SignatureBlock(
            ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"] if report.office is None else ["THỦ TRƯỞNG ĐƠN VỊ"],
            signer,
        ),
        recipients=["Phòng Văn hóa - Xã hội (Thường trực CCHC)", "Lưu: VT"],
        appendices=[
            doc.Appendix(
                title="Phụ lục",
                subtitle="SỐ LIỆU KẾT QUẢ THỰC HIỆN",
                reference=f"(Kèm theo báo cáo {report.period_label})",
                blocks=appendix_blocks,
            )
        ],
        title=report.title,
    )


def report_pdf(report: Report) -> bytes:
    return doc.render(report_document(report)).pdf


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    data = services.report_data(report)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Nhiệm vụ"
    sheet.append([report.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(
        [
            f"Kỳ báo cáo: {doc.format_date_short(report.period_start)} – "
            f"{doc.format_date_short(report.period_end)}; trạng thái: {report.status_label}"
            + ("; nộp muộn" if report.is_late else "")
        ]
    )
    sheet.append([])
    header = [
        "Mã",
        "Lĩnh vực",
        "Nội dung",
        "Vai trò",
        "Tình trạng",
        "Tiến độ (%)",
        "Kết quả",
        "Loại nguyên nhân",
        "Nguyên nhân",
        "Giải pháp khắc phục",
        "Thời hạn mới",
        "Người chịu trách nhiệm",
        "Số minh chứng",
    ]
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for _code, label, rows in services.rows_by_field(data):
        for row in rows:
            sheet.append(
                [
                    row["code"],
                    label,
                    row["content"],
                    "Chủ trì" if row["role"] == "lead" else "Phối hợp",
                    row["status_label"],
                    row["progress"],
                    row["result"],
                    row["cause_type"],
                    row["cause"],
                    row["catchup_action"],
                    doc.format_date_short(date.fromisoformat(row["catchup_deadline"]))
                    if row["catchup_deadline"]
                    else "",
                    row["catchup_responsible"],
                    row["files"],
                ]
            )
    for letter, width in zip(
        "ABCDEFGHIJKLM", (6, 24, 60, 10, 16, 10, 40, 14, 30, 30, 12, 20, 10), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    objectives = workbook.create_sheet("Chỉ tiêu")
    objectives.append(["Mã", "Chỉ tiêu", "Mục tiêu", "Kết quả", "Đơn vị tính", "Đánh giá"])
    for o in data["objectives"]:
        objectives.append(
            [
                o["code"],
                o["indicator"],
                o["target"],
                float(o["value"]) if o["value"] is not None else None,
                o["unit"],
                o["state_label"],
            ]
        )
    counts = workbook.create_sheet("Tổng hợp")
    for label, key in (
        ("Tổng số nhiệm vụ", "total"),
        ("Hoàn thành", "done"),
        ("Đang thực hiện", "in_progress"),
        ("Chậm tiến độ", "late"),
        ("Chưa thực hiện", "not_started"),
        ("Chưa cập nhật", "no_update"),
    ):
        counts.append([label, data["counts"][key]])
    for ws in (objectives, counts):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    from ..spreadsheets import workbook_bytes

    return workbook_bytes(workbook)  # every user-typed cell stays text, never a formula


def plan_document(plan: Plan) -> doc.OfficialDocument:
    commune = Commune.current()
    issuer, parent = _issuer_lines(None, commune)
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
    from ..models.plans import FIELDS

    for number, (code, label) in enumerate(FIELDS.items(), start=1):
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
        parent_issuer_lines=parent,
        number_symbol=plan.doc_number or None,
        symbol="KH-UBND",
        place=commune.short_name if commune else "",
        date=plan.doc_date,
        draft_year=plan.period_start.year,
        doc_type="Kế hoạch",
        summary=plan.title,
        body=body,
        signature=doc.SignatureBlock(["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"], ""),
        recipients=["Các cơ quan chuyên môn", "Lưu: VT, VHXH"],
        title=plan.title,
    )


def plan_pdf(plan: Plan) -> bytes:
    return doc.render(plan_document(plan)).pdf
