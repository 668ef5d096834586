"""Reading and checking an index set table (CSV or XLSX) before anything is saved.

The table has one row per item: code, parent code, title, maximum points, method, scoring
guidance and the responsible office. Every problem is reported with its row and column so
the secretariat can fix the file; nothing is saved while one remains.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ..core import spreadsheets
from ..core.errors import DomainError
from ..documents import format_number
from ..models import ScoringMethod
from ..web.inputs import strip_control

DEFAULT_SET_PATH = Path(__file__).parent / "data" / "bo_chi_so_mac_dinh.csv"
MAX_ROWS = 2000
MAX_LEVEL = 3
MAX_POINTS = Decimal("1000")

# Canonical key → the header written on export; aliases are also accepted on import.
COLUMNS: dict[str, str] = {
    "code": "Mã",
    "parent": "Mã mục cha",
    "title": "Nội dung",
    "max_points": "Điểm tối đa",
    "method": "Phương thức",
    "guidance": "Hướng dẫn chấm điểm",
    "office": "Đơn vị thực hiện",
}
_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("ma", "mã", "mã số", "code", "stt"),
    "parent": ("mã mục cha", "mã cha", "parent", "parent_code", "ma_cha"),
    "title": ("nội dung", "tên", "tiêu chí", "title", "noi_dung"),
    "max_points": ("điểm tối đa", "điểm", "max", "max_points", "diem_toi_da"),
    "method": ("phương thức", "phương thức chấm", "method", "phuong_thuc"),
    "guidance": ("hướng dẫn chấm điểm", "hướng dẫn", "guidance", "huong_dan"),
    "office": ("đơn vị thực hiện", "đơn vị", "office", "don_vi"),
}
REQUIRED = ("code", "title", "max_points")
_CODE_RE = re.compile(r"^[0-9A-Za-z]+(\.[0-9A-Za-z]+)*$")
_NUMBER_RE = re.compile(r"^\d+(\.\d+)?$")
_METHODS = {
    "": None,
    "self": ScoringMethod.SELF,
    "tự đánh giá": ScoringMethod.SELF,
    "tu danh gia": ScoringMethod.SELF,
    "survey": ScoringMethod.SURVEY,
    "điều tra xã hội học": ScoringMethod.SURVEY,
    "điều tra": ScoringMethod.SURVEY,
    "dieu tra xa hoi hoc": ScoringMethod.SURVEY,
}


class PointsError(ValueError):
    """A number of points that cannot be accepted; ``message`` is Vietnamese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_points(text: object) -> Decimal:
    """Points typed by a person: "14,5" or "14.5", at most 2 decimals, not negative.

    Returns a Decimal (never a float) or raises PointsError with a Vietnamese message.
    """
    if isinstance(text, bool):
        raise PointsError("Điểm phải là một số, ví dụ 14,5.")
    if isinstance(text, int | float | Decimal):
        text = str(text)
    value = unicodedata.normalize("NFC", str(text or "")).strip().replace(" ", "")
    if not value:
        raise PointsError("Hãy nhập điểm.")
    if "," in value and "." in value:
        raise PointsError(f"“{value}” không phải là số hợp lệ; dùng dạng 14,5.")
    value = value.replace(",", ".")
    negative = value.startswith("-")
    if negative:
        value = value[1:]
    if not _NUMBER_RE.match(value):
        raise PointsError(f"“{text}” không phải là số; hãy nhập dạng 14,5.")
    if negative and Decimal(value) != 0:
        raise PointsError("Điểm không được là số âm.")
    number = Decimal(value)
    if -number.as_tuple().exponent > 2 and number != number.quantize(Decimal("0.01")):
        raise PointsError("Điểm chỉ được có tối đa 2 chữ số thập phân.")
    if number >= MAX_POINTS:
        raise PointsError("Điểm quá lớn.")
    return number.quantize(Decimal("0.01"))


def points(value: Decimal | int | None) -> str:
    """14,5 / 10 / 0,25: Vietnamese decimals without trailing zeros; "" for None."""
    if value is None:
        return ""
    return format_number(Decimal(value), 2)


def index_points(value: Decimal | None) -> str:
    """The 100-point index always with 2 decimals (35,00), as it is rounded."""
    if value is None:
        return ""
    return format_number(Decimal(value), 2, fixed=True)


@dataclass(frozen=True)
class TableIssue:
    """A problem in the imported table: row number as in the file (header is row 1)."""

    row: int | None
    column: str | None
    message: str


@dataclass
class ItemRow:
    """One valid row, ready to become an IndexItem."""

    row: int
    code: str
    parent_code: str | None
    title: str
    max_points: Decimal
    method: ScoringMethod
    guidance: str = ""
    office_code: str | None = None
    level: int = 1
    method_given: bool = True  # False: the cell was empty and the parent's method applies


def _norm(text: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(text or "")).split()).strip()


def _header_key(header: str) -> str | None:
    name = _norm(header).lower().rstrip(" *:")
    for key, aliases in _ALIASES.items():
        if name in aliases:
            return key
    return None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return spreadsheets.restore_text(_norm(strip_control(str(value))))


def _csv_text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise DomainError(
            "Tệp CSV phải lưu bằng bảng mã UTF-8 (Excel: “CSV UTF-8”).", field="file"
        ) from err


def _delimiter(data: bytes) -> str:
    first = data[:4096].decode("utf-8", "ignore").split("\n", 1)[0]
    return max((",", ";", "\t"), key=first.count)


def read_table(filename: str, data: bytes) -> list[tuple[int, list[str]]]:
    """Rows of a CSV or XLSX file as (row number, cells); the header is row 1.

    Raises DomainError when the file cannot be read at all.
    """
    name = (filename or "").lower()
    if not name.endswith((".xlsx", ".csv")):
        raise DomainError("Chỉ nhận tệp .csv hoặc .xlsx.", field="file")
    try:
        spreadsheets.check_upload_size(data)
        if name.endswith(".xlsx"):
            values = spreadsheets.read_xlsx_rows(data, MAX_ROWS + 1)
        else:
            values = spreadsheets.read_csv_rows(_csv_text(data), _delimiter(data), MAX_ROWS + 1)
    except spreadsheets.SpreadsheetRefused as refused:
        raise DomainError(refused.message, field="file") from refused
    except csv.Error as err:  # e.g. a cell longer than csv's field limit
        raise DomainError(
            "Không đọc được tệp CSV: có ô quá dài (trên 131.072 ký tự) hoặc sai định dạng.",
            field="file",
        ) from err
    rows = [(n, [_cell(v) for v in row]) for n, row in enumerate(values, start=1)]
    rows = [(n, cells) for n, cells in rows if any(cells)]
    if len(rows) > MAX_ROWS + 1:
        raise DomainError(f"Tệp có quá {MAX_ROWS} dòng.", field="file")
    return rows


def parse_rows(
    table: list[tuple[int, list[str]]], office_codes: set[str]
) -> tuple[list[ItemRow], list[TableIssue]]:
    """Check every row and the tree they form; return the rows and every issue found.

    Rules: a code like "3.2.1" used once; the parent exists (or, without a parent column,
    is the code minus its last part); at most three levels; a parent's maximum equals the sum
    of its children's; survey fields have only survey children; an office only on a leaf.
    """
    issues: list[TableIssue] = []
    if not table:
        return [], [TableIssue(None, None, "Tệp không có dữ liệu.")]
    header_row, headers = table[0]
    keys = [_header_key(h) for h in headers]
    for key in REQUIRED:
        if key not in keys:
            issues.append(TableIssue(header_row, COLUMNS[key], f"Thiếu cột “{COLUMNS[key]}”."))
    if issues:
        return [], issues
    if len(table) == 1:
        return [], [TableIssue(None, None, "Tệp không có dòng dữ liệu nào.")]
    has_parent_column = "parent" in keys
    upper_offices = {c.upper(): c for c in office_codes}

    rows: list[ItemRow] = []
    seen: dict[str, int] = {}
    for number, cells in table[1:]:
        values = {k: (cells[i] if i < len(cells) else "") for i, k in enumerate(keys) if k}
        row_issues: list[TableIssue] = []

        def bad(column: str, message: str, number: int = number, sink=row_issues) -> None:
            sink.append(TableIssue(number, COLUMNS[column], message))

        code = values.get("code", "")
        if not code:
            bad("code", "Thiếu mã.")
        elif len(code) > 20 or not _CODE_RE.match(code):
            bad("code", f"Mã “{code}” không hợp lệ: dùng dạng 3.2.1.")
        elif code in seen:
            bad("code", f"Mã “{code}” trùng với dòng {seen[code]}.")
        title = values.get("title", "")
        if not title:
            bad("title", "Thiếu nội dung.")
        elif len(title) > 500:
            bad("title", "Nội dung dài quá 500 ký tự.")
        try:
            max_points = parse_points(values.get("max_points", ""))
        except PointsError as err:
            bad("max_points", err.message)
            max_points = None
        method_text = values.get("method", "").lower()
        if method_text not in _METHODS:
            bad(
                "method",
                f"Phương thức “{values['method']}” không rõ: "
                "“Tự đánh giá” hoặc “Điều tra xã hội học”.",
            )
        office = values.get("office", "")
        if office and office.upper() not in upper_offices:
            bad("office", f"Không có đơn vị mã “{office}”.")
        if has_parent_column:
            parent = values.get("parent") or None
        else:
            parent = code.rsplit(".", 1)[0] if code and "." in code else None
        if parent is not None and parent == code:
            bad("parent", "Mục không thể là mục cha của chính nó.")
        guidance = values.get("guidance", "")
        if code and code not in seen:
            seen[code] = number
        issues.extend(row_issues)
        if not row_issues:
            rows.append(
                ItemRow(
                    row=number,
                    code=code,
                    parent_code=parent,
                    title=title,
                    max_points=max_points or Decimal("0"),
                    method=_METHODS[method_text] or ScoringMethod.SELF,
                    guidance=guidance,
                    office_code=upper_offices.get(office.upper()) if office else None,
                    method_given=bool(method_text),
                )
            )

    issues.extend(_check_tree(rows, seen))
    return rows, sorted(issues, key=lambda i: i.row or 0)


def _check_tree(rows: list[ItemRow], all_codes: dict[str, int]) -> list[TableIssue]:
    issues: list[TableIssue] = []
    by_code = {r.code: r for r in rows}
    children: dict[str, list[ItemRow]] = {}
    for r in rows:
        if r.parent_code is None:
            continue
        if r.parent_code not in all_codes:
            issues.append(
                TableIssue(
                    r.row, COLUMNS["parent"], f"Mục cha “{r.parent_code}” không có trong tệp."
                )
            )
            continue
        children.setdefault(r.parent_code, []).append(r)

    # Levels, following parents upwards; a loop or a fourth level is an error.
    for r in rows:
        level, node, path = 1, r, {r.code}
        while node.parent_code is not None and node.parent_code in by_code:
            node = by_code[node.parent_code]
            if node.code in path:
                issues.append(TableIssue(r.row, COLUMNS["parent"], "Các mục cha tạo thành vòng."))
                level = 0
                break
            path.add(node.code)
            level += 1
        r.level = level
        if level > MAX_LEVEL:
            issues.append(
                TableIssue(
                    r.row,
                    COLUMNS["parent"],
                    "Quá 3 cấp: lĩnh vực → tiêu chí → tiêu chí thành phần.",
                )
            )

    # Methods are set on the field and inherited; a child may not contradict its parent.
    for r in sorted(rows, key=lambda x: x.level):
        parent = by_code.get(r.parent_code or "")
        if parent is None:
            continue
        if not r.method_given:
            r.method = parent.method
        elif r.method != parent.method:
            issues.append(
                TableIssue(
                    r.row,
                    COLUMNS["method"],
                    f"Phương thức khác với mục cha “{parent.code}” ({parent.method.label}).",
                )
            )

    for code, kids in children.items():
        parent = by_code.get(code)
        if parent is None:
            continue  # the parent row itself had an error, already reported
        total = sum((k.max_points for k in kids), Decimal("0"))
        if total != parent.max_points:
            issues.append(
                TableIssue(
                    parent.row,
                    COLUMNS["max_points"],
                    f"Điểm tối đa của “{code}” là {points(parent.max_points)} nhưng tổng điểm "
                    f"các mục con ({', '.join(k.code for k in kids)}) là {points(total)}.",
                )
            )
        if parent.office_code:
            issues.append(
                TableIssue(
                    parent.row,
                    COLUMNS["office"],
                    "Chỉ giao đơn vị cho tiêu chí không có tiêu chí con.",
                )
            )
    for r in rows:
        if r.office_code and r.method == ScoringMethod.SURVEY and r.code not in children:
            issues.append(
                TableIssue(
                    r.row,
                    COLUMNS["office"],
                    "Phần điều tra xã hội học không giao cho đơn vị tự chấm.",
                )
            )
    return issues


def default_rows(office_codes: set[str]) -> list[ItemRow]:
    """The default set of SPEC §4, shipped in the package (offices as in seed 003)."""
    table = read_table(DEFAULT_SET_PATH.name, DEFAULT_SET_PATH.read_bytes())
    rows, issues = parse_rows(table, office_codes)
    if issues:  # only when an admin has removed a default office
        rows_without_office = [(n, [*cells[:6], ""]) for n, cells in table[1:]]
        rows, issues = parse_rows([table[0], *rows_without_office], office_codes)
    if issues:
        raise DomainError("Bộ chỉ số mặc định không hợp lệ: " + issues[0].message)
    return rows


def rows_to_csv(rows: list[list[object]]) -> bytes:
    """CSV with a BOM, so that Excel opens the Vietnamese text correctly; cells inert."""
    return spreadsheets.csv_bytes(COLUMNS.values(), rows)


def xlsx_bytes(
    sheets: list[tuple[str, list[str], list[list[object]]]],
    bold_rows: dict[str, set[int]] | None = None,
) -> bytes:
    """A workbook with one sheet per (title, header, rows); numbers stay numbers."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        for row in rows:
            sheet.append(list(row))
        for index in (bold_rows or {}).get(title, set()):
            for cell in sheet[index + 2]:
                cell.font = Font(bold=True)
        for column, letter in zip(header, "ABCDEFGHIJKLMNOP", strict=False):
            width = 60 if column in ("Nội dung", "Hướng dẫn chấm điểm", "Tiêu chí") else 16
            sheet.column_dimensions[letter].width = width
        sheet.freeze_panes = "A2"
    return spreadsheets.workbook_bytes(workbook)
