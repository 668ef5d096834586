"""A report as a PDF (through the one documents module) and as an Excel workbook. The
outline follows SPEC §3: I. direction; II. results per reform field;
III. strengths and limits; IV. tasks for the next period; a numeric appendix."""

from __future__ import annotations

from .. import documents as doc
from ..core.timeutil import format_date, to_local
from ..models import Commune, commune_settings
from ..models.reports import Report
from . import services

UNKNOWN = "—"


def _issuer_lines(report: Report, commune: Commune | None) -> tuple[list[str], list[str]]:
    """(issuer, parent) lines: an office report is issued by the office under the People's
    Committee; the commune report by the committee itself."""
    settings = commune_settings.of(commune)
    if report.office is not None:
        parent, issuer = doc.office_issuer(report.office.name, settings.issuer_name)
        return issuer, parent
    return settings.issuer_lines, []


def _paragraphs(text: str, empty: str) -> list[doc.Block]:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return [doc.Paragraph(line) for line in lines] or [doc.Paragraph(empty)]


def _row_paragraphs(row: dict) -> list[doc.Block]:
    """A task of the report in running text: the lead's status and result, its catch-up plan
    (flagged when overdue), then each coordinating office's contribution under its name."""
    blocks: list[doc.Block] = []
    if row["role"] == "lead" and row["status"] is not None:
        progress = f" ({row['progress']}%)" if row["progress"] is not None else ""
        text = f"Nhiệm vụ {row['code']}: {row['content']} — {row['status_label']}{progress}."
        if row["result"]:
            text += f" Kết quả: {row['result']}"
        blocks.append(doc.Paragraph(text))
        if row["status"] == "late":
            blocks.append(
                doc.Paragraph(
                    f"Nguyên nhân ({row['cause_type'].lower()}): {row['cause']}. "
                    f"Giải pháp khắc phục: {row['catchup_action']}; thời hạn "
                    f"{format_date(row['catchup_deadline'])}; "
                    f"người chịu trách nhiệm: {row['catchup_responsible']}."
                )
            )
    elif row["role"] == "lead":
        blocks.append(
            doc.Paragraph(f"Nhiệm vụ {row['code']}: {row['content']} — chưa cập nhật trong kỳ.")
        )
    else:
        leads = ", ".join(row.get("leads", []))
        blocks.append(
            doc.Paragraph(
                f"Nhiệm vụ {row['code']} (phối hợp"
                + (f" với {leads}" if leads else "")
                + f"): {row['content']}."
            )
        )
    if row.get("overdue_catchup"):
        blocks.append(
            doc.Paragraph(
                f"Nhiệm vụ {row['code']} quá hạn khắc phục: thời hạn "
                f"{format_date(row.get('overdue_deadline'))} đã qua mà chưa hoàn thành."
            )
        )
    for entry in row.get("contributions", []):
        files = f" ({entry['files']} minh chứng)" if entry.get("files") else ""
        blocks.append(
            doc.Paragraph(
                f"Phối hợp — {entry['office_name'] or entry['office']} "
                f"({format_date(entry['date'])}): {entry['result']}{files}"
            )
        )
    return blocks


def _quiet(row: dict) -> bool:
    """Nothing to tell of the task in this period."""
    if row["role"] == "lead":
        return (
            row["status"] is None
            and not row.get("contributions")
            and not row.get("overdue_catchup")
        )
    return not row.get("contributions")


def report_document(report: Report) -> doc.OfficialDocument:
    commune = Commune.current()
    data = services.report_data(report)
    issuer, parent = _issuer_lines(report, commune)
    when = to_local(report.submitted_at).date() if report.submitted_at else None
    plans = [services.plan_title(p) for p in data["plans"]]
    body: list[doc.Block] = [
        doc.Paragraph(
            f"Thực hiện {'; '.join(plans) or 'Kế hoạch cải cách hành chính'}, "
            f"{report.office.name if report.office else 'Ủy ban nhân dân xã'} báo cáo kết quả "
            f"thực hiện công tác cải cách hành chính kỳ từ "
            f"{doc.format_date_short(report.period_start)} đến "
            f"{doc.format_date_short(report.period_end)} như sau:"
        ),
        doc.Heading("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH"),
        *_paragraphs(report.direction, "Không có nội dung."),
        doc.Heading("II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH"),
    ]
    groups = services.groups_by_plan(data)
    if not any(group.fields for group in groups):
        body.append(doc.Paragraph("Đơn vị không có nhiệm vụ trong kỳ."))
    for group in groups:
        if len(groups) > 1:
            body.append(doc.Heading(f"Kế hoạch: {group.title}", level=2))
        for number, (_code, label, rows) in enumerate(group.fields, start=1):
            body.append(doc.Heading(f"{number}. {label}", level=2))
            for row in rows:
                if not _quiet(row):
                    body += _row_paragraphs(row)
            for role, sentence in (
                ("lead", "Nhiệm vụ chưa có cập nhật trong kỳ: "),
                ("coordinating", "Nhiệm vụ phối hợp chưa gửi phần việc trong kỳ: "),
            ):
                quiet = [
                    r["code"]
                    for r in rows
                    if _quiet(r) and (r["role"] == "lead") == (role == "lead")
                ]
                if quiet:
                    body.append(doc.Paragraph(sentence + ", ".join(quiet) + "."))
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
                    f"{o['value'].replace('.', ',')} {o['unit']}".strip()
                    if o["value"] is not None
                    else UNKNOWN,
                    o["state_label"],
                ]
                for o in data["objectives"]
            ]
            or [["", "Đơn vị không phụ trách chỉ tiêu nào.", "", "", ""]],
            col_widths=[1, 5, 1.6, 1.6, 1.8],
        ),
        doc.Heading("2. Số lượng nhiệm vụ chủ trì", level=2),
        doc.Table(
            columns=[
                "Tổng số",
                "Hoàn thành",
                "Đang thực hiện",
                "Chậm tiến độ",
                "Quá hạn khắc phục",
                "Chưa thực hiện",
                "Chưa cập nhật",
            ],
            rows=[
                [
                    counts["total"],
                    counts["done"],
                    counts["in_progress"],
                    counts["late"],
                    counts.get("overdue_catchup", 0),
                    counts["not_started"],
                    counts["no_update"],
                ]
            ],
        ),
    ]
    if counts.get("coordinating"):
        appendix_blocks.append(
            doc.Paragraph(
                f"Nhiệm vụ phối hợp: {counts['coordinating']}; đã gửi phần việc phối hợp: "
                f"{counts.get('contributed', 0)}."
            )
        )
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
            doc.capacity_lines("committee", False)
            if report.office is None
            else doc.head_of_office_lines(),
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
        "Kế hoạch",
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
        "Quá hạn khắc phục",
        "Phần việc phối hợp",
        "Số minh chứng",
    ]
    sheet.append(header)
    for cell in sheet[4]:
        cell.font = Font(bold=True)
    for group in services.groups_by_plan(data):
        for _code, label, row in (
            (code, label, row) for code, label, rows in group.fields for row in rows
        ):
            sheet.append(
                [
                    group.title,
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
                    format_date(row["catchup_deadline"]),
                    row["catchup_responsible"],
                    f"Quá hạn (hạn {format_date(row.get('overdue_deadline'))})"
                    if row.get("overdue_catchup")
                    else "",
                    "\n".join(
                        f"{c['office']} ({format_date(c['date'])}): {c['result']}"
                        for c in row.get("contributions", [])
                    ),
                    row["files"],
                ]
            )
    for letter, width in zip(
        "ABCDEFGHIJKLMNOP",
        (30, 6, 24, 60, 10, 16, 10, 40, 14, 30, 30, 12, 20, 16, 40, 10),
        strict=True,
    ):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    objectives = workbook.create_sheet("Chỉ tiêu")
    objectives.append(
        ["Kế hoạch", "Mã", "Chỉ tiêu", "Mục tiêu", "Kết quả", "Đơn vị tính", "Đánh giá"]
    )
    titles = {p["id"]: services.plan_title(p) for p in data["plans"] if isinstance(p, dict)}
    for o in data["objectives"]:
        objectives.append(
            [
                titles.get(o.get("plan_id"), ""),
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
        ("Tổng số nhiệm vụ chủ trì", "total"),
        ("Hoàn thành", "done"),
        ("Đang thực hiện", "in_progress"),
        ("Chậm tiến độ", "late"),
        ("Quá hạn khắc phục", "overdue_catchup"),
        ("Chưa thực hiện", "not_started"),
        ("Chưa cập nhật", "no_update"),
        ("Nhiệm vụ phối hợp", "coordinating"),
        ("Đã gửi phần việc phối hợp", "contributed"),
    ):
        counts.append([label, data["counts"].get(key, 0)])
    for ws in (objectives, counts):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    from ..core.spreadsheets import workbook_bytes

    return workbook_bytes(workbook)  # every user-typed cell stays text, never a formula
