"""The survey's documents: the receipt slip (A6, with its QR code), the results as an Excel
workbook and as a report PDF in the documents module's layout."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, select

from .. import documents as doc
from ..core.extensions import db
from ..core.timeutil import local_today
from ..models import Commune, Office, Role, User, UserRole
from ..models.sipas import CENTRE_OFFICE_CODE, FEEDBACK_STATUS_LABELS, FeedbackItem, Receipt
from . import services
from .results import SMALL_SAMPLE, Results, Stat

# A text cell starting with one of these is a formula to Excel or LibreOffice (OWASP "CSV
# injection"): such cells get Excel's quote prefix and are always written as text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def answer_url(public_url: str, code: str) -> str:
    """The phone page of a receipt code, under the configured public address only (never a
    request's Host: the slip is printed and handed out)."""
    return f"{public_url.rstrip('/')}/sipas/r/{code}"


def _commune_lines() -> list[str]:
    commune = Commune.current()
    return ["Ủy ban nhân dân", commune.name if commune else "xã"]


def slip_pdf(receipt: Receipt, public_url: str) -> bytes:
    url = answer_url(public_url, receipt.code)
    centre = services.centre_office()
    facts: list[tuple[str, doc.Text]] = [
        ("Số biên nhận:", receipt.number),
        ("Lĩnh vực:", receipt.procedure_field.name),
    ]
    if receipt.procedure:
        facts.append(("Thủ tục:", receipt.procedure))
    facts.append(("Ngày tiếp nhận:", doc.format_date_short(receipt.received_on)))
    if receipt.counter:
        facts.append(("Quầy:", receipt.counter.name))
    slip = doc.Slip(
        issuer_lines=[" ".join(_commune_lines()), centre.name if centre else ""],
        title="Phiếu đánh giá sự hài lòng",
        facts=facts,
        qr_data=url,
        code_text=f"Mã đánh giá: {receipt.code_display}",
        instructions=[
            "Sau khi nhận kết quả, xin Ông/Bà quét mã QR bằng điện thoại (hoặc mở địa chỉ "
            f"{public_url.rstrip('/')}/sipas/r và nhập mã trên) để cho biết mức độ hài lòng.",
            "Phiếu không ghi tên, không cần đăng nhập; mỗi mã chỉ dùng được một lần, đến hết "
            f"ngày {doc.format_date_short(receipt.expires_on)}.",
        ],
        footer="Ý kiến của Ông/Bà giúp chúng tôi phục vụ tốt hơn. Xin cảm ơn!",
        document_title=f"Phiếu đánh giá sự hài lòng – hồ sơ {receipt.number}",
    )
    return doc.render_slip(slip)


# -- results -----------------------------------------------------------------------------------
def _pct(value) -> str:
    return doc.format_number(value, 1, fixed=True) if value is not None else "—"


def _interval(stat: Stat) -> str:
    found = stat.interval_percent
    return f"{_pct(found[0])} – {_pct(found[1])}" if found else "—"


def _note(stat: Stat) -> str:
    return f"Mẫu nhỏ (dưới {SMALL_SAMPLE} phiếu)" if stat.small else ""


def period_text(results: Results) -> str:
    first, last = results.filters.first, results.filters.last
    if first and last:
        if first == last:
            return f"tháng {first.month}/{first.year}"
        return f"từ tháng {first.month}/{first.year} đến tháng {last.month}/{last.year}"
    return "toàn bộ thời gian"


def _rows(stats: Sequence[Stat]) -> list[list]:
    return [
        [n, s.label, s.responses, _pct(s.percent), _interval(s), _note(s)]
        for n, s in enumerate(stats, start=1)
    ]


TABLE_COLUMNS = [
    "STT",
    "Nhóm",
    "Số phiếu",
    "Tỷ lệ hài lòng (%)",
    "Khoảng tin cậy 95% (%)",
    "Ghi chú",
]


def _head_of_centre() -> str:
    head = db.session.scalar(
        select(User)
        .join(Office, Office.id == User.office_id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(Office.code == CENTRE_OFFICE_CODE, UserRole.role == Role.HEAD, User.active)
        .order_by(User.id)
        .limit(1)
    )
    return head.full_name if head else ""


def _feedback_counts() -> list[list]:
    rows = db.session.execute(
        select(Office.name, FeedbackItem.status, func.count())
        .join(Office, Office.id == FeedbackItem.office_id)
        .group_by(Office.name, FeedbackItem.status)
        .order_by(Office.name)
    ).all()
    table: dict[str, dict[str, int]] = {}
    for office, status, count in rows:
        table.setdefault(office, {})[status] = count
    return [
        [n, office, sum(counts.values()), counts.get("answered", 0), counts.get("open", 0)]
        for n, (office, counts) in enumerate(table.items(), start=1)
    ]


def report_document(
    results: Results, field_name: str = "", counter_name: str = ""
) -> doc.OfficialDocument:
    commune = Commune.current()
    centre = services.centre_office()
    overall = results.overall
    scope = ", ".join(x for x in (field_name and f"lĩnh vực {field_name}", counter_name) if x)
    body: list[doc.Block] = [
        doc.Paragraph(
            f"{centre.name if centre else 'Bộ phận Một cửa'} báo cáo kết quả khảo sát sự hài "
            f"lòng của người dân, tổ chức đối với sự phục vụ hành chính {period_text(results)}"
            + (f" ({scope})" if scope else "")
            + ", theo 5 yếu tố của Chỉ số hài lòng về sự phục vụ hành chính (SIPAS), như sau:"
        ),
        doc.Heading("I. KẾT QUẢ CHUNG"),
    ]
    if results.empty:
        body.append(doc.Paragraph("Không có phiếu khảo sát nào trong kỳ."))
    else:
        body.append(
            doc.Paragraph(
                f"Số phiếu trả lời: {overall.responses}; số ý kiến đánh giá: {overall.ratings}. "
                f"Tỷ lệ hài lòng (mức “Hài lòng” và “Rất hài lòng”): {_pct(overall.percent)}%, "
                f"khoảng tin cậy 95%: {_interval(overall)}%."
                + (
                    f" Mẫu nhỏ (dưới {SMALL_SAMPLE} phiếu): chưa đủ để kết luận."
                    if overall.small
                    else ""
                )
            )
        )
    for title, stats in (
        ("II. THEO YẾU TỐ", results.by_aspect),
        ("III. THEO LĨNH VỰC THỦ TỤC HÀNH CHÍNH", results.by_field),
        ("IV. THEO THÁNG", results.by_month),
        ("V. THEO QUẦY", results.by_counter),
    ):
        body.append(doc.Heading(title))
        if stats:
            body.append(
                doc.Table(
                    TABLE_COLUMNS, _rows(stats), col_widths=[0.6, 4, 1.1, 1.4, 2, 1.8], font_size=11
                )
            )
        else:
            body.append(doc.Paragraph("Không có số liệu."))
    body.append(doc.Heading("VI. KIẾN NGHỊ, PHẢN ÁNH QUA PHIẾU KHẢO SÁT"))
    counts = _feedback_counts()
    if counts:
        body.append(
            doc.Table(
                [
                    "STT",
                    "Đơn vị xử lý",
                    "Tổng số",
                    FEEDBACK_STATUS_LABELS["answered"],
                    FEEDBACK_STATUS_LABELS["open"],
                ],
                counts,
                col_widths=[0.6, 5, 1.2, 1.4, 1.4],
                font_size=11,
            )  # fmt: skip
        )
    else:
        body.append(doc.Paragraph("Không có kiến nghị, phản ánh nào."))
    body.append(
        doc.Paragraph(
            "Cách tính: tỷ lệ hài lòng là tỷ lệ ý kiến đánh giá ở mức 4 (Hài lòng) và 5 (Rất "
            "hài lòng) trên tổng số ý kiến; câu không bắt buộc để trống không tính; khoảng tin "
            "cậy 95% theo phương pháp Wilson, cỡ mẫu là số phiếu."
        )
    )
    today = local_today()
    return doc.OfficialDocument(
        issuer_lines=[centre.name.upper()] if centre else ["BỘ PHẬN MỘT CỬA"],
        parent_issuer_lines=[line.upper() for line in _commune_lines()],
        symbol="BC-" + CENTRE_OFFICE_CODE,
        place=commune.short_name if commune else "",
        date=today,
        doc_type="Báo cáo",
        summary=f"Kết quả khảo sát sự hài lòng về sự phục vụ hành chính {period_text(results)}",
        body=body,
        signature=doc.SignatureBlock(["GIÁM ĐỐC"], _head_of_centre()),
        recipients=["Thường trực CCHC (Phòng Văn hóa - Xã hội)", "Lưu: VT"],
        title=f"Báo cáo kết quả khảo sát sự hài lòng {period_text(results)}",
    )


def report_pdf(results: Results, field_name: str = "", counter_name: str = "") -> bytes:
    return doc.render(report_document(results, field_name, counter_name)).pdf


def make_inert(cell) -> None:
    """A text cell stays text: written as a string, never a formula, and one that would start
    a formula gets Excel's quote prefix (what typing ' before it does), the text unchanged."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_TRIGGERS):
            cell.quotePrefix = True


def _sheet(workbook, title: str, header: Iterable[str], rows: Iterable[Iterable[Any]], widths):
    from openpyxl.styles import Alignment, Font

    sheet = workbook.create_sheet(title)
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            make_inert(cell)
    return sheet


def results_xlsx(results: Results, suggestions: Sequence[tuple]) -> bytes:
    """Sheets per dimension (group, responses, ratings, share, interval, small sample) and
    the suggestions of the period (date, field, text, status, office): people's text is
    written as text, never as a formula."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    header = [
        "Nhóm", "Số phiếu", "Số ý kiến", "Số ý kiến hài lòng", "Tỷ lệ hài lòng (%)",
        "Cận dưới 95% (%)", "Cận trên 95% (%)", "Mẫu nhỏ",
    ]  # fmt: skip

    def rows(stats: Sequence[Stat]):
        for s in stats:
            low, high = s.interval_percent or (None, None)
            yield [
                s.label,
                s.responses,
                s.ratings,
                s.satisfied,
                float(s.percent) if s.percent is not None else None,
                float(low) if low is not None else None,
                float(high) if high is not None else None,
                "Có" if s.small else "",
            ]

    widths = (44, 10, 10, 12, 14, 14, 14, 10)
    _sheet(workbook, "Chung", header, rows([results.overall]), widths)
    _sheet(workbook, "Theo yếu tố", header, rows(results.by_aspect), widths)
    _sheet(workbook, "Theo lĩnh vực", header, rows(results.by_field), widths)
    _sheet(workbook, "Theo tháng", header, rows(results.by_month), widths)
    _sheet(workbook, "Theo quầy", header, rows(results.by_counter), widths)
    _sheet(
        workbook,
        "Góp ý",
        ["Ngày", "Tháng", "Lĩnh vực", "Góp ý, kiến nghị", "Đơn vị xử lý", "Tình trạng", "Trả lời"],
        suggestions,
        (12, 10, 24, 70, 30, 14, 50),
    )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
