"""Exports of a set: its table, the assignment appendix and the totals (PDF and XLSX).

PDFs are described as OfficialDocument and laid out by cchc_web.documents only.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..core.extensions import db
from ..core.timeutil import local_today
from ..documents import (
    Heading,
    OfficialDocument,
    Paragraph,
    SignatureBlock,
    Table,
    capacity_lines,
    render,
)
from ..models import Commune, IndexSet, Role, User, UserRole, commune_settings
from .services import Totals, effective_score, leaf_scores, scorable_leaves
from .tabular import index_points, points, xlsx_bytes


def set_table(index_set: IndexSet) -> list[list[object]]:
    """The set in the import format (tabular.COLUMNS), so an export can be imported again."""
    return [
        [
            item.code,
            item.parent.code if item.parent else "",
            item.title,
            item.max_points,
            item.method_enum.label,
            item.guidance,
            item.office.code if item.office else "",
        ]
        for item in index_set.items
    ]


def _chairman_name() -> str:
    name = db.session.scalar(
        select(User.full_name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.CHAIRMAN, User.active)
        .order_by(User.id)
        .limit(1)
    )
    return name or ""


def _header(commune: Commune | None) -> dict:
    return {
        "issuer_lines": commune_settings.of(commune).issuer_lines,
        "symbol": "UBND-VHXH",
        "place": commune.short_name if commune else "",
        "date": local_today(),
    }


def _signature() -> SignatureBlock:
    return SignatureBlock(capacity_lines("committee", False), _chairman_name())


def _assignment_rows(index_set: IndexSet) -> tuple[list[list[object]], list[int]]:
    rows: list[list[object]] = []
    bold: list[int] = []
    for item in index_set.items:
        if item.is_survey and item.parent is not None:
            continue
        if item.level == 1:
            bold.append(len(rows))
        office = item.office.name if item.office else ""
        if item.is_survey:
            office = "Điều tra xã hội học (Thường trực CCHC tổng hợp)"
        rows.append([item.code, item.title, item.max_points, office])
    return rows, bold


def assignment_pdf(index_set: IndexSet) -> bytes:
    """Phụ lục phân công: every leaf with its maximum and the responsible office."""
    rows, bold = _assignment_rows(index_set)
    document = OfficialDocument(
        **_header(Commune.current()),
        doc_type="Phụ lục",
        summary=f"Phân công nhiệm vụ thực hiện Bộ chỉ số cải cách hành chính năm {index_set.year}",
        body=[
            Paragraph(
                f"Kèm theo Công văn phân công nhiệm vụ thực hiện {index_set.title}. "
                "Các đơn vị chịu trách nhiệm tự đánh giá, chấm điểm và cung cấp tài liệu "
                "kiểm chứng đối với các tiêu chí được giao dưới đây."
            ),
            Table(
                columns=["Mã", "Tiêu chí", "Điểm tối đa", "Đơn vị thực hiện"],
                rows=rows,
                col_widths=[1.2, 7, 1.6, 3.4],
                bold_rows=bold,
                font_size=11,
            ),
        ],
        signature=_signature(),
        recipients=["Các phòng, đơn vị thuộc UBND xã", "Lưu: VT, VHXH"],
    )
    return render(document).pdf


def assignment_xlsx(index_set: IndexSet) -> bytes:
    rows, bold = _assignment_rows(index_set)
    header = ["Mã", "Tiêu chí", "Điểm tối đa", "Đơn vị thực hiện"]
    return xlsx_bytes([("Phụ lục phân công", header, rows)], {"Phụ lục phân công": set(bold)})


def _totals_rows(totals: Totals) -> tuple[list[list[object]], list[int]]:
    has_previous = totals.previous is not None
    rows: list[list[object]] = []
    for node in totals.fields:
        row: list[object] = [
            node.item.code,
            node.item.title,
            node.max_points,
            node.self_total,
            node.appraised_total,
        ]
        if has_previous:
            row.append(node.previous)
        rows.append(row)
    survey: list[object] = [
        "",
        "Điều tra xã hội học (tác động của CCHC)",
        totals.survey_max,
        None,
        totals.survey_score,
    ]
    extra: list[list[object]] = [
        survey,
        ["", "Điểm thưởng", None, None, totals.bonus],
        ["", "Điểm trừ", None, None, -totals.penalty if totals.penalty else Decimal("0")],
        ["", "Tổng điểm", totals.max_total, totals.self_total, totals.total],
        ["", "Chỉ số quy đổi thang 100", Decimal("100"), None, totals.index_100],
    ]
    if has_previous:
        assert totals.previous is not None
        extra[0].append(totals.previous.survey_score)
        extra[1].append(totals.previous.bonus)
        extra[2].append(-totals.previous.penalty)
        extra[3].append(totals.previous.total)
        extra[4].append(totals.previous.index_100)
    bold = [len(rows) + 3, len(rows) + 4]
    return rows + extra, bold


def _totals_columns(totals: Totals) -> list[str]:
    columns = ["Mã", "Lĩnh vực", "Điểm tối đa", "Tự chấm", "Thẩm định"]
    if totals.previous is not None:
        columns.append(f"Năm {totals.previous.index_set.year}")
    return columns


def _leaf_rows(totals: Totals) -> list[list[object]]:
    rows: list[list[object]] = []
    for item in scorable_leaves(totals.index_set):
        self_value, appraised = leaf_scores(item)
        rows.append(
            [
                item.code,
                item.title,
                item.office.code if item.office else "",
                item.max_points,
                self_value,
                appraised,
                effective_score(item),
            ]
        )
    return rows


def totals_pdf(totals: Totals) -> bytes:
    """Kết quả tự đánh giá: totals per field, survey, bonus/penalty, index and grade."""
    index_set = totals.index_set
    rows, bold = _totals_rows(totals)
    state = (
        "Kết quả tạm tính: còn tiêu chí chưa thẩm định hoặc chưa có điểm điều tra xã hội học."
        if totals.provisional
        else "Toàn bộ tiêu chí đã được thẩm định."
    )
    comparison = ""
    if totals.previous is not None and totals.change is not None:
        sign = "tăng" if totals.change >= 0 else "giảm"
        comparison = (
            f" So với năm {totals.previous.index_set.year} "
            f"({index_points(totals.previous.index_100)} điểm), {sign} "
            f"{index_points(abs(totals.change))} điểm."
        )
    document = OfficialDocument(
        **_header(Commune.current()),
        doc_type="Báo cáo",
        summary=f"Kết quả tự đánh giá, chấm điểm Chỉ số cải cách hành chính năm {index_set.year}",
        body=[
            Paragraph(
                f"Tổng điểm sau thẩm định: {points(totals.total)}/{points(totals.max_total)} "
                f"điểm; quy đổi thang 100: {index_points(totals.index_100)} điểm, xếp loại "
                f"{totals.grade} ({totals.grade_label}).{comparison} {state}"
            ),
            Heading("I. KẾT QUẢ THEO LĨNH VỰC"),
            Table(
                columns=_totals_columns(totals),
                rows=rows,
                bold_rows=bold,
                font_size=11,
                col_widths=[1, 6, 1.6, 1.6, 1.6] + ([1.6] if totals.previous else []),
            ),
            Heading("II. CHI TIẾT CÁC TIÊU CHÍ"),
            Table(
                columns=["Mã", "Tiêu chí", "Đơn vị", "Tối đa", "Tự chấm", "Thẩm định", "Tính"],
                rows=_leaf_rows(totals),
                font_size=10,
                col_widths=[1.1, 6, 1.2, 1.2, 1.2, 1.4, 1.2],
            ),
        ],
        signature=_signature(),
        recipients=["UBND thành phố (Sở Nội vụ)", "Lãnh đạo UBND xã", "Lưu: VT, VHXH"],
    )
    return render(document).pdf


def totals_xlsx(totals: Totals) -> bytes:
    rows, bold = _totals_rows(totals)
    leaf_header = ["Mã", "Tiêu chí", "Đơn vị", "Tối đa", "Tự chấm", "Thẩm định", "Tính vào tổng"]
    return xlsx_bytes(
        [
            ("Tổng hợp", _totals_columns(totals), rows),
            ("Chi tiết tiêu chí", leaf_header, _leaf_rows(totals)),
        ],
        {"Tổng hợp": set(bold)},
    )
